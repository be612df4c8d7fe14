package s3

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/internal/clock"
)

type notes struct {
	mu  sync.Mutex
	got []Notification
}

func (n *notes) Notify(_ context.Context, x Notification) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.got = append(n.got, x)
	return nil
}

func TestEventMatches(t *testing.T) {
	t.Parallel()
	png := &Filter{Rules: []FilterRule{{Name: "prefix", Value: "images/"}, {Name: "Suffix", Value: ".png"}}}
	tests := []struct {
		name   string
		events []string
		filter *Filter
		event  string
		key    string
		want   bool
	}{
		{"wildcard", []string{"s3:ObjectCreated:*"}, nil, "ObjectCreated:Put", "a", true},
		{"exact", []string{"s3:ObjectCreated:Copy"}, nil, "ObjectCreated:Put", "a", false},
		{"removed", []string{"s3:ObjectRemoved:*"}, nil, "ObjectRemoved:Delete", "a", true},
		{"other kind", []string{"s3:ObjectRemoved:*"}, nil, "ObjectCreated:Put", "a", false},
		{"filter", []string{"s3:ObjectCreated:*"}, png, "ObjectCreated:Put", "images/cat.png", true},
		{"filter prefix", []string{"s3:ObjectCreated:*"}, png, "ObjectCreated:Put", "docs/cat.png", false},
		{"filter suffix", []string{"s3:ObjectCreated:*"}, png, "ObjectCreated:Put", "images/cat.jpg", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, eventMatches(tc.events, tc.filter, tc.event, tc.key))
		})
	}
}

func TestNotifications(t *testing.T) {
	t.Parallel()
	s := New(Config{Clock: clock.NewFake(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)), AccountID: "111111111111"})
	sink := &notes{}
	s.SetNotificationSink(sink)
	require.NoError(t, s.CreateBucket("bkt", ""))
	const q = "arn:aws:sqs:us-east-1:111111111111:q"
	err := s.PutBucketNotificationConfiguration("bkt", NotificationConfiguration{Queues: []QueueConfiguration{{Queue: "arn:aws:sns:x:y:z", Events: []string{"s3:ObjectCreated:*"}}}})
	require.Error(t, err, "a queue configuration needs a queue ARN")
	err = s.PutBucketNotificationConfiguration("bkt", NotificationConfiguration{Queues: []QueueConfiguration{{Queue: q, Events: []string{"s3:Nope"}}}})
	require.Error(t, err)
	require.NoError(t, s.PutBucketNotificationConfiguration("bkt", NotificationConfiguration{
		Queues:      []QueueConfiguration{{ID: "created", Queue: q, Events: []string{"s3:ObjectCreated:*"}, Filter: &Filter{Rules: []FilterRule{{Name: "prefix", Value: "in/"}}}}},
		Functions:   []LambdaConfiguration{{ID: "removed", CloudFunction: "arn:aws:lambda:us-east-1:111111111111:function:f", Events: []string{"s3:ObjectRemoved:*"}}},
		EventBridge: &struct{}{},
	}))
	_, err = s.PutObject("bkt", "in/a b.txt", []byte("hello"), PutOptions{})
	require.NoError(t, err)
	_, err = s.CopyObject("bkt", "in/a b.txt", "bkt", "in/copy", CopyOptions{})
	require.NoError(t, err)
	_, err = s.DeleteObjects("bkt", []string{"in/copy"})
	require.NoError(t, err)
	_, err = s.PutObject("bkt", "out/x", []byte("x"), PutOptions{})
	require.NoError(t, err)
	s.FlushNotifications()
	sink.mu.Lock()
	defer sink.mu.Unlock()
	var kinds []string
	for _, n := range sink.got {
		kinds = append(kinds, n.Kind+":"+n.DetailType)
	}
	require.Equal(t, []string{
		"sqs:",                          // the s3:TestEvent
		"sqs:", "events:Object Created", // put in/a b.txt
		"sqs:", "events:Object Created", // copy
		"lambda:", "events:Object Deleted", // delete in/copy
		"events:Object Created", // out/x: only EventBridge
	}, kinds)
	var test map[string]string
	require.NoError(t, json.Unmarshal(sink.got[0].Body, &test))
	require.Equal(t, "s3:TestEvent", test["Event"])
	var put struct {
		Records []struct {
			EventVersion, EventSource, EventName, EventTime string
			S3                                              struct {
				ConfigurationID string `json:"configurationId"`
				Bucket          struct{ Name, Arn string }
				Object          struct {
					Key, ETag, Sequencer string
					Size                 int
				}
			}
		}
	}
	require.NoError(t, json.Unmarshal(sink.got[1].Body, &put))
	r := put.Records[0]
	require.Equal(t, "2.1", r.EventVersion)
	require.Equal(t, "aws:s3", r.EventSource)
	require.Equal(t, "ObjectCreated:Put", r.EventName)
	require.Equal(t, "2024-05-01T12:00:00.000Z", r.EventTime)
	require.Equal(t, "created", r.S3.ConfigurationID)
	require.Equal(t, "arn:aws:s3:::bkt", r.S3.Bucket.Arn)
	require.Equal(t, "in%2Fa+b.txt", r.S3.Object.Key, "keys are URL-encoded as on S3")
	require.Equal(t, 5, r.S3.Object.Size)
	require.Equal(t, "5d41402abc4b2a76b9719d911017c592", r.S3.Object.ETag)
	require.Contains(t, string(sink.got[2].Body), `{"version":"0","bucket":{"name":"bkt"},"object":{"key":"in/a b.txt","size":5,"etag":"5d41402abc4b2a76b9719d911017c592","sequencer":`)
	require.Contains(t, string(sink.got[2].Body), `"reason":"PutObject"`)
	require.Contains(t, string(sink.got[4].Body), `"reason":"CopyObject"`)
	require.Contains(t, string(sink.got[6].Body), `"reason":"DeleteObject","deletion-type":"Permanently Deleted"`)
	var del struct{ Records []struct{ EventName string } }
	require.NoError(t, json.Unmarshal(sink.got[5].Body, &del))
	require.Equal(t, "ObjectRemoved:Delete", del.Records[0].EventName)
}
