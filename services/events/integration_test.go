package events

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

const (
	testExecArn = "arn:aws:states:us-east-1:111111111111:execution:sm:e1"
	testSMArn   = "arn:aws:states:us-east-1:111111111111:stateMachine:sm"
)

func put(s *Service, pattern task.Pattern, params any) (any, error) {
	res := "arn:aws:states:::events:putEvents"
	if pattern != "" {
		res += "." + string(pattern)
	}
	return s.Integration().Invoke(context.Background(), &task.Request{
		Resource: res, Service: "events", Action: "putEvents", Pattern: pattern, Parameters: params, TaskToken: "tok",
		ExecutionArn: testExecArn, StateMachineArn: testSMArn,
	})
}

func TestPutEventsIntegration(t *testing.T) {
	t.Parallel()
	entry := func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name       string
		pattern    task.Pattern
		params     any
		wantErr    string
		wantCause  string
		wantDetail []string // details of the events kept
		wantRes    [][]string
		wantBus    string
	}{
		{name: "object detail is sent as JSON", params: map[string]any{"Entries": []any{entry("Source", "s", "DetailType", "t", "Detail", map[string]any{"Message": "<hi>", "n": json.Number("1.50")})}},
			wantDetail: []string{`{"Message":"<hi>","n":1.50}`}, wantRes: [][]string{{testExecArn, testSMArn}}},
		{name: "string detail and resources", pattern: task.WaitForTaskToken,
			params:     map[string]any{"Entries": []any{entry("Source", "s", "DetailType", "t", "Detail", `{"TaskToken":"tok"}`, "Resources", []any{"r1"}, "EventBusName", "custom")}},
			wantDetail: []string{`{"TaskToken":"tok"}`}, wantRes: [][]string{{"r1", testExecArn, testSMArn}}, wantBus: "custom"},
		{name: "time as ISO string", params: map[string]any{"Entries": []any{entry("Source", "s", "DetailType", "t", "Detail", map[string]any{}, "Time", "2024-01-02T03:04:05Z")}},
			wantDetail: []string{`{}`}, wantRes: [][]string{{testExecArn, testSMArn}}},
		{name: "missing detail type fails the entry", params: map[string]any{"Entries": []any{entry("Source", "s", "Detail", map[string]any{})}},
			wantErr: "EventBridge.FailedEntry", wantCause: `{"Entries":[{"ErrorCode":"InvalidArgument","ErrorMessage":"Parameter DetailType is not valid. Reason: DetailType is a required argument."}],"FailedEntryCount":1}`},
		{name: "missing detail fails the entry", params: map[string]any{"Entries": []any{entry("Source", "s", "DetailType", "t", "Detail", nil)}},
			wantErr: "EventBridge.FailedEntry", wantCause: `{"Entries":[{"ErrorCode":"InvalidArgument","ErrorMessage":"Parameter Detail is not valid. Reason: Detail is a required argument."}],"FailedEntryCount":1}`},
		{name: "no entries", params: map[string]any{"Entries": []any{}}, wantErr: "EventBridge.ValidationException",
			wantCause: "1 validation error detected: Value '[]' at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1 (Service: AmazonEventBridge; Status Code: 400; Error Code: ValidationException; Request ID: "},
		{name: "null entries", params: map[string]any{}, wantErr: "EventBridge.ValidationException",
			wantCause: "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null (Service: AmazonEventBridge;"},
		{name: "entries not a list", params: map[string]any{"Entries": "x"}, wantErr: "EventBridge.ValidationException"},
		{name: "entry not an object", params: map[string]any{"Entries": []any{"x"}}, wantErr: "EventBridge.ValidationException"},
		{name: "bad time", params: map[string]any{"Entries": []any{entry("Source", "s", "DetailType", "t", "Detail", "{}", "Time", "yesterday")}}, wantErr: "EventBridge.ValidationException"},
		{name: "parameters not an object", params: "x", wantErr: "EventBridge.ValidationException"},
		{name: "sync is not a pattern of events", pattern: task.Sync, params: map[string]any{}, wantErr: "States.Runtime"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newService(t)
			out, err := put(s, tc.pattern, tc.params)
			if tc.wantErr != "" {
				f := task.AsFailure(err)
				require.Equal(t, tc.wantErr, f.Name)
				require.True(t, strings.HasPrefix(f.Cause, tc.wantCause), f.Cause)
				return
			}
			require.NoError(t, err)
			m := out.(map[string]any)
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			require.Equal(t, []string{"Entries", "FailedEntryCount", "SdkHttpMetadata", "SdkResponseMetadata"}, keys)
			require.Equal(t, json.Number("0"), m["FailedEntryCount"])
			md := task.Plain(m["SdkHttpMetadata"]).(map[string]any)
			h := md["HttpHeaders"].(map[string]any)
			require.Equal(t, "application/x-amz-json-1.1", h["Content-Type"])
			require.Equal(t, "Thu, 18 Apr 2024 06:27:01 GMT", h["Date"])
			require.Equal(t, "85", h["Content-Length"]) // {"Entries":[{"EventId":"<36>"}],"FailedEntryCount":0}
			require.Equal(t, h["x-amzn-RequestId"], m["SdkResponseMetadata"].(map[string]any)["RequestId"])
			_, err = task.Encode(out)
			require.NoError(t, err)

			evs := s.Events("")
			require.Len(t, evs, len(tc.wantDetail))
			for i, ev := range evs {
				require.Equal(t, m["Entries"].([]any)[i].(map[string]any)["EventId"], ev.EventID)
				require.Equal(t, tc.wantDetail[i], ev.Detail)
				require.Equal(t, tc.wantRes[i], ev.Resources)
				bus := tc.wantBus
				if bus == "" {
					bus = DefaultBus
				}
				require.Equal(t, bus, ev.EventBusName)
			}
		})
	}
}

var placeholderRE = regexp.MustCompile(`^<[^<>]+>$`)

// TestRecordedCases replays every events:putEvents call of the AWS-recorded conformance cases
// (../shared/conformance) and compares the integration's output, or its error and cause, with
// what AWS recorded, treating the snapshot's placeholders as wildcards. SdkHttpMetadata and
// SdkResponseMetadata are left out of the comparison, as the recordings' skip paths say.
func TestRecordedCases(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "..", "..", "shared", "conformance", "cases")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("conformance corpus not found at %s", dir)
		}
		t.Skipf("conformance corpus not found at %s", dir)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	require.NoError(t, err)
	var calls, passed int
	for _, file := range files {
		b, err := os.ReadFile(file)
		require.NoError(t, err)
		if !strings.Contains(string(b), "events:putEvents") {
			continue
		}
		var c struct {
			History []map[string]any `json:"history_events"`
		}
		require.NoError(t, json.Unmarshal(b, &c))
		s := newService(t)
		var pending []map[string]any
		for _, ev := range c.History {
			typ, _ := ev["type"].(string)
			var details map[string]any
			for k, v := range ev {
				if strings.HasSuffix(k, "EventDetails") {
					details, _ = v.(map[string]any)
				}
			}
			if details["resourceType"] != "events" {
				continue
			}
			wait := strings.HasSuffix(details["resource"].(string), ".waitForTaskToken")
			switch {
			case typ == "TaskScheduled":
				pending = append(pending, details["parameters"].(map[string]any))
			case typ == "TaskSubmitted" || (typ == "TaskSucceeded" && !wait) || (typ == "TaskFailed" && !wait):
				require.NotEmpty(t, pending, "%s: %s without a TaskScheduled", file, typ)
				p := pending[0]
				pending = pending[1:]
				calls++
				params, err := task.Decode(mustJSON(t, p))
				require.NoError(t, err)
				pattern := task.RequestResponse
				if wait {
					pattern = task.WaitForTaskToken
				}
				out, err := put(s, pattern, params)
				if typ == "TaskFailed" {
					f := task.AsFailure(err)
					if f.Name != details["error"] {
						t.Errorf("%s: error %s, want %s", file, f.Name, details["error"])
						continue
					}
					want := details["cause"]
					var got any = f.Cause
					if _, ok := want.(map[string]any); ok {
						// The snapshot parsed a cause that was a JSON object; parse ours too.
						require.NoError(t, json.Unmarshal([]byte(f.Cause), &got), f.Cause)
					}
					if err := matchRecorded(want, got, "cause"); err != nil {
						t.Errorf("%s: %v", file, err)
						continue
					}
					passed++
					continue
				}
				if err != nil {
					t.Errorf("%s: %v", file, err)
					continue
				}
				var got map[string]any
				require.NoError(t, json.Unmarshal(mustJSON(t, out), &got))
				delete(got, "SdkHttpMetadata")
				delete(got, "SdkResponseMetadata")
				if err := matchRecorded(details["output"], got, "$"); err != nil {
					t.Errorf("%s: %v", file, err)
					continue
				}
				passed++
			}
		}
	}
	require.Positive(t, calls)
	fmt.Printf("events recorded calls: %d/%d passed\n", passed, calls)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := task.Encode(v)
	require.NoError(t, err)
	return b
}

// matchRecorded compares got with a recorded value whose placeholders ("<uuid:1>") match any
// string.
func matchRecorded(want, got any, path string) error {
	if s, ok := want.(string); ok && placeholderRE.MatchString(s) {
		if _, ok := got.(string); !ok {
			return fmt.Errorf("%s: want a string for %s, got %v", path, s, got)
		}
		return nil
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(w) {
			return fmt.Errorf("%s: want %v, got %v", path, w, got)
		}
		for k, v := range w {
			if err := matchRecorded(v, g[k], path+"."+k); err != nil {
				return err
			}
		}
		return nil
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Errorf("%s: want %v, got %v", path, w, got)
		}
		for i := range w {
			if err := matchRecorded(w[i], g[i], fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		return nil
	}
	if fmt.Sprint(want) != fmt.Sprint(got) {
		return fmt.Errorf("%s: want %v, got %v", path, want, got)
	}
	return nil
}
