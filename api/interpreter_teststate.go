package api

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/interpreter"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// TestState, until the interpreter offers it natively: the state under test is run as the
// only real state of a one-off state machine, on instant time, by an engine whose task
// handlers answer with the request's mock. Its transitions (Next, Choice targets, Catch
// targets) become terminal stub states, so which stub the run ends in gives nextState and
// the status (SUCCEEDED, or CAUGHT_ERROR for a Catch target). What this cannot produce:
// inspectionData (the interpreter does not expose intermediate payloads), RETRIABLE (a
// Retry really retries), variables and a given context object; those requests are refused
// with a ValidationException rather than answered wrongly.

// mockResource is the Task resource that stands for a mocked Map or Parallel state.
const mockResource = "arn:aws:states:::sfnlocal:mock"

// testStateTimeout is AWS's bound on one TestState run.
const testStateTimeout = 5 * time.Minute

var errTestStateTimeout = fmt.Errorf("TestState timed out")

func unsupportedTestState(what string) error {
	return newError(CodeValidationException, "TestState with %s is not supported by sfnlocal yet", what)
}

func (a *interpEngine) TestState(ctx context.Context, p TestStateParams) (*TestStateResult, error) {
	switch {
	case p.InspectionLevel != "" && p.InspectionLevel != "INFO":
		return nil, unsupportedTestState("inspectionLevel " + p.InspectionLevel)
	case p.Variables != "":
		return nil, unsupportedTestState("variables")
	case p.Context != "":
		return nil, unsupportedTestState("a context object")
	case p.RetrierRetryCount != nil || p.ErrorCausedByState != "" || p.MapIterationFailureCount != nil || p.MapItemReaderData != nil:
		return nil, unsupportedTestState("a stateConfiguration")
	}
	var def map[string]any
	if err := json.Unmarshal([]byte(p.Definition), &def); err != nil || def == nil {
		return nil, &DefinitionError{Message: "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Definition must be a valid JSON object'"}
	}
	// AWS names the state under test "StateName" in its context object ($$.State.Name).
	name := "StateName"
	state := def
	topQL, _ := def["QueryLanguage"].(string)
	if states, ok := def["States"].(map[string]any); ok {
		if p.StateName == "" {
			return nil, newError(CodeValidationException, "stateName is required when the definition is a state machine")
		}
		st, ok := findState(states, p.StateName)
		if !ok {
			return nil, newError(CodeValidationException, "State '%s' does not exist in the definition", p.StateName)
		}
		name, state = p.StateName, st
	} else {
		topQL = ""
		if p.StateName != "" {
			name = p.StateName
		}
		// The wrapper's state must not share a name with a state nested inside it.
		inner, _ := json.Marshal(state)
		for i := 1; strings.Contains(string(inner), strconv.Quote(name)); i++ {
			name = "StateName" + strconv.Itoa(i)
		}
	}
	if _, ok := state["Retry"]; ok {
		return nil, unsupportedTestState("a Retry field")
	}
	typ, _ := state["Type"].(string)
	res, _ := state["Resource"].(string)
	if typ == "Task" && (strings.HasSuffix(res, ".waitForTaskToken") || strings.Contains(res, ":activity:")) {
		return nil, unsupportedTestState("a callback or activity Task")
	}

	// Rebuild the state with its transitions pointing at stubs.
	st := map[string]any{}
	for k, v := range state {
		st[k] = v
	}
	if p.HasMock && (typ == "Map" || typ == "Parallel") {
		// A mock replaces what the whole Map or Parallel state computes: run it as a Task
		// whose result is the mock, keeping the input and output processing around it.
		st = map[string]any{"Type": "Task", "Resource": mockResource}
		keep := []string{"InputPath", "ResultSelector", "ResultPath", "OutputPath", "Catch", "Next", "End", "QueryLanguage", "Comment", "Assign", "Output"}
		if typ == "Parallel" {
			keep = append(keep, "Parameters", "Arguments")
		}
		for _, k := range keep {
			if v, ok := state[k]; ok {
				st[k] = v
			}
		}
		typ, res = "Task", mockResource
	}
	stubs := map[string]string{} // stub name -> "next" | "choice" | "catch"
	next, hasNext := st["Next"].(string)
	if hasNext {
		delete(st, "Next")
		st["End"] = true
	}
	if typ == "Choice" {
		if choices, ok := st["Choices"].([]any); ok {
			for _, c := range choices {
				if cm, ok := c.(map[string]any); ok {
					if n, ok := cm["Next"].(string); ok {
						stubs[n] = "choice"
					}
				}
			}
		}
		if d, ok := st["Default"].(string); ok {
			stubs[d] = "choice"
		}
	}
	if catches, ok := st["Catch"].([]any); ok {
		for _, c := range catches {
			if cm, ok := c.(map[string]any); ok {
				if n, ok := cm["Next"].(string); ok {
					stubs[n] = "catch"
				}
			}
		}
	}
	states := map[string]any{name: st}
	for n := range stubs {
		if n == name {
			return nil, unsupportedTestState("a transition to the state itself")
		}
		states[n] = map[string]any{"Type": "Pass", "End": true}
		if topQL == "JSONata" || st["QueryLanguage"] == "JSONata" {
			states[n] = map[string]any{"Type": "Pass", "End": true, "QueryLanguage": "JSONPath"}
		}
	}
	machine := map[string]any{"StartAt": name, "States": states}
	if topQL != "" {
		machine["QueryLanguage"] = topQL
	}
	mb, err := json.Marshal(machine)
	if err != nil {
		return nil, err
	}
	sm, err := interpreter.Parse(string(mb))
	if err != nil {
		return nil, &DefinitionError{Message: err.Error()}
	}

	tasks := task.Registry{}
	for k, v := range a.cfg.Tasks {
		tasks[k] = v
	}
	if p.HasMock && typ == "Task" {
		service, _, _, _, ok := task.ParseResource(res)
		if !ok {
			return nil, newError(CodeValidationException, "The Resource of the state cannot be mocked: '%s'", res)
		}
		var mocked any
		if p.HasMockResult {
			if mocked, err = task.Decode([]byte(p.MockResult)); err != nil {
				return nil, newError(CodeValidationException, "The mock result is not valid JSON")
			}
		}
		tasks[service] = task.HandlerFunc(func(ctx context.Context, r *task.Request) (any, error) {
			if p.HasMockError {
				return nil, &task.Failure{Name: p.MockError, Cause: p.MockCause}
			}
			return mocked, nil
		})
	}
	eng := interpreter.NewEngine(interpreter.Config{
		Clock:  func() clock.Clock { return clock.NewInstant(clock.Real()) },
		Tasks:  tasks,
		Logger: zap.NewNop(), Region: a.cfg.Region, AccountID: a.cfg.AccountID,
	})
	defer eng.Close()
	region, account := a.cfg.Region, a.cfg.AccountID
	if region == "" {
		region = "us-east-1"
	}
	if account == "" {
		account = "123456789012"
	}
	x, err := eng.Start(sm, interpreter.StartParams{
		ExecutionArn:    "arn:aws:states:" + region + ":" + account + ":express:TestState:test:test",
		Name:            "test",
		StateMachineArn: "arn:aws:states:" + region + ":" + account + ":stateMachine:TestState", StateMachineName: "TestState",
		RoleArn: p.RoleArn, Input: p.Input, Express: true,
	})
	if err != nil {
		return nil, err
	}
	tctx, cancel := clock.WithTimeout(ctx, clock.Real(), testStateTimeout, errTestStateTimeout)
	defer cancel()
	select {
	case <-x.Done():
	case <-tctx.Done():
		_ = x.Stop("States.Timeout", "TestState timed out")
		out := &TestStateResult{Status: "FAILED"}
		e, c := "States.Timeout", ""
		out.Error, out.Cause = &e, &c
		return out, nil
	}
	return testStateOutcome(x, stubs, next, hasNext)
}

// testStateOutcome reads the wrapper run's history into TestState's answer.
func testStateOutcome(x *interpreter.Execution, stubs map[string]string, next string, hasNext bool) (*TestStateResult, error) {
	out := &TestStateResult{}
	var lastErr, lastCause *string
	stubEntered, stubInput := "", ""
	for _, ev := range x.History() {
		b, err := ev.MarshalJSON()
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, err
		}
		details, _ := m[ev.DetailsKey()].(map[string]any)
		if strings.HasSuffix(ev.Type, "StateEntered") && ev.Name != "" {
			if _, ok := stubs[ev.Name]; ok && stubEntered == "" {
				stubEntered = ev.Name
				stubInput, _ = details["input"].(string)
			}
		}
		if stubEntered == "" && details != nil && ev.Type != "ExecutionFailed" {
			if e, ok := details["error"].(string); ok {
				c, _ := details["cause"].(string)
				lastErr, lastCause = &e, &c
			}
		}
	}
	switch {
	case stubEntered != "":
		out.Status, out.NextState = "SUCCEEDED", stubEntered
		if stubs[stubEntered] == "catch" {
			out.Status = "CAUGHT_ERROR"
			out.Error, out.Cause = lastErr, lastCause
		}
		out.Output = &stubInput
	case x.Status() == interpreter.StatusSucceeded:
		out.Status = "SUCCEEDED"
		if o, ok := x.Output(); ok {
			out.Output = &o
		}
		if hasNext {
			out.NextState = next
		}
	default:
		out.Status = "FAILED"
		if e, ok := x.Error(); ok {
			out.Error = &e
		}
		if c, ok := x.Cause(); ok {
			out.Cause = &c
		}
	}
	return out, nil
}

// findState finds a state by name anywhere in a definition: top level, Parallel branches
// and Map processors.
func findState(states map[string]any, name string) (map[string]any, bool) {
	if st, ok := states[name].(map[string]any); ok {
		return st, true
	}
	for _, v := range states {
		st, _ := v.(map[string]any)
		var subs []any
		if b, ok := st["Branches"].([]any); ok {
			subs = append(subs, b...)
		}
		for _, k := range []string{"ItemProcessor", "Iterator"} {
			if p, ok := st[k]; ok {
				subs = append(subs, p)
			}
		}
		for _, sub := range subs {
			if m, ok := sub.(map[string]any); ok {
				if inner, ok := m["States"].(map[string]any); ok {
					if found, ok := findState(inner, name); ok {
						return found, true
					}
				}
			}
		}
	}
	return nil, false
}
