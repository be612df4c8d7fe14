package lambda

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAWSCLI drives the Lambda API with the real `aws lambda --endpoint-url` (skipped when the
// AWS CLI is not installed).
func TestAWSCLI(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("aws CLI not installed")
	}
	s := newTestService(t, Config{})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	zipPath := filepath.Join(dir, "fn.zip")
	require.NoError(t, os.WriteFile(zipPath, zipOf(t, map[string][]byte{"handler.py": []byte("def handler(e, c):\n    return {'got': e}\n")}), 0o644))
	aws := func(args ...string) (string, error) {
		cmd := exec.Command("aws", append([]string{"lambda", "--endpoint-url", srv.URL, "--output", "json"}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION=us-east-1", "AWS_PAGER=", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
		cmd.Dir = dir
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if err != nil {
			return stdout.String() + stderr.String(), err
		}
		return stdout.String(), nil
	}
	out, err := aws("create-function", "--function-name", "cli", "--runtime", "python3.12", "--handler", "handler.handler", "--role", testRole, "--zip-file", "fileb://"+zipPath)
	require.NoError(t, err, out)
	require.Contains(t, out, `"FunctionArn": "arn:aws:lambda:us-east-1:111111111111:function:cli"`)

	out, err = aws("invoke", "--function-name", "cli", "--payload", `{"a":1}`, "--cli-binary-format", "raw-in-base64-out", "--log-type", "Tail", "result.json")
	if err != nil && strings.Contains(out, "cli-binary-format") {
		out, err = aws("invoke", "--function-name", "cli", "--payload", `{"a":1}`, "--log-type", "Tail", "result.json")
	}
	require.NoError(t, err, out)
	var resp map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &resp), out)
	require.Equal(t, float64(200), resp["StatusCode"])
	require.Equal(t, "$LATEST", resp["ExecutedVersion"])
	require.NotEmpty(t, resp["LogResult"])
	result, err := os.ReadFile(filepath.Join(dir, "result.json"))
	require.NoError(t, err)
	require.JSONEq(t, `{"got": {"a": 1}}`, string(result))

	out, err = aws("list-functions")
	require.NoError(t, err, out)
	require.Contains(t, out, `"FunctionName": "cli"`)

	out, err = aws("delete-function", "--function-name", "cli")
	require.NoError(t, err, out)
	out, err = aws("get-function", "--function-name", "cli")
	require.Error(t, err)
	require.Contains(t, out, "An error occurred (ResourceNotFoundException) when calling the GetFunction operation: Function not found: arn:aws:lambda:us-east-1:111111111111:function:cli")
}
