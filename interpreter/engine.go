package interpreter

import (
	"context"
	crand "crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/sfnlocal/sfnlocal/internal/value"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/mockcfg"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// Sentinel errors of the callback and activity API (SendTask*, GetActivityTask).
var (
	ErrInvalidToken     = errors.New("invalid task token")
	ErrTaskDoesNotExist = errors.New("task does not exist")
	ErrTaskTimedOut     = errors.New("task timed out")
	ErrInvalidOutput    = errors.New("invalid output")
	// ErrEngineClosed is returned by Start after Close.
	ErrEngineClosed = errors.New("engine closed")
)

// Execution statuses.
const (
	StatusRunning   = "RUNNING"
	StatusSucceeded = "SUCCEEDED"
	StatusFailed    = "FAILED"
	StatusTimedOut  = "TIMED_OUT"
	StatusAborted   = "ABORTED"
)

// Config configures an Engine.
type Config struct {
	// Clock makes each execution's clock; nil means real time.
	Clock clock.Factory
	// Tasks maps integration services to their handlers.
	Tasks  task.Registry
	Logger *zap.Logger
	// Region and AccountID fill ARNs and the TaskScheduled region; defaults us-east-1 and
	// 123456789012.
	Region    string
	AccountID string
	// ActivityExists reports whether an activity exists; nil means every activity does.
	ActivityExists func(arn string) bool
	// Standalone marks an engine with no API server behind it (sfnlocal run): Tasks that
	// would wait for a client (activities, .waitForTaskToken) or call a service with no
	// handler fail at once with States.Runtime, saying why, instead of waiting forever.
	Standalone bool
	// Journal, when set, makes Standard executions' events durable (write-ahead; see
	// durable.go), so that Resume can carry them on after a crash.
	Journal Journal
	// MaxHistoryEvents caps a Standard execution's history; an execution that reaches it
	// fails, as on AWS. 0 means AWS's quota, 25,000 events.
	MaxHistoryEvents int
}

// Engine runs executions. It is safe for concurrent use.
type Engine struct {
	cfg Config
	log *zap.Logger

	// ctx is the engine's lifetime context: Close cancels it, aborting every execution.
	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	maxEvents int

	mu         sync.Mutex
	closed     bool
	tokens     map[string]*waiter
	activities map[string]*activityQueue

	// distReg holds the Map Runs and their children (distmap.go).
	distOnce sync.Once
	distReg  *distRegistry
}

// NewEngine returns an engine.
func NewEngine(cfg Config) *Engine {
	if cfg.Clock == nil {
		r := clock.Real()
		cfg.Clock = func() clock.Clock { return r }
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.AccountID == "" {
		cfg.AccountID = "123456789012"
	}
	if cfg.MaxHistoryEvents <= 0 {
		cfg.MaxHistoryEvents = 25000
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Engine{cfg: cfg, log: cfg.Logger, ctx: ctx, cancel: cancel, maxEvents: cfg.MaxHistoryEvents,
		tokens: map[string]*waiter{}, activities: map[string]*activityQueue{}}
}

// Close aborts running executions and waits for their goroutines to end.
func (e *Engine) Close() {
	e.mu.Lock()
	e.closed = true
	e.mu.Unlock()
	e.cancel()
	e.wg.Wait()
}

// StartParams describes one execution to start.
type StartParams struct {
	ExecutionArn           string
	Name                   string
	StateMachineArn        string
	StateMachineName       string
	RoleArn                string
	StateMachineVersionArn string
	StateMachineAliasArn   string
	// Input is the execution input as JSON text; "" means "{}".
	Input   string
	Express bool
	// Sync marks a StartSyncExecution (Express) execution.
	Sync bool
	// OnDone, when set, is called once the execution has finished, from its goroutine.
	OnDone func(*Execution)
	// Coverage, when set, collects what the execution exercises (sfnlocal test, the API's
	// per-state-machine coverage).
	Coverage *Coverage
	// Mocks, when set, is the test case the execution runs (Step Functions Local's mock
	// configuration): its mocked Task states never call their services.
	Mocks *mockcfg.Case
	// Sched, when set, runs the execution on that scheduler instead of one of its own: a
	// child execution on its parent's, so that their time is one.
	Sched *clock.Sched

	// test, set by TestState, marks the state under test and collects what it does.
	test *testRun
	// mapRun is the Map Run that started this child execution (distmap.go).
	mapRun *mapRun
	// inputValue is Input already decoded (a Map Run's child), when hasInputValue is set.
	inputValue    any
	hasInputValue bool
}

// Execution is one running or finished execution.
type Execution struct {
	e   *Engine
	sm  *StateMachine
	p   StartParams
	clk clock.Clock
	// sched runs the execution's goroutines and is its clock (clk); see clock.Sched.
	sched *clock.Sched
	// rng draws retry jitter; seeded from the state machine and the input, so that a run is
	// repeatable. Only the goroutine holding the scheduler's baton uses it.
	rng    *rand.Rand
	input  any
	start  time.Time
	ctx    context.Context
	cancel context.CancelCauseFunc
	done   chan struct{}
	execCx *value.Object // the Context object's Execution member (immutable)
	smCx   *value.Object

	mu           sync.Mutex
	events       eventLog
	silentEvents int
	mockCalls    map[string]int // invocations of each mocked state so far
	status       string
	outVal       any    // the output value, once succeeded
	output       string // its JSON text, once encoded
	encoded      bool
	hasOut       bool
	errName      string
	cause        string
	hasErr       bool
	hasCause     bool
	stop         time.Time
	rd           execRedrive // redrive.go
	wal          wal         // durable.go
	// replay is the journal of a resumed execution (nil otherwise); read-only.
	replay *replayLog
	// jkey is the key of the execution's journal, "" when it is not journaled (durable.go).
	jkey string
}

// abortCause is the cancellation cause of StopExecution.
type abortCause struct {
	err, cause string
}

func (a *abortCause) Error() string { return "execution aborted" }

// errExecutionTimeout is the cancellation cause of the machine's TimeoutSeconds.
var errExecutionTimeout = errors.New("execution timed out")

// Start starts an execution of sm. The input must be valid JSON (else an error wrapping
// ErrInvalidOutput's sibling, a plain error, for the API to map to InvalidExecutionInput).
func (e *Engine) Start(sm *StateMachine, p StartParams) (*Execution, error) {
	if sm == nil {
		return nil, errors.New("nil state machine")
	}
	text := p.Input
	if strings.TrimSpace(text) == "" {
		text = "{}"
	}
	input, err := p.inputValue, error(nil)
	if !p.hasInputValue {
		input, err = task.Decode([]byte(text))
	}
	if err != nil {
		return nil, fmt.Errorf("invalid execution input: %w", err)
	}
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil, ErrEngineClosed
	}
	e.wg.Add(1)
	e.mu.Unlock()
	p.Input = text
	sched := p.Sched
	if sched == nil {
		sched = schedFor(e)
	}
	x := &Execution{e: e, sm: sm, p: p, clk: sched, sched: sched, rng: jitterSource(p), input: input, start: sched.Now(), done: make(chan struct{}), status: StatusRunning, jkey: e.journalKey(p)}
	x.execCx = startContext(x, input)
	x.smCx = value.ObjectOf("Id", p.StateMachineArn, "Name", p.StateMachineName)
	x.ctx, x.cancel = context.WithCancelCause(e.ctx)
	x.events.add(Event{ID: 1, Timestamp: x.start, Type: EvExecutionStarted, Input: RawJSON(text), Details: &Details{RoleArn: p.RoleArn, StateMachineAliasArn: p.StateMachineAliasArn, StateMachineVersionArn: p.StateMachineVersionArn}})
	x.launch()
	return x, nil
}

func schedFor(e *Engine) *clock.Sched { return clock.AsSched(e.cfg.Clock()) }

// startContext is the Context object's Execution member at the start.
func startContext(x *Execution, input any) *value.Object {
	p := x.p
	// The Context object's Execution, in the order AWS writes it: a Standard execution's
	// {Id, Input, StartTime, Name, RoleArn, RedriveCount} (all recorded Standard contexts since
	// 2024: context_object test_input_path[$$], base test_query_context_object_values, ...),
	// an Express execution's {Id, Input, Name, RoleArn, StartTime} (express
	// test_query_runtime_memory).
	var cx *value.Object
	if p.Express {
		cx = value.ObjectOf("Id", p.ExecutionArn, "Input", input, "Name", p.Name, "RoleArn", p.RoleArn,
			"StartTime", isoTime(x.start))
	} else {
		cx = value.ObjectOf("Id", p.ExecutionArn, "Input", input, "StartTime", isoTime(x.start),
			"Name", p.Name, "RoleArn", p.RoleArn)
	}
	if !p.Sync {
		// Synchronous Express executions cannot be redriven and have no RedriveCount.
		cx.Append("RedriveCount", jsonInt(0))
	}
	return cx
}

// launch runs the execution's main goroutine under its scheduler; a stop from outside
// (StopExecution, Close) wakes the scheduler wherever the execution waits.
func (x *Execution) launch() {
	unwatch := x.sched.Watch(x.ctx)
	x.sched.Go(func() {
		defer unwatch()
		x.run()
	})
}

// jitterSource returns the retry-jitter source of an execution: seeded from the state
// machine and the input, so that the same definition and input back off alike every run.
func jitterSource(p StartParams) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(p.StateMachineArn))
	h.Write([]byte{0})
	h.Write([]byte(p.Input))
	seed := h.Sum64()
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// Arn returns the execution ARN.
func (x *Execution) Arn() string { return x.p.ExecutionArn }

// region is the execution's region, read from its ARN (arn:<partition>:states:<region>:...):
// an execution runs in the region of its state machine, whatever the engine's default.
func (x *Execution) region() string {
	if r := arnField(x.p.ExecutionArn, 3); r != "" {
		return r
	}
	return x.e.cfg.Region
}

// partition is the execution's ARN partition (aws, aws-cn, aws-us-gov, ...).
func (x *Execution) partition() string {
	if p := arnField(x.p.ExecutionArn, 1); p != "" {
		return p
	}
	return "aws"
}

// arnField returns the n-th colon-separated field of an ARN ("" when absent), without
// allocating.
func arnField(arn string, n int) string {
	if !strings.HasPrefix(arn, "arn:") {
		return ""
	}
	for i := 0; i < n; i++ {
		j := strings.IndexByte(arn, ':')
		if j < 0 {
			return ""
		}
		arn = arn[j+1:]
	}
	if j := strings.IndexByte(arn, ':'); j >= 0 {
		return arn[:j]
	}
	return ""
}

// Done is closed when the execution has finished.
func (x *Execution) Done() <-chan struct{} {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.done // replaced by a redrive
}

// Status returns RUNNING, SUCCEEDED, FAILED, TIMED_OUT or ABORTED.
func (x *Execution) Status() string {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.status
}

// Output returns the execution output (JSON text) once it has succeeded.
func (x *Execution) Output() (string, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.hasOut && !x.encoded {
		s, err := EncodeValue(x.outVal)
		if err != nil {
			// Generic JSON values always encode; this is a bug, not user input.
			x.e.log.Error("cannot encode execution output", zap.String("execution_arn", x.p.ExecutionArn), zap.Error(err))
			s = "null"
		}
		x.output, x.encoded = s, true
	}
	return x.output, x.hasOut
}

// Error returns the error name of a failed, timed-out or aborted execution.
func (x *Execution) Error() (string, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.errName, x.hasErr
}

// Cause returns the cause of a failed, timed-out or aborted execution.
func (x *Execution) Cause() (string, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.cause, x.hasCause
}

// Input returns the execution input as given (JSON text).
func (x *Execution) Input() string { return x.p.Input }

// StartDate returns when the execution started, on its clock.
func (x *Execution) StartDate() time.Time { return x.start }

// StopDate returns when the execution finished.
func (x *Execution) StopDate() (time.Time, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.stop, x.status != StatusRunning
}

// History returns a copy of the events recorded so far.
func (x *Execution) History() []Event {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.events.copyAll()
}

// Abort starts aborting a running execution and returns at once; Done is closed once it has
// ended. A parent on the same scheduler uses it, since it cannot wait outside the scheduler.
func (x *Execution) Abort(errName, cause string) {
	x.mu.Lock()
	cancel := x.cancel
	x.mu.Unlock()
	cancel(&abortCause{err: errName, cause: cause})
}

// Stop aborts a running execution (StopExecution); it returns once the execution has ended.
// Stopping a finished execution does nothing.
func (x *Execution) Stop(errName, cause string) error {
	x.mu.Lock()
	done, cancel := x.done, x.cancel // replaced by a redrive
	x.mu.Unlock()
	select {
	case <-done:
		return nil
	default:
	}
	cancel(&abortCause{err: errName, cause: cause})
	<-done
	return nil
}

// waiter is a task waiting for SendTaskSuccess/Failure (a callback token or an activity task).
type waiter struct {
	x         *Execution
	results   chan callbackResult
	heartbeat chan struct{}
	started   chan string // activities: the worker name, once picked up
	// lastBeat is the last heartbeat journaled before a recovery (zero when none).
	lastBeat time.Time
	activity string
	input    string
	mu       sync.Mutex
	state    int // 0 waiting, 1 done, 2 timed out
}

func (w *waiter) finished() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.state != 0
}

type callbackResult struct {
	output  any
	failure *failure
	// ack, when set (a journaled execution), is closed once the task's outcome is durable:
	// SendTask* answers only then (durable.go).
	ack chan struct{}
}

func newToken() string {
	var b [48]byte
	_, _ = crand.Read(b[:])
	return "AQ" + base64.RawURLEncoding.EncodeToString(b[:])
}

func validTokenSyntax(token string) bool {
	if len(token) < 3 || len(token) > 2048 || !strings.HasPrefix(token, "AQ") {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(token[2:])
	return err == nil
}

func (e *Engine) lookupWaiter(token string) (*waiter, error) {
	if !validTokenSyntax(token) {
		return nil, ErrInvalidToken
	}
	e.mu.Lock()
	w := e.tokens[token]
	e.mu.Unlock()
	if w == nil {
		return nil, ErrTaskDoesNotExist
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	switch w.state {
	case 1:
		return nil, ErrTaskDoesNotExist
	case 2:
		return nil, ErrTaskTimedOut
	}
	return w, nil
}

func (e *Engine) deliver(token string, r callbackResult) error {
	w, err := e.lookupWaiter(token)
	if err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.state != 0 {
		return ErrTaskDoesNotExist
	}
	w.state = 1
	if w.x != nil && w.x.journaled() {
		r.ack = make(chan struct{})
	}
	w.results <- r // buffered, capacity 1
	w.mu.Unlock()
	if r.ack != nil {
		select {
		case <-r.ack:
		case <-w.x.Done():
		case <-e.ctx.Done():
		}
	}
	w.mu.Lock() // for the deferred Unlock
	return nil
}

// SendTaskSuccess completes a waiting task with output (JSON text).
func (e *Engine) SendTaskSuccess(token, output string) error {
	v, err := task.Decode([]byte(output))
	if err != nil {
		if _, terr := e.lookupWaiter(token); terr != nil {
			return terr
		}
		return fmt.Errorf("%w: %v", ErrInvalidOutput, err)
	}
	return e.deliver(token, callbackResult{output: v})
}

// SendTaskFailure fails a waiting task with errName and cause (either may be empty).
func (e *Engine) SendTaskFailure(token, errName, cause string) error {
	return e.deliver(token, callbackResult{failure: &failure{err: errName, cause: cause, hasErr: errName != "", hasCause: cause != ""}})
}

// SendTaskHeartbeat resets a waiting task's heartbeat timer.
func (e *Engine) SendTaskHeartbeat(token string) error {
	w, err := e.lookupWaiter(token)
	if err != nil {
		return err
	}
	select {
	case w.heartbeat <- struct{}{}:
	default:
	}
	if w.x != nil {
		w.x.beat(token)
	}
	return nil
}

type activityQueue struct {
	pending []*pendingActivity
	notify  chan struct{} // closed and replaced when a task is queued
}

type pendingActivity struct {
	token string
	w     *waiter
}

func (e *Engine) queue(arn string) *activityQueue {
	q := e.activities[arn]
	if q == nil {
		q = &activityQueue{notify: make(chan struct{})}
		e.activities[arn] = q
	}
	return q
}

func (e *Engine) enqueueActivity(arn, token string, w *waiter) {
	e.mu.Lock()
	defer e.mu.Unlock()
	q := e.queue(arn)
	q.pending = append(q.pending, &pendingActivity{token: token, w: w})
	close(q.notify)
	q.notify = make(chan struct{})
}

// GetActivityTask waits until a task of the activity is scheduled or ctx is done; then it
// returns an empty token and no error, as AWS's long poll does.
func (e *Engine) GetActivityTask(ctx context.Context, activityArn, workerName string) (token, input string, err error) {
	for {
		e.mu.Lock()
		q := e.queue(activityArn)
		for len(q.pending) > 0 {
			pa := q.pending[0]
			q.pending = q.pending[1:]
			pa.w.mu.Lock()
			live := pa.w.state == 0
			pa.w.mu.Unlock()
			if !live {
				continue
			}
			e.mu.Unlock()
			select {
			case pa.w.started <- workerName:
			default:
			}
			return pa.token, pa.w.input, nil
		}
		notify := q.notify
		e.mu.Unlock()
		select {
		case <-ctx.Done():
			return "", "", nil
		case <-e.ctx.Done():
			return "", "", nil
		case <-notify:
		}
	}
}

func (e *Engine) registerWaiter(token string, w *waiter) {
	e.mu.Lock()
	e.tokens[token] = w
	e.mu.Unlock()
}

// maxTokens bounds the token table: finished tokens are kept (so that a late SendTask* gets
// TaskDoesNotExist or TaskTimedOut rather than InvalidToken) until the table grows past it.
const maxTokens = 100000

func (e *Engine) forgetWaiter(token string, timedOut bool) {
	e.mu.Lock()
	w := e.tokens[token]
	if len(e.tokens) > maxTokens {
		for t, other := range e.tokens {
			if t != token && other.finished() {
				delete(e.tokens, t)
			}
		}
		// Queues stay (pollers wait on them); only their finished tasks go.
		for _, q := range e.activities {
			live := q.pending[:0]
			for _, pa := range q.pending {
				if !pa.w.finished() {
					live = append(live, pa)
				}
			}
			q.pending = live
		}
	}
	e.mu.Unlock()
	if w == nil {
		return
	}
	w.mu.Lock()
	if w.state == 0 {
		w.state = 1
		if timedOut {
			w.state = 2
		}
	}
	w.mu.Unlock()
}

// eventLog stores a history in chunks that are never copied as it grows: appending an event
// costs one struct copy however long the history gets.
type eventLog struct {
	chunks [][]Event
	n      int
}

const maxChunk = 4096

func (l *eventLog) add(ev Event) {
	last := len(l.chunks) - 1
	if last < 0 || len(l.chunks[last]) == cap(l.chunks[last]) {
		size := 16
		if last >= 0 {
			size = min(2*cap(l.chunks[last]), maxChunk)
		}
		l.chunks = append(l.chunks, make([]Event, 0, size))
		last++
	}
	l.chunks[last] = append(l.chunks[last], ev)
	l.n++
}

func (l *eventLog) len() int { return l.n }

// last returns the last event (the log always holds ExecutionStarted).
func (l *eventLog) last() Event {
	c := l.chunks[len(l.chunks)-1]
	return c[len(c)-1]
}

func (l *eventLog) copyAll() []Event {
	out := make([]Event, 0, l.n)
	for _, c := range l.chunks {
		out = append(out, c...)
	}
	return out
}
