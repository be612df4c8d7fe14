package api

// This file is the Step Functions service integration: the Task handlers behind
// "arn:aws:states:::states:startExecution[.sync|.sync:2|.waitForTaskToken]" (Integration) and
// "arn:aws:states:::aws-sdk:sfn:<action>" (SDKIntegration). It lives in api, not in services/,
// because a nested execution must start through the Service's own start path: the child then
// shows up in ListExecutions and DescribeExecution like any other execution, honours
// versions, aliases and idempotency, and its outcome is read from the same record.
//
// Shapes follow what AWS records (shared conformance cases services-sfn, callback,
// credentials, local_mocking and services-aws-sdk-sfn):
//   - request-response: {"ExecutionArn","StartDate",SdkHttpMetadata,SdkResponseMetadata}, dates
//     in epoch milliseconds (the Java SDK's JSON);
//   - .sync: DescribeExecution with PascalCase members, Input/Output as JSON text;
//   - .sync:2: the same with Input/Output parsed;
//   - a child that does not succeed fails the Task with States.TaskFailed and the child's
//     description (same shape) as the cause;
//   - a StartExecution API error fails it with StepFunctions.<Code>Exception and the Java
//     SDK's exception text as the cause;
//   - aws-sdk:sfn calls any API operation with PascalCase members; errors are
//     Sfn.<Code>Exception with the SDK v2 exception text, dates are ISO-8601.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/value"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// Integration returns the Task handler of the optimized Step Functions integration
// (register it as task.Registry["states"]). With .sync and .sync:2 it waits for the child
// execution, and stops the child when the parent's Task is cancelled (StopExecution,
// TimeoutSeconds), as AWS does.
//
// It is Cooperative: a child started by a parent's Task runs on the parent's scheduler, so
// in instant time the child's waits and the parent's (its siblings, the Task's timeout) are
// ordered on one clock, and the parent's time after the Task is the child's end.
func (s *Service) Integration() task.Handler { return task.CooperativeFunc(s.invokeStates) }

// SDKIntegration returns the Task handler of the AWS SDK integration with Step Functions
// (register it as task.Registry["aws-sdk:sfn"]): aws-sdk:sfn:<action> calls the API operation
// of that name on this Service.
func (s *Service) SDKIntegration() task.Handler { return task.HandlerFunc(s.invokeSDK) }

func (s *Service) invokeStates(ctx context.Context, req *task.Request) (any, error) {
	if req.Action != "startExecution" {
		return nil, fmt.Errorf("the states integration does not support action %q", req.Action)
	}
	in, err := startParams(req.Parameters)
	if err != nil {
		return nil, s.serviceFailure(err, false)
	}
	sched := clock.SchedFrom(ctx)
	if s.childName(in, req) {
		if ex := s.reattachChild(ctx, in); ex != nil {
			// The same attempt runs again after a restart and finds its child, which runs on
			// a scheduler of its own: wait for it as for outside work.
			if sched == nil {
				return s.finishStates(ctx, req, ex, nil)
			}
			var res any
			sched.External(func() { res, err = s.finishStates(ctx, req, ex, nil) })
			return res, err
		}
	}
	ex, err := s.startOn(in, false, sched)
	if err != nil {
		return nil, s.serviceFailure(err, false)
	}
	return s.finishStates(ctx, req, ex, sched)
}

// finishStates answers a startExecution Task once its child is started: at once, or with
// .sync once the child has ended. sched is the scheduler the child shares with the parent
// (nil when it has its own).
func (s *Service) finishStates(ctx context.Context, req *task.Request, ex *execution, sched *clock.Sched) (any, error) {
	started := s.startResponse(ex)
	if req.Pattern != task.Sync {
		// Request-response, and .waitForTaskToken where the interpreter does the waiting.
		return started, nil
	}
	req.Submitted(started)
	if err := awaitRun(ctx, sched, ex.run.Done()); err != nil {
		if sched != nil {
			// Stop returns once the child has ended, and the child needs this goroutine's
			// scheduler to end: abort it and wait through the scheduler.
			ex.run.Abort("", "")
			_ = awaitRun(context.Background(), sched, ex.run.Done())
		} else if err := ex.run.Stop("", ""); err == nil || errors.Is(err, ErrExecutionNotRunning) {
			<-ex.run.Done()
		}
		return nil, context.Cause(ctx)
	}
	d, err := s.describeEnded(ctx, ex)
	if err != nil {
		return nil, err
	}
	desc := describeShape(d, strings.HasSuffix(req.Resource, ".sync:2"))
	if d.Status == "SUCCEEDED" {
		return desc, nil
	}
	cause, err := task.Encode(desc)
	if err != nil {
		return nil, err
	}
	return nil, &task.Failure{Name: "States.TaskFailed", Cause: string(cause)}
}

// awaitRun waits for done or the end of ctx: through the parent's scheduler when the child
// runs on it (the caller then holds the scheduler), else on the channels.
func awaitRun(ctx context.Context, sched *clock.Sched, done <-chan struct{}) error {
	if sched != nil {
		return sched.Await(ctx, done)
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// describeEnded describes an ended child as DescribeExecution does. An EXPRESS child has no
// DescribeExecution, so it is described from its run, without the redrive members.
func (s *Service) describeEnded(ctx context.Context, ex *execution) (*DescribeExecutionOutput, error) {
	if !ex.rec.Express {
		arn := ex.rec.Arn
		return s.DescribeExecution(ctx, &DescribeExecutionInput{ExecutionArn: &arn})
	}
	rec := ex.rec
	fillOutcome(&rec, ex.run)
	d := &DescribeExecutionOutput{
		ExecutionArn: rec.Arn, StateMachineArn: rec.StateMachineArn, Name: rec.Name, Status: rec.Status,
		StartDate: ts(rec.StartDate), StopDate: ts(rec.StopDate), Input: &rec.Input,
		InputDetails: &DataDetails{Included: true}, StateMachineVersionArn: rec.VersionArn,
		StateMachineAliasArn: rec.AliasArn,
	}
	if rec.HasOutput {
		d.Output, d.OutputDetails = &rec.Output, &DataDetails{Included: true}
	}
	if rec.HasError {
		d.Error = &rec.Error
	}
	if rec.HasCause {
		d.Cause = &rec.Cause
	}
	if rec.TraceHeader != "" {
		d.TraceHeader = &rec.TraceHeader
	}
	return d, nil
}

// startParams reads the Task's StartExecution parameters. Input may be JSON text (a string,
// used as is) or any other JSON value (encoded); null or absent means no input ("{}").
func startParams(params any) (*StartExecutionInput, error) {
	m, ok := task.Object(params) // shallow: an object Input keeps its key order in its text
	if !ok {
		return nil, newError(CodeValidationException, "1 validation error detected: Value null at 'stateMachineArn' failed to satisfy constraint: Member must not be null")
	}
	in := &StartExecutionInput{}
	var err error
	if in.StateMachineArn, err = stringParam(m, "StateMachineArn"); err != nil {
		return nil, err
	}
	if in.Name, err = stringParam(m, "Name"); err != nil {
		return nil, err
	}
	if in.TraceHeader, err = stringParam(m, "TraceHeader"); err != nil {
		return nil, err
	}
	switch v := m["Input"].(type) {
	case nil:
	case string:
		in.Input = &v
	default:
		b, err := task.Encode(v)
		if err != nil {
			return nil, newError(CodeInvalidExecutionInput, "Invalid State Machine Execution Input: '%s'", err.Error())
		}
		text := string(b)
		in.Input = &text
	}
	return in, nil
}

// stringParam is an optional string member; another type is AWS's deserialization error.
func stringParam(m map[string]any, key string) (*string, error) {
	switch v := m[key].(type) {
	case nil:
		return nil, nil
	case string:
		return &v, nil
	default:
		return nil, newError(CodeSerialization, "Unexpected value type for member '%s': expected string", lowerFirst(key))
	}
}

// startResponse is StartExecution's answer as the Java SDK hands it to the integration, with
// the HTTP metadata AWS records.
func (s *Service) startResponse(ex *execution) map[string]any {
	body, _ := marshal(&StartExecutionOutput{ExecutionArn: ex.rec.Arn, StartDate: ts(ex.rec.StartDate)})
	id := s.newID()
	date := s.clock.Now().UTC().Format(http.TimeFormat)
	length := strconv.Itoa(len(body))
	return map[string]any{
		"ExecutionArn": ex.rec.Arn,
		"StartDate":    millis(ex.rec.StartDate),
		"SdkHttpMetadata": task.SdkHTTPMetadata(map[string]string{
			"x-amzn-RequestId": id, "connection": "keep-alive",
			"Content-Length": length, "Date": date, "Content-Type": contentType,
		}, 200),
		"SdkResponseMetadata": map[string]any{"RequestId": id},
	}
}

// millis is a timestamp as the Java SDK's JSON writes it: epoch milliseconds.
func millis(t time.Time) json.Number { return json.Number(strconv.FormatInt(t.UnixMilli(), 10)) }

// describeShape is DescribeExecution in the integration's PascalCase form. parsed (.sync:2)
// turns Input and Output from JSON text into values.
func describeShape(d *DescribeExecutionOutput, parsed bool) map[string]any {
	out := map[string]any{
		"ExecutionArn": d.ExecutionArn, "StateMachineArn": d.StateMachineArn, "Status": d.Status,
	}
	if d.RedriveStatus != "" {
		out["RedriveCount"] = json.Number(strconv.Itoa(d.RedriveCount))
	}
	text := func(key string, v *string) {
		if v == nil {
			return
		}
		if parsed {
			if pv, err := task.Decode([]byte(*v)); err == nil {
				out[key] = pv
				return
			}
		}
		out[key] = *v
	}
	str := func(key, v string) {
		if v != "" {
			out[key] = v
		}
	}
	date := func(key string, e *epoch) {
		if e != nil {
			out[key] = millis(time.Time(*e))
		}
	}
	details := func(key string, dd *DataDetails) {
		if dd != nil {
			out[key] = map[string]any{"Included": dd.Included}
		}
	}
	str("Name", d.Name)
	date("StartDate", d.StartDate)
	date("StopDate", d.StopDate)
	text("Input", d.Input)
	details("InputDetails", d.InputDetails)
	text("Output", d.Output)
	details("OutputDetails", d.OutputDetails)
	if d.TraceHeader != nil {
		out["TraceHeader"] = *d.TraceHeader
	}
	if d.Error != nil {
		out["Error"] = *d.Error
	}
	if d.Cause != nil {
		out["Cause"] = *d.Cause
	}
	str("MapRunArn", d.MapRunArn)
	str("StateMachineVersionArn", d.StateMachineVersionArn)
	str("StateMachineAliasArn", d.StateMachineAliasArn)
	date("RedriveDate", d.RedriveDate)
	str("RedriveStatus", d.RedriveStatus)
	str("RedriveStatusReason", d.RedriveStatusReason)
	return out
}

// serviceFailure turns an API error into the ASL error a Task sees, worded as the SDK that AWS
// uses for the integration words its exceptions: the Java SDK v1 for the optimized
// integration, the SDK v2 for aws-sdk. Anything else stays an error (States.TaskFailed).
func (s *Service) serviceFailure(err error, sdk bool) error {
	e := apiError(err)
	if e.Code == CodeInternalFailure {
		return err
	}
	name := e.Code
	if !strings.HasSuffix(name, "Exception") {
		name += "Exception"
	}
	id := s.newID()
	if sdk {
		return &task.Failure{Name: "Sfn." + name, Cause: fmt.Sprintf("%s (Service: Sfn, Status Code: %d, Request ID: %s) (SDK Attempt Count: 1)", e.Message, e.status(), id)}
	}
	return &task.Failure{Name: "StepFunctions." + name, Cause: fmt.Sprintf("%s (Service: AWSStepFunctions; Status Code: %d; Error Code: %s; Request ID: %s; Proxy: null)", e.Message, e.status(), e.Code, id)}
}

// invokeSDK runs aws-sdk:sfn:<action>: the operation's request members are the Parameters'
// keys with a lower-case first letter, and its answer comes back with upper-case ones.
func (s *Service) invokeSDK(ctx context.Context, req *task.Request) (any, error) {
	name := upperFirst(req.Action)
	f := operations[name]
	if f == nil || req.Action != lowerFirst(name) {
		return nil, fmt.Errorf("the aws-sdk:sfn integration has no action %q", req.Action)
	}
	params := task.Plain(req.Parameters)
	if params == nil {
		params = map[string]any{}
	}
	body, err := task.Encode(sdkKeys(params, lowerFirst, nil))
	if err != nil {
		return nil, err
	}
	// An execution asking about itself in its first moments may run before start() has
	// registered it: wait (briefly) for that, so that it finds itself as on AWS.
	if m, ok := params.(map[string]any); ok && req.ExecutionArn != "" && m["ExecutionArn"] == req.ExecutionArn {
		for i := 0; i < 400; i++ {
			if _, ok := s.runs.Load(req.ExecutionArn); ok {
				break
			}
			select {
			case <-ctx.Done():
				return nil, context.Cause(ctx)
			case <-time.After(5 * time.Millisecond):
			}
		}
	}
	// The operation runs on its own goroutine so that one waiting on this very execution
	// (stopExecution of $$.Execution.Id waits for the execution to end) cannot deadlock it:
	// the Task returns once its ctx ends, and the operation finishes after.
	type result struct {
		out any
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("panic in aws-sdk:sfn operation", fieldOperation(name), zap.Any("panic", p), zap.Stack("stack"))
				done <- result{err: fmt.Errorf("aws-sdk:sfn:%s failed: %v", req.Action, p)}
			}
		}()
		out, err := f(s, withRegion(ctx, req.Region), body)
		done <- result{out, err}
	}()
	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
	}
	if ctx.Err() != nil {
		// The execution ended while the call ran (stopExecution of itself, a timeout): that,
		// not the call's own answer, decides what the Task did.
		return nil, context.Cause(ctx)
	}
	if r.err != nil {
		return nil, s.serviceFailure(r.err, true)
	}
	b, err := marshal(r.out)
	if err != nil {
		return nil, err
	}
	// Decoded into maps, so members come out sorted: AWS writes the SDK's results with sorted
	// properties, not in the model's (botocore's) member order. The recordings show it where
	// the two differ: aws-sdk:s3 putObject {ChecksumCRC32, ChecksumType, ETag,
	// ServerSideEncryption}, events:putEvents {Entries, FailedEntryCount} (TestRecordedKeyOrder).
	v, err := task.DecodePlain(b)
	if err != nil {
		return nil, err
	}
	return sdkKeys(v, upperFirst, isoDate), nil
}

// sdkKeys rewrites every object key with rename; conv, when set, converts the value of each
// key it accepts.
func sdkKeys(v any, rename func(string) string, conv func(key string, v any) (any, bool)) any {
	switch x := v.(type) {
	case *value.Object:
		out := value.NewObject(x.Len())
		for k, e := range x.All() {
			if conv != nil {
				if c, ok := conv(k, e); ok {
					out.Append(rename(k), c)
					continue
				}
			}
			out.Append(rename(k), sdkKeys(e, rename, conv))
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if conv != nil {
				if c, ok := conv(k, e); ok {
					out[rename(k)] = c
					continue
				}
			}
			out[rename(k)] = sdkKeys(e, rename, conv)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = sdkKeys(e, rename, conv)
		}
		return out
	}
	return v
}

// isoDate turns a wire timestamp (epoch seconds) into the ISO-8601 text the aws-sdk
// integrations output (the Java SDK v2's Instant text: UTC, milliseconds only when not zero).
func isoDate(key string, v any) (any, bool) {
	n, ok := v.(json.Number)
	if !ok || !(strings.HasSuffix(key, "Date") || key == "timestamp") {
		return nil, false
	}
	f, err := n.Float64()
	if err != nil {
		return nil, false
	}
	t := time.UnixMilli(int64(math.Round(f * 1000))).UTC()
	if t.Nanosecond() == 0 {
		return t.Format("2006-01-02T15:04:05Z"), true
	}
	return t.Format("2006-01-02T15:04:05.000Z"), true
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}
