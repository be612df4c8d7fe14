package interpreter_test

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/sfnlocal/sfnlocal/interpreter"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

func ExampleExecution_Redrive() {
	var down atomic.Bool
	down.Store(true)
	tasks := task.Registry{"orders": task.HandlerFunc(func(context.Context, *task.Request) (any, error) {
		if down.Load() {
			return nil, &task.Failure{Name: "Orders.Unavailable", Cause: "service down"}
		}
		return map[string]any{"placed": true}, nil
	})}
	sm, err := interpreter.Parse(`{"StartAt":"Prepare","States":{
		"Prepare":{"Type":"Pass","Next":"Place"},
		"Place":{"Type":"Task","Resource":"arn:aws:states:::orders:place","End":true}}}`)
	if err != nil {
		panic(err)
	}
	e := interpreter.NewEngine(interpreter.Config{Tasks: tasks})
	defer e.Close()
	x, err := e.Start(sm, interpreter.StartParams{ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:orders:1"})
	if err != nil {
		panic(err)
	}
	<-x.Done()
	fmt.Println(x.Status())

	// The service is back: the redrive re-runs Place only; Prepare is not run again.
	down.Store(false)
	if _, err := x.Redrive(); err != nil {
		panic(err)
	}
	<-x.Done()
	out, _ := x.Output()
	fmt.Println(x.Status(), out, x.RedriveCount())
	for _, ev := range x.History()[8:] {
		fmt.Println(ev.ID, ev.PreviousEventID, ev.Type)
	}
	// Output:
	// FAILED
	// SUCCEEDED {"placed":true} 1
	// 9 8 ExecutionRedriven
	// 10 9 TaskStateEntered
	// 11 10 TaskScheduled
	// 12 11 TaskStarted
	// 13 12 TaskSucceeded
	// 14 13 TaskStateExited
	// 15 14 ExecutionSucceeded
}
