package batch

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAWSCLI drives the Batch API and the logs subset with the real `aws` CLI (skipped when it
// is not installed): `aws batch --endpoint-url` and `aws logs get-log-events` must work.
func TestAWSCLI(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("aws CLI not installed")
	}
	f := newFixture(t)
	mux := http.NewServeMux()
	mux.Handle("/v1/", f.s.Handler())
	mux.Handle("/", f.s.LogsHandler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	aws := func(args ...string) map[string]any {
		t.Helper()
		cmd := exec.Command("aws", append([]string{"--endpoint-url", srv.URL, "--output", "json"}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
			"AWS_DEFAULT_REGION=us-east-1", "AWS_PAGER=", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
		var m map[string]any
		require.NoError(t, json.Unmarshal(out, &m), string(out))
		return m
	}
	aws("batch", "register-job-definition", "--job-definition-name", "cli", "--type", "container",
		"--container-properties", `{"image":"img","command":["exit","0"]}`)
	sub := aws("batch", "submit-job", "--job-name", "cli", "--job-queue", "default", "--job-definition", "cli")
	id := sub["jobId"].(string)
	d := f.waitStatus(t, id, StatusSucceeded)
	got := aws("batch", "describe-jobs", "--jobs", id)
	require.Equal(t, "SUCCEEDED", got["jobs"].([]any)[0].(map[string]any)["status"])
	logs := aws("logs", "get-log-events", "--log-group-name", LogGroup, "--log-stream-name", d.Container.LogStreamName)
	require.Equal(t, []string{"hi from exit 0", "second line"}, messages(logs))

	cmd := exec.Command("aws", "--endpoint-url", srv.URL, "batch", "submit-job", "--job-name", "x",
		"--job-queue", "nope", "--job-definition", "cli")
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	out, err := cmd.CombinedOutput()
	require.Error(t, err)
	require.Contains(t, string(out), "An error occurred (ClientException) when calling the SubmitJob operation: Job Queue nope does not exist")
}
