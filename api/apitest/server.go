package apitest

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/sfnlocal/sfnlocal/api"
	"github.com/sfnlocal/sfnlocal/internal/clock"
)

// Server is a Service on a real loopback listener.
type Server struct {
	URL     string
	Service *api.Service
	Engine  *FakeEngine // the fake engine when NewServer built one
}

// NewServer starts a Service on a real listener and closes both through t.Cleanup. With a
// nil opts.Engine it uses a FakeEngine on a fake clock.
func NewServer(t testing.TB, opts api.Options) *Server {
	t.Helper()
	srv := &Server{}
	if opts.Engine == nil {
		c := clock.NewFake(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
		if opts.Clock == nil {
			opts.Clock = c
		}
		opts.Engine = NewFakeEngine(opts.Clock, &srv.Engine)
	}
	svc, err := api.New(opts)
	if err != nil {
		t.Fatalf("api.New: %v", err)
	}
	hs := httptest.NewServer(svc.Handler())
	t.Cleanup(func() {
		hs.Close()
		svc.Close()
	})
	srv.URL, srv.Service = hs.URL, svc
	return srv
}
