package interpreter

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/sfnlocal/sfnlocal/internal/value"
)

// Limits on workflow variables (AWS "Workflow variables" quotas).
const (
	maxVariableBytes = 256 * 1024 // one variable, and all variables of one Assign together
)

// queryFailure records the EvaluationFailed event AWS writes for a failed JSONata evaluation
// and returns the States.QueryEvaluationError failure. The event points at the event before
// the state's Entered event (at the Entered event itself for a Wait state), as recorded.
func (f *frame) queryFailure(qe *queryError) *failure {
	cause := f.causePrefix() + qe.msg
	prev := f.enteredPrev
	name := ""
	if f.st != nil {
		name = f.st.name
		if f.st.typ == "Wait" {
			prev = f.enteredID
		}
	}
	id := f.emit(Event{Type: EvEvaluationFailed, Name: name, Details: &Details{
		Error: errQueryEvaluation, HasError: true, Cause: cause, HasCause: true, Location: qe.loc,
	}}, prev, true)
	fl := newFailure(errQueryEvaluation, cause)
	fl.evalEventID = id
	return fl
}

// jsonataOutputAssign evaluates a state's (or a Catcher's or Choice rule's) Assign and
// Output from the same values; exit stores the variables. Output defaults to def.
func (f *frame) jsonataOutputAssign(output, assign *jnode, env *jenv, def any) (any, map[string]any, *failure) {
	var assigned map[string]any
	if assign != nil {
		v, qe := assign.eval(env)
		if qe != nil {
			return nil, nil, f.queryFailure(qe)
		}
		assigned, _ = value.AsMap(v)
		if fl := f.checkVariableSizes(assigned); fl != nil {
			return nil, nil, fl
		}
	}
	out := def
	if output != nil {
		v, qe := output.eval(env)
		if qe != nil {
			return nil, nil, f.queryFailure(qe)
		}
		out = v
	}
	if payloadSize(out, maxPayloadBytes) > maxPayloadBytes && f.st != nil {
		return nil, nil, f.dataLimit(f.st)
	}
	return out, assigned, nil
}

// checkVariableSizes enforces the 256 KiB limits on one variable and on one Assign.
func (f *frame) checkVariableSizes(m map[string]any) *failure {
	total := 0
	for name, v := range m {
		n := payloadSize(v, maxVariableBytes)
		if n > maxVariableBytes {
			return newFailure(errDataLimit, f.causePrefix()+"The variable '"+name+"' exceeds the maximum size of 262144 bytes.")
		}
		total += n
		if total > maxVariableBytes {
			return newFailure(errDataLimit, f.causePrefix()+"The variables assigned by the state exceed the maximum total size of 262144 bytes.")
		}
	}
	return nil
}

// jsonataArguments evaluates a Task's or Parallel's Arguments (default: the state input).
func (f *frame) jsonataArguments(st *state, input any) (any, *failure) {
	if st.jArgs == nil {
		return input, nil
	}
	v, qe := st.jArgs.eval(f.newJEnv(input))
	if qe != nil {
		return nil, f.queryFailure(qe)
	}
	return v, nil
}

// jsonataInt evaluates an integer field (TimeoutSeconds, MaxConcurrency, ...), which must
// be at least min.
func (f *frame) jsonataInt(n *jnode, input any, min int64) (int64, *failure) {
	v, qe := n.eval(f.newJEnv(input))
	if qe != nil {
		return 0, f.queryFailure(qe)
	}
	num, ok := v.(json.Number)
	i, err := strconv.ParseInt(string(num), 10, 64)
	if !ok || err != nil {
		return 0, f.queryFailure(n.unexpectedType("integer", v))
	}
	if i < min {
		return 0, f.queryFailure(&queryError{loc: n.loc, msg: "The JSONata expression '" + n.src() + "' specified for the field '" + n.loc + "' returned " + string(num) + ", which is below the minimum of " + strconv.FormatInt(min, 10) + "."})
	}
	return i, nil
}

func (n *jnode) src() string {
	if n.expr != nil {
		return n.expr.src
	}
	return renderValue(n.konst)
}

// runJSONataSimple runs a JSONata Pass, Succeed or Wait state.
func (f *frame) runJSONataSimple(st *state, input any) (any, string, *failure) {
	f.enter(st, input)
	env := f.newJEnv(input)
	var d time.Duration
	if st.typ == "Wait" {
		var fl *failure
		if d, fl = f.jsonataWaitDuration(st, env); fl != nil {
			return nil, "", fl
		}
	}
	out, assigned, fl := f.jsonataOutputAssign(st.jOutput, st.jAssign, env, input)
	if fl != nil {
		return nil, "", fl
	}
	if d > 0 {
		if err := f.sleep(d); err != nil {
			return nil, "", canceledFailure
		}
	}
	f.exit(st, out, assigned)
	if st.typ == "Succeed" {
		return out, "", nil
	}
	return out, st.next, nil
}

func (f *frame) jsonataWaitDuration(st *state, env *jenv) (time.Duration, *failure) {
	var d time.Duration
	switch {
	case st.waitSeconds.jx != nil:
		n := st.waitSeconds.jx
		v, qe := n.eval(env)
		if qe != nil {
			return 0, f.queryFailure(qe)
		}
		num, ok := v.(json.Number)
		secs, err := strconv.ParseInt(string(num), 10, 64)
		if !ok || err != nil || secs < 0 {
			return 0, f.queryFailure(n.unexpectedType("integer", v))
		}
		if secs > maxWaitSeconds {
			return 0, f.runtimeFailuref("Wait state delay is too long.")
		}
		d = time.Duration(secs) * time.Second
	case st.waitSeconds.set:
		d = time.Duration(st.waitSeconds.val) * time.Second
	case st.jTimestamp != nil:
		v, qe := st.jTimestamp.eval(env)
		if qe != nil {
			return 0, f.queryFailure(qe)
		}
		s, _ := v.(string)
		t, ok := parseTimestamp(s)
		if !ok {
			return 0, f.queryFailure(&queryError{loc: st.jTimestamp.loc, msg: "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: " + renderPlain(v)})
		}
		d = t.Sub(f.now())
	case st.hasTimestamp:
		d = st.waitTimestamp.Sub(f.now())
	}
	if d > maxWaitSeconds*time.Second {
		return 0, f.runtimeFailuref("Wait state delay is too long.")
	}
	return d, nil
}

// runJSONataChoice runs a JSONata Choice state: the first rule whose Condition is true wins,
// and its own Assign and Output apply (Output falls back to the state's); otherwise Default
// with the state's Assign and Output.
func (f *frame) runJSONataChoice(st *state, input any) (any, string, *failure) {
	f.enter(st, input)
	env := f.newJEnv(input)
	for _, r := range st.choices {
		if r.jCond == nil {
			continue
		}
		v, qe := r.jCond.eval(env)
		if qe == nil {
			if _, ok := v.(bool); !ok {
				qe = r.jCond.unexpectedType("boolean", v)
			}
		}
		if qe != nil {
			return nil, "", f.queryFailure(qe)
		}
		if !v.(bool) {
			continue
		}
		output := r.jOutput
		if output == nil {
			output = st.jOutput
		}
		out, assigned, fl := f.jsonataOutputAssign(output, r.jAssign, env, input)
		if fl != nil {
			return nil, "", fl
		}
		f.exit(st, out, assigned)
		return out, r.next, nil
	}
	if st.defaultNext == "" {
		return nil, "", newFailure(errNoChoiceMatched, f.causePrefix()+"No Matches!")
	}
	out, assigned, fl := f.jsonataOutputAssign(st.jOutput, st.jAssign, env, input)
	if fl != nil {
		return nil, "", fl
	}
	f.exit(st, out, assigned)
	return out, st.defaultNext, nil
}

// runJSONataFail runs a JSONata Fail state: Error and Cause may be expressions.
func (f *frame) runJSONataFail(st *state, input any) (any, string, *failure) {
	f.enter(st, input)
	env := f.newJEnv(input)
	fl := &failure{}
	resolve := func(sp stringOrPath) (string, bool, *failure) {
		if sp.jx == nil {
			return sp.val, sp.set, nil
		}
		v, qe := sp.jx.eval(env)
		if qe == nil {
			if _, ok := v.(string); !ok {
				qe = sp.jx.unexpectedType("string", v)
			}
		}
		if qe != nil {
			return "", false, f.queryFailure(qe)
		}
		return v.(string), true, nil
	}
	var rf *failure
	if fl.err, fl.hasErr, rf = resolve(st.failError); rf != nil {
		return nil, "", rf
	}
	if fl.cause, fl.hasCause, rf = resolve(st.failCause); rf != nil {
		return nil, "", rf
	}
	return nil, "", fl
}
