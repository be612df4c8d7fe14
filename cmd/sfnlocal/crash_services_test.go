package main

import (
	"fmt"
	"net/http"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
)

// The crash test's SQS and DynamoDB writes: messages sent and items put before the first
// stop were acknowledged, so every one must be there after the last restart (each of the
// stops in between, SIGKILL or SIGINT, loses none).
func init() {
	const n = 25
	awsJSON := func(t *testing.T, addr, target string, body any, out any) {
		t.Helper()
		p := &proc{addr: addr}
		code := p.call(t, http.MethodPost, "/", map[string]string{"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.0"}, body, out)
		require.Equal(t, http.StatusOK, code, target)
	}
	var queueURL string
	crashHooks = append(crashHooks, CrashHook{
		Name: "sqs and dynamodb",
		Setup: func(t *testing.T, addr string) {
			var q struct{ QueueUrl string }
			awsJSON(t, addr, "AmazonSQS.CreateQueue", map[string]any{"QueueName": "crash"}, &q)
			queueURL = q.QueueUrl
			awsJSON(t, addr, "DynamoDB_20120810.CreateTable", map[string]any{"TableName": "crash",
				"AttributeDefinitions": []any{map[string]any{"AttributeName": "id", "AttributeType": "S"}},
				"KeySchema":            []any{map[string]any{"AttributeName": "id", "KeyType": "HASH"}}, "BillingMode": "PAY_PER_REQUEST"}, nil)
			for i := range n {
				awsJSON(t, addr, "AmazonSQS.SendMessage", map[string]any{"QueueUrl": queueURL, "MessageBody": fmt.Sprintf("m%02d", i)}, nil)
				awsJSON(t, addr, "DynamoDB_20120810.PutItem", map[string]any{"TableName": "crash",
					"Item": map[string]any{"id": map[string]any{"S": fmt.Sprintf("i%02d", i)}, "n": map[string]any{"N": fmt.Sprint(i)}}}, nil)
			}
		},
		Check: func(t *testing.T, addr string) {
			var bodies []string
			for len(bodies) < n {
				var out struct{ Messages []struct{ Body string } }
				awsJSON(t, addr, "AmazonSQS.ReceiveMessage", map[string]any{"QueueUrl": queueURL, "MaxNumberOfMessages": 10, "VisibilityTimeout": 600}, &out)
				require.NotEmpty(t, out.Messages, "acknowledged messages lost: have %d of %d", len(bodies), n)
				for _, m := range out.Messages {
					bodies = append(bodies, m.Body)
				}
			}
			sort.Strings(bodies)
			for i, b := range bodies {
				require.Equal(t, fmt.Sprintf("m%02d", i), b)
			}
			for i := range n {
				var out struct{ Item map[string]map[string]string }
				awsJSON(t, addr, "DynamoDB_20120810.GetItem", map[string]any{"TableName": "crash", "Key": map[string]any{"id": map[string]any{"S": fmt.Sprintf("i%02d", i)}}}, &out)
				require.Equal(t, fmt.Sprint(i), out.Item["n"]["N"], "item i%02d", i)
			}
		},
	})
}
