package sqs

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

var fuzzOps = []string{"CreateQueue", "GetQueueUrl", "ListQueues", "DeleteQueue", "GetQueueAttributes", "SendMessage",
	"ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility", "PurgeQueue", "SetQueueAttributes", "Bogus"}

// FuzzHandler sends arbitrary bodies to every operation: answers must be 200 or a well-formed
// 4xx error with the query error header, never a 5xx or a panic.
func FuzzHandler(f *testing.F) {
	q := "http://example.com/111111111111/q"
	f.Add(uint8(0), `{"QueueName":"q","Attributes":{"VisibilityTimeout":"5"}}`)
	f.Add(uint8(0), `{"QueueName":"q.fifo","Attributes":{"FifoQueue":"true","ContentBasedDeduplication":"true"}}`)
	f.Add(uint8(2), `{"MaxResults":1,"NextToken":"cQ"}`)
	f.Add(uint8(4), `{"QueueUrl":"`+q+`","AttributeNames":["All"]}`)
	f.Add(uint8(5), `{"QueueUrl":"`+q+`","MessageBody":"x","DelaySeconds":3,"MessageAttributes":{"a":{"DataType":"Binary","BinaryValue":"aGk="}}}`)
	f.Add(uint8(5), `{"QueueUrl":"`+q+`.fifo","MessageBody":"x","MessageGroupId":"g"}`)
	f.Add(uint8(6), `{"QueueUrl":"`+q+`","MaxNumberOfMessages":10,"WaitTimeSeconds":20,"AttributeNames":["All"],"MessageAttributeNames":["a.*"]}`)
	f.Add(uint8(7), `{"QueueUrl":"`+q+`","ReceiptHandle":"r"}`)
	f.Add(uint8(8), `{"QueueUrl":"`+q+`","ReceiptHandle":"r","VisibilityTimeout":-1}`)
	f.Add(uint8(9), `{"QueueUrl":"`+q+`"}`)
	f.Add(uint8(1), `[`)
	done, cancel := context.WithCancel(context.Background())
	cancel() // long polls return at once
	f.Fuzz(func(t *testing.T, op uint8, body string) {
		// A fresh service each time, so that one input's queues do not slow the next.
		s := New(Config{Clock: clock.NewFake(epoch), Logger: zap.NewNop(), AccountID: "111111111111"})
		mustQueue(t, s, "q", nil)
		h := s.Handler()
		name := fuzzOps[int(op)%len(fuzzOps)]
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader([]byte(body))).WithContext(done)
		req.Header.Set("X-Amz-Target", "AmazonSQS."+name)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch {
		case rec.Code == http.StatusOK:
			if !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("%s: invalid JSON %q", name, rec.Body.String())
			}
		case rec.Code == http.StatusBadRequest:
			var e map[string]string
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || !strings.HasPrefix(e["__type"], "com.amazonaws.sqs#") {
				t.Fatalf("%s: malformed error %q", name, rec.Body.String())
			}
			if !strings.HasSuffix(rec.Header().Get("x-amzn-query-error"), ";Sender") {
				t.Fatalf("%s: missing query error header", name)
			}
		default:
			t.Fatalf("%s %q: status %d %q", name, body, rec.Code, rec.Body.String())
		}
	})
}

// FuzzIntegration runs sqs:sendMessage with arbitrary parameters: the result is an output or an
// SQS.* failure, never another error or a panic.
func FuzzIntegration(f *testing.F) {
	f.Add(`{"QueueUrl":"http://h/111111111111/q","MessageBody":"x"}`)
	f.Add(`{"QueueUrl":"http://h/111111111111/q","MessageBody":{"a":[1,2.50]},"DelaySeconds":900}`)
	f.Add(`{"QueueUrl":"http://h/111111111111/q","MessageBody":"x","MessageAttributes":{"a":{"DataType":"Number","StringValue":"1e3"}}}`)
	f.Add(`{"QueueUrl":"http://h/111111111111/q","MessageBody":"x","MessageAttributes":{"a":5}}`)
	f.Add(`{"QueueUrl":"http://h/111111111111/q","MessageBody":"x","MessageSystemAttributes":{"AWSTraceHeader":{"DataType":"String","StringValue":"Root=1"}}}`)
	f.Add(`null`)
	s := New(Config{Clock: clock.NewFake(epoch), Logger: zap.NewNop(), AccountID: "111111111111"})
	mustQueue(f, s, "q", nil)
	h := s.Integration()
	f.Fuzz(func(t *testing.T, params string) {
		p, err := task.Decode([]byte(params))
		if err != nil {
			return
		}
		out, err := h.Invoke(context.Background(), &task.Request{Resource: "arn:aws:states:::sqs:sendMessage", Service: "sqs", Action: "sendMessage", Parameters: p})
		if err != nil {
			if f := task.AsFailure(err); !strings.HasPrefix(f.Name, "SQS.") || !strings.HasSuffix(f.Cause, "; Proxy: null)") {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if _, err := task.Encode(out); err != nil {
			t.Fatal(err)
		}
	})
}
