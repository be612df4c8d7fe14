package api

import (
	"context"
	"encoding/json"
	"errors"
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

// MapRunner is implemented by engines that run Distributed Maps: their Map Runs and the
// child executions these start, which live in the engine rather than in the store.
type MapRunner interface {
	MapRun(arn string) (MapRunInfo, bool)
	// MapRuns lists the Map Runs an execution started, oldest first.
	MapRuns(executionArn string) []MapRunInfo
	// MapRunChildren lists a Map Run's child executions in item order.
	MapRunChildren(mapRunArn string) ([]ChildRun, bool)
	// ChildExecution finds a Standard child execution by ARN.
	ChildExecution(arn string) (ChildRun, bool)
	// UpdateMapRun changes a Map Run's settings (ErrMapRunNotFound when there is none).
	UpdateMapRun(arn string, maxConcurrency *int64, toleratedPercentage *float64, toleratedCount *int64) error
	// ForgetMapRuns drops an evicted execution's Map Runs and their children.
	ForgetMapRuns(executionArn string)
}

// ChildRun is a child execution of a Map Run.
type ChildRun struct {
	Run
	Arn, Name, StateMachineArn, MapRunArn, Input string
	// Definition is the children's definition (the Distributed Map's ItemProcessor) and
	// Label the Map's label.
	Definition, Label, RoleArn string
	Express                    bool
	RedriveCount               int
	RedriveDate                time.Time
}

// MapRunInfo is a Map Run as DescribeMapRun reports it.
type MapRunInfo struct {
	Arn, ExecutionArn, StateMachineArn, Status string
	StartDate, StopDate                        time.Time
	MaxConcurrency                             int64
	ToleratedFailurePercentage                 float64
	ToleratedFailureCount                      int64
	ItemCounts, ExecutionCounts                MapRunCounts
	RedriveCount                               int
	RedriveDate                                time.Time
}

// MapRunCounts are DescribeMapRun's itemCounts and executionCounts, in AWS's member order.
type MapRunCounts struct {
	Pending               int64 `json:"pending"`
	Running               int64 `json:"running"`
	Succeeded             int64 `json:"succeeded"`
	Failed                int64 `json:"failed"`
	TimedOut              int64 `json:"timedOut"`
	Aborted               int64 `json:"aborted"`
	Total                 int64 `json:"total"`
	ResultsWritten        int64 `json:"resultsWritten"`
	FailuresNotRedrivable int64 `json:"failuresNotRedrivable"`
	PendingRedrive        int64 `json:"pendingRedrive"`
}

// ErrMapRunNotFound is returned by UpdateMapRun for an unknown Map Run.
var ErrMapRunNotFound = errors.New("map run not found")
