package lambda

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/clock"
)

// Payload limits of Invoke.
const (
	maxSyncPayload  = 6291456
	maxAsyncPayload = 1048576
	maxClientCtx    = 3583
	// initAllowance is how long a new environment may take to initialise (AWS's init limit).
	initAllowance = 10 * time.Second
	logTailBytes  = 4096
)

var errGoFnTimeout = errors.New("lambda: function timed out")

// Invoke invokes a function as the Lambda Invoke API does. API errors are *APIError; when ctx
// ends first it returns context.Cause(ctx) (the invocation itself runs on, as on AWS).
func (s *Service) Invoke(ctx context.Context, in *InvokeInput) (*InvokeOutput, error) {
	typ := in.InvocationType
	if typ == "" {
		typ = "RequestResponse"
	}
	if typ != "RequestResponse" && typ != "Event" && typ != "DryRun" {
		return nil, errValidation("'"+typ+"'", "invocationType", "Member must satisfy enum value set: [Event, RequestResponse, DryRun]")
	}
	if in.LogType != "" && in.LogType != "None" && in.LogType != "Tail" {
		return nil, errValidation("'"+in.LogType+"'", "logType", "Member must satisfy enum value set: [None, Tail]")
	}
	if s.fwd != nil && !s.isGoFunction(regionOf(ctx), in.FunctionName) {
		return s.fwd.invoke(ctx, in, typ)
	}
	_, v, aerr := s.resolve(regionOf(ctx), in.FunctionName, in.Qualifier, true)
	if aerr != nil {
		return nil, aerr
	}
	payload := in.Payload
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	limit := maxSyncPayload
	if typ == "Event" {
		limit = maxAsyncPayload
	}
	if len(payload) > limit {
		return nil, apiErr(http.StatusRequestEntityTooLarge, CodeRequestTooLarge, "Request must be smaller than %d bytes for the InvokeFunction operation", limit)
	}
	if !json.Valid(payload) {
		var x any
		err := json.Unmarshal(payload, &x)
		return nil, apiErr(http.StatusBadRequest, CodeInvalidRequestContent, "Could not parse request body into json: Could not parse payload into json: %v", err)
	}
	var cc string
	if in.ClientContext != "" {
		if len(in.ClientContext) > maxClientCtx {
			return nil, errValidation("'"+in.ClientContext+"'", "clientContext", "Member must have length less than or equal to 3583")
		}
		raw, err := base64.StdEncoding.DecodeString(in.ClientContext)
		if err != nil || !json.Valid(raw) {
			return nil, apiErr(http.StatusBadRequest, CodeInvalidRequestContent, "Client context must be a valid Base64-encoded JSON object.")
		}
		cc = string(raw)
	}
	out := &InvokeOutput{ExecutedVersion: v.conf.Version, RequestID: newUUID()}
	switch typ {
	case "DryRun":
		out.StatusCode = http.StatusNoContent
		return out, nil
	case "Event":
		s.mu.Lock()
		closed := s.closed
		if !closed {
			s.bg.Add(1)
		}
		s.mu.Unlock()
		if closed {
			return nil, apiErr(http.StatusInternalServerError, CodeService, "The service is shutting down.")
		}
		go func() {
			defer s.bg.Done()
			o := s.execute(s.ctx, v, out.RequestID, payload, cc)
			if o.apiErr != nil {
				s.log.Warn("event invocation failed", zap.String("function", v.conf.FunctionName), zap.Error(o.apiErr))
			}
		}()
		out.StatusCode = http.StatusAccepted
		out.ExecutedVersion = ""
		return out, nil
	}
	done := make(chan outcome, 1)
	go func() { done <- s.execute(ctx, v, out.RequestID, payload, cc) }()
	var o outcome
	select {
	case o = <-done:
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
	if o.apiErr != nil {
		return nil, o.apiErr
	}
	out.StatusCode = http.StatusOK
	out.Payload = o.res.body
	if o.res.failed {
		out.FunctionError = "Unhandled"
	}
	if in.LogType == "Tail" {
		tail := o.log
		if len(tail) > logTailBytes {
			tail = tail[len(tail)-logTailBytes:]
		}
		out.LogResult = base64.StdEncoding.EncodeToString([]byte(tail))
	}
	return out, nil
}

func (s *Service) isGoFunction(region, fnName string) bool {
	name, _, aerr := splitName(fnName)
	if aerr != nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.functions[fkey(s.nameRegion(region, fnName), name)]
	return f != nil && f.latest.goFn != nil
}

// outcome is the end of one invocation.
type outcome struct {
	res    runtimeResult
	log    string
	apiErr error
}

// kind names the outcome for Config.OnInvoke: success, error (a function error or timeout) or
// service_error (the invocation could not run).
func (o outcome) kind() string {
	switch {
	case o.apiErr != nil:
		return "service_error"
	case o.res.failed:
		return "error"
	}
	return "success"
}

// execute runs one invocation to its end: a result, a function error, a timeout or a crash.
// ctx only bounds the wait for a free slot: once started, an invocation runs to its end.
func (s *Service) execute(ctx context.Context, v *version, id string, payload []byte, clientCtx string) (o outcome) {
	if s.cfg.OnInvoke != nil {
		defer func() { s.cfg.OnInvoke(v.conf.FunctionName, o.kind()) }()
	}
	if !v.pool.acquire(ctx) {
		return outcome{apiErr: context.Cause(ctx)}
	}
	defer v.pool.release()
	timeout := time.Duration(v.conf.Timeout) * time.Second
	inv := &invocation{
		id:            id,
		payload:       payload,
		arn:           v.conf.FunctionArn,
		clientContext: clientCtx,
		timeout:       timeout,
		done:          make(chan runtimeResult, 1),
	}
	if v.goFn != nil {
		return s.executeGo(v, inv, timeout)
	}
	start := s.clk.Now()
	e := v.pool.get()
	cold := e == nil
	if cold {
		var res *runtimeResult
		var err error
		e, res, err = s.startEnv(v)
		if err != nil {
			return outcome{apiErr: err}
		}
		if res != nil {
			return outcome{res: *res, log: s.report(v, id, "", 0, 0, "error")}
		}
	}
	healthy := true
	var res runtimeResult
	status := ""
	allow := timeout
	if cold {
		allow += initAllowance
	}
	hand := s.clk.NewTimer(allow)
	handed := false
	select {
	case e.next <- inv:
		handed = true
	case <-e.initFailed:
		res, healthy, status = e.initError(), false, "error"
	case <-e.exited:
		res, healthy, status = e.exitError(id), false, "error"
	case <-hand.C():
		res, healthy, status = timeoutResult(id, timeout), false, "timeout"
	}
	hand.Stop()
	invStart := s.clk.Now()
	var initDur time.Duration
	if cold {
		initDur = invStart.Sub(start)
	}
	if handed {
		t := s.clk.NewTimer(timeout)
		select {
		case res = <-inv.done:
		case <-e.exited:
			res, healthy, status = e.exitError(id), false, "error"
		case <-t.C():
			res, healthy, status = timeoutResult(id, timeout), false, "timeout"
		}
		t.Stop()
	}
	dur := s.clk.Now().Sub(invStart)
	text := e.readLog()
	if status == "timeout" {
		text += s.clk.Now().UTC().Format("2006-01-02T15:04:05.000Z") + " " + id + " Task timed out after " + seconds(timeout) + " seconds\n"
	}
	v.pool.put(e, healthy)
	return outcome{res: res, log: s.report(v, id, text, dur, initDur, status)}
}

func (s *Service) executeGo(v *version, inv *invocation, timeout time.Duration) outcome {
	ctx, cancel := clock.WithTimeout(s.ctx, s.clk, timeout, errGoFnTimeout)
	defer cancel()
	start := s.clk.Now()
	ch := make(chan runtimeResult, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				ch <- runtimeResult{failed: true, errorType: "Runtime.Panic", body: mustJSON(map[string]any{"errorMessage": fmt.Sprint(p), "errorType": "Runtime.Panic"})}
			}
		}()
		out, err := v.goFn(ctx, inv.payload)
		if err != nil {
			typ := errorTypeName(err)
			ch <- runtimeResult{failed: true, errorType: typ, body: mustJSON(map[string]any{"errorMessage": err.Error(), "errorType": typ})}
			return
		}
		ch <- runtimeResult{body: out}
	}()
	var res runtimeResult
	status := ""
	select {
	case res = <-ch:
	case <-ctx.Done():
	}
	// A function that ends because its context did (timeout or shutdown) reports that, not
	// its own ctx.Err() result.
	switch cause := context.Cause(ctx); {
	case cause == errGoFnTimeout:
		res, status = timeoutResult(inv.id, timeout), "timeout"
	case cause != nil:
		res, status = runtimeResult{failed: true, errorType: "Runtime.ExitError", body: mustJSON(orderedError{"Runtime.ExitError", "RequestId: " + inv.id + " Error: Runtime exited without providing a reason"})}, "error"
	}
	return outcome{res: res, log: s.report(v, inv.id, "", s.clk.Now().Sub(start), 0, status)}
}

// errorTypeName names a Go error as aws-lambda-go does: its type name without the pointer.
func errorTypeName(err error) string {
	t := reflect.TypeOf(err)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Name() == "" {
		return t.String()
	}
	return t.Name()
}

func (e *env) initError() runtimeResult {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.initErr != nil {
		return *e.initErr
	}
	return runtimeResult{failed: true, errorType: "Runtime.Unknown", body: []byte(`{"errorType":"Runtime.Unknown","errorMessage":"Unknown init error"}`)}
}

func (e *env) exitError(id string) runtimeResult {
	select {
	case <-e.initFailed:
		return e.initError()
	default:
	}
	e.mu.Lock()
	err := e.exitErr
	e.mu.Unlock()
	msg := "RequestId: " + id + " Error: Runtime exited without providing a reason"
	if err != nil {
		msg = "RequestId: " + id + " Error: Runtime exited with error: " + err.Error()
	}
	return runtimeResult{failed: true, errorType: "Runtime.ExitError", body: mustJSON(orderedError{"Runtime.ExitError", msg})}
}

// orderedError is an error body with errorType first, as Lambda writes its own errors.
type orderedError struct {
	ErrorType    string `json:"errorType"`
	ErrorMessage string `json:"errorMessage"`
}

func timeoutResult(id string, timeout time.Duration) runtimeResult {
	msg := "RequestId: " + id + " Error: Task timed out after " + seconds(timeout) + " seconds"
	return runtimeResult{failed: true, errorType: "Sandbox.Timedout", body: mustJSON(orderedError{"Sandbox.Timedout", msg})}
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.2f", d.Seconds()) }

// report frames an invocation's runtime output as CloudWatch Logs shows it and keeps it.
func (s *Service) report(v *version, id, text string, dur, initDur time.Duration, status string) string {
	var b strings.Builder
	b.WriteString("START RequestId: ")
	b.WriteString(id)
	b.WriteString(" Version: ")
	b.WriteString(v.conf.Version)
	b.WriteByte('\n')
	b.WriteString(text)
	if text != "" && !strings.HasSuffix(text, "\n") {
		b.WriteByte('\n')
	}
	ms := float64(dur) / float64(time.Millisecond)
	fmt.Fprintf(&b, "END RequestId: %s\nREPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\t", id, id, ms, int64(math.Ceil(ms)), v.conf.MemorySize)
	if initDur > 0 {
		fmt.Fprintf(&b, "Init Duration: %.2f ms\t", float64(initDur)/float64(time.Millisecond))
	}
	if status != "" {
		fmt.Fprintf(&b, "Status: %s\t", status)
	}
	b.WriteByte('\n')
	out := b.String()
	v.logs.add(out)
	if ce := s.log.Check(zap.DebugLevel, "invocation log"); ce != nil {
		ce.Write(zap.String("function", v.conf.FunctionName), zap.String("request_id", id), zap.String("log", out))
	}
	return out
}
