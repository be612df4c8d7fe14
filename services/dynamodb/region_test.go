package dynamodb

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/internal/awsproto/awsprototest"

	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// TestTablesPerRegion: tables are kept per region, as on AWS: a request signed for a region
// (its SigV4 credential scope) creates, lists and reads the tables of that region, whose ARNs
// carry the region and its partition; unsigned requests use the default region; the
// Step Functions integrations reach the table of their execution's region.
func TestTablesPerRegion(t *testing.T) {
	t.Parallel()
	s := New(Config{Region: "us-east-1", AccountID: "111111111111"})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	do := func(region, op, body string) (int, map[string]any) {
		code, b := awsprototest.Call(t, srv.URL+"/", region, "dynamodb",
			map[string]string{"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810." + op}, body)
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m), string(b))
		return code, m
	}
	const create = `{"TableName":"tbl","KeySchema":[{"AttributeName":"id","KeyType":"HASH"}],"AttributeDefinitions":[{"AttributeName":"id","AttributeType":"S"}],"BillingMode":"PAY_PER_REQUEST"}`
	for region, arn := range map[string]string{
		"us-west-2":  "arn:aws:dynamodb:us-west-2:111111111111:table/tbl",
		"cn-north-1": "arn:aws-cn:dynamodb:cn-north-1:111111111111:table/tbl",
	} {
		code, out := do(region, "CreateTable", create)
		require.Equal(t, 200, code, out)
		require.Equal(t, arn, out["TableDescription"].(map[string]any)["TableArn"])
	}
	code, out := do("", "ListTables", `{}`)
	require.Equal(t, 200, code)
	require.Empty(t, out["TableNames"], "the default region has no table")
	code, out = do("us-east-1", "DescribeTable", `{"TableName":"tbl"}`)
	require.Equal(t, 400, code)
	require.Contains(t, out["__type"], "ResourceNotFoundException")

	// The integration writes to the table of its execution's region.
	_, err := s.Integration().Invoke(context.Background(), &task.Request{Service: "dynamodb", Action: "putItem", Region: "us-west-2",
		Parameters: map[string]any{"TableName": "tbl", "Item": map[string]any{"id": map[string]any{"S": "west"}}}})
	require.NoError(t, err)
	_, err = s.SDKIntegration().Invoke(context.Background(), &task.Request{Service: "aws-sdk:dynamodb", Action: "putItem", Region: "eu-west-1",
		Parameters: map[string]any{"TableName": "tbl", "Item": map[string]any{"id": map[string]any{"S": "x"}}}})
	require.Error(t, err, "no table tbl in eu-west-1")
	code, out = do("us-west-2", "GetItem", `{"TableName":"tbl","Key":{"id":{"S":"west"}}}`)
	require.Equal(t, 200, code, out)
	require.NotNil(t, out["Item"])
	code, out = do("cn-north-1", "GetItem", `{"TableName":"tbl","Key":{"id":{"S":"west"}}}`)
	require.Equal(t, 200, code, out)
	require.Nil(t, out["Item"], "another region's table of the same name")
	require.Same(t, s, s.In(""))
	require.Same(t, s.In("us-west-2"), s.In("us-west-2").In("us-west-2"))
}

// TestOptimizedItemOrder: the optimized integration's Item is the Java SDK v1's HashMap of
// attributes, in its iteration order (value.JavaHashOrder), nested M maps too; the response's
// own members stay sorted (ConsumedCapacity..., Item, SdkHttpMetadata, SdkResponseMetadata).
func TestOptimizedItemOrder(t *testing.T) {
	t.Parallel()
	s := New(Config{})
	_, err := s.Do("CreateTable", map[string]any{"TableName": "tbl", "BillingMode": "PAY_PER_REQUEST",
		"KeySchema":            []any{map[string]any{"AttributeName": "id", "KeyType": "HASH"}},
		"AttributeDefinitions": []any{map[string]any{"AttributeName": "id", "AttributeType": "S"}}})
	require.NoError(t, err)
	item := map[string]any{"id": map[string]any{"S": "1"}, "q": map[string]any{"S": "x"}, "a": map[string]any{"S": "y"},
		"m": map[string]any{"M": map[string]any{"q": map[string]any{"N": "1"}, "a": map[string]any{"N": "2"}}}}
	_, err = s.Do("PutItem", map[string]any{"TableName": "tbl", "Item": item})
	require.NoError(t, err)
	out, err := s.Integration().Invoke(context.Background(), &task.Request{Service: "dynamodb", Action: "getItem",
		Parameters: map[string]any{"TableName": "tbl", "Key": map[string]any{"id": map[string]any{"S": "1"}}}})
	require.NoError(t, err)
	enc, err := task.Encode(out)
	require.NoError(t, err)
	// Buckets of 16: "a" 97&15=1 and "q" 113&15=1 (one bucket: insertion order, a first),
	// "id" 3355&15=11, "m" 109&15=13; so not the sorted order a, id, m, q.
	require.Contains(t, string(enc), `"Item":{"a":{"S":"y"},"q":{"S":"x"},"id":{"S":"1"},"m":{"M":{"a":{"N":"2"},"q":{"N":"1"}}}}`)
}
