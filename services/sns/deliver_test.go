package sns

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/internal/clock"
)

type recorder struct {
	mu   sync.Mutex
	got  []Delivery
	fail map[string]error // by endpoint
}

func (r *recorder) Deliver(_ context.Context, d Delivery) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.fail[d.Endpoint]; err != nil {
		return err
	}
	r.got = append(r.got, d)
	return nil
}

func (r *recorder) deliveries() []Delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Delivery(nil), r.got...)
}

func newDelivering(t *testing.T) (*Service, *clock.Fake, *recorder) {
	fc := clock.NewFake(time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC))
	s := New(Config{Clock: fc, Logger: zaptest.NewLogger(t), Region: "us-east-1", AccountID: "111111111111", Endpoint: "http://localhost:8083"})
	t.Cleanup(s.Close)
	rec := &recorder{fail: map[string]error{}}
	s.SetSink("sqs", rec)
	s.SetSink("lambda", rec)
	return s, fc, rec
}

const queueArn = "arn:aws:sqs:us-east-1:111111111111:q"

func TestDeliverySQSAndLambda(t *testing.T) {
	t.Parallel()
	s, _, rec := newDelivering(t)
	topic, err := s.CreateTopic("t", nil)
	require.NoError(t, err)
	envSub, err := s.Subscribe(topic, "sqs", queueArn, nil, false)
	require.NoError(t, err)
	_, err = s.Subscribe(topic, "sqs", queueArn+"-raw", map[string]string{"RawMessageDelivery": "true"}, false)
	require.NoError(t, err)
	fnSub, err := s.Subscribe(topic, "lambda", "arn:aws:lambda:us-east-1:111111111111:function:f", nil, false)
	require.NoError(t, err)
	id, _, err := s.Publish(PublishInput{TopicArn: topic, Message: "hello", Subject: "greeting",
		MessageAttributes: map[string]MessageAttribute{"store": {DataType: "String", StringValue: "example_corp"}}})
	require.NoError(t, err)
	s.Flush()
	byEndpoint := map[string]Delivery{}
	for _, d := range rec.deliveries() {
		byEndpoint[d.Endpoint] = d
	}
	require.Len(t, byEndpoint, 3)
	want := `{
  "Type" : "Notification",
  "MessageId" : "` + id + `",
  "TopicArn" : "` + topic + `",
  "Subject" : "greeting",
  "Message" : "hello",
  "Timestamp" : "2024-03-01T12:00:00.000Z",
  "SignatureVersion" : "1",
  "Signature" : "` + fakeSignature + `",
  "SigningCertURL" : "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-sfnlocal.pem",
  "UnsubscribeURL" : "http://localhost:8083/?Action=Unsubscribe&SubscriptionArn=` + envSub + `",
  "MessageAttributes" : {
    "store" : {"Type":"String","Value":"example_corp"}
  }
}`
	require.Equal(t, want, string(byEndpoint[queueArn].Body))
	raw := byEndpoint[queueArn+"-raw"]
	require.Equal(t, "hello", string(raw.Body))
	require.Equal(t, "example_corp", raw.Attributes["store"].StringValue)

	var ev struct {
		Records []struct {
			EventSource, EventSubscriptionArn string
			Sns                               map[string]any
		}
	}
	require.NoError(t, json.Unmarshal(byEndpoint["arn:aws:lambda:us-east-1:111111111111:function:f"].Body, &ev))
	require.Len(t, ev.Records, 1)
	require.Equal(t, "aws:sns", ev.Records[0].EventSource)
	require.Equal(t, fnSub, ev.Records[0].EventSubscriptionArn)
	require.Equal(t, "hello", ev.Records[0].Sns["Message"])
	require.Equal(t, "greeting", ev.Records[0].Sns["Subject"])
	require.Equal(t, map[string]any{"store": map[string]any{"Type": "String", "Value": "example_corp"}}, ev.Records[0].Sns["MessageAttributes"])
	require.True(t, strings.HasPrefix(string(byEndpoint["arn:aws:lambda:us-east-1:111111111111:function:f"].Body), `{"Records":[{"EventVersion":"1.0","EventSubscriptionArn":`))
}

// TestFilterPolicies checks the examples of AWS's "Amazon SNS message filtering" pages.
func TestFilterPolicies(t *testing.T) {
	t.Parallel()
	attrs := map[string]MessageAttribute{
		"customer_interests": {DataType: "String.Array", StringValue: `["rugby", "football", "baseball"]`},
		"store":              {DataType: "String", StringValue: "example_corp"},
		"event":              {DataType: "String", StringValue: "order_placed"},
		"price_usd":          {DataType: "Number", StringValue: "210.75"},
		"source_ip":          {DataType: "String", StringValue: "10.0.0.255"},
	}
	body := `{"store":"example_corp","event":"order_placed","customer_interests":["soccer","rugby","hockey"],"price_usd":210.75,"details":{"payment":{"method":"card"}}}`
	tests := []struct {
		name, scope, policy string
		want                bool
	}{
		{"all kinds", "", `{"store":["example_corp"],"event":[{"anything-but":"order_cancelled"}],"customer_interests":["rugby","football","baseball"],"price_usd":[{"numeric":[">=",100]}]}`, true},
		{"array value no match", "", `{"customer_interests":["basketball"]}`, false},
		{"numeric range out", "", `{"price_usd":[{"numeric":[">",0,"<=",150]}]}`, false},
		{"exists", "", `{"store":[{"exists":true}]}`, true},
		{"not exists", "", `{"encrypted":[{"exists":false}]}`, true},
		{"prefix", "", `{"event":[{"prefix":"order_"}]}`, true},
		{"prefix no", "", `{"event":[{"prefix":"order-"}]}`, false},
		{"suffix", "", `{"event":[{"suffix":"_placed"}]}`, true},
		{"anything-but on array", "", `{"customer_interests":[{"anything-but":["rugby","tennis"]}]}`, true},
		{"anything-but prefix", "", `{"event":[{"anything-but":{"prefix":"order"}}]}`, false},
		{"equals-ignore-case", "", `{"store":[{"equals-ignore-case":"EXAMPLE_CORP"}]}`, true},
		{"cidr", "", `{"source_ip":[{"cidr":"10.0.0.0/24"}]}`, true},
		{"or", "", `{"$or":[{"store":["other"]},{"price_usd":[{"numeric":[">",200]}]}]}`, true},
		{"attributes AND", "", `{"store":["example_corp"],"event":["order_cancelled"]}`, false},
		{"body", "MessageBody", `{"store":["example_corp"],"details":{"payment":{"method":["card"]}}}`, true},
		{"body array", "MessageBody", `{"customer_interests":["rugby"]}`, true},
		{"body nested no", "MessageBody", `{"details":{"payment":{"method":["cash"]}}}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, _, rec := newDelivering(t)
			topic, err := s.CreateTopic("t", nil)
			require.NoError(t, err)
			a := map[string]string{"FilterPolicy": tc.policy}
			if tc.scope != "" {
				a["FilterPolicyScope"] = tc.scope
			}
			_, err = s.Subscribe(topic, "sqs", queueArn, a, false)
			require.NoError(t, err)
			_, _, err = s.Publish(PublishInput{TopicArn: topic, Message: body, MessageAttributes: attrs})
			require.NoError(t, err)
			s.Flush()
			require.Equal(t, tc.want, len(rec.deliveries()) == 1)
		})
	}
}

func TestHTTPHandshakeAndRetries(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []string
	var types []string
	failing := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if failing > 0 && r.Header.Get("x-amz-sns-message-type") == "Notification" {
			failing--
			w.WriteHeader(500)
			return
		}
		got = append(got, string(b))
		types = append(types, r.Header.Get("x-amz-sns-message-type"))
	}))
	t.Cleanup(srv.Close)
	s, fc, rec := newDelivering(t)
	topic, err := s.CreateTopic("t", nil)
	require.NoError(t, err)
	arn, err := s.Subscribe(topic, "http", srv.URL+"/hook", map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + queueArn + `"}`}, false)
	require.NoError(t, err)
	require.Equal(t, "pending confirmation", arn)
	s.Flush()
	mu.Lock()
	require.Equal(t, []string{"SubscriptionConfirmation"}, types)
	var conf map[string]string
	require.NoError(t, json.Unmarshal([]byte(got[0]), &conf))
	mu.Unlock()
	require.Contains(t, conf["SubscribeURL"], "Action=ConfirmSubscription")

	// Nothing is delivered while pending.
	_, _, err = s.Publish(PublishInput{TopicArn: topic, Message: "early"})
	require.NoError(t, err)
	s.Flush()

	// Confirm through the SubscribeURL, as an endpoint would.
	req := httptest.NewRequest(http.MethodGet, strings.TrimPrefix(conf["SubscribeURL"], "http://localhost:8083"), nil)
	require.True(t, IsSNSRequest(req))
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, req)
	require.Equal(t, 200, w.Code, w.Body.String())
	require.Contains(t, w.Body.String(), "<SubscriptionArn>"+topic+":")

	mu.Lock()
	failing = 2
	mu.Unlock()
	_, _, err = s.Publish(PublishInput{TopicArn: topic, Message: "m1"})
	require.NoError(t, err)
	s.Flush()
	for range 3 {
		fc.Advance(retryDelay)
		s.Flush()
	}
	mu.Lock()
	require.Equal(t, []string{"SubscriptionConfirmation", "Notification"}, types)
	require.Contains(t, got[1], `"Message" : "m1"`)
	failing = 100
	mu.Unlock()

	_, _, err = s.Publish(PublishInput{TopicArn: topic, Message: "m2"})
	require.NoError(t, err)
	s.Flush()
	for range 4 {
		fc.Advance(retryDelay)
		s.Flush()
	}
	dl := rec.deliveries()
	require.Len(t, dl, 1)
	require.Equal(t, queueArn, dl[0].Endpoint)
	require.Contains(t, string(dl[0].Body), `"Message" : "m2"`)
	require.Equal(t, "EndpointUnavailable", dl[0].Attributes["ErrorCode"].StringValue)
}

func TestDeadLetterWhenQueueMissing(t *testing.T) {
	t.Parallel()
	s, _, rec := newDelivering(t)
	rec.fail["arn:aws:sqs:us-east-1:111111111111:gone"] = fmt.Errorf("%w: no queue", ErrEndpointNotFound)
	topic, err := s.CreateTopic("t", nil)
	require.NoError(t, err)
	_, err = s.Subscribe(topic, "sqs", "arn:aws:sqs:us-east-1:111111111111:gone", map[string]string{"RawMessageDelivery": "true", "RedrivePolicy": `{"deadLetterTargetArn":"` + queueArn + `"}`}, false)
	require.NoError(t, err)
	_, _, err = s.Publish(PublishInput{TopicArn: topic, Message: "lost"})
	require.NoError(t, err)
	s.Flush()
	dl := rec.deliveries()
	require.Len(t, dl, 1)
	require.Equal(t, "lost", string(dl[0].Body))
	require.Equal(t, "NotFound", dl[0].Attributes["ErrorCode"].StringValue)
}

func TestSubscriptionAttributes(t *testing.T) {
	t.Parallel()
	s, _, _ := newDelivering(t)
	topic, err := s.CreateTopic("t", nil)
	require.NoError(t, err)
	arn, err := s.Subscribe(topic, "lambda", "arn:aws:lambda:us-east-1:111111111111:function:f", nil, false)
	require.NoError(t, err)
	requireErr := func(err error, msg string) {
		t.Helper()
		require.Error(t, err)
		require.Contains(t, err.Error(), msg)
	}
	requireErr(s.SetSubscriptionAttribute(arn, "RawMessageDelivery", "true"), "does not support raw message delivery")
	requireErr(s.SetSubscriptionAttribute(arn, "FilterPolicy", `{"a":"b"}`), "Filter policy")
	requireErr(s.SetSubscriptionAttribute(arn, "Nope", "x"), "AttributeName")
	require.NoError(t, s.SetSubscriptionAttribute(arn, "FilterPolicy", `{"a":["b"]}`))
	attrs, err := s.SubscriptionAttributes(arn)
	require.NoError(t, err)
	require.Equal(t, "MessageAttributes", attrs["FilterPolicyScope"])
	require.Equal(t, "false", attrs["PendingConfirmation"])
	_, err = s.Subscribe(topic, "sqs", "not-an-arn", nil, false)
	requireErr(err, "SQS endpoint ARN")
}
