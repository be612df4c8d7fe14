package batch

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestOtherLogGroups: streams written by other simulators (ECS awslogs output) live in their
// own groups, readable with GetLogEvents and DescribeLogStreams, and do not show in the jobs'
// group.
func TestOtherLogGroups(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.s.CreateLogStream("/ecs/web", "ecs/app/1", 10)
	f.s.PutLogLine("/ecs/web", "ecs/app/1", "hello", 20)
	f.s.PutLogLine("/ecs/other", "x", "implicit group and stream", 30)
	f.s.logs.create("jobs/default/1", 10)

	code, out := logsCall(t, f.s.LogsHandler(), "Logs_20140328.GetLogEvents", `{"logGroupName":"/ecs/web","logStreamName":"ecs/app/1"}`)
	require.Equal(t, 200, code)
	require.Equal(t, []string{"hello"}, messages(out))
	require.Equal(t, []LogEvent{{Timestamp: 30, Message: "implicit group and stream", IngestionTime: 30}}, f.s.GroupEvents("/ecs/other", "x"))

	code, out = logsCall(t, f.s.LogsHandler(), "Logs_20140328.DescribeLogStreams", `{"logGroupIdentifier":"arn:aws:logs:us-east-1:123456789012:log-group:/ecs/web:*"}`)
	require.Equal(t, 200, code)
	streams := out["logStreams"].([]any)
	require.Len(t, streams, 1)
	require.Equal(t, "ecs/app/1", streams[0].(map[string]any)["logStreamName"])
	require.Contains(t, streams[0].(map[string]any)["arn"], ":log-group:/ecs/web:log-stream:ecs/app/1")

	code, out = logsCall(t, f.s.LogsHandler(), "Logs_20140328.DescribeLogStreams", `{"logGroupName":"/aws/batch/job"}`)
	require.Equal(t, 200, code)
	require.Len(t, out["logStreams"], 1)

	code, out = logsCall(t, f.s.LogsHandler(), "Logs_20140328.GetLogEvents", `{"logGroupName":"/ecs/web","logStreamName":"jobs/default/1"}`)
	require.Equal(t, 400, code)
	require.Equal(t, "ResourceNotFoundException", out["__type"])
	code, out = logsCall(t, f.s.LogsHandler(), "Logs_20140328.GetLogEvents", `{"logGroupName":"/ecs/none","logStreamName":"x"}`)
	require.Equal(t, 400, code)
	require.Equal(t, "The specified log group does not exist.", out["message"])
}
