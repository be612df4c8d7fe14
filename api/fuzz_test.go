package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

var fuzzOps = []string{
	"CreateStateMachine", "DescribeStateMachine", "UpdateStateMachine", "DeleteStateMachine", "ListStateMachines",
	"ValidateStateMachineDefinition", "PublishStateMachineVersion", "CreateStateMachineAlias", "UpdateStateMachineAlias",
	"StartExecution", "StartSyncExecution", "StopExecution", "DescribeExecution", "ListExecutions", "GetExecutionHistory",
	"RedriveExecution", "CreateActivity", "GetActivityTask", "SendTaskSuccess", "SendTaskFailure", "TagResource",
	"UntagResource", "ListTagsForResource", "TestState", "UpdateMapRun", "ListMapRuns", "Unknown",
}

// FuzzHandler feeds arbitrary bodies to every operation: no panic, no 5xx, always __type on
// errors.
func FuzzHandler(f *testing.F) {
	seeds := []string{
		`{}`, ``, `{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:a:1"}`,
		`{"name":"a","definition":"{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"End\":true}}}","roleArn":"r"}`,
		`{"maxResults":-1,"nextToken":"AAAA"}`, `{"routingConfiguration":[{"weight":101}]}`, `{"tags":[{}]}`,
		`{"executionArn":"arn:aws:states:::execution::"}`, `{"mock":{"result":"{}","errorOutput":{}}}`, `{"taskToken":"","output":"x"}`,
	}
	// issue 17: invalid UTF-8, unpaired surrogates, deep nesting in bodies, inputs and definitions
	seeds = append(seeds,
		"{\"name\":\"a\xffb\"}", `{"name":"a\ud800"}`, `{"input":"{\"a\":\"\ud800\"}"}`, `{"nextToken":"\udc00"}`,
		`{"input":"`+strings.Repeat("[", 20000)+`"}`, `{"tags":`+strings.Repeat("[", 20000)+`}`,
		`{"definition":"{\"QueryLanguage\":\"JSONata\",\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"Output\":\"{% `+strings.Repeat("(", 20000)+` %}\",\"End\":true}}}"}`,
	)
	for i, s := range seeds {
		f.Add(uint8(i), s)
	}
	svc, _, _ := newService(f)
	h := svc.Handler()
	f.Fuzz(func(t *testing.T, op uint8, body string) {
		name := fuzzOps[int(op)%len(fuzzOps)]
		// Long polls and sync executions of never-ending fake machines end with the request.
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body)).WithContext(ctx)
		req.Header.Set("X-Amz-Target", "AWSStepFunctions."+name)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s %q: %d %s", name, body, w.Code, w.Body)
		}
		if w.Code != http.StatusOK && !strings.Contains(w.Body.String(), `"__type"`) {
			t.Fatalf("%s %q: error without __type: %s", name, body, w.Body)
		}
	})
}
