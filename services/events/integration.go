package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

const contentType = "application/x-amz-json-1.1"

// Integration returns the task.Handler for `arn:aws:states:::events:putEvents` and its
// `.waitForTaskToken` form (the handler puts the events; the interpreter waits for the token).
// As on AWS, the execution and state machine ARNs are appended to each entry's Resources, a
// Detail that is not a string is sent as its JSON text, and a non-zero FailedEntryCount fails
// the task with EventBridge.FailedEntry, whose cause is the response as JSON.
func (s *Service) Integration() task.Handler { return task.HandlerFunc(s.invoke) }

func (s *Service) invoke(_ context.Context, req *task.Request) (any, error) {
	if req.Action != "putEvents" || req.Pattern == task.Sync {
		return nil, &task.Failure{Name: "States.Runtime", Cause: fmt.Sprintf("The resource provided %s is not recognized. The value is not a valid resource ARN, or the resource is not available in this region.", req.Resource)}
	}
	requestID := uuid.NewString()
	params, _ := task.Object(req.Parameters)
	entries, err := taskEntries(params, req)
	if err != nil {
		return nil, failure(err, requestID)
	}
	results, failed, err := s.In(req.Region).PutEvents(entries) // the execution's region
	if err != nil {
		return nil, failure(err, requestID)
	}
	list := make([]any, len(results))
	for i, r := range results {
		if r.EventID != "" {
			list[i] = map[string]any{"EventId": r.EventID}
		} else {
			list[i] = map[string]any{"ErrorCode": r.ErrorCode, "ErrorMessage": r.ErrorMessage}
		}
	}
	resp := map[string]any{"Entries": list, "FailedEntryCount": json.Number(fmt.Sprint(failed))}
	body, err := marshal(resp)
	if err != nil {
		return nil, err
	}
	if failed > 0 {
		return nil, &task.Failure{Name: "EventBridge.FailedEntry", Cause: string(body)}
	}
	resp["SdkHttpMetadata"] = sdkHTTPMetadata(len(body), requestID, s.cfg.Clock.Now())
	resp["SdkResponseMetadata"] = map[string]any{"RequestId": requestID}
	return resp, nil
}

// failure turns a request-level EventBridge error into the ASL error Step Functions reports,
// e.g. EventBridge.ValidationException with "... (Service: AmazonEventBridge; Status Code: 400;
// Error Code: ValidationException; Request ID: ...; Proxy: null)".
func failure(err error, requestID string) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	return &task.Failure{
		Name:  "EventBridge." + e.Code,
		Cause: fmt.Sprintf("%s (Service: AmazonEventBridge; Status Code: %d; Error Code: %s; Request ID: %s; Proxy: null)", e.Message, e.Status, e.Code, requestID),
	}
}

// taskEntries reads the Task's Entries parameter.
func taskEntries(p map[string]any, req *task.Request) ([]Entry, error) {
	raw, ok := p["Entries"].([]any)
	if !ok {
		if p["Entries"] == nil {
			return nil, errValidation("1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null")
		}
		return nil, errValidation("Entries must be a list of PutEventsRequestEntry objects.")
	}
	out := make([]Entry, len(raw))
	for i, r := range raw {
		m, ok := task.Object(r) // shallow: an object Detail keeps its key order in its text
		if !ok {
			return nil, errValidation(fmt.Sprintf("Entries[%d] must be a PutEventsRequestEntry object.", i))
		}
		e := Entry{Source: task.Text(m["Source"]), DetailType: task.Text(m["DetailType"]), EventBusName: task.Text(m["EventBusName"]), TraceHeader: task.Text(m["TraceHeader"])}
		if d, ok := m["Detail"]; ok && d != nil {
			e.HasDetail = true
			e.Detail = task.Text(d)
		}
		if res, ok := m["Resources"].([]any); ok {
			for _, x := range res {
				e.Resources = append(e.Resources, task.Text(x))
			}
		}
		for _, arn := range []string{req.ExecutionArn, req.StateMachineArn} {
			if arn != "" {
				e.Resources = append(e.Resources, arn)
			}
		}
		t, err := entryTime(m["Time"])
		if err != nil {
			return nil, err
		}
		e.Time = t
		out[i] = e
	}
	return out, nil
}

// entryTime reads an entry's Time: epoch seconds or an ISO-8601 timestamp.
func entryTime(v any) (time.Time, error) {
	switch t := v.(type) {
	case nil:
		return time.Time{}, nil
	case json.Number:
		f, err := t.Float64()
		if err == nil && f > -1e11 && f < 1e11 {
			sec := int64(f)
			return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC(), nil
		}
	case string:
		if ts, err := time.Parse(time.RFC3339Nano, t); err == nil {
			return ts.UTC(), nil
		}
	}
	return time.Time{}, errValidation(fmt.Sprintf("Time %s is not a valid timestamp.", task.Text(v)))
}

// sdkHTTPMetadata is the SdkHttpMetadata of an EventBridge (awsJson 1.1) response.
func sdkHTTPMetadata(contentLength int, requestID string, now time.Time) any {
	return task.SdkHTTPMetadata(map[string]string{
		"x-amzn-RequestId": requestID,
		"connection":       "keep-alive",
		"Content-Length":   fmt.Sprint(contentLength),
		"Date":             task.HTTPDate(now),
		"Content-Type":     contentType,
	}, 200)
}
