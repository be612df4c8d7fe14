package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Helpers for the tests that run the built binary as a separate process.

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
	buildDir  string
)

// TestMain removes what the tests built once for all.
func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// binary builds sfnlocal once (as `make build` does) and returns its path.
func binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "sfnlocal-test-bin-")
		if buildErr != nil {
			return
		}
		builtBin = filepath.Join(buildDir, "sfnlocal")
		out, err := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", builtBin, ".").CombinedOutput()
		if err != nil {
			buildErr = &buildError{err, string(out)}
		}
	})
	require.NoError(t, buildErr)
	return builtBin
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.out }

// proc is a running sfnlocal.
type proc struct {
	cmd  *exec.Cmd
	addr string

	mu     sync.Mutex
	log    []string      // its log lines so far
	more   chan struct{} // closed and replaced when a line comes
	exited bool
}

// logLines returns the log lines so far.
func (p *proc) logLines() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.log...)
}

// freeAddr returns a loopback address with a free port.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// startProc starts the binary serving on a free port with extra environment variables and
// flags, and returns once it listens. The process is killed when the test ends.
func startProc(t testing.TB, env []string, args ...string) *proc {
	t.Helper()
	p := launch(t, env, args...)
	p.waitLog(t, "listening")
	return p
}

// launch starts the binary serving on a free port and collects its log lines; it does not
// wait for it to listen. The process is killed when the test ends.
func launch(t testing.TB, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{addr: freeAddr(t), more: make(chan struct{})}
	p.cmd = exec.Command(binary(t), append([]string{"serve", "--addr", p.addr}, args...)...)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.SysProcAttr = childAttr()
	stderr, err := p.cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, p.cmd.Start())
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
	})
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.mu.Lock()
			p.log = append(p.log, sc.Text())
			close(p.more)
			p.more = make(chan struct{})
			p.mu.Unlock()
		}
		p.mu.Lock()
		p.exited = true
		close(p.more)
		p.mu.Unlock()
	}()
	return p
}

// waitLog waits for a log line (one logged so far counts) holding every part; it fails if the
// process exits first.
func (p *proc) waitLog(t testing.TB, parts ...string) string {
	t.Helper()
	seen := 0
	for {
		p.mu.Lock()
		lines, more, exited := p.log[seen:], p.more, p.exited
		p.mu.Unlock()
		for _, line := range lines {
			ok := true
			for _, s := range parts {
				ok = ok && strings.Contains(line, s)
			}
			if ok {
				return line
			}
		}
		seen += len(lines)
		if exited {
			t.Fatalf("sfnlocal exited before logging %q", parts)
		}
		<-more
	}
}

// call sends a request to the process and decodes a JSON answer into out (when non-nil).
func (p *proc) call(t testing.TB, method, path string, header map[string]string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, "http://"+p.addr+path, rd)
	require.NoError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if out != nil && len(raw) > 0 {
		require.NoError(t, json.Unmarshal(raw, out), string(raw))
	}
	return resp.StatusCode
}

// sfn calls a Step Functions operation.
func (p *proc) sfn(t testing.TB, op string, body any, out any) {
	t.Helper()
	code := p.call(t, http.MethodPost, "/", map[string]string{"X-Amz-Target": "AWSStepFunctions." + op, "Content-Type": "application/x-amz-json-1.0"}, body, out)
	require.Equal(t, http.StatusOK, code, op)
}

// needTool skips a test when a tool it needs is missing, and fails it when CI=true.
func needTool(t testing.TB, name string, check ...string) {
	t.Helper()
	err := exec.Command(name, check...).Run()
	if err == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is required in CI: %v", name, err)
	}
	t.Skipf("%s not available: %v", name, err)
}

// waitEnd waits for an execution to end and returns its final status. It reads the console's
// live stream (/ui/stream, woken by the server's status observer), whose "end" event carries
// the status: one request, no polling.
func (p *proc) waitEnd(t testing.TB, arn string) string {
	t.Helper()
	status, err := p.awaitEnd(arn)
	require.NoError(t, err)
	return status
}

// awaitEnd is waitEnd without testing.TB, for client goroutines (no require there).
func (p *proc) awaitEnd(arn string) (string, error) {
	// after skips history rows: only the "end" event matters here.
	resp, err := http.Get("http://" + p.addr + "/ui/stream?after=1000000000&arn=" + url.QueryEscape(arn))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("stream of %s: %s", arn, resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	end := false
	for sc.Scan() {
		line := sc.Text()
		if line == "event: end" {
			end = true
		} else if status, ok := strings.CutPrefix(line, "data: "); ok && end {
			return status, nil
		}
	}
	return "", fmt.Errorf("stream of %s closed before its end: %v", arn, sc.Err())
}
