package interpreter

import (
	"bytes"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sfnlocal/sfnlocal/internal/value"
)

// History event types, as AWS names them.
const (
	EvExecutionStarted       = "ExecutionStarted"
	EvExecutionSucceeded     = "ExecutionSucceeded"
	EvExecutionFailed        = "ExecutionFailed"
	EvExecutionAborted       = "ExecutionAborted"
	EvExecutionTimedOut      = "ExecutionTimedOut"
	EvExecutionRedriven      = "ExecutionRedriven"
	EvMapStateStarted        = "MapStateStarted"
	EvMapStateSucceeded      = "MapStateSucceeded"
	EvMapStateFailed         = "MapStateFailed"
	EvMapStateAborted        = "MapStateAborted"
	EvMapIterationStarted    = "MapIterationStarted"
	EvMapIterationSucceeded  = "MapIterationSucceeded"
	EvMapIterationFailed     = "MapIterationFailed"
	EvMapIterationAborted    = "MapIterationAborted"
	EvMapRunStarted          = "MapRunStarted"
	EvMapRunSucceeded        = "MapRunSucceeded"
	EvMapRunFailed           = "MapRunFailed"
	EvParallelStateStarted   = "ParallelStateStarted"
	EvParallelStateSucceeded = "ParallelStateSucceeded"
	EvParallelStateFailed    = "ParallelStateFailed"
	EvParallelStateAborted   = "ParallelStateAborted"
	EvTaskScheduled          = "TaskScheduled"
	EvTaskStarted            = "TaskStarted"
	EvTaskSubmitted          = "TaskSubmitted"
	EvTaskSucceeded          = "TaskSucceeded"
	EvTaskFailed             = "TaskFailed"
	EvTaskTimedOut           = "TaskTimedOut"
	EvTaskStateAborted       = "TaskStateAborted"
	EvWaitStateAborted       = "WaitStateAborted"
	EvLambdaScheduled        = "LambdaFunctionScheduled"
	EvLambdaStarted          = "LambdaFunctionStarted"
	EvLambdaSucceeded        = "LambdaFunctionSucceeded"
	EvLambdaFailed           = "LambdaFunctionFailed"
	EvLambdaTimedOut         = "LambdaFunctionTimedOut"
	EvActivityScheduled      = "ActivityScheduled"
	EvActivityStarted        = "ActivityStarted"
	EvActivitySucceeded      = "ActivitySucceeded"
	EvActivityFailed         = "ActivityFailed"
	EvActivityTimedOut       = "ActivityTimedOut"
	EvActivityScheduleFailed = "ActivityScheduleFailed"
	// EvEvaluationFailed records a failed JSONata evaluation before the failure it causes.
	EvEvaluationFailed = "EvaluationFailed"
)

// Event is one history event. Its payloads (Input, Output, Parameters) are generic JSON values
// encoded only by MarshalJSON; the interpreter never mutates them after recording. The
// fields most events carry are inline; the rest live in Details, nil when unused, which keeps
// the struct small (recording an event is a copy into a chunked log).
type Event struct {
	ID              int64
	PreviousEventID int64
	Timestamp       time.Time
	Type            string
	// Name is the state name (StateEntered/StateExited) or the Map state's name (MapIteration*).
	Name string
	// Index is the Map iteration index; Length the Map's item count.
	Index  int
	Length int
	// Input and Output are the payloads of entered/started/scheduled and exited/succeeded/
	// submitted events. A RawJSON value is written as is.
	Input  any
	Output any
	*Details
}

// Details holds the fields of the less frequent events.
type Details struct {
	// Error and Cause of failure events; HasError/HasCause tell absent from empty.
	Error    string
	Cause    string
	HasError bool
	HasCause bool

	// Task and activity fields.
	Resource           string
	ResourceType       string
	Region             string
	Parameters         any
	TimeoutInSeconds   int64 // 0 = absent
	HeartbeatInSeconds int64 // 0 = absent
	TaskCredentials    string
	WorkerName         string
	HasWorkerName      bool

	// ExecutionStarted fields.
	RoleArn                string
	StateMachineAliasArn   string
	StateMachineVersionArn string

	MapRunArn string
	// Location is the field of a failed JSONata evaluation ("Output/result").
	Location string
	// AssignedVariables are the variables a state assigned (StateExited).
	AssignedVariables map[string]any
}

var noDetails = &Details{}

// RawJSON is JSON text carried as an event payload without re-encoding (the execution input
// exactly as given).
type RawJSON string

// MarshalJSON writes the event exactly as GetExecutionHistory does.
func (ev Event) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.Grow(128)
	b.WriteString(`{"timestamp":`)
	b.WriteString(epochSeconds(ev.Timestamp))
	b.WriteString(`,"type":`)
	writeString(&b, ev.Type)
	b.WriteString(`,"id":`)
	b.WriteString(strconv.FormatInt(ev.ID, 10))
	b.WriteString(`,"previousEventId":`)
	b.WriteString(strconv.FormatInt(ev.PreviousEventID, 10))
	if err := ev.writeDetails(&b); err != nil {
		return nil, err
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// DetailsKey returns the name of the event's *EventDetails member, or "" when it has none.
func (ev Event) DetailsKey() string {
	t := ev.Type
	switch {
	case strings.HasSuffix(t, "StateEntered"):
		return "stateEnteredEventDetails"
	case strings.HasSuffix(t, "StateExited"):
		return "stateExitedEventDetails"
	}
	switch t {
	case EvParallelStateStarted, EvParallelStateSucceeded, EvParallelStateFailed, EvParallelStateAborted,
		EvMapStateSucceeded, EvMapStateFailed, EvMapStateAborted, EvTaskStateAborted, EvWaitStateAborted,
		EvMapRunSucceeded, EvMapRunAborted, EvLambdaStarted:
		return ""
	}
	return strings.ToLower(t[:1]) + t[1:] + "EventDetails"
}

func epochSeconds(t time.Time) string {
	ms := t.UnixMilli()
	sec, frac := ms/1000, ms%1000
	if frac < 0 {
		sec--
		frac += 1000
	}
	s := strconv.FormatInt(sec, 10)
	if frac == 0 {
		return s
	}
	f := strconv.FormatInt(frac+1000, 10)[1:]
	return s + "." + strings.TrimRight(f, "0")
}

// writeString writes s as a JSON string the way AWS does: without HTML escaping.
func writeString(b *bytes.Buffer, s string) {
	b.Write(value.AppendString(b.AvailableBuffer(), s))
}

// EncodeValue renders a payload value as the JSON text AWS stores (compact, no HTML escaping).
func EncodeValue(v any) (string, error) {
	if r, ok := v.(RawJSON); ok {
		return string(r), nil
	}
	return value.EncodeString(v)
}

type detailWriter struct {
	b     *bytes.Buffer
	first bool
	err   error
}

func (w *detailWriter) key(k string) {
	if !w.first {
		w.b.WriteByte(',')
	}
	w.first = false
	writeString(w.b, k)
	w.b.WriteByte(':')
}

func (w *detailWriter) str(k, v string) {
	w.key(k)
	writeString(w.b, v)
}

func (w *detailWriter) payload(k string, v any) {
	s, err := EncodeValue(v)
	if err != nil && w.err == nil {
		w.err = err
	}
	w.str(k, s)
	w.key(k + "Details")
	w.b.WriteString(`{"truncated":false}`)
}

func (w *detailWriter) num(k string, v int64) {
	w.key(k)
	w.b.WriteString(strconv.FormatInt(v, 10))
}

func (ev *Event) writeDetails(b *bytes.Buffer) error {
	key := ev.DetailsKey()
	if key == "" {
		return nil
	}
	d := ev.Details
	if d == nil {
		d = noDetails
	}
	b.WriteByte(',')
	writeString(b, key)
	b.WriteString(":{")
	w := &detailWriter{b: b, first: true}
	errCause := func() {
		if d.HasError {
			w.str("error", d.Error)
		}
		if d.HasCause {
			w.str("cause", d.Cause)
		}
	}
	timeouts := func() {
		if d.TimeoutInSeconds > 0 {
			w.num("timeoutInSeconds", d.TimeoutInSeconds)
		}
		if d.HeartbeatInSeconds > 0 {
			w.num("heartbeatInSeconds", d.HeartbeatInSeconds)
		}
	}
	switch key {
	case "stateEnteredEventDetails":
		w.str("name", ev.Name)
		w.payload("input", ev.Input)
	case "stateExitedEventDetails":
		w.str("name", ev.Name)
		w.payload("output", ev.Output)
		if len(d.AssignedVariables) > 0 {
			// Sorted by name, as AWS writes them: all 32 recorded StateExited events that
			// assign several variables list them sorted (18 of them in an order that is
			// neither the definition's nor a Java HashMap's).
			w.key("assignedVariables")
			names := make([]string, 0, len(d.AssignedVariables))
			for n := range d.AssignedVariables {
				names = append(names, n)
			}
			sort.Strings(names)
			b.WriteByte('{')
			for i, n := range names {
				if i > 0 {
					b.WriteByte(',')
				}
				writeString(b, n)
				b.WriteByte(':')
				s, err := EncodeValue(d.AssignedVariables[n])
				if err != nil && w.err == nil {
					w.err = err
				}
				writeString(b, s)
			}
			b.WriteByte('}')
			w.key("assignedVariablesDetails")
			b.WriteString(`{"truncated":false}`)
		}
	default:
		switch ev.Type {
		case EvExecutionStarted:
			w.payload("input", ev.Input)
			if d.RoleArn != "" {
				w.str("roleArn", d.RoleArn)
			}
			if d.StateMachineAliasArn != "" {
				w.str("stateMachineAliasArn", d.StateMachineAliasArn)
			}
			if d.StateMachineVersionArn != "" {
				w.str("stateMachineVersionArn", d.StateMachineVersionArn)
			}
		case EvExecutionSucceeded, EvLambdaSucceeded, EvActivitySucceeded:
			w.payload("output", ev.Output)
		case EvMapStateStarted:
			w.num("length", int64(ev.Length))
		case EvMapIterationStarted, EvMapIterationSucceeded, EvMapIterationFailed, EvMapIterationAborted:
			w.str("name", ev.Name)
			w.num("index", int64(ev.Index))
		case EvMapRunStarted:
			w.str("mapRunArn", d.MapRunArn)
		case EvMapRunRedriven:
			w.str("mapRunArn", d.MapRunArn)
			w.num("redriveCount", int64(ev.Index))
		case EvExecutionRedriven:
			w.num("redriveCount", int64(ev.Index))
		case EvTaskScheduled:
			w.str("resourceType", d.ResourceType)
			w.str("resource", d.Resource)
			w.str("region", d.Region)
			s, err := EncodeValue(d.Parameters)
			if err != nil && w.err == nil {
				w.err = err
			}
			w.str("parameters", s)
			timeouts()
			if d.TaskCredentials != "" {
				w.key("taskCredentials")
				b.WriteString(`{"roleArn":`)
				writeString(b, d.TaskCredentials)
				b.WriteByte('}')
			}
		case EvTaskStarted:
			w.str("resourceType", d.ResourceType)
			w.str("resource", d.Resource)
		case EvTaskSubmitted, EvTaskSucceeded:
			w.str("resourceType", d.ResourceType)
			w.str("resource", d.Resource)
			w.payload("output", ev.Output)
		case EvTaskFailed, EvTaskTimedOut, "TaskStartFailed", "TaskSubmitFailed":
			w.str("resourceType", d.ResourceType)
			w.str("resource", d.Resource)
			errCause()
		case EvLambdaScheduled:
			w.str("resource", d.Resource)
			w.payload("input", ev.Input)
			if d.TimeoutInSeconds > 0 {
				w.num("timeoutInSeconds", d.TimeoutInSeconds)
			}
			if d.TaskCredentials != "" {
				w.key("taskCredentials")
				b.WriteString(`{"roleArn":`)
				writeString(b, d.TaskCredentials)
				b.WriteByte('}')
			}
		case EvActivityScheduled:
			w.str("resource", d.Resource)
			w.payload("input", ev.Input)
			timeouts()
		case EvEvaluationFailed:
			errCause()
			if d.Location != "" {
				w.str("location", d.Location)
			}
			w.str("state", ev.Name)
		case EvActivityStarted:
			if d.HasWorkerName {
				w.str("workerName", d.WorkerName)
			}
		default:
			errCause()
		}
	}
	b.WriteByte('}')
	return w.err
}
