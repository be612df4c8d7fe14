package interpreter

// Durable executions: the write-ahead journal and recovery by replay.
//
// With a Journal (the server's --data-dir), every Standard execution's events are made
// durable before any effect of the step that follows them starts: before a Task's service is
// called, before an activity task is handed out, before a Wait or a retry backoff starts to
// sleep, and whenever a client reads a running execution (Sync). Events between effects (a
// chain of Pass and Choice states) are kept in memory and written together with the next
// effect's, so the journal costs one group-committed write per effect, not per event. The
// ExecutionStarted event is not journaled: the API's execution record, durable before
// StartExecution answers, holds everything it says. A finished execution's history goes to
// the API's record in compact form; the journal of a finished execution is dropped.
//
// Each journaled event carries the key of the thread that recorded it (the execution, or
// "<started event id>.<index>" for a Parallel branch or a Map iteration) and, for the event
// that follows a task token's creation, that token.
//
// Recovery (Engine.Resume) is deterministic replay, chosen over per-thread checkpoints: the
// execution runs again from its start under the same code that ran it first, and every event
// a thread records is matched, in order, with the event that thread had journaled. While a
// thread has journaled events left it is replaying: its events take their recorded ids and
// timestamps (nothing is appended), its clock reads the recorded time, a Task or an activity
// takes its recorded outcome instead of being called, a Wait or a backoff whose end is
// recorded does not sleep. When a thread's journal runs out it goes live where it stopped:
// new events continue the ids after the last journaled one, and a timer started before the
// crash keeps its deadline (a Wait, a retry backoff, a Task or activity timeout, the
// execution timeout are measured from their recorded start). Checkpoints would have to
// capture every local of every state runner mid-flight (retry counters, Map slots, Parallel
// results, timers); replay rebuilds them from the one thing that must be durable anyway, the
// history, and makes "no finished state runs again" hold for every state type at once.
//
// What runs again: the effect that was in flight at the crash (at least once), except a
// Lambda invocation cut off mid-flight, which fails with Lambda.ServiceException so that the
// state's Retry decides, as AWS does; a callback Task whose message was sent (TaskSubmitted
// recorded) only waits again for its token; an activity handed out (ActivityStarted
// recorded) waits for its worker. Tokens are journaled, so a worker's SendTask* with a token
// from before the crash completes the task; the waiters of those tokens exist as soon as
// Resume returns, so a token sent before the replay reaches its task is kept for it.
//
// Time modes: in real (and scaled) time, recorded timestamps are wall-clock times, so a Wait
// whose deadline passed while the process was down ends as soon as its thread is replayed. In
// instant (virtual) time the recorded timestamps are virtual: the resumed execution's
// scheduler starts at its last recorded instant (clock.Sched.SkipTo), so its pending timers
// keep their virtual deadlines and fire as soon as nothing else runs, as they would have.
//
// Beyond events, the journal keeps marks (JournalStore): a task's last heartbeat, so that
// a heartbeat timeout runs on from it after a recovery (the time the process was down
// included), and a Map Run's settings after UpdateMapRun. A Distributed Map's children are
// journaled under their parent (distmap_durable.go), and a run that did not succeed leaves
// its checkpoint for a redrive, so that redriven runs resume and ended runs can be
// redriven after a restart (durable_redrive.go).
//
// Limits (what is not kept exactly):
//   - a replay relies on the definition being the one that ran (the API keeps it with the
//     execution) and on the path being the same: when a replayed thread records another event
//     than its journal says (a sibling's failure interrupting it in another order), the
//     thread goes live there, logged as a divergence; its journaled events stay in the history;
//   - a Task in flight runs again; task.Request.ScheduledEventID stays the same, so a
//     handler can find what the first run started: the API's startExecution integration
//     names a child without a Name after it and reattaches the child (running or ended)
//     instead of starting a second one.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/value"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// Journal makes executions' events durable.
type Journal interface {
	// Append durably records a batch of an execution's events (EncodeJournal's form) and
	// returns once it is durable. Batches of one execution come in order. key is the
	// execution's ARN, or for a Distributed Map's child its parent's key, NUL, 0xFF and its
	// own ARN (JournalKey), so that the parent's journal going takes its children's along.
	Append(key string, firstID int64, batch []byte) error
}

// JournalStore is a Journal that can also read journals back and keep marks next to them.
// With one, a Distributed Map's children resume from their own journals and the marks keep
// what is not an event: a task's last heartbeat, a Map Run's UpdateMapRun settings.
type JournalStore interface {
	Journal
	// Journal returns the batches appended under key, in order (only key's own, not its
	// children's or marks).
	Journal(key string) ([][]byte, error)
	// Mark durably sets the mark name of key's journal to value; it goes with the journal.
	Mark(key, name string, value []byte) error
	// Marks returns the marks of key's journal.
	Marks(key string) (map[string][]byte, error)
}

// JournalKey is the key under which a Distributed Map child's events are journaled: its
// parent's key, NUL, 0xFF and its ARN. The byte after the NUL tells children's keys (0xFF)
// and marks (0xFE) from the parent's own batches (8-byte big-endian first event ids, whose
// first byte is 0).
func JournalKey(parentKey, childArn string) string { return parentKey + "\x00\xff" + childArn }

// Names of the journal marks.
const (
	markHeartbeat = "hb/" // + token: the task's last heartbeat (Unix ns, decimal)
	markMapRun    = "mr/" // + Map Run ARN: its settings after UpdateMapRun (JSON)
)

// store returns the engine's journal as a JournalStore, if it is one.
func (e *Engine) store() JournalStore {
	s, _ := e.cfg.Journal.(JournalStore)
	return s
}

// mark durably sets one of the execution's journal marks; errors are logged (the caller
// has no client to tell, or answers anyway: a lost mark only shortens a heartbeat window).
func (x *Execution) mark(name string, value []byte) {
	s := x.e.store()
	if s == nil || !x.journaled() {
		return
	}
	if err := s.Mark(x.jkey, name, value); err != nil {
		x.e.log.Error("cannot journal an execution mark", zap.String("execution_arn", x.p.ExecutionArn), zap.Error(err))
	}
}

// journalBatch is a batch of journaled events.
type journalBatch struct {
	History []byte           `json:"h"`
	Threads []string         `json:"t"`
	Tokens  map[int64]string `json:"k,omitempty"`
	// Start is a Distributed Map child's start, in its first batch: a child has no record
	// of its own to keep it.
	Start *time.Time `json:"s,omitempty"`
	// End is the checkpoint of a run that did not succeed, with its last events
	// (durable_redrive.go).
	End *endCheckpoint `json:"e,omitempty"`
}

// wal is an execution's events recorded since the last journal write (guarded by
// Execution.mu), and the lock that keeps writes in order.
type wal struct {
	mu      sync.Mutex
	events  []Event
	threads []string
	tokens  map[int64]string
	cp      *endCheckpoint // the run's checkpoint, once it ended unsuccessfully
	off     atomic.Bool    // not journaled (ended, or a Rebuild)
}

// journaled reports whether the execution's events go to the journal: a Standard
// execution's, and a Distributed Map child's (Express too) when its parent's do.
func (x *Execution) journaled() bool {
	return x.jkey != "" && !x.wal.off.Load()
}

// journalKey is the key of an execution's journal ("" when it is not journaled).
func (e *Engine) journalKey(p StartParams) string {
	switch {
	case e.cfg.Journal == nil || p.test != nil:
		return "" // a TestState run is not an execution to resume
	case p.mapRun != nil:
		if p.mapRun.jkey == "" || e.store() == nil {
			return "" // a child's journal is only of use to a journal that reads it back
		}
		return JournalKey(p.mapRun.jkey, p.ExecutionArn)
	case p.Express:
		return ""
	}
	return p.ExecutionArn
}

// walAddLocked queues an event for the journal; x.mu is held.
func (x *Execution) walAddLocked(f *frame, ev Event) {
	if !x.journaled() {
		return
	}
	x.wal.events = append(x.wal.events, ev)
	x.wal.threads = append(x.wal.threads, f.tkey)
	if f.pendingTok != "" {
		if x.wal.tokens == nil {
			x.wal.tokens = map[int64]string{}
		}
		x.wal.tokens[ev.ID] = f.pendingTok
		f.pendingTok = ""
	}
}

// Sync makes every event recorded so far durable (a no-op without a journal). The API calls
// it before answering with a running execution's state.
func (x *Execution) Sync() { x.sync() }

func (x *Execution) sync() {
	if !x.journaled() {
		return
	}
	x.wal.mu.Lock()
	defer x.wal.mu.Unlock()
	x.mu.Lock()
	evs, threads, tokens, cp := x.wal.events, x.wal.threads, x.wal.tokens, x.wal.cp
	x.wal.events, x.wal.threads, x.wal.tokens, x.wal.cp = nil, nil, nil, nil
	x.mu.Unlock()
	if len(evs) == 0 {
		return
	}
	h, err := EncodeHistory(evs)
	if err == nil {
		var b []byte
		jb := journalBatch{History: h, Threads: threads, Tokens: tokens, End: cp}
		if x.p.mapRun != nil && evs[0].ID == 2 {
			jb.Start = &x.start
		}
		b, err = json.Marshal(jb)
		if err == nil {
			err = x.e.cfg.Journal.Append(x.jkey, evs[0].ID, b)
		}
	}
	if err != nil {
		x.e.log.Error("cannot journal execution events", zap.String("execution_arn", x.p.ExecutionArn), zap.Error(err))
	}
}

// dropWAL forgets the events not journaled yet: the execution has ended and its history
// goes to its record.
func (x *Execution) dropWAL() {
	x.mu.Lock()
	x.wal.events, x.wal.threads, x.wal.tokens, x.wal.cp = nil, nil, nil, nil
	x.wal.off.Store(true)
	x.mu.Unlock()
}

// replayLog is a recovered execution's journal, read-only once built.
type replayLog struct {
	events  []Event            // ids 1..N at index id-1
	threads map[string][]int64 // each thread's event ids in order
	tokens  map[int64]string
	// marks are the journal's marks (heartbeats, Map Run settings).
	marks map[string][]byte
	// waiters are the token waiters made at recovery, for tasks that were waiting.
	waiters map[string]*waiter
	// dry marks a Rebuild: the run must end within its journal; going live stops it.
	dry     bool
	dryLive atomic.Bool
	// end is the checkpoint journaled with the last unsuccessful end; redrive is what
	// the journal says of the redrives (durable_redrive.go).
	end     *endCheckpoint
	redrive redriveState
}

// errDryRun stops a Rebuild whose run would go past its journal.
var errDryRun = errors.New("rebuild went past the journal")

// dryStop stops a Rebuild that is about to do something its journal does not hold (call a
// service, hand out an activity, sleep); false when the run may go on.
func (x *Execution) dryStop() bool {
	if x.replay == nil || !x.replay.dry {
		return false
	}
	x.replay.dryLive.Store(true)
	x.cancel(errDryRun)
	return true
}

func threadKey(startedID int64, i int) string {
	return strconv.FormatInt(startedID, 10) + "." + strconv.Itoa(i)
}

// peek returns the next journaled event of f's thread while it replays.
func (f *frame) peek() (*Event, bool) {
	rp := f.x.replay
	if rp == nil || f.silent {
		return nil, false
	}
	ids := rp.threads[f.tkey]
	if f.tseq >= len(ids) {
		return nil, false
	}
	return &rp.events[ids[f.tseq]-1], true
}

// replaying reports whether f's thread has journaled events left.
func (f *frame) replaying() bool {
	_, ok := f.peek()
	return ok
}

// replayEmit matches ev with the thread's next journaled event: it returns that event's id
// when f replays, and false when the thread is live.
func (f *frame) replayEmit(ev *Event) (int64, bool) {
	rec, ok := f.peek()
	if !ok {
		f.anchor = time.Time{}
		f.x.dryStop()
		return 0, false
	}
	if rec.Type != ev.Type && f.x.replay.dry {
		f.x.dryStop()
		return 0, false
	}
	if rec.Type != ev.Type {
		// The run took another path than the journal says (a definition or service
		// change): the thread goes live; its journaled events stay in the history.
		f.x.e.log.Warn("replay diverged from the journal", zap.String("execution_arn", f.x.p.ExecutionArn),
			zap.Int64("event_id", rec.ID), zap.String("journaled", rec.Type), zap.String("replayed", ev.Type))
		f.tseq = len(f.x.replay.threads[f.tkey])
		f.anchor = time.Time{}
		return 0, false
	}
	f.tseq++
	f.anchor = rec.Timestamp
	return rec.ID, true
}

// Rebuild rebuilds the live run of a FAILED execution from its journal (written whole when it
// failed), without calling any service, so that it can be redriven after a restart. The run
// must end exactly where its journal does; otherwise Rebuild gives an error and nothing ran
// past the journal.
func (e *Engine) Rebuild(sm *StateMachine, p ResumeParams) (*Execution, error) {
	x, launch, err := e.resume(sm, p, true)
	if err != nil {
		return nil, err
	}
	n := len(x.replay.events)
	rp := x.replay
	launch()
	<-x.Done()
	if rp.dryLive.Load() || x.Status() != StatusFailed || x.events.len() != n {
		return nil, fmt.Errorf("execution %s cannot be rebuilt from its journal", p.ExecutionArn)
	}
	return x, nil
}

// now is the thread's time: the recorded time of its last replayed event while it replays.
func (f *frame) now() time.Time {
	if !f.anchor.IsZero() {
		return f.anchor
	}
	return f.clk.Now()
}

// since shortens a duration that started at the thread's recorded time by what has passed
// since: a timer armed during a replay keeps the deadline it had.
func (f *frame) since(d time.Duration) time.Duration {
	if f.anchor.IsZero() {
		return d
	}
	return d - f.clk.Now().Sub(f.anchor)
}

// sleep waits d (a Wait, a retry backoff) unless the thread's journal goes past it; the
// events before it are made durable first, so that its deadline survives a crash.
func (f *frame) sleep(d time.Duration) error {
	if d <= 0 || f.replaying() {
		return nil
	}
	if f.x.dryStop() {
		return errDryRun
	}
	d = f.since(d)
	if d <= 0 {
		return nil
	}
	f.x.sync()
	return clock.Sleep(f.ctx, f.clk, d)
}

// taskToken returns the token of a callback or activity Task: the journaled one on replay.
func (f *frame) taskToken() string {
	if rec, ok := f.peek(); ok {
		if t := f.x.replay.tokens[rec.ID]; t != "" {
			return t
		}
	}
	t := newToken()
	f.pendingTok = t
	return t
}

// replayedWaiter returns the waiter made at recovery for token, if any.
func (x *Execution) replayedWaiter(token string) *waiter {
	if x.replay == nil {
		return nil
	}
	return x.replay.waiters[token]
}

// errLambdaInterrupted is the failure of a Lambda invocation cut off by a crash.
const errLambdaService = "Lambda.ServiceException"

// outcomeOf turns a journaled task outcome into what the Task state got.
func outcomeOf(rec *Event) (any, *failure, bool) {
	switch rec.Type {
	case EvTaskSucceeded, EvLambdaSucceeded, EvActivitySucceeded:
		if rec.Output == nil {
			return nil, nil, true
		}
		raw, ok := rec.Output.(RawJSON)
		if !ok {
			return rec.Output, nil, true
		}
		v, err := task.Decode([]byte(raw))
		if err != nil {
			return nil, newFailure(errRuntime, err.Error()), true
		}
		return v, nil, true
	case EvTaskFailed, EvLambdaFailed, EvActivityFailed, EvTaskTimedOut, EvLambdaTimedOut, EvActivityTimedOut:
		var fl *failure
		if d := rec.Details; d != nil {
			fl = &failure{err: d.Error, cause: d.Cause, hasErr: d.HasError, hasCause: d.HasCause}
		} else {
			fl = &failure{}
		}
		switch rec.Type {
		case EvTaskTimedOut, EvLambdaTimedOut, EvActivityTimedOut:
			if !fl.hasCause {
				fl = timeoutFailure()
			}
			if rec.Type == EvActivityTimedOut && fl.err != errTimeout {
				fl.err = errTimeout
			}
		}
		return nil, fl, true
	}
	return nil, nil, false
}

// taskReplay is what a replayed Task does after TaskStarted.
type taskReplay int

const (
	taskLive        taskReplay = iota // not replaying: call the service
	taskDone                          // the outcome is journaled
	taskAwait                         // TaskSubmitted journaled for a callback: wait for the token again
	taskInterrupted                   // a Lambda invocation cut off by the crash
)

// replayTask decides a Task's fate after its TaskStarted (or LambdaFunctionStarted) event.
func (f *frame) replayTask(st *state, req *task.Request) (taskReplay, any, *failure) {
	if f.x.replay == nil {
		return taskLive, nil, nil
	}
	rec, ok := f.peek()
	if ok && rec.Type == EvTaskSubmitted {
		req.Submitted(rec.Output)
		rec, ok = f.peek()
		if !ok {
			if st.pattern == task.WaitForTaskToken {
				return taskAwait, nil, nil
			}
			return taskLive, nil, nil // .sync: run again (at least once)
		}
	}
	if ok {
		if res, fl, done := outcomeOf(rec); done {
			return taskDone, res, fl
		}
		return taskLive, nil, nil
	}
	if (st.service == "lambda" || st.legacy) && !f.anchor.IsZero() && f.wasStarted() {
		return taskInterrupted, nil, &failure{err: errLambdaService, hasErr: true, hasCause: true,
			cause: "The Lambda invocation was interrupted: sfnlocal stopped while the function ran."}
	}
	return taskLive, nil, nil
}

// wasStarted reports whether the thread's last replayed event was a Task's start, i.e. the
// service call was in flight when the journal ends.
func (f *frame) wasStarted() bool {
	ids := f.x.replay.threads[f.tkey]
	if f.tseq == 0 || f.tseq != len(ids) {
		return false
	}
	t := f.x.replay.events[ids[f.tseq-1]-1].Type
	return t == EvTaskStarted || t == EvLambdaStarted
}

// ResumeParams describes an execution to resume.
type ResumeParams struct {
	StartParams
	// Start is the execution's recorded start.
	Start time.Time
	// Journal is the execution's journaled batches in order.
	Journal [][]byte
}

// Resume rebuilds an execution that was running when an earlier process stopped, from its
// journal (see the top of this file). The execution does not run until launch is called:
// a caller resuming several executions registers them all first, so that a parent's
// replayed .sync Task finds its child.
func (e *Engine) Resume(sm *StateMachine, p ResumeParams) (x *Execution, launch func(), err error) {
	return e.resume(sm, p, false)
}

func (e *Engine) resume(sm *StateMachine, p ResumeParams, dry bool) (x *Execution, launch func(), err error) {
	if sm == nil {
		return nil, nil, errors.New("nil state machine")
	}
	text := p.Input
	if text == "" {
		text = "{}"
	}
	input, err := p.inputValue, error(nil)
	if !p.hasInputValue {
		input, err = task.Decode([]byte(text))
	}
	if err != nil {
		return nil, nil, fmt.Errorf("invalid execution input: %w", err)
	}
	p.Input = text
	sp := p.StartParams
	rp := &replayLog{threads: map[string][]int64{}, tokens: map[int64]string{}, waiters: map[string]*waiter{}, dry: dry}
	jkey := e.journalKey(sp)
	rp.events = append(rp.events, Event{ID: 1, Timestamp: p.Start, Type: EvExecutionStarted, Input: RawJSON(text),
		Details: &Details{RoleArn: sp.RoleArn, StateMachineAliasArn: sp.StateMachineAliasArn, StateMachineVersionArn: sp.StateMachineVersionArn}})
	last := p.Start
batches:
	for _, b := range p.Journal {
		var jb journalBatch
		if err := json.Unmarshal(b, &jb); err != nil {
			e.log.Error("unreadable journal batch; the execution resumes before it", zap.String("execution_arn", sp.ExecutionArn), zap.Error(err))
			break
		}
		evs, err := DecodeHistory(jb.History)
		if err != nil || len(evs) != len(jb.Threads) {
			e.log.Error("unreadable journal batch; the execution resumes before it", zap.String("execution_arn", sp.ExecutionArn))
			break
		}
		for i, ev := range evs {
			if ev.ID != int64(len(rp.events))+1 {
				e.log.Error("gap in an execution journal; it resumes before it", zap.String("execution_arn", sp.ExecutionArn), zap.Int64("event_id", ev.ID))
				break batches
			}
			rp.events = append(rp.events, ev)
			if ev.Type == EvExecutionRedriven {
				// A redrive: what came before is history; the threads replayed are the
				// redriven run's, from the checkpoint the last run left.
				rp.threads = map[string][]int64{}
				rp.redrive = redriveState{count: int(ev.Index), date: ev.Timestamp, cursor: ev.ID}
				if rp.end != nil && !rp.end.Missing {
					rp.redrive.cp = rp.end.CP
				}
				rp.end = nil
				continue
			}
			rp.threads[jb.Threads[i]] = append(rp.threads[jb.Threads[i]], ev.ID)
			if t := jb.Tokens[ev.ID]; t != "" {
				rp.tokens[ev.ID] = t
			}
			if ev.Timestamp.After(last) {
				last = ev.Timestamp
			}
		}
		if jb.End != nil {
			rp.end = jb.End
		}
	}
	if rp.redrive.count > 0 && rp.redrive.cp == nil && !dry {
		return nil, nil, fmt.Errorf("execution %s was redriven, and its journal does not hold the checkpoint the redrive started from", sp.ExecutionArn)
	}
	if st := e.store(); st != nil && jkey != "" && hasMarks(rp.events) {
		if rp.marks, err = st.Marks(jkey); err != nil {
			e.log.Error("cannot read an execution's journal marks", zap.String("execution_arn", sp.ExecutionArn), zap.Error(err))
		}
	}
	for name, b := range rp.marks {
		// A heartbeat is a recorded instant too (on a virtual clock, a virtual one).
		if t, ok := beatTime(b); ok && strings.HasPrefix(name, markHeartbeat) && t.After(last) {
			last = t
		}
	}
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil, nil, ErrEngineClosed
	}
	e.wg.Add(1)
	e.mu.Unlock()
	sched := sp.Sched
	if sched == nil {
		sched = schedFor(e)
	}
	// On a virtual clock, recorded times are virtual: time resumes from the last one.
	sched.SkipTo(last)
	x = &Execution{e: e, sm: sm, p: sp, clk: sched, sched: sched, rng: jitterSource(sp), input: input, start: p.Start, done: make(chan struct{}), status: StatusRunning, replay: rp, jkey: jkey}
	x.execCx = startContext(x, input)
	x.smCx = value.ObjectOf("Id", sp.StateMachineArn, "Name", sp.StateMachineName)
	x.ctx, x.cancel = context.WithCancelCause(e.ctx)
	if r := rp.redrive; r.count > 0 {
		// The redriven run restarts from its checkpoint (redrive.go, resumeFrame).
		x.rd.count, x.rd.date, x.rd.cursor = r.count, r.date, r.cursor
		x.execCx = x.execCx.With("RedriveCount", jsonInt(int64(r.count))).With("RedriveTime", isoTime(r.date))
		if !dry {
			cp, err := x.decodeCheckpoint(r.cp)
			if err != nil {
				x.cancel(nil)
				e.wg.Done()
				return nil, nil, fmt.Errorf("execution %s: the checkpoint its redrive started from: %w", sp.ExecutionArn, err)
			}
			x.rd.cp = cp
		}
	}
	for i := range rp.events {
		x.events.add(rp.events[i])
	}
	if dry {
		x.wal.off.Store(true)
		return x, x.launch, nil
	}
	// Tasks waiting for a token when the process stopped wait again from now on, so that a
	// SendTask* arriving before their replay gets there is kept for them.
	for key, ids := range rp.threads {
		_ = key
		lastEv := rp.events[ids[len(ids)-1]-1]
		switch lastEv.Type {
		case EvTaskScheduled, EvTaskStarted, EvTaskSubmitted, EvActivityScheduled, EvActivityStarted:
		default:
			continue
		}
		for j := len(ids) - 1; j >= 0; j-- {
			if tok := rp.tokens[ids[j]]; tok != "" {
				w := &waiter{x: x, results: make(chan callbackResult, 1), heartbeat: make(chan struct{}, 1), started: make(chan string, 1)}
				w.lastBeat, _ = beatTime(rp.marks[markHeartbeat+tok])
				rp.waiters[tok] = w
				e.registerWaiter(tok, w)
				break
			}
		}
	}
	return x, x.launch, nil
}

// SetJournal sets the engine's journal; call it before the first Start.
func (e *Engine) SetJournal(j Journal) { e.cfg.Journal = j }

// releaseAck lets the SendTask* call that delivered the task's result answer, once the
// outcome the thread recorded is durable.
func (f *frame) releaseAck() {
	if f.ack == nil {
		return
	}
	f.x.sync()
	close(f.ack)
	f.ack = nil
}

// heartbeatLeft is how long the heartbeat timer of a task waiting for w runs first: the
// whole interval live, and after a recovery what is left of it since the later of the
// thread's recorded time (the wait began) and the last heartbeat journaled.
func (f *frame) heartbeatLeft(w *waiter, d time.Duration) time.Duration {
	from := f.anchor
	if w != nil && w.lastBeat.After(from) {
		from = w.lastBeat
	}
	if from.IsZero() {
		return d
	}
	return d - f.clk.Now().Sub(from)
}

// beat journals a task's heartbeat (its time on the execution's clock), so that a recovery
// measures the heartbeat timeout from it.
func (x *Execution) beat(token string) {
	if x.journaled() {
		x.mark(markHeartbeat+token, strconv.AppendInt(nil, x.clk.Now().UnixNano(), 10))
	}
}

// beatTime reads a heartbeat mark (false when there is none).
func beatTime(b []byte) (time.Time, bool) {
	ns, err := strconv.ParseInt(string(b), 10, 64)
	if b == nil || err != nil {
		return time.Time{}, false
	}
	return time.Unix(0, ns).UTC(), true
}

// hasMarks reports whether a journal's events may have marks to go with them: a task that
// may have heartbeats (its token handed out), or a Map Run that may have been updated.
func hasMarks(events []Event) bool {
	for i := range events {
		switch events[i].Type {
		case EvTaskSubmitted, EvTaskStarted, EvActivityScheduled, EvActivityStarted, EvMapRunStarted:
			return true
		}
	}
	return false
}
