package sns

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/storagetest"
)

const dlqArn = "arn:aws:sqs:us-east-1:111111111111:dlq"

// endpointSink is a Sink that keeps every attempt and every delivery, by endpoint, and fails
// the endpoints marked failing.
type endpointSink struct {
	mu      sync.Mutex
	failing map[string]bool
	tried   map[string][]Delivery
	got     map[string][]Delivery
}

func newEndpointSink(failing ...string) *endpointSink {
	k := &endpointSink{failing: map[string]bool{}, tried: map[string][]Delivery{}, got: map[string][]Delivery{}}
	for _, e := range failing {
		k.failing[e] = true
	}
	return k
}

func (k *endpointSink) Deliver(_ context.Context, d Delivery) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.tried[d.Endpoint] = append(k.tried[d.Endpoint], d)
	if k.failing[d.Endpoint] {
		return errors.New("endpoint unavailable")
	}
	k.got[d.Endpoint] = append(k.got[d.Endpoint], d)
	return nil
}

func (k *endpointSink) counts(endpoint string) (tried, got int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.tried[endpoint]), len(k.got[endpoint])
}

// durableDelivering is a Service over db (nil: memory mode) delivering to sink, resumed.
func durableDelivering(t *testing.T, db *storage.DB, c *clock.Fake, sink Sink) *Service {
	t.Helper()
	s := New(Config{Clock: c, Logger: zaptest.NewLogger(t), Region: "us-east-1", AccountID: "111111111111",
		Endpoint: "http://localhost:8083", DB: db})
	require.NoError(t, s.LoadError())
	t.Cleanup(s.Close)
	s.SetSink("sqs", sink)
	s.SetSink("lambda", sink)
	s.Resume()
	return s
}

// storedDeliveries counts the delivery records in db.
func storedDeliveries(t *testing.T, db *storage.DB) int {
	t.Helper()
	n := 0
	require.NoError(t, db.Bucket(bucketDeliveries).ForEach(func(string, []byte) error { n++; return nil }))
	return n
}

// drain fires every timer of c in time order, letting the deliveries each one queues run.
func drain(s *Service, c *clock.Fake) {
	s.Flush()
	for c.AdvanceToNext() {
		s.Flush()
	}
}

func TestDeliveriesSurviveACrash(t *testing.T) {
	t.Parallel()
	redrive := map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"` + dlqArn + `"}`}
	tests := []struct {
		name   string
		memory bool
		attrs  map[string]string // the subscription's
		// failBefore is how many attempts fail before the crash (0: the first one succeeds).
		failBefore  int
		unsubscribe bool          // the subscription is removed before the crash
		downtime    time.Duration // how far the clock moves while the process is down
		failAfter   bool          // the endpoint still fails after the restart
		// What the restarted process does: deliveries made at once (before the clock moves),
		// attempts and deliveries in all, messages dead-lettered.
		wantAtOnce, wantTried, wantGot, wantDLQ int
	}{
		{name: "waiting to retry: delivered at its retry time", failBefore: 1, wantTried: 1, wantGot: 1},
		{name: "waiting to retry, raw: delivered with its attributes", attrs: map[string]string{"RawMessageDelivery": "true"}, failBefore: 1, wantTried: 1, wantGot: 1},
		{name: "retry time passed while down: delivered at once", failBefore: 1, downtime: time.Hour, wantAtOnce: 1, wantTried: 1, wantGot: 1},
		{name: "last retry fails after the restart: dead-lettered", attrs: redrive, failBefore: retries, failAfter: true, wantTried: 1, wantDLQ: 1},
		{name: "last retry fails after the restart: dropped", failBefore: retries, failAfter: true, wantTried: 1},
		{name: "two retries left: two attempts, then dead-lettered", attrs: redrive, failBefore: retries - 1, failAfter: true, wantTried: 2, wantDLQ: 1},
		{name: "delivered before the crash: not again", wantTried: 0},
		{name: "subscription removed: dropped", failBefore: 1, unsubscribe: true},
		{name: "memory mode: lost with the process", memory: true, failBefore: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var db *storage.DB
			if !tc.memory {
				db = storagetest.Open(t)
			}
			c := clock.NewFake(time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC))
			var failing []string
			if tc.failBefore > 0 {
				failing = append(failing, queueArn)
			}
			sink := newEndpointSink(failing...)
			s := durableDelivering(t, db, c, sink)
			topic, err := s.CreateTopic("orders", nil)
			require.NoError(t, err)
			sub, err := s.Subscribe(topic, "sqs", queueArn, tc.attrs, true)
			require.NoError(t, err)
			_, _, err = s.Publish(PublishInput{TopicArn: topic, Message: "hello", Subject: "greeting",
				MessageAttributes: map[string]MessageAttribute{"store": {DataType: "String", StringValue: "example_corp"}}})
			require.NoError(t, err)
			s.Flush()
			for range tc.failBefore - 1 {
				c.Advance(retryDelay)
				s.Flush()
			}
			tried, got := sink.counts(queueArn)
			require.Equal(t, max(tc.failBefore, 1), tried, "attempts before the crash")
			if tc.failBefore == 0 {
				require.Equal(t, 1, got, "delivered before the crash")
			}
			if tc.unsubscribe {
				require.NoError(t, s.Unsubscribe(sub))
			}
			first := sink.tried[queueArn][0]

			// The crash: the process stops without Close; its clock never moves again.
			c2 := clock.NewFake(c.Now().Add(tc.downtime))
			var sink2 *endpointSink
			if tc.failAfter {
				sink2 = newEndpointSink(queueArn)
			} else {
				sink2 = newEndpointSink()
			}
			if !tc.memory {
				db = storagetest.Reopen(t, db)
			}
			s2 := durableDelivering(t, db, c2, sink2)
			s2.Flush()
			_, got = sink2.counts(queueArn)
			require.Equal(t, tc.wantAtOnce, got, "delivered at the restart")
			drain(s2, c2)
			tried, got = sink2.counts(queueArn)
			require.Equal(t, tc.wantTried, tried, "attempts after the restart")
			require.Equal(t, tc.wantGot, got, "deliveries after the restart")
			_, dlq := sink2.counts(dlqArn)
			require.Equal(t, tc.wantDLQ, dlq, "dead-lettered after the restart")
			for _, d := range sink2.tried[queueArn] {
				require.Equal(t, first, d, "the first attempt's delivery, again")
			}
			if !tc.memory {
				require.Zero(t, storedDeliveries(t, db), "no delivery left in the store")
			}
		})
	}
}

// blockingSink holds the delivery of the message "first" until release is closed.
type blockingSink struct {
	*endpointSink
	started, release chan struct{}
}

func (b blockingSink) Deliver(ctx context.Context, d Delivery) error {
	if string(d.Body) == "first" {
		close(b.started)
		<-b.release
	}
	return b.endpointSink.Deliver(ctx, d)
}

func TestQueuedDeliveriesSurviveACrash(t *testing.T) {
	t.Parallel()
	db := storagetest.Open(t)
	c := clock.NewFake(time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC))
	block := blockingSink{endpointSink: newEndpointSink(), started: make(chan struct{}), release: make(chan struct{})}
	s := durableDelivering(t, db, c, block)
	t.Cleanup(func() { close(block.release) }) // runs before s.Close
	topic, err := s.CreateTopic("orders", nil)
	require.NoError(t, err)
	_, err = s.Subscribe(topic, "sqs", queueArn, map[string]string{"RawMessageDelivery": "true"}, true)
	require.NoError(t, err)
	for _, m := range []string{"first", "second", "third"} {
		_, _, err = s.Publish(PublishInput{TopicArn: topic, Message: m})
		require.NoError(t, err)
	}
	<-block.started // "first" is in flight, the others queued behind it

	// The crash: what Publish acknowledged is in the store.
	sink := newEndpointSink()
	s2 := durableDelivering(t, storagetest.Reopen(t, db), clock.NewFake(c.Now()), sink)
	s2.Flush()
	var bodies []string
	for _, d := range sink.got[queueArn] {
		bodies = append(bodies, string(d.Body))
	}
	require.Equal(t, []string{"first", "second", "third"}, bodies, "in publish order; the one in flight at the crash again (at least once)")
}

// TestConfirmationSurvivesACrash: the SubscriptionConfirmation of an http subscription whose
// endpoint failed is posted after the restart, with the subscription's token.
func TestConfirmationSurvivesACrash(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	up := false
	var tokens []string
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if !up {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		var conf map[string]string
		body, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(body, &conf) // a bad body records an empty token
		tokens = append(tokens, r.Header.Get("x-amz-sns-message-type")+" "+conf["Token"])
	}))
	t.Cleanup(endpoint.Close)
	db := storagetest.Open(t)
	c := clock.NewFake(time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC))
	s := durableDelivering(t, db, c, newEndpointSink())
	topic, err := s.CreateTopic("hooks", nil)
	require.NoError(t, err)
	arn, err := s.Subscribe(topic, "http", endpoint.URL+"/hook", nil, true)
	require.NoError(t, err)
	s.Flush() // the first post failed; a retry waits on the clock
	s.mu.Lock()
	token := s.subs[arn].token
	s.mu.Unlock()

	mu.Lock()
	up = true
	mu.Unlock()
	s2 := durableDelivering(t, storagetest.Reopen(t, db), clock.NewFake(c.Now().Add(time.Minute)), newEndpointSink())
	s2.Flush()
	mu.Lock()
	require.Equal(t, []string{"SubscriptionConfirmation " + token}, tokens)
	mu.Unlock()
	require.Zero(t, storedDeliveries(t, s2.j.DB()))
}
