package ecs

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/storagetest"
)

func durableECS(t *testing.T, db *storage.DB, r *fakeRunner) *Service {
	t.Helper()
	s, err := New(Config{Clock: clock.Real(), Logger: zaptest.NewLogger(t), Runner: r, Logs: &memLogs{}, DB: db})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func ecsCall(t *testing.T, s *Service, op, body string) string {
	t.Helper()
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	r.Header.Set("X-Amz-Target", TargetPrefix+op)
	r.Header.Set("Content-Type", contentType)
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	require.Equal(t, 200, w.Code, w.Body.String())
	return w.Body.String()
}

// ecsSnapshot is every read-only answer of the API about clusters, definitions and tasks.
func ecsSnapshot(t *testing.T, s *Service, taskArns ...string) map[string]string {
	t.Helper()
	out := map[string]string{
		"clusters": ecsCall(t, s, "DescribeClusters", `{"clusters":["default","work"],"include":["TAGS"]}`),
		"list":     ecsCall(t, s, "ListClusters", `{}`),
		"defs":     ecsCall(t, s, "ListTaskDefinitions", `{}`),
		"def":      ecsCall(t, s, "DescribeTaskDefinition", `{"taskDefinition":"app","include":["TAGS"]}`),
		"stopped":  ecsCall(t, s, "ListTasks", `{"desiredStatus":"STOPPED"}`),
	}
	for _, arn := range taskArns {
		out[arn] = ecsCall(t, s, "DescribeTasks", `{"tasks":["`+arn+`"]}`)
	}
	return out
}

func TestDurableRestart(t *testing.T) {
	t.Parallel()
	db := storagetest.Open(t)
	r := newFakeRunner()
	s := durableECS(t, db, r)
	ecsCall(t, s, "CreateCluster", `{"clusterName":"work","tags":[{"key":"team","value":"a"}]}`)
	ecsCall(t, s, "RegisterTaskDefinition", `{"family":"app","containerDefinitions":[{"name":"main","image":"exit:0","essential":true}],"tags":[{"key":"k","value":"v"}]}`)
	ecsCall(t, s, "RegisterTaskDefinition", `{"family":"app","containerDefinitions":[{"name":"main","image":"exit:3","essential":true}]}`)
	ecsCall(t, s, "DeregisterTaskDefinition", `{"taskDefinition":"app:1"}`)
	tasks, _, err := s.RunTask(&RunTaskInput{TaskDefinition: "app:2"})
	require.NoError(t, err)
	done := (&fixture{s: s}).wait(t, tasks[0].TaskArn)
	require.Equal(t, StatusStopped, done.LastStatus)
	hung, _, err := s.RunTask(&RunTaskInput{TaskDefinition: "app:2"})
	require.NoError(t, err)
	(&fixture{s: s}).wait(t, hung[0].TaskArn)
	before := ecsSnapshot(t, s, done.TaskArn)
	require.NoError(t, s.Close())
	// A crash before the second task got anywhere: its record says PROVISIONING.
	require.NoError(t, db.Bucket(bucketTasks).PutJSON(hung[0].TaskArn, taskRecord{Seq: 1, D: hung[0], Def: hung[0].TaskDefinitionArn}))

	s2 := durableECS(t, storagetest.Reopen(t, db), r)
	require.Equal(t, before, ecsSnapshot(t, s2, done.TaskArn))
	lost := (&fixture{s: s2}).wait(t, hung[0].TaskArn)
	require.Equal(t, StatusStopped, lost.LastStatus)
	require.Equal(t, "TerminationNotice", lost.StopCode)
	require.True(t, strings.HasPrefix(lost.StoppedReason, "Host EC2 (instance i-0"), lost.StoppedReason)
}
