package api

import (
	"errors"
	"fmt"
	"time"

	"github.com/sfnlocal/sfnlocal/interpreter"
)

// The interpreter's side of RedriveExecution: interpEngine implements Redriver and interpRun
// reports its redrives (kept apart from interpreter_adapter.go, which adapts the rest).

var _ Redriver = (*interpEngine)(nil)

func (a *interpEngine) RedriveStatus(run Run) (bool, string) {
	r, ok := run.(interpRun)
	if !ok {
		return false, "Execution cannot be redriven"
	}
	return r.x.RedriveStatus()
}

func (a *interpEngine) Redrive(run Run) (time.Time, error) {
	r, ok := run.(interpRun)
	if !ok {
		return time.Time{}, fmt.Errorf("run %T is not the interpreter's", run)
	}
	date, err := r.x.Redrive()
	var nr *interpreter.NotRedrivableError
	if errors.As(err, &nr) {
		return time.Time{}, newError(CodeExecutionNotRedrivable, "%s", nr.Reason)
	}
	return date, err
}

// Redrives returns how many times the execution was redriven, and when last.
func (r interpRun) Redrives() (int, time.Time) {
	d, _ := r.x.RedriveDate()
	return r.x.RedriveCount(), d
}
