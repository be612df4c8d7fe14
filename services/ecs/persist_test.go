package ecs

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/regional"
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

// TestDurableRegions: with a store, every region's clusters, task definitions and tasks survive
// a restart in their region (the lookup requests use, In), apart from each other and from the
// default region's; a region's task that was running at the crash ends STOPPED at New, as the
// default region's do.
func TestDurableRegions(t *testing.T) {
	t.Parallel()
	regions := []struct{ region, cluster string }{
		{"us-east-1", "home"}, {"eu-west-1", "eu"}, {"ap-south-1", "ap"},
	}
	db := storagetest.Open(t)
	r := newFakeRunner()
	s := durableECS(t, db, r)
	before := map[string]map[string]string{}
	hung, done := map[string]Task{}, map[string]string{}
	for _, rg := range regions {
		in := s.In(rg.region)
		ecsCall(t, in, "CreateCluster", `{"clusterName":"`+rg.cluster+`"}`)
		ecsCall(t, in, "RegisterTaskDefinition", `{"family":"app","containerDefinitions":[{"name":"main","image":"exit:0","essential":true}]}`)
		tasks, _, err := in.RunTask(&RunTaskInput{TaskDefinition: "app:1"})
		require.NoError(t, err)
		d := (&fixture{s: in}).wait(t, tasks[0].TaskArn)
		require.Equal(t, StatusStopped, d.LastStatus)
		require.Contains(t, d.TaskArn, ":"+rg.region+":")
		done[rg.region] = d.TaskArn
		tasks, _, err = in.RunTask(&RunTaskInput{TaskDefinition: "app:1"})
		require.NoError(t, err)
		hung[rg.region] = tasks[0]
		(&fixture{s: in}).wait(t, tasks[0].TaskArn)
		before[rg.region] = ecsSnapshot(t, in, done[rg.region])
	}
	require.NoError(t, s.Close())
	// A crash before the second tasks got anywhere: their records say PROVISIONING.
	for _, rg := range regions {
		h := hung[rg.region]
		require.NoError(t, regional.DB(db, rg.region, "us-east-1").Bucket(bucketTasks).PutJSON(h.TaskArn, taskRecord{Seq: 1, D: h, Def: h.TaskDefinitionArn}))
	}

	db2 := storagetest.Reopen(t, db)
	s2 := durableECS(t, db2, r)
	var made []string
	s2.regions.Each(func(region string, _ *Service) { made = append(made, region) })
	require.Equal(t, []string{"ap-south-1", "eu-west-1"}, made, "the regions with state are made at New")
	for _, rg := range regions {
		t.Run(rg.region, func(t *testing.T) {
			// Written STOPPED at New, before any request reaches the region.
			var rec taskRecord
			raw, err := regional.DB(db2, rg.region, "us-east-1").Bucket(bucketTasks).Get(hung[rg.region].TaskArn)
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(raw, &rec))
			require.Equal(t, StatusStopped, rec.D.LastStatus)

			in := s2.In(rg.region)
			require.Equal(t, before[rg.region], ecsSnapshot(t, in, done[rg.region]))
			lost := (&fixture{s: in}).wait(t, hung[rg.region].TaskArn)
			require.Equal(t, StatusStopped, lost.LastStatus)
			require.Equal(t, "TerminationNotice", lost.StopCode)
			list := ecsCall(t, in, "ListClusters", `{}`)
			for _, other := range regions {
				require.Equal(t, other.region == rg.region, strings.Contains(list, "cluster/"+other.cluster+`"`), "%s's cluster in %s: %s", other.region, rg.region, list)
			}
		})
	}
}
