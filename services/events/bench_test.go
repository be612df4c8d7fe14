package events

import (
	"context"
	"fmt"
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

// BenchmarkPutEventsRouted puts one event on a bus with 100 rules, 10 of which match, and waits
// for the 10 deliveries to a no-op sink.
func BenchmarkPutEventsRouted(b *testing.B) {
	s := New(Config{Clock: clock.NewFake(epoch), Logger: zap.NewNop(), AccountID: "111111111111"})
	b.Cleanup(s.Close)
	s.SetSink("sqs", SinkFunc(func(context.Context, Delivery) error { return nil }))
	for i := range 100 {
		name := fmt.Sprintf("r%d", i)
		pattern := fmt.Sprintf(`{"source":["app"],"detail":{"n":[{"numeric":[">=",%d]}],"kind":[{"prefix":"ord"}]}}`, i)
		if i >= 10 {
			pattern = fmt.Sprintf(`{"source":["other-%d"]}`, i)
		}
		if _, err := s.PutRule(PutRuleInput{Name: name, EventPattern: pattern}); err != nil {
			b.Fatal(err)
		}
		if _, err := s.PutTargets("", name, []map[string]any{{"Id": "q", "Arn": "arn:aws:sqs:us-east-1:111111111111:q", "InputPath": "$.detail"}}); err != nil {
			b.Fatal(err)
		}
	}
	entries := []Entry{{Source: "app", DetailType: "created", Detail: `{"n":50,"kind":"order"}`, HasDetail: true}}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := s.PutEvents(entries); err != nil {
			b.Fatal(err)
		}
		s.Flush()
	}
}
