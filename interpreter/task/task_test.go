package task

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseResource(t *testing.T) {
	t.Parallel()
	tests := []struct {
		resource        string
		service, action string
		pattern         Pattern
		legacy, ok      bool
	}{
		{resource: "arn:aws:states:::lambda:invoke", service: "lambda", action: "invoke", ok: true},
		{resource: "arn:aws:states:::lambda:invoke.waitForTaskToken", service: "lambda", action: "invoke", pattern: WaitForTaskToken, ok: true},
		{resource: "arn:aws:states:::batch:submitJob.sync", service: "batch", action: "submitJob", pattern: Sync, ok: true},
		{resource: "arn:aws:states:::states:startExecution.sync:2", service: "states", action: "startExecution", pattern: Sync, ok: true},
		{resource: "arn:aws:states:::aws-sdk:s3:getObject", service: "aws-sdk:s3", action: "getObject", ok: true},
		{resource: "arn:aws:lambda:us-east-1:123456789012:function:f", service: "lambda", action: "invoke", legacy: true, ok: true},
		{resource: "arn:aws:lambda:us-east-1:123456789012:function:f:live", service: "lambda", action: "invoke", legacy: true, ok: true},
		{resource: "arn:aws:states:us-east-1:123456789012:activity:a"},
		{resource: "arn:aws:states:::batch:submitJob.later"},
		{resource: "arn:aws:states:::batch"},
		{resource: "nonsense"},
		{resource: ""},
	}
	for _, tc := range tests {
		t.Run(tc.resource, func(t *testing.T) {
			t.Parallel()
			service, action, pattern, legacy, ok := ParseResource(tc.resource)
			require.Equal(t, tc.ok, ok)
			require.Equal(t, tc.service, service)
			require.Equal(t, tc.action, action)
			require.Equal(t, tc.pattern, pattern)
			require.Equal(t, tc.legacy, legacy)
		})
	}
}

func TestDecodeKeepsNumbers(t *testing.T) {
	t.Parallel()
	v, err := Decode([]byte(`{"c":"<&>","a":1.0,"b":12345678901234567890}`))
	require.NoError(t, err)
	m, ok := Object(v)
	require.True(t, ok)
	require.Equal(t, json.Number("1.0"), m["a"])
	out, err := Encode(v)
	require.NoError(t, err)
	require.Equal(t, `{"c":"<&>","a":1.0,"b":12345678901234567890}`, string(out), "keys keep their order")
	require.Contains(t, string(out), `"<&>"`)
	_, err = Decode([]byte(`{} x`))
	require.Error(t, err)
}

func TestAsFailure(t *testing.T) {
	t.Parallel()
	f := &Failure{Name: "Batch.ClientException", Cause: "bad"}
	require.Same(t, f, AsFailure(f))
	require.Equal(t, &Failure{Name: "States.TaskFailed", Cause: "boom"}, AsFailure(errors.New("boom")))
}

func TestSdkHTTPMetadata(t *testing.T) {
	t.Parallel()
	got := SdkHTTPMetadata(map[string]string{"Content-Length": "294", "Content-Type": "text/xml"}, 200)
	require.Equal(t, map[string]any{
		"AllHttpHeaders": map[string]any{"Content-Length": []any{"294"}, "Content-Type": []any{"text/xml"}},
		"HttpHeaders":    map[string]any{"Content-Length": "294", "Content-Type": "text/xml"},
		"HttpStatusCode": json.Number("200"),
	}, Plain(got))
	require.Equal(t, "Fri, 01 Mar 2024 12:00:00 GMT", HTTPDate(time.Date(2024, 3, 1, 13, 0, 0, 0, time.FixedZone("CET", 3600))))
}

// TestSdkHTTPMetadataOrder pins the key order of the Java SDK v1's maps: HttpHeaders in
// case-insensitive order (TreeMap, CASE_INSENSITIVE_ORDER) and AllHttpHeaders in HashMap
// order, which for lambda:invoke's headers gives the order AWS's recordings show (conformance
// services-lambda, test_lambda_task_service).
func TestSdkHTTPMetadataOrder(t *testing.T) {
	t.Parallel()
	headers := map[string]string{"x-amzn-RequestId": "r", "connection": "keep-alive", "Content-Length": "1", "Date": "d", "Content-Type": "application/x-amz-json-1.0"}
	got, err := Encode(SdkHTTPMetadata(headers, 200))
	require.NoError(t, err)
	require.Equal(t, `{"AllHttpHeaders":{"x-amzn-RequestId":["r"],"connection":["keep-alive"],"Content-Length":["1"],"Date":["d"],"Content-Type":["application/x-amz-json-1.0"]},`+
		`"HttpHeaders":{"connection":"keep-alive","Content-Length":"1","Content-Type":"application/x-amz-json-1.0","Date":"d","x-amzn-RequestId":"r"},"HttpStatusCode":200}`, string(got))
}

func TestText(t *testing.T) {
	t.Parallel()
	require.Equal(t, "a<b", Text("a<b"))
	require.Equal(t, "", Text(nil))
	require.Equal(t, "1.50", Text(json.Number("1.50")))
	require.Equal(t, `{"k":"<v>"}`, Text(map[string]any{"k": "<v>"}))
}
