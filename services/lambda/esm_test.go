package lambda

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/internal/clock"
)

func TestBatchItemFailures(t *testing.T) {
	t.Parallel()
	batch := []QueueMessage{{MessageID: "a"}, {MessageID: "b"}}
	tests := []struct {
		name, payload string
		want          []string
		ok            bool
	}{
		{"empty", ``, nil, true},
		{"null", `null`, nil, true},
		{"empty object", `{}`, nil, true},
		{"empty list", `{"batchItemFailures":[]}`, nil, true},
		{"one", `{"batchItemFailures":[{"itemIdentifier":"b"}]}`, []string{"b"}, true},
		{"unknown id fails the batch", `{"batchItemFailures":[{"itemIdentifier":"z"}]}`, nil, false},
		{"null id fails the batch", `{"batchItemFailures":[{"itemIdentifier":null}]}`, nil, false},
		{"not json", `oops`, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := batchItemFailures([]byte(tc.payload), batch)
			require.Equal(t, tc.ok, ok)
			require.Equal(t, tc.want, got)
		})
	}
}

type noQueue struct{ exists bool }

func (q noQueue) Exists(string) bool { return q.exists }
func (noQueue) Receive(ctx context.Context, _ string, _ int, _ time.Duration) ([]QueueMessage, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}
func (noQueue) Delete(context.Context, string, []string) error { return nil }

func TestEventSourceMappingValidation(t *testing.T) {
	t.Parallel()
	s := newTestService(t, Config{})
	s.RegisterGoFunction("fn", func(context.Context, []byte) ([]byte, error) { return nil, nil })
	s.SetQueuePoller(noQueue{exists: true})
	const q = "arn:aws:sqs:us-east-1:111111111111:q"
	ptr := func(n int) *int { return &n }
	tests := []struct {
		name string
		in   EventSourceMappingInput
		code string
	}{
		{"no function", EventSourceMappingInput{EventSourceArn: q, FunctionName: "nope"}, CodeResourceNotFound},
		{"not sqs", EventSourceMappingInput{EventSourceArn: "arn:aws:kinesis:us-east-1:111111111111:stream/s", FunctionName: "fn"}, CodeInvalidParameterValue},
		{"batch too big", EventSourceMappingInput{EventSourceArn: q, FunctionName: "fn", BatchSize: ptr(10001)}, CodeValidation},
		{"batch over 10 without window", EventSourceMappingInput{EventSourceArn: q, FunctionName: "fn", BatchSize: ptr(11)}, CodeInvalidParameterValue},
		{"bad response type", EventSourceMappingInput{EventSourceArn: q, FunctionName: "fn", FunctionResponseTypes: []string{"Nope"}}, CodeValidation},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CreateEventSourceMapping(&tc.in)
			var ae *APIError
			require.ErrorAs(t, err, &ae)
			require.Equal(t, tc.code, ae.Code, ae.Message)
		})
	}
	m, err := s.CreateEventSourceMapping(&EventSourceMappingInput{EventSourceArn: q, FunctionName: "fn", BatchSize: ptr(100), MaximumBatchingWindowInSeconds: ptr(5)})
	require.NoError(t, err)
	require.Equal(t, "arn:aws:lambda:us-east-1:111111111111:function:fn", m.FunctionArn)
	_, err = s.CreateEventSourceMapping(&EventSourceMappingInput{EventSourceArn: q, FunctionName: "fn"})
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	require.Equal(t, CodeResourceConflict, ae.Code)
	_, err = s.DeleteEventSourceMapping(m.UUID)
	require.NoError(t, err)
	_, err = s.GetEventSourceMapping(m.UUID)
	require.ErrorAs(t, err, &ae)
	require.Equal(t, CodeResourceNotFound, ae.Code)
}

// memQueue is an in-memory QueuePoller on a Fake clock: Receive returns what is queued, or
// waits on the clock for more.
type memQueue struct {
	clk    *clock.Fake
	mu     sync.Mutex
	msgs   []QueueMessage
	more   chan struct{}
	delete []string
	// waiting receives each wait a Receive starts, once its timer is set.
	waiting chan time.Duration
}

func (q *memQueue) Exists(string) bool { return true }

func (q *memQueue) push(bodies ...string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, b := range bodies {
		q.msgs = append(q.msgs, QueueMessage{MessageID: b, ReceiptHandle: "rh-" + b, Body: b})
	}
	close(q.more)
	q.more = make(chan struct{})
}

func (q *memQueue) Receive(ctx context.Context, _ string, max int, wait time.Duration) ([]QueueMessage, error) {
	q.mu.Lock()
	if len(q.msgs) > 0 {
		n := min(max, len(q.msgs))
		out := append([]QueueMessage(nil), q.msgs[:n]...)
		q.msgs = q.msgs[n:]
		q.mu.Unlock()
		return out, nil
	}
	more := q.more
	q.mu.Unlock()
	t := q.clk.NewTimer(wait)
	defer t.Stop()
	q.waiting <- wait
	select {
	case <-ctx.Done():
		return nil, nil
	case <-t.C():
		return nil, nil
	case <-more:
		return q.Receive(ctx, "", max, 0)
	}
}

func (q *memQueue) Delete(_ context.Context, _ string, handles []string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.delete = append(q.delete, handles...)
	return nil
}

// TestBatchingWindow: a mapping with BatchSize 10 and a 5 s window collects what arrives in
// the window and invokes the function once, when the window closes on the clock.
func TestBatchingWindow(t *testing.T) {
	t.Parallel()
	fc := clock.NewFake(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	s := newTestService(t, Config{Clock: fc})
	batches := make(chan []string, 4)
	s.RegisterGoFunction("fn", func(_ context.Context, payload []byte) ([]byte, error) {
		var ev struct{ Records []struct{ Body string } }
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, err
		}
		var bodies []string
		for _, r := range ev.Records {
			bodies = append(bodies, r.Body)
		}
		batches <- bodies
		return []byte(`{"batchItemFailures":[{"itemIdentifier":"b"}]}`), nil
	})
	q := &memQueue{clk: fc, more: make(chan struct{}), waiting: make(chan time.Duration, 1)}
	s.SetQueuePoller(q)
	ten, five := 10, 5
	_, err := s.CreateEventSourceMapping(&EventSourceMappingInput{EventSourceArn: "arn:aws:sqs:us-east-1:111111111111:q", FunctionName: "fn",
		BatchSize: &ten, MaximumBatchingWindowInSeconds: &five, FunctionResponseTypes: []string{"ReportBatchItemFailures"}})
	require.NoError(t, err)
	require.Equal(t, 20*time.Second, <-q.waiting, "the first long poll")
	q.push("a", "b")
	require.Equal(t, 5*time.Second, <-q.waiting, "the window's poll")
	q.push("c")
	require.Equal(t, 5*time.Second, <-q.waiting, "the window is still open")
	require.Empty(t, batches, "nothing is invoked before the window closes")
	fc.Advance(5 * time.Second)
	require.Equal(t, []string{"a", "b", "c"}, <-batches)
	require.Equal(t, 20*time.Second, <-q.waiting, "back to polling after the batch")
	q.mu.Lock()
	defer q.mu.Unlock()
	require.Equal(t, []string{"rh-a", "rh-c"}, q.delete, "the reported failure is not deleted")
}
