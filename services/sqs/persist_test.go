package sqs

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/storagetest"
)

func durableService(t *testing.T, db *storage.DB, c clock.Clock) *Service {
	t.Helper()
	s := New(Config{Clock: c, Logger: zaptest.NewLogger(t), Region: "us-east-1", AccountID: "111111111111", Endpoint: "http://localhost:8083", DB: db})
	require.NoError(t, s.LoadError())
	return s
}

// sqsSnapshot is every read-only answer about the service's queues.
func sqsSnapshot(t *testing.T, s *Service) map[string]any {
	t.Helper()
	out := map[string]any{}
	urls := s.ListQueues("")
	out["ListQueues"] = urls
	for _, u := range urls {
		a, err := s.GetQueueAttributes(u, []string{"All"})
		require.NoError(t, err)
		out[u] = a
	}
	return out
}

func TestDurableRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cases := []struct {
		name string
		// build creates state on s and returns a check to run on the restarted service.
		build func(t *testing.T, s *Service, c *clock.Fake) func(t *testing.T, s *Service, c *clock.Fake)
	}{
		{"queues and attributes", func(t *testing.T, s *Service, c *clock.Fake) func(*testing.T, *Service, *clock.Fake) {
			dlq := mustQueue(t, s, "dead", nil)
			mustQueue(t, s, "work", map[string]string{"VisibilityTimeout": "60", "DelaySeconds": "5",
				"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:111111111111:dead","maxReceiveCount":"2"}`})
			gone := mustQueue(t, s, "gone", nil)
			c.Advance(time.Second)
			require.NoError(t, s.SetQueueAttributes(dlq, map[string]string{"MessageRetentionPeriod": "600"}))
			require.NoError(t, s.DeleteQueue(gone))
			return nil
		}},
		{"in-flight message reappears at its deadline", func(t *testing.T, s *Service, c *clock.Fake) func(*testing.T, *Service, *clock.Fake) {
			u := mustQueue(t, s, "work", map[string]string{"VisibilityTimeout": "60"})
			sent, err := s.SendMessage(&SendMessageInput{QueueUrl: u, MessageBody: "hello",
				MessageAttributes: map[string]MessageAttributeValue{"k": {DataType: "String", StringValue: "v"}}})
			require.NoError(t, err)
			_, err = s.SendMessage(&SendMessageInput{QueueUrl: u, MessageBody: "delayed", DelaySeconds: ptr(100)})
			require.NoError(t, err)
			got, err := s.ReceiveMessage(ctx, &ReceiveMessageInput{QueueUrl: u})
			require.NoError(t, err)
			require.Len(t, got.Messages, 1)
			receipt := got.Messages[0].ReceiptHandle
			c.Advance(10 * time.Second)
			return func(t *testing.T, s *Service, c *clock.Fake) {
				got, err := s.ReceiveMessage(ctx, &ReceiveMessageInput{QueueUrl: u})
				require.NoError(t, err)
				require.Empty(t, got.Messages, "still in flight")
				c.Advance(50 * time.Second)
				got, err = s.ReceiveMessage(ctx, &ReceiveMessageInput{QueueUrl: u, AttributeNames: []string{"All"}, MessageAttributeNames: []string{"All"}})
				require.NoError(t, err)
				require.Len(t, got.Messages, 1)
				m := got.Messages[0]
				require.Equal(t, sent.MessageId, m.MessageId)
				require.Equal(t, "hello", m.Body)
				require.Equal(t, sent.MD5OfMessageAttributes, m.MD5OfMessageAttributes)
				require.Equal(t, "2", m.Attributes["ApproximateReceiveCount"])
				require.Equal(t, "1713421621000", m.Attributes["SentTimestamp"])
				require.Equal(t, "1713421621000", m.Attributes["ApproximateFirstReceiveTimestamp"])
				// The receipt handle from before the restart still deletes it.
				require.NoError(t, s.DeleteMessage(u, receipt))
				c.Advance(40 * time.Second)
				got, err = s.ReceiveMessage(ctx, &ReceiveMessageInput{QueueUrl: u})
				require.NoError(t, err)
				require.Len(t, got.Messages, 1)
				require.Equal(t, "delayed", got.Messages[0].Body)
			}
		}},
		{"deleted message stays deleted, its receipt valid", func(t *testing.T, s *Service, c *clock.Fake) func(*testing.T, *Service, *clock.Fake) {
			u := mustQueue(t, s, "work", nil)
			_, err := s.SendMessage(&SendMessageInput{QueueUrl: u, MessageBody: "a"})
			require.NoError(t, err)
			got, err := s.ReceiveMessage(ctx, &ReceiveMessageInput{QueueUrl: u})
			require.NoError(t, err)
			require.NoError(t, s.DeleteMessage(u, got.Messages[0].ReceiptHandle))
			return func(t *testing.T, s *Service, c *clock.Fake) {
				require.NoError(t, s.DeleteMessage(u, got.Messages[0].ReceiptHandle))
				c.Advance(time.Hour)
				out, err := s.ReceiveMessage(ctx, &ReceiveMessageInput{QueueUrl: u})
				require.NoError(t, err)
				require.Empty(t, out.Messages)
			}
		}},
		{"fifo order, sequence and deduplication", func(t *testing.T, s *Service, c *clock.Fake) func(*testing.T, *Service, *clock.Fake) {
			u := mustQueue(t, s, "jobs.fifo", map[string]string{"FifoQueue": "true"})
			var ids []string
			for _, b := range []string{"one", "two", "three"} {
				out, err := s.SendMessage(&SendMessageInput{QueueUrl: u, MessageBody: b, MessageGroupId: "g", MessageDeduplicationId: b})
				require.NoError(t, err)
				ids = append(ids, out.MessageId+"/"+out.SequenceNumber)
			}
			return func(t *testing.T, s *Service, c *clock.Fake) {
				again, err := s.SendMessage(&SendMessageInput{QueueUrl: u, MessageBody: "two", MessageGroupId: "g", MessageDeduplicationId: "two"})
				require.NoError(t, err)
				require.Equal(t, ids[1], again.MessageId+"/"+again.SequenceNumber, "deduplicated across the restart")
				four, err := s.SendMessage(&SendMessageInput{QueueUrl: u, MessageBody: "four", MessageGroupId: "g", MessageDeduplicationId: "four"})
				require.NoError(t, err)
				require.Greater(t, four.SequenceNumber, ids[2][len(ids[2])-20:])
				got, err := s.ReceiveMessage(ctx, &ReceiveMessageInput{QueueUrl: u, MaxNumberOfMessages: ptr(10)})
				require.NoError(t, err)
				var bodies []string
				for _, m := range got.Messages {
					bodies = append(bodies, m.Body)
				}
				require.Equal(t, []string{"one", "two", "three", "four"}, bodies)
			}
		}},
		{"redriven message stays in the dead-letter queue", func(t *testing.T, s *Service, c *clock.Fake) func(*testing.T, *Service, *clock.Fake) {
			dlq := mustQueue(t, s, "dead", nil)
			u := mustQueue(t, s, "work", map[string]string{"VisibilityTimeout": "1",
				"RedrivePolicy": `{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:111111111111:dead","maxReceiveCount":1}`})
			_, err := s.SendMessage(&SendMessageInput{QueueUrl: u, MessageBody: "poison"})
			require.NoError(t, err)
			_, err = s.ReceiveMessage(ctx, &ReceiveMessageInput{QueueUrl: u})
			require.NoError(t, err)
			c.Advance(time.Second)
			got, err := s.ReceiveMessage(ctx, &ReceiveMessageInput{QueueUrl: u})
			require.NoError(t, err)
			require.Empty(t, got.Messages)
			return func(t *testing.T, s *Service, c *clock.Fake) {
				got, err := s.ReceiveMessage(ctx, &ReceiveMessageInput{QueueUrl: dlq})
				require.NoError(t, err)
				require.Len(t, got.Messages, 1)
				require.Equal(t, "poison", got.Messages[0].Body)
			}
		}},
		{"purge", func(t *testing.T, s *Service, c *clock.Fake) func(*testing.T, *Service, *clock.Fake) {
			u := mustQueue(t, s, "work", nil)
			_, err := s.SendMessage(&SendMessageInput{QueueUrl: u, MessageBody: "a"})
			require.NoError(t, err)
			require.NoError(t, s.PurgeQueue(u))
			return func(t *testing.T, s *Service, c *clock.Fake) {
				requireCode(t, s.PurgeQueue(u), "AWS.SimpleQueueService.PurgeQueueInProgress")
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := storagetest.Open(t)
			c := clock.NewFake(epoch)
			s := durableService(t, db, c)
			check := tc.build(t, s, c)
			before := sqsSnapshot(t, s)

			db = storagetest.Reopen(t, db)
			s2 := durableService(t, db, clock.NewFake(c.Now()))
			require.Equal(t, before, sqsSnapshot(t, s2))
			if check != nil {
				c2 := clock.NewFake(c.Now())
				s2 = durableService(t, storagetest.Reopen(t, db), c2)
				check(t, s2, c2)
			}
		})
	}
}

// BenchmarkStore compares the worker round trip (send, receive, delete) in memory and with a
// store (fsync on), sequential and with concurrent clients sharing commits.
func BenchmarkStore(b *testing.B) {
	for _, mode := range []string{"memory", "store"} {
		setup := func(b *testing.B) (*Service, string) {
			var db *storage.DB
			if mode == "store" {
				var err error
				db, err = storage.Open(b.TempDir(), storage.Options{})
				require.NoError(b, err)
				b.Cleanup(func() { db.Close() })
			}
			s := New(Config{Clock: clock.NewFake(epoch), AccountID: "111111111111", DB: db})
			u, err := s.CreateQueue(&CreateQueueInput{QueueName: "bench"})
			require.NoError(b, err)
			return s, u
		}
		roundTrip := func(s *Service, u string) error {
			if _, err := s.SendMessage(&SendMessageInput{QueueUrl: u, MessageBody: `{"TaskToken":"abc","n":1}`}); err != nil {
				return err
			}
			out, err := s.ReceiveMessage(context.Background(), &ReceiveMessageInput{QueueUrl: u})
			if err != nil || len(out.Messages) == 0 {
				return err // another client took it
			}
			return s.DeleteMessage(u, out.Messages[0].ReceiptHandle)
		}
		b.Run(mode+"/sequential", func(b *testing.B) {
			s, u := setup(b)
			b.ReportAllocs()
			for b.Loop() {
				if err := roundTrip(s, u); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(mode+"/parallel", func(b *testing.B) {
			s, u := setup(b)
			b.SetParallelism(16)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := roundTrip(s, u); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
