package console

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/sfnlocal/sfnlocal/interpreter"
)

// Node statuses, as the graph's data-status attribute carries them.
const (
	StatusSucceeded   = "SUCCEEDED"
	StatusFailed      = "FAILED"
	StatusCaughtError = "CAUGHT_ERROR"
	StatusRunning     = "RUNNING"
	StatusCancelled   = "CANCELLED"
	StatusNotRun      = "NOT_RUN"
)

// stateRun is what the history says about one state (the last time it ran).
type stateRun struct {
	Name          string
	Type          string // the entered event's type prefix (Task, Pass, ...)
	Status        string
	Entered       time.Time
	Exited        time.Time
	Input, Output any
	HasOutput     bool
	Error, Cause  string
	HasError      bool
	failing       bool // a failure was recorded since the state was entered
	Retries       int
	Runs          int // how many times it was entered (Map iterations, loops)
	Resource      string
	Parameters    any
	TaskOutput    any // the TaskSubmitted/TaskSucceeded output (Batch job id...)
	Iterations    map[int]string
	FailedEventID int64
}

// Duration is how long the state ran (until now while it runs).
func (r *stateRun) Duration(now time.Time) time.Duration {
	if r.Entered.IsZero() {
		return 0
	}
	end := r.Exited
	if end.IsZero() {
		end = now
	}
	return end.Sub(r.Entered)
}

// model is an execution's history read for the console: each state's status and details.
type model struct {
	Events   []interpreter.Event
	States   map[string]*stateRun
	Status   string // the execution's status
	FailedID int64  // the event that failed the execution (0: none)
	Start    time.Time
	Last     time.Time // the last event's time
	// Owners names each event's state (Events[i] belongs to Owners[i]; "" for the execution).
	Owners []string
}

// eventsOf returns the interpreter events of a run's history. Histories of other engines
// (tests' fakes) are read back from their JSON.
func eventsOf(h []json.Marshaler) []interpreter.Event {
	out := make([]interpreter.Event, 0, len(h))
	for _, m := range h {
		switch ev := m.(type) {
		case interpreter.Event:
			out = append(out, ev)
		case *interpreter.Event:
			out = append(out, *ev)
		default:
			if ev2, ok := decodeEvent(m); ok {
				out = append(out, ev2)
			}
		}
	}
	return out
}

// decodeEvent reads a GetExecutionHistory event back into an interpreter.Event (the fields
// the console uses).
func decodeEvent(m json.Marshaler) (interpreter.Event, bool) {
	b, err := m.MarshalJSON()
	if err != nil {
		return interpreter.Event{}, false
	}
	var raw map[string]json.RawMessage
	if json.Unmarshal(b, &raw) != nil {
		return interpreter.Event{}, false
	}
	var ev interpreter.Event
	var ts float64
	_ = json.Unmarshal(raw["timestamp"], &ts)
	ev.Timestamp = time.UnixMilli(int64(ts * 1000))
	_ = json.Unmarshal(raw["type"], &ev.Type)
	_ = json.Unmarshal(raw["id"], &ev.ID)
	_ = json.Unmarshal(raw["previousEventId"], &ev.PreviousEventID)
	for k, v := range raw {
		if !strings.HasSuffix(k, "EventDetails") {
			continue
		}
		var d struct {
			Name, Error, Cause, Resource, ResourceType string
			Index                                      int
			Input, Output, Parameters                  json.RawMessage
		}
		if json.Unmarshal(v, &d) != nil {
			continue
		}
		ev.Name, ev.Index = d.Name, d.Index
		ev.Details = &interpreter.Details{Error: d.Error, Cause: d.Cause, HasError: d.Error != "", HasCause: d.Cause != "",
			Resource: d.Resource, ResourceType: d.ResourceType}
		if d.Input != nil {
			ev.Input = interpreter.RawJSON(unquote(d.Input))
		}
		if d.Output != nil {
			ev.Output = interpreter.RawJSON(unquote(d.Output))
		}
		if d.Parameters != nil {
			ev.Details.Parameters = interpreter.RawJSON(unquote(d.Parameters))
		}
	}
	if ev.Details == nil {
		ev.Details = &interpreter.Details{}
	}
	return ev, true
}

// unquote turns a payload written as a JSON string (as the wire has it) into its text.
func unquote(b json.RawMessage) string {
	var s string
	if len(b) > 0 && b[0] == '"' && json.Unmarshal(b, &s) == nil {
		return s
	}
	return string(b)
}

// failureTypes are the events that record a state's failure (possibly caught or retried).
var failureTypes = map[string]bool{
	interpreter.EvTaskFailed: true, interpreter.EvTaskTimedOut: true,
	interpreter.EvLambdaFailed: true, interpreter.EvLambdaTimedOut: true,
	interpreter.EvActivityFailed: true, interpreter.EvActivityTimedOut: true, interpreter.EvActivityScheduleFailed: true,
	interpreter.EvParallelStateFailed: true, interpreter.EvMapStateFailed: true, interpreter.EvMapRunFailed: true,
	interpreter.EvEvaluationFailed: true, "TaskSubmitFailed": true, "TaskStartFailed": true,
	"LambdaFunctionScheduleFailed": true, "LambdaFunctionStartFailed": true,
}

var abortTypes = map[string]bool{
	interpreter.EvTaskStateAborted: true, interpreter.EvWaitStateAborted: true,
	interpreter.EvParallelStateAborted: true, interpreter.EvMapStateAborted: true,
}

// buildModel reads events. g (may be nil) tells each state's enclosing Parallel or Map, to
// attribute the unnamed Parallel/Map events of nested histories.
func buildModel(events []interpreter.Event, g *graph, execStatus string) *model {
	m := &model{Events: events, States: map[string]*stateRun{}, Status: execStatus, Owners: make([]string, len(events))}
	owner := make(map[int64]string, len(events))
	get := func(name string) *stateRun {
		r := m.States[name]
		if r == nil {
			r = &stateRun{Name: name, Status: StatusNotRun}
			m.States[name] = r
		}
		return r
	}
	// enclosing finds the Parallel or Map (kind) that encloses, or is, the state name.
	enclosing := func(name, kind string) string {
		for n := name; n != "" && g != nil; n = g.parent[n] {
			if g.types[n] == kind {
				return n
			}
		}
		return name
	}
	for i := range events {
		ev := &events[i]
		if i == 0 {
			m.Start = ev.Timestamp
		}
		m.Last = ev.Timestamp
		name := ev.Name
		if name == "" {
			name = owner[ev.PreviousEventID]
		}
		switch {
		case strings.HasPrefix(ev.Type, "ParallelState"):
			name = enclosing(name, "Parallel")
		case strings.HasPrefix(ev.Type, "MapState"), strings.HasPrefix(ev.Type, "MapRun"):
			name = enclosing(name, "Map")
		}
		prevOwner := owner[ev.PreviousEventID]
		owner[ev.ID] = name
		if !strings.HasPrefix(ev.Type, "Execution") {
			m.Owners[i] = name
		}
		t := ev.Type
		switch {
		case strings.HasSuffix(t, "StateEntered"):
			if p := m.States[prevOwner]; p != nil && prevOwner != name && p.Status == StatusRunning && p.failing {
				// A Catch moved on without an exit event.
				p.Status, p.Exited = StatusCaughtError, ev.Timestamp
			}
			r := get(name)
			r.Type = strings.TrimSuffix(t, "StateEntered")
			r.Status, r.Entered, r.Exited = StatusRunning, ev.Timestamp, time.Time{}
			r.Input, r.Output, r.HasOutput, r.failing = ev.Input, nil, false, false
			r.Runs++
			if r.Type == "Fail" {
				r.Status, r.failing, r.FailedEventID = StatusFailed, true, ev.ID
				if st := g.state(name); st != nil && (st.Error != "" || st.Cause != "") {
					// The history names a Fail state's error only when it fails the execution.
					r.Error, r.Cause, r.HasError = st.Error, st.Cause, true
				}
			}
		case strings.HasSuffix(t, "StateExited"):
			r := get(name)
			r.Exited, r.Output, r.HasOutput = ev.Timestamp, ev.Output, true
			if r.failing {
				r.Status = StatusCaughtError
			} else {
				r.Status = StatusSucceeded
			}
		case failureTypes[t]:
			if name == "" {
				continue
			}
			r := get(name)
			r.failing, r.FailedEventID = true, ev.ID
			if ev.Details != nil {
				r.Error, r.Cause, r.HasError = ev.Error, ev.Cause, true
			}
			if t == interpreter.EvParallelStateFailed || t == interpreter.EvMapStateFailed {
				m.settle(g, name)
			}
		case t == interpreter.EvParallelStateSucceeded || t == interpreter.EvMapStateSucceeded:
			m.settle(g, name)
		case t == interpreter.EvTaskScheduled || t == interpreter.EvLambdaScheduled || t == interpreter.EvActivityScheduled:
			r := get(name)
			if r.failing {
				r.Retries++
				r.failing = false
			}
			if ev.Details != nil {
				r.Resource, r.Parameters = ev.ResourceType+":"+ev.Resource, ev.Parameters
				if ev.ResourceType == "" {
					r.Resource = ev.Resource
				}
			}
		case t == interpreter.EvTaskSubmitted || t == interpreter.EvTaskSucceeded || t == interpreter.EvLambdaSucceeded:
			if name != "" {
				get(name).TaskOutput = ev.Output
			}
		case abortTypes[t]:
			if name != "" {
				// A Task aborted after its failure (a Parallel sibling's) stays failed.
				if r := get(name); r.failing {
					r.Status = StatusFailed
				} else {
					r.Status = StatusCancelled
				}
				r := get(name)
				r.Exited = ev.Timestamp
				m.settle(g, name)
			}
		case strings.HasPrefix(t, "MapIteration"):
			r := get(name)
			if r.Iterations == nil {
				r.Iterations = map[int]string{}
			}
			r.Iterations[ev.Index] = strings.ToUpper(strings.TrimPrefix(t, "MapIteration"))
		case t == interpreter.EvExecutionFailed || t == interpreter.EvExecutionTimedOut:
			m.FailedID = ev.ID
			if name != "" {
				if r := m.States[name]; r != nil {
					r.failing = true
					if !r.HasError && ev.Details != nil {
						r.Error, r.Cause, r.HasError = ev.Error, ev.Cause, true
					}
				}
			}
		case t == interpreter.EvExecutionRedriven:
			// States rerun after a redrive are entered again; failed ones stay failed until then.
		}
	}
	// What is still running when the execution has ended.
	ended := execStatus != "" && execStatus != "RUNNING"
	for _, r := range m.States {
		if r.Status != StatusRunning {
			continue
		}
		switch {
		case r.failing:
			if ended || r.Type == "Fail" {
				r.Status = StatusFailed
			}
		case ended:
			r.Status = StatusCancelled
		}
	}
	if m.FailedID == 0 {
		// A failed state whose failure was not caught.
		for _, r := range m.States {
			if r.Status == StatusFailed && r.FailedEventID > m.FailedID {
				m.FailedID = r.FailedEventID
			}
		}
	}
	return m
}

// settle ends the states still running inside the Parallel or Map named outer once it has
// finished: failed ones are FAILED, the others CANCELLED (their branch was stopped).
func (m *model) settle(g *graph, outer string) {
	if g == nil {
		return
	}
	for n, r := range m.States {
		if r.Status != StatusRunning || n == outer || !g.inside(n, outer) {
			continue
		}
		if r.failing {
			r.Status = StatusFailed
		} else {
			r.Status = StatusCancelled
		}
	}
}

// statusMap lists every state's status (NOT_RUN for states never entered).
func (m *model) statusMap(g *graph) map[string]string {
	out := map[string]string{}
	if g != nil {
		for n := range g.types {
			out[n] = StatusNotRun
		}
	}
	for n, r := range m.States {
		out[n] = r.Status
	}
	return out
}
