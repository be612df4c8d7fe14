// Package sfnlocaltest starts a real sfnlocal server for Go tests, the way net/http/httptest
// starts an HTTP server: New(t) listens on a free loopback port, serves the Step Functions,
// Lambda, Batch, CloudWatch Logs, SNS and S3 APIs there, and shuts everything down (executions,
// function processes, job containers) through t.Cleanup.
//
//	srv := sfnlocaltest.New(t)
//	client := sfn.NewFromConfig(srv.AWSConfig())
//
// It exists so that users test their state machines with the AWS SDK against exactly the
// server the sfnlocal binary runs, without managing a process.
package sfnlocaltest

import (
	"context"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/config"
	"github.com/sfnlocal/sfnlocal/server"
)

// Server is a running sfnlocal.
type Server struct {
	*server.Server
	// URL is the endpoint, e.g. http://127.0.0.1:41234.
	URL    string
	Config config.Config
	t      testing.TB
}

// Option changes the server's configuration before it starts.
type Option func(*config.Config)

// WithTime sets the time mode: "real", "instant" (waits and retries take no time), "manual"
// (time moves only through Advance, AdvanceTo and AdvanceToNext) or "scale=N".
func WithTime(mode string) Option { return func(c *config.Config) { c.TimeMode = mode } }

// WithAllInterfaces listens on all interfaces instead of loopback only, so that Batch job
// containers can call back into the server through Docker's host gateway.
func WithAllInterfaces() Option {
	return func(c *config.Config) { c.Addr = "0.0.0.0:0" }
}

// WithConfig edits the configuration directly.
func WithConfig(f func(*config.Config)) Option { return Option(f) }

// New starts a server for the test and stops it when the test ends. Logs go to the test log
// at warn level and above (set SFNLOCAL_TEST_LOG=debug for more).
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cfg, err := config.Load(nil, func(string) string { return "" }, nil)
	if err != nil {
		t.Fatalf("sfnlocaltest: %v", err)
	}
	cfg.Addr = "127.0.0.1:0"
	for _, o := range opts {
		o(&cfg)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		t.Fatalf("sfnlocaltest: listen: %v", err)
	}
	cfg.Addr = ln.Addr().String()
	level := zap.WarnLevel
	if os.Getenv("SFNLOCAL_TEST_LOG") == "debug" {
		level = zap.DebugLevel
	}
	srv, err := server.New(cfg, zaptest.NewLogger(t, zaptest.Level(level)))
	if err != nil {
		ln.Close()
		t.Fatalf("sfnlocaltest: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	_, port, _ := net.SplitHostPort(cfg.Addr)
	s := &Server{Server: srv, URL: "http://127.0.0.1:" + port, Config: cfg, t: t}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && err != http.ErrServerClosed {
			t.Errorf("sfnlocaltest: shutdown: %v", err)
		}
	})
	return s
}

// Advance moves a --time manual server's clock forward by d, firing every wait, retry and
// timeout due by then; when it returns, the executions it woke have run up to their next
// wait (real work such as a Lambda invocation excepted). It fails the test in other modes.
func (s *Server) Advance(d time.Duration) {
	if err := s.mustManual().Advance(d); err != nil {
		s.t.Fatalf("sfnlocaltest: Advance(%v): %v", d, err)
	}
}

// AdvanceTo moves a --time manual server's clock forward to t (see Advance).
func (s *Server) AdvanceTo(at time.Time) {
	if err := s.mustManual().AdvanceTo(at); err != nil {
		s.t.Fatalf("sfnlocaltest: AdvanceTo(%v): %v", at, err)
	}
}

// AdvanceToNext moves a --time manual server's clock to the next pending deadline of any
// execution (see Advance); it reports false when nothing waits on the clock.
func (s *Server) AdvanceToNext() bool { return s.mustManual().AdvanceToNext() }

// Now returns a --time manual server's clock.
func (s *Server) Now() time.Time { return s.mustManual().Now() }

func (s *Server) mustManual() *clock.Manual {
	s.t.Helper()
	m := s.Manual()
	if m == nil {
		s.t.Fatalf("sfnlocaltest: the server runs --time %q; Advance needs WithTime(\"manual\")", s.Config.TimeMode)
	}
	return m
}

// AWSConfig returns an aws-sdk-go-v2 configuration that sends every client to this server
// with dummy credentials, e.g. sfn.NewFromConfig(srv.AWSConfig()). Endpoint host prefixes are
// off, so StartSyncExecution and TestState reach the server instead of "sync-127.0.0.1".
func (s *Server) AWSConfig() aws.Config {
	return aws.Config{
		Region:       s.Config.Region,
		Credentials:  credentials.NewStaticCredentialsProvider("sfnlocal", "sfnlocal", ""),
		BaseEndpoint: aws.String(s.URL),
		APIOptions:   []func(*middleware.Stack) error{DisableHostPrefix},
	}
}

// DisableHostPrefix is the Go SDK's counterpart of the CLI's
// AWS_DISABLE_HOST_PREFIX_INJECTION=true, as an API option for any client:
//
//	cfg.APIOptions = append(cfg.APIOptions, sfnlocaltest.DisableHostPrefix)
func DisableHostPrefix(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("sfnlocalDisableHostPrefix",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			return next.HandleInitialize(smithyhttp.DisableEndpointHostPrefix(ctx, true), in)
		}), middleware.Before)
}
