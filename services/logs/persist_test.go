package logs

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/storagetest"
)

func durableLogs(t *testing.T, db *storage.DB) *Service {
	t.Helper()
	s := New(Config{Clock: clock.NewFake(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)), DB: db})
	require.NoError(t, s.LoadError())
	return s
}

func logsCall(t *testing.T, s *Service, op, body string) string {
	t.Helper()
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	r.Header.Set("X-Amz-Target", "Logs_20140328."+op)
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	require.Equal(t, 200, w.Code, w.Body.String())
	return w.Body.String()
}

// logsSnapshot is every read-only answer of the API about groups, streams and events.
func logsSnapshot(t *testing.T, s *Service) map[string]string {
	t.Helper()
	out := map[string]string{"groups": logsCall(t, s, "DescribeLogGroups", `{}`)}
	for _, g := range []string{"app", "/aws/batch/job"} {
		out[g] = logsCall(t, s, "DescribeLogStreams", `{"logGroupName":"`+g+`"}`)
		out[g+" filter"] = logsCall(t, s, "FilterLogEvents", `{"logGroupName":"`+g+`"}`)
		for _, st := range s.Streams("us-east-1", g) {
			out[g+"/"+st] = logsCall(t, s, "GetLogEvents", `{"logGroupName":"`+g+`","logStreamName":"`+st+`","startFromHead":true}`)
		}
	}
	return out
}

func TestDurableRestart(t *testing.T) {
	t.Parallel()
	db := storagetest.Open(t)
	s := durableLogs(t, db)
	logsCall(t, s, "CreateLogGroup", `{"logGroupName":"app"}`)
	logsCall(t, s, "CreateLogStream", `{"logGroupName":"app","logStreamName":"web"}`)
	logsCall(t, s, "PutLogEvents", `{"logGroupName":"app","logStreamName":"web","logEvents":[{"timestamp":1,"message":"one"},{"timestamp":2,"message":"two"}]}`)
	logsCall(t, s, "CreateLogStream", `{"logGroupName":"app","logStreamName":"gone"}`)
	logsCall(t, s, "DeleteLogStream", `{"logGroupName":"app","logStreamName":"gone"}`)
	logsCall(t, s, "CreateLogGroup", `{"logGroupName":"dropped"}`)
	logsCall(t, s, "DeleteLogGroup", `{"logGroupName":"dropped"}`)
	s.CreateLogGroup("us-east-1", "/aws/batch/job")
	require.True(t, s.Append("us-east-1", "/aws/batch/job", "jd/default/abc", 5, "hello", strings.Repeat("x", maxEventSize+1)))
	require.NoError(t, s.Sync())
	before := logsSnapshot(t, s)

	s2 := durableLogs(t, storagetest.Reopen(t, db))
	require.Equal(t, before, logsSnapshot(t, s2))
	require.True(t, s2.Append("us-east-1", "app", "web", 3, "three"))
	evs := s2.Events("us-east-1", "app", "web")
	require.Len(t, evs, 3)
	require.Greater(t, evs[2].EventID, evs[1].EventID, "event ids go on after the restart")
}
