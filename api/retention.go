package api

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/api/store"
)

// Retention of finished executions. AWS keeps a finished Standard execution for 90 days;
// sfnlocal keeps the last Options.MaxExecutions to finish, so that a long test suite's
// server stays within bounded memory. A finished execution is kept as its store record with
// its history in the engine's compact form (about 0.3 KB for a 10-state execution, against
// about 9 KB for the live run); the live run is kept too only while it could be redriven.

// keepFinishedLocked records ex's end (rec is its final record) and evicts the oldest
// finished executions past the limit. s.mu is held.
func (s *Service) keepFinishedLocked(ex *execution, rec store.Execution) {
	if hc, ok := s.engine.(HistoryCompactor); ok {
		h, err := hc.CompactHistory(ex.run)
		if err != nil {
			s.log.Error("cannot compact an execution history", fieldExecution(rec.Arn), zap.Error(err))
		} else {
			rec.History = h
		}
	}
	s.finishSeq++
	rec.Finished = s.finishSeq
	if d, ok := s.store.(*store.Durable); ok {
		s.keepFinishedDurableLocked(d, rec)
		return
	}
	s.store.PutExecution(rec)
	if rec.History != nil && !s.mayRedrive(rec) {
		s.runs.Delete(rec.Arn)
	}
	if s.maxFinished < 0 {
		return
	}
	s.ended.push(endedRef{arn: rec.Arn, finished: rec.Finished})
	s.finished++
	for s.finished > s.maxFinished {
		old, ok := s.ended.pop()
		if !ok {
			s.finished = 0
			return
		}
		r, ok := s.store.GetExecution(old.arn)
		if !ok || r.Finished != old.finished || r.Status == "RUNNING" {
			continue // redriven since (a later entry stands for it) or already gone
		}
		s.store.DeleteExecution(old.arn)
		s.runs.Delete(old.arn)
		if m, ok := s.mapRunner(); ok {
			m.ForgetMapRuns(old.arn) // and its Map Runs' children
		}
		s.finished--
	}
}

// mayRedrive says whether a finished execution's live run must be kept: it could be
// redriven, or it was, and a redrive's clientToken is answered idempotently for a while.
func (s *Service) mayRedrive(rec store.Execution) bool {
	if rec.RedriveCount > 0 {
		return true
	}
	if rec.Status == "SUCCEEDED" {
		return false
	}
	_, ok := s.engine.(Redriver)
	return ok
}

type endedRef struct {
	arn      string
	finished uint64
	stop     time.Time // durable store only
}

// endedQueue is a FIFO of ended executions.
type endedQueue struct {
	items []endedRef
	head  int
}

func (q *endedQueue) push(r endedRef) {
	if q.head > 0 && q.head >= len(q.items)/2 {
		// Reuse the consumed front instead of growing.
		n := copy(q.items, q.items[q.head:])
		clear(q.items[n:])
		q.items, q.head = q.items[:n], 0
	}
	q.items = append(q.items, r)
}

func (q *endedQueue) peek() (endedRef, bool) {
	if q.head >= len(q.items) {
		return endedRef{}, false
	}
	return q.items[q.head], true
}

func (q *endedQueue) pop() (endedRef, bool) {
	if q.head >= len(q.items) {
		return endedRef{}, false
	}
	r := q.items[q.head]
	q.items[q.head] = endedRef{}
	q.head++
	return r, true
}

// WaitExecution blocks until the execution has left RUNNING (or ctx ends): tests and programs
// that embed the Service wait with it instead of polling DescribeExecution. An unknown ARN is
// ExecutionDoesNotExist.
func (s *Service) WaitExecution(ctx context.Context, arn string) error {
	for {
		rec, ex, err := s.lookupExecution(ctx, arn)
		if err != nil {
			return err
		}
		if rec.Status != "RUNNING" || ex == nil {
			return nil
		}
		select {
		case <-ex.run.Done():
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
}
