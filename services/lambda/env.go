package lambda

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/clock"
)

// pool holds the execution environments of one function version: idle ones wait for the next
// invocation; busy ones return after theirs. slots caps how many invocations (and so
// environments) run at once; further invocations queue, as a local machine cannot start
// a thousand runtimes for a wide Map state. Idle environments are stopped after idleTTL.
type pool struct {
	slots   chan struct{}
	clk     clock.Clock
	idleTTL time.Duration

	mu     sync.Mutex
	idle   []*env
	all    map[*env]struct{}
	timers map[*env]clock.Timer
	closed bool
}

func (s *Service) newPool() *pool {
	return &pool{
		slots:   make(chan struct{}, s.cfg.MaxConcurrency),
		clk:     s.clk,
		idleTTL: s.cfg.IdleTimeout,
		all:     map[*env]struct{}{},
		timers:  map[*env]clock.Timer{},
	}
}

// acquire waits for an invocation slot, or returns false when ctx ends first.
func (p *pool) acquire(ctx context.Context) bool {
	select {
	case p.slots <- struct{}{}:
		// select picks at random when a slot frees up just as ctx ends: a caller that has
		// gone (its Invoke already returned) must not run the function.
		if ctx.Err() != nil {
			p.release()
			return false
		}
		return true
	case <-ctx.Done():
		return false
	}
}

func (p *pool) release() { <-p.slots }

// get takes an idle environment, or returns nil when a new one must be started.
func (p *pool) get() *env {
	p.mu.Lock()
	defer p.mu.Unlock()
	for n := len(p.idle); n > 0; n = len(p.idle) {
		e := p.idle[n-1]
		p.idle = p.idle[:n-1]
		if t := p.timers[e]; t != nil {
			t.Stop()
			delete(p.timers, e)
		}
		if !e.dead() {
			return e
		}
		delete(p.all, e)
		go e.destroy()
	}
	return nil
}

// add registers a new environment; false when the pool is closed.
func (p *pool) add(e *env) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.all[e] = struct{}{}
	return true
}

// put returns an environment after an invocation; a broken one, or any once the pool is
// closed, is destroyed.
func (p *pool) put(e *env, healthy bool) {
	p.mu.Lock()
	if healthy && !p.closed && !e.dead() {
		p.idle = append(p.idle, e)
		if p.idleTTL > 0 {
			p.timers[e] = p.clk.AfterFunc(p.idleTTL, func() { p.evict(e) })
		}
		p.mu.Unlock()
		return
	}
	delete(p.all, e)
	p.mu.Unlock()
	e.destroy()
}

// evict stops an environment that stayed idle for idleTTL.
func (p *pool) evict(e *env) {
	p.mu.Lock()
	found := false
	for i, x := range p.idle {
		if x == e {
			p.idle = append(p.idle[:i], p.idle[i+1:]...)
			found = true
			break
		}
	}
	if found {
		delete(p.all, e)
		delete(p.timers, e)
	}
	p.mu.Unlock()
	if found {
		e.destroy()
	}
}

// close destroys idle environments now. Busy ones are destroyed when their invocation ends,
// or at once with force (Service.Close), which ends their invocations with Runtime.ExitError.
func (p *pool) close(force bool) {
	p.mu.Lock()
	p.closed = true
	idle := p.idle
	p.idle = nil
	for _, e := range idle {
		delete(p.all, e)
	}
	for e, t := range p.timers {
		t.Stop()
		delete(p.timers, e)
	}
	var busy []*env
	if force {
		for e := range p.all {
			busy = append(busy, e)
		}
	}
	p.mu.Unlock()
	for _, e := range idle {
		e.destroy()
	}
	for _, e := range busy {
		e.destroy()
	}
}

// invocation is one request handed to an environment's runtime.
type invocation struct {
	id            string
	payload       []byte
	arn           string
	clientContext string
	timeout       time.Duration
	done          chan runtimeResult
	once          sync.Once
}

func (inv *invocation) finish(r runtimeResult) {
	inv.once.Do(func() { inv.done <- r })
}

// runtimeResult is what the runtime reported for an invocation.
type runtimeResult struct {
	body      []byte
	errorType string // set for function errors
	failed    bool
}

// env is one execution environment: a runtime process or container and the Runtime API
// listener it talks to.
type env struct {
	svc  *Service
	name string // function name, for logs
	ln   net.Listener
	srv  *http.Server
	next chan *invocation

	mu          sync.Mutex
	current     *invocation
	initErr     *runtimeResult
	initFailed  chan struct{}
	exited      chan struct{}
	exitErr     error
	destroyOnce sync.Once
	stop        func() // kills the process or container; set once started

	logPath string
	logFile *os.File // the runtime's stdout and stderr
	logOff  int64
	warm    bool
}

// newEnv starts an environment's Runtime API. A container's (inContainer) listens on every
// interface, since the container reaches it through Docker's host gateway; a local process's
// on loopback only.
func newEnv(s *Service, name string, inContainer bool) (*env, error) {
	host := "127.0.0.1:0"
	if inContainer {
		host = ":0"
	}
	ln, err := net.Listen("tcp", host)
	if err != nil {
		return nil, fmt.Errorf("lambda: runtime API listener: %w", err)
	}
	tmp, err := os.CreateTemp(s.baseDir, "log-")
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("lambda: log file: %w", err)
	}
	_ = tmp.Close()
	// O_APPEND: the runtime's writes always land at the end, even after readLog truncates.
	lf, err := os.OpenFile(tmp.Name(), os.O_RDWR|os.O_APPEND, 0)
	if err != nil {
		ln.Close()
		_ = os.Remove(tmp.Name())
		return nil, fmt.Errorf("lambda: log file: %w", err)
	}
	e := &env{
		svc:        s,
		name:       name,
		ln:         ln,
		next:       make(chan *invocation),
		initFailed: make(chan struct{}),
		exited:     make(chan struct{}),
		logPath:    lf.Name(),
		logFile:    lf,
	}
	e.srv = &http.Server{Handler: e, ErrorLog: zap.NewStdLog(s.log)}
	go func() { _ = e.srv.Serve(ln) }()
	return e, nil
}

// addr is the value of AWS_LAMBDA_RUNTIME_API for this environment.
func (e *env) addr() string { return e.ln.Addr().String() }

func (e *env) dead() bool {
	select {
	case <-e.exited:
		return true
	case <-e.initFailed:
		return true
	default:
		return false
	}
}

// exit records that the runtime ended.
func (e *env) exit(err error) {
	e.mu.Lock()
	e.exitErr = err
	e.mu.Unlock()
	close(e.exited)
}

func (e *env) destroy() {
	e.destroyOnce.Do(func() {
		e.mu.Lock()
		stop := e.stop
		e.mu.Unlock()
		if stop != nil {
			stop()
		}
		_ = e.srv.Close()
		_ = e.logFile.Close()
		_ = os.Remove(e.logPath)
	})
}

const runtimePrefix = "/2018-06-01/runtime/"

// ServeHTTP is the Lambda Runtime API of this environment.
func (e *env) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, runtimePrefix)
	if path == r.URL.Path {
		rapiError(w, http.StatusNotFound, "InvalidRequest", "not found")
		return
	}
	switch {
	case path == "invocation/next" && r.Method == http.MethodGet:
		e.serveNext(w, r)
	case path == "init/error" && r.Method == http.MethodPost:
		body, _ := io.ReadAll(io.LimitReader(r.Body, 6<<20))
		res := errorResult(body, r.Header.Get("Lambda-Runtime-Function-Error-Type"))
		e.mu.Lock()
		first := e.initErr == nil
		if first {
			e.initErr = &res
		}
		e.mu.Unlock()
		if first {
			close(e.initFailed)
		}
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"status":"OK"}`)
	case strings.HasPrefix(path, "invocation/") && r.Method == http.MethodPost:
		rest := strings.TrimPrefix(path, "invocation/")
		id, kind, ok := strings.Cut(rest, "/")
		if !ok || (kind != "response" && kind != "error") {
			rapiError(w, http.StatusNotFound, "InvalidRequest", "not found")
			return
		}
		e.mu.Lock()
		inv := e.current
		if inv == nil || inv.id != id {
			e.mu.Unlock()
			rapiError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
			return
		}
		e.current = nil
		e.mu.Unlock()
		body, err := io.ReadAll(io.LimitReader(r.Body, 6<<20+1))
		if err != nil {
			inv.finish(runtimeResult{failed: true, errorType: "Runtime.Unknown", body: mustJSON(map[string]any{"errorType": "Runtime.Unknown", "errorMessage": "RequestId: " + id + " Error: " + err.Error()})})
		} else if kind == "response" {
			if len(body) > 6<<20 {
				msg := fmt.Sprintf("Response payload size exceeded maximum allowed payload size (6291556 bytes).")
				inv.finish(runtimeResult{failed: true, errorType: "Function.ResponseSizeTooLarge", body: mustJSON(map[string]any{"errorMessage": msg, "errorType": "Function.ResponseSizeTooLarge"})})
			} else {
				inv.finish(runtimeResult{body: body})
			}
		} else {
			inv.finish(errorResult(body, r.Header.Get("Lambda-Runtime-Function-Error-Type")))
		}
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"status":"OK"}`)
	default:
		rapiError(w, http.StatusNotFound, "InvalidRequest", "not found")
	}
}

func (e *env) serveNext(w http.ResponseWriter, r *http.Request) {
	var inv *invocation
	select {
	case inv = <-e.next:
	case <-r.Context().Done():
		return
	}
	e.mu.Lock()
	e.current = inv
	e.mu.Unlock()
	h := w.Header()
	h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(e.svc.clk.Now().Add(inv.timeout).UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", inv.arn)
	h.Set("Lambda-Runtime-Trace-Id", traceID(inv.id))
	if inv.clientContext != "" {
		h.Set("Lambda-Runtime-Client-Context", inv.clientContext)
	}
	h.Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(inv.payload)
}

// errorResult turns an /error body into a function error: a JSON object is kept as it is; any
// other body becomes {"errorMessage": body, "errorType": errorType}.
func errorResult(body []byte, errorType string) runtimeResult {
	var obj map[string]any
	if err := json.Unmarshal(body, &obj); err == nil && obj != nil {
		if t, ok := obj["errorType"].(string); ok && t != "" {
			errorType = t
		}
		return runtimeResult{body: body, errorType: errorType, failed: true}
	}
	if errorType == "" {
		errorType = "Runtime.Unknown"
	}
	return runtimeResult{body: mustJSON(map[string]any{"errorMessage": string(body), "errorType": errorType}), errorType: errorType, failed: true}
}

func rapiError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(mustJSON(map[string]string{"errorMessage": msg, "errorType": typ}))
}

func mustJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return []byte(`{}`)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// readLog returns what the runtime wrote since the last call.
func (e *env) readLog() string {
	st, err := e.logFile.Stat()
	if err != nil || st.Size() <= e.logOff {
		return ""
	}
	n := st.Size() - e.logOff
	if n > 1<<20 {
		e.logOff = st.Size() - 1<<20
		n = 1 << 20
	}
	buf := make([]byte, n)
	m, _ := e.logFile.ReadAt(buf, e.logOff)
	e.logOff += int64(m)
	if e.logOff > 8<<20 {
		// Keep the file small: the runtime appends (O_APPEND), so truncating is safe.
		if err := e.logFile.Truncate(0); err == nil {
			e.logOff = 0
		}
	}
	return string(buf[:m])
}

func traceID(id string) string {
	h := strings.ReplaceAll(id, "-", "")
	if len(h) < 32 {
		h += strings.Repeat("0", 32-len(h))
	}
	return "Root=1-" + h[:8] + "-" + h[8:32] + ";Parent=" + h[16:32] + ";Sampled=0;Lineage=1:" + h[:8] + ":0"
}
