package events

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAWSCLI drives the EventBridge API with the real `aws events --endpoint-url` (skipped when
// the AWS CLI is not installed).
func TestAWSCLI(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("aws CLI not installed")
	}
	s := newService(t)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	aws := func(args ...string) (string, error) {
		cmd := exec.Command("aws", append([]string{"events", "--endpoint-url", srv.URL, "--output", "json"}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION=us-east-1", "AWS_PAGER=", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
		cmd.Dir = dir
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			return stdout.String() + stderr.String(), err
		}
		return stdout.String(), nil
	}
	decode := func(out string) map[string]any {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(out), &m), out)
		return m
	}

	out, err := aws("create-event-bus", "--name", "orders")
	require.NoError(t, err, out)
	require.Equal(t, "arn:aws:events:us-east-1:111111111111:event-bus/orders", decode(out)["EventBusArn"])

	out, err = aws("list-event-buses")
	require.NoError(t, err, out)
	buses := decode(out)["EventBuses"].([]any)
	require.Len(t, buses, 2)
	require.Equal(t, "default", buses[0].(map[string]any)["Name"])

	out, err = aws("describe-event-bus", "--name", "orders")
	require.NoError(t, err, out)
	require.Equal(t, "orders", decode(out)["Name"])

	out, err = aws("put-rule", "--name", "r", "--event-bus-name", "orders", "--event-pattern", `{"source":["app"]}`)
	require.NoError(t, err, out)
	require.Equal(t, "arn:aws:events:us-east-1:111111111111:rule/orders/r", decode(out)["RuleArn"])

	out, err = aws("put-rule", "--name", "bad", "--event-pattern", `{"source":"app"}`)
	require.Error(t, err)
	require.Contains(t, out, "An error occurred (InvalidEventPatternException) when calling the PutRule operation: Event pattern is not valid.")

	out, err = aws("describe-rule", "--name", "r", "--event-bus-name", "orders")
	require.NoError(t, err, out)
	require.Equal(t, `{"source":["app"]}`, decode(out)["EventPattern"])

	out, err = aws("list-rules", "--event-bus-name", "orders")
	require.NoError(t, err, out)
	require.Len(t, decode(out)["Rules"], 1)

	out, err = aws("put-targets", "--rule", "r", "--event-bus-name", "orders", "--targets", `[{"Id":"q","Arn":"arn:aws:sqs:us-east-1:111111111111:q"}]`)
	require.NoError(t, err, out)
	require.Equal(t, float64(0), decode(out)["FailedEntryCount"])

	out, err = aws("list-targets-by-rule", "--rule", "r", "--event-bus-name", "orders")
	require.NoError(t, err, out)
	require.Equal(t, []any{map[string]any{"Id": "q", "Arn": "arn:aws:sqs:us-east-1:111111111111:q"}}, decode(out)["Targets"])

	out, err = aws("put-events", "--entries", `[{"Source":"app","DetailType":"created","Detail":"{\"id\":1}","EventBusName":"orders","Time":"2024-04-18T06:00:00Z"},{"Source":"app","DetailType":"created","Detail":"nope"}]`)
	require.NoError(t, err, out)
	res := decode(out)
	require.Equal(t, float64(1), res["FailedEntryCount"])
	entries := res["Entries"].([]any)
	require.Equal(t, map[string]any{"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}, entries[1])
	evs := s.Events("orders")
	require.Len(t, evs, 1)
	require.Equal(t, entries[0].(map[string]any)["EventId"], evs[0].EventID)
	require.Equal(t, "2024-04-18T06:00:00Z", evs[0].Time.Format("2006-01-02T15:04:05Z07:00"))

	out, err = aws("delete-rule", "--name", "r", "--event-bus-name", "orders")
	require.Error(t, err)
	require.Contains(t, out, "An error occurred (ValidationException) when calling the DeleteRule operation: Rule can't be deleted since it has targets.")

	out, err = aws("remove-targets", "--rule", "r", "--event-bus-name", "orders", "--ids", "q")
	require.NoError(t, err, out)
	out, err = aws("delete-rule", "--name", "r", "--event-bus-name", "orders")
	require.NoError(t, err, out)
	out, err = aws("delete-event-bus", "--name", "orders")
	require.NoError(t, err, out)
	out, err = aws("describe-event-bus", "--name", "orders")
	require.Error(t, err)
	require.Contains(t, out, "An error occurred (ResourceNotFoundException) when calling the DescribeEventBus operation: Event bus orders does not exist.")
}
