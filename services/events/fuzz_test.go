package events

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

var fuzzOps = []string{"PutEvents", "CreateEventBus", "DeleteEventBus", "ListEventBuses", "DescribeEventBus", "PutRule",
	"ListRules", "DescribeRule", "DeleteRule", "PutTargets", "ListTargetsByRule", "RemoveTargets", "EnableRule", "DisableRule",
	"TestEventPattern", "Bogus"}

// fuzzErrors are the error types the API may answer with; anything else, a 5xx or a panic fails.
var fuzzErrors = map[string]bool{
	"ValidationException": true, "SerializationException": true, "ResourceNotFoundException": true,
	"ResourceAlreadyExistsException": true, "InvalidEventPatternException": true, "UnknownOperationException": true,
}

// FuzzHandler sends arbitrary bodies to every operation: answers must be 200 with JSON or a
// well-formed 400 error of an expected type.
func FuzzHandler(f *testing.F) {
	f.Add(uint8(0), `{"Entries":[{"Source":"s","DetailType":"t","Detail":"{\"a\":1}","Time":1713421600.5,"Resources":["r"]}]}`)
	f.Add(uint8(0), `{"Entries":[{"Source":"s","DetailType":"t","Detail":"[1]","EventBusName":"arn:aws:events:us-east-1:1:event-bus/x"}]}`)
	f.Add(uint8(1), `{"Name":"b","Description":"d"}`)
	f.Add(uint8(2), `{"Name":"b"}`)
	f.Add(uint8(3), `{"NamePrefix":"d","Limit":1,"NextToken":"1"}`)
	f.Add(uint8(4), `{"Name":"arn:aws:events:us-east-1:1:event-bus/default"}`)
	f.Add(uint8(5), `{"Name":"r","EventPattern":"{\"detail\":{\"n\":[{\"numeric\":[\">\",1,\"<\",5]}]},\"$or\":[{\"a\":[1]},{\"b\":[{\"anything-but\":{\"prefix\":\"x\"}}]}]}"}`)
	f.Add(uint8(6), `{"EventBusName":"default","Limit":100}`)
	f.Add(uint8(7), `{"Name":"r"}`)
	f.Add(uint8(8), `{"Name":"r","Force":true}`)
	f.Add(uint8(9), `{"Rule":"r","Targets":[{"Id":"t","Arn":"a","Input":"{}"}]}`)
	f.Add(uint8(10), `{"Rule":"r","Limit":1}`)
	f.Add(uint8(11), `{"Rule":"r","Ids":["t"]}`)
	f.Add(uint8(12), `{"Name":"r"}`)
	f.Add(uint8(14), `{"EventPattern":"{\"source\":[{\"wildcard\":\"a*\"}]}","Event":"{\"id\":\"1\",\"account\":\"1\",\"source\":\"ab\",\"time\":\"t\",\"region\":\"r\",\"detail-type\":\"d\"}"}`)
	f.Add(uint8(9), `{"Rule":"r","Targets":[{"Id":"t","Arn":"arn:aws:sqs:us-east-1:1:q","InputTransformer":{"InputPathsMap":{"a":"$.detail.a[0]"},"InputTemplate":"{\"x\": <a>}"},"RetryPolicy":{"MaximumRetryAttempts":0}}]}`)
	f.Add(uint8(15), `[`)
	f.Fuzz(func(t *testing.T, op uint8, body string) {
		s := New(Config{Clock: clock.NewFake(epoch), Logger: zap.NewNop(), AccountID: "111111111111"})
		defer s.Close()
		if _, err := s.PutRule(PutRuleInput{Name: "r", ScheduleExpression: "rate(1 minute)"}); err != nil {
			t.Fatal(err)
		}
		name := fuzzOps[int(op)%len(fuzzOps)]
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader([]byte(body)))
		req.Header.Set("X-Amz-Target", "AWSEvents."+name)
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK:
			if !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("%s: invalid JSON %q", name, rec.Body.String())
			}
		case http.StatusBadRequest:
			var e map[string]string
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || !fuzzErrors[e["__type"]] {
				t.Fatalf("%s: unexpected error %q", name, rec.Body.String())
			}
		default:
			t.Fatalf("%s: status %d: %s", name, rec.Code, rec.Body.String())
		}
	})
}

// FuzzIntegration sends arbitrary Task parameters to events:putEvents: the result must be an
// output or an EventBridge failure, never a panic or a Go error.
func FuzzIntegration(f *testing.F) {
	f.Add(`{"Entries":[{"Source":"s","DetailType":"t","Detail":{"a":1}}]}`)
	f.Add(`{"Entries":[{"Source":"s","DetailType":"t","Detail":"\"x\"","Time":"2024-01-01T00:00:00Z","Resources":[1]}]}`)
	f.Add(`{"Entries":[{"Time":1e400}]}`)
	f.Add(`{"Entries":null}`)
	f.Fuzz(func(t *testing.T, params string) {
		p, err := task.Decode([]byte(params))
		if err != nil {
			return
		}
		s := New(Config{Clock: clock.NewFake(epoch), Logger: zap.NewNop()})
		out, err := s.Integration().Invoke(context.Background(), &task.Request{Resource: "arn:aws:states:::events:putEvents", Service: "events", Action: "putEvents", Parameters: p})
		if err != nil {
			var f *task.Failure
			if !errors.As(err, &f) {
				t.Fatalf("not a task.Failure: %v", err)
			}
			switch f.Name {
			case "EventBridge.FailedEntry", "EventBridge.ValidationException":
			default:
				t.Fatalf("unexpected failure %v", f)
			}
			return
		}
		if _, err := task.Encode(out); err != nil {
			t.Fatalf("output does not encode: %v", err)
		}
	})
}

// FuzzTargetInput runs InputPath and InputTransformer over arbitrary paths, templates and
// events: never a panic, and a JSON template whose placeholders are values gives JSON.
func FuzzTargetInput(f *testing.F) {
	f.Add(`$.detail.a`, `{"x": <v>, "s": "<v> and <aws.events.rule-name>"}`, `{"detail":{"a":[1,"two",{"b":null}]}}`)
	f.Add(`$.detail.*`, `<v> is "<v>"`, `{"detail":{"a":"q\"uote"}}`)
	f.Add(`$['detail'][0]`, `[<v>, <aws.events.event.json>]`, `{"detail":["a"]}`)
	f.Fuzz(func(t *testing.T, path, tmpl, event string) {
		decoded := decodeObject([]byte(event))
		r := &Rule{Name: "r", Arn: "arn:aws:events:us-east-1:1:rule/r"}
		for _, target := range []map[string]any{
			{"InputPath": path},
			{"InputTransformer": map[string]any{"InputPathsMap": map[string]any{"v": path}, "InputTemplate": tmpl}},
		} {
			if checkTarget(target) != "" {
				continue
			}
			if _, err := targetInput(target, []byte(event), decoded, r, epoch); err != nil {
				continue
			}
		}
	})
}
