package interpreter

// A Distributed Map across a crash (the server's --data-dir; durable.go has the journal).
//
// A Map Run's children are executions of their own, and each journals its events like a
// top-level execution, under JournalKey(parent's key, child ARN), with its start in its
// first batch; a child's end makes its whole history durable, Succeeded too, since a child
// has no record of its own until its parent ends. The parent syncs its MapRunStarted
// before the first child starts. Children are named after the Map Run's ARN and their index
// (childArn), so a recovered parent finds each child's journal without a record of their
// names.
//
// When a recovered parent replays its MapRunStarted, the Map Run keeps its ARN, its start
// and the settings UpdateMapRun gave it (a journal mark), reads its items again, and then,
// before starting anything new:
//   - children whose journals reach their end are resumed (they replay to that end without
//     calling anything) and taken into account in the order they ended, so that the
//     failure count, the threshold and the first failure come out as they did;
//   - children that were running resume from their journals and go on live where they
//     stopped (a Task in flight runs again, as in any execution);
//   - the others start as they would have.
// The parent's own journal ends with MapRunStarted or a little later, so its thread goes live
// when the Map Run ends, as it would have.

import (
	"encoding/json"
	"sort"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// mapRunSettings are the Map Run settings UpdateMapRun changes, kept as a journal mark.
type mapRunSettings struct {
	MaxConcurrency int64   `json:"c"`
	TolPct         float64 `json:"p"`
	TolPctSet      bool    `json:"ps,omitempty"`
	TolCount       int64   `json:"n"`
	TolCountSet    bool    `json:"ns,omitempty"`
}

func (r *mapRun) settingsLocked() mapRunSettings {
	return mapRunSettings{MaxConcurrency: r.maxConc, TolPct: r.tolPct, TolPctSet: r.tolPctSet, TolCount: r.tolCount, TolCountSet: r.tolCountSet}
}

// keepSettings makes an UpdateMapRun durable before it is answered.
func (e *Engine) keepSettings(r *mapRun, s mapRunSettings) error {
	js := e.store()
	if js == nil || r.jkey == "" {
		return nil
	}
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return js.Mark(r.jkey, markMapRun+r.arn, b)
}

// recoverSettings gives a recovered Map Run the settings UpdateMapRun gave it before the
// crash.
func (f *frame) recoverSettings(r *mapRun) {
	if !r.recovered || f.x.replay == nil {
		return
	}
	b := f.x.replay.marks[markMapRun+r.arn]
	if b == nil {
		return
	}
	var s mapRunSettings
	if err := json.Unmarshal(b, &s); err != nil {
		f.x.e.log.Error("unreadable Map Run settings in the journal", zap.String("map_run_arn", r.arn), zap.Error(err))
		return
	}
	r.mu.Lock()
	r.maxConc, r.tolPct, r.tolPctSet, r.tolCount, r.tolCountSet = s.MaxConcurrency, s.TolPct, s.TolPctSet, s.TolCount, s.TolCountSet
	r.mu.Unlock()
}

// terminal reports whether an event type ends an execution.
func terminal(t string) bool {
	switch t {
	case EvExecutionSucceeded, EvExecutionFailed, EvExecutionAborted, EvExecutionTimedOut:
		return true
	}
	return false
}

// recoverChildren resumes the children of a recovered Map Run that have a journal (see the
// top of this file): those that had ended are replayed to their ends and settled in the
// order they ended, those that were running are launched and counted in live. It returns
// the indexes in todo that never started. The error is the parent's stop.
func (f *frame) recoverChildren(sm *StateMachine, run *mapRun, todo []int, settle func(int)) (rest []int, live int, err error) {
	js := f.x.e.store()
	if js == nil || run.jkey == "" {
		return todo, 0, nil
	}
	dry := f.x.replay != nil && f.x.replay.dry
	type kid struct {
		i      int
		x      *Execution
		launch func()
		rp     *replayLog
		end    time.Time
	}
	var ended, running []kid
	for _, i := range todo {
		arn := f.childArn(run, i)
		batches, jerr := js.Journal(JournalKey(run.jkey, arn))
		if jerr != nil {
			f.x.e.log.Error("cannot read a Map Run child's journal; it starts anew", zap.String("execution_arn", arn), zap.Error(jerr))
		}
		if len(batches) == 0 {
			rest = append(rest, i)
			continue
		}
		var first journalBatch
		start := run.start
		if json.Unmarshal(batches[0], &first) == nil && first.Start != nil {
			start = *first.Start
		}
		p := f.childParams(run, i, arn)
		cx, launch, rerr := f.x.e.resume(sm, ResumeParams{StartParams: p, Start: start, Journal: batches}, dry)
		if rerr != nil {
			f.x.e.log.Error("cannot resume a Map Run child; it starts anew", zap.String("execution_arn", arn), zap.Error(rerr))
			rest = append(rest, i)
			continue
		}
		k := kid{i: i, x: cx, launch: launch, rp: cx.replay}
		if last := cx.replay.events[len(cx.replay.events)-1]; terminal(last.Type) {
			// Settled below, in order: this end does not go through the dispatcher's
			// queue (a redrive's later end does).
			var settled atomic.Bool
			onDone := cx.p.OnDone
			cx.p.OnDone = func(c *Execution) {
				if settled.CompareAndSwap(false, true) {
					return
				}
				onDone(c)
			}
			k.end = last.Timestamp
			ended = append(ended, k)
		} else {
			running = append(running, k)
		}
		d := f.x.e.dist()
		d.mu.Lock()
		d.children[arn] = cx
		d.mu.Unlock()
		run.mu.Lock()
		u := run.units[i]
		u.x, u.arn, u.status = cx, arn, StatusRunning
		run.mu.Unlock()
	}
	if len(ended)+len(running) > 0 {
		f.x.e.log.Info("Map Run children resumed", zap.String("map_run_arn", run.arn),
			zap.Int("ended", len(ended)), zap.Int("running", len(running)), zap.Int("not_started", len(rest)))
	}
	sort.SliceStable(rest, func(a, b int) bool { return rest[a] < rest[b] })
	// The ones that were running go on first, so that an abort by the threshold reaches them.
	for _, k := range running {
		k.launch()
	}
	sort.SliceStable(ended, func(a, b int) bool { return ended[a].end.Before(ended[b].end) })
	for _, k := range ended {
		k.launch()
	}
	for _, k := range ended {
		if err := f.x.sched.Await(f.ctx, k.x.Done()); err != nil {
			return nil, len(running), err
		}
		if k.rp.dryLive.Load() {
			f.x.dryStop() // a Rebuild whose child went past its journal
		}
		settle(k.i)
	}
	return rest, len(running), nil
}
