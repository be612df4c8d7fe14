// Package gotest shows how to test a state machine from `go test` with sfnlocaltest and
// aws-sdk-go-v2: the server runs in-process on a free port, a Lambda function is plain Go
// code registered with the server, and waits take no time in instant mode.
package gotest

import (
	"context"
	"encoding/json"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/sfnlocaltest"
)

const definition = `{
  "StartAt": "Price order",
  "States": {
    "Price order": {
      "Type": "Task",
      "Resource": "arn:aws:states:::lambda:invoke",
      "Parameters": {"FunctionName": "price-order", "Payload.$": "$"},
      "ResultSelector": {"total.$": "$.Payload.total"},
      "ResultPath": "$.price",
      "Retry": [{"ErrorEquals": ["PricingUnavailable"], "IntervalSeconds": 30, "MaxAttempts": 2}],
      "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Rejected"}],
      "Next": "Big order?"
    },
    "Big order?": {
      "Type": "Choice",
      "Choices": [{"Variable": "$.price.total", "NumericGreaterThan": 100, "Next": "Hold for review"}],
      "Default": "Accepted"
    },
    "Hold for review": {"Type": "Wait", "Seconds": 3600, "Next": "Accepted"},
    "Accepted": {"Type": "Pass", "Parameters": {"status": "ACCEPTED", "total.$": "$.price.total"}, "End": true},
    "Rejected": {"Type": "Fail", "Error": "OrderRejected", "CausePath": "$.Cause"}
  }
}`

// priceOrder is the Lambda function under test: ordinary Go code.
func priceOrder(calls *atomic.Int32) func(ctx context.Context, payload []byte) ([]byte, error) {
	return func(ctx context.Context, payload []byte) ([]byte, error) {
		calls.Add(1)
		var order struct {
			Items []struct {
				Price float64 `json:"price"`
				Qty   int     `json:"qty"`
			} `json:"items"`
		}
		if err := json.Unmarshal(payload, &order); err != nil {
			return nil, err
		}
		if len(order.Items) == 0 {
			return nil, errors.New("order has no items")
		}
		total := 0.0
		for _, it := range order.Items {
			total += it.Price * float64(it.Qty)
		}
		return json.Marshal(map[string]any{"total": total})
	}
}

func TestOrderWorkflow(t *testing.T) {
	t.Parallel()
	srv := sfnlocaltest.New(t, sfnlocaltest.WithTime("instant"))
	var calls atomic.Int32
	srv.Lambda().RegisterGoFunction("price-order", priceOrder(&calls))

	ctx := context.Background()
	client := sfn.NewFromConfig(srv.AWSConfig())
	sm, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name: aws.String("orders"), Definition: aws.String(definition),
		RoleArn: aws.String("arn:aws:iam::123456789012:role/orders"),
	})
	require.NoError(t, err)

	tests := []struct {
		name       string
		input      string
		wantStatus types.ExecutionStatus
		wantOutput string
		wantError  string
		wantWait   bool
	}{
		{name: "small order", input: `{"items":[{"price":5,"qty":2}]}`, wantStatus: types.ExecutionStatusSucceeded, wantOutput: `{"status":"ACCEPTED","total":10}`},
		{name: "big order waits an hour", input: `{"items":[{"price":60,"qty":2}]}`, wantStatus: types.ExecutionStatusSucceeded, wantOutput: `{"status":"ACCEPTED","total":120}`, wantWait: true},
		{name: "empty order is rejected", input: `{"items":[]}`, wantStatus: types.ExecutionStatusFailed, wantError: "OrderRejected"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(tc.input)})
			require.NoError(t, err)
			// Wait for the end (no polling), then read the result as any client would.
			require.NoError(t, srv.WaitExecution(ctx, *start.ExecutionArn))
			out, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: start.ExecutionArn})
			require.NoError(t, err)
			require.Equal(t, tc.wantStatus, out.Status)
			if tc.wantOutput != "" {
				require.JSONEq(t, tc.wantOutput, aws.ToString(out.Output))
			}
			require.Equal(t, tc.wantError, aws.ToString(out.Error))

			hist, err := client.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: start.ExecutionArn})
			require.NoError(t, err)
			var waited bool
			for _, ev := range hist.Events {
				if ev.Type == types.HistoryEventTypeWaitStateExited {
					waited = true
				}
			}
			require.Equal(t, tc.wantWait, waited)
			if tc.wantWait {
				// Instant time: the hour passed in history, not on the wall clock.
				first, last := hist.Events[0].Timestamp, hist.Events[len(hist.Events)-1].Timestamp
				require.GreaterOrEqual(t, last.Sub(*first), time.Hour)
			}
		})
	}
	require.Equal(t, int32(3), calls.Load())
}

// TestExpressSync runs an EXPRESS machine with StartSyncExecution: sfnlocaltest's AWSConfig
// turns off the SDK's "sync-" host prefix, so the call reaches the local server.
func TestExpressSync(t *testing.T) {
	t.Parallel()
	srv := sfnlocaltest.New(t)
	ctx := context.Background()
	client := sfn.NewFromConfig(srv.AWSConfig())
	sm, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name: aws.String("express"), Type: types.StateMachineTypeExpress,
		Definition: aws.String(`{"StartAt":"Hello","States":{"Hello":{"Type":"Pass","Parameters":{"greeting.$":"States.Format('hello {}', $.name)"},"End":true}}}`),
		RoleArn:    aws.String("arn:aws:iam::123456789012:role/express"),
	})
	require.NoError(t, err)
	out, err := client.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`{"name":"sfnlocal"}`)})
	require.NoError(t, err)
	require.Equal(t, types.SyncExecutionStatusSucceeded, out.Status)
	require.JSONEq(t, `{"greeting":"hello sfnlocal"}`, aws.ToString(out.Output))
}
