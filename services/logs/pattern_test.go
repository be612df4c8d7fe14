package logs

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestFilterPatterns follows the examples of CloudWatch Logs' "Filter pattern syntax" page.
func TestFilterPatterns(t *testing.T) {
	t.Parallel()
	msg := `{"id":"3","type":"TaskFailed","details":{"error":"Boom","n":5},"execution_arn":"arn:x"}`
	cases := []struct {
		pattern string
		want    bool
	}{
		{"", true},
		{"TaskFailed", true},
		{"TaskFailed Boom", true},
		{"TaskFailed Nope", false},
		{`"type\":\"TaskFailed"`, false},
		{"?Nope ?Boom", true},
		{"?Nope ?Other", false},
		{"TaskFailed -Boom", false},
		{`{ $.type = "TaskFailed" }`, true},
		{`{ $.type = "Task*" }`, true},
		{`{ $.type != "TaskFailed" }`, false},
		{`{ $.details.n > 4 }`, true},
		{`{ $.details.n >= 6 }`, false},
		{`{ $.details.error = "Boom" && $.id = "3" }`, true},
		{`{ $.details.error = "x" || $.id = "3" }`, true},
		{`{ $.missing = "x" }`, false},
	}
	for _, tc := range cases {
		t.Run(tc.pattern, func(t *testing.T) {
			t.Parallel()
			m, err := compilePattern(tc.pattern)
			require.Nil(t, err)
			require.Equal(t, tc.want, m(msg))
		})
	}
	_, err := compilePattern(`{ type = 1 }`)
	require.NotNil(t, err)
}

// FuzzFilterLogEvents: no filter pattern or request body crashes the fake or answers 5xx.
func FuzzFilterLogEvents(f *testing.F) {
	f.Add("FilterLogEvents", `{"logGroupName":"g","filterPattern":"{ $.a = \"x*\" || $.n >= 2 }"}`)
	f.Add("FilterLogEvents", `{"logGroupName":"g","filterPattern":"?\"a b\" -c"}`)
	f.Add("GetLogEvents", `{"logGroupName":"g","logStreamName":"s","nextToken":"b/5","limit":2}`)
	f.Add("DescribeLogStreams", `{"logGroupIdentifier":"arn:aws:logs:us-east-1:1:log-group:g:*","orderBy":"LastEventTime"}`)
	s := New(Config{})
	s.CreateLogGroup("us-east-1", "g")
	s.Append("us-east-1", "g", "s", 1, `{"a":"xy","n":3}`, "plain a b", `{"a":[1]}`)
	h := s.Handler()
	f.Fuzz(func(t *testing.T, op, body string) {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("X-Amz-Target", "Logs_20140328."+op)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%s %q: %d %s", op, body, w.Code, w.Body.String())
		}
	})
}
