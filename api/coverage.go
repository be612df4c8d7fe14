package api

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/sfnlocal/sfnlocal/interpreter"
)

// CoverageReporter is implemented by engines that collect state coverage per state machine
// (GET /_sfnlocal/coverage). The API stays engine-agnostic: it asks for the report as JSON.
type CoverageReporter interface {
	// CoverageReport describes p's coverage across every execution started with
	// StateMachineArn arn since the engine started or ResetCoverage(arn).
	CoverageReport(arn string, p Program) (json.RawMessage, error)
	// ResetCoverage forgets arn's coverage (its definition changed, or it was deleted).
	ResetCoverage(arn string)
}

// Coverage answers GET /_sfnlocal/coverage?stateMachineArn=ARN: the coverage of the state
// machine's current definition across its executions since the server started or the
// definition last changed. Every failure is an *Error: a missing ARN, an unknown state
// machine, a version ARN, or an engine that collects no coverage.
func (s *Service) Coverage(arn string) (json.RawMessage, error) {
	cr, ok := s.engine.(CoverageReporter)
	if !ok {
		return nil, &Error{Code: "UnsupportedOperation", Message: "this engine does not collect coverage", Status: 400}
	}
	if arn == "" {
		return nil, newError(CodeMissingRequiredParameter, "stateMachineArn is required")
	}
	s.mu.Lock()
	sm, v, err := s.lookupStateMachine(context.Background(), arn)
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if v != nil {
		return nil, errInvalidArn("Resource type not valid in this context: stateMachineVersion")
	}
	prog, err := s.compile(sm.Definition, sm.Type)
	if err != nil {
		return nil, err
	}
	return cr.CoverageReport(sm.Arn, prog)
}

// resetCoverage forgets a state machine's coverage when its definition changes or it goes.
func (s *Service) resetCoverage(arn string) {
	if cr, ok := s.engine.(CoverageReporter); ok {
		cr.ResetCoverage(arn)
	}
}

// coverages keeps the interpreter adapter's collectors, one per state machine ARN.
type coverages struct{ m sync.Map } // arn → *interpreter.Coverage

func (c *coverages) get(arn string) *interpreter.Coverage {
	if v, ok := c.m.Load(arn); ok {
		return v.(*interpreter.Coverage)
	}
	v, _ := c.m.LoadOrStore(arn, interpreter.NewCoverage())
	return v.(*interpreter.Coverage)
}

func (a *interpEngine) CoverageReport(arn string, p Program) (json.RawMessage, error) {
	ip, ok := p.(interpProgram)
	if !ok {
		return nil, fmt.Errorf("program %T is not the interpreter's", p)
	}
	return json.Marshal(a.cov.get(arn).Report(ip.sm))
}

func (a *interpEngine) ResetCoverage(arn string) { a.cov.m.Delete(arn) }
