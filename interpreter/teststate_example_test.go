package interpreter_test

import (
	"context"
	"fmt"

	"github.com/sfnlocal/sfnlocal/interpreter"
)

// ExampleEngine_TestState tests a Task state with a mocked error that its Retry would
// still retry: TestState answers RETRIABLE with the backoff of the next retry.
func ExampleEngine_TestState() {
	e := interpreter.NewEngine(interpreter.Config{})
	defer e.Close()
	out, err := e.TestState(context.Background(), interpreter.TestStateInput{
		Definition: `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
			"Parameters":{"FunctionName":"f"},
			"Retry":[{"ErrorEquals":["Lambda.TooManyRequestsException"],"IntervalSeconds":2,"BackoffRate":3}],
			"End":true}`,
		InspectionLevel:   interpreter.InspectionDebug,
		Mock:              &interpreter.TestStateMock{HasError: true, Error: "Lambda.TooManyRequestsException", Cause: "slow down"},
		RetrierRetryCount: 1,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out.Status, *out.Error, out.InspectionData["errorDetails"])
	// Output: RETRIABLE Lambda.TooManyRequestsException map[retryBackoffIntervalSeconds:6 retryIndex:0]
}
