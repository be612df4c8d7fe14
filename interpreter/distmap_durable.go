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
//
// A redrive continues a Map Run (distmap.go). When the execution's unsuccessful end is
// restored from its checkpoint after a restart (durable_redrive.go), the checkpoint holds the
// Map Run (mapRunJSON: settings, counts, the items and each child's name, status and redrive
// count); restoreMapRun rebuilds it and its children from their journals: ended ones as
// ended executions that can be redriven, and, when the redrive was in flight at a crash, the
// ones it had redriven go on (resumed) or keep the end they reached; recoverChildren then
// takes those into account instead of redriving them again.

import (
	"encoding/json"
	"fmt"
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
	r.applyLocked(s)
	r.mu.Unlock()
}

func (r *mapRun) applyLocked(s mapRunSettings) {
	r.maxConc, r.tolPct, r.tolPctSet, r.tolCount, r.tolCountSet = s.MaxConcurrency, s.TolPct, s.TolPctSet, s.TolCount, s.TolCountSet
}

// childJournal returns the ResumeParams of child i of run, named arn, from its journal;
// false when it has none (it never made anything durable).
func (x *Execution) childJournal(js JournalStore, run *mapRun, i int, arn string) (ResumeParams, bool, error) {
	batches, err := js.Journal(JournalKey(run.jkey, arn))
	if err != nil || len(batches) == 0 {
		return ResumeParams{}, false, err
	}
	start := run.start
	var first journalBatch
	if json.Unmarshal(batches[0], &first) == nil && first.Start != nil {
		start = *first.Start
	}
	return ResumeParams{StartParams: x.childParams(run, i, arn), Start: start, Journal: batches}, true, nil
}

// endStatus is the status an execution's terminal event gives it ("" for another event).
func endStatus(eventType string) string {
	switch eventType {
	case EvExecutionSucceeded:
		return StatusSucceeded
	case EvExecutionFailed:
		return StatusFailed
	case EvExecutionTimedOut:
		return StatusTimedOut
	case EvExecutionAborted:
		return StatusAborted
	}
	return ""
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
	d := f.x.e.dist()
	for _, i := range todo {
		if u := run.units[i]; u.x != nil && !run.express {
			// A Map Run restored from a checkpoint: its children are restored already
			// (restoreMapRun). One redriven since the checkpoint went on in this redrive
			// before the crash; the others are redriven now.
			if u.x.RedriveCount() <= u.cpRedrives {
				rest = append(rest, i)
				continue
			}
			k := kid{i: i, x: u.x}
			if u.resumed {
				running = append(running, k) // its end goes through the dispatcher's queue
			} else {
				k.end, _ = u.x.StopDate()
				ended = append(ended, k)
			}
			run.mu.Lock()
			u.status = StatusRunning
			run.mu.Unlock()
			continue
		}
		arn := f.childArn(run, i)
		rp, found, jerr := f.x.childJournal(js, run, i, arn)
		if jerr != nil {
			f.x.e.log.Error("cannot read a Map Run child's journal; it starts anew", zap.String("execution_arn", arn), zap.Error(jerr))
		}
		if !found {
			rest = append(rest, i)
			continue
		}
		cx, launch, rerr := f.x.e.resume(sm, rp, dry)
		if rerr != nil {
			f.x.e.log.Error("cannot resume a Map Run child; it starts anew", zap.String("execution_arn", arn), zap.Error(rerr))
			rest = append(rest, i)
			continue
		}
		k := kid{i: i, x: cx, launch: launch, rp: cx.replay}
		if last := cx.replay.events[len(cx.replay.events)-1]; endStatus(last.Type) != "" {
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
		d.addChild(run, i, arn, cx)
	}
	if len(ended)+len(running) > 0 {
		f.x.e.log.Info("Map Run children resumed", zap.String("map_run_arn", run.arn),
			zap.Int("ended", len(ended)), zap.Int("running", len(running)), zap.Int("not_started", len(rest)))
	}
	// The ones that were running go on first, so that an abort by the threshold reaches them.
	for _, k := range running {
		if k.launch != nil {
			k.launch()
		}
	}
	sort.SliceStable(ended, func(a, b int) bool { return ended[a].end.Before(ended[b].end) })
	for _, k := range ended {
		if k.launch != nil {
			k.launch()
		}
	}
	for _, k := range ended {
		if err := f.x.sched.Await(f.ctx, k.x.Done()); err != nil {
			return nil, len(running), err
		}
		if k.rp != nil && k.rp.dryLive.Load() {
			f.x.dryStop() // a Rebuild whose child went past its journal
		}
		settle(k.i)
	}
	return rest, len(running), nil
}

// mapRunJSON is a Map Run as a checkpoint keeps it: enough to continue it in a redrive after
// a restart. Its children are named, not kept: each is restored from its own journal.
type mapRunJSON struct {
	Arn         string         `json:"a"`
	Start       time.Time      `json:"s"`
	Stop        time.Time      `json:"e,omitzero"`
	Status      string         `json:"st"`
	Settings    mapRunSettings `json:"c"`
	Items       int64          `json:"n"`
	Written     int64          `json:"w,omitempty"`
	Redrives    int            `json:"r,omitempty"`
	RedriveDate time.Time      `json:"rd,omitzero"`
	Units       []mapUnitJSON  `json:"u"`
}

type mapUnitJSON struct {
	Input  json.RawMessage `json:"i"`
	Items  int             `json:"n"`
	Arn    string          `json:"a,omitempty"`
	Status string          `json:"s,omitempty"`
	// Redrives is the child's redrive count when the checkpoint was taken.
	Redrives int `json:"r,omitempty"`
}

// encodeMapRun encodes a Map Run of a checkpoint (it has ended: nothing changes it).
func encodeMapRun(r *mapRun) (*mapRunJSON, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := &mapRunJSON{Arn: r.arn, Start: r.start, Stop: r.stop, Status: r.status, Settings: r.settingsLocked(),
		Items: r.items, Written: r.written, Redrives: r.redrives, RedriveDate: r.redriveDate, Units: make([]mapUnitJSON, len(r.units))}
	for i, u := range r.units {
		in, err := encodeRaw(u.input)
		if err != nil {
			return nil, err
		}
		out.Units[i] = mapUnitJSON{Input: in, Items: u.items, Arn: u.arn, Status: u.status}
		if u.x != nil {
			out.Units[i].Redrives = u.x.RedriveCount()
		}
	}
	return out, nil
}

// findDistMap finds the Distributed Map state named name in prog (inside Parallel branches
// and inline Maps too; a Distributed Map's ItemProcessor is its children's machine).
func findDistMap(prog *program, name string) *state {
	if prog == nil {
		return nil
	}
	if st := prog.states[name]; st != nil && st.dist != nil {
		return st
	}
	for _, st := range prog.states {
		for _, b := range st.branches {
			if found := findDistMap(b, name); found != nil {
				return found
			}
		}
		if st.dist == nil {
			if found := findDistMap(st.processor, name); found != nil {
				return found
			}
		}
	}
	return nil
}

// restoreMapRun rebuilds the Map Run of x's Distributed Map state name from a checkpoint, and
// its children from their journals: those that had ended as ended executions (without
// running anything), those that were running (a redrive in flight at a crash) resumed and
// launched. The Map Run is registered as a live one and marked recovered, so that the redrive
// that continues it takes the children that had already gone on into account
// (recoverChildren).
func (x *Execution) restoreMapRun(name string, m *mapRunJSON) (*mapRun, error) {
	st := findDistMap(x.sm.top, name)
	if st == nil {
		return nil, fmt.Errorf("no Distributed Map state %q", name)
	}
	r := x.mapRunOf(st, m.Arn)
	r.status, r.start, r.stop, r.recovered = m.Status, m.Start, m.Stop, true
	r.applyLocked(m.Settings) // not shared yet
	r.items, r.written, r.redrives, r.redriveDate = m.Items, m.Written, m.Redrives, m.RedriveDate
	r.units = make([]*mapUnit, len(m.Units))
	for i, uj := range m.Units {
		in, err := decodeRaw(uj.Input)
		if err != nil {
			return nil, err
		}
		r.units[i] = &mapUnit{input: in, items: uj.Items, arn: uj.Arn, status: uj.Status, cpRedrives: uj.Redrives}
	}
	d := x.e.dist()
	js := x.e.store()
	sm := childMachine(st)
	var launches []func()
	for i, u := range r.units {
		if u.arn == "" || js == nil || r.express {
			// Express children are not redriven but started anew: only their outcome
			// counts, as the checkpoint has it.
			continue
		}
		rp, found, err := x.childJournal(js, r, i, u.arn)
		if err != nil {
			return nil, err
		}
		if !found {
			u.arn, u.status = "", "" // never journaled: it starts anew
			continue
		}
		cx, err := x.e.restoreEnded(sm, rp, false)
		if err != nil {
			// Not ended: its redrive was in flight at the crash; it goes on.
			var launch func()
			if cx, launch, err = x.e.resume(sm, rp, false); err != nil {
				return nil, fmt.Errorf("child %s: %w", u.arn, err)
			}
			launches = append(launches, launch)
			u.resumed = true
		}
		u.x = cx
		d.mu.Lock()
		d.children[u.arn] = cx
		d.mu.Unlock()
	}
	d.addRun(r)
	for _, l := range launches {
		l()
	}
	return r, nil
}
