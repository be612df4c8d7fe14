package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/interpreter"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// This file is the one place that knows the interpreter's Go API: it adapts
// *interpreter.Engine to Engine and translates the interpreter's errors into the sentinels
// apiError maps.

// InterpreterConfig configures the real engine.
type InterpreterConfig struct {
	Clock     clock.Factory // nil: real time
	Tasks     task.Registry
	Logger    *zap.Logger
	Region    string
	AccountID string
}

// InterpreterEngine returns an EngineFactory for the ASL interpreter.
func InterpreterEngine(cfg InterpreterConfig) EngineFactory {
	return func(activityExists func(string) bool) Engine {
		return &interpEngine{cfg: cfg, e: interpreter.NewEngine(interpreter.Config{
			Clock: cfg.Clock, Tasks: cfg.Tasks, Logger: cfg.Logger, Region: cfg.Region,
			AccountID: cfg.AccountID, ActivityExists: activityExists,
		})}
	}
}

type interpEngine struct {
	cfg InterpreterConfig
	e   *interpreter.Engine
	cov coverages // per state machine ARN (coverage.go)
}

type interpProgram struct{ sm *interpreter.StateMachine }

func (p interpProgram) VariableReferences() map[string][]string { return p.sm.VariableReferences() }

func (a *interpEngine) Compile(definition, smType string) (Program, error) {
	sm, err := interpreter.ParseFor(definition, smType)
	if err != nil {
		var de *interpreter.DefinitionError
		if errors.As(err, &de) {
			return nil, &DefinitionError{Message: de.Error()}
		}
		return nil, err
	}
	return interpProgram{sm}, nil
}

func (a *interpEngine) Validate(definition, smType string) []Diagnostic {
	ds := interpreter.ValidateFor(definition, smType)
	out := make([]Diagnostic, len(ds))
	for i, d := range ds {
		out[i] = Diagnostic{Severity: d.Severity, Code: d.Code, Message: d.Message, Location: d.Location}
	}
	return out
}

func (a *interpEngine) Start(p Program, sp StartParams) (Run, error) {
	ip, ok := p.(interpProgram)
	if !ok {
		return nil, fmt.Errorf("program %T is not the interpreter's", p)
	}
	var onDone func(*interpreter.Execution)
	if sp.OnDone != nil {
		onDone = func(*interpreter.Execution) { sp.OnDone() }
	}
	x, err := a.e.Start(ip.sm, interpreter.StartParams{
		ExecutionArn: sp.ExecutionArn, Name: sp.Name, StateMachineArn: sp.StateMachineArn,
		StateMachineName: sp.StateMachineName, RoleArn: sp.RoleArn,
		StateMachineVersionArn: sp.StateMachineVersionArn, StateMachineAliasArn: sp.StateMachineAliasArn,
		Input: sp.Input, Express: sp.Express, Sync: sp.Sync, OnDone: onDone, Sched: sp.Sched, Mocks: sp.Mocks,
		Coverage: a.cov.get(sp.StateMachineArn),
	})
	if err != nil {
		return nil, err
	}
	return interpRun{x}, nil
}

// taskError translates the interpreter's callback sentinels.
func taskError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, interpreter.ErrInvalidToken):
		return fmt.Errorf("%w: %w", ErrTaskTokenInvalid, err)
	case errors.Is(err, interpreter.ErrTaskDoesNotExist):
		return fmt.Errorf("%w: %w", ErrTaskDoesNotExist, err)
	case errors.Is(err, interpreter.ErrTaskTimedOut):
		return fmt.Errorf("%w: %w", ErrTaskTimedOut, err)
	case errors.Is(err, interpreter.ErrInvalidOutput):
		return fmt.Errorf("%w: %w", ErrTaskOutputBad, err)
	}
	return err
}

func (a *interpEngine) SendTaskSuccess(token, output string) error {
	return taskError(a.e.SendTaskSuccess(token, output))
}

func (a *interpEngine) SendTaskFailure(token, errName, cause string) error {
	return taskError(a.e.SendTaskFailure(token, errName, cause))
}

func (a *interpEngine) SendTaskHeartbeat(token string) error {
	return taskError(a.e.SendTaskHeartbeat(token))
}

func (a *interpEngine) GetActivityTask(ctx context.Context, activityArn, workerName string) (string, string, error) {
	tok, in, err := a.e.GetActivityTask(ctx, activityArn, workerName)
	return tok, in, taskError(err)
}

func (a *interpEngine) Close() { a.e.Close() }

func (a *interpEngine) CompactHistory(run Run) ([]byte, error) {
	r, ok := run.(interpRun)
	if !ok {
		return nil, fmt.Errorf("run %T is not the interpreter's", run)
	}
	return r.x.CompactHistory()
}

func (a *interpEngine) ExpandHistory(compact []byte) ([]json.Marshaler, error) {
	evs, err := interpreter.DecodeHistory(compact)
	if err != nil {
		return nil, err
	}
	out := make([]json.Marshaler, len(evs))
	for i := range evs {
		out[i] = evs[i]
	}
	return out, nil
}

type interpRun struct{ x *interpreter.Execution }

// Sync makes the run's events durable (durable.go).
func (r interpRun) Sync() { r.x.Sync() }

func (a *interpEngine) Rebuild(p Program, sp StartParams, start time.Time, journal [][]byte) (Run, error) {
	ip, ok := p.(interpProgram)
	if !ok {
		return nil, fmt.Errorf("program %T is not the interpreter's", p)
	}
	var onDone func(*interpreter.Execution)
	if sp.OnDone != nil {
		onDone = func(*interpreter.Execution) { sp.OnDone() }
	}
	rp := interpreter.ResumeParams{
		StartParams: interpreter.StartParams{
			ExecutionArn: sp.ExecutionArn, Name: sp.Name, StateMachineArn: sp.StateMachineArn,
			StateMachineName: sp.StateMachineName, RoleArn: sp.RoleArn,
			StateMachineVersionArn: sp.StateMachineVersionArn, StateMachineAliasArn: sp.StateMachineAliasArn,
			Input: sp.Input, OnDone: onDone,
		},
		Start: start, Journal: journal,
	}
	// From the checkpoint journaled with the end; a first run's failure without one (a
	// journal written before checkpoints were) by replaying the run.
	x, err := a.e.Restore(ip.sm, rp)
	if err != nil {
		if x, err = a.e.Rebuild(ip.sm, rp); err != nil {
			return nil, err
		}
	}
	return interpRun{x}, nil
}

func (a *interpEngine) SetJournal(j interpreter.Journal) { a.e.SetJournal(j) }

func (a *interpEngine) Resume(p Program, sp StartParams, start time.Time, journal [][]byte) (Run, func(), error) {
	ip, ok := p.(interpProgram)
	if !ok {
		return nil, nil, fmt.Errorf("program %T is not the interpreter's", p)
	}
	var onDone func(*interpreter.Execution)
	if sp.OnDone != nil {
		onDone = func(*interpreter.Execution) { sp.OnDone() }
	}
	x, launch, err := a.e.Resume(ip.sm, interpreter.ResumeParams{
		StartParams: interpreter.StartParams{
			ExecutionArn: sp.ExecutionArn, Name: sp.Name, StateMachineArn: sp.StateMachineArn,
			StateMachineName: sp.StateMachineName, RoleArn: sp.RoleArn,
			StateMachineVersionArn: sp.StateMachineVersionArn, StateMachineAliasArn: sp.StateMachineAliasArn,
			Input: sp.Input, OnDone: onDone, Coverage: a.cov.get(sp.StateMachineArn),
		},
		Start: start, Journal: journal,
	})
	if err != nil {
		return nil, nil, err
	}
	return interpRun{x}, launch, nil
}

func (r interpRun) Done() <-chan struct{}       { return r.x.Done() }
func (r interpRun) Status() string              { return r.x.Status() }
func (r interpRun) Output() (string, bool)      { return r.x.Output() }
func (r interpRun) Error() (string, bool)       { return r.x.Error() }
func (r interpRun) Cause() (string, bool)       { return r.x.Cause() }
func (r interpRun) StopDate() (time.Time, bool) { return r.x.StopDate() }
func (r interpRun) StartDate() time.Time        { return r.x.StartDate() }
func (r interpRun) Abort(errName, cause string) { r.x.Abort(errName, cause) }
func (r interpRun) Stop(errName, cause string) error {
	return r.x.Stop(errName, cause)
}

func (r interpRun) History() []json.Marshaler {
	evs := r.x.History()
	out := make([]json.Marshaler, len(evs))
	for i := range evs {
		out[i] = evs[i]
	}
	return out
}
