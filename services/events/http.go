package events

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/awsproto"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

const (
	targetPrefix = "AWSEvents."
	maxBody      = 1 << 20
)

// EventsPath is where put events can be read back as JSON ({"Events":[...]}), optionally
// filtered with ?EventBusName=NAME.
const EventsPath = "/_sfnlocal/events/events"

// IsEventsRequest tells whether r is an EventBridge call in the AWS JSON 1.1 protocol or a
// read of the put events.
func IsEventsRequest(r *http.Request) bool {
	if r.URL.Path == EventsPath {
		return true
	}
	return r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
}

// Handler serves the EventBridge JSON API and the put-events endpoint.
func (s *Service) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requestID := uuid.NewString()
		defer func() {
			if p := recover(); p != nil {
				s.cfg.Logger.Error("events request panicked", zap.Any("panic", p))
				writeError(w, requestID, &Error{Status: 500, Code: "InternalException", Message: "internal error"})
			}
		}()
		if r.URL.Path == EventsPath {
			if r.Method != http.MethodGet {
				w.Header().Set("Allow", http.MethodGet)
				http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
				return
			}
			b, err := marshal(map[string]any{"Events": s.Events(r.URL.Query().Get("EventBusName"))})
			if err != nil {
				writeError(w, requestID, &Error{Status: 500, Code: "InternalException", Message: err.Error()})
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(b)
			return
		}
		if !IsEventsRequest(r) {
			writeError(w, requestID, &Error{Status: 400, Code: "UnknownOperationException", Message: ""})
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			writeError(w, requestID, &Error{Status: 413, Code: "RequestEntityTooLarge", Message: "Request body too large"})
			return
		}
		op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
		svc := s // unsigned requests: the default region's buses
		if sc, ok := awsproto.ScopeOf(r); ok {
			svc = s.In(sc.Region)
		}
		out, err := svc.Serve(op, body)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				s.cfg.Logger.Error("events request failed", zap.String("operation", op), zap.Error(err))
				e = &Error{Status: 500, Code: "InternalException", Message: err.Error()}
			}
			writeError(w, requestID, e)
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("x-amzn-RequestId", requestID)
		w.Header().Set("Content-Length", strconv.Itoa(len(out)))
		_, _ = w.Write(out)
	})
}

func writeError(w http.ResponseWriter, requestID string, e *Error) {
	b, _ := json.Marshal(map[string]string{"__type": e.Code, "message": e.Message})
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("x-amzn-RequestId", requestID)
	w.WriteHeader(e.Status)
	_, _ = w.Write(b)
}

// decode reads a JSON 1.1 request body into v; an empty body is an empty object.
func decode(body []byte, v any) error {
	if len(strings.TrimSpace(string(body))) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return &Error{Status: 400, Code: "SerializationException", Message: "Start of structure or map found where not expected."}
	}
	return nil
}

// epochSeconds renders t as the JSON 1.1 protocol's timestamp: seconds since the epoch.
func epochSeconds(t time.Time) json.Number {
	return json.Number(strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', -1, 64))
}

// page applies Limit/NextToken pagination (the token is the offset) to n items.
func page(n int, limit *int, token string) (from, to int, next string, err error) {
	if token != "" {
		from, err = strconv.Atoi(token)
		if err != nil || from < 0 || from > n {
			return 0, 0, "", errValidation("The NextToken provided is invalid.")
		}
	}
	to = n
	if limit != nil {
		if *limit < 1 || *limit > 100 {
			return 0, 0, "", errValidation(fmt.Sprintf("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100", *limit))
		}
		if from+*limit < n {
			to = from + *limit
			next = strconv.Itoa(to)
		}
	}
	return from, to, next, nil
}

type listInput struct {
	NamePrefix   string
	EventBusName string
	Rule         string
	Limit        *int
	NextToken    string
}

// Serve runs one JSON-protocol operation on its request body and returns the response body.
func (s *Service) Serve(op string, body []byte) ([]byte, error) {
	switch op {
	case "PutEvents":
		return s.servePutEvents(body)
	case "CreateEventBus":
		var in struct{ Name, Description string }
		if err := decode(body, &in); err != nil {
			return nil, err
		}
		arn, err := s.CreateEventBus(in.Name, in.Description)
		if err != nil {
			return nil, err
		}
		return marshal(map[string]any{"EventBusArn": arn})
	case "DeleteEventBus":
		var in struct{ Name string }
		if err := decode(body, &in); err != nil {
			return nil, err
		}
		if in.Name == "" {
			return nil, errValidation("1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null")
		}
		if err := s.DeleteEventBus(in.Name); err != nil {
			return nil, err
		}
		return []byte("{}"), nil
	case "ListEventBuses":
		var in listInput
		if err := decode(body, &in); err != nil {
			return nil, err
		}
		buses := s.EventBuses(in.NamePrefix)
		from, to, next, err := page(len(buses), in.Limit, in.NextToken)
		if err != nil {
			return nil, err
		}
		list := []any{}
		for _, b := range buses[from:to] {
			list = append(list, map[string]any{"Name": b.Name, "Arn": b.Arn, "CreationTime": epochSeconds(b.CreationTime), "LastModifiedTime": epochSeconds(b.CreationTime)})
		}
		return marshal(withToken(map[string]any{"EventBuses": list}, next))
	case "DescribeEventBus":
		var in struct{ Name string }
		if err := decode(body, &in); err != nil {
			return nil, err
		}
		b, desc, err := s.DescribeEventBus(in.Name)
		if err != nil {
			return nil, err
		}
		out := map[string]any{"Name": b.Name, "Arn": b.Arn, "CreationTime": epochSeconds(b.CreationTime), "LastModifiedTime": epochSeconds(b.CreationTime)}
		if desc != "" {
			out["Description"] = desc
		}
		return marshal(out)
	case "PutRule":
		var in PutRuleInput
		if err := decode(body, &in); err != nil {
			return nil, err
		}
		arn, err := s.PutRule(in)
		if err != nil {
			return nil, err
		}
		return marshal(map[string]any{"RuleArn": arn})
	case "EnableRule", "DisableRule":
		var in struct{ Name, EventBusName string }
		if err := decode(body, &in); err != nil {
			return nil, err
		}
		if err := s.SetRuleState(in.EventBusName, in.Name, op == "EnableRule"); err != nil {
			return nil, err
		}
		return []byte("{}"), nil
	case "TestEventPattern":
		var in struct{ EventPattern, Event string }
		if err := decode(body, &in); err != nil {
			return nil, err
		}
		ok, err := s.TestEventPattern(in.EventPattern, in.Event)
		if err != nil {
			return nil, err
		}
		return marshal(map[string]any{"Result": ok})
	case "ListRules":
		var in listInput
		if err := decode(body, &in); err != nil {
			return nil, err
		}
		rules, err := s.Rules(in.EventBusName, in.NamePrefix)
		if err != nil {
			return nil, err
		}
		from, to, next, err := page(len(rules), in.Limit, in.NextToken)
		if err != nil {
			return nil, err
		}
		return marshal(withToken(map[string]any{"Rules": rules[from:to]}, next))
	case "DescribeRule":
		var in struct{ Name, EventBusName string }
		if err := decode(body, &in); err != nil {
			return nil, err
		}
		r, err := s.DescribeRule(in.EventBusName, in.Name)
		if err != nil {
			return nil, err
		}
		return marshal(struct {
			Rule
			CreatedBy string `json:"CreatedBy"`
		}{r, s.cfg.AccountID})
	case "DeleteRule":
		var in struct {
			Name, EventBusName string
			Force              bool
		}
		if err := decode(body, &in); err != nil {
			return nil, err
		}
		if err := s.DeleteRule(in.EventBusName, in.Name); err != nil {
			return nil, err
		}
		return []byte("{}"), nil
	case "PutTargets":
		in, err := task.DecodePlain(body)
		if err != nil {
			return nil, &Error{Status: 400, Code: "SerializationException", Message: "Start of structure or map found where not expected."}
		}
		m, _ := in.(map[string]any)
		var targets []map[string]any
		list, _ := m["Targets"].([]any)
		for _, t := range list {
			tm, ok := t.(map[string]any)
			if !ok {
				return nil, &Error{Status: 400, Code: "SerializationException", Message: "Start of structure or map found where not expected."}
			}
			targets = append(targets, tm)
		}
		failed, err := s.PutTargets(task.Text(m["EventBusName"]), task.Text(m["Rule"]), targets)
		if err != nil {
			return nil, err
		}
		return marshal(map[string]any{"FailedEntryCount": len(failed), "FailedEntries": failed})
	case "ListTargetsByRule":
		var in listInput
		if err := decode(body, &in); err != nil {
			return nil, err
		}
		targets, err := s.Targets(in.EventBusName, in.Rule)
		if err != nil {
			return nil, err
		}
		from, to, next, err := page(len(targets), in.Limit, in.NextToken)
		if err != nil {
			return nil, err
		}
		return marshal(withToken(map[string]any{"Targets": targets[from:to]}, next))
	case "RemoveTargets":
		var in struct {
			Rule, EventBusName string
			Ids                []string
			Force              bool
		}
		if err := decode(body, &in); err != nil {
			return nil, err
		}
		failed, err := s.RemoveTargets(in.EventBusName, in.Rule, in.Ids)
		if err != nil {
			return nil, err
		}
		return marshal(map[string]any{"FailedEntryCount": len(failed), "FailedEntries": failed})
	}
	if out, ok, err := s.serveConnection(op, body); ok {
		return out, err
	}
	return nil, &Error{Status: 400, Code: "UnknownOperationException", Message: ""}
}

func withToken(m map[string]any, next string) map[string]any {
	if next != "" {
		m["NextToken"] = next
	}
	return m
}

type wireEntry struct {
	Source       string
	DetailType   string
	Detail       *string
	EventBusName string
	Resources    []string
	Time         *json.Number
	TraceHeader  string
}

func (s *Service) servePutEvents(body []byte) ([]byte, error) {
	var in struct{ Entries []wireEntry }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	entries := make([]Entry, len(in.Entries))
	for i, w := range in.Entries {
		e := Entry{Source: w.Source, DetailType: w.DetailType, EventBusName: w.EventBusName, Resources: w.Resources, TraceHeader: w.TraceHeader}
		if w.Detail != nil {
			e.HasDetail, e.Detail = true, *w.Detail
		}
		if w.Time != nil {
			t, err := entryTime(*w.Time)
			if err != nil {
				return nil, err
			}
			e.Time = t
		}
		entries[i] = e
	}
	results, failed, err := s.PutEvents(entries)
	if err != nil {
		return nil, err
	}
	return marshal(map[string]any{"FailedEntryCount": failed, "Entries": results})
}
