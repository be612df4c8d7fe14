package events

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/storagetest"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

const (
	targetArn = "arn:aws:sqs:us-east-1:111111111111:q"
	dlqArn    = "arn:aws:sqs:us-east-1:111111111111:dlq"
)

// arnSink is a Sink that keeps every attempt and every delivery, by target ARN, and fails the
// ARNs marked failing.
type arnSink struct {
	mu      sync.Mutex
	failing map[string]bool
	tried   map[string][]Delivery
	got     map[string][]Delivery
}

func newArnSink(failing ...string) *arnSink {
	k := &arnSink{failing: map[string]bool{}, tried: map[string][]Delivery{}, got: map[string][]Delivery{}}
	for _, a := range failing {
		k.failing[a] = true
	}
	return k
}

func (k *arnSink) Deliver(_ context.Context, d Delivery) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.tried[d.Arn] = append(k.tried[d.Arn], d)
	if k.failing[d.Arn] {
		return errors.New("target unavailable")
	}
	k.got[d.Arn] = append(k.got[d.Arn], d)
	return nil
}

func (k *arnSink) list(arn string) (tried, got []Delivery) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]Delivery(nil), k.tried[arn]...), append([]Delivery(nil), k.got[arn]...)
}

// resumedEvents is a Service over db (nil: memory mode) delivering to sink, resumed.
func resumedEvents(t *testing.T, db *storage.DB, c *clock.Fake, sink Sink) *Service {
	t.Helper()
	s := durableEvents(t, db, c)
	for _, svc := range []string{"sqs", "lambda", "states", "sns"} {
		s.SetSink(svc, sink)
	}
	s.Resume()
	return s
}

// apiPutTarget puts a target (JSON) on a rule of the default bus, decoded as the API decodes it.
func apiPutTarget(t *testing.T, s *Service, rule, target string) {
	t.Helper()
	v, err := task.DecodePlain([]byte(target))
	require.NoError(t, err)
	_, err = s.PutTargets("", rule, []map[string]any{v.(map[string]any)})
	require.NoError(t, err)
}

// storedJobs counts the delivery records in db.
func storedJobs(t *testing.T, db *storage.DB) int {
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
	const dlq = `,"DeadLetterConfig":{"Arn":"` + dlqArn + `"}`
	tests := []struct {
		name   string
		memory bool
		target string // the target's RetryPolicy and DeadLetterConfig, as JSON members
		// failBefore is how many attempts fail before the crash (0: the first one succeeds).
		failBefore int
		change     func(t *testing.T, s *Service) // what happens to the target before the crash
		downtime   time.Duration                  // how far the clock moves while the process is down
		failAfter  bool                           // the target still fails after the restart
		// What the restarted process does: deliveries made at once (before the clock moves),
		// attempts and deliveries in all, and the dead-letter message's attributes.
		wantAtOnce, wantTried, wantGot int
		wantDLQ                        map[string]string
	}{
		{name: "waiting to retry: delivered at its retry time", failBefore: 1, wantTried: 1, wantGot: 1},
		{name: "retry time passed while down: delivered at once", failBefore: 1, downtime: time.Hour, wantAtOnce: 1, wantTried: 1, wantGot: 1},
		{name: "last retry fails after the restart: dead-lettered", target: `,"RetryPolicy":{"MaximumRetryAttempts":2}` + dlq,
			failBefore: 2, failAfter: true, wantTried: 1,
			wantDLQ: map[string]string{"EXHAUSTED_RETRY_CONDITION": "MaximumRetryAttempts", "RETRY_ATTEMPTS": "2", "ERROR_MESSAGE": "target unavailable"}},
		{name: "last retry fails after the restart: dropped", target: `,"RetryPolicy":{"MaximumRetryAttempts":2}`,
			failBefore: 2, failAfter: true, wantTried: 1},
		{name: "two retries left: two attempts, then dead-lettered", target: `,"RetryPolicy":{"MaximumRetryAttempts":3}` + dlq,
			failBefore: 2, failAfter: true, wantTried: 2,
			wantDLQ: map[string]string{"EXHAUSTED_RETRY_CONDITION": "MaximumRetryAttempts", "RETRY_ATTEMPTS": "3"}},
		{name: "too old after the downtime: dead-lettered without an attempt", target: `,"RetryPolicy":{"MaximumEventAgeInSeconds":60}` + dlq,
			failBefore: 1, downtime: 2 * time.Minute, wantTried: 0,
			wantDLQ: map[string]string{"EXHAUSTED_RETRY_CONDITION": "MaximumEventAgeInSeconds", "RETRY_ATTEMPTS": "0", "ERROR_MESSAGE": "target unavailable"}},
		// Attempts at 0, 1, 3 and 7 s fail; down 40 s (the event 47 s old), the retry due at
		// 15 s fails at once and the next (at 63 s) would come after the 60 s limit: the age
		// runs from the put, not from the restart.
		{name: "event age runs from before the crash", target: `,"RetryPolicy":{"MaximumEventAgeInSeconds":60}` + dlq,
			failBefore: 4, downtime: 40 * time.Second, failAfter: true, wantTried: 1,
			wantDLQ: map[string]string{"RETRY_ATTEMPTS": "4"}},
		{name: "delivered before the crash: not again"},
		{name: "target removed: dropped", failBefore: 1, change: func(t *testing.T, s *Service) {
			_, err := s.RemoveTargets("", "orders", []string{"q"})
			require.NoError(t, err)
		}},
		{name: "target now another resource: dropped", failBefore: 1, change: func(t *testing.T, s *Service) {
			apiPutTarget(t, s, "orders", `{"Id":"q","Arn":"arn:aws:sqs:us-east-1:111111111111:other"}`)
		}},
		{name: "memory mode: lost with the process", memory: true, failBefore: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var db *storage.DB
			if !tc.memory {
				db = storagetest.Open(t)
			}
			c := clock.NewFake(persistEpoch)
			var failing []string
			if tc.failBefore > 0 {
				failing = append(failing, targetArn)
			}
			sink := newArnSink(failing...)
			s := resumedEvents(t, db, c, sink)
			_, err := s.PutRule(PutRuleInput{Name: "orders", EventPattern: `{"source":["shop"]}`})
			require.NoError(t, err)
			apiPutTarget(t, s, "orders", `{"Id":"q","Arn":"`+targetArn+`","SqsParameters":{"MessageGroupId":"g"},`+
				`"InputTransformer":{"InputPathsMap":{"id":"$.detail.id"},"InputTemplate":"{\"order\": <id>, \"rule\": \"<aws.events.rule-name>\"}"}`+tc.target+`}`)
			_, _, err = s.PutEvents([]Entry{{Source: "shop", DetailType: "Order", Detail: `{"id":7}`, HasDetail: true}})
			require.NoError(t, err)
			s.Flush()
			for range tc.failBefore - 1 {
				require.True(t, c.AdvanceToNext())
				s.Flush()
			}
			tried, got := sink.list(targetArn)
			require.Len(t, tried, max(tc.failBefore, 1), "attempts before the crash")
			if tc.failBefore == 0 {
				require.Len(t, got, 1, "delivered before the crash")
			}
			if tc.change != nil {
				tc.change(t, s)
			}
			first := tried[0]

			// The crash: the process stops without Close; its clock never moves again.
			c2 := clock.NewFake(c.Now().Add(tc.downtime))
			sink2 := newArnSink()
			if tc.failAfter {
				sink2 = newArnSink(targetArn)
			}
			if !tc.memory {
				db = storagetest.Reopen(t, db)
			}
			s2 := resumedEvents(t, db, c2, sink2)
			s2.Flush()
			_, got = sink2.list(targetArn)
			require.Len(t, got, tc.wantAtOnce, "delivered at the restart")
			drain(s2, c2)
			tried, got = sink2.list(targetArn)
			require.Len(t, tried, tc.wantTried, "attempts after the restart")
			require.Len(t, got, tc.wantGot, "deliveries after the restart")
			for _, d := range tried {
				require.Equal(t, first, d, "the first attempt's delivery, again")
			}
			_, dead := sink2.list(dlqArn)
			if tc.wantDLQ == nil {
				require.Empty(t, dead, "dead-lettered after the restart")
			} else {
				require.Len(t, dead, 1, "dead-lettered after the restart")
				require.Equal(t, first.RuleArn, dead[0].Attributes["RULE_ARN"])
				require.Equal(t, targetArn, dead[0].Attributes["TARGET_ARN"])
				require.Equal(t, "SDK_CLIENT_ERROR", dead[0].Attributes["ERROR_CODE"])
				for k, v := range tc.wantDLQ {
					require.Equal(t, v, dead[0].Attributes[k], k)
				}
				require.JSONEq(t, string(eventJSON(s2.Events("")[0])), string(dead[0].Input), "the original event")
			}
			if !tc.memory {
				require.Zero(t, storedJobs(t, db), "no delivery left in the store")
			}
		})
	}
}

// blockingSink holds the delivery of the input "first" until release is closed.
type blockingSink struct {
	*arnSink
	started, release chan struct{}
}

func (b blockingSink) Deliver(ctx context.Context, d Delivery) error {
	if string(d.Input) == `"first"` {
		close(b.started)
		<-b.release
	}
	return b.arnSink.Deliver(ctx, d)
}

func TestQueuedDeliveriesSurviveACrash(t *testing.T) {
	t.Parallel()
	db := storagetest.Open(t)
	c := clock.NewFake(persistEpoch)
	block := blockingSink{arnSink: newArnSink(), started: make(chan struct{}), release: make(chan struct{})}
	s := resumedEvents(t, db, c, block)
	t.Cleanup(func() { close(block.release) }) // runs before s.Close
	_, err := s.PutRule(PutRuleInput{Name: "orders", EventPattern: `{"source":["shop"]}`})
	require.NoError(t, err)
	putTargets(t, s, "", "orders", `{"Id":"q","Arn":"`+targetArn+`","InputPath":"$.detail.n"}`)
	for _, n := range []string{"first", "second", "third"} {
		_, _, err = s.PutEvents([]Entry{{Source: "shop", DetailType: "Order", Detail: `{"n":"` + n + `"}`, HasDetail: true}})
		require.NoError(t, err)
	}
	<-block.started // "first" is in flight, the others queued behind it

	// The crash: what PutEvents acknowledged is in the store.
	sink := newArnSink()
	s2 := resumedEvents(t, storagetest.Reopen(t, db), clock.NewFake(c.Now()), sink)
	s2.Flush()
	_, got := sink.list(targetArn)
	var inputs []string
	for _, d := range got {
		inputs = append(inputs, string(d.Input))
	}
	require.Equal(t, []string{`"first"`, `"second"`, `"third"`}, inputs, "in put order; the one in flight at the crash again (at least once)")
}
