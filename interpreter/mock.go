package interpreter

import (
	"github.com/sfnlocal/sfnlocal/internal/mockcfg"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// Mocked service integrations (Step Functions Local's MockConfigFile): an execution started
// for a test case (StartParams.Mocks) answers each mocked Task state from the mock file
// instead of calling its service. Invocations are counted per state per execution, across
// retries, Map iterations and loops, in the order the scheduler runs them, so the numbering is
// the same every run (unlike Step Functions Local's, whose concurrent Map iterations race).

// nextMock returns the outcome of the state's next mocked invocation, or the States.Runtime
// failure of an invocation the mocked response does not number.
func (f *frame) nextMock(mc *mockcfg.Case, st *state) (mockcfg.Step, *failure) {
	x := f.x
	x.mu.Lock()
	if x.mockCalls == nil {
		x.mockCalls = map[string]int{}
	}
	n := x.mockCalls[st.name]
	x.mockCalls[st.name] = n + 1
	x.mu.Unlock()
	step, ok := mc.Outcome(st.name, n)
	if !ok {
		return step, f.runtimeFailuref("The mocked response %s of test case %s has no response for invocation %d of the state %s.",
			mc.ResponseName(st.name), mc.Name, n, st.name)
	}
	return step, nil
}

// mockOutcome turns a mocked step into the Task's result or failure.
func mockOutcome(step mockcfg.Step) (any, *failure) {
	if t := step.Throw; t != nil {
		return nil, &failure{err: t.Error, cause: t.Cause, hasErr: true, hasCause: t.Cause != ""}
	}
	v, err := task.Decode(step.Return)
	if err != nil {
		// Parse checked the text; a value deeper than the decoder allows is reported.
		return nil, newFailure(errRuntime, "The mocked response is not valid JSON: "+err.Error())
	}
	return v, nil
}

// mockedActivity records what a mocked activity Task records when a worker answers at once.
func (f *frame) mockedActivity(st *state, params any, timeout, heartbeat int64, step mockcfg.Step) (any, *failure) {
	f.emit(Event{Type: EvActivityScheduled, Input: params, Details: &Details{Resource: st.resource, TimeoutInSeconds: timeout, HeartbeatInSeconds: heartbeat}}, -1, true)
	f.emit(Event{Type: EvActivityStarted, Details: &Details{}}, -1, true)
	res, fl := mockOutcome(step)
	if fl != nil {
		fl.taskResult = true
		ev := Event{Type: EvActivityFailed}
		fl.setOn(&ev)
		f.emit(ev, -1, true)
		return nil, fl
	}
	return f.activityResult(st, res)
}
