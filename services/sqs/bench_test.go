package sqs

import (
	"context"
	"testing"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

func benchService(b *testing.B) (*Service, string) {
	s := New(Config{Clock: clock.NewFake(epoch), Logger: zap.NewNop(), AccountID: "111111111111"})
	u, err := s.CreateQueue(&CreateQueueInput{QueueName: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	return s, u
}

func BenchmarkSendMessage(b *testing.B) {
	s, u := benchService(b)
	in := &SendMessageInput{QueueUrl: u, MessageBody: `{"TaskToken":"abc","n":1}`}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.SendMessage(in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSendReceiveDelete is one worker round trip: send, receive, delete.
func BenchmarkSendReceiveDelete(b *testing.B) {
	s, u := benchService(b)
	ctx := context.Background()
	send := &SendMessageInput{QueueUrl: u, MessageBody: `{"TaskToken":"abc","n":1}`}
	recv := &ReceiveMessageInput{QueueUrl: u}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.SendMessage(send); err != nil {
			b.Fatal(err)
		}
		out, err := s.ReceiveMessage(ctx, recv)
		if err != nil || len(out.Messages) != 1 {
			b.Fatal(err, out)
		}
		if err := s.DeleteMessage(u, out.Messages[0].ReceiptHandle); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIntegrationSendMessage(b *testing.B) {
	s, u := benchService(b)
	h := s.Integration()
	req := &task.Request{Resource: "arn:aws:states:::sqs:sendMessage", Service: "sqs", Action: "sendMessage",
		Parameters: map[string]any{"QueueUrl": u, "MessageBody": map[string]any{"TaskToken": "abc"}}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Invoke(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}
