package sns

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/clock"
)

var fuzzActions = []string{"CreateTopic", "Publish", "Subscribe", "ConfirmSubscription", "Unsubscribe", "GetSubscriptionAttributes",
	"SetSubscriptionAttributes", "ListSubscriptions", "ListSubscriptionsByTopic", "GetTopicAttributes", "DeleteTopic", "Bogus"}

// FuzzHandler sends arbitrary parameters to every action of a fake with a topic and two
// subscriptions: the answer is 200 or an XML error below 500, never a panic.
func FuzzHandler(f *testing.F) {
	f.Add(uint8(1), "TopicArn=arn:aws:sns:us-east-1:111111111111:t&Message=hi&MessageAttributes.entry.1.Name=a&MessageAttributes.entry.1.Value.DataType=Number&MessageAttributes.entry.1.Value.StringValue=x")
	f.Add(uint8(2), "TopicArn=arn:aws:sns:us-east-1:111111111111:t&Protocol=sqs&Endpoint=arn:aws:sqs:us-east-1:1:q&Attributes.entry.1.key=FilterPolicy&Attributes.entry.1.value=%7B%22a%22%3A%5B%7B%22numeric%22%3A%5B%22%3E%22%2C1%5D%7D%5D%7D")
	f.Add(uint8(6), "SubscriptionArn=arn:aws:sns:us-east-1:111111111111:t:x&AttributeName=FilterPolicyScope&AttributeValue=MessageBody")
	f.Add(uint8(3), "TopicArn=arn:aws:sns:us-east-1:111111111111:t&Token=abc")
	f.Fuzz(func(t *testing.T, op uint8, form string) {
		s := New(Config{Clock: clock.NewFake(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)), Logger: zap.NewNop(), AccountID: "111111111111"})
		defer s.Close()
		s.SetSink("sqs", SinkFunc(func(context.Context, Delivery) error { return nil }))
		topic, _ := s.CreateTopic("t", nil)
		if _, err := s.Subscribe(topic, "sqs", "arn:aws:sqs:us-east-1:111111111111:q", map[string]string{"FilterPolicy": `{"a":[{"prefix":"x"}]}`}, false); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Subscribe(topic, "lambda", "arn:aws:lambda:us-east-1:111111111111:function:f", map[string]string{"FilterPolicyScope": "MessageBody", "FilterPolicy": `{"a":["b"]}`}, false); err != nil {
			t.Fatal(err)
		}
		body := "Action=" + fuzzActions[int(op)%len(fuzzActions)] + "&" + form
		if _, err := url.ParseQuery(body); err != nil {
			return
		}
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
		s.Flush()
	})
}
