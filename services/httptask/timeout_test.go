package httptask

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// TestSocketTimeout: a call still unanswered after 60 seconds on the service's clock fails
// with States.Http.Socket (the Fake clock makes the minute pass at once).
func TestSocketTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	fake := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := New(Config{Clock: fake})
	errc := make(chan error, 1)
	go func() {
		_, err := s.HTTPIntegration().Invoke(context.Background(), &task.Request{Service: "http", Action: "invoke",
			Parameters: map[string]any{"ApiEndpoint": srv.URL, "Method": "GET"}})
		errc <- err
	}()
	fake.BlockUntil(1)
	fake.Advance(Timeout)
	f := failure(t, <-errc)
	require.Equal(t, "States.Http.Socket", f.Name)
	require.Equal(t, "the HTTP request timed out after 60 seconds", f.Cause)
}
