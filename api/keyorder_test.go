package api_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/internal/value"
)

// TestIntegrationOutputKeyOrder pins the key order of the outputs the Step Functions
// integrations generate to the order AWS recorded them in (the recordings keep AWS's order
// in these objects; see task.SdkHTTPMetadata):
//   - states:startExecution.sync's TaskSubmitted and TaskSucceeded outputs: conformance case
//     credentials test_cross_account_states_start_sync_execution[SFN_START_EXECUTION_SYNC_ROLE_ARN_PATH]
//     (members sorted, as Jackson writes the Java SDK v1's results);
//   - aws-sdk:sfn:startExecution: services-aws-sdk-sfn (sorted as well).
func TestIntegrationOutputKeyOrder(t *testing.T) {
	t.Parallel()
	_, c := nestedService(t, nil)
	child := createSM(t, c, "child", passResultDef, "")
	cases := []struct {
		name, resource string
		want           map[string][]string // event type → keys, "Type/SdkHttpMetadata" for the nested object
	}{
		{"states sync", "arn:aws:states:::states:startExecution.sync", map[string][]string{
			"TaskSubmitted":                 {"ExecutionArn", "SdkHttpMetadata", "SdkResponseMetadata", "StartDate"},
			"TaskSubmitted/SdkHttpMetadata": {"AllHttpHeaders", "HttpHeaders", "HttpStatusCode"},
			"TaskSubmitted/AllHttpHeaders":  {"x-amzn-RequestId", "connection", "Content-Length", "Date", "Content-Type"},
			"TaskSubmitted/HttpHeaders":     {"connection", "Content-Length", "Content-Type", "Date", "x-amzn-RequestId"},
			"TaskSucceeded": {"ExecutionArn", "Input", "InputDetails", "Name", "Output", "OutputDetails", "RedriveCount",
				"RedriveStatus", "RedriveStatusReason", "StartDate", "StateMachineArn", "Status", "StopDate"},
		}},
		{"states request-response", "arn:aws:states:::states:startExecution", map[string][]string{
			"TaskSucceeded": {"ExecutionArn", "SdkHttpMetadata", "SdkResponseMetadata", "StartDate"},
		}},
		{"aws-sdk", "arn:aws:states:::aws-sdk:sfn:startExecution", map[string][]string{
			"TaskSucceeded": {"ExecutionArn", "StartDate"},
		}},
	}
	for i, tc := range cases {
		d := runNested(t, c, "parent"+string(rune('0'+i)), startTask(tc.resource, `{"StateMachineArn":"`+child+`","Input":"\"x\""}`), `{}`)
		require.Equal(t, types.ExecutionStatusSucceeded, d.Status, tc.name)
		h, err := c.GetExecutionHistory(context.Background(), &sfn.GetExecutionHistoryInput{ExecutionArn: d.ExecutionArn})
		require.NoError(t, err)
		seen := 0
		for _, ev := range h.Events {
			var out *string
			switch {
			case ev.TaskSubmittedEventDetails != nil:
				out = ev.TaskSubmittedEventDetails.Output
			case ev.TaskSucceededEventDetails != nil:
				out = ev.TaskSucceededEventDetails.Output
			default:
				continue
			}
			v, err := value.Decode([]byte(*out))
			require.NoError(t, err)
			o := v.(*value.Object)
			typ := string(ev.Type)
			for key, want := range tc.want {
				got := o
				switch key {
				case typ:
				case typ + "/SdkHttpMetadata":
					md, _ := o.Get("SdkHttpMetadata")
					got = md.(*value.Object)
				case typ + "/AllHttpHeaders", typ + "/HttpHeaders":
					md, _ := o.Get("SdkHttpMetadata")
					hv, _ := md.(*value.Object).Get(key[len(typ)+1:])
					got = hv.(*value.Object)
				default:
					continue
				}
				seen++
				require.Equal(t, want, got.Keys(), "%s %s", tc.name, key)
			}
		}
		require.Equal(t, len(tc.want), seen, tc.name)
	}
}
