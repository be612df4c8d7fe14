package dynamodb

import (
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func post(t *testing.T, url, target, body string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", contentType)
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b), resp.Header
}

func TestHTTP(t *testing.T) {
	t.Parallel()
	s := New(Config{})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	steps := []struct {
		name, target, body string
		status             int
		want               string // exact response body; "*x" means it contains x
	}{
		{"create", "DynamoDB_20120810.CreateTable", createSimple, 200, `*"TableStatus":"CREATING"`},
		{"put", "DynamoDB_20120810.PutItem", `{"TableName":"tb1","Item":{"id":{"S":"a"},"n":{"N":"007"}}}`, 200, `{}`},
		{"get", "DynamoDB_20120810.GetItem", `{"TableName":"tb1","Key":{"id":{"S":"a"}}}`, 200, `{"Item":{"id":{"S":"a"},"n":{"N":"7"}}}`},
		{"conditional", "DynamoDB_20120810.PutItem", `{"TableName":"tb1","Item":{"id":{"S":"a"}},"ConditionExpression":"attribute_not_exists(id)"}`, 400,
			`{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}`},
		{"validation", "DynamoDB_20120810.GetItem", `{"TableName":"tb1"}`, 400,
			`{"__type":"com.amazon.coral.validate#ValidationException","message":"1 validation error detected: Value null at 'key' failed to satisfy constraint: Member must not be null"}`},
		{"not found", "DynamoDB_20120810.GetItem", `{"TableName":"nope","Key":{"id":{"S":"a"}}}`, 400,
			`{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"}`},
		{"bad json", "DynamoDB_20120810.GetItem", `{`, 400, `*SerializationException`},
		{"wrong type", "DynamoDB_20120810.GetItem", `{"TableName":5}`, 400, `*SerializationException`},
		{"unknown op", "DynamoDB_20120810.Frobnicate", `{}`, 400, `{"__type":"com.amazon.coral.service#UnknownOperationException"}`},
		{"no target", "", `{}`, 400, `{"__type":"com.amazon.coral.service#UnknownOperationException"}`},
	}
	for _, st := range steps {
		status, body, h := post(t, srv.URL, st.target, st.body)
		require.Equal(t, st.status, status, "%s: %s", st.name, body)
		if strings.HasPrefix(st.want, "*") {
			require.Contains(t, body, st.want[1:], st.name)
		} else {
			require.Equal(t, st.want, body, st.name)
		}
		require.Equal(t, contentType, h.Get("Content-Type"))
		require.Len(t, h.Get("x-amzn-RequestId"), 52)
		require.Equal(t, strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(body))), 10), h.Get("x-amz-crc32"), st.name)
	}
}

func TestIsDynamoDBRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, target string
		want                 bool
	}{
		{"dynamodb", http.MethodPost, "DynamoDB_20120810.PutItem", true},
		{"streams", http.MethodPost, "DynamoDBStreams_20120810.GetRecords", false},
		{"sfn", http.MethodPost, "AWSStepFunctions.StartExecution", false},
		{"get", http.MethodGet, "DynamoDB_20120810.PutItem", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(tc.method, "/", nil)
			r.Header.Set("X-Amz-Target", tc.target)
			require.Equal(t, tc.want, IsDynamoDBRequest(r))
		})
	}
}
