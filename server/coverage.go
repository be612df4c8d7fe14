package server

import (
	"encoding/json"
	"errors"
	"net/http"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/api"
)

// CoveragePath answers GET ?stateMachineArn=ARN with the state machine's coverage (the JSON
// of interpreter.CoverageReport) across its executions since the server started or its
// definition last changed.
const CoveragePath = "/_sfnlocal/coverage"

type coverageError struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

func (s *Server) serveCoverage(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		writeJSON(w, http.StatusMethodNotAllowed, coverageError{Error: "MethodNotAllowed", Message: "use GET"})
		return
	}
	rep, err := s.sfn.Coverage(r.URL.Query().Get("stateMachineArn"))
	if err != nil {
		var ae *api.Error
		if !errors.As(err, &ae) {
			s.log.Error("coverage report failed", zap.Error(err))
			writeJSON(w, http.StatusInternalServerError, coverageError{Error: "InternalFailure", Message: "the coverage report failed"})
			return
		}
		status := http.StatusBadRequest
		if ae.Code == api.CodeStateMachineDoesNotExist {
			status = http.StatusNotFound
		}
		writeJSON(w, status, coverageError{Error: ae.Code, Message: ae.Message})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(append(rep, '\n'))
}

// Coverage returns a state machine's coverage report as JSON, as CoveragePath serves it (for
// Go tests: sfnlocaltest.Server.Coverage).
func (s *Server) Coverage(stateMachineArn string) (json.RawMessage, error) {
	return s.sfn.Coverage(stateMachineArn)
}
