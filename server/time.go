package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/sfnlocal/sfnlocal/internal/clock"
)

// TimePath reads and, in --time manual, moves the server's clock.
const TimePath = "/_sfnlocal/time"

// timeRequest is the body of POST /_sfnlocal/time: exactly one of its fields.
type timeRequest struct {
	Advance *string    `json:"advance"` // a Go duration, e.g. "90s"
	To      *time.Time `json:"to"`      // RFC 3339
	Next    *bool      `json:"next"`    // jump to the next pending deadline
}

type timeResponse struct {
	Now     string `json:"now"`
	Pending int    `json:"pending"`
	Mode    string `json:"mode"`
}

type timeError struct {
	Error string `json:"error"`
	Field string `json:"field,omitempty"`
}

// serveTime answers GET (the clock, unmoved) and POST (move it: manual mode only).
func (s *Server) serveTime(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		s.writeTime(w)
	case http.MethodPost:
		if s.manual == nil {
			writeJSON(w, http.StatusConflict, timeError{Error: fmt.Sprintf("the clock moves by request only in --time manual; this server runs --time %s", s.cfg.TimeMode)})
			return
		}
		field, err := s.moveTime(r)
		if err != nil {
			writeJSON(w, http.StatusBadRequest, timeError{Error: err.Error(), Field: field})
			return
		}
		s.writeTime(w)
	default:
		w.Header().Set("Allow", "GET, POST")
		writeJSON(w, http.StatusMethodNotAllowed, timeError{Error: "use GET or POST"})
	}
}

// moveTime applies one POST body; on an error it names the field at fault and moves nothing.
func (s *Server) moveTime(r *http.Request) (field string, err error) {
	var req timeRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return "", fmt.Errorf("the body must be one JSON object with one of advance, to or next: %v", err)
	}
	n := 0
	for _, set := range []bool{req.Advance != nil, req.To != nil, req.Next != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return "", errors.New("give exactly one of advance, to or next")
	}
	switch {
	case req.Advance != nil:
		d, err := time.ParseDuration(*req.Advance)
		if err != nil {
			return "advance", fmt.Errorf("advance must be a Go duration such as \"90s\" or \"1h30m\": %q", *req.Advance)
		}
		if d < 0 {
			return "advance", errors.New("advance must not be negative: time never moves backwards")
		}
		return "", s.manual.Advance(d)
	case req.To != nil:
		if err := s.manual.AdvanceTo(*req.To); errors.Is(err, clock.ErrBackwards) {
			return "to", fmt.Errorf("to %s is before now %s: time never moves backwards", req.To.UTC().Format(time.RFC3339Nano), s.manual.Now().UTC().Format(time.RFC3339Nano))
		}
		return "", nil
	default:
		if !*req.Next {
			return "next", errors.New("next must be true")
		}
		s.manual.AdvanceToNext()
		return "", nil
	}
}

func (s *Server) writeTime(w http.ResponseWriter) {
	resp := timeResponse{Mode: s.cfg.TimeMode}
	if s.manual != nil {
		resp.Now = s.manual.Now().UTC().Format(time.RFC3339Nano)
		resp.Pending = s.manual.Pending()
	} else {
		resp.Now = s.services.Now().UTC().Format(time.RFC3339Nano)
	}
	if resp.Mode == "" {
		resp.Mode = "real"
	}
	writeJSON(w, http.StatusOK, resp)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Manual is the clock of --time manual, for Go tests (sfnlocaltest); nil in other modes.
func (s *Server) Manual() *clock.Manual { return s.manual }
