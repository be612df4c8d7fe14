package dynamodb

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

func TestIntegrations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, service, action, resource string
		params                          string
		want                            string // JSON the output must equal after dropping SdkHttpMetadata/SdkResponseMetadata
		errName, cause                  string // cause prefix, before " (Service:"
		pattern                         task.Pattern
	}{
		{name: "sdk updateItem.waitForTaskToken", service: "aws-sdk:dynamodb", action: "updateItem", pattern: task.WaitForTaskToken,
			params: `{"TableName":"tb1","Key":{"id":{"S":"a"}},"UpdateExpression":"SET t = :t","ExpressionAttributeValues":{":t":{"S":"tok"}}}`, want: `{}`},
		{name: "sdk putItem.sync", service: "aws-sdk:dynamodb", action: "putItem", pattern: task.Sync, resource: "arn:aws:states:::aws-sdk:dynamodb:putItem.sync",
			params: `{"TableName":"tb1","Item":{"id":{"S":"b"}}}`, errName: "States.Runtime", cause: "The resource provided arn:aws:states:::aws-sdk:dynamodb:putItem.sync is not recognized."},
		{name: "optimized put", service: "dynamodb", action: "putItem", params: `{"TableName":"tb1","Item":{"id":{"S":"a"},"n":{"N":"1"}}}`, want: `{}`},
		{name: "optimized update", service: "dynamodb", action: "updateItem", params: `{"TableName":"tb1","Key":{"id":{"S":"a"}},"UpdateExpression":"ADD n :one","ExpressionAttributeValues":{":one":{"N":"1"}},"ReturnValues":"ALL_NEW"}`,
			want: `{"Attributes":{"id":{"S":"a"},"n":{"N":"2"}}}`},
		{name: "optimized conditional", service: "dynamodb", action: "putItem", params: `{"TableName":"tb1","Item":{"id":{"S":"a"}},"ConditionExpression":"attribute_not_exists(id)"}`,
			errName: "DynamoDB.ConditionalCheckFailedException", cause: "The conditional request failed (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ConditionalCheckFailedException; Request ID: "},
		{name: "optimized missing table", service: "dynamodb", action: "getItem", params: `{"TableName":"nope","Key":{"id":{"S":"a"}}}`,
			errName: "DynamoDB.ResourceNotFoundException", cause: "Requested resource not found (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ResourceNotFoundException; Request ID: "},
		{name: "optimized unknown action", service: "dynamodb", action: "query", resource: "arn:aws:states:::dynamodb:query", params: `{}`,
			errName: "States.Runtime", cause: "The resource provided arn:aws:states:::dynamodb:query is not recognized. The value is not a valid resource ARN, or the resource is not available in this region."},
		{name: "sdk query", service: "aws-sdk:dynamodb", action: "query", params: `{"TableName":"tb1","KeyConditionExpression":"id = :a","ExpressionAttributeValues":{":a":{"S":"a"}}}`,
			want: `{"Items":[{"id":{"S":"a"},"n":{"N":"1"}}],"Count":1,"ScannedCount":1}`},
		{name: "sdk conditional", service: "aws-sdk:dynamodb", action: "deleteItem", params: `{"TableName":"tb1","Key":{"id":{"S":"a"}},"ConditionExpression":"n = :z","ExpressionAttributeValues":{":z":{"N":"0"}}}`,
			errName: "DynamoDb.ConditionalCheckFailedException", cause: "The conditional request failed (Service: DynamoDb, Status Code: 400, Request ID: "},
		{name: "sdk validation", service: "aws-sdk:dynamodb", action: "getItem", params: `{"TableName":"tb1","Key":{"x":{"S":"a"}}}`,
			errName: "DynamoDb.DynamoDbException", cause: "The provided key element does not match the schema (Service: DynamoDb, Status Code: 400, Request ID: "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake := clock.NewFake(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
			s := New(Config{Clock: fake})
			runSteps(t, s, []step{{op: "CreateTable", in: createSimple},
				{op: "PutItem", in: `{"TableName":"tb1","Item":{"id":{"S":"a"},"n":{"N":"1"}}}`}})
			h := s.Integration()
			if tc.service == "aws-sdk:dynamodb" {
				h = s.SDKIntegration()
			}
			out, err := h.Invoke(context.Background(), &task.Request{Resource: tc.resource, Service: tc.service, Action: tc.action, Pattern: tc.pattern, Parameters: decodeMap(t, tc.params)})
			if tc.errName != "" {
				require.Error(t, err)
				f := task.AsFailure(err)
				require.Equal(t, tc.errName, f.Name)
				require.Contains(t, f.Cause, tc.cause)
				return
			}
			require.NoError(t, err)
			m := out.(map[string]any)
			if tc.service == "dynamodb" {
				md := task.Plain(m["SdkHttpMetadata"]).(map[string]any)
				require.Equal(t, json.Number("200"), md["HttpStatusCode"])
				require.Equal(t, "Fri, 02 Jan 2026 03:04:05 GMT", md["HttpHeaders"].(map[string]any)["Date"])
				delete(m, "SdkHttpMetadata")
				require.Len(t, m["SdkResponseMetadata"].(map[string]any)["RequestId"], 52)
				delete(m, "SdkResponseMetadata")
			} else {
				require.NotContains(t, m, "SdkHttpMetadata")
			}
			got, err := task.Encode(m)
			require.NoError(t, err)
			require.JSONEq(t, tc.want, string(got))
		})
	}
}
