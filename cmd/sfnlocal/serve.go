package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/sfnlocal/sfnlocal/internal/config"
	"github.com/sfnlocal/sfnlocal/server"
)

func init() { commands["serve"] = serveCommand }

// defaultMemoryLimit is the Go runtime's soft memory limit when GOMEMLIMIT is not set.
const defaultMemoryLimit = 200 << 20

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

// serveCommand is "sfnlocal serve": it runs until SIGINT or SIGTERM, then shuts down
// gracefully (requests in flight finish, executions stop, job containers are removed).
func serveCommand(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, err := config.Load(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "sfnlocal serve:", err)
		return 2
	}
	if getenv("GOMEMLIMIT") == "" {
		// A soft limit makes the collector run before the heap doubles its live size: with
		// the 100,000 finished executions --max-executions keeps (about 1 KB each), RSS stays
		// under 300 MB. The GOMEMLIMIT variable overrides it.
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	logger, err := newLogger(cfg.LogLevel, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "sfnlocal serve:", err)
		return 2
	}
	defer func() { _ = logger.Sync() }()
	// Signals are set up while the services are built: the runtime's first signal.Notify waits
	// for a thread of its own to start (0.3 ms, more on a loaded machine).
	var (
		ctx      context.Context
		stop     context.CancelFunc
		sigReady = make(chan struct{})
	)
	go func() {
		ctx, stop = signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
		close(sigReady)
	}()
	defer func() { <-sigReady; stop() }()
	// Bind first: with port 0 the services must learn the real port to tell function
	// processes and job containers where to call back.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		logger.Error("listening", zap.Error(err))
		return 1
	}
	cfg.Addr = ln.Addr().String()
	srv, err := server.New(cfg, logger)
	if err != nil {
		ln.Close()
		logger.Error("starting", zap.Error(err))
		return 1
	}
	<-sigReady
	if cfg.MockConfig != "" {
		// SIGHUP reloads the mock configuration; a bad file keeps the one in force.
		hup := make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		defer signal.Stop(hup)
		go func() {
			for {
				select {
				case <-ctx.Done():
					return
				case <-hup:
					if err := srv.ReloadMocks(); err != nil {
						logger.Error("reloading the mock configuration; keeping the one in force", zap.Error(err))
					}
				}
			}
		}()
	}
	if err := srv.Serve(ctx, ln); err != nil {
		logger.Error("serving", zap.Error(err))
		return 1
	}
	return 0
}
