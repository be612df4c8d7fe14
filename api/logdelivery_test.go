package api

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLogLevels follows "Log levels" of AWS's "Logging Step Functions using CloudWatch Logs":
// ALL logs every event, ERROR the error events, FATAL only the execution's failure events,
// OFF nothing.
func TestLogLevels(t *testing.T) {
	t.Parallel()
	cases := []struct {
		typ                      string
		all, errorLv, fatal, off bool
	}{
		{"ExecutionStarted", true, false, false, false},
		{"PassStateEntered", true, false, false, false},
		{"TaskSucceeded", true, false, false, false},
		{"ExecutionSucceeded", true, false, false, false},
		{"TaskFailed", true, true, false, false},
		{"LambdaFunctionTimedOut", true, true, false, false},
		{"MapIterationAborted", true, true, false, false},
		{"FailStateEntered", true, true, false, false},
		{"ExecutionFailed", true, true, true, false},
		{"ExecutionTimedOut", true, true, true, false},
		{"ExecutionAborted", true, true, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.typ, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.all, logsAt("ALL", tc.typ))
			require.Equal(t, tc.errorLv, logsAt("ERROR", tc.typ))
			require.Equal(t, tc.fatal, logsAt("FATAL", tc.typ))
			require.Equal(t, tc.off, logsAt("OFF", tc.typ))
		})
	}
}

// TestLogEventFormat: AWS's log event keeps its key order and writes ids and timestamps as
// strings; without execution data the details lose input and output only.
func TestLogEventFormat(t *testing.T) {
	t.Parallel()
	ev := `{"id":3,"previousEventId":2,"timestamp":1767323045.678,"type":"TaskSucceeded","taskSucceededEventDetails":{"resourceType":"lambda","resource":"invoke","output":"{\"a\":1}","outputDetails":{"truncated":false}}}`
	rec, ok := logEvent([]byte(ev), "arn:aws:states:us-east-1:1:execution:m:e", "0", "ALL", true)
	require.True(t, ok)
	require.Equal(t, int64(1767323045678), rec.Timestamp)
	require.Equal(t, `{"id":"3","type":"TaskSucceeded","details":{"resourceType":"lambda","resource":"invoke","output":"{\"a\":1}","outputDetails":{"truncated":false}},"previous_event_id":"2","event_timestamp":"1767323045678","execution_arn":"arn:aws:states:us-east-1:1:execution:m:e","redrive_count":"0"}`, rec.Message)
	rec, ok = logEvent([]byte(ev), "arn:x", "1", "ALL", false)
	require.True(t, ok)
	require.Contains(t, rec.Message, `"details":{"resourceType":"lambda","resource":"invoke","outputDetails":{"truncated":false}}`)
	_, ok = logEvent([]byte(ev), "arn:x", "0", "ERROR", true)
	require.False(t, ok)
}

// BenchmarkLogEvent is the cost of turning one history event into its CloudWatch Logs event.
func BenchmarkLogEvent(b *testing.B) {
	ev := []byte(`{"id":3,"previousEventId":2,"timestamp":1767323045.678,"type":"TaskSucceeded","taskSucceededEventDetails":{"resourceType":"lambda","resource":"invoke","output":"{\"a\":1}","outputDetails":{"truncated":false}}}`)
	for b.Loop() {
		if _, ok := logEvent(ev, "arn:aws:states:us-east-1:1:execution:m:e", "0", "ALL", true); !ok {
			b.Fatal("not logged")
		}
	}
}
