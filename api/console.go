package api

import (
	"encoding/json"
	"time"

	"github.com/sfnlocal/sfnlocal/api/store"
)

// ExecutionRun returns the handle of an execution that this process started (its status
// and History as it runs), for the console and telemetry; ok is false for an unknown ARN, an
// evicted one, or one recorded before this process started. A finished execution whose live
// run has been dropped (see retention.go) answers from its record and compact history.
func (s *Service) ExecutionRun(executionArn string) (run Run, ok bool) {
	if v, ok := s.runs.Load(executionArn); ok {
		return v.(*execution).run, true
	}
	rec, ok := s.store.GetExecution(executionArn)
	hc, compacts := s.engine.(HistoryCompactor)
	if !ok || rec.History == nil || !compacts || rec.Status == "RUNNING" {
		return nil, false
	}
	return storedRun{rec: rec, hc: hc}, true
}

// storedRun is a finished execution read back from its store record.
type storedRun struct {
	rec store.Execution
	hc  HistoryCompactor
}

var closedDone = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func (r storedRun) Done() <-chan struct{}       { return closedDone }
func (r storedRun) Status() string              { return r.rec.Status }
func (r storedRun) Output() (string, bool)      { return r.rec.Output, r.rec.HasOutput }
func (r storedRun) Error() (string, bool)       { return r.rec.Error, r.rec.HasError }
func (r storedRun) Cause() (string, bool)       { return r.rec.Cause, r.rec.HasCause }
func (r storedRun) StartDate() time.Time        { return r.rec.StartDate }
func (r storedRun) StopDate() (time.Time, bool) { return r.rec.StopDate, true }
func (r storedRun) Stop(string, string) error   { return ErrExecutionNotRunning }
func (r storedRun) Abort(string, string)        {}

func (r storedRun) History() []json.Marshaler {
	evs, err := r.hc.ExpandHistory(r.rec.History)
	if err != nil {
		return nil
	}
	return evs
}
