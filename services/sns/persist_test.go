package sns

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/storagetest"
)

func durableSNS(t *testing.T, db *storage.DB) *Service {
	t.Helper()
	s := New(Config{Clock: clock.NewFake(time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)), Logger: zaptest.NewLogger(t),
		Region: "us-east-1", AccountID: "111111111111", DB: db})
	require.NoError(t, s.LoadError())
	t.Cleanup(s.Close)
	return s
}

// snsSnapshot is every read-only answer about topics, subscriptions and messages.
func snsSnapshot(t *testing.T, s *Service) map[string]any {
	t.Helper()
	out := map[string]any{"topics": s.Topics(), "messages": s.Messages("")}
	for _, arn := range s.Topics() {
		a, err := s.topicAttributes(arn)
		require.NoError(t, err)
		out[arn] = a
	}
	subs, err := s.Subscriptions("")
	require.NoError(t, err)
	out["subs"] = subs
	for _, sub := range subs {
		a, err := s.SubscriptionAttributes(sub.arn)
		require.NoError(t, err)
		out[sub.arn] = a
	}
	return out
}

func TestDurableRestart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		build func(t *testing.T, s *Service) func(t *testing.T, s *Service)
	}{
		{"topics, subscriptions, messages", func(t *testing.T, s *Service) func(*testing.T, *Service) {
			orders, err := s.CreateTopic("orders", map[string]string{"DisplayName": "Orders"})
			require.NoError(t, err)
			gone, err := s.CreateTopic("gone", nil)
			require.NoError(t, err)
			q, err := s.Subscribe(orders, "sqs", "arn:aws:sqs:us-east-1:111111111111:q", map[string]string{"RawMessageDelivery": "true"}, true)
			require.NoError(t, err)
			require.NoError(t, s.SetSubscriptionAttribute(q, "FilterPolicy", `{"kind":["big"]}`))
			dropped, err := s.Subscribe(orders, "lambda", "arn:aws:lambda:us-east-1:111111111111:function:f", nil, true)
			require.NoError(t, err)
			require.NoError(t, s.Unsubscribe(dropped))
			_, err = s.Subscribe(gone, "sqs", "arn:aws:sqs:us-east-1:111111111111:q", nil, true)
			require.NoError(t, err)
			require.NoError(t, s.DeleteTopic(gone))
			_, _, err = s.Publish(PublishInput{TopicArn: orders, Message: "hello", Subject: "s",
				MessageAttributes: map[string]MessageAttribute{"kind": {DataType: "String", StringValue: "big"}}})
			require.NoError(t, err)
			return nil
		}},
		{"fifo sequence numbers go on", func(t *testing.T, s *Service) func(*testing.T, *Service) {
			f, err := s.CreateTopic("jobs.fifo", map[string]string{"FifoTopic": "true", "ContentBasedDeduplication": "true"})
			require.NoError(t, err)
			_, seq, err := s.Publish(PublishInput{TopicArn: f, Message: "one", MessageGroupID: "g"})
			require.NoError(t, err)
			return func(t *testing.T, s *Service) {
				_, next, err := s.Publish(PublishInput{TopicArn: f, Message: "two", MessageGroupID: "g"})
				require.NoError(t, err)
				require.Greater(t, next, seq)
			}
		}},
		{"pending http subscription confirms after the restart", func(t *testing.T, s *Service) func(*testing.T, *Service) {
			topic, err := s.CreateTopic("hooks", nil)
			require.NoError(t, err)
			arn, err := s.Subscribe(topic, "https", "https://example.invalid/hook", nil, true)
			require.NoError(t, err)
			s.mu.Lock()
			token := s.subs[arn].token
			s.mu.Unlock()
			return func(t *testing.T, s *Service) {
				got, err := s.ConfirmSubscription(topic, token)
				require.NoError(t, err)
				require.Equal(t, arn, got)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := storagetest.Open(t)
			s := durableSNS(t, db)
			check := tc.build(t, s)
			before := snsSnapshot(t, s)
			s.Close()
			s2 := durableSNS(t, storagetest.Reopen(t, db))
			require.Equal(t, before, snsSnapshot(t, s2))
			if check != nil {
				check(t, s2)
			}
		})
	}
}
