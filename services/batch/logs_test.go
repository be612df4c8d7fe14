package batch

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func logsCall(t *testing.T, h http.Handler, target, body string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest("POST", "/", strings.NewReader(body))
	req.Header.Set("X-Amz-Target", target)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out), rec.Body.String())
	return rec.Code, out
}

func messages(out map[string]any) []string {
	var msgs []string
	for _, e := range out["events"].([]any) {
		msgs = append(msgs, e.(map[string]any)["message"].(string))
	}
	return msgs
}

func TestLogsHandler(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for i, line := range []string{"one", "two", "three", "four", "five"} {
		f.s.logs.append("jd/default/abc", line, int64(1000+i))
	}
	h := f.s.LogsHandler()
	const get = "Logs_20140328.GetLogEvents"
	tests := []struct {
		name, target, body string
		wantCode           int
		wantType           string
		want               []string
		wantFwd, wantBack  string
	}{
		{name: "all", target: get, body: `{"logGroupName":"/aws/batch/job","logStreamName":"jd/default/abc"}`,
			wantCode: 200, want: []string{"one", "two", "three", "four", "five"}},
		{name: "tail by default", target: get, body: `{"logGroupName":"/aws/batch/job","logStreamName":"jd/default/abc","limit":2}`,
			wantCode: 200, want: []string{"four", "five"}, wantBack: "b/00000000000000000003"},
		{name: "from head", target: get, body: `{"logGroupName":"/aws/batch/job","logStreamName":"jd/default/abc","limit":2,"startFromHead":true}`,
			wantCode: 200, want: []string{"one", "two"}, wantFwd: "f/00000000000000000002"},
		{name: "forward token", target: get, body: `{"logGroupName":"/aws/batch/job","logStreamName":"jd/default/abc","limit":2,"nextToken":"f/00000000000000000002"}`,
			wantCode: 200, want: []string{"three", "four"}},
		{name: "time window", target: get, body: `{"logGroupName":"/aws/batch/job","logStreamName":"jd/default/abc","startTime":1001,"endTime":1003}`,
			wantCode: 200, want: []string{"two", "three"}},
		{name: "group by identifier", target: get, body: `{"logGroupIdentifier":"arn:aws:logs:us-east-1:123456789012:log-group:/aws/batch/job","logStreamName":"jd/default/abc","limit":1}`,
			wantCode: 200, want: []string{"five"}},
		{name: "unknown stream", target: get, body: `{"logGroupName":"/aws/batch/job","logStreamName":"nope"}`,
			wantCode: 400, wantType: "ResourceNotFoundException"},
		{name: "unknown group", target: get, body: `{"logGroupName":"/other","logStreamName":"jd/default/abc"}`,
			wantCode: 400, wantType: "ResourceNotFoundException"},
		{name: "bad token", target: get, body: `{"logGroupName":"/aws/batch/job","logStreamName":"jd/default/abc","nextToken":"zzz"}`,
			wantCode: 400, wantType: "InvalidParameterException"},
		{name: "bad json", target: get, body: `{`, wantCode: 400, wantType: "SerializationException"},
		{name: "unknown operation", target: "Logs_20140328.PutLogEvents", body: `{}`, wantCode: 400, wantType: "UnknownOperationException"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, out := logsCall(t, h, tc.target, tc.body)
			require.Equal(t, tc.wantCode, code, "%v", out)
			if tc.wantType != "" {
				require.Equal(t, tc.wantType, out["__type"])
				return
			}
			require.Equal(t, tc.want, messages(out))
			if tc.wantFwd != "" {
				require.Equal(t, tc.wantFwd, out["nextForwardToken"])
			}
			if tc.wantBack != "" {
				require.Equal(t, tc.wantBack, out["nextBackwardToken"])
			}
		})
	}
}

func TestDescribeLogStreams(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.s.logs.create("a/default/1", 10)
	f.s.logs.append("a/default/1", "x", 20)
	f.s.logs.create("b/default/2", 11)
	code, out := logsCall(t, f.s.LogsHandler(), "Logs_20140328.DescribeLogStreams",
		`{"logGroupName":"/aws/batch/job","logStreamNamePrefix":"a/"}`)
	require.Equal(t, 200, code)
	golden(t, "describelogstreams", out)
}

func TestJobLogsThroughHandler(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.register(t, "jd", ContainerProperties{Image: "img", Command: []string{"exit", "0"}})
	id := f.submit(t, SubmitJobInput{JobDefinition: "jd"})
	d := f.waitStatus(t, id, StatusSucceeded)
	code, out := logsCall(t, f.s.LogsHandler(), "Logs_20140328.GetLogEvents",
		`{"logGroupName":"/aws/batch/job","logStreamName":"`+d.Container.LogStreamName+`","startFromHead":true}`)
	require.Equal(t, 200, code)
	require.Equal(t, []string{"hi from exit 0", "second line"}, messages(out))
}
