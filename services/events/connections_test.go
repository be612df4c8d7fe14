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

// TestConnectionsCLI drives the connection operations with the real `aws events` (skipped when
// the AWS CLI is not installed, failing when CI=true).
func TestConnectionsCLI(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("aws"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the aws CLI is required in CI: %v", err)
		}
		t.Skip("aws CLI not installed")
	}
	s := newService(t)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	aws := func(args ...string) (map[string]any, string, error) {
		cmd := exec.Command("aws", append([]string{"events", "--endpoint-url", srv.URL, "--output", "json"}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION=us-east-1", "AWS_PAGER=", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			return nil, stderr.String(), err
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(stdout.String()), &m), stdout.String())
		return m, "", nil
	}
	m, msg, err := aws("create-connection", "--name", "stripe", "--authorization-type", "API_KEY",
		"--auth-parameters", `{"ApiKeyAuthParameters":{"ApiKeyName":"X-Api-Key","ApiKeyValue":"s3cret"},"InvocationHttpParameters":{"HeaderParameters":[{"Key":"X-Mode","Value":"conn","IsValueSecret":true}]}}`)
	require.NoError(t, err, msg)
	require.Equal(t, "AUTHORIZED", m["ConnectionState"])
	arn := m["ConnectionArn"].(string)
	require.Regexp(t, `^arn:aws:events:us-east-1:111111111111:connection/stripe/[0-9a-f-]{36}$`, arn)

	m, msg, err = aws("create-connection", "--name", "idp", "--authorization-type", "OAUTH_CLIENT_CREDENTIALS",
		"--auth-parameters", `{"OAuthParameters":{"ClientParameters":{"ClientID":"id","ClientSecret":"secret"},"AuthorizationEndpoint":"https://idp.example/token","HttpMethod":"POST"}}`)
	require.NoError(t, err, msg)
	require.Equal(t, "AUTHORIZING", m["ConnectionState"])

	_, msg, err = aws("create-connection", "--name", "stripe", "--authorization-type", "BASIC",
		"--auth-parameters", `{"BasicAuthParameters":{"Username":"u","Password":"p"}}`)
	require.Error(t, err)
	require.Contains(t, msg, "An error occurred (ResourceAlreadyExistsException) when calling the CreateConnection operation: Connection stripe already exists.")

	_, msg, err = aws("create-connection", "--name", "bad", "--authorization-type", "BASIC", "--auth-parameters", `{"ApiKeyAuthParameters":{"ApiKeyName":"k","ApiKeyValue":"v"}}`)
	require.Error(t, err)
	require.Contains(t, msg, "ValidationException")

	m, msg, err = aws("describe-connection", "--name", "stripe")
	require.NoError(t, err, msg)
	require.Equal(t, arn, m["ConnectionArn"])
	require.Equal(t, "API_KEY", m["AuthorizationType"])
	require.Equal(t, map[string]any{
		"ApiKeyAuthParameters":     map[string]any{"ApiKeyName": "X-Api-Key"},
		"InvocationHttpParameters": map[string]any{"HeaderParameters": []any{map[string]any{"Key": "X-Mode", "IsValueSecret": true}}},
	}, m["AuthParameters"], "secrets are not shown")
	require.Contains(t, m["SecretArn"], "secret:events!connection/stripe/")

	c, ok := s.ConnectionByArn(arn)
	require.True(t, ok)
	require.Equal(t, "s3cret", c.AuthParameters.APIKeyAuthParameters.APIKeyValue)

	m, msg, err = aws("list-connections", "--name-prefix", "st")
	require.NoError(t, err, msg)
	require.Len(t, m["Connections"], 1)

	m, msg, err = aws("deauthorize-connection", "--name", "stripe")
	require.NoError(t, err, msg)
	require.Equal(t, "DEAUTHORIZED", m["ConnectionState"])

	m, msg, err = aws("delete-connection", "--name", "stripe")
	require.NoError(t, err, msg)
	require.Equal(t, "DELETING", m["ConnectionState"])

	_, msg, err = aws("describe-connection", "--name", "stripe")
	require.Error(t, err)
	require.Contains(t, msg, "An error occurred (ResourceNotFoundException) when calling the DescribeConnection operation: Failed to describe the connection(s). Connection 'stripe' does not exist.")
}
