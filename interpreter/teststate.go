package interpreter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sfnlocal/sfnlocal/internal/value"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// TestState runs one state on its own, as AWS's TestState API does (aws-api-notes §1.4):
// the state under test becomes the only real state of a one-off Express execution on
// instant time, and its transitions (Next, Choice targets, Catch targets) lead to terminal
// stubs that are never run: the run stops as soon as the state under test has finished.
// Hooks in the executor (see testRun) capture the inspection data, apply the mock in place
// of the Task call or the Map/Parallel processing, replace the Context object, seed the
// workflow variables and take AWS's TestState decisions on Retry (RETRIABLE instead of
// retrying) and Catch (CAUGHT_ERROR).
//
// FieldValidationMode is accepted but not checked against the integrated service's API
// shapes: every recorded case (STRICT, PRESENT and NONE) passes the mock result through.

// Inspection levels.
const (
	InspectionInfo  = "INFO"
	InspectionDebug = "DEBUG"
	InspectionTrace = "TRACE"
)

// TestState statuses.
const (
	TestStatusSucceeded   = "SUCCEEDED"
	TestStatusFailed      = "FAILED"
	TestStatusCaughtError = "CAUGHT_ERROR"
	TestStatusRetriable   = "RETRIABLE"
)

// TestStateInput is one TestState request. JSON members are JSON text.
type TestStateInput struct {
	// Definition is a single state, or a whole state machine with StateName naming the
	// state to test (which may be nested in a Parallel branch or a Map processor).
	Definition string
	StateName  string
	// Input is the state input; "" means "{}".
	Input           string
	InspectionLevel string // INFO (default), DEBUG or TRACE
	RoleArn         string
	// Variables are the workflow variables visible to the state (a JSON object), "" none.
	Variables string
	// Context replaces the Context object ($$, $states.context), "" keeps the computed one.
	Context string
	// Mock, when set, stands for the Task call or the whole Map/Parallel processing.
	Mock *TestStateMock
	// RetrierRetryCount is how many retries the matching retrier has already made.
	RetrierRetryCount int64
	// ErrorCausedByState names the state inside a Map or Parallel whose failure the mocked
	// error stands for.
	ErrorCausedByState string
	// MapIterationFailureCount, when set, is how many mocked Map iterations failed.
	MapIterationFailureCount *int64
	// MapItemReaderData, when set, is the JSON text an ItemReader would have read.
	MapItemReaderData *string
}

// TestStateMock is a mocked result (Result, JSON text) or error (Error, Cause).
type TestStateMock struct {
	HasResult           bool
	Result              string
	HasError            bool
	Error, Cause        string
	FieldValidationMode string
}

// TestStateOutput is TestState's answer.
type TestStateOutput struct {
	Status    string
	NextState string
	// Output is the state output as JSON text (absent on FAILED and RETRIABLE).
	Output, Error, Cause *string
	// InspectionData is the inspectionData wire object (nil at INFO level).
	InspectionData map[string]any
}

// TestStateError is a request TestState refuses: Code is the API error code
// (ValidationException or InvalidDefinition), Message AWS's text.
type TestStateError struct {
	Code, Message string
}

func (e *TestStateError) Error() string { return e.Code + ": " + e.Message }

func validationErr(format string, args ...any) error {
	return &TestStateError{Code: "ValidationException", Message: fmt.Sprintf(format, args...)}
}

// testStateTimeout is AWS's bound on one TestState run.
const testStateTimeout = 5 * time.Minute

var errTestStateTimeout = errors.New("TestState timed out")

// testStateName is the name AWS gives a lone state under test ($$.State.Name).
const testStateName = "StateName"

// testRun is the TestState part of an execution: which state is under test and what the
// executor hooks record about it. It is reached only through frame.test, so ordinary
// executions pay one nil check per hook.
type testRun struct {
	state       string
	level       string
	mock        *TestStateMock
	context     *value.Object // nil: computed
	vars        map[string]any
	retryCount  int64
	mapFailures *int64
	readerItems any // the mocked ItemReader's items

	mu        sync.Mutex
	data      map[string]any
	finished  bool
	out       any
	next      string
	fl        *failure
	caught    *failure
	retriable bool
}

// test returns the execution's testRun when st is the state under test.
func (f *frame) test(st *state) *testRun {
	t := f.x.p.test
	if t == nil || st == nil || st.name != t.state {
		return nil
	}
	return t
}

// inspect records one inspectionData member of the state under test.
func (f *frame) inspect(st *state, key string, v any) {
	if t := f.test(st); t != nil {
		t.mu.Lock()
		t.data[key] = v
		t.mu.Unlock()
	}
}

func (t *testRun) errorDetail(key string, v any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	d, _ := t.data["errorDetails"].(map[string]any)
	if d == nil {
		d = map[string]any{}
		t.data["errorDetails"] = d
	}
	d[key] = v
}

// finish records the outcome of the state under test.
func (t *testRun) finish(out any, next string, fl *failure) {
	t.mu.Lock()
	t.finished, t.out, t.next, t.fl = true, out, next, fl
	t.mu.Unlock()
}

// retryDecision is TestState's answer to a failure a retrier matches: RETRIABLE while
// retries remain (with the backoff the next retry would wait), else no retry.
func (t *testRun) retryDecision(st *state, name string, fl *failure) (retriable bool) {
	for i, r := range st.retry {
		if !errorMatches(r.errorEquals, name, !fl.taskResult && fl.err == errDataLimit) {
			continue
		}
		t.errorDetail("retryIndex", jsonInt(int64(i)))
		if t.retryCount < r.maxAttempts {
			secs := r.interval * math.Pow(r.backoffRate, float64(t.retryCount))
			if r.hasMaxDelay && secs > r.maxDelay {
				secs = r.maxDelay
			}
			if secs > maxRetryDelaySeconds || math.IsInf(secs, 0) || math.IsNaN(secs) {
				secs = maxRetryDelaySeconds
			}
			t.errorDetail("retryBackoffIntervalSeconds", jsonInt(int64(secs)))
			t.mu.Lock()
			t.retriable = true
			t.mu.Unlock()
			return true
		}
		return false
	}
	return false
}

// mockOutcome is the mocked result or error of a Task, Map or Parallel state under test.
// items is the number of Map items (for ToleratedFailurePercentage).
func (t *testRun) mockOutcome(f *frame, st *state, items int, tol tolerances) (any, *failure) {
	m := t.mock
	if m.HasError {
		fl := &failure{err: m.Error, hasErr: true, cause: m.Cause, hasCause: true, taskResult: st.typ == "Task"}
		return nil, fl
	}
	var res any
	if m.HasResult {
		// Checked before the run (checkTestMock).
		res, _ = task.Decode([]byte(m.Result))
	}
	if st.typ == "Map" && t.mapFailures != nil && (tol.hasCount || tol.hasPct) {
		failed := *t.mapFailures
		exceeded := tol.hasCount && failed > tol.count
		if tol.hasPct && items > 0 && float64(failed)*100/float64(items) > tol.pct {
			exceeded = true
		}
		if exceeded {
			return nil, newFailure(errToleratedFailure, "The specified tolerated failure threshold was exceeded")
		}
	}
	return res, nil
}

// TestState runs one state as AWS's TestState API does. Real Task calls (no mock) go
// through the engine's task handlers. A request AWS would refuse returns a
// *TestStateError.
func (e *Engine) TestState(ctx context.Context, in TestStateInput) (TestStateOutput, error) {
	level := in.InspectionLevel
	switch level {
	case "":
		level = InspectionInfo
	case InspectionInfo, InspectionDebug, InspectionTrace:
	default:
		return TestStateOutput{}, validationErr("1 validation error detected: Value '%s' at 'inspectionLevel' failed to satisfy constraint: Member must satisfy enum value set: [INFO, DEBUG, TRACE]", level)
	}
	// Ordered decode: the state's templates and Result keep their key order in the one-off
	// machine (its members are encoded by value.Object's MarshalJSON).
	defV, err := task.Decode([]byte(in.Definition))
	def, isObj := value.AsMap(defV)
	if err != nil || !isObj {
		return TestStateOutput{}, &TestStateError{Code: "InvalidDefinition", Message: "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Definition must be a valid JSON object'"}
	}
	name, st, topQL, err := testStateTarget(def, in.StateName)
	if err != nil {
		return TestStateOutput{}, err
	}
	if c := in.ErrorCausedByState; c != "" {
		// The state the mocked error stands for must be one inside the Map or Parallel
		// state under test.
		if _, ok := findTestState(map[string]any{"": st}, c); !ok || c == name {
			return TestStateOutput{}, validationErr("The errorCausedByState '%s' is not a state inside the state under test", c)
		}
	}
	machine, err := testStateMachine(name, st, topQL)
	if err != nil {
		return TestStateOutput{}, err
	}
	sm, err := Parse(machine)
	if err != nil {
		var de *DefinitionError
		if errors.As(err, &de) {
			return TestStateOutput{}, &TestStateError{Code: "InvalidDefinition", Message: de.Error()}
		}
		return TestStateOutput{}, err
	}
	// The state's name as parsed (JSON text cannot carry every Go string unchanged).
	name = sm.top.startAt
	t := &testRun{state: name, level: level, mock: in.Mock, retryCount: in.RetrierRetryCount, mapFailures: in.MapIterationFailureCount, data: map[string]any{}}
	if in.Context != "" {
		v, err := task.Decode([]byte(in.Context))
		m, ok := v.(*value.Object)
		if err != nil || !ok {
			return TestStateOutput{}, validationErr("The context must be a valid JSON object")
		}
		t.context = m
	}
	if in.Variables != "" {
		v, err := task.Decode([]byte(in.Variables))
		m, ok := value.AsMap(v)
		if err != nil || !ok {
			return TestStateOutput{}, validationErr("The variables must be a valid JSON object")
		}
		t.vars = m
	}
	t.readerItems = []any{}
	if in.MapItemReaderData != nil {
		v, err := task.Decode([]byte(*in.MapItemReaderData))
		if err != nil {
			return TestStateOutput{}, validationErr("The mapItemReaderData must be valid JSON")
		}
		t.readerItems = v
	}
	if err := checkTestMock(sm.top.states[name], in.Mock); err != nil {
		return TestStateOutput{}, err
	}

	instant := clock.NewInstant(e.cfg.Clock())
	sub := NewEngine(Config{
		Clock:  func() clock.Clock { return instant },
		Tasks:  e.cfg.Tasks,
		Logger: e.log, Region: e.cfg.Region, AccountID: e.cfg.AccountID,
	})
	closeSub := true
	defer func() {
		if closeSub {
			sub.Close()
		}
	}()
	region, account := sub.cfg.Region, sub.cfg.AccountID
	x, err := sub.Start(sm, StartParams{
		ExecutionArn:    "arn:aws:states:" + region + ":" + account + ":express:TestState:" + testExecName,
		Name:            testExecName,
		StateMachineArn: "arn:aws:states:" + region + ":" + account + ":stateMachine:TestState", StateMachineName: "TestState",
		RoleArn: in.RoleArn, Input: in.Input, Express: true, Sync: true, test: t,
	})
	if err != nil {
		return TestStateOutput{}, validationErr("The input must be valid JSON")
	}
	tctx, cancel := clock.WithTimeout(ctx, clock.Real(), testStateTimeout, errTestStateTimeout)
	defer cancel()
	select {
	case <-x.Done():
	case <-tctx.Done():
		// Answer now; the run is stopped and its engine closed in the background, so a
		// state stuck in computation cannot hold the caller.
		closeSub = false
		go func() {
			_ = x.Stop(errTimeout, "TestState timed out")
			sub.Close()
		}()
		e, c := errTimeout, ""
		return TestStateOutput{Status: TestStatusFailed, Error: &e, Cause: &c}, nil
	}
	return t.output(x, sm.top.states[name])
}

// testExecName is the execution name of every TestState run.
const testExecName = "TestState-00000000-0000-0000-0000-000000000000"

// checkTestMock applies AWS's rules on which states take a mock: Pass, Succeed and Fail
// states take none, Map and Parallel states need one (their processing is not run).
func checkTestMock(st *state, mock *TestStateMock) error {
	if st == nil {
		return nil
	}
	switch {
	case mock == nil && (st.typ == "Map" || st.typ == "Parallel"):
		return &TestStateError{Code: "InvalidDefinition", Message: "TestState API does not support Map or Parallel states. Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]"}
	case mock != nil && (st.typ == "Pass" || st.typ == "Succeed" || st.typ == "Fail"):
		return validationErr("State type '%s' is not supported when a mock is specified", st.typ)
	case mock == nil && st.typ == "Task" && (st.activity || st.pattern == task.WaitForTaskToken):
		// Nobody could ever answer: the run's task token and activity queue are private.
		return validationErr("TestState does not support activities or the .waitForTaskToken integration pattern without a mock")
	case mock != nil && mock.HasResult:
		if _, err := task.Decode([]byte(mock.Result)); err != nil {
			return validationErr("Mocked result must be valid JSON")
		}
	}
	return nil
}

// output turns the finished run into TestState's answer.
func (t *testRun) output(x *Execution, st *state) (TestStateOutput, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out TestStateOutput
	fl := t.fl
	if !t.finished {
		// The run ended before the state did (a panic or a timeout): report how it ended.
		fl = &failure{}
		fl.err, fl.hasErr = x.Error()
		fl.cause, fl.hasCause = x.Cause()
	}
	switch {
	case fl != nil:
		out.Status = TestStatusFailed
		if t.retriable {
			out.Status = TestStatusRetriable
		}
		if fl.hasErr {
			s := fl.err
			out.Error = &s
		}
		if fl.hasCause {
			s := fl.cause
			out.Cause = &s
		}
	default:
		out.Status = TestStatusSucceeded
		if t.caught != nil {
			out.Status = TestStatusCaughtError
			e, c := t.caught.err, t.caught.cause
			if !t.caught.hasErr {
				e = errTaskFailed
			}
			out.Error, out.Cause = &e, &c
		}
		text, err := EncodeValue(t.out)
		if err != nil {
			return TestStateOutput{}, fmt.Errorf("encode TestState output: %w", err)
		}
		out.Output = &text
		out.NextState = t.next
	}
	if t.level != InspectionInfo {
		out.InspectionData = t.inspectionData(st)
	}
	return out, nil
}

// inspectionData selects the recorded members AWS reports for the state's type and query
// language.
func (t *testRun) inspectionData(st *state) map[string]any {
	var keys []string
	switch {
	case st.typ == "Map":
		keys = []string{"input", "afterInputPath", "afterItemsPath", "afterItemSelector", "afterResultSelector", "afterResultPath", "maxConcurrency", "toleratedFailureCount", "toleratedFailurePercentage", "errorDetails"}
		if st.jsonata {
			keys = []string{"input", "afterItemSelector", "maxConcurrency", "toleratedFailureCount", "toleratedFailurePercentage", "errorDetails"}
		}
	case st.typ == "Parallel" && st.jsonata:
		keys = []string{"input", "errorDetails"}
	case st.typ == "Parallel":
		keys = []string{"input", "afterResultSelector", "afterResultPath", "errorDetails"}
	case st.jsonata:
		keys = []string{"input", "afterArguments", "result", "errorDetails"}
	case st.typ == "Pass" && st.hasResult:
		keys = []string{"input", "result", "afterResultSelector", "afterResultPath"}
	case st.typ == "Choice", st.typ == "Succeed", st.typ == "Fail", st.typ == "Wait":
		keys = []string{"input", "afterInputPath"}
	default:
		keys = []string{"input", "afterInputPath", "afterParameters", "result", "afterResultSelector", "afterResultPath", "errorDetails"}
	}
	if _, ok := t.data["afterInputPath"]; !ok && st.typ == "Fail" && !st.jsonata {
		// A Fail state has no InputPath: AWS reports its input again.
		if in, ok := t.data["input"]; ok {
			t.data["afterInputPath"] = in
		}
	}
	keys = append(keys, "variables")
	out := map[string]any{}
	for _, k := range keys {
		if v, ok := t.data[k]; ok {
			out[k] = v
		}
	}
	return out
}

// testStateTarget finds the state under test: the definition itself, or the state named
// stateName in a whole machine. It returns the name the state runs under and the
// machine's QueryLanguage.
func testStateTarget(def map[string]any, stateName string) (string, map[string]any, string, error) {
	if states, ok := value.AsMap(def["States"]); ok {
		topQL, _ := def["QueryLanguage"].(string)
		if stateName == "" {
			return "", nil, "", validationErr("stateName is required when the definition is a state machine")
		}
		st, ok := findTestState(states, stateName)
		if !ok {
			return "", nil, "", validationErr("State '%s' does not exist in the definition", stateName)
		}
		return stateName, st, topQL, nil
	}
	name := testStateName
	if stateName != "" {
		name = stateName
	}
	// The wrapper's state must not share a name with a state nested inside it.
	inner, err := json.Marshal(def)
	if err != nil {
		return "", nil, "", fmt.Errorf("encode definition: %w", err)
	}
	for i := 1; strings.Contains(string(inner), strconv.Quote(name)); i++ {
		name = testStateName + strconv.Itoa(i)
	}
	return name, def, "", nil
}

// testStateMachine builds the one-off machine around the state under test: its Next stays,
// and every target it can move to is a terminal stub.
func testStateMachine(name string, state map[string]any, topQL string) (string, error) {
	stubs := map[string]bool{}
	if n, ok := state["Next"].(string); ok {
		stubs[n] = true
	}
	if typ, _ := state["Type"].(string); typ == "Choice" {
		if choices, ok := state["Choices"].([]any); ok {
			for _, c := range choices {
				if cm, ok := value.AsMap(c); ok {
					if n, ok := cm["Next"].(string); ok {
						stubs[n] = true
					}
				}
			}
		}
		if d, ok := state["Default"].(string); ok {
			stubs[d] = true
		}
	}
	if catches, ok := state["Catch"].([]any); ok {
		for _, c := range catches {
			if cm, ok := value.AsMap(c); ok {
				if n, ok := cm["Next"].(string); ok {
					stubs[n] = true
				}
			}
		}
	}
	states := map[string]any{name: state}
	for n := range stubs {
		if n == name {
			// A transition to itself: the run stops after the state anyway.
			continue
		}
		states[n] = map[string]any{"Type": "Succeed"}
	}
	machine := map[string]any{"StartAt": name, "States": states}
	if topQL != "" {
		machine["QueryLanguage"] = topQL
	}
	b, err := json.Marshal(machine)
	if err != nil {
		return "", fmt.Errorf("encode TestState machine: %w", err)
	}
	return string(b), nil
}

// findTestState finds a state by name anywhere in a definition: top level, Parallel
// branches and Map processors.
func findTestState(states map[string]any, name string) (map[string]any, bool) {
	if st, ok := value.AsMap(states[name]); ok {
		return st, true
	}
	for _, v := range states {
		st, _ := value.AsMap(v)
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
			if m, ok := value.AsMap(sub); ok {
				if inner, ok := value.AsMap(m["States"]); ok {
					if found, ok := findTestState(inner, name); ok {
						return found, true
					}
				}
			}
		}
	}
	return nil, false
}

// inspectParams records a Task's or Parallel's effective parameters.
func (f *frame) inspectParams(st *state, params any) {
	if st.jsonata {
		f.inspect(st, "afterArguments", params)
		return
	}
	f.inspect(st, "afterParameters", params)
}

// tolerances are a Map state's resolved failure tolerances.
type tolerances struct {
	hasCount, hasPct bool
	count            int64
	pct              float64
}

// testMap records a Map state's inspection data and, when the state is mocked, answers
// with the mock in place of the iterations.
func (f *frame) testMap(t *testRun, st *state, eff, itemsV any, items int, maxConc int64) (any, *failure, bool) {
	if st.itemsPath != nil {
		f.inspect(st, "afterItemsPath", itemsV)
	}
	f.inspect(st, "maxConcurrency", jsonInt(maxConc))
	var tol tolerances
	if st.toleratedCount.set {
		if n, fl := f.resolveCount(st.toleratedCount, eff, "ToleratedFailureCountPath"); fl == nil {
			tol.hasCount, tol.count = true, n
			f.inspect(st, "toleratedFailureCount", jsonInt(n))
		}
	}
	if st.toleratedPct.set {
		var text string
		switch {
		case st.toleratedPct.jx != nil:
			if v, qe := st.toleratedPct.jx.eval(f.newJEnv(eff)); qe == nil {
				text = numberText(v)
			}
		case st.toleratedPct.path != nil:
			if v, err := f.selectPath(st.toleratedPct.path, eff); err == nil {
				text = numberText(v)
			}
		default:
			text = strconv.FormatFloat(st.toleratedPct.val, 'f', -1, 64)
		}
		if p, err := strconv.ParseFloat(text, 64); err == nil {
			tol.hasPct, tol.pct = true, p
			f.inspect(st, "toleratedFailurePercentage", json.Number(text))
		}
	}
	if t.mock == nil {
		return nil, nil, false
	}
	res, fl := t.mockOutcome(f, st, items, tol)
	return res, fl, true
}

// testFinish records the outcome of the state under test and, when the state assigns
// variables, the variables visible after it.
func (f *frame) testFinish(t *testRun, st *state, out any, next string, fl *failure) {
	if fl == nil && hasAssign(st) {
		vars := map[string]any{}
		var chain []*scope
		for s := f.vars; s != nil; s = s.parent {
			chain = append(chain, s)
		}
		for i := len(chain) - 1; i >= 0; i-- {
			for k, v := range chain[i].vars {
				vars[k] = v
			}
		}
		f.inspect(st, "variables", vars)
	}
	t.finish(out, next, fl)
}

// hasAssign reports whether a state assigns variables: itself, a Choice rule or a catcher.
func hasAssign(st *state) bool {
	if st.assign != nil || st.jAssign != nil {
		return true
	}
	for _, c := range st.choices {
		if c.assign != nil || c.jAssign != nil {
			return true
		}
	}
	for _, c := range st.catch {
		if c.assign != nil || c.jAssign != nil {
			return true
		}
	}
	return false
}
