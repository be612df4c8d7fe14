package server

import (
	"context"
	"encoding/json"
	"testing"

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
	var token string
	for token == "" {
		_, item := call(t, srv, "DynamoDB_20120810.GetItem", `{"TableName":"jobs","Key":{"id":{"S":"1"}}}`)
		if it, ok := item["Item"].(map[string]any); ok {
			token = it["tok"].(map[string]any)["S"].(string)
		}
	}
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
