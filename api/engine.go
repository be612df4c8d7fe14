package api

import (
	"context"
	"encoding/json"
	"time"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/mockcfg"
)

// Engine is what the API consumes from the execution core (the interpreter). The API checks
// wire shapes, keeps resources in the store and calls these methods; all ASL semantics live
// behind them. interpreter_adapter.go adapts the real interpreter; tests use a hand fake.
type Engine interface {
	// Compile parses a definition of a STANDARD or EXPRESS state machine once into an
	// immutable Program. An invalid definition is a *DefinitionError.
	Compile(definition, smType string) (Program, error)
	// Validate lists every problem in a definition, as ValidateStateMachineDefinition does.
	Validate(definition, smType string) []Diagnostic
	// Start starts an execution of p and returns at once.
	Start(p Program, params StartParams) (Run, error)

	// Task token callbacks; errors wrap ErrTaskTokenInvalid, ErrTaskDoesNotExist,
	// ErrTaskTimedOut or ErrTaskOutputBad.
	SendTaskSuccess(token, output string) error
	SendTaskFailure(token, errName, cause string) error
	SendTaskHeartbeat(token string) error
	// GetActivityTask waits until ctx ends for a task of the activity; token is "" when none
	// came.
	GetActivityTask(ctx context.Context, activityArn, workerName string) (token, input string, err error)

	// Close stops every running execution.
	Close()
}

// HistoryCompactor is implemented by engines whose finished runs can give their history in a
// compact form (kept in the store's record once the run itself is dropped) and read it back.
type HistoryCompactor interface {
	CompactHistory(run Run) ([]byte, error)
	ExpandHistory(compact []byte) ([]json.Marshaler, error)
}

// Program is a compiled definition.
type Program interface {
	VariableReferences() map[string][]string
}

// StartParams describes one execution to start.
type StartParams struct {
	ExecutionArn, Name                           string
	StateMachineArn, StateMachineName            string
	RoleArn                                      string
	StateMachineVersionArn, StateMachineAliasArn string
	Input                                        string
	Express                                      bool
	// Sync is set for StartSyncExecution (AWS then leaves RedriveCount out of the context
	// object).
	Sync bool
	// OnDone is called once, after Done is closed, from any goroutine (possibly before Start
	// returns). It must not block for long.
	OnDone func()
	// Mocks, when set, is the mocked test case the execution runs.
	Mocks *mockcfg.Case
	// Sched, when set, is the parent execution's scheduler, which a child started by a Task
	// shares (clock.SchedFrom of the Task's context).
	Sched *clock.Sched
}

// Run is one started execution.
type Run interface {
	Done() <-chan struct{}
	// Status is RUNNING, SUCCEEDED, FAILED, TIMED_OUT or ABORTED.
	Status() string
	Output() (string, bool)
	Error() (string, bool)
	Cause() (string, bool)
	StartDate() time.Time
	StopDate() (time.Time, bool)
	// History returns the events so far, each marshalling to GetExecutionHistory's event shape.
	History() []json.Marshaler
	// Stop aborts a running execution (ErrExecutionNotRunning when it already ended).
	Stop(errName, cause string) error
	// Abort starts stopping a running execution and returns at once (Done closes when it
	// has ended); on an ended execution it does nothing.
	Abort(errName, cause string)
}

// Diagnostic is one ValidateStateMachineDefinition finding.
type Diagnostic struct {
	Severity, Code, Message, Location string
}

// StateTester is implemented by engines that support TestState.
type StateTester interface {
	TestState(ctx context.Context, in TestStateParams) (*TestStateResult, error)
}

// TestStateParams is a TestState request in engine terms (JSON members as text).
type TestStateParams struct {
	Definition, RoleArn, Input, InspectionLevel string
	RevealSecrets                               bool
	Variables, StateName, Context               string
	// Mock: MockResult or MockError/MockCause (HasMock says a mock was given).
	HasMock, HasMockResult, HasMockError bool
	MockResult, MockError, MockCause     string
	FieldValidationMode                  string
	RetrierRetryCount                    *int64
	ErrorCausedByState                   string
	MapIterationFailureCount             *int64
	MapItemReaderData                    *string
}

// TestStateResult is TestState's answer; InspectionData is the wire object as JSON.
type TestStateResult struct {
	Status               string
	Output, Error, Cause *string
	NextState            string
	InspectionData       json.RawMessage
}
