package server

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
)

// TestSDKWaitForTaskToken: an AWS SDK integration takes .waitForTaskToken like every other
// (aws-sdk:dynamodb:updateItem.waitForTaskToken): the call is made, then the Task waits for
// SendTaskSuccess with the token.
func TestSDKWaitForTaskToken(t *testing.T) {
	t.Parallel()
	srv, err := New(testConfig(t), zap.NewNop())
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	code, _ := call(t, srv, "DynamoDB_20120810.CreateTable", `{"TableName":"jobs","AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}`)
	require.Equal(t, 200, code)
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:dynamodb:updateItem.waitForTaskToken","Parameters":{"TableName":"jobs","Key":{"id":{"S":"1"}},"UpdateExpression":"SET tok = :t","ExpressionAttributeValues":{":t":{"S.$":"$$.Task.Token"}}},"End":true}}}`
	body, _ := json.Marshal(map[string]any{"name": "sdk-token", "definition": def, "roleArn": "arn:aws:iam::123456789012:role/r"})
	code, sm := call(t, srv, "AWSStepFunctions.CreateStateMachine", string(body))
	require.Equal(t, 200, code, sm)
	_, st := call(t, srv, "AWSStepFunctions.StartExecution", `{"stateMachineArn":"`+sm["stateMachineArn"].(string)+`"}`)
	// TaskSubmitted follows the updateItem call: the token is in the table once it is recorded.
	waitEvent(t, srv, st["executionArn"].(string), "TaskSubmitted")
	_, item := call(t, srv, "DynamoDB_20120810.GetItem", `{"TableName":"jobs","Key":{"id":{"S":"1"}}}`)
	token := item["Item"].(map[string]any)["tok"].(map[string]any)["S"].(string)
	_, d := call(t, srv, "AWSStepFunctions.DescribeExecution", `{"executionArn":"`+st["executionArn"].(string)+`"}`)
	require.Equal(t, "RUNNING", d["status"])
	body, _ = json.Marshal(map[string]any{"taskToken": token, "output": `{"done":true}`})
	code, _ = call(t, srv, "AWSStepFunctions.SendTaskSuccess", string(body))
	require.Equal(t, 200, code)
	require.NoError(t, srv.WaitExecution(context.Background(), st["executionArn"].(string)))
	_, d = call(t, srv, "AWSStepFunctions.DescribeExecution", `{"executionArn":"`+st["executionArn"].(string)+`"}`)
	require.Equal(t, "SUCCEEDED", d["status"], d)
	require.JSONEq(t, `{"done":true}`, d["output"].(string))
}

// waitEvent blocks until the execution's history holds an event of type typ, reading the
// console's live stream (woken as the history grows; no polling).
func waitEvent(t *testing.T, srv *Server, arn, typ string) {
	t.Helper()
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, hs.URL+"/ui/stream?arn="+url.QueryEscape(arn), nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "data: ") && strings.Contains(sc.Text(), typ) {
			return
		}
	}
	t.Fatalf("the stream of %s ended without a %s event: %v", arn, typ, sc.Err())
}
