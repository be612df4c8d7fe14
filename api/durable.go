package api

// Durable state (the server's --data-dir): the Service keeps its resources in a
// store.Durable, journals every execution's events through the engine (write-ahead, see
// interpreter/durable.go), and Recover resumes, at start, the executions that were running
// when the previous process stopped.
//
// Write-ahead at this level: StartExecution answers once the execution's record is durable
// (the record is written outside the Service's lock, so that concurrent starts share one
// group commit); DescribeExecution and GetExecutionHistory of a running execution first make
// its events durable, so that nothing a client was shown is lost. A finished execution's
// record and compact history are written asynchronously: until that write is durable, a crash
// makes the execution run again from its journal, which gives the same result.
//
// Retention: with a durable store, finished executions are kept for Options.Retention of
// virtual time (the service clock), the oldest removed first; MaxExecutions only bounds how
// many finished executions keep a live handle in memory (the ones that could be redriven).
//
// What a restart keeps: state machines, versions, aliases, tags, activities, every execution's
// record and history, running executions (resumed, redriven ones too), task tokens handed
// out, the last heartbeat of each waiting task, running Distributed Map Runs with their
// children, the redrivability of FAILED, TIMED_OUT and ABORTED executions (rebuilt from their
// journals, interpreter/durable_redrive.go) and the clientTokens of their redrives, and the
// pagination key (a nextToken from before a restart still works). What it does not: Express
// executions, which AWS does not record either; the in-memory per-state coverage counters.
// A clean shutdown leaves running executions RUNNING, as a crash does.

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/api/store"
	"github.com/sfnlocal/sfnlocal/interpreter"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// DefaultRetention is Options.Retention's default: AWS keeps closed executions 90 days.
const DefaultRetention = 90 * 24 * time.Hour

// Journaler is implemented by engines that can make executions' events durable.
type Journaler interface {
	SetJournal(interpreter.Journal)
}

// Resumer is implemented by engines that can resume an execution from its journal.
type Resumer interface {
	Resume(p Program, sp StartParams, start time.Time, journal [][]byte) (Run, func(), error)
}

// syncer is a run that can make its events durable.
type syncer interface{ Sync() }

// syncRun makes a running execution's events durable before they are shown to a client.
func syncRun(ex *execution) {
	if ex == nil {
		return
	}
	if sy, ok := ex.run.(syncer); ok {
		sy.Sync()
	}
}

// putExecution writes an execution record and returns a function that waits for it to be
// durable (nil when the store writes synchronously).
func (s *Service) putExecution(rec store.Execution) func() error {
	if d, ok := s.store.(*store.Durable); ok {
		return d.PutExecutionAsync(rec)
	}
	s.store.PutExecution(rec)
	return nil
}

// keepFinishedDurableLocked records a finished execution in a durable store and removes the
// executions past the retention period. s.mu is held.
func (s *Service) keepFinishedDurableLocked(d *store.Durable, rec store.Execution) {
	_ = s.putExecution(rec) // asynchronous: see the top of this file
	if m, ok := s.engine.(MapRunner); ok && s.savedRuns != nil {
		// Its Map Runs and their children, for the Map Run operations after a restart.
		if err := s.savedRuns.record(m, rec.Arn); err != nil {
			s.log.Error("cannot record an execution's Map Runs", fieldExecution(rec.Arn), zap.Error(err))
		}
	}
	if rec.History != nil && !s.mayRedrive(rec) {
		s.runs.Delete(rec.Arn)
	} else if s.maxFinished >= 0 {
		s.cached.push(endedRef{arn: rec.Arn, finished: rec.Finished})
		for len(s.cached.items)-s.cached.head > s.maxFinished {
			old, _ := s.cached.pop()
			if v, ok := s.runs.Load(old.arn); ok && v.(*execution).run.Status() != "RUNNING" {
				s.runs.Delete(old.arn)
			}
		}
	}
	s.ended.push(endedRef{arn: rec.Arn, finished: rec.Finished, stop: rec.StopDate})
	s.sweepLocked(d)
}

// sweepLocked removes the finished executions older than the retention period.
func (s *Service) sweepLocked(d *store.Durable) {
	limit := s.clock.Now().Add(-s.retention)
	var gone []string
	for {
		old, ok := s.ended.peek()
		if !ok || !old.stop.Before(limit) || d.Busy(old.arn) {
			break // a record still being written goes at a later sweep
		}
		s.ended.pop()
		if _, live := s.runs.Load(old.arn); live {
			if v, _ := s.runs.Load(old.arn); v != nil && v.(*execution).run.Status() == "RUNNING" {
				continue // redriven since
			}
			s.runs.Delete(old.arn)
		}
		gone = append(gone, old.arn)
	}
	d.Forget(gone)
	if s.savedRuns != nil {
		s.savedRuns.forget(gone)
	}
}

// Recover loads what a durable store keeps and resumes the executions that were running when
// the previous process stopped. Call it once, after every Task integration is registered and
// before serving. Without a durable store it does nothing.
func (s *Service) Recover() error {
	d, ok := s.store.(*store.Durable)
	if !ok {
		return nil
	}
	if s.savedRuns != nil {
		if err := s.savedRuns.load(); err != nil {
			return fmt.Errorf("api: reading the recorded Map Runs: %w", err)
		}
	}
	ended, maxSeq, err := d.Ended()
	if err != nil {
		return fmt.Errorf("api: reading the store: %w", err)
	}
	running, err := d.Running()
	if err != nil {
		return fmt.Errorf("api: reading the store: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range ended {
		s.ended.push(endedRef{arn: e.Arn, finished: e.Finished, stop: e.Stop})
		s.finishSeq = max(s.finishSeq, e.Finished)
	}
	for _, r := range running {
		maxSeq = max(maxSeq, r.Seq)
	}
	s.seq.Store(maxSeq)
	s.sweepLocked(d)
	rs, canResume := s.engine.(Resumer)
	var launches []func()
	for _, rec := range running {
		if !canResume {
			s.abandonLocked(d, rec, "sfnlocal stopped while the execution ran, and it cannot be resumed")
			continue
		}
		prog, err := s.compile(rec.Definition, typeStandard)
		if err != nil {
			s.abandonLocked(d, rec, "the execution's definition no longer compiles: "+err.Error())
			continue
		}
		journal, err := d.Journal(rec.Arn)
		if err != nil {
			return fmt.Errorf("api: reading the journal of %s: %w", rec.Arn, err)
		}
		ex := &execution{rec: rec, redriveTokens: rec.RedriveTokens}
		ex.phase.Store(phaseStarted)
		run, launch, err := rs.Resume(prog, StartParams{
			ExecutionArn: rec.Arn, Name: rec.Name, StateMachineArn: rec.StateMachineArn,
			StateMachineName: rec.StateMachineArn[strings.LastIndexByte(rec.StateMachineArn, ':')+1:],
			RoleArn:          rec.RoleArn, StateMachineVersionArn: rec.VersionArn, StateMachineAliasArn: rec.AliasArn,
			Input: rec.Input,
			OnDone: func() {
				s.mu.Lock()
				s.finishLocked(ex)
				s.mu.Unlock()
			},
		}, rec.StartDate, journal)
		if err != nil && rec.RedriveCount > 0 {
			// A redrive from a checkpoint the journal does not hold (one written before
			// checkpoints were journaled, interpreter/durable_redrive.go).
			s.abandonLocked(d, rec, "sfnlocal stopped while the redriven execution ran, and it cannot be resumed: "+err.Error())
			continue
		}
		if err != nil {
			return fmt.Errorf("api: resuming %s: %w", rec.Arn, err)
		}
		ex.run = run
		s.runs.Store(rec.Arn, ex)
		s.running[rec.StateMachineArn]++
		s.logs.watch(rec, run)
		launches = append(launches, launch)
	}
	for _, l := range launches {
		l()
	}
	if len(running) > 0 {
		s.log.Info("resumed executions", zap.Int("count", len(launches)))
	}
	return nil
}

// abandonLocked ends a running execution that cannot be resumed as ABORTED.
func (s *Service) abandonLocked(d *store.Durable, rec store.Execution, cause string) {
	s.log.Warn("execution abandoned", fieldExecution(rec.Arn), zap.String("cause", cause))
	rec.Status = "ABORTED"
	rec.StopDate = s.clock.Now()
	rec.Error, rec.HasError = "States.Runtime", true
	rec.Cause, rec.HasCause = cause, true
	s.finishSeq++
	rec.Finished = s.finishSeq
	d.PutExecution(rec)
	s.ended.push(endedRef{arn: rec.Arn, finished: rec.Finished, stop: rec.StopDate})
}

// Rebuilder is implemented by engines that can rebuild a failed execution's run from its
// journal without running anything, so that it can be redriven after a restart.
type Rebuilder interface {
	Rebuild(p Program, sp StartParams, start time.Time, journal [][]byte) (Run, error)
}

// rebuild gives a FAILED, TIMED_OUT or ABORTED execution recorded before this process
// started its live run back, once, so that it can be redriven; nil when it cannot be.
func (s *Service) rebuild(rec store.Execution) *execution {
	d, ok := s.store.(*store.Durable)
	rb, can := s.engine.(Rebuilder)
	if !ok || !can || (rec.Status != "FAILED" && rec.Status != "TIMED_OUT" && rec.Status != "ABORTED") {
		return nil
	}
	if _, tried := s.rebuilt.LoadOrStore(rec.Arn+"\x00"+fmt.Sprint(rec.Seq), true); tried {
		if v, ok := s.runs.Load(rec.Arn); ok {
			return v.(*execution)
		}
		return nil
	}
	journal, err := d.Journal(rec.Arn)
	if err != nil || len(journal) == 0 {
		return nil
	}
	prog, err := s.compile(rec.Definition, typeStandard)
	if err != nil {
		return nil
	}
	rec.History = nil
	ex := &execution{rec: rec, redriveTokens: rec.RedriveTokens}
	var live atomic.Bool // the rebuild's own end is not an end to record
	run, err := rb.Rebuild(prog, StartParams{
		ExecutionArn: rec.Arn, Name: rec.Name, StateMachineArn: rec.StateMachineArn,
		StateMachineName: rec.StateMachineArn[strings.LastIndexByte(rec.StateMachineArn, ':')+1:],
		RoleArn:          rec.RoleArn, StateMachineVersionArn: rec.VersionArn, StateMachineAliasArn: rec.AliasArn,
		Input: rec.Input,
		OnDone: func() {
			if !live.Load() {
				return
			}
			s.mu.Lock()
			s.finishLocked(ex)
			s.mu.Unlock()
		},
	}, rec.StartDate, journal)
	if err != nil {
		s.log.Debug("execution not rebuilt for redrive", fieldExecution(rec.Arn), zap.Error(err))
		return nil
	}
	ex.run = run
	ex.phase.Store(phaseStarted)
	live.Store(true)
	if v, loaded := s.runs.LoadOrStore(rec.Arn, ex); loaded {
		return v.(*execution)
	}
	return ex
}

// childName names a nested execution started without a Name after the parent's Task attempt
// (a UUID drawn from the parent's ARN and the attempt's TaskScheduled event), with a durable
// store only: when the attempt runs again after a crash, it finds the child it started
// instead of starting a second one. It reports whether it named the child.
func (s *Service) childName(in *StartExecutionInput, req *task.Request) bool {
	if _, ok := s.store.(*store.Durable); !ok || in.Name != nil || req.ScheduledEventID <= 0 {
		return false
	}
	h := sha256.Sum256([]byte(req.ExecutionArn + "\x00" + strconv.FormatInt(req.ScheduledEventID, 10)))
	h[6] = h[6]&0x0f | 0x40 // the layout of a version 4 UUID, as AWS's generated names have
	h[8] = h[8]&0x3f | 0x80
	name := fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
	in.Name = &name
	return true
}

// reattachChild returns the child a re-run Task attempt started before a restart (named by
// childName, with the same input), running or ended; nil when there is none.
func (s *Service) reattachChild(ctx context.Context, in *StartExecutionInput) *execution {
	ref, aerr := parseStateMachineArn(*in.StateMachineArn)
	if aerr != nil {
		return nil
	}
	input, err := checkInput(in.Input)
	if err != nil {
		return nil
	}
	rec, ex, err := s.lookupExecution(ctx, executionArn(ref.Base, *in.Name))
	if err != nil || rec.Input != input {
		return nil
	}
	if ex != nil {
		return ex
	}
	return &execution{rec: rec, run: endedRun{}}
}

// endedRun stands for a child that ended before this process started: only Done is used.
type endedRun struct{ Run }

func (endedRun) Done() <-chan struct{} { return closedDone }
