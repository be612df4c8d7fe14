package interpreter

// Redrives across a restart (the server's --data-dir; durable.go has the journal).
//
// A run that does not succeed leaves a checkpoint (redrive.go): where each unsuccessful
// thread stopped, with its input and variables, and which iterations or branches had
// succeeded with what result. With a journal, the batch that makes such a run's end durable
// carries that checkpoint too, encoded (checkpointJSON), and a redrive journals its
// ExecutionRedriven event and every event after it, like a first run. So:
//   - a redriven execution that was running at a crash resumes (Engine.Resume): the events
//     before its last ExecutionRedriven are history only, the redrive restarts from the
//     journaled checkpoint, and its own events replay from the journal as a first run's do;
//   - an execution that ended FAILED, TIMED_OUT or ABORTED before a restart can be redriven
//     after it (Engine.Restore): it is rebuilt from its journal, ended, with its checkpoint,
//     without running anything.
//
// A checkpoint inside a Distributed Map's Map Run holds the Map Run (its settings, items and
// children's names and statuses); the children, journaled under their parent, are restored
// from their own journals (distmap_durable.go).

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// checkpointJSON is a checkpoint as journaled.
type checkpointJSON struct {
	State string          `json:"s"`
	Input json.RawMessage `json:"i"`
	// Vars is the variables' scope chain, innermost first; absent when the thread kept
	// the scope it had.
	Vars []map[string]json.RawMessage `json:"v,omitempty"`
	Kids *kidLogJSON                  `json:"k,omitempty"`
}

type kidLogJSON struct {
	State string        `json:"s"`
	Slots []kidSlotJSON `json:"o"`
	// Run is a Distributed Map's Map Run (distmap_durable.go).
	Run *mapRunJSON `json:"m,omitempty"`
}

type kidSlotJSON struct {
	Done   bool            `json:"d,omitempty"`
	Result json.RawMessage `json:"r,omitempty"`
	CP     *checkpointJSON `json:"c,omitempty"`
}

func encodeRaw(v any) (json.RawMessage, error) {
	s, err := EncodeValue(v)
	return json.RawMessage(s), err
}

func decodeRaw(b json.RawMessage) (any, error) {
	if len(b) == 0 {
		return nil, nil
	}
	return task.Decode(b)
}

// encodeCheckpoint encodes cp (nil gives nil).
func encodeCheckpoint(cp *checkpoint) (*checkpointJSON, error) {
	if cp == nil {
		return nil, nil
	}
	in, err := encodeRaw(cp.input)
	if err != nil {
		return nil, err
	}
	out := &checkpointJSON{State: cp.state, Input: in}
	for s := cp.vars; s != nil; s = s.parent {
		m := make(map[string]json.RawMessage, len(s.vars))
		for k, v := range s.vars {
			if m[k], err = encodeRaw(v); err != nil {
				return nil, err
			}
		}
		out.Vars = append(out.Vars, m)
	}
	if k := cp.kids; k != nil {
		kj := &kidLogJSON{State: k.state, Slots: make([]kidSlotJSON, len(k.slots))}
		if k.run != nil {
			if kj.Run, err = encodeMapRun(k.run); err != nil {
				return nil, err
			}
		}
		for i, s := range k.slots {
			kj.Slots[i].Done = s.done
			if s.done {
				if kj.Slots[i].Result, err = encodeRaw(s.result); err != nil {
					return nil, err
				}
			}
			if kj.Slots[i].CP, err = encodeCheckpoint(s.cp); err != nil {
				return nil, err
			}
		}
		out.Kids = kj
	}
	return out, nil
}

// decodeCheckpoint rebuilds a checkpoint of x; a Map Run in it is restored with its
// children (distmap_durable.go).
func (x *Execution) decodeCheckpoint(c *checkpointJSON) (*checkpoint, error) {
	if c == nil {
		return nil, nil
	}
	in, err := decodeRaw(c.Input)
	if err != nil {
		return nil, err
	}
	cp := &checkpoint{state: c.State, input: in}
	// The chain is journaled innermost first: rebuild it from the root down.
	var parent *scope
	for i := len(c.Vars) - 1; i >= 0; i-- {
		s := &scope{parent: parent, vars: make(map[string]any, len(c.Vars[i]))}
		for k, raw := range c.Vars[i] {
			if s.vars[k], err = decodeRaw(raw); err != nil {
				return nil, err
			}
		}
		parent = s
	}
	cp.vars = parent
	if kj := c.Kids; kj != nil {
		k := &kidLog{state: kj.State, slots: make([]kidOutcome, len(kj.Slots))}
		for i, s := range kj.Slots {
			k.slots[i].done = s.Done
			if s.Done {
				if k.slots[i].result, err = decodeRaw(s.Result); err != nil {
					return nil, err
				}
			}
			if k.slots[i].cp, err = x.decodeCheckpoint(s.CP); err != nil {
				return nil, err
			}
		}
		if kj.Run != nil {
			if k.run, err = x.restoreMapRun(kj.State, kj.Run); err != nil {
				return nil, err
			}
		}
		cp.kids = k
	}
	return cp, nil
}

// endCheckpoint is what the journal keeps of a run that did not succeed: its checkpoint,
// or a note that it could not be encoded.
type endCheckpoint struct {
	CP      *checkpointJSON `json:"c,omitempty"`
	Missing bool            `json:"m,omitempty"`
}

// journalCheckpointLocked queues the run's checkpoint with its last events; x.mu is held.
func (x *Execution) journalCheckpointLocked() {
	if !x.journaled() {
		return
	}
	cp, err := encodeCheckpoint(x.rd.cp)
	if err != nil {
		x.wal.cp = &endCheckpoint{Missing: true}
		return
	}
	x.wal.cp = &endCheckpoint{CP: cp}
}

// redriveState is what a journal says of an execution's redrives: how many, the last
// ExecutionRedriven event, and the checkpoint it restarted from (nil when the journal does
// not hold it).
type redriveState struct {
	count  int
	date   time.Time
	cursor int64
	cp     *checkpointJSON
}

// Restore rebuilds an execution that ended FAILED, TIMED_OUT or ABORTED before this process
// started, from its journal (whole up to its end, with its checkpoint), without running
// anything, so that it can be redriven. It fails when the journal does not hold the end or
// its checkpoint.
func (e *Engine) Restore(sm *StateMachine, p ResumeParams) (*Execution, error) {
	return e.restoreEnded(sm, p, true)
}

// restoreEnded rebuilds an ended execution from its journal without running anything: a
// top-level one (Restore), or a Map Run's child (a SUCCEEDED one too) when its parent's
// checkpoint is restored. withCP requires the checkpoint of an unsuccessful end.
func (e *Engine) restoreEnded(sm *StateMachine, p ResumeParams, withCP bool) (*Execution, error) {
	x, _, err := e.resume(sm, p, true)
	if err != nil {
		return nil, err
	}
	defer e.wg.Done() // the run is never launched
	ok := false
	defer func() {
		if !ok {
			x.cancel(nil)
		}
	}()
	rp := x.replay
	last := rp.events[len(rp.events)-1]
	status := endStatus(last.Type)
	if status == "" {
		return nil, fmt.Errorf("execution %s: its journal does not hold its end", p.ExecutionArn)
	}
	var cp *checkpoint
	if status != StatusSucceeded {
		if rp.end == nil || rp.end.Missing {
			if withCP {
				return nil, fmt.Errorf("execution %s: its journal does not hold its checkpoint", p.ExecutionArn)
			}
		} else if cp, err = x.decodeCheckpoint(rp.end.CP); err != nil {
			return nil, fmt.Errorf("execution %s: its checkpoint: %w", p.ExecutionArn, err)
		}
	}
	var out any
	if status == StatusSucceeded {
		if raw, ok := last.Output.(RawJSON); ok {
			if out, err = task.Decode([]byte(raw)); err != nil {
				return nil, fmt.Errorf("execution %s: its output: %w", p.ExecutionArn, err)
			}
		} else {
			out = last.Output
		}
	}
	x.mu.Lock()
	x.replay = nil
	x.status, x.stop = status, last.Timestamp
	if status == StatusSucceeded {
		x.outVal, x.hasOut = out, true
	} else if d := last.Details; d != nil {
		x.errName, x.hasErr, x.cause, x.hasCause = d.Error, d.HasError, d.Cause, d.HasCause
	}
	x.rd.cp = cp
	x.mu.Unlock()
	ok = true
	x.cancel(nil)
	close(x.done)
	return x, nil
}
