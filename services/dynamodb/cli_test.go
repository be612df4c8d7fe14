package dynamodb

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAWSCLI drives the API with the real `aws dynamodb --endpoint-url` (skipped when the CLI
// is not installed). botocore checks the x-amz-crc32 header of every DynamoDB response, so this
// also checks the checksums.
func TestAWSCLI(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("aws"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("aws CLI not installed")
		}
		t.Skip("aws CLI not installed")
	}
	srv := httptest.NewServer(New(Config{}).Handler())
	t.Cleanup(srv.Close)
	run := func(args ...string) ([]byte, error) {
		cmd := exec.Command("aws", append([]string{"--endpoint-url", srv.URL, "--output", "json", "dynamodb"}, args...)...)
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
			"AWS_DEFAULT_REGION=us-east-1", "AWS_PAGER=", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
		return cmd.CombinedOutput()
	}
	aws := func(args ...string) map[string]any {
		t.Helper()
		out, err := run(args...)
		require.NoError(t, err, string(out))
		m := map[string]any{}
		if len(out) > 0 {
			require.NoError(t, json.Unmarshal(out, &m), string(out))
		}
		return m
	}
	aws("create-table", "--table-name", "orders", "--attribute-definitions", "AttributeName=pk,AttributeType=S", "AttributeName=sk,AttributeType=N",
		"--key-schema", "AttributeName=pk,KeyType=HASH", "AttributeName=sk,KeyType=RANGE", "--billing-mode", "PAY_PER_REQUEST")
	_, err := run("wait", "table-exists", "--table-name", "orders")
	require.NoError(t, err)
	aws("put-item", "--table-name", "orders", "--item", `{"pk":{"S":"c1"},"sk":{"N":"1"},"total":{"N":"10"}}`)
	aws("put-item", "--table-name", "orders", "--item", `{"pk":{"S":"c1"},"sk":{"N":"2"},"total":{"N":"20"}}`)
	upd := aws("update-item", "--table-name", "orders", "--key", `{"pk":{"S":"c1"},"sk":{"N":"1"}}`,
		"--update-expression", "SET #t = #t + :d", "--expression-attribute-names", `{"#t":"total"}`,
		"--expression-attribute-values", `{":d":{"N":"5"}}`, "--return-values", "UPDATED_NEW")
	require.Equal(t, map[string]any{"total": map[string]any{"N": "15"}}, upd["Attributes"])
	q := aws("query", "--table-name", "orders", "--key-condition-expression", "pk = :p AND sk > :s",
		"--expression-attribute-values", `{":p":{"S":"c1"},":s":{"N":"0"}}`, "--no-scan-index-forward")
	require.Equal(t, float64(2), q["Count"])
	require.Equal(t, map[string]any{"N": "2"}, q["Items"].([]any)[0].(map[string]any)["sk"])
	sc := aws("scan", "--table-name", "orders", "--filter-expression", "#t >= :m", "--expression-attribute-names", `{"#t":"total"}`, "--expression-attribute-values", `{":m":{"N":"16"}}`)
	require.Equal(t, float64(1), sc["Count"])
	out, err := run("put-item", "--table-name", "orders", "--item", `{"pk":{"S":"c1"},"sk":{"N":"1"}}`, "--condition-expression", "attribute_not_exists(pk)")
	require.Error(t, err)
	require.Contains(t, string(out), "An error occurred (ConditionalCheckFailedException) when calling the PutItem operation: The conditional request failed")
	aws("delete-table", "--table-name", "orders")
	require.Equal(t, []any{}, aws("list-tables")["TableNames"])
}
