package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/internal/clock"
)

var epoch = time.Date(2024, 4, 18, 6, 27, 1, 0, time.UTC)

func newService(t testing.TB) *Service {
	return New(Config{Clock: clock.NewFake(epoch), Logger: zaptest.NewLogger(t), Region: "us-east-1", AccountID: "111111111111"})
}

func requireCode(t *testing.T, err error, code string) {
	t.Helper()
	var e *Error
	require.True(t, errors.As(err, &e), "%v", err)
	require.Equal(t, code, e.Code)
}

// call runs one JSON 1.1 operation through the HTTP handler.
func call(t *testing.T, h http.Handler, op, body string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewBufferString(body))
	req.Header.Set("X-Amz-Target", "AWSEvents."+op)
	req.Header.Set("Content-Type", contentType)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, contentType, rec.Header().Get("Content-Type"))
	require.NotEmpty(t, rec.Header().Get("x-amzn-RequestId"))
	var out map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out), rec.Body.String())
	return rec.Code, out
}

func TestPutEventsEntries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		entries   []Entry
		wantErr   string
		want      []ResultEntry // EventId is only checked for presence
		wantCount int
	}{
		{name: "ok", entries: []Entry{{Source: "s", DetailType: "t", Detail: `{"a":1}`, HasDetail: true}}, want: []ResultEntry{{EventID: "x"}}},
		{name: "no source", entries: []Entry{{DetailType: "t", Detail: `{}`, HasDetail: true}},
			want: []ResultEntry{{ErrorCode: "InvalidArgument", ErrorMessage: "Parameter Source is not valid. Reason: Source is a required argument."}}, wantCount: 1},
		{name: "no detail type", entries: []Entry{{Source: "s", Detail: `{}`, HasDetail: true}},
			want: []ResultEntry{{ErrorCode: "InvalidArgument", ErrorMessage: "Parameter DetailType is not valid. Reason: DetailType is a required argument."}}, wantCount: 1},
		{name: "no detail", entries: []Entry{{Source: "s", DetailType: "t"}},
			want: []ResultEntry{{ErrorCode: "InvalidArgument", ErrorMessage: "Parameter Detail is not valid. Reason: Detail is a required argument."}}, wantCount: 1},
		{name: "detail is a JSON string", entries: []Entry{{Source: "s", DetailType: "t", Detail: `"x"`, HasDetail: true}},
			want: []ResultEntry{{ErrorCode: "MalformedDetail", ErrorMessage: "Detail is malformed."}}, wantCount: 1},
		{name: "detail is not JSON", entries: []Entry{{Source: "s", DetailType: "t", Detail: `{`, HasDetail: true}},
			want: []ResultEntry{{ErrorCode: "MalformedDetail", ErrorMessage: "Detail is malformed."}}, wantCount: 1},
		{name: "mixed", entries: []Entry{{Source: "s", DetailType: "t", Detail: `{}`, HasDetail: true}, {Source: "s", DetailType: "t", Detail: `[]`, HasDetail: true}},
			want: []ResultEntry{{EventID: "x"}, {ErrorCode: "MalformedDetail", ErrorMessage: "Detail is malformed."}}, wantCount: 1},
		{name: "no entries", wantErr: "ValidationException"},
		{name: "eleven entries", entries: make([]Entry, 11), wantErr: "ValidationException"},
		{name: "too large", entries: []Entry{{Source: "s", DetailType: "t", Detail: `{"a":"` + string(bytes.Repeat([]byte("x"), maxEventsSize)) + `"}`, HasDetail: true}}, wantErr: "ValidationException"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newService(t)
			got, n, err := s.PutEvents(tc.entries)
			if tc.wantErr != "" {
				requireCode(t, err, tc.wantErr)
				require.Empty(t, s.Events(""))
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.wantCount, n)
			require.Len(t, got, len(tc.want))
			for i := range got {
				if tc.want[i].EventID != "" {
					require.NotEmpty(t, got[i].EventID)
					got[i].EventID = "x"
				}
			}
			require.Equal(t, tc.want, got)
			require.Len(t, s.Events(DefaultBus), len(tc.entries)-n)
		})
	}
}

func TestEventsKeptPerBus(t *testing.T) {
	t.Parallel()
	s := newService(t)
	_, err := s.CreateEventBus("orders", "")
	require.NoError(t, err)
	ts := epoch.Add(-time.Hour)
	_, _, err = s.PutEvents([]Entry{
		{Source: "a", DetailType: "t", Detail: `{}`, HasDetail: true},
		{Source: "b", DetailType: "t", Detail: `{"n":1}`, HasDetail: true, EventBusName: "arn:aws:events:us-east-1:111111111111:event-bus/orders", Time: ts, Resources: []string{"r"}},
		{Source: "c", DetailType: "t", Detail: `{}`, HasDetail: true, EventBusName: "nowhere"},
	})
	require.NoError(t, err)
	require.Len(t, s.Events(""), 3)
	def := s.Events("default")
	require.Len(t, def, 1)
	require.Equal(t, epoch, def[0].Time)
	require.Equal(t, "111111111111", def[0].Account)
	orders := s.Events("orders")
	require.Len(t, orders, 1)
	require.Equal(t, Event{EventID: orders[0].EventID, EventBusName: "orders", Source: "b", DetailType: "t", Detail: `{"n":1}`, Resources: []string{"r"}, Time: ts, Account: "111111111111", Region: "us-east-1"}, orders[0])
	// As on AWS, a bus that does not exist swallows the event.
	require.Len(t, s.Events("nowhere"), 1)
}

func TestAPI(t *testing.T) {
	t.Parallel()
	// Each step runs against the state the previous steps left.
	steps := []struct {
		op, body   string
		wantStatus int
		want       string // JSON the response must equal; "" to skip
		wantType   string
	}{
		{op: "ListEventBuses", body: `{}`, wantStatus: 200, want: `{"EventBuses":[{"Name":"default","Arn":"arn:aws:events:us-east-1:111111111111:event-bus/default","CreationTime":1713421621,"LastModifiedTime":1713421621}]}`},
		{op: "CreateEventBus", body: `{"Name":"orders","Description":"d"}`, wantStatus: 200, want: `{"EventBusArn":"arn:aws:events:us-east-1:111111111111:event-bus/orders"}`},
		{op: "CreateEventBus", body: `{"Name":"orders"}`, wantStatus: 400, wantType: "ResourceAlreadyExistsException"},
		{op: "CreateEventBus", body: `{"Name":"bad name"}`, wantStatus: 400, wantType: "ValidationException"},
		{op: "DescribeEventBus", body: `{"Name":"orders"}`, wantStatus: 200, want: `{"Name":"orders","Arn":"arn:aws:events:us-east-1:111111111111:event-bus/orders","Description":"d","CreationTime":1713421621,"LastModifiedTime":1713421621}`},
		{op: "DescribeEventBus", body: `{}`, wantStatus: 200, want: `{"Name":"default","Arn":"arn:aws:events:us-east-1:111111111111:event-bus/default","CreationTime":1713421621,"LastModifiedTime":1713421621}`},
		{op: "DescribeEventBus", body: `{"Name":"nope"}`, wantStatus: 400, want: `{"__type":"ResourceNotFoundException","message":"Event bus nope does not exist."}`},
		{op: "ListEventBuses", body: `{"Limit":1}`, wantStatus: 200, want: `{"EventBuses":[{"Name":"default","Arn":"arn:aws:events:us-east-1:111111111111:event-bus/default","CreationTime":1713421621,"LastModifiedTime":1713421621}],"NextToken":"1"}`},
		{op: "ListEventBuses", body: `{"NamePrefix":"ord"}`, wantStatus: 200, want: `{"EventBuses":[{"Name":"orders","Arn":"arn:aws:events:us-east-1:111111111111:event-bus/orders","CreationTime":1713421621,"LastModifiedTime":1713421621}]}`},
		{op: "ListEventBuses", body: `{"NextToken":"x"}`, wantStatus: 400, wantType: "ValidationException"},
		{op: "PutRule", body: `{"Name":"r1","EventPattern":"{\"source\":[\"a\"]}"}`, wantStatus: 200, want: `{"RuleArn":"arn:aws:events:us-east-1:111111111111:rule/r1"}`},
		{op: "PutRule", body: `{"Name":"r2","EventBusName":"orders","EventPattern":"{\"detail\":{\"n\":[{\"numeric\":[\">\",1]}]}}","State":"DISABLED","Description":"two"}`, wantStatus: 200, want: `{"RuleArn":"arn:aws:events:us-east-1:111111111111:rule/orders/r2"}`},
		{op: "PutRule", body: `{"Name":"r3"}`, wantStatus: 400, want: `{"__type":"ValidationException","message":"Parameter(s) EventPattern or ScheduleExpression must be specified."}`},
		{op: "PutRule", body: `{"Name":"r3","EventPattern":"{\"source\":\"a\"}"}`, wantStatus: 400, wantType: "InvalidEventPatternException"},
		{op: "PutRule", body: `{"Name":"r3","EventPattern":"[1]"}`, wantStatus: 400, want: `{"__type":"InvalidEventPatternException","message":"Event pattern is not valid. Reason: Filter is not an object"}`},
		{op: "PutRule", body: `{"Name":"r3","EventBusName":"nope","ScheduleExpression":"rate(1 minute)"}`, wantStatus: 400, want: `{"__type":"ResourceNotFoundException","message":"Event bus nope does not exist."}`},
		{op: "ListRules", body: `{}`, wantStatus: 200, want: `{"Rules":[{"Name":"r1","Arn":"arn:aws:events:us-east-1:111111111111:rule/r1","EventPattern":"{\"source\":[\"a\"]}","State":"ENABLED","EventBusName":"default"}]}`},
		{op: "ListRules", body: `{"EventBusName":"orders"}`, wantStatus: 200, want: `{"Rules":[{"Name":"r2","Arn":"arn:aws:events:us-east-1:111111111111:rule/orders/r2","EventPattern":"{\"detail\":{\"n\":[{\"numeric\":[\">\",1]}]}}","State":"DISABLED","Description":"two","EventBusName":"orders"}]}`},
		{op: "DescribeRule", body: `{"Name":"r1"}`, wantStatus: 200, want: `{"Name":"r1","Arn":"arn:aws:events:us-east-1:111111111111:rule/r1","EventPattern":"{\"source\":[\"a\"]}","State":"ENABLED","EventBusName":"default","CreatedBy":"111111111111"}`},
		{op: "DescribeRule", body: `{"Name":"r2"}`, wantStatus: 400, want: `{"__type":"ResourceNotFoundException","message":"Rule r2 does not exist on EventBus default."}`},
		{op: "PutTargets", body: `{"Rule":"r1","Targets":[{"Id":"t1","Arn":"arn:aws:sqs:us-east-1:111111111111:q","Input":"{}"},{"Id":"t2","Arn":"arn:aws:lambda:us-east-1:111111111111:function:f"}]}`, wantStatus: 200, want: `{"FailedEntryCount":0,"FailedEntries":[]}`},
		{op: "PutTargets", body: `{"Rule":"r1","Targets":[{"Id":"t1","Arn":"arn:aws:sqs:us-east-1:111111111111:q2"}]}`, wantStatus: 200, want: `{"FailedEntryCount":0,"FailedEntries":[]}`},
		{op: "PutTargets", body: `{"Rule":"r9","Targets":[{"Id":"t1","Arn":"a"}]}`, wantStatus: 400, want: `{"__type":"ResourceNotFoundException","message":"Rule r9 does not exist on EventBus default."}`},
		{op: "PutTargets", body: `{"Rule":"r1","Targets":[{"Arn":"a"}]}`, wantStatus: 400, wantType: "ValidationException"},
		{op: "PutTargets", body: `{"Rule":"r1","Targets":[1]}`, wantStatus: 400, wantType: "SerializationException"},
		{op: "ListTargetsByRule", body: `{"Rule":"r1"}`, wantStatus: 200, want: `{"Targets":[{"Id":"t1","Arn":"arn:aws:sqs:us-east-1:111111111111:q2"},{"Id":"t2","Arn":"arn:aws:lambda:us-east-1:111111111111:function:f"}]}`},
		{op: "DeleteRule", body: `{"Name":"r1"}`, wantStatus: 400, want: `{"__type":"ValidationException","message":"Rule can't be deleted since it has targets."}`},
		{op: "RemoveTargets", body: `{"Rule":"r1","Ids":["t1","t2","t3"]}`, wantStatus: 200, want: `{"FailedEntryCount":0,"FailedEntries":[]}`},
		{op: "ListTargetsByRule", body: `{"Rule":"r1"}`, wantStatus: 200, want: `{"Targets":[]}`},
		{op: "DeleteRule", body: `{"Name":"r1"}`, wantStatus: 200, want: `{}`},
		{op: "DescribeRule", body: `{"Name":"r1"}`, wantStatus: 400, wantType: "ResourceNotFoundException"},
		{op: "PutEvents", body: `{"Entries":[{"Source":"s","DetailType":"t","Detail":"{}","EventBusName":"orders","Time":1713421600},{"Source":"s","DetailType":"t"}]}`, wantStatus: 200},
		{op: "PutEvents", body: `{"Entries":[]}`, wantStatus: 400, wantType: "ValidationException"},
		{op: "PutEvents", body: `{"Entries":`, wantStatus: 400, wantType: "SerializationException"},
		{op: "DeleteEventBus", body: `{"Name":"default"}`, wantStatus: 400, want: `{"__type":"ValidationException","message":"Cannot delete event bus default."}`},
		{op: "DeleteEventBus", body: `{"Name":"orders"}`, wantStatus: 200, want: `{}`},
		{op: "DeleteEventBus", body: `{"Name":"orders"}`, wantStatus: 200, want: `{}`},
		{op: "Bogus", body: `{}`, wantStatus: 400, wantType: "UnknownOperationException"},
	}
	s := newService(t)
	h := s.Handler()
	for _, st := range steps {
		status, out := call(t, h, st.op, st.body)
		require.Equal(t, st.wantStatus, status, "%s %s: %v", st.op, st.body, out)
		if st.wantType != "" {
			require.Equal(t, st.wantType, out["__type"], "%s %s", st.op, st.body)
		}
		if st.want != "" {
			b, err := json.Marshal(out)
			require.NoError(t, err)
			require.JSONEq(t, st.want, string(b), "%s %s", st.op, st.body)
		}
	}
	// The PutEvents step above: one event kept, one failed entry.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, EventsPath+"?EventBusName=orders", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	var got struct{ Events []Event }
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
	require.Len(t, got.Events, 1)
	require.Equal(t, time.Unix(1713421600, 0).UTC(), got.Events[0].Time)
	require.Equal(t, "{}", got.Events[0].Detail)
}

func TestPutEventsWire(t *testing.T) {
	t.Parallel()
	s := newService(t)
	status, out := call(t, s.Handler(), "PutEvents", `{"Entries":[{"Source":"s","DetailType":"t","Detail":"{\"a\":[1,2]}"},{"Source":"s","DetailType":"t","Detail":"\"x\""}]}`)
	require.Equal(t, 200, status)
	require.Equal(t, float64(1), out["FailedEntryCount"])
	entries := out["Entries"].([]any)
	require.Len(t, entries, 2)
	require.Len(t, entries[0].(map[string]any)["EventId"], 36)
	require.Equal(t, map[string]any{"ErrorCode": "MalformedDetail", "ErrorMessage": "Detail is malformed."}, entries[1])
}

func TestIsEventsRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, path, target string
		want                       bool
	}{
		{name: "json api", method: http.MethodPost, path: "/", target: "AWSEvents.PutEvents", want: true},
		{name: "events path", method: http.MethodGet, path: EventsPath, want: true},
		{name: "sfn", method: http.MethodPost, path: "/", target: "AWSStepFunctions.StartExecution"},
		{name: "get with target", method: http.MethodGet, path: "/", target: "AWSEvents.PutEvents"},
		{name: "other path", method: http.MethodGet, path: "/_sfnlocal/sns/messages"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(tc.method, tc.path, nil)
			if tc.target != "" {
				r.Header.Set("X-Amz-Target", tc.target)
			}
			require.Equal(t, tc.want, IsEventsRequest(r))
		})
	}
}

func TestValidatePattern(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern string
		wantErr string
	}{
		{pattern: `{"source":["a","b"]}`},
		{pattern: `{"detail":{"state":[{"anything-but":["x","y"]}],"n":[{"numeric":[">",0,"<=",5]}]}}`},
		{pattern: `{"source":[{"prefix":"aws."}],"detail-type":[{"suffix":{"equals-ignore-case":"X"}}]}`},
		{pattern: `{"detail":{"c":[{"exists":false}],"ip":[{"cidr":"10.0.0.0/24"}],"w":[{"wildcard":"a*b"}],"e":[{"equals-ignore-case":"A"}]}}`},
		{pattern: `{"detail":{"x":[null,true,1.5]}}`},
		{pattern: `{"$or":[{"source":["a"]},{"detail-type":["b"]}]}`},
		{pattern: `{"detail":{"s":[{"anything-but":{"prefix":"a"}}]}}`},
		{pattern: `{`, wantErr: "Event pattern is not valid. Reason: Filter is not valid JSON"},
		{pattern: `"x"`, wantErr: "Event pattern is not valid. Reason: Filter is not an object"},
		{pattern: `{"source":"a"}`, wantErr: `Event pattern is not valid. Reason: Match value must be String, number, true, false, or null at field "source"`},
		{pattern: `{"source":[["a"]]}`, wantErr: `Event pattern is not valid. Reason: Match value must be String, number, true, false, or null at field "source"`},
		{pattern: `{"source":[{"prefix":1}]}`, wantErr: "Event pattern is not valid. Reason: prefix match pattern must be a string, not number"},
		{pattern: `{"source":[{"exists":"yes"}]}`, wantErr: "Event pattern is not valid. Reason: exists match pattern must be either true or false."},
		{pattern: `{"n":[{"numeric":[">"]}]}`, wantErr: "Event pattern is not valid. Reason: Value of numeric must be an array."},
		{pattern: `{"n":[{"numeric":["!",1]}]}`, wantErr: "Event pattern is not valid. Reason: Unrecognized numeric range operator: !"},
		{pattern: `{"n":[{"numeric":[">","1"]}]}`, wantErr: "Event pattern is not valid. Reason: Value of > must be numeric"},
		{pattern: `{"n":[{"bogus":1}]}`, wantErr: "Event pattern is not valid. Reason: Unrecognized match type bogus"},
		{pattern: `{"n":[{"prefix":"a","suffix":"b"}]}`, wantErr: `Event pattern is not valid. Reason: Only one key allowed in match expression at field "n"`},
		{pattern: `{"n":[{"anything-but":[true]}]}`, wantErr: "Event pattern is not valid. Reason: Inside anything but list, start|null|boolean is not supported."},
		{pattern: `{"$or":[{"source":["a"]}]}`, wantErr: "Event pattern is not valid. Reason: Or condition must have at least two clauses"},
	}
	for _, tc := range tests {
		t.Run(tc.pattern, func(t *testing.T) {
			t.Parallel()
			err := ValidatePattern(tc.pattern)
			if tc.wantErr == "" {
				require.NoError(t, err)
				return
			}
			requireCode(t, err, "InvalidEventPatternException")
			require.Equal(t, tc.wantErr, err.(*Error).Message)
		})
	}
}

// TestKeptEventsBounded: past KeptEvents, the oldest put events are dropped.
func TestKeptEventsBounded(t *testing.T) {
	t.Parallel()
	s := newService(t)
	for i := range KeptEvents + 5 {
		_, failed, err := s.PutEvents([]Entry{{Source: "test", DetailType: "n", Detail: fmt.Sprintf(`{"i":%d}`, i), HasDetail: true}})
		require.NoError(t, err)
		require.Zero(t, failed)
	}
	got := s.Events("")
	require.Len(t, got, KeptEvents)
	require.Equal(t, `{"i":5}`, got[0].Detail)
	require.Equal(t, fmt.Sprintf(`{"i":%d}`, KeptEvents+4), got[len(got)-1].Detail)
}
