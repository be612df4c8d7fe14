package lambda_test

import (
	"context"
	"fmt"

	"github.com/sfnlocal/sfnlocal/interpreter/task"
	"github.com/sfnlocal/sfnlocal/services/lambda"
)

// An in-process Go function behind a lambda:invoke Task.
func ExampleService_RegisterGoFunction() {
	s, err := lambda.New(lambda.Config{Region: "us-east-1", AccountID: "123456789012"})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	s.RegisterGoFunction("greet", func(ctx context.Context, payload []byte) ([]byte, error) {
		return []byte(`{"greeting": "hello"}`), nil
	})
	out, err := s.Integration().Invoke(context.Background(), &task.Request{
		Resource:   "arn:aws:states:::lambda:invoke",
		Service:    "lambda",
		Action:     "invoke",
		Parameters: map[string]any{"FunctionName": "greet", "Payload": map[string]any{}},
	})
	if err != nil {
		panic(err)
	}
	m, _ := task.Object(out)
	payload, _ := task.Encode(m["Payload"])
	fmt.Println(string(payload), m["StatusCode"], m["ExecutedVersion"])
	// Output: {"greeting":"hello"} 200 $LATEST
}
