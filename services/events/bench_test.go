package events

import (
	"context"
	"testing"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

func BenchmarkPutEvents(b *testing.B) {
	s := New(Config{Clock: clock.NewFake(epoch), Logger: zap.NewNop(), AccountID: "111111111111"})
	entries := []Entry{{Source: "app", DetailType: "created", Detail: `{"id":1,"name":"x"}`, HasDetail: true}}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := s.PutEvents(entries); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPutEventsIntegration is one events:putEvents Task call with an object Detail.
func BenchmarkPutEventsIntegration(b *testing.B) {
	s := New(Config{Clock: clock.NewFake(epoch), Logger: zap.NewNop(), AccountID: "111111111111"})
	h := s.Integration()
	req := &task.Request{Resource: "arn:aws:states:::events:putEvents", Service: "events", Action: "putEvents",
		Parameters: map[string]any{"Entries": []any{map[string]any{"Source": "app", "DetailType": "created", "Detail": map[string]any{"id": "1"}}}}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Invoke(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}
