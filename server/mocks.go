package server

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/mockcfg"
)

// MocksPath replaces the mock configuration (POST, the body a whole mock file) or shows
// which test cases are loaded (GET).
const MocksPath = "/_sfnlocal/mocks"

// ReloadMocks reads the --mock-config file again (SIGHUP). On a bad file it returns the
// problems and keeps the configuration in force.
func (s *Server) ReloadMocks() error {
	if s.cfg.MockConfig == "" {
		return errors.New("no --mock-config file to reload")
	}
	data, err := os.ReadFile(s.cfg.MockConfig)
	if err != nil {
		return fmt.Errorf("mock configuration: %w", err)
	}
	f, err := mockcfg.Parse(data)
	if err != nil {
		return fmt.Errorf("%s: %w", s.cfg.MockConfig, err)
	}
	s.sfn.SetMocks(f)
	s.log.Info("mock configuration loaded", zap.String("file", s.cfg.MockConfig), zap.Int("state_machines", len(f.StateMachines())))
	return nil
}

// SetMocks replaces the mock configuration (nil removes it), e.g. from a Go test.
func (s *Server) SetMocks(f *mockcfg.File) { s.sfn.SetMocks(f) }

type mocksResponse struct {
	// StateMachines maps each configured state machine name to its test cases.
	StateMachines map[string][]string `json:"stateMachines"`
}

type mocksError struct {
	Error    string            `json:"error"`
	Problems []mockcfg.Problem `json:"problems,omitempty"`
}

func (s *Server) serveMocks(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
	case http.MethodPost:
		data, err := io.ReadAll(io.LimitReader(r.Body, 64<<20+1))
		if err != nil {
			writeJSON(w, http.StatusBadRequest, mocksError{Error: err.Error()})
			return
		}
		f, err := mockcfg.Parse(data)
		if err != nil {
			var pe *mockcfg.Error
			errors.As(err, &pe)
			resp := mocksError{Error: "invalid mock configuration; nothing changed"}
			if pe != nil {
				resp.Problems = pe.Problems
			}
			writeJSON(w, http.StatusBadRequest, resp)
			return
		}
		s.sfn.SetMocks(f)
	default:
		w.Header().Set("Allow", "GET, POST")
		writeJSON(w, http.StatusMethodNotAllowed, mocksError{Error: "use GET or POST"})
		return
	}
	resp := mocksResponse{StateMachines: map[string][]string{}}
	if f := s.sfn.Mocks(); f != nil {
		for _, sm := range f.StateMachines() {
			resp.StateMachines[sm] = f.TestCases(sm)
		}
	}
	writeJSON(w, http.StatusOK, resp)
}
