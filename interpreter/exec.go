package interpreter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sfnlocal/sfnlocal/internal/value"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/mockcfg"
	"github.com/sfnlocal/sfnlocal/interpreter/payload"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
	"github.com/sfnlocal/sfnlocal/jsonpath"
)

// failure is an ASL error on its way through Retry/Catch to the execution's end. Error and
// cause may each be absent (a Fail state without them, SendTaskFailure without them).
type failure struct {
	err, cause       string
	hasErr, hasCause bool
	// emptyCause: the error output carries "Cause": "" although the event has no cause
	// (timeouts).
	emptyCause bool
	// canceled: the execution was stopped or timed out; not an ASL error.
	canceled bool
	// taskResult: a failure of the Task's call itself (e.g. its result over the payload
	// limit), which States.ALL catches even for States.DataLimitExceeded.
	taskResult bool
	// evalEventID is the EvaluationFailed event of a failed JSONata evaluation.
	evalEventID int64
}

func newFailure(name, cause string) *failure {
	return &failure{err: name, cause: cause, hasErr: true, hasCause: true}
}

var canceledFailure = &failure{canceled: true}

// errorOutput is the value a Catcher passes on: {"Error": ..., "Cause": ...}, in that order.
func (f *failure) errorOutput() *value.Object {
	var errV, causeV any
	if f.hasErr {
		errV = f.err
	}
	if f.hasCause {
		causeV = f.cause
	} else if f.emptyCause {
		causeV = ""
	}
	return value.ObjectFrom(errorOutputKeys, []any{errV, causeV})
}

// Fixed object shapes, shared by the objects built over them (value.ObjectFrom).
var (
	errorOutputKeys = []string{"Error", "Cause"}
	mapItemKeys     = []string{"Index", "Value"}
	// The Context object in AWS's order: {Execution, StateMachine, State}, State {Name,
	// EnteredTime, RetryCount} (every recorded Context object; Task and Map follow).
	contextKeys      = []string{"Execution", "StateMachine", "State"}
	stateContextKeys = []string{"Name", "EnteredTime"}
	retryContextKeys = []string{"Name", "EnteredTime", "RetryCount"}
)

func (f *failure) setOn(ev *Event) {
	if ev.Details == nil {
		ev.Details = &Details{}
	}
	ev.Error, ev.HasError = f.err, f.hasErr
	ev.Cause, ev.HasCause = f.cause, f.hasCause
}

// scope holds the workflow variables of one execution, branch or iteration.
type scope struct {
	parent *scope
	vars   map[string]any
}

func (s *scope) lookup(name string) (any, bool) {
	for ; s != nil; s = s.parent {
		if v, ok := s.vars[name]; ok {
			return v, true
		}
	}
	return nil, false
}

func (s *scope) set(name string, v any) {
	if s.vars == nil {
		s.vars = map[string]any{}
	}
	s.vars[name] = v
}

// frame is one thread of events: the execution itself, a Parallel branch or a Map iteration.
//
// previousEventId follows what AWS records (derived from the conformance recordings):
//   - each event points at the thread's cursor, the last "advancing" event of its thread; the
//     first state of an execution points at 0 (ExecutionStarted does not advance);
//   - a Map iteration's or Parallel branch's first event points at MapIterationStarted or
//     ParallelStateStarted; sequential Map iterations chain: iteration i+1's
//     MapIterationStarted points at iteration i's last state event, not at its
//     MapIterationSucceeded;
//   - MapStateSucceeded / ParallelStateSucceeded point at the last event recorded and do not
//     advance, so the state's Exited event points at the same event; after a Map Run,
//     MapStateExited points at MapRunStarted;
//   - MapIterationFailed and the Map/ParallelStateFailed event point at the failing
//     thread's last event; a failed attempt that is retried records no StateFailed event and
//     the next MapStateStarted/ParallelStateStarted points at that last event;
//   - ExecutionAborted points at 0.
type frame struct {
	x      *Execution
	ctx    context.Context
	clk    clock.Clock
	cursor int64 // guarded by x.mu
	silent bool  // a Distributed Map's child: events are not recorded in this history
	vars   *scope

	// The current state, for the Context object and failure causes.
	st        *state
	entered   time.Time
	enteredID int64
	// enteredPrev is the previous event of the state's Entered event (EvaluationFailed
	// points at it).
	enteredPrev int64
	retryCount  int
	token       string
	mapItem     *value.Object
	cx          *value.Object
	// failedTask is set when the thread ended on a Task's own failure (not caught): AWS then
	// records TaskStateAborted for it as the branch or iteration ends.
	failedTask bool
	// mapIteration marks a Map iteration's thread; abortedState is the "<Type>StateAborted"
	// event of its interrupted state, which AWS records after MapIterationAborted.
	mapIteration bool
	abortedState string
	// pendingFail is the Map/Parallel "state failed" event of a failed attempt, recorded only
	// once no retrier takes the error (AWS records none between attempts).
	pendingFail *Event
	rd          threadRedrive // redrive.go

	// Durable executions (durable.go): the thread's key in the journal, how many of its
	// journaled events it has replayed, the recorded time of the last one (zero once live),
	// and a task token to journal with the next event.
	tkey       string
	tseq       int
	anchor     time.Time
	pendingTok string
	ack        chan struct{} // a delivered task result's acknowledgment (durable.go)
}

// emit records an event in the thread: its previous event is prev (or the thread's cursor
// when prev < 0), and the cursor moves to it when advance is set.
func (f *frame) emit(ev Event, prev int64, advance bool) int64 {
	x := f.x
	if f.silent {
		// A Distributed Map's children are executions of their own; only their count is
		// kept, so that a runaway loop inside one still ends.
		x.mu.Lock()
		x.silentEvents++
		if x.silentEvents > x.e.maxEvents {
			x.cancel(errHistoryLimit)
		}
		x.mu.Unlock()
		return 0
	}
	if x.replay != nil {
		if id, ok := f.replayEmit(&ev); ok {
			if advance {
				f.setCursor(id)
			}
			return id
		}
	}
	if ev.Timestamp.IsZero() {
		ev.Timestamp = f.clk.Now()
	}
	x.mu.Lock()
	if x.events.len() >= x.e.maxEvents && !x.p.Express {
		x.cancel(errHistoryLimit)
	}
	if prev < 0 {
		prev = f.cursor
	}
	ev.ID = int64(x.events.len()) + 1
	ev.PreviousEventID = prev
	x.events.add(ev)
	x.walAddLocked(f, ev)
	if advance {
		f.cursor = ev.ID
	}
	x.mu.Unlock()
	return ev.ID
}

func (f *frame) getCursor() int64 {
	f.x.mu.Lock()
	defer f.x.mu.Unlock()
	return f.cursor
}

func (f *frame) setCursor(c int64) {
	f.x.mu.Lock()
	f.cursor = c
	f.x.mu.Unlock()
}

func (f *frame) lastID() int64 {
	f.x.mu.Lock()
	defer f.x.mu.Unlock()
	return int64(f.x.events.len())
}

func (f *frame) child(parentCursor int64, clk clock.Clock) *frame {
	return &frame{x: f.x, ctx: f.ctx, clk: clk, cursor: parentCursor, silent: f.silent, vars: &scope{parent: f.vars}}
}

// maxExpressDuration is the longest an Express execution may run (AWS quota).
const maxExpressDuration = 5 * time.Minute

// run is the execution's goroutine.
func (x *Execution) run() {
	defer x.e.wg.Done()
	ctx := x.ctx
	timeout := x.sm.timeout
	if x.p.Express && (timeout == 0 || timeout > maxExpressDuration) {
		timeout = maxExpressDuration
	}
	if x.replay != nil && x.replay.dry {
		timeout = 0 // a Rebuild ends where its journal does
	}
	if timeout > 0 {
		if x.replay != nil {
			// Resumed: the timeout runs from the recorded start (of the redrive, for a
			// redriven run: redrive.go).
			from := x.start
			if x.rd.count > 0 {
				from = x.rd.date
			}
			timeout -= x.clk.Now().Sub(from)
		}
		var cancel context.CancelFunc
		ctx, cancel = clock.WithTimeout(ctx, x.clk, timeout, errExecutionTimeout)
		defer cancel()
	}
	f := &frame{x: x, ctx: ctx, clk: x.clk, vars: &scope{}}
	if t := x.p.test; t != nil {
		for k, v := range t.vars {
			f.vars.set(k, v)
		}
	}
	x.resumeFrame(f)
	shutdown := false
	out, fl := x.runSafely(f)
	x.keepCheckpoint(f)
	var ev Event
	status := StatusSucceeded
	cause := context.Cause(ctx)
	var ab *abortCause
	switch {
	case ctx.Err() != nil && errors.As(cause, &ab):
		status = StatusAborted
		ev = Event{Type: EvExecutionAborted, Details: &Details{}}
		if ab.err != "" {
			ev.Error, ev.HasError = ab.err, true
		}
		if ab.cause != "" {
			ev.Cause, ev.HasCause = ab.cause, true
		}
		f.emit(ev, 0, false)
	case ctx.Err() != nil && errors.Is(cause, errHistoryLimit):
		status = StatusFailed
		ev = Event{Type: EvExecutionFailed, Details: &Details{Error: errRuntime, HasError: true, Cause: fmt.Sprintf("The execution reached the maximum number of history events (%d).", x.e.maxEvents), HasCause: true}}
		f.emit(ev, -1, false)
	case ctx.Err() != nil && errors.Is(cause, errExecutionTimeout):
		status = StatusTimedOut
		ev = Event{Type: EvExecutionTimedOut, Details: &Details{Error: errTimeout, HasError: true}}
		f.emit(ev, -1, false)
	case ctx.Err() != nil:
		status = StatusAborted
		ev = Event{Type: EvExecutionAborted}
		f.emit(ev, 0, false)
		shutdown = true
	case fl != nil:
		status = StatusFailed
		ev = Event{Type: EvExecutionFailed}
		fl.setOn(&ev)
		f.emit(ev, -1, false)
	default:
		ev = Event{Type: EvExecutionSucceeded, Output: out}
		f.emit(ev, -1, false)
	}
	x.mu.Lock()
	stop := x.events.last().Timestamp // the terminal event's, live or replayed
	x.mu.Unlock()
	if status != StatusSucceeded && !shutdown {
		x.mu.Lock()
		x.journalCheckpointLocked()
		x.mu.Unlock()
	}
	if (status != StatusSucceeded || x.p.mapRun != nil) && !shutdown {
		// A run that did not succeed may be redriven, after a restart too: its whole
		// history goes to the journal, which Rebuild replays (durable.go). A Distributed
		// Map's child has no record of its own: its journal, whole, is its record until
		// its parent ends, so that a recovered Map Run takes its outcome from there.
		x.sync()
	}
	x.dropWAL()
	x.mu.Lock()
	x.replay = nil // every thread has ended: a redrive runs live
	x.status = status
	x.stop = stop
	if status == StatusSucceeded {
		// Encoded on first use (Output), like the history.
		x.outVal, x.hasOut = out, true
	} else if d := ev.Details; d != nil {
		x.errName, x.hasErr = d.Error, d.HasError
		x.cause, x.hasCause = d.Cause, d.HasCause
	}
	x.mu.Unlock()
	x.cancel(context.Canceled)
	close(x.done)
	if x.p.OnDone != nil {
		x.p.OnDone(x)
	}
}

// runSafely runs the top-level program, turning a panic (a bug) into a States.Runtime failure.
func (x *Execution) runSafely(f *frame) (out any, fl *failure) {
	defer func() {
		if r := recover(); r != nil {
			x.e.log.Error("execution panicked", zap.String("execution_arn", x.p.ExecutionArn), zap.Any("panic", r), zap.ByteString("stack", debug.Stack()))
			out, fl = nil, newFailure(errRuntime, fmt.Sprintf("internal error: %v", r))
		}
	}()
	return f.runProgram(x.sm.top, x.input)
}

// runProgram runs a StartAt/States program from its start state to its end.
func (f *frame) runProgram(prog *program, input any) (out any, fl *failure) {
	name := prog.startAt
	f.resumeAt(&name, &input)
	defer f.settle(&name, &input, &out, &fl)
	for {
		if f.ctx.Err() != nil {
			return nil, canceledFailure
		}
		st := prog.states[name]
		if st == nil {
			return nil, newFailure(errRuntime, fmt.Sprintf("State '%s' does not exist", name))
		}
		out, next, fl := f.runState(st, input)
		if t := f.test(st); t != nil {
			// TestState: the run ends with the state under test.
			f.testFinish(t, st, out, next, fl)
			if fl != nil {
				return nil, fl
			}
			return out, nil
		}
		if fl != nil {
			f.failedTask = st.typ == "Task" && fl.taskResult && !fl.canceled
			if fl.canceled && f.st == st && errors.Is(context.Cause(f.ctx), errBranchFailed) {
				// A sibling branch or iteration failed: AWS records the interrupted state
				// as aborted.
				if typ := abortedType(st.typ); typ != "" {
					if f.mapIteration {
						f.abortedState = typ // recorded after MapIterationAborted
					} else {
						f.emit(Event{Type: typ}, -1, false)
					}
				}
			}
			return nil, fl
		}
		if next == "" {
			return out, nil
		}
		input, name = out, next
	}
}

func abortedType(typ string) string {
	switch typ {
	case "Task":
		return EvTaskStateAborted
	case "Wait":
		return EvWaitStateAborted
	case "Map":
		return EvMapStateAborted
	case "Parallel":
		return EvParallelStateAborted
	}
	return ""
}

func enteredType(typ string) string {
	switch typ {
	case "Pass":
		return "PassStateEntered"
	case "Task":
		return "TaskStateEntered"
	case "Choice":
		return "ChoiceStateEntered"
	case "Wait":
		return "WaitStateEntered"
	case "Succeed":
		return "SucceedStateEntered"
	case "Fail":
		return "FailStateEntered"
	case "Parallel":
		return "ParallelStateEntered"
	default:
		return "MapStateEntered"
	}
}

func exitedType(typ string) string {
	switch typ {
	case "Pass":
		return "PassStateExited"
	case "Task":
		return "TaskStateExited"
	case "Choice":
		return "ChoiceStateExited"
	case "Wait":
		return "WaitStateExited"
	case "Succeed":
		return "SucceedStateExited"
	case "Parallel":
		return "ParallelStateExited"
	default:
		return "MapStateExited"
	}
}

func (f *frame) enter(st *state, input any) {
	f.x.p.Coverage.hit(covEntered, st.name, 0)
	f.st, f.retryCount, f.token, f.cx, f.mapItem = st, 0, "", nil, nil
	f.entered = f.clk.Now()
	f.enteredPrev = f.getCursor()
	f.enteredID = f.emit(Event{Type: enteredType(st.typ), Name: st.name, Input: input, Timestamp: f.entered}, -1, true)
	if !f.anchor.IsZero() {
		f.entered = f.anchor // replayed: the recorded time
	}
	f.inspect(st, "input", input)
}

// exit stores the variables the state assigned and records StateExited. Storing them here,
// after every other field of the state (Output, ResultSelector, ResultPath, OutputPath) was
// evaluated, is the spec's rule: "All references to a state machine variable in a state refer
// to the same value, which is the value it had at state entry" (ASL "State Machine
// Variables"); "each variable's new value only takes effect in the next state".
func (f *frame) exit(st *state, output any, assigned map[string]any) {
	f.setVars(assigned)
	ev := Event{Type: exitedType(st.typ), Name: st.name, Output: output}
	if len(assigned) > 0 {
		ev.Details = &Details{AssignedVariables: assigned}
	}
	f.emit(ev, -1, true)
}

// runtimeFailure turns an error met while running the current state into a failure whose cause
// carries AWS's "An error occurred while executing the state ..." prefix.
func (f *frame) runtimeFailure(err error) *failure {
	name, detail := errRuntime, err.Error()
	var tf *task.Failure
	if errors.As(err, &tf) {
		name, detail = tf.Name, tf.Cause
	}
	return newFailure(name, f.causePrefix()+detail)
}

func (f *frame) runtimeFailuref(format string, args ...any) *failure {
	return newFailure(errRuntime, f.causePrefix()+fmt.Sprintf(format, args...))
}

func (f *frame) causePrefix() string {
	name := ""
	if f.st != nil {
		name = f.st.name
	}
	return "An error occurred while executing the state '" + name + "' (entered at the event id #" + strconv.FormatInt(f.enteredID, 10) + "). "
}

func isoTime(t time.Time) string {
	t = t.UTC().Truncate(time.Millisecond)
	if t.Nanosecond() == 0 {
		return t.Format("2006-01-02T15:04:05Z")
	}
	return t.Format("2006-01-02T15:04:05.000Z")
}

func jsonInt(i int64) json.Number { return json.Number(strconv.FormatInt(i, 10)) }

// contextObject returns the Context object for the current state, its members in the order
// of AWS's documentation (Execution, State, StateMachine, Task; then Map).
func (f *frame) contextObject() *value.Object {
	if f.cx != nil {
		return f.cx
	}
	if t := f.test(f.st); t != nil && t.context != nil {
		return t.context
	}
	stateName := ""
	if f.st != nil {
		stateName = f.st.name
	}
	var stateCx *value.Object
	if f.st != nil && (f.st.typ == "Task" || f.st.typ == "Map" || f.st.typ == "Parallel") {
		// Only states that can retry carry RetryCount (recorded Pass contexts have none).
		stateCx = value.ObjectFrom(retryContextKeys, []any{stateName, isoTime(f.entered), jsonInt(int64(f.retryCount))})
	} else {
		stateCx = value.ObjectFrom(stateContextKeys, []any{stateName, isoTime(f.entered)})
	}
	cx := value.ObjectFrom(contextKeys, []any{f.x.execCx, f.x.smCx, stateCx})
	if f.token != "" {
		cx.Append("Task", value.ObjectOf("Token", f.token))
	}
	if f.mapItem != nil {
		cx.Append("Map", value.ObjectOf("Item", f.mapItem))
	}
	f.cx = cx
	return cx
}

// selectPath evaluates a path against the input, the Context object or a variable.
func (f *frame) selectPath(p *jsonpath.Path, input any) (any, error) {
	switch p.Root() {
	case jsonpath.RootContext:
		return p.Select(f.contextObject())
	case jsonpath.RootVariable:
		v, ok := f.vars.lookup(p.Variable())
		if !ok {
			return nil, fmt.Errorf("Invalid path '%s' : The variable '%s' is not defined", p.String(), p.Variable())
		}
		return p.Select(v)
	}
	return p.Select(input)
}

func (f *frame) applyInputPath(st *state, input any) (any, *failure) {
	var v any
	switch {
	case st.inputPath.null:
		v = value.NewObject(0)
	case st.inputPath.path == nil:
		v = input
	default:
		var err error
		if v, err = f.selectPath(st.inputPath.path, input); err != nil {
			return nil, f.runtimeFailure(err)
		}
	}
	f.inspect(st, "afterInputPath", v)
	return v, nil
}

func (f *frame) applyOutputPath(st *state, v any) (any, *failure) {
	switch {
	case st.outPath.null:
		return value.NewObject(0), nil
	case st.outPath.path == nil:
		return v, nil
	}
	out, err := f.selectPath(st.outPath.path, v)
	if err != nil {
		return nil, f.runtimeFailure(err)
	}
	return out, nil
}

func (f *frame) applyResultPath(rp resultPath, input, result any) (any, *failure) {
	switch {
	case rp.discard:
		return input, nil
	case rp.path == nil:
		return result, nil
	}
	out, err := rp.path.Set(input, result)
	if err != nil {
		var tf *task.Failure
		if errors.As(err, &tf) {
			return nil, f.runtimeFailure(err)
		}
		return nil, newFailure(errResultPathMatch, f.causePrefix()+err.Error())
	}
	return out, nil
}

func (f *frame) evalTemplate(t *payload.Template, input any) (any, *failure) {
	v, err := t.Eval(payload.Env{Input: input, Context: f.contextObject(), Variables: f.vars.lookup})
	if err != nil {
		return nil, f.runtimeFailure(err)
	}
	return v, nil
}

// assign evaluates an Assign template against in. The variables are stored when the state
// exits (exit), so that every field of the state sees them as they were on entry.
func (f *frame) assign(t *payload.Template, in any) (map[string]any, *failure) {
	if t == nil {
		return nil, nil
	}
	return f.evalAssign(t, in)
}

// evalAssign evaluates an Assign template without storing the variables: every expression
// sees the variables as they were when the state was entered.
func (f *frame) evalAssign(t *payload.Template, in any) (map[string]any, *failure) {
	v, fl := f.evalTemplate(t, in)
	if fl != nil {
		return nil, fl
	}
	m, _ := value.AsMap(v)
	if fl := f.checkVariableSizes(m); fl != nil {
		return nil, fl
	}
	return m, nil
}

func (f *frame) setVars(m map[string]any) {
	for k, val := range m {
		f.vars.set(k, val)
	}
}

// payloadSize returns the size in bytes of v's JSON text (UTF-8, escapes included, as AWS
// measures the 256 KiB limit), stopping early once it passes limit.
func payloadSize(v any, limit int) int {
	n := 0
	var walk func(v any)
	walk = func(v any) {
		if n > limit {
			return
		}
		switch v := v.(type) {
		case nil:
			n += 4
		case bool:
			n += 5
			if v {
				n--
			}
		case string:
			n += quotedLen(v)
		case json.Number:
			n += len(v)
		case RawJSON:
			n += len(v)
		case *value.Object:
			n += 1 + max(v.Len(), 1) // braces and commas
			for k, c := range v.All() {
				n += quotedLen(k) + 1
				walk(c)
			}
		case map[string]any:
			n += 1 + max(len(v), 1) // braces and commas
			for k, c := range v {
				n += quotedLen(k) + 1
				walk(c)
			}
		case []any:
			n += 1 + max(len(v), 1)
			for _, c := range v {
				walk(c)
			}
		default:
			n += 16
		}
	}
	walk(v)
	return n
}

// dataLimit is the failure of a result over the payload limit. AWS names the state, or for a
// Task the integration: its service ("lambda") or, for a bare function or activity ARN, the
// ARN (error_handling/test_states_errors).
func (f *frame) dataLimit(st *state) *failure {
	label := st.name
	switch {
	case st.typ != "Task":
	case st.legacy || st.activity:
		label = st.resource
	default:
		label = st.service
	}
	return newFailure(errDataLimit, "The state/task '"+label+"' returned a result with a size exceeding the maximum number of bytes service limit.")
}

func (f *frame) runState(st *state, input any) (any, string, *failure) {
	if st.jsonata {
		switch st.typ {
		case "Pass", "Succeed", "Wait":
			return f.runJSONataSimple(st, input)
		case "Choice":
			return f.runJSONataChoice(st, input)
		case "Fail":
			return f.runJSONataFail(st, input)
		}
	}
	switch st.typ {
	case "Pass":
		return f.runPass(st, input)
	case "Choice":
		return f.runChoice(st, input)
	case "Wait":
		return f.runWait(st, input)
	case "Succeed":
		f.enter(st, input)
		eff, fl := f.applyInputPath(st, input)
		if fl != nil {
			return nil, "", fl
		}
		out, fl := f.applyOutputPath(st, eff)
		if fl != nil {
			return nil, "", fl
		}
		f.exit(st, out, nil)
		return out, "", nil
	case "Fail":
		return f.runFail(st, input)
	case "Task":
		return f.runWithRetry(st, input, f.taskAttempt)
	case "Parallel":
		return f.runWithRetry(st, input, f.parallelAttempt)
	case "Map":
		return f.runWithRetry(st, input, f.mapAttempt)
	}
	return nil, "", newFailure(errRuntime, "unknown state type "+st.typ)
}

func (f *frame) runPass(st *state, input any) (any, string, *failure) {
	f.enter(st, input)
	eff, fl := f.applyInputPath(st, input)
	if fl != nil {
		return nil, "", fl
	}
	result := eff
	if st.parameters != nil {
		if result, fl = f.evalTemplate(st.parameters, eff); fl != nil {
			return nil, "", fl
		}
		if payloadSize(result, maxPayloadBytes) > maxPayloadBytes {
			return nil, "", f.dataLimit(st)
		}
	}
	f.inspect(st, "afterParameters", result)
	if st.hasResult {
		result = st.result
		if st.resultTooBig() {
			return nil, "", f.dataLimit(st)
		}
		f.inspect(st, "result", result)
	}
	f.inspect(st, "afterResultSelector", result)
	assigned, fl := f.assign(st.assign, result)
	if fl != nil {
		return nil, "", fl
	}
	out, fl := f.applyResultPath(st.resPath, input, result)
	if fl != nil {
		return nil, "", fl
	}
	f.inspect(st, "afterResultPath", out)
	if out, fl = f.applyOutputPath(st, out); fl != nil {
		return nil, "", fl
	}
	f.exit(st, out, assigned)
	return out, st.next, nil
}

func (st *state) resultTooBig() bool {
	return payloadSize(st.result, maxPayloadBytes) > maxPayloadBytes
}

func (f *frame) runChoice(st *state, input any) (any, string, *failure) {
	f.enter(st, input)
	eff, fl := f.applyInputPath(st, input)
	if fl != nil {
		return nil, "", fl
	}
	next := ""
	var matched *choiceRule
	for i, r := range st.choices {
		ok, err := r.eval(f, eff)
		if err != nil {
			return nil, "", f.runtimeFailure(err)
		}
		if ok {
			matched, next = r, r.next
			f.x.p.Coverage.hit(covChoice, st.name, i)
			break
		}
	}
	var assigned map[string]any
	if matched != nil {
		if assigned, fl = f.assign(matched.assign, eff); fl != nil {
			return nil, "", fl
		}
	} else {
		if st.defaultNext == "" {
			return nil, "", newFailure(errNoChoiceMatched, f.causePrefix()+"No Matches!")
		}
		next = st.defaultNext
		f.x.p.Coverage.hit(covChoice, st.name, -1)
		if assigned, fl = f.assign(st.assign, eff); fl != nil {
			return nil, "", fl
		}
	}
	out, fl := f.applyOutputPath(st, eff)
	if fl != nil {
		return nil, "", fl
	}
	f.exit(st, out, assigned)
	return out, next, nil
}

// maxWaitSeconds is the longest wait AWS accepts: 2^31-1 seconds (base/test_wait's
// too_far_in_future boundary, 24855 days passes and 24856 days fails).
const maxWaitSeconds = 1<<31 - 1

func (f *frame) runWait(st *state, input any) (any, string, *failure) {
	f.enter(st, input)
	eff, fl := f.applyInputPath(st, input)
	if fl != nil {
		return nil, "", fl
	}
	var d time.Duration
	switch {
	case st.waitSeconds.path != nil:
		p := st.waitSeconds.path
		v, err := f.selectPath(p, eff)
		if err != nil {
			return nil, "", f.runtimeFailuref("The SecondsPath parameter does not reference an input value: %s", p.String())
		}
		n, isNum := v.(json.Number)
		if !isNum {
			return nil, "", f.runtimeFailuref("The SecondsPath parameter cannot be parsed as a long value: %s == %s", p.String(), renderValue(v))
		}
		secs, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil {
			return nil, "", f.runtimeFailuref("The SecondsPath parameter cannot be parsed as a long value: %s == %s", p.String(), string(n))
		}
		if secs < 0 {
			return nil, "", f.runtimeFailuref("The SecondsPath parameter references a negative value: %s == %d", p.String(), secs)
		}
		if secs > maxWaitSeconds {
			return nil, "", f.runtimeFailuref("Wait state delay is too long.")
		}
		d = time.Duration(secs) * time.Second
	case st.waitSeconds.set:
		d = time.Duration(st.waitSeconds.val) * time.Second
	case st.timestampPath != nil:
		p := st.timestampPath
		v, err := f.selectPath(p, eff)
		if err != nil {
			return nil, "", f.runtimeFailure(err)
		}
		s, _ := v.(string)
		t, ok := parseTimestamp(s)
		if !ok {
			return nil, "", f.runtimeFailuref("The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: %s == %s", p.String(), renderPlain(v))
		}
		d = t.Sub(f.now())
	case st.hasTimestamp:
		d = st.waitTimestamp.Sub(f.now())
	}
	if d > maxWaitSeconds*time.Second {
		return nil, "", f.runtimeFailuref("Wait state delay is too long.")
	}
	assigned, fl := f.assign(st.assign, eff)
	if fl != nil {
		return nil, "", fl
	}
	if d > 0 {
		if err := f.sleep(d); err != nil {
			return nil, "", canceledFailure
		}
	}
	out, fl := f.applyOutputPath(st, eff)
	if fl != nil {
		return nil, "", fl
	}
	f.exit(st, out, assigned)
	return out, st.next, nil
}

// numberText returns the text of a number, or of a string holding one; "" otherwise.
func numberText(v any) string {
	switch v := v.(type) {
	case json.Number:
		return string(v)
	case string:
		return strings.TrimSpace(v)
	}
	return ""
}

// renderValue renders a value as JSON for error messages.
func renderValue(v any) string {
	s, err := EncodeValue(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return s
}

// renderPlain renders strings bare and everything else as JSON.
func renderPlain(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return renderValue(v)
}

func (f *frame) runFail(st *state, input any) (any, string, *failure) {
	f.enter(st, input)
	fl := &failure{}
	resolve := func(sp stringOrPath, field string) (string, bool, *failure) {
		switch {
		case sp.intrinsic != nil:
			v, err := sp.intrinsic.Eval(func(p *jsonpath.Path) (any, error) { return f.selectPath(p, input) })
			if err != nil {
				return "", false, f.runtimeFailure(err)
			}
			s, ok := v.(string)
			if !ok {
				s = renderValue(v)
			}
			return s, true, nil
		case sp.path != nil:
			v, err := f.selectPath(sp.path, input)
			if err != nil {
				return "", false, f.runtimeFailuref("The JSONPath '%s' specified for the field '%s' could not be found in the input '%s'", sp.path.String(), field, renderValue(input))
			}
			s, ok := v.(string)
			if !ok {
				s = renderValue(v)
			}
			return s, true, nil
		case sp.set:
			return sp.val, true, nil
		}
		return "", false, nil
	}
	var rf *failure
	if fl.err, fl.hasErr, rf = resolve(st.failError, "ErrorPath"); rf != nil {
		return nil, "", rf
	}
	if fl.cause, fl.hasCause, rf = resolve(st.failCause, "CausePath"); rf != nil {
		return nil, "", rf
	}
	return nil, "", fl
}

// attemptFunc runs one attempt of a Task, Parallel or Map state from its effective input on.
// It returns the state's result (before ResultSelector).
type attemptFunc func(st *state, input any) (any, *failure)

// runWithRetry runs a state that has Retry and Catch: it enters the state, runs attempts
// until one succeeds, the retriers give up or a catcher takes the error, then processes the
// result and leaves the state.
func (f *frame) runWithRetry(st *state, input any, attempt attemptFunc) (any, string, *failure) {
	f.enter(st, input)
	var counts []int64
	for {
		f.pendingFail = nil
		res, fl := attempt(st, input)
		if fl == nil {
			out, assigned, fl := f.processResult(st, input, res)
			if fl == nil {
				f.exit(st, out, assigned)
				return out, st.next, nil
			}
			return f.catchOrFail(st, input, fl)
		}
		if fl.canceled || f.ctx.Err() != nil {
			return nil, "", canceledFailure
		}
		if fl.evalEventID > 0 && f.pendingFail == nil {
			switch st.typ {
			case "Map":
				f.pendingFail = &Event{Type: EvMapStateFailed, PreviousEventID: fl.evalEventID}
			case "Parallel":
				f.pendingFail = &Event{Type: EvParallelStateFailed, PreviousEventID: fl.evalEventID}
			}
		}
		if t := f.test(st); t != nil {
			// TestState does not retry: it reports RETRIABLE while the matching retrier
			// has retries left.
			name := fl.err
			if !fl.hasErr {
				name = errTaskFailed
			}
			if t.retryDecision(st, name, fl) {
				return nil, "", fl
			}
			return f.catchOrFail(st, input, fl)
		}
		{
			name := fl.err
			if !fl.hasErr {
				name = errTaskFailed // a callback failed without an error name
			}
			retried := false
			for i, r := range st.retry {
				if !errorMatches(r.errorEquals, name, !fl.taskResult && fl.err == errDataLimit) {
					continue
				}
				if counts == nil {
					counts = make([]int64, len(st.retry))
				}
				if counts[i] >= r.maxAttempts {
					break
				}
				f.x.p.Coverage.hit(covRetry, st.name, i)
				d := retryDelay(r, counts[i], f.x.rng.Float64)
				counts[i]++
				if err := f.sleep(d); err != nil {
					return nil, "", canceledFailure
				}
				f.retryCount++
				f.cx = nil
				retried = true
				break
			}
			if retried {
				if pf := f.pendingFail; pf != nil {
					f.setCursor(pf.PreviousEventID)
				}
				continue
			}
		}
		if pf := f.pendingFail; pf != nil {
			f.pendingFail = nil
			f.emit(Event{Type: pf.Type}, pf.PreviousEventID, true)
		}
		return f.catchOrFail(st, input, fl)
	}
}

func (f *frame) catchOrFail(st *state, input any, fl *failure) (any, string, *failure) {
	if fl.canceled {
		return nil, "", fl
	}
	name := fl.err
	if !fl.hasErr {
		name = errTaskFailed
	}
	for i, c := range st.catch {
		if !errorMatches(c.errorEquals, name, !fl.taskResult && fl.err == errDataLimit) {
			continue
		}
		f.x.p.Coverage.hit(covCatch, st.name, i)
		if t := f.test(st); t != nil {
			t.errorDetail("catchIndex", jsonInt(int64(i)))
			t.mu.Lock()
			t.caught = fl
			t.mu.Unlock()
		}
		errOut := fl.errorOutput()
		if st.jsonata {
			env := f.newJEnv(input).with("errorOutput", errOut)
			out, assigned, afl := f.jsonataOutputAssign(c.jOutput, c.jAssign, env, errOut)
			if afl != nil {
				return nil, "", afl
			}
			f.exit(st, out, assigned)
			return out, c.next, nil
		}
		assigned, afl := f.assign(c.assign, errOut)
		if afl != nil {
			return nil, "", afl
		}
		out, rfl := f.applyResultPath(c.resPath, input, errOut)
		if rfl != nil {
			return nil, "", rfl
		}
		f.exit(st, out, assigned)
		return out, c.next, nil
	}
	return nil, "", fl
}

// processResult applies ResultSelector, Assign, ResultPath and OutputPath to a result.
func (f *frame) processResult(st *state, input, result any) (any, map[string]any, *failure) {
	f.inspect(st, "result", result)
	if st.jsonata {
		return f.jsonataOutputAssign(st.jOutput, st.jAssign, f.newJEnv(input).with("result", result), result)
	}
	// Assign sees the raw result, as ResultSelector does: AWS evaluates them side by side.
	var fl *failure
	var assigned map[string]any
	if st.assign != nil {
		if assigned, fl = f.evalAssign(st.assign, result); fl != nil {
			return nil, nil, fl
		}
	}
	if st.resultSelector != nil {
		if result, fl = f.evalTemplate(st.resultSelector, result); fl != nil {
			return nil, nil, fl
		}
	}
	f.inspect(st, "afterResultSelector", result)
	out, fl := f.applyResultPath(st.resPath, input, result)
	if fl != nil {
		return nil, nil, fl
	}
	f.inspect(st, "afterResultPath", out)
	if out, fl = f.applyOutputPath(st, out); fl != nil {
		return nil, nil, fl
	}
	return out, assigned, nil
}

// effectiveInput applies InputPath and Parameters.
func (f *frame) effectiveInput(st *state, input any) (any, *failure) {
	if st.jsonata {
		return f.jsonataArguments(st, input)
	}
	eff, fl := f.applyInputPath(st, input)
	if fl != nil {
		return nil, fl
	}
	if st.parameters != nil {
		if eff, fl = f.evalTemplate(st.parameters, eff); fl != nil {
			return nil, fl
		}
	}
	return eff, nil
}

// resolveSeconds resolves TimeoutSeconds(Path)/HeartbeatSeconds(Path).
func (f *frame) resolveSeconds(v intOrPath, input any, field string) (int64, *failure) {
	if !v.set {
		return 0, nil
	}
	if v.jx != nil {
		return f.jsonataInt(v.jx, input, 1)
	}
	if v.path == nil {
		return v.val, nil
	}
	val, err := f.selectPath(v.path, input)
	if err != nil {
		return 0, f.runtimeFailure(err)
	}
	n, ok := val.(json.Number)
	secs, perr := strconv.ParseInt(string(n), 10, 64)
	if !ok || perr != nil || secs <= 0 {
		return 0, f.runtimeFailuref("The %s field refers to value %s which is not a valid positive integer: %s", field, renderValue(val), v.path.String())
	}
	return secs, nil
}

// resolveCount resolves MaxConcurrency(Path) and ToleratedFailureCount(Path).
func (f *frame) resolveCount(v intOrPath, input any, field string) (int64, *failure) {
	if !v.set {
		return 0, nil
	}
	if v.jx != nil {
		return f.jsonataInt(v.jx, input, 0)
	}
	if v.path == nil {
		return v.val, nil
	}
	val, err := f.selectPath(v.path, input)
	if err != nil {
		return 0, f.runtimeFailure(err)
	}
	i, err := strconv.ParseInt(numberText(val), 10, 64)
	if err != nil {
		return 0, f.runtimeFailuref("The %s field refers to value \"%s\" which is not a valid integer: %s", field, renderPlain(val), v.path.String())
	}
	return i, nil
}

func (f *frame) parallelAttempt(st *state, input any) (any, *failure) {
	eff, fl := f.effectiveInput(st, input)
	if fl != nil {
		return nil, fl
	}
	if t := f.test(st); t != nil {
		f.inspectParams(st, eff)
		if t.mock != nil {
			return t.mockOutcome(f, st, 0, tolerances{})
		}
	}
	startedID := f.emit(Event{Type: EvParallelStateStarted}, -1, true)
	f.beginKids(st.name, len(st.branches))
	results := make([]any, len(st.branches))
	fails := make([]*failure, len(st.branches))
	cursors := make([]int64, len(st.branches))
	failedTask := make([]bool, len(st.branches))
	concurrent := false
	for _, b := range st.branches {
		if b.blocking {
			concurrent = true
		}
	}
	if concurrent {
		ctx, cancel := context.WithCancelCause(f.ctx)
		defer cancel(nil)
		g := f.x.sched.NewGroup()
		for i, b := range st.branches {
			var ok bool
			if results[i], ok = f.reused(i); ok {
				continue // succeeded before a redrive
			}
			c := f.child(startedID, f.clk)
			c.ctx = ctx
			c.tkey = threadKey(startedID, i)
			f.track(c, i)
			f.x.p.Coverage.hit(covBranch, st.name, i)
			g.Go(func() {
				defer func() {
					if r := recover(); r != nil {
						fails[i] = newFailure(errRuntime, fmt.Sprintf("internal error: %v", r))
						cancel(errBranchFailed)
					}
				}()
				results[i], fails[i] = c.runProgram(b, eff)
				cursors[i], failedTask[i] = c.getCursor(), c.failedTask
				if fails[i] != nil && !fails[i].canceled {
					cancel(errBranchFailed)
				}
			})
		}
		g.Wait()
	} else {
		for i, b := range st.branches {
			var ok bool
			if results[i], ok = f.reused(i); ok {
				continue // succeeded before a redrive
			}
			c := f.child(startedID, f.clk)
			c.tkey = threadKey(startedID, i)
			f.track(c, i)
			f.x.p.Coverage.hit(covBranch, st.name, i)
			results[i], fails[i] = c.runProgram(b, eff)
			cursors[i], failedTask[i] = c.getCursor(), c.failedTask
			if fails[i] != nil {
				break
			}
		}
	}
	if f.ctx.Err() != nil {
		return nil, canceledFailure
	}
	for i, fl := range fails {
		if fl != nil && !fl.canceled {
			if failedTask[i] {
				// callback/test_callback (SQS_PARALLEL_WAIT_FOR_TASK_TOKEN): TaskFailed,
				// TaskStateAborted, ParallelStateFailed, both pointing at TaskFailed.
				f.emit(Event{Type: EvTaskStateAborted}, cursors[i], false)
			}
			f.pendingFail = &Event{Type: EvParallelStateFailed, PreviousEventID: cursors[i]}
			return nil, fl
		}
	}
	last := f.lastID()
	f.emit(Event{Type: EvParallelStateSucceeded}, last, false)
	f.setCursor(last)
	return results, nil
}

var errBranchFailed = errors.New("a sibling branch failed")

// errHistoryLimit is the cancellation cause of an execution whose history is full.
var errHistoryLimit = errors.New("history event limit reached")

func (f *frame) mapAttempt(st *state, input any) (any, *failure) {
	t := f.test(st)
	if st.dist != nil && t == nil {
		return f.distMapAttempt(st, input)
	}
	if field := st.dist.testUnsupported(); field != "" && t.mock == nil {
		// TestState runs a Distributed Map's iterations in place, without a Map Run.
		return nil, f.runtimeFailuref("The field '%s' is not supported by sfnlocal yet.", field)
	}
	eff, fl := f.applyInputPath(st, input)
	if fl != nil {
		return nil, fl
	}
	items, fl := f.mapItems(st, eff, t)
	if fl != nil {
		return nil, fl
	}
	maxConc, fl := f.resolveCount(st.maxConcurrency, eff, "MaxConcurrencyPath")
	if fl != nil {
		return nil, fl
	}
	if t != nil {
		if res, fl, mocked := f.testMap(t, st, eff, items, len(items), maxConc); mocked {
			return res, fl
		}
	}

	// Iteration inputs (ItemSelector sees $$.Map.Item).
	inputs := items
	if st.jItemSelector != nil {
		inputs = make([]any, len(items))
		for i, it := range items {
			f.mapItem = value.ObjectFrom(mapItemKeys, []any{jsonInt(int64(i)), it})
			f.cx = nil
			v, qe := st.jItemSelector.eval(f.newJEnv(eff))
			f.mapItem, f.cx = nil, nil
			if qe != nil {
				return nil, f.queryFailure(qe)
			}
			inputs[i] = v
		}
	}
	if st.itemSelector != nil {
		inputs = make([]any, len(items))
		for i, it := range items {
			f.mapItem = value.ObjectFrom(mapItemKeys, []any{jsonInt(int64(i)), it})
			f.cx = nil
			v, fl := f.evalTemplate(st.itemSelector, eff)
			f.mapItem, f.cx = nil, nil
			if fl != nil {
				return nil, fl
			}
			inputs[i] = v
		}
	}

	startedID := f.emit(Event{Type: EvMapStateStarted, Length: len(items)}, -1, true)
	f.beginKids(st.name, len(items))
	tolCount, tolPct, fl := f.resolveTolerances(st, eff)
	if fl != nil {
		return nil, fl
	}
	tolerant := st.toleratedCount.set || st.toleratedPct.set
	var runID int64
	parent := f
	if st.distributed {
		runID = f.emit(Event{Type: EvMapRunStarted, Details: &Details{MapRunArn: f.mapRunArn(st)}}, -1, true)
		// A Distributed Map's children are executions of their own: they cannot read the
		// parent's variables (AWS "Workflow variables": scope).
		parent = &frame{x: f.x, ctx: f.ctx, clk: f.clk, cursor: runID, silent: true, vars: &scope{}, st: f.st}
		parent.shareKids(f)
	}
	results := make([]any, len(items))
	failed := 0
	var firstFail *failure
	var failCursor int64
	threshold := func() bool {
		if !tolerant {
			return failed > 0
		}
		if st.toleratedCount.set && int64(failed) > tolCount {
			return true
		}
		if st.toleratedPct.set && len(items) > 0 && float64(failed)*100/float64(len(items)) > tolPct {
			return true
		}
		return false
	}
	lastIterEnd := startedID
	if st.processor.blocking && maxConc != 1 && len(items) > 1 {
		fl := parent.runIterationsConcurrently(st, inputs, results, maxConc, startedID, threshold, &failed, &firstFail, &failCursor)
		if fl != nil {
			return nil, fl
		}
		lastIterEnd = parent.lastID()
	} else {
		chain := parent.getCursor()
		// Iterations run one after another here, so one frame serves them all; a fresh
		// variable scope is made only after an iteration has assigned variables.
		c := parent.child(chain, parent.clk)
		for i, in := range inputs {
			if i > 0 {
				vars := c.vars
				if vars.vars != nil {
					vars = &scope{parent: parent.vars}
				}
				*c = frame{x: c.x, ctx: c.ctx, clk: c.clk, cursor: chain, silent: c.silent, vars: vars}
			}
			var ok bool
			if results[i], ok = f.reused(i); ok {
				continue // succeeded before a redrive
			}
			f.track(c, i)
			c.tkey, c.tseq, c.anchor = threadKey(startedID, i), 0, time.Time{}
			f.x.p.Coverage.hit(covIteration, st.name, 0)
			c.emit(Event{Type: EvMapIterationStarted, Name: st.name, Index: i}, -1, true)
			out, fl := c.runProgram(st.processor, in)
			chain = c.getCursor()
			if fl != nil {
				if fl.canceled {
					return nil, canceledFailure
				}
				c.emit(Event{Type: EvMapIterationFailed, Name: st.name, Index: i}, -1, false)
				if c.failedTask {
					// timeouts/test_service_lambda_map_timeout: MapIterationFailed, then
					// TaskStateAborted, both pointing at the Task's failure.
					c.emit(Event{Type: EvTaskStateAborted}, -1, false)
				}
				failed++
				if firstFail == nil {
					firstFail, failCursor = fl, chain
				}
				if threshold() {
					break
				}
				continue
			}
			results[i] = out
			lastIterEnd = c.emit(Event{Type: EvMapIterationSucceeded, Name: st.name, Index: i}, -1, false)
		}
	}
	if f.ctx.Err() != nil {
		return nil, canceledFailure
	}
	if firstFail != nil && threshold() {
		fl := firstFail
		if tolerant {
			fl = newFailure(errToleratedFailure, "The specified tolerated failure threshold was exceeded")
		}
		if st.distributed {
			f.emit(Event{Type: EvMapRunFailed, Details: &Details{Error: fl.err, HasError: fl.hasErr, Cause: fl.cause, HasCause: fl.hasCause}}, runID, true)
			f.pendingFail = &Event{Type: EvMapStateFailed, PreviousEventID: f.getCursor()}
			return nil, fl
		}
		f.pendingFail = &Event{Type: EvMapStateFailed, PreviousEventID: failCursor}
		return nil, fl
	}
	if st.distributed {
		f.emit(Event{Type: EvMapRunSucceeded}, runID, false)
		f.emit(Event{Type: EvMapStateSucceeded}, f.lastID(), false)
		f.setCursor(runID)
		return results, nil
	}
	last := f.lastID()
	if lastIterEnd > 0 {
		last = lastIterEnd
	}
	f.emit(Event{Type: EvMapStateSucceeded}, last, false)
	f.setCursor(last)
	return results, nil
}

func (f *frame) mapRunArn(st *state) string {
	smName := f.x.p.StateMachineName
	label := st.label
	if label == "" {
		label = newToken()[2:10]
	}
	return fmt.Sprintf("arn:%s:states:%s:%s:mapRun:%s/%s:%s", f.x.partition(), f.x.region(), f.x.e.cfg.AccountID, smName, label, newToken()[2:14])
}

// maxInlineConcurrency is AWS's limit on concurrent iterations of an inline Map.
const (
	maxInlineConcurrency      = 40
	maxDistributedConcurrency = 10000
)

// runIterationsConcurrently runs Map iterations in goroutines, at most maxConc at a time
// (0 = no limit), stopping the others once the failure threshold is passed.
func (f *frame) runIterationsConcurrently(st *state, inputs, results []any, maxConc int64, startedID int64,
	threshold func() bool, failed *int, firstFail **failure, failCursor *int64) *failure {
	ctx, cancel := context.WithCancelCause(f.ctx)
	defer cancel(nil)
	// An inline Map runs at most 40 iterations at once, whatever MaxConcurrency asks for;
	// a Distributed Map up to 10,000 child executions.
	ceiling := maxInlineConcurrency
	if st.distributed {
		ceiling = maxDistributedConcurrency
	}
	limit := int(maxConc)
	if limit <= 0 || limit > ceiling {
		limit = ceiling
	}
	limit = min(limit, len(inputs))
	// Iterations run under the execution's scheduler, one at a time between waits, so the
	// failure bookkeeping below needs no lock; slots go to iterations in index order.
	sem := f.x.sched.NewSemaphore(limit)
	g := f.x.sched.NewGroup()
	for i, in := range inputs {
		if r, ok := f.reused(i); ok {
			results[i] = r // succeeded before a redrive
			continue
		}
		if err := sem.Acquire(ctx); err != nil {
			break
		}
		c := f.child(startedID, f.clk)
		c.ctx = ctx
		c.mapIteration = true
		c.tkey = threadKey(startedID, i)
		f.x.p.Coverage.hit(covIteration, st.name, 0)
		f.track(c, i)
		// Started events go in index order, as AWS records them, before the work begins.
		c.emit(Event{Type: EvMapIterationStarted, Name: st.name, Index: i}, -1, true)
		g.Go(func() {
			defer sem.Release()
			var out any
			var fl *failure
			func() {
				defer func() {
					if r := recover(); r != nil {
						fl = newFailure(errRuntime, fmt.Sprintf("internal error: %v", r))
					}
				}()
				out, fl = c.runProgram(st.processor, in)
			}()
			if fl != nil {
				if fl.canceled {
					if f.ctx.Err() == nil {
						c.emit(Event{Type: EvMapIterationAborted, Name: st.name, Index: i}, -1, false)
						if c.abortedState != "" {
							c.emit(Event{Type: c.abortedState}, -1, false)
						}
					}
					return
				}
				c.emit(Event{Type: EvMapIterationFailed, Name: st.name, Index: i}, -1, false)
				if c.failedTask {
					c.emit(Event{Type: EvTaskStateAborted}, -1, false)
				}
				*failed++
				if *firstFail == nil {
					*firstFail, *failCursor = fl, c.getCursor()
				}
				if threshold() {
					cancel(errBranchFailed)
				}
				return
			}
			results[i] = out
			c.emit(Event{Type: EvMapIterationSucceeded, Name: st.name, Index: i}, -1, false)
		})
	}
	g.Wait()
	if f.ctx.Err() != nil {
		return canceledFailure
	}
	return nil
}

// errTaskTimeout is the cancellation cause of a Task's TimeoutSeconds.
var errTaskTimeout = errors.New("task timed out")

func timeoutFailure() *failure {
	return &failure{err: errTimeout, hasErr: true, emptyCause: true}
}

func (f *frame) taskAttempt(st *state, input any) (any, *failure) {
	eff, fl := f.applyInputPath(st, input)
	if fl != nil {
		return nil, fl
	}
	if st.pattern == task.WaitForTaskToken || st.activity {
		f.token = f.taskToken()
		f.cx = nil
	}
	params := eff
	if st.jsonata {
		if params, fl = f.jsonataArguments(st, eff); fl != nil {
			return nil, fl
		}
	} else if st.parameters != nil {
		if params, fl = f.evalTemplate(st.parameters, eff); fl != nil {
			return nil, fl
		}
	}
	timeout, fl := f.resolveSeconds(st.timeout, eff, "TimeoutSecondsPath")
	if fl != nil {
		return nil, fl
	}
	heartbeat, fl := f.resolveSeconds(st.heartbeat, eff, "HeartbeatSecondsPath")
	if fl != nil {
		return nil, fl
	}
	roleArn := ""
	if st.jCredentials != nil {
		cv, qe := st.jCredentials.eval(f.newJEnv(eff))
		if qe != nil {
			return nil, f.queryFailure(qe)
		}
		if m, ok := value.AsMap(cv); ok {
			roleArn, _ = m["RoleArn"].(string)
		}
	}
	if st.credentials != nil {
		cv, fl := f.evalTemplate(st.credentials, eff)
		if fl != nil {
			return nil, fl
		}
		if m, ok := value.AsMap(cv); ok {
			roleArn, _ = m["RoleArn"].(string)
		}
	}
	if t := f.test(st); t != nil {
		f.inspectParams(st, params)
		if t.mock != nil {
			return t.mockOutcome(f, st, 0, tolerances{})
		}
	}
	e := f.x.e
	defer f.releaseAck()
	handler := e.cfg.Tasks[st.service]
	var mock *mockcfg.Step
	if mc := f.x.p.Mocks; mc != nil && mc.Mocks(st.name) {
		step, fl := f.nextMock(mc, st)
		if fl != nil {
			return nil, fl
		}
		mock = &step
	}
	if e.cfg.Standalone && mock == nil {
		if why := standaloneGap(st, handler); why != "" {
			return nil, f.runtimeFailuref("This Task cannot run under sfnlocal run: %s", why)
		}
	}
	if st.activity {
		return f.runActivity(st, params, timeout, heartbeat, mock)
	}
	if !st.resourceOK || (handler == nil && mock == nil) {
		return nil, f.runtimeFailuref("The resource provided %s is not recognized. The value is not a valid resource ARN, or the resource is not available in this region.", st.resource)
	}
	ctx := clock.WithSched(f.ctx, f.x.sched)
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = clock.WithTimeout(ctx, f.clk, f.since(time.Duration(timeout)*time.Second), errTaskTimeout)
		defer cancel()
	}
	resType, resName := st.service, st.resourceName()
	var scheduledID int64
	if st.legacy {
		scheduledID = f.emit(Event{Type: EvLambdaScheduled, Input: params, Details: &Details{Resource: st.resource, TimeoutInSeconds: timeout, TaskCredentials: roleArn}}, -1, true)
		f.emit(Event{Type: EvLambdaStarted}, -1, true)
	} else {
		scheduledID = f.emit(Event{Type: EvTaskScheduled, Details: &Details{ResourceType: resType, Resource: resName, Region: f.x.region(), Parameters: params, TimeoutInSeconds: timeout, HeartbeatInSeconds: heartbeat, TaskCredentials: roleArn}}, -1, true)
		f.emit(Event{Type: EvTaskStarted, Details: &Details{ResourceType: resType, Resource: resName}}, -1, true)
	}
	if roleArn == "" {
		roleArn = f.x.p.RoleArn
	}
	req := &task.Request{
		Resource: st.resource, Service: st.service, Action: st.action, Pattern: st.pattern, Legacy: st.legacy,
		Parameters: params, TaskToken: f.token, Region: f.x.region(), AccountID: e.cfg.AccountID,
		ExecutionArn: f.x.p.ExecutionArn, StateMachineArn: f.x.p.StateMachineArn, StateName: st.name, RoleArn: roleArn,
		ScheduledEventID: scheduledID, Timeout: time.Duration(timeout) * time.Second, Heartbeat: time.Duration(heartbeat) * time.Second,
	}
	var submitOnce sync.Once
	req.Submitted = func(output any) {
		submitOnce.Do(func() {
			f.emit(Event{Type: EvTaskSubmitted, Output: value.FromPlain(output), Details: &Details{ResourceType: resType, Resource: resName}}, -1, true)
		})
	}
	var w *waiter
	if st.pattern == task.WaitForTaskToken && mock == nil {
		if w = f.x.replayedWaiter(f.token); w == nil {
			w = &waiter{x: f.x, results: make(chan callbackResult, 1), heartbeat: make(chan struct{}, 1)}
			e.registerWaiter(f.token, w)
		}
		defer e.forgetWaiter(f.token, false)
	}
	// The call is real work: the execution's other goroutines go on meanwhile, and virtual
	// time does not jump past it (see clock.Sched.External).
	var res any
	var err error
	call := func() { res, err = f.invoke(ctx, handler, req) }
	replay, rres, rfl := f.replayTask(st, req)
	if replay == taskLive && f.x.dryStop() {
		return nil, canceledFailure
	}
	if replay == taskLive && mock == nil {
		// Write-ahead: the events so far are durable before the service is called.
		f.x.sync()
	}
	switch {
	case replay == taskDone || replay == taskInterrupted:
		res, fl = rres, rfl
		w = nil
	case replay == taskAwait:
		f.x.sync()
		f.x.sched.External(func() { res, fl = f.await(ctx, w, heartbeat) })
		if fl != nil && fl.err == errTimeout {
			e.forgetWaiter(f.token, true)
		}
		w = nil
	case mock != nil:
		// A mocked Task never calls its service; a mocked callback or .sync Task completes
		// with the mocked outcome (its token was generated all the same).
		res, fl = mockOutcome(*mock)
	default:
		if _, ok := handler.(task.Cooperative); ok {
			call() // runs under this execution's scheduler (a child execution)
		} else {
			f.x.sched.External(call)
		}
	}
	if replay != taskLive {
		// the outcome is the journal's (or the wait's)
	} else if err == nil && w != nil {
		// Recorded under the scheduler, so that TaskSubmitted keeps its place among the
		// events of sibling branches.
		req.Submitted(res)
		f.x.sched.External(func() { res, fl = f.await(ctx, w, heartbeat) })
		if fl != nil && fl.err == errTimeout {
			e.forgetWaiter(f.token, true)
		}
	} else if err != nil {
		fl = f.taskError(ctx, err)
	}
	if fl == nil && payloadSize(res, maxPayloadBytes) > maxPayloadBytes {
		fl = f.dataLimit(st)
	}
	if fl != nil {
		if fl.canceled {
			return nil, fl
		}
		fl.taskResult = true
		ev := Event{Details: &Details{ResourceType: resType, Resource: resName}}
		fl.setOn(&ev)
		switch {
		case st.legacy && fl.err == errTimeout:
			ev.Type = EvLambdaTimedOut
		case st.legacy:
			ev.Type = EvLambdaFailed
		case fl.err == errTimeout && !fl.hasCause:
			ev.Type = EvTaskTimedOut
		default:
			ev.Type = EvTaskFailed
		}
		f.emit(ev, -1, true)
		return nil, fl
	}
	if st.legacy {
		f.emit(Event{Type: EvLambdaSucceeded, Output: res}, -1, true)
	} else {
		f.emit(Event{Type: EvTaskSucceeded, Output: res, Details: &Details{ResourceType: resType, Resource: resName}}, -1, true)
	}
	return res, nil
}

// invoke calls the handler, turning a panic in it into an error.
func (f *frame) invoke(ctx context.Context, h task.Handler, req *task.Request) (res any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("integration panicked: %v", r)
		}
	}()
	res, err = h.Invoke(ctx, req)
	// Handlers may build results from Go maps: bring them into the value model (sorted keys).
	return value.FromPlain(res), err
}

// taskError classifies a handler error: a timeout, a stop, or an ASL failure.
func (f *frame) taskError(ctx context.Context, err error) *failure {
	if ctx.Err() != nil {
		if errors.Is(context.Cause(ctx), errTaskTimeout) && f.ctx.Err() == nil {
			return timeoutFailure()
		}
		if f.ctx.Err() != nil {
			return canceledFailure
		}
	}
	tf := task.AsFailure(err)
	return &failure{err: tf.Name, cause: tf.Cause, hasErr: true, hasCause: true}
}

// await waits for SendTaskSuccess/Failure, a heartbeat timeout, the task timeout or a stop.
func (f *frame) await(ctx context.Context, w *waiter, heartbeat int64) (any, *failure) {
	var hb clock.Timer
	var hbC <-chan time.Time
	if heartbeat > 0 {
		hb = f.clk.NewTimer(f.heartbeatLeft(w, time.Duration(heartbeat)*time.Second))
		defer hb.Stop()
		hbC = hb.C()
	}
	for {
		select {
		case r := <-w.results:
			f.ack = r.ack
			return r.output, r.failure
		case <-w.heartbeat:
			if hb != nil {
				hb.Stop()
				hb.Reset(time.Duration(heartbeat) * time.Second)
			}
		case <-hbC:
			// AWS records a missed heartbeat as States.Timeout (timeouts/test_heartbeats).
			return nil, timeoutFailure()
		case <-ctx.Done():
			if f.ctx.Err() != nil {
				return nil, canceledFailure
			}
			return nil, timeoutFailure()
		}
	}
}

// standaloneGap says why a Task cannot run without a server (sfnlocal run), or "" when it
// can: activities and callbacks wait for clients that have no API to call, and services
// without a simulator in the registry are not there.
func standaloneGap(st *state, handler task.Handler) string {
	switch {
	case st.activity:
		return fmt.Sprintf("the activity %s needs a worker calling GetActivityTask, and sfnlocal run serves no API; run it under sfnlocal serve", st.resource)
	case st.pattern == task.WaitForTaskToken:
		return fmt.Sprintf("%s waits for a client to call SendTaskSuccess or SendTaskFailure, and sfnlocal run serves no API; run it under sfnlocal serve", st.resource)
	case st.resourceOK && handler == nil:
		return fmt.Sprintf("sfnlocal run has no service simulators, so %s cannot be reached; run it under sfnlocal serve, or mock the state", st.resource)
	}
	return ""
}

// resourceName is the TaskScheduled "resource": the action with its pattern suffix.
func (st *state) resourceName() string {
	r := st.resource
	if st.legacy {
		return r
	}
	prefix := ":" + strings.TrimPrefix(st.service, "aws-sdk:") + ":"
	if i := strings.LastIndex(r, prefix); i >= 0 {
		return r[i+len(prefix):]
	}
	return st.action
}

func (f *frame) runActivity(st *state, params any, timeout, heartbeat int64, mock *mockcfg.Step) (any, *failure) {
	e := f.x.e
	if mock != nil {
		return f.mockedActivity(st, params, timeout, heartbeat, *mock)
	}
	if e.cfg.ActivityExists != nil && !e.cfg.ActivityExists(st.resource) {
		return nil, f.runtimeFailuref("The activity %s does not exist.", st.resource)
	}
	inputText, err := EncodeValue(params)
	if err != nil {
		return nil, f.runtimeFailure(err)
	}
	ctx := f.ctx
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = clock.WithTimeout(ctx, f.clk, f.since(time.Duration(timeout)*time.Second), errTaskTimeout)
		defer cancel()
	}
	f.emit(Event{Type: EvActivityScheduled, Input: params, Details: &Details{Resource: st.resource, TimeoutInSeconds: timeout, HeartbeatInSeconds: heartbeat}}, -1, true)
	token := f.token
	var res any
	var fl *failure
	handedOut := false
	if rec, ok := f.peek(); ok && rec.Type == EvActivityStarted {
		worker := ""
		if rec.Details != nil {
			worker = rec.Details.WorkerName
		}
		f.emit(Event{Type: EvActivityStarted, Details: &Details{WorkerName: worker, HasWorkerName: worker != ""}}, -1, true)
		handedOut = true
	}
	if rec, ok := f.peek(); ok {
		if r, rfl, done := outcomeOf(rec); done {
			if rfl != nil {
				fl = rfl
			} else {
				return f.activityResult(st, r)
			}
		}
	}
	w := f.x.replayedWaiter(token)
	if w == nil {
		w = &waiter{x: f.x, results: make(chan callbackResult, 1), heartbeat: make(chan struct{}, 1), started: make(chan string, 1)}
		e.registerWaiter(token, w)
	}
	w.activity, w.input = st.resource, inputText
	defer e.forgetWaiter(token, false)
	if fl == nil && f.x.dryStop() {
		return nil, canceledFailure
	}
	if fl == nil {
		// Write-ahead: ActivityScheduled is durable before a worker can get the task.
		f.x.sync()
		if !handedOut {
			e.enqueueActivity(st.resource, token, w)
		}
	}
	f.x.sched.External(func() {
		if fl != nil {
			return
		}
		if handedOut {
			res, fl = f.await(ctx, w, heartbeat)
			return
		}
		select {
		case r := <-w.results:
			// Completed with a token handed out before a restart, before it was handed
			// out again — or a worker got the task and answered before this goroutine
			// ran: then its name is waiting too, and the select may have picked either.
			worker := ""
			select {
			case worker = <-w.started:
			default:
			}
			f.emit(Event{Type: EvActivityStarted, Details: &Details{WorkerName: worker, HasWorkerName: worker != ""}}, -1, true)
			f.ack = r.ack
			res, fl = r.output, r.failure
		case worker := <-w.started:
			f.emit(Event{Type: EvActivityStarted, Details: &Details{WorkerName: worker, HasWorkerName: worker != ""}}, -1, true)
			res, fl = f.await(ctx, w, heartbeat)
		case <-ctx.Done():
			if f.ctx.Err() != nil {
				fl = canceledFailure
				return
			}
			fl = timeoutFailure()
		}
	})
	if fl == canceledFailure {
		return nil, fl
	}
	if fl != nil {
		if fl.canceled {
			return nil, fl
		}
		fl.taskResult = true
		ev := Event{Type: EvActivityFailed}
		if fl.err == errTimeout || fl.err == errHeartbeatTimeout {
			ev.Type = EvActivityTimedOut
			e.forgetWaiter(token, true)
		}
		fl.setOn(&ev)
		f.emit(ev, -1, true)
		return nil, fl
	}
	return f.activityResult(st, res)
}

// activityResult records an activity's result: ActivitySucceeded, or ActivityFailed when it
// is over the payload limit.
func (f *frame) activityResult(st *state, res any) (any, *failure) {
	if payloadSize(res, maxPayloadBytes) > maxPayloadBytes {
		fl := f.dataLimit(st)
		fl.taskResult = true
		ev := Event{Type: EvActivityFailed}
		fl.setOn(&ev)
		f.emit(ev, -1, true)
		return nil, fl
	}
	f.emit(Event{Type: EvActivitySucceeded, Output: res}, -1, true)
	return res, nil
}
