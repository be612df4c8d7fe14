package lambda

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/sfnlocal/sfnlocal/internal/value"

	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// maxTaskResult is Step Functions' limit on a task result (256 KiB).
const maxTaskResult = 262144

// Integration is the task.Handler for Request.Service "lambda": arn:aws:states:::lambda:invoke
// (also .waitForTaskToken: the call is made and its output returned; the interpreter waits for
// the token) and legacy function ARN resources (Request.Legacy: the result is the function's
// output only).
func (s *Service) Integration() task.Handler { return task.HandlerFunc(s.runTask) }

func (s *Service) runTask(ctx context.Context, req *task.Request) (any, error) {
	// A function named without its region is the one of the execution's region.
	ctx = WithRegion(ctx, req.Region)
	if req.Legacy {
		return s.runLegacy(ctx, req)
	}
	if req.Action != "invoke" {
		return nil, &task.Failure{Name: "States.Runtime", Cause: fmt.Sprintf("The resource provided %s is not recognized. The value is not a valid resource ARN, or the resource is not available in this region.", req.Resource)}
	}
	// Shallow: the Payload object keeps its key order when it is encoded.
	params, _ := task.Object(req.Parameters)
	in := &InvokeInput{}
	in.FunctionName, _ = params["FunctionName"].(string)
	in.Qualifier, _ = params["Qualifier"].(string)
	in.InvocationType, _ = params["InvocationType"].(string)
	in.LogType, _ = params["LogType"].(string)
	in.ClientContext, _ = params["ClientContext"].(string)
	switch p := params["Payload"].(type) {
	case nil:
		in.Payload = []byte("{}")
	case string:
		// A string Payload is sent as it is: "0.0" invokes with the JSON number 0.0.
		in.Payload = []byte(p)
	default:
		b, err := task.Encode(p)
		if err != nil {
			return nil, fmt.Errorf("lambda: encoding Payload: %w", err)
		}
		in.Payload = b
	}
	out, err := s.Invoke(ctx, in)
	if err != nil {
		return nil, taskError(err)
	}
	if out.FunctionError != "" {
		return nil, functionFailure(out.Payload, true)
	}
	if len(out.Payload) > maxTaskResult-1024 {
		res := s.wrap(out, in.LogType == "Tail")
		if b, err := task.Encode(res); err == nil && len(b) > maxTaskResult {
			return nil, dataLimit("lambda")
		}
		return res, nil
	}
	return s.wrap(out, in.LogType == "Tail"), nil
}

func (s *Service) runLegacy(ctx context.Context, req *task.Request) (any, error) {
	payload, err := task.Encode(req.Parameters)
	if err != nil {
		return nil, fmt.Errorf("lambda: encoding the input: %w", err)
	}
	out, err := s.Invoke(ctx, &InvokeInput{FunctionName: req.Resource, Payload: payload})
	if err != nil {
		return nil, taskError(err)
	}
	if out.FunctionError != "" {
		return nil, functionFailure(out.Payload, false)
	}
	res := parsePayload(out.Payload)
	if len(out.Payload) > maxTaskResult/2 {
		if b, err := task.Encode(res); err == nil && len(b) > maxTaskResult {
			return nil, dataLimit(req.Resource)
		}
	}
	return res, nil
}

func dataLimit(what string) *task.Failure {
	return &task.Failure{Name: "States.DataLimitExceeded", Cause: "The state/task '" + what + "' returned a result with a size exceeding the maximum number of bytes service limit."}
}

// parsePayload is a result payload in generic JSON form, or the raw text when it is not JSON.
func parsePayload(b []byte) any {
	if len(b) == 0 {
		return ""
	}
	v, err := task.Decode(b)
	if err != nil {
		return string(b)
	}
	return v
}

// taskError maps an Invoke error to what Step Functions reports: Lambda.<Code> with the AWS
// SDK's error text for API errors; context causes pass through for the interpreter.
func taskError(err error) error {
	var aerr *APIError
	if errors.As(err, &aerr) {
		return &task.Failure{
			Name: "Lambda." + aerr.Code,
			Cause: fmt.Sprintf("%s (Service: AWSLambda; Status Code: %d; Error Code: %s; Request ID: %s; Proxy: null)",
				aerr.Message, aerr.Status, aerr.Code, newUUID()),
		}
	}
	return err
}

// functionFailure is a function error: its errorType as the error, its error JSON as the
// cause (compacted for lambda:invoke, as written by the runtime for the legacy resource).
func functionFailure(body []byte, compact bool) *task.Failure {
	name := "Lambda.Unknown"
	var obj map[string]any
	if json.Unmarshal(body, &obj) == nil {
		if t, ok := obj["errorType"].(string); ok && t != "" {
			name = t
		}
	}
	cause := string(body)
	if compact {
		var buf bytes.Buffer
		if json.Compact(&buf, body) == nil {
			cause = buf.String()
		}
	}
	return &task.Failure{Name: name, Cause: cause}
}

// wrap builds lambda:invoke's output: the Invoke response as the AWS Java SDK shows it, with
// the Payload parsed. Keys follow AWS's documentation example and recordings: the members
// sorted (ExecutedVersion, LogResult, Payload, SdkHttpMetadata, SdkResponseMetadata,
// StatusCode); HttpHeaders sorted without regard to case; AllHttpHeaders in the Java SDK's
// HashMap order (value.JavaHashOrder), which is the order the recordings show.
func (s *Service) wrap(out *InvokeOutput, tail bool) *value.Object {
	date := s.clk.Now().UTC().Format(http.TimeFormat)
	type kv struct{ k, v string }
	var hdrs []kv // HttpHeaders order
	add := func(k, v string) { hdrs = append(hdrs, kv{k, v}) }
	add("Connection", "keep-alive")
	add("Content-Length", strconv.Itoa(len(out.Payload)))
	add("Content-Type", "application/json")
	add("Date", date)
	if out.ExecutedVersion != "" {
		add("X-Amz-Executed-Version", out.ExecutedVersion)
	}
	if tail && out.LogResult != "" {
		add("X-Amz-Log-Result", out.LogResult)
	}
	add("x-amzn-Remapped-Content-Length", "0")
	add("x-amzn-RequestId", out.RequestID)
	add("X-Amzn-Trace-Id", traceID(out.RequestID))
	single := value.NewObject(len(hdrs))
	byName := make(map[string]string, len(hdrs))
	for _, h := range hdrs {
		single.Append(h.k, h.v)
		byName[h.k] = h.v
	}
	names := make([]string, len(hdrs))
	for i, h := range hdrs {
		names[i] = h.k
	}
	all := value.NewObject(len(hdrs))
	for _, k := range value.JavaHashOrder(names) {
		all.Append(k, []any{byName[k]})
	}
	res := value.NewObject(6)
	if out.ExecutedVersion != "" {
		res.Append("ExecutedVersion", out.ExecutedVersion)
	}
	if tail && out.LogResult != "" {
		res.Append("LogResult", out.LogResult)
	}
	res.Append("Payload", parsePayload(out.Payload))
	res.Append("SdkHttpMetadata", value.ObjectOf(
		"AllHttpHeaders", all,
		"HttpHeaders", single,
		"HttpStatusCode", json.Number(strconv.Itoa(out.StatusCode))))
	res.Append("SdkResponseMetadata", value.ObjectOf("RequestId", out.RequestID))
	res.Append("StatusCode", json.Number(strconv.Itoa(out.StatusCode)))
	return res
}
