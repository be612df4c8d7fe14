package api

import (
	"errors"

	"github.com/sfnlocal/sfnlocal/internal/mockcfg"
)

// SetMocks replaces the mock configuration that StartExecution and StartSyncExecution with
// "<state machine ARN>#<test case>" run (nil removes it). Executions already started keep
// the test case they started with.
func (s *Service) SetMocks(f *mockcfg.File) { s.mocks.Store(f) }

// Mocks returns the mock configuration in force, or nil.
func (s *Service) Mocks() *mockcfg.File { return s.mocks.Load() }

// testCase finds a state machine's test case for "<ARN>#<test case>"; an unknown one is a
// StateMachineDoesNotExist that names it.
func (s *Service) testCase(smName, testCase, arnText string) (*mockcfg.Case, error) {
	f := s.mocks.Load()
	if f == nil {
		return nil, newError(CodeStateMachineDoesNotExist,
			"State Machine Does Not Exist: '%s' (no mock configuration is loaded: start sfnlocal with --mock-config or SFN_MOCK_CONFIG)", arnText)
	}
	c, err := f.Case(smName, testCase)
	var ue *mockcfg.UnknownTestCaseError
	if errors.As(err, &ue) {
		return nil, newError(CodeStateMachineDoesNotExist, "State Machine Does Not Exist: '%s' (%s)", arnText, err)
	}
	return c, err
}
