package ecs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// StartedBy is the startedBy Step Functions gives the tasks of runTask.sync.
const StartedBy = "AWS Step Functions"

// stopReason is given to StopTask when the Task is stopped (StopExecution, a timeout).
const stopReason = "Step Functions execution stopped"

// Integration returns the task.Handler for Request.Service "ecs": runTask (the RunTask
// response with SdkHttpMetadata), runTask.sync (the stopped task, or States.TaskFailed with
// the task as the cause when an essential container exited non-zero or the task did not
// start) and runTask.waitForTaskToken.
func (s *Service) Integration() task.Handler { return task.HandlerFunc(s.invoke) }

func (s *Service) invoke(ctx context.Context, req *task.Request) (any, error) {
	if r := s.In(req.Region); r != s {
		return r.invoke(ctx, req) // the cluster and task of the execution's region
	}
	if req.Action != "runTask" {
		return nil, &task.Failure{Name: "States.Runtime", Cause: fmt.Sprintf("The resource provided %s is not recognized. The value is not a valid resource ARN, or the resource is not available in this region.", req.Resource)}
	}
	requestID := uuid.NewString()
	params, ok := task.Plain(req.Parameters).(map[string]any)
	if !ok {
		return nil, ecsFailure(invalidParam("The Parameters of an ecs:runTask Task must be an object"), requestID)
	}
	raw, err := task.Encode(recase(params, lowerFirst))
	if err != nil {
		return nil, err
	}
	var in RunTaskInput
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, ecsFailure(&APIError{Code: "InvalidParameterException", Status: 400, Message: "Invalid RunTask parameters: " + err.Error()}, requestID)
	}
	if req.Pattern == task.Sync && in.StartedBy == "" {
		in.StartedBy = StartedBy
	}
	tasks, fails, err := s.RunTask(&in)
	if err != nil {
		var e *APIError
		if errors.As(err, &e) {
			return nil, ecsFailure(e, requestID)
		}
		return nil, err
	}
	resp := map[string]any{"Tasks": []any{}, "Failures": []any{}}
	list := []any{}
	for _, t := range tasks {
		v, err := PascalTask(t)
		if err != nil {
			return nil, err
		}
		list = append(list, v)
	}
	resp["Tasks"] = list
	body, err := marshal(map[string]any{"tasks": tasks, "failures": fails})
	if err != nil {
		return nil, err
	}
	resp["SdkHttpMetadata"] = sdkHTTPMetadata(len(body), requestID, s.cfg.Clock.Now())
	resp["SdkResponseMetadata"] = map[string]any{"RequestId": requestID}
	if len(fails) > 0 && req.Pattern != task.RequestResponse {
		text, _ := task.Encode(resp)
		return nil, &task.Failure{Name: "AmazonECS.Unknown", Cause: string(text)}
	}
	if req.Pattern != task.Sync {
		return resp, nil
	}
	req.Submitted(resp)
	arn := tasks[0].TaskArn
	done, err := s.Wait(ctx, arn)
	if err != nil {
		if _, serr := s.StopTask(tasks[0].ClusterArn, arn, stopReason); serr != nil {
			s.log.Warn("stopping the task of a stopped execution failed", fTask(arn), errField(serr))
		}
		return nil, err
	}
	out, err := PascalTask(done)
	if err != nil {
		return nil, err
	}
	if !s.succeeded(done) {
		text, err := task.Encode(out)
		if err != nil {
			return nil, err
		}
		return nil, &task.Failure{Name: "States.TaskFailed", Cause: string(text)}
	}
	return out, nil
}

// succeeded tells whether a stopped task ran to completion: it started, and every essential
// container exited with code 0 (sidecars stopped at the task's end do not count).
func (s *Service) succeeded(t Task) bool {
	if t.StopCode == StopFailedToStart {
		return false
	}
	s.mu.Lock()
	et, ok := s.tasks[t.TaskArn]
	s.mu.Unlock()
	for i, c := range t.Containers {
		if ok && i < len(et.essential) && !et.essential[i] {
			continue
		}
		if c.ExitCode == nil || *c.ExitCode != 0 {
			return false
		}
	}
	return true
}

func ecsFailure(e *APIError, requestID string) *task.Failure {
	return &task.Failure{Name: "ECS." + e.Code,
		Cause: fmt.Sprintf("%s (Service: AmazonECS; Status Code: %d; Error Code: %s; Request ID: %s; Proxy: null)", e.Message, e.Status, e.Code, requestID)}
}

// timeKeys are the task members that are timestamps: seconds on the wire, epoch
// milliseconds in Step Functions' output.
var timeKeys = map[string]bool{"CreatedAt": true, "StartedAt": true, "StoppedAt": true, "StoppingAt": true,
	"PullStartedAt": true, "PullStoppedAt": true, "ExecutionStoppedAt": true, "ConnectivityAt": true}

// PascalTask is a task as Step Functions returns it: the DescribeTasks shape with PascalCase
// keys and epoch-millisecond times, in generic JSON form.
func PascalTask(t Task) (any, error) {
	raw, err := marshal(t)
	if err != nil {
		return nil, err
	}
	v, err := task.DecodePlain(raw)
	if err != nil {
		return nil, err
	}
	out := recase(v, upperFirst)
	if m, ok := out.(map[string]any); ok {
		for k, val := range m {
			if n, ok := val.(json.Number); ok && timeKeys[k] {
				if f, err := n.Float64(); err == nil {
					m[k] = json.Number(strconv.FormatInt(int64(f*1000+0.5), 10))
				}
			}
		}
	}
	return out, nil
}

// userKeys are members whose keys are user data and keep their case.
var userKeys = map[string]bool{"dockerLabels": true, "options": true}

func recase(v any, f func(string) string) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			if userKeys[lowerFirst(k)] {
				out[f(k)] = val
				continue
			}
			out[f(k)] = recase(val, f)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = recase(e, f)
		}
		return out
	}
	return v
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return strings.ToLower(string(r)) + s[n:]
}

// sdkHTTPMetadata is the SdkHttpMetadata Step Functions' Java SDK adds to the response
// (the headers AWS's recorded runTask outputs show).
func sdkHTTPMetadata(contentLength int, requestID string, now time.Time) any {
	return task.SdkHTTPMetadata(map[string]string{
		"x-amzn-RequestId": requestID,
		"Content-Length":   strconv.Itoa(contentLength),
		"Date":             task.HTTPDate(now),
		"Content-Type":     contentType,
	}, 200)
}
