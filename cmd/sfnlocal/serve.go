package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/sfnlocal/sfnlocal/api"
	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/config"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

func init() { commands["serve"] = serveCommand }

// shutdownGrace bounds how long a graceful shutdown waits for requests in flight (a
// GetActivityTask long poll can hold one for 60 s).
const shutdownGrace = 5 * time.Second

// server is everything sfnlocal serves on its one port.
type server struct {
	cfg     config.Config
	log     *zap.Logger
	sfn     *api.Service
	handler http.Handler
}

// newServer builds the services and the HTTP routing between them.
func newServer(cfg config.Config, logger *zap.Logger) (*server, error) {
	clocks, err := clock.ParseMode(cfg.TimeMode)
	if err != nil {
		return nil, err
	}
	tasks := task.Registry{}

	// ---- Other services: the lead wires them here. ----
	// Lambda (REST, /2015-03-31/...), Batch (REST, /v1/...), SNS (query protocol, POST / with
	// Action=...), CloudWatch Logs (X-Amz-Target Logs_20140328.*): register their Task
	// handlers in tasks (e.g. tasks["lambda"] = ...) and their HTTP handlers in `others`
	// below, each with a predicate that claims its requests.
	type route struct {
		match   func(*http.Request) bool
		handler http.Handler
	}
	var others []route
	// ---- end of other services ----

	sfn, err := api.New(api.Options{
		Engine: api.InterpreterEngine(api.InterpreterConfig{
			Clock: clocks, Tasks: tasks, Logger: logger.Named("interpreter"),
			Region: cfg.Region, AccountID: cfg.AccountID,
		}),
		Logger:    logger.Named("api"),
		Region:    cfg.Region,
		AccountID: cfg.AccountID,
	})
	if err != nil {
		return nil, err
	}
	sfnHandler := sfn.Handler()
	s := &server{cfg: cfg, log: logger, sfn: sfn}
	s.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if api.IsStepFunctionsRequest(r) {
			sfnHandler.ServeHTTP(w, r)
			return
		}
		for _, o := range others {
			if o.match(r) {
				o.handler.ServeHTTP(w, r)
				return
			}
		}
		if r.Method == http.MethodPost && r.Header.Get("X-Amz-Target") != "" {
			// An awsJson request for a service sfnlocal does not serve: answer as AWS's
			// front end does for an unknown operation.
			sfnHandler.ServeHTTP(w, r)
			return
		}
		http.NotFound(w, r)
	})
	return s, nil
}

// Handler routes every request to its service.
func (s *server) Handler() http.Handler { return s.handler }

// Close stops every running execution.
func (s *server) Close() { s.sfn.Close() }

// serve listens on cfg.Addr until ctx ends, then shuts down gracefully. ready, when set, is
// called with the bound address once the listener is open.
func (s *server) serve(ctx context.Context, ready func(addr string)) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second, ErrorLog: zap.NewStdLog(s.log.Named("http"))}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	s.log.Info("listening", zap.String("addr", ln.Addr().String()), zap.String("region", s.cfg.Region),
		zap.String("account_id", s.cfg.AccountID), zap.String("time", s.cfg.TimeMode))
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		s.Close()
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err = hs.Shutdown(sctx)
	s.Close()
	if errors.Is(err, context.DeadlineExceeded) {
		return hs.Close()
	}
	return err
}

// newLogger returns a console logger at level writing to w.
func newLogger(level string, w io.Writer) (*zap.Logger, error) {
	var l zapcore.Level
	if err := l.UnmarshalText([]byte(strings.ToLower(level))); err != nil {
		return nil, err
	}
	enc := zap.NewDevelopmentEncoderConfig()
	enc.EncodeTime = zapcore.ISO8601TimeEncoder
	core := zapcore.NewCore(zapcore.NewConsoleEncoder(enc), zapcore.Lock(zapcore.AddSync(w)), l)
	return zap.New(core), nil
}

// serveCommand is "sfnlocal serve": it runs until SIGINT or SIGTERM.
func serveCommand(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, err := config.Load(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "sfnlocal serve:", err)
		return 2
	}
	logger, err := newLogger(cfg.LogLevel, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "sfnlocal serve:", err)
		return 2
	}
	defer func() { _ = logger.Sync() }()
	srv, err := newServer(cfg, logger)
	if err != nil {
		logger.Error("starting", zap.Error(err))
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := srv.serve(ctx, nil); err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.Error("serving", zap.Error(err))
		return 1
	}
	return 0
}
