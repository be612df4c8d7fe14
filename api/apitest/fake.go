// Package apitest holds helpers for testing the Step Functions API: a scripted fake Engine
// and a server on a real listener for tests that drive the aws CLI or boto3.
//
// The fake engine exists so that the protocol, store and semantics in package api can be
// tested without the interpreter: it understands just enough of a definition to end an
// execution the way its StartAt state says (Pass succeeds, Fail fails, Wait waits until
// stopped, a .waitForTaskToken or activity Task waits for a task token callback).
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sfnlocal/sfnlocal/api"
	"github.com/sfnlocal/sfnlocal/internal/clock"
)

// FakeEngine is a scripted api.Engine.
type FakeEngine struct {
	Clock          clock.Clock
	ActivityExists func(string) bool

	mu      sync.Mutex
	nextTok int
	tokens  map[string]*fakeRun      // task token -> waiting run
	waiting map[string][]*fakeRun    // activity ARN -> runs waiting for a worker
	wake    map[string]chan struct{} // activity ARN -> closed when work arrives
	runs    []*fakeRun
}

// NewFakeEngine returns a fake engine factory for api.Options.Engine; the engine built is
// also stored in *out when out is not nil.
func NewFakeEngine(c clock.Clock, out **FakeEngine) api.EngineFactory {
	return func(activityExists func(string) bool) api.Engine {
		e := &FakeEngine{Clock: c, ActivityExists: activityExists, tokens: map[string]*fakeRun{},
			waiting: map[string][]*fakeRun{}, wake: map[string]chan struct{}{}}
		if out != nil {
			*out = e
		}
		return e
	}
}

type fakeProgram struct {
	start map[string]any // the StartAt state
	name  string
}

func (p *fakeProgram) VariableReferences() map[string][]string { return nil }

func definitionError(msg string) error {
	return &api.DefinitionError{Message: "Invalid State Machine Definition: '" + msg + "'"}
}

func parse(definition string) (*fakeProgram, []api.Diagnostic) {
	var def map[string]any
	if err := json.Unmarshal([]byte(definition), &def); err != nil {
		return nil, []api.Diagnostic{{Severity: "ERROR", Code: "INVALID_JSON_DESCRIPTION", Message: "Definition must be a valid JSON object"}}
	}
	var missing []string
	states, _ := def["States"].(map[string]any)
	if states == nil {
		missing = append(missing, "States")
	}
	startAt, _ := def["StartAt"].(string)
	if startAt == "" {
		missing = append(missing, "StartAt")
	}
	if len(missing) > 0 {
		return nil, []api.Diagnostic{{Severity: "ERROR", Code: "SCHEMA_VALIDATION_FAILED", Message: "These fields are required: [" + strings.Join(missing, ", ") + "]", Location: "/"}}
	}
	st, _ := states[startAt].(map[string]any)
	if st == nil {
		return nil, []api.Diagnostic{{Severity: "ERROR", Code: "MISSING_TRANSITION_TARGET", Message: "Missing 'Next' target: " + startAt, Location: "/StartAt"}}
	}
	return &fakeProgram{start: st, name: startAt}, nil
}

func (e *FakeEngine) Compile(definition, smType string) (api.Program, error) {
	p, diags := parse(definition)
	if len(diags) > 0 {
		d := diags[0]
		return nil, definitionError(d.Code + ": " + d.Message + " at " + d.Location)
	}
	return p, nil
}

func (e *FakeEngine) Validate(definition, smType string) []api.Diagnostic {
	_, diags := parse(definition)
	return diags
}

type event struct {
	id      int
	ts      time.Time
	typ     string
	details string // "<member>":{...}
}

func (ev event) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"id":%d,"previousEventId":%d,"timestamp":%s,"type":%q`, ev.id, ev.id-1,
		strconv.FormatFloat(float64(ev.ts.UnixMilli())/1000, 'f', -1, 64), ev.typ)
	if ev.details != "" {
		b.WriteString("," + ev.details)
	}
	b.WriteString("}")
	return b.Bytes(), nil
}

type fakeRun struct {
	e      *FakeEngine
	params api.StartParams
	start  time.Time
	done   chan struct{}

	mu                   sync.Mutex
	status               string
	output, err, cause   string
	hasOut, hasErr, hasC bool
	stop                 time.Time
	events               []event
	token                string
}

func (r *fakeRun) Done() <-chan struct{} { return r.done }
func (r *fakeRun) StartDate() time.Time  { return r.start }

func (r *fakeRun) Status() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.status
}

func (r *fakeRun) Output() (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.output, r.hasOut
}

func (r *fakeRun) Error() (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err, r.hasErr
}

func (r *fakeRun) Cause() (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cause, r.hasC
}

func (r *fakeRun) StopDate() (time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stop, !r.stop.IsZero()
}

func (r *fakeRun) History() []json.Marshaler {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]json.Marshaler, len(r.events))
	for i, ev := range r.events {
		out[i] = ev
	}
	return out
}

// quoteJSON encodes s as a JSON string without HTML escaping, as AWS does.
func quoteJSON(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

func (r *fakeRun) addEventLocked(typ, details string) {
	r.events = append(r.events, event{id: len(r.events) + 1, ts: r.e.Clock.Now(), typ: typ, details: details})
}

// end finishes the run once; it reports whether this call ended it.
func (r *fakeRun) end(status, output, errName, cause string, hasErr, hasCause bool) bool {
	if !r.endLocked(status, output, errName, cause, hasErr, hasCause) {
		return false
	}
	if r.params.OnDone != nil {
		r.params.OnDone()
	}
	return true
}

func (r *fakeRun) endLocked(status, output, errName, cause string, hasErr, hasCause bool) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.status != "RUNNING" {
		return false
	}
	r.status = status
	r.stop = r.e.Clock.Now()
	switch status {
	case "SUCCEEDED":
		r.output, r.hasOut = output, true
		r.addEventLocked("ExecutionSucceeded", `"executionSucceededEventDetails":{"output":`+quoteJSON(output)+`,"outputDetails":{"truncated":false}}`)
	default:
		r.err, r.hasErr, r.cause, r.hasC = errName, hasErr, cause, hasCause
		d := []string{}
		if hasErr {
			d = append(d, `"error":`+quoteJSON(errName))
		}
		if hasCause {
			d = append(d, `"cause":`+quoteJSON(cause))
		}
		member := map[string]string{"FAILED": "executionFailedEventDetails", "ABORTED": "executionAbortedEventDetails", "TIMED_OUT": "executionTimedOutEventDetails"}[status]
		typ := map[string]string{"FAILED": "ExecutionFailed", "ABORTED": "ExecutionAborted", "TIMED_OUT": "ExecutionTimedOut"}[status]
		r.addEventLocked(typ, `"`+member+`":{`+strings.Join(d, ",")+`}`)
	}
	close(r.done)
	return true
}

func (r *fakeRun) Abort(errName, cause string) { _ = r.Stop(errName, cause) }

func (r *fakeRun) Stop(errName, cause string) error {
	if !r.end("ABORTED", "", errName, cause, errName != "", cause != "") {
		return api.ErrExecutionNotRunning
	}
	r.e.forget(r)
	return nil
}

func (e *FakeEngine) forget(r *fakeRun) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if r.token != "" {
		delete(e.tokens, r.token)
	}
}

func (e *FakeEngine) Start(p api.Program, params api.StartParams) (api.Run, error) {
	prog := p.(*fakeProgram)
	r := &fakeRun{e: e, params: params, start: e.Clock.Now(), done: make(chan struct{}), status: "RUNNING"}
	started := `"executionStartedEventDetails":{"input":` + quoteJSON(params.Input) + `,"inputDetails":{"truncated":false},"roleArn":` + quoteJSON(params.RoleArn)
	if params.StateMachineAliasArn != "" {
		started += `,"stateMachineAliasArn":` + quoteJSON(params.StateMachineAliasArn)
	}
	if params.StateMachineVersionArn != "" {
		started += `,"stateMachineVersionArn":` + quoteJSON(params.StateMachineVersionArn)
	}
	r.addEventLocked("ExecutionStarted", started+"}")
	e.mu.Lock()
	e.runs = append(e.runs, r)
	e.mu.Unlock()

	typ, _ := prog.start["Type"].(string)
	switch typ {
	case "Pass":
		out := params.Input
		if res, ok := prog.start["Result"]; ok {
			b, _ := json.Marshal(res)
			out = string(b)
		}
		r.end("SUCCEEDED", out, "", "", false, false)
	case "Fail":
		errName, hasErr := prog.start["Error"].(string)
		cause, hasCause := prog.start["Cause"].(string)
		r.end("FAILED", "", errName, cause, hasErr, hasCause)
	case "Task":
		res, _ := prog.start["Resource"].(string)
		e.mu.Lock()
		e.nextTok++
		r.token = "token-" + strconv.Itoa(e.nextTok)
		e.tokens[r.token] = r
		if strings.Contains(res, ":activity:") {
			if e.ActivityExists != nil && !e.ActivityExists(res) {
				e.mu.Unlock()
				r.end("FAILED", "", "States.Runtime", "The activity "+res+" does not exist.", true, true)
				return r, nil
			}
			e.waiting[res] = append(e.waiting[res], r)
			if ch, ok := e.wake[res]; ok {
				close(ch)
				delete(e.wake, res)
			}
		}
		e.mu.Unlock()
	}
	// Wait and anything else: run until stopped.
	return r, nil
}

// Token returns the task token of the run of the given execution, for callback tests.
func (e *FakeEngine) Token(executionArn string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, r := range e.runs {
		if r.params.ExecutionArn == executionArn {
			return r.token
		}
	}
	return ""
}

// take looks a token up and, when valid is true, consumes it. The token is checked before
// anything else, as AWS does.
func (e *FakeEngine) take(token string, valid bool) (*fakeRun, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !strings.HasPrefix(token, "token-") {
		return nil, fmt.Errorf("%w: %q", api.ErrTaskTokenInvalid, token)
	}
	r, ok := e.tokens[token]
	if !ok {
		return nil, fmt.Errorf("%w: %q", api.ErrTaskDoesNotExist, token)
	}
	if valid {
		delete(e.tokens, token)
	}
	return r, nil
}

func (e *FakeEngine) SendTaskSuccess(token, output string) error {
	valid := json.Valid([]byte(output))
	r, err := e.take(token, valid)
	if err != nil {
		return err
	}
	if !valid {
		return fmt.Errorf("%w: Output is not a valid JSON", api.ErrTaskOutputBad)
	}
	r.end("SUCCEEDED", output, "", "", false, false)
	return nil
}

func (e *FakeEngine) SendTaskFailure(token, errName, cause string) error {
	r, err := e.take(token, true)
	if err != nil {
		return err
	}
	r.end("FAILED", "", errName, cause, errName != "", cause != "")
	return nil
}

func (e *FakeEngine) SendTaskHeartbeat(token string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !strings.HasPrefix(token, "token-") {
		return api.ErrTaskTokenInvalid
	}
	if _, ok := e.tokens[token]; !ok {
		return api.ErrTaskDoesNotExist
	}
	return nil
}

func (e *FakeEngine) GetActivityTask(ctx context.Context, activityArn, workerName string) (string, string, error) {
	for {
		e.mu.Lock()
		if q := e.waiting[activityArn]; len(q) > 0 {
			r := q[0]
			e.waiting[activityArn] = q[1:]
			e.mu.Unlock()
			return r.token, r.params.Input, nil
		}
		ch, ok := e.wake[activityArn]
		if !ok {
			ch = make(chan struct{})
			e.wake[activityArn] = ch
		}
		e.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return "", "", nil
		}
	}
}

func (e *FakeEngine) Close() {
	e.mu.Lock()
	runs := append([]*fakeRun(nil), e.runs...)
	e.mu.Unlock()
	for _, r := range runs {
		_ = r.Stop("", "")
	}
}
