package api_test

import (
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/api"
	"github.com/sfnlocal/sfnlocal/api/apitest"
	"github.com/sfnlocal/sfnlocal/internal/clock"
)

func newService(t testing.TB) (*api.Service, *apitest.FakeEngine, *clock.Fake) {
	t.Helper()
	c := clock.NewFake(time.Date(2026, 1, 2, 3, 4, 5, 678e6, time.UTC))
	var fe *apitest.FakeEngine
	svc, err := api.New(api.Options{Engine: apitest.NewFakeEngine(c, &fe), Clock: c, Rand: rand.New(rand.NewPCG(1, 2))})
	require.NoError(t, err)
	t.Cleanup(svc.Close)
	return svc, fe, c
}

// post sends one raw awsJson1_0 request and decodes the answer.
func post(t testing.TB, h http.Handler, target, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	b, err := io.ReadAll(rec.Body)
	require.NoError(t, err)
	var m map[string]any
	if len(b) > 0 {
		require.NoError(t, json.Unmarshal(b, &m), "body %s", b)
	}
	return rec.Code, rec.Header(), m
}

const passDef = `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"Arg1":"argument1"},"End":true}}}`

func TestProtocolErrors(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 1025)
	cases := []struct {
		name, target, body string
		status             int
		typ, message       string
	}{
		{"unknown operation", "AWSStepFunctions.NoSuchThing", `{}`, 400, "com.amazon.coral.service#UnknownOperationException", ""},
		{"no target", "", `{}`, 400, "com.amazon.coral.service#UnknownOperationException", ""},
		{"other service target", "Logs_20140328.PutLogEvents", `{}`, 400, "com.amazon.coral.service#UnknownOperationException", ""},
		{"malformed json", "AWSStepFunctions.ListStateMachines", `{"maxResults":`, 400, "com.amazon.coral.service#SerializationException",
			"Unexpected end-of-input within/between OBJECT entries"},
		{"not an object", "AWSStepFunctions.ListStateMachines", `[1]`, 400, "com.amazon.coral.service#SerializationException", ""},
		{"wrong member type", "AWSStepFunctions.ListStateMachines", `{"maxResults":"ten"}`, 400, "com.amazon.coral.service#SerializationException",
			"Unexpected value type for member 'maxResults': expected an integer"},
		{"missing required member", "AWSStepFunctions.DescribeStateMachine", `{}`, 400, "com.amazon.coral.validate#ValidationException",
			"1 validation error detected: Value null at 'stateMachineArn' failed to satisfy constraint: Member must not be null"},
		{"two missing members", "AWSStepFunctions.CreateStateMachine", `{"name":"a"}`, 400, "com.amazon.coral.validate#ValidationException",
			"2 validation errors detected: Value null at 'definition' failed to satisfy constraint: Member must not be null; Value null at 'roleArn' failed to satisfy constraint: Member must not be null"},
		{"maxResults too large", "AWSStepFunctions.ListStateMachines", `{"maxResults":1001}`, 400, "com.amazon.coral.validate#ValidationException",
			"1 validation error detected: Value '1001' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000"},
		{"nextToken too long", "AWSStepFunctions.ListStateMachines", `{"nextToken":"` + long + `"}`, 400, "com.amazon.coral.validate#ValidationException",
			"1 validation error detected: Value '" + long + "' at 'nextToken' failed to satisfy constraint: Member must have length less than or equal to 1024"},
		{"bad status filter", "AWSStepFunctions.ListExecutions", `{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:x","statusFilter":"succeeded"}`, 400, "com.amazon.coral.validate#ValidationException",
			"1 validation error detected: Value 'succeeded' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [SUCCEEDED, TIMED_OUT, PENDING_REDRIVE, ABORTED, FAILED, RUNNING]"},
		{"invalid arn prefix", "AWSStepFunctions.DescribeStateMachine", `{"stateMachineArn":"not_a_valid_arn"}`, 400, "com.amazonaws.swf.service.v2.model#InvalidArn",
			"Invalid Arn: 'Invalid ARN prefix: not_a_valid_arn'"},
		{"wrong resource type", "AWSStepFunctions.DescribeExecution", `{"executionArn":"arn:aws:states:us-east-1:123456789012:express:a:b:c"}`, 400, "com.amazonaws.swf.service.v2.model#InvalidArn",
			"Invalid Arn: 'Resource type not valid in this context: express'"},
		{"invalid UTF-8", "AWSStepFunctions.ListStateMachines", "{\"nextToken\":\"a\xffb\"}", 400, "com.amazon.coral.service#SerializationException",
			"Malformed request body: Invalid UTF-8 byte sequence"},
		{"unpaired surrogate", "AWSStepFunctions.ListStateMachines", `{"nextToken":"a\ud800b"}`, 400, "com.amazon.coral.service#SerializationException",
			"Invalid UTF-16 surrogate in member 'nextToken': an unpaired \\u escape"},
		{"unpaired surrogate in a name", "AWSStepFunctions.CreateActivity", `{"name":"a\udc00"}`, 400, "com.amazonaws.swf.service.v2.model#InvalidName",
			"Invalid Name: 'a\\udc00'"},
		{"unpaired surrogate in an input", "AWSStepFunctions.StartExecution", `{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:x","input":"{\"a\":\"\ud800\"}"}`, 400, "com.amazonaws.swf.service.v2.model#InvalidExecutionInput",
			"Invalid State Machine Execution Input: 'Invalid UTF-16 surrogate: an unpaired \\u escape'"},
		{"nested too deeply", "AWSStepFunctions.ListStateMachines", `{"x":` + strings.Repeat("[", 10001) + `}`, 400, "com.amazon.coral.service#SerializationException",
			"Malformed request body: Document nesting depth exceeds the maximum allowed (10000)"},
		{"input over 256 KiB in UTF-8 bytes", "AWSStepFunctions.StartExecution", `{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:x","input":"\"` + strings.Repeat("€", 87382) + `\""}`, 400, "com.amazon.coral.validate#ValidationException",
			"1 validation error detected: Value '***' at 'input' failed to satisfy constraint: Member must have length less than or equal to 262144"},
		{"state machine does not exist", "AWSStepFunctions.DescribeStateMachine", `{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:nope"}`, 400, "com.amazonaws.swf.service.v2.model#StateMachineDoesNotExist",
			"State Machine Does Not Exist: 'arn:aws:states:us-east-1:123456789012:stateMachine:nope'"},
		{"execution does not exist", "AWSStepFunctions.GetExecutionHistory", `{"executionArn":"arn:aws:states:us-east-1:123456789012:execution:a:b"}`, 400, "com.amazonaws.swf.service.v2.model#ExecutionDoesNotExist",
			"Execution Does Not Exist: 'arn:aws:states:us-east-1:123456789012:execution:a:b'"},
		{"bad page token", "AWSStepFunctions.ListActivities", `{"nextToken":"forged"}`, 400, "com.amazonaws.swf.service.v2.model#InvalidToken", ""},
		{"invalid name", "AWSStepFunctions.CreateStateMachine", `{"name":"a b","definition":"{}","roleArn":"arn:aws:iam::123456789012:role/r"}`, 400, "com.amazonaws.swf.service.v2.model#InvalidName",
			"Invalid Name: 'a b'"},
		{"invalid definition", "AWSStepFunctions.CreateStateMachine", `{"name":"a","definition":"{\"StartAt\":\"x\"}","roleArn":"arn:aws:iam::123456789012:role/r"}`, 400, "com.amazonaws.swf.service.v2.model#InvalidDefinition",
			"Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are required: [States] at /'"},
		{"update with nothing", "AWSStepFunctions.UpdateStateMachine", `{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:x"}`, 400, "com.amazonaws.swf.service.v2.model#MissingRequiredParameter",
			"Either the definition, the role ARN, the LoggingConfiguration, or the TracingConfiguration must be specified"},
		{"describe missing activity", "AWSStepFunctions.DescribeActivity", `{"activityArn":"arn:aws:states:us-east-1:123456789012:activity:nope"}`, 400, "com.amazonaws.swf.service.v2.model#ActivityDoesNotExist",
			"Activity Does Not Exist: 'arn:aws:states:us-east-1:123456789012:activity:nope'"},
		{"bad task token", "AWSStepFunctions.SendTaskSuccess", `{"taskToken":"garbage","output":"{}"}`, 400, "com.amazonaws.swf.service.v2.model#InvalidToken",
			"Invalid Token: 'Invalid token'"},
		{"bad token is reported before bad output", "AWSStepFunctions.SendTaskSuccess", `{"taskToken":"garbage","output":"{"}`, 400, "com.amazonaws.swf.service.v2.model#InvalidToken", ""},
		{"unknown token is reported before bad output", "AWSStepFunctions.SendTaskSuccess", `{"taskToken":"token-1","output":"{"}`, 400, "com.amazonaws.swf.service.v2.model#TaskDoesNotExist", ""},
		{"tag unknown resource", "AWSStepFunctions.ListTagsForResource", `{"resourceArn":"arn:aws:states:us-east-1:123456789012:stateMachine:nope"}`, 400, "com.amazonaws.swf.service.v2.model#ResourceNotFound", ""},
		{"describe map run", "AWSStepFunctions.DescribeMapRun", `{"mapRunArn":"arn:aws:states:us-east-1:123456789012:mapRun:sm/label:id"}`, 400, "com.amazonaws.swf.service.v2.model#ResourceNotFound", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			svc, _, _ := newService(t)
			status, hdr, body := post(t, svc.Handler(), tc.target, tc.body)
			require.Equal(t, tc.status, status, "body %v", body)
			require.Equal(t, "application/x-amz-json-1.0", hdr.Get("Content-Type"))
			require.Equal(t, tc.typ, body["__type"])
			if tc.message != "" {
				require.Equal(t, tc.message, body["message"])
			}
		})
	}
}

func TestProtocolSuccessShapes(t *testing.T) {
	t.Parallel()
	svc, _, _ := newService(t)
	h := svc.Handler()

	status, _, body := post(t, h, "AWSStepFunctions.ListStateMachines", "")
	require.Equal(t, 200, status)
	require.Equal(t, map[string]any{"stateMachines": []any{}}, body, "an empty body is {}")

	status, _, body = post(t, h, "AWSStepFunctions.CreateStateMachine",
		`{"name":"sm","definition":`+strconvQuote(passDef)+`,"roleArn":"arn:aws:iam::123456789012:role/r"}`)
	require.Equal(t, 200, status, "%v", body)
	require.Equal(t, "arn:aws:states:us-east-1:123456789012:stateMachine:sm", body["stateMachineArn"])
	require.Equal(t, 1767323045.678, body["creationDate"], "epoch seconds with milliseconds")

	status, _, body = post(t, h, "AWSStepFunctions.DescribeStateMachine", `{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:sm"}`)
	require.Equal(t, 200, status)
	require.Equal(t, map[string]any{"includeExecutionData": false, "level": "OFF"}, body["loggingConfiguration"])
	require.Equal(t, map[string]any{"enabled": false}, body["tracingConfiguration"])
	require.Equal(t, "ACTIVE", body["status"])
	require.Equal(t, "STANDARD", body["type"])
	require.NotContains(t, body, "revisionId", "no revision id until the first update")

	status, _, body = post(t, h, "AWSStepFunctions.DeleteStateMachine", `{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:sm"}`)
	require.Equal(t, 200, status)
	require.Empty(t, body)
	status, _, _ = post(t, h, "AWSStepFunctions.DeleteStateMachine", `{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:sm"}`)
	require.Equal(t, 200, status, "deleting a missing state machine succeeds")
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestIsStepFunctionsRequest(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, method, path, target string
		want                       bool
	}{
		{"sfn", "POST", "/", "AWSStepFunctions.ListActivities", true},
		{"logs", "POST", "/", "Logs_20140328.PutLogEvents", false},
		{"lambda rest", "POST", "/2015-03-31/functions/f/invocations", "", false},
		{"get", "GET", "/", "AWSStepFunctions.ListActivities", false},
		{"sns query", "POST", "/", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(tc.method, tc.path, nil)
			if tc.target != "" {
				r.Header.Set("X-Amz-Target", tc.target)
			}
			require.Equal(t, tc.want, api.IsStepFunctionsRequest(r))
		})
	}
}
