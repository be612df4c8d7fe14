package sqs_test

import (
	"context"
	"fmt"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
	"github.com/sfnlocal/sfnlocal/services/sqs"
)

// A Task state sends a message with its task token; a worker receives it and deletes it.
func Example() {
	s := sqs.New(sqs.Config{Clock: clock.Real(), AccountID: "111111111111", Endpoint: "http://127.0.0.1:8083"})
	url, _ := s.CreateQueue(&sqs.CreateQueueInput{QueueName: "work"})

	out, err := s.Integration().Invoke(context.Background(), &task.Request{
		Resource: "arn:aws:states:::sqs:sendMessage.waitForTaskToken", Service: "sqs", Action: "sendMessage",
		Pattern:    task.WaitForTaskToken,
		Parameters: map[string]any{"QueueUrl": url, "MessageBody": map[string]any{"TaskToken": "token-1"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out.(map[string]any)["MD5OfMessageBody"])

	got, _ := s.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: url})
	fmt.Println(got.Messages[0].Body)
	fmt.Println(s.DeleteMessage(url, got.Messages[0].ReceiptHandle))
	// Output:
	// cbd4f8817bc3855c2a35ed07f3132d2d
	// {"TaskToken":"token-1"}
	// <nil>
}
