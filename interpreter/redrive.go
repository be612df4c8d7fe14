package interpreter

// Redrive (RedriveExecution, AWS "Redriving executions").
//
// A FAILED, TIMED_OUT or ABORTED Standard execution restarts from the step that did not
// succeed, with the same ARN, input and definition; what ran before it is kept and not run
// again. To make that possible every thread (the execution, a Parallel branch, a Map
// iteration) leaves a checkpoint when it stops on an error: the state it stopped in, that
// state's input and the thread's variables. A Map or Parallel state also keeps the outcome of
// each of its iterations or branches, so that a redrive re-runs only the unsuccessful ones
// (each from its own checkpoint) and reuses the results of the others.
//
// The history continues: ExecutionRedriven {redriveCount} follows the previous attempt's
// last event (its previousEventId is that event [inference: no AWS recording of a redrive
// is at hand]), then the events of the re-run state, the first pointing at it. Retry counters of the re-run states start
// again from 0 (they are per state entry), and the Context object carries
// Execution.RedriveCount and Execution.RedriveTime. The execution's TimeoutSeconds starts
// again with the redrive [inference: AWS does not document it; a redrive of a TIMED_OUT
// execution would otherwise time out at once].
//
// A Distributed Map continues its Map Run: its failed Standard child executions are
// redriven, the others re-run, and MapRunRedriven is recorded (distmap.go).

import (
	"context"
	"errors"
	"maps"
	"time"
)

// ErrNotRedrivable is matched (errors.Is) by every *NotRedrivableError.
var ErrNotRedrivable = errors.New("execution is not redrivable")

// NotRedrivableError says why an execution cannot be redriven. Reason is the text AWS gives
// as DescribeExecution's redriveStatusReason.
type NotRedrivableError struct{ Reason string }

func (e *NotRedrivableError) Error() string { return e.Reason }

// Is makes errors.Is(err, ErrNotRedrivable) hold.
func (e *NotRedrivableError) Is(target error) bool { return target == ErrNotRedrivable }

// AWS's limits and redriveStatusReason texts (API reference, DescribeExecution; the
// recorded SUCCEEDED text has no final period, and neither do the others here).
const (
	redrivablePeriod = 14 * 24 * time.Hour
	maxOpenTime      = 365 * 24 * time.Hour

	ReasonRunning   = "Execution is RUNNING and cannot be redriven"
	ReasonSucceeded = "Execution is SUCCEEDED and cannot be redriven"
	ReasonHistory   = "Execution history event limit exceeded"
	ReasonMaxTime   = "Execution has exceeded the max execution time"
	ReasonPeriod    = "Execution redrivable period exceeded"
	// ReasonExpress is sfnlocal's text: AWS keeps no Express execution to redrive.
	ReasonExpress = "Express executions cannot be redriven"
)

// execRedrive is an execution's redrive state, guarded by Execution.mu.
type execRedrive struct {
	count  int
	date   time.Time
	cursor int64       // the ExecutionRedriven event the re-run starts after
	cp     *checkpoint // where the last attempt stopped
	// blocked is the reason the last attempt can never be redriven (history full).
	blocked string
}

// checkpoint is where a thread stopped on an error (or was stopped).
type checkpoint struct {
	state string
	input any
	vars  *scope
	// kids are the iterations or branches of the Map or Parallel state it stopped in.
	kids *kidLog
}

// kidLog records the outcome of each iteration or branch of one Map/Parallel attempt. Each
// child writes only its own slot, and the parent reads them after it has waited for all.
type kidLog struct {
	state string
	slots []kidOutcome
	// run is a Distributed Map's Map Run, which a redrive continues (distmap.go).
	run *mapRun
}

type kidOutcome struct {
	done   bool
	result any
	// cp is where an unsuccessful child stopped; nil when it never started.
	cp *checkpoint
}

// threadRedrive is a frame's redrive bookkeeping (the zero value does nothing).
type threadRedrive struct {
	resume      *checkpoint // where runProgram starts, for a redriven thread
	pendingRedo *kidLog     // the redriven state's children, until its first attempt
	redo        *kidLog     // the current attempt's children from before the redrive
	kids        *kidLog     // the current Map/Parallel attempt's children
	log         *kidLog     // the parent's log this thread reports to
	idx         int
	stop        *checkpoint // where this thread stopped
}

// resumeAt moves a redriven thread to the state it stopped in, with that state's input and
// the variables it had.
func (f *frame) resumeAt(name *string, input *any) {
	cp := f.rd.resume
	if cp == nil {
		return
	}
	f.rd.resume = nil
	*name, *input = cp.state, cp.input
	if cp.vars != nil {
		f.vars = cp.vars
	}
	f.rd.pendingRedo = cp.kids
}

// settle records how a thread ended: its result for the parent's log, or its checkpoint.
func (f *frame) settle(name *string, input *any, out *any, fl **failure) {
	if f.x.p.Express {
		return
	}
	if *fl == nil {
		if f.rd.log != nil {
			f.rd.log.slots[f.rd.idx] = kidOutcome{done: true, result: *out}
		}
		return
	}
	cp := &checkpoint{state: *name, input: *input, vars: snapshotScope(f.vars)}
	if k := f.rd.kids; k != nil && k.state == *name {
		cp.kids = k
	}
	f.rd.stop = cp
	if f.rd.log != nil {
		f.rd.log.slots[f.rd.idx] = kidOutcome{cp: cp}
	}
}

// snapshotScope copies a scope's own variables: a sequential Map reuses one scope for
// iterations that assign nothing, so a failed iteration's scope may change afterwards.
func snapshotScope(s *scope) *scope {
	if s == nil {
		return nil
	}
	return &scope{parent: s.parent, vars: maps.Clone(s.vars)}
}

// beginKids starts the log of a Map or Parallel attempt with n iterations or branches. The
// first attempt after a redrive takes the children recorded before it.
func (f *frame) beginKids(state string, n int) {
	f.rd.redo, f.rd.pendingRedo = f.rd.pendingRedo, nil
	if f.x.p.Express {
		f.rd.kids = nil
		return
	}
	f.rd.kids = &kidLog{state: state, slots: make([]kidOutcome, n)}
}

// shareKids makes g (a Distributed Map's stand-in parent frame) log into f's attempt.
func (g *frame) shareKids(f *frame) {
	g.rd.kids, g.rd.redo = f.rd.kids, f.rd.redo
}

// reused reports whether child i succeeded before a redrive; its result is then reused, and
// the child is not run again.
func (f *frame) reused(i int) (any, bool) {
	r := f.rd.redo
	if r == nil || i >= len(r.slots) || !r.slots[i].done {
		return nil, false
	}
	if k := f.rd.kids; k != nil && i < len(k.slots) {
		k.slots[i] = r.slots[i]
	}
	return r.slots[i].result, true
}

// track makes child c, the i-th iteration or branch, report its outcome, and restarts it
// where it stopped before a redrive.
func (f *frame) track(c *frame, i int) {
	k := f.rd.kids
	if k == nil || i >= len(k.slots) {
		return
	}
	c.rd.log, c.rd.idx = k, i
	if r := f.rd.redo; r != nil && i < len(r.slots) {
		c.rd.resume = r.slots[i].cp
	}
}

// keepCheckpoint stores where the execution's run stopped.
func (x *Execution) keepCheckpoint(f *frame) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.rd.cp = f.rd.stop
	if errors.Is(context.Cause(f.ctx), errHistoryLimit) {
		x.rd.blocked = ReasonHistory
	}
}

// resumeFrame points a redriven run's top frame at the ExecutionRedriven event and at the
// checkpoint of the previous attempt.
func (x *Execution) resumeFrame(f *frame) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.rd.count == 0 {
		return
	}
	f.cursor = x.rd.cursor
	f.rd.resume = x.rd.cp
}

// redriveReasonLocked says why the execution cannot be redriven at now ("" when it can).
func (x *Execution) redriveReasonLocked(now time.Time) string {
	select {
	case <-x.done:
	default:
		return ReasonRunning
	}
	switch {
	case x.p.Express:
		return ReasonExpress
	case x.status == StatusSucceeded:
		return ReasonSucceeded
	case x.status == StatusRunning:
		return ReasonRunning
	case x.rd.blocked != "":
		return x.rd.blocked
	case x.events.len()+1 >= x.e.maxEvents:
		return ReasonHistory
	case now.Sub(x.start) > maxOpenTime:
		return ReasonMaxTime
	case now.Sub(x.stop) > redrivablePeriod:
		return ReasonPeriod
	}
	return ""
}

// RedriveStatus reports whether the execution can be redriven now and, if not, why (AWS's
// redriveStatusReason).
func (x *Execution) RedriveStatus() (redrivable bool, reason string) {
	now := x.clk.Now()
	x.mu.Lock()
	defer x.mu.Unlock()
	reason = x.redriveReasonLocked(now)
	return reason == "", reason
}

// RedriveCount returns how many times the execution has been redriven.
func (x *Execution) RedriveCount() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.rd.count
}

// RedriveDate returns when the execution was last redriven.
func (x *Execution) RedriveDate() (time.Time, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.rd.date, x.rd.count > 0
}

// Redrive restarts a FAILED, TIMED_OUT or ABORTED Standard execution from the step that did
// not succeed (RedriveExecution) and returns the redrive date. An execution that cannot be
// redriven gives a *NotRedrivableError; a closed engine ErrEngineClosed.
func (x *Execution) Redrive() (time.Time, error) {
	e := x.e
	// A run that has just ended shows its status before its goroutine closes Done; a client
	// that saw FAILED may redrive at once, so let that goroutine finish first.
	x.mu.Lock()
	status, done := x.status, x.done
	x.mu.Unlock()
	if status != StatusRunning {
		<-done
	}
	x.sched.CatchUp()
	now := x.clk.Now()
	x.mu.Lock()
	if reason := x.redriveReasonLocked(now); reason != "" {
		x.mu.Unlock()
		return time.Time{}, &NotRedrivableError{Reason: reason}
	}
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		x.mu.Unlock()
		return time.Time{}, ErrEngineClosed
	}
	e.wg.Add(1)
	e.mu.Unlock()
	x.rd.count++
	x.rd.date = now
	x.execCx = x.execCx.With("RedriveCount", jsonInt(int64(x.rd.count))).With("RedriveTime", isoTime(now))
	x.status = StatusRunning
	x.stop = time.Time{}
	x.errName, x.hasErr, x.cause, x.hasCause = "", false, "", false
	x.outVal, x.output, x.encoded, x.hasOut = nil, "", false, false
	x.done = make(chan struct{})
	x.ctx, x.cancel = context.WithCancelCause(e.ctx)
	id := int64(x.events.len()) + 1
	ev := Event{ID: id, PreviousEventID: id - 1, Timestamp: now, Type: EvExecutionRedriven, Index: x.rd.count}
	x.events.add(ev)
	x.rd.cursor = id
	journal := x.jkey != "" && !x.p.Express
	if journal {
		// The redriven run is journaled like a first one (durable_redrive.go); its
		// ExecutionRedriven is durable before RedriveExecution answers.
		x.wal.off.Store(false)
		x.wal.events = append(x.wal.events, ev)
		x.wal.threads = append(x.wal.threads, "")
	}
	x.mu.Unlock()
	if journal {
		x.sync()
	}
	x.launch()
	return now, nil
}
