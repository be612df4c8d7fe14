package server

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
)

// call sends one awsJson request through the server's router and decodes the answer.
func call(t *testing.T, srv *Server, target, body string) (int, map[string]any) {
	t.Helper()
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	r.Header.Set("X-Amz-Target", target)
	w := httptest.NewRecorder()
	srv.Handler().ServeHTTP(w, r)
	var out map[string]any
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &out), w.Body.String())
	return w.Code, out
}

// TestExecutionLogs: a state machine's loggingConfiguration delivers its executions' history
// events to the log group in AWS's log-event format, filtered by level, readable with
// DescribeLogStreams, GetLogEvents and FilterLogEvents.
func TestExecutionLogs(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"a":1},"Next":"F"},"F":{"Type":"Fail","Error":"Boom","Cause":"bad"}}}`
	cases := []struct {
		level       string
		includeData bool
		wantTypes   []string
	}{
		{"ALL", true, []string{"ExecutionStarted", "PassStateEntered", "PassStateExited", "FailStateEntered", "ExecutionFailed"}},
		{"ALL", false, []string{"ExecutionStarted", "PassStateEntered", "PassStateExited", "FailStateEntered", "ExecutionFailed"}},
		{"ERROR", true, []string{"FailStateEntered", "ExecutionFailed"}},
		{"FATAL", true, []string{"ExecutionFailed"}},
		{"OFF", true, nil},
	}
	for _, tc := range cases {
		t.Run(tc.level, func(t *testing.T) {
			t.Parallel()
			srv, err := New(testConfig(t), zap.NewNop())
			require.NoError(t, err)
			t.Cleanup(func() { _ = srv.Close() })
			code, _ := call(t, srv, "Logs_20140328.CreateLogGroup", `{"logGroupName":"/sfn/test"}`)
			require.Equal(t, 200, code)
			_, groups := call(t, srv, "Logs_20140328.DescribeLogGroups", `{"logGroupNamePrefix":"/sfn/"}`)
			arn := groups["logGroups"].([]any)[0].(map[string]any)["arn"].(string)
			require.Equal(t, "arn:aws:logs:us-east-1:123456789012:log-group:/sfn/test:*", arn)
			logging, _ := json.Marshal(map[string]any{"level": tc.level, "includeExecutionData": tc.includeData,
				"destinations": []any{map[string]any{"cloudWatchLogsLogGroup": map[string]any{"logGroupArn": arn}}}})
			body, _ := json.Marshal(map[string]any{"name": "logged", "definition": def, "roleArn": "arn:aws:iam::123456789012:role/r", "loggingConfiguration": json.RawMessage(logging)})
			code, sm := call(t, srv, "AWSStepFunctions.CreateStateMachine", string(body))
			require.Equal(t, 200, code, sm)
			code, st := call(t, srv, "AWSStepFunctions.StartExecution", `{"stateMachineArn":"`+sm["stateMachineArn"].(string)+`","input":"{\"in\":true}"}`)
			require.Equal(t, 200, code, st)
			execArn := st["executionArn"].(string)
			require.NoError(t, srv.WaitExecution(context.Background(), execArn))
			_, streams := call(t, srv, "Logs_20140328.DescribeLogStreams", `{"logGroupName":"/sfn/test"}`)
			list := streams["logStreams"].([]any)
			if tc.wantTypes == nil {
				require.Empty(t, list)
				return
			}
			require.Len(t, list, 1)
			stream := list[0].(map[string]any)["logStreamName"].(string)
			require.True(t, strings.HasPrefix(stream, "states/logged/"), stream)
			_, got := call(t, srv, "Logs_20140328.GetLogEvents", `{"logGroupName":"/sfn/test","logStreamName":"`+stream+`","startFromHead":true}`)
			var types []string
			for _, e := range got["events"].([]any) {
				msg := e.(map[string]any)["message"].(string)
				var le map[string]any
				require.NoError(t, json.Unmarshal([]byte(msg), &le))
				// AWS's log-event format: strings for ids and the timestamp.
				require.Equal(t, execArn, le["execution_arn"])
				require.IsType(t, "", le["id"])
				require.IsType(t, "", le["previous_event_id"])
				require.IsType(t, "", le["event_timestamp"])
				require.Equal(t, "0", le["redrive_count"])
				require.True(t, strings.HasPrefix(msg, `{"id":"`), msg)
				types = append(types, le["type"].(string))
				if le["type"] == "ExecutionStarted" {
					_, has := le["details"].(map[string]any)["input"]
					require.Equal(t, tc.includeData, has, msg)
				}
			}
			require.Equal(t, tc.wantTypes, types)
			_, filtered := call(t, srv, "Logs_20140328.FilterLogEvents", `{"logGroupName":"/sfn/test","filterPattern":"{ $.type = \"ExecutionFailed\" }"}`)
			require.Len(t, filtered["events"].([]any), 1)
			_, filtered = call(t, srv, "Logs_20140328.FilterLogEvents", `{"logGroupIdentifier":"`+strings.TrimSuffix(arn, ":*")+`","filterPattern":"Boom"}`)
			require.NotEmpty(t, filtered["events"].([]any))
		})
	}
}
