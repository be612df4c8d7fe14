package server

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/conformance"
	"github.com/sfnlocal/sfnlocal/internal/config"
)

// TestRecordedExpressLogs runs the recorded asynchronous Express cases whose outcome AWS
// recorded from the execution's CloudWatch Logs (expected.source express_logs_end_event):
// each runs through the API with a logging configuration, and its outcome is read back from
// the end event in the log group, as the recording read it.
func TestRecordedExpressLogs(t *testing.T) {
	t.Parallel()
	dir, ok := conformance.Dir(os.Getenv)
	if !ok {
		if os.Getenv("CI") == "true" {
			t.Fatal("the recorded conformance corpus is missing")
		}
		t.Skip("no recorded conformance corpus")
	}
	cases, err := conformance.LoadCases(dir)
	require.NoError(t, err)
	ran := 0
	var passed atomic.Int32
	t.Cleanup(func() { t.Logf("conformance express logs: %d/%d passed", passed.Load(), ran) })
	for _, c := range cases {
		if c.Expected.Source != "express_logs_end_event" || c.Tier != "pure" {
			continue
		}
		ran++
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			cfg, err := config.Load([]string{"--addr", "127.0.0.1:0", "--time", "instant", "--account-id", "111111111111"}, func(string) string { return "" }, io.Discard)
			require.NoError(t, err)
			srv, err := New(cfg, zap.NewNop())
			require.NoError(t, err)
			t.Cleanup(func() { _ = srv.Close() })
			code, _ := call(t, srv, "Logs_20140328.CreateLogGroup", `{"logGroupName":"/sfn/express"}`)
			require.Equal(t, 200, code)
			body, _ := json.Marshal(map[string]any{
				"name": c.StateMachine.Name, "definition": string(c.Definition), "roleArn": c.StateMachine.RoleArn, "type": "EXPRESS",
				"loggingConfiguration": map[string]any{"level": "ALL", "includeExecutionData": true, "destinations": []any{
					map[string]any{"cloudWatchLogsLogGroup": map[string]any{"logGroupArn": "arn:aws:logs:us-east-1:111111111111:log-group:/sfn/express:*"}}}},
			})
			code, sm := call(t, srv, "AWSStepFunctions.CreateStateMachine", string(body))
			require.Equal(t, 200, code, sm)
			start := map[string]any{"stateMachineArn": sm["stateMachineArn"], "name": c.Execution.Name}
			if c.Input != nil {
				start["input"] = *c.Input
			}
			body, _ = json.Marshal(start)
			code, st := call(t, srv, "AWSStepFunctions.StartExecution", string(body))
			require.Equal(t, 200, code, st)

			var end map[string]any
			for end == nil {
				_, got := call(t, srv, "Logs_20140328.FilterLogEvents",
					`{"logGroupName":"/sfn/express","filterPattern":"{ $.type = \"ExecutionSucceeded\" || $.type = \"ExecutionFailed\" || $.type = \"ExecutionTimedOut\" || $.type = \"ExecutionAborted\" }"}`)
				if evs := got["events"].([]any); len(evs) > 0 {
					require.NoError(t, json.Unmarshal([]byte(evs[0].(map[string]any)["message"].(string)), &end))
				}
			}
			require.Equal(t, st["executionArn"], end["execution_arn"])
			details := end["details"].(map[string]any)
			r := &conformance.Result{}
			switch end["type"] {
			case "ExecutionSucceeded":
				r.Status = "SUCCEEDED"
			case "ExecutionFailed":
				r.Status = "FAILED"
			default:
				r.Status = end["type"].(string)
			}
			if v, ok := details["output"].(string); ok {
				r.Output, r.HasOutput = v, true
			}
			if v, ok := details["error"].(string); ok {
				r.Error, r.HasError = v, true
			}
			if v, ok := details["cause"].(string); ok {
				r.Cause, r.HasCause = v, true
			}
			require.NoError(t, conformance.NewComparer(c).Compare(r))
			passed.Add(1)
		})
	}
	require.NotZero(t, ran, "no express_logs_end_event case found")
}

// TestRecordedLogsCases runs the recorded cases of state machines created with a logging
// configuration (LocalStack's test_logs, recorded against AWS) through the API: logging at
// every level, with and without execution data, and to a deleted log group, changes nothing
// in the execution's outcome and history.
func TestRecordedLogsCases(t *testing.T) {
	t.Parallel()
	dir, ok := conformance.Dir(os.Getenv)
	if !ok {
		if os.Getenv("CI") == "true" {
			t.Fatal("the recorded conformance corpus is missing")
		}
		t.Skip("no recorded conformance corpus")
	}
	cases, err := conformance.LoadCases(dir)
	require.NoError(t, err)
	ran := 0
	var passed atomic.Int32
	t.Cleanup(func() { t.Logf("conformance logs: %d/%d passed", passed.Load(), ran) })
	for _, c := range cases {
		if c.Category != "logs" || c.Tier != "pure" {
			continue
		}
		ran++
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(c.File)
			require.NoError(t, err)
			var extra struct {
				StateMachine struct {
					Logging map[string]any `json:"logging_configuration"`
				} `json:"state_machine"`
			}
			require.NoError(t, json.Unmarshal(raw, &extra))
			cfg, err := config.Load([]string{"--addr", "127.0.0.1:0", "--time", "instant", "--account-id", "111111111111"}, func(string) string { return "" }, io.Discard)
			require.NoError(t, err)
			srv, err := New(cfg, zap.NewNop())
			require.NoError(t, err)
			t.Cleanup(func() { _ = srv.Close() })
			call(t, srv, "Logs_20140328.CreateLogGroup", `{"logGroupName":"/sfn/logs"}`)
			sm := map[string]any{"name": c.StateMachine.Name, "definition": string(c.Definition), "roleArn": c.StateMachine.RoleArn}
			if l := extra.StateMachine.Logging; l != nil {
				l["destinations"] = []any{map[string]any{"cloudWatchLogsLogGroup": map[string]any{"logGroupArn": "arn:aws:logs:us-east-1:111111111111:log-group:/sfn/logs:*"}}}
				sm["loggingConfiguration"] = l
			}
			body, _ := json.Marshal(sm)
			code, created := call(t, srv, "AWSStepFunctions.CreateStateMachine", string(body))
			require.Equal(t, 200, code, created)
			if strings.Contains(c.Name, "deleted_log_group") {
				code, _ := call(t, srv, "Logs_20140328.DeleteLogGroup", `{"logGroupName":"/sfn/logs"}`)
				require.Equal(t, 200, code)
			}
			start := map[string]any{"stateMachineArn": created["stateMachineArn"], "name": c.Execution.Name}
			if c.Input != nil {
				start["input"] = *c.Input
			}
			body, _ = json.Marshal(start)
			code, st := call(t, srv, "AWSStepFunctions.StartExecution", string(body))
			require.Equal(t, 200, code, st)
			arn := st["executionArn"].(string)
			require.NoError(t, srv.WaitExecution(context.Background(), arn))
			_, d := call(t, srv, "AWSStepFunctions.DescribeExecution", `{"executionArn":"`+arn+`"}`)
			r := &conformance.Result{Status: d["status"].(string)}
			r.Output, r.HasOutput = d["output"].(string)
			r.Error, r.HasError = d["error"].(string)
			r.Cause, r.HasCause = d["cause"].(string)
			_, h := call(t, srv, "AWSStepFunctions.GetExecutionHistory", `{"executionArn":"`+arn+`"}`)
			for _, e := range h["events"].([]any) {
				b, _ := json.Marshal(e)
				r.Events = append(r.Events, b)
			}
			require.NoError(t, conformance.NewComparer(c).Compare(r))
			passed.Add(1)
		})
	}
	require.NotZero(t, ran)
}
