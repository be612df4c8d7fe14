package lambda

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
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
