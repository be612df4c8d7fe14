package interpreter_test

import (
	"fmt"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/interpreter"
)

func ExampleValidate() {
	for _, d := range interpreter.Validate(`{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}}`) {
		fmt.Println(d.Severity, d.Code, d.Location, d.Message)
	}
	// Output:
	// ERROR MISSING_TRANSITION_TARGET /States/A/Next Missing 'Next' target: B
	// ERROR MISSING_END_STATE  Workflow has no terminal state
}

func ExampleEngine_Start() {
	sm, err := interpreter.Parse(`{"StartAt":"Greet","States":{
		"Greet":{"Type":"Pass","Parameters":{"msg.$":"States.Format('Hello, {}!', $.name)"},"Next":"Wait"},
		"Wait":{"Type":"Wait","Seconds":3600,"End":true}}}`)
	if err != nil {
		panic(err)
	}
	// Instant time: the hour-long Wait ends at once, while history timestamps advance by an hour.
	e := interpreter.NewEngine(interpreter.Config{Clock: func() clock.Clock { return clock.NewInstant(clock.Real()) }})
	defer e.Close()
	x, err := e.Start(sm, interpreter.StartParams{ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:hello:1", Input: `{"name":"world"}`})
	if err != nil {
		panic(err)
	}
	<-x.Done()
	out, _ := x.Output()
	fmt.Println(x.Status(), out)
	for _, ev := range x.History() {
		fmt.Println(ev.ID, ev.PreviousEventID, ev.Type)
	}
	// Output:
	// SUCCEEDED {"msg":"Hello, world!"}
	// 1 0 ExecutionStarted
	// 2 0 PassStateEntered
	// 3 2 PassStateExited
	// 4 3 WaitStateEntered
	// 5 4 WaitStateExited
	// 6 5 ExecutionSucceeded
}
