package sfnlocaltest

import (
	"encoding/json"

	"github.com/sfnlocal/sfnlocal/interpreter"
)

// Coverage returns the state machine's coverage across its executions since the server
// started or its definition last changed (GET /_sfnlocal/coverage); it fails the test when
// the state machine does not exist.
func (s *Server) Coverage(stateMachineArn string) interpreter.CoverageReport {
	s.t.Helper()
	data, err := s.Server.Coverage(stateMachineArn)
	if err != nil {
		s.t.Fatalf("sfnlocaltest: coverage: %v", err)
	}
	var r interpreter.CoverageReport
	if err := json.Unmarshal(data, &r); err != nil {
		s.t.Fatalf("sfnlocaltest: coverage: %v", err)
	}
	return r
}
