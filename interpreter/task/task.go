// Package task is the contract between the ASL interpreter and the service integrations that
// Task states call (Lambda, Batch, SNS, ...). It is a leaf package, shaped like Nomad's
// plugins/drivers: the interpreter builds a Request and calls a Handler; integrations implement
// Handler and import only this package and internal/clock, never the interpreter or the API.
//
// Values cross this boundary in the internal/value model, as decoded by Decode (which refuses
// invalid UTF-8, unpaired surrogates and excessive depth, with internal/jsoncheck's errors):
// *value.Object (keys in the order they were written, as AWS keeps them), []any, string,
// json.Number, bool and nil. json.Number keeps numbers exactly as written, so 1.0 stays 1.0 and
// large integers stay exact, as they do on AWS. Handlers may return results built from
// map[string]any; the interpreter converts them (sorted keys) with value.FromPlain, and a
// handler whose result shape has a documented key order builds it with value.ObjectOf.
package task

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/sfnlocal/sfnlocal/internal/value"
)

// Pattern is a service integration pattern.
type Pattern string

const (
	// RequestResponse calls the service and moves on with its response.
	RequestResponse Pattern = ""
	// Sync (".sync") waits for the job the call started to finish.
	Sync Pattern = "sync"
	// WaitForTaskToken (".waitForTaskToken") calls the service, then waits for
	// SendTaskSuccess/Failure with the request's TaskToken. The handler only makes the call;
	// the interpreter does the waiting.
	WaitForTaskToken Pattern = "waitForTaskToken"
)

// Request is one Task state's call to an integration.
type Request struct {
	// Resource is the Task's Resource field as written, e.g.
	// "arn:aws:states:::batch:submitJob.sync" or "arn:aws:lambda:us-east-1:123456789012:function:f".
	Resource string
	// Service and Action name the integration, e.g. "lambda"/"invoke", "batch"/"submitJob",
	// "sns"/"publish"; for AWS SDK integrations Service is "aws-sdk:<service>".
	Service string
	Action  string
	Pattern Pattern
	// Legacy is set for a Resource that is a bare Lambda function ARN: the handler returns the
	// function's result only, not the lambda:invoke wrapper.
	Legacy bool
	// Parameters is the effective input of the Task (after InputPath and Parameters/Arguments).
	Parameters any
	// TaskToken is set for WaitForTaskToken and is the value of $$.Task.Token.
	TaskToken string

	Region          string
	AccountID       string
	ExecutionArn    string
	StateMachineArn string
	StateName       string
	// RoleArn is the execution role, or the Task's Credentials.RoleArn when given.
	RoleArn string
	// ScheduledEventID is the id of this attempt's TaskScheduled (or LambdaFunctionScheduled)
	// event. It is the same when the attempt runs again after a crash (the execution resumes
	// from its journal), so a handler can make that re-run find what the first run started.
	ScheduledEventID int64

	// Timeout and Heartbeat are the Task's TimeoutSeconds and HeartbeatSeconds (0 when unset).
	// The interpreter enforces them through ctx; handlers may use them, e.g. as a job timeout.
	Timeout   time.Duration
	Heartbeat time.Duration

	// Submitted is called by a Sync handler once its job is submitted, with the submit call's
	// response; the interpreter records it as the TaskSubmitted event. Never nil.
	Submitted func(output any)
}

// Handler runs Task requests for one service.
//
// Invoke returns the task result in generic JSON form. A failure that the state machine can
// Retry or Catch is returned as a *Failure (e.g. {"Lambda.ResourceNotFoundException", "..."});
// any other error is reported as States.TaskFailed with the error's text as the cause. When ctx
// is cancelled (StopExecution, a timeout) the handler stops its work (terminates the job) and
// returns promptly.
type Handler interface {
	Invoke(ctx context.Context, req *Request) (any, error)
}

// Cooperative is implemented by handlers whose work runs under the calling execution's
// scheduler (a child execution started on its parent's clock, see clock.SchedFrom): the
// interpreter calls them without releasing the scheduler, and they block only through it
// (clock.Sched.Await), so that virtual time spans parent and child as one. Handlers that do
// real work (a Lambda invocation, a container) are not Cooperative.
type Cooperative interface {
	Handler
	Cooperative()
}

// CooperativeFunc adapts a function to a Cooperative Handler.
type CooperativeFunc func(ctx context.Context, req *Request) (any, error)

func (f CooperativeFunc) Invoke(ctx context.Context, req *Request) (any, error) { return f(ctx, req) }
func (CooperativeFunc) Cooperative()                                            {}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, req *Request) (any, error)

func (f HandlerFunc) Invoke(ctx context.Context, req *Request) (any, error) { return f(ctx, req) }

// Registry maps a service name (Request.Service) to its Handler.
type Registry map[string]Handler

// Failure is an ASL error: data that Retry and Catch match on Error, and that ends up in
// history and DescribeExecution. Error names starting with "States." are the interpreter's.
type Failure struct {
	Name  string // the ASL error name, e.g. "States.TaskFailed"
	Cause string
}

func (f *Failure) Error() string {
	if f.Cause == "" {
		return f.Name
	}
	return f.Name + ": " + f.Cause
}

// AsFailure returns err as a Failure: itself if it is one, else States.TaskFailed with the
// error's text as the cause.
func AsFailure(err error) *Failure {
	var f *Failure
	if errors.As(err, &f) {
		return f
	}
	return &Failure{Name: "States.TaskFailed", Cause: err.Error()}
}

// ParseResource splits an optimized-integration Resource ARN
// ("arn:<partition>:states:::<service>:<action>[.<pattern>]", with "aws-sdk:<service>:<action>"
// for SDK integrations) or a bare Lambda function ARN into a Request's naming fields. ok is
// false for anything else (activities, malformed ARNs).
func ParseResource(resource string) (service, action string, pattern Pattern, legacy, ok bool) {
	parts := strings.Split(resource, ":")
	if len(parts) >= 7 && parts[0] == "arn" && parts[2] == "lambda" && parts[5] == "function" {
		return "lambda", "invoke", RequestResponse, true, true
	}
	if len(parts) < 7 || parts[0] != "arn" || parts[2] != "states" || parts[3] != "" || parts[4] != "" {
		return "", "", "", false, false
	}
	rest := strings.Join(parts[5:], ":")
	if strings.HasPrefix(rest, "aws-sdk:") {
		sdk := strings.SplitN(strings.TrimPrefix(rest, "aws-sdk:"), ":", 2)
		if len(sdk) != 2 {
			return "", "", "", false, false
		}
		service, action = "aws-sdk:"+sdk[0], sdk[1]
	} else {
		var found bool
		service, action, found = strings.Cut(rest, ":")
		if !found {
			return "", "", "", false, false
		}
	}
	if i := strings.IndexByte(action, '.'); i >= 0 {
		switch p := Pattern(action[i+1:]); p {
		case Sync, WaitForTaskToken:
			pattern = p
		case "sync:2":
			pattern = Sync
		default:
			return "", "", "", false, false
		}
		action = action[:i]
	}
	if service == "" || action == "" {
		return "", "", "", false, false
	}
	return service, action, pattern, false, true
}

// Decode parses JSON text into the value model (value.Decode): keys keep their order, numbers
// are json.Number. It rejects trailing data after the value and, with internal/jsoncheck's
// errors, invalid UTF-8, unpaired surrogate escapes and nesting past jsoncheck.MaxDepth.
func Decode(data []byte) (any, error) { return value.Decode(data) }

// Encode writes v as compact JSON without HTML escaping, keys in order, as AWS writes payloads
// (value.Encode).
func Encode(v any) ([]byte, error) { return value.Encode(v) }

// Plain converts a value to encoding/json's generic form (objects become map[string]any,
// losing their order), for handlers whose logic works on Go maps (a DynamoDB item, a Batch
// job request) and whose outputs do not depend on the request's key order.
func Plain(v any) any { return value.ToPlain(v) }

// PlainExcept is Plain for a request object whose named members must keep their order (a body
// that is sent as JSON text): those stay as they are, the others become Go maps. ok is false
// when v is not an object.
func PlainExcept(v any, keep ...string) (map[string]any, bool) {
	m, ok := value.AsMap(v)
	if !ok {
		return nil, false
	}
	out := make(map[string]any, len(m))
	for k, e := range m {
		if slices.Contains(keep, k) {
			out[k] = e
		} else {
			out[k] = value.ToPlain(e)
		}
	}
	return out, true
}

// DecodePlain parses JSON text into encoding/json's generic form (map[string]any, json.Number),
// for a service's own wire API where key order does not matter.
func DecodePlain(data []byte) (any, error) {
	v, err := value.Decode(data)
	if err != nil {
		return nil, err
	}
	return value.ToPlain(v), nil
}

// Object returns the members of a request object (*value.Object or map[string]any) as a map,
// for handlers that look fields up by name; member values are not converted, so a nested
// object that the handler re-encodes (a Lambda payload, a message body) keeps its order.
func Object(v any) (map[string]any, bool) { return value.AsMap(v) }

// SdkHTTPMetadata is the "SdkHttpMetadata" member that Step Functions' Java SDK (v1) adds to
// the output of request-response integrations: every response header twice, as a list in
// AllHttpHeaders and as a value in HttpHeaders, and the status code. Its key order is the
// SDK's maps': the members sorted (Jackson writes SDK v1 results with sorted properties, as
// AWS's lambda:invoke documentation example shows), HttpHeaders in case-insensitive order (a
// TreeMap with String.CASE_INSENSITIVE_ORDER), AllHttpHeaders in java.util.HashMap iteration
// order (value.JavaHashOrder; it reproduces the order AWS's lambda:invoke recordings show).
func SdkHTTPMetadata(headers map[string]string, status int) *value.Object {
	names := make([]string, 0, len(headers))
	for k := range headers {
		names = append(names, k)
	}
	sort.Strings(names) // the insertion order, which decides ties within a hash bucket
	one := value.NewObject(len(names))
	byCase := append([]string(nil), names...)
	sort.SliceStable(byCase, func(i, j int) bool { return strings.ToLower(byCase[i]) < strings.ToLower(byCase[j]) })
	for _, k := range byCase {
		one.Append(k, headers[k])
	}
	all := value.NewObject(len(names))
	for _, k := range value.JavaHashOrder(names) {
		all.Append(k, []any{headers[k]})
	}
	return value.ObjectOf("AllHttpHeaders", all, "HttpHeaders", one, "HttpStatusCode", json.Number(fmt.Sprint(status)))
}

// HTTPDate formats t as an HTTP Date header ("Fri, 01 Mar 2024 12:00:00 GMT").
func HTTPDate(t time.Time) string {
	return t.UTC().Format(http1123)
}

// http1123 is net/http's TimeFormat, spelled out so that this leaf package needs no net/http.
const http1123 = "Mon, 02 Jan 2006 15:04:05 GMT"

// Text renders a generic JSON value as a service request field: a string as itself, null as
// "", anything else as its JSON text (Step Functions sends a non-string message body, for
// example, as JSON).
func Text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	default:
		b, _ := Encode(x)
		return string(b)
	}
}
