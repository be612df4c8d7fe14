package docker

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
	"github.com/sfnlocal/sfnlocal/services/batch"
	"github.com/sfnlocal/sfnlocal/services/batch/batchtest"
)

// newService starts a Batch service on the real daemon. The clock is scaled 60x so that the
// 60-second minimum attempt timeout passes in one real second.
func newService(t testing.TB, mod ...func(*batch.Config)) *batch.Service {
	t.Helper()
	requireDocker(t)
	var log *zap.Logger
	if tt, ok := t.(*testing.T); ok {
		log = zaptest.NewLogger(tt, zaptest.Level(zap.InfoLevel))
	} else {
		log = zap.NewNop()
	}
	r, err := New(log)
	require.NoError(t, err)
	cfg := batch.Config{Clock: clock.NewScaled(60), Logger: log, Runner: r, StopGrace: time.Nanosecond}
	for _, m := range mod {
		m(&cfg)
	}
	s, err := batch.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

// api calls the Batch REST API in process.
func api[Out any](t testing.TB, s *batch.Service, op string, in any) Out {
	t.Helper()
	return batchtest.API[Out](t, s, op, in)
}

func registerShell(t testing.TB, s *batch.Service, name, script string, extra map[string]any) {
	t.Helper()
	batchtest.RegisterShell(t, s, testImage, name, script, extra)
}

func submit(t testing.TB, s *batch.Service, in map[string]any) string {
	t.Helper()
	return batchtest.Submit(t, s, in)
}

func wait(t testing.TB, s *batch.Service, id string) batch.JobDetail {
	t.Helper()
	d, err := s.Wait(context.Background(), id)
	require.NoError(t, err)
	return d
}

func logLines(s *batch.Service, d batch.JobDetail) []string {
	var out []string
	for _, e := range s.Events(d.Container.LogStreamName) {
		out = append(out, e.Message)
	}
	return out
}

func TestDockerJobs(t *testing.T) {
	t.Parallel()
	requireDocker(t)
	tests := []struct {
		name       string
		script     string
		def        map[string]any
		submit     map[string]any
		wantStatus batch.Status
		wantExit   []int
		wantReason string
		wantLogs   []string
	}{
		{name: "success", script: "echo hi; exit 0", wantStatus: batch.StatusSucceeded, wantExit: []int{0},
			wantReason: "Essential container in task exited", wantLogs: []string{"hi"}},
		{name: "non-zero exit", script: "echo hi >&2; exit 3", wantStatus: batch.StatusFailed, wantExit: []int{3},
			wantReason: "Essential container in task exited", wantLogs: []string{"hi"}},
		{name: "retries", script: "echo attempt $AWS_BATCH_JOB_ATTEMPT; exit 1",
			def:        map[string]any{"retryStrategy": map[string]any{"attempts": 2}},
			wantStatus: batch.StatusFailed, wantExit: []int{1, 1}, wantReason: "Essential container in task exited",
			wantLogs: []string{"attempt 2"}},
		{name: "timeout", script: "sleep 30",
			submit:     map[string]any{"timeout": map[string]any{"attemptDurationSeconds": 60}},
			wantStatus: batch.StatusFailed, wantExit: []int{137}, wantReason: "Job attempt duration exceeded timeout"},
		{name: "parameters and environment", script: "echo $AWS_BATCH_JQ_NAME $AWS_BATCH_CE_NAME $AWS_BATCH_JOB_ATTEMPT $FOO $MANAGED_BY_AWS \"$0\"; test -n \"$AWS_BATCH_JOB_ID\"",
			def: map[string]any{"parameters": map[string]string{"word": "default"}},
			submit: map[string]any{"parameters": map[string]string{"word": "given"},
				"containerOverrides": map[string]any{"command": []string{"sh", "-c", "echo $AWS_BATCH_JQ_NAME $AWS_BATCH_CE_NAME $AWS_BATCH_JOB_ATTEMPT $FOO \"$0\"", "Ref::word"},
					"environment": []map[string]string{{"name": "FOO", "value": "bar"}}}},
			wantStatus: batch.StatusSucceeded, wantExit: []int{0}, wantReason: "Essential container in task exited",
			wantLogs: []string{"default default 1 bar given"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newService(t)
			registerShell(t, s, "jd", tc.script, tc.def)
			in := map[string]any{"jobDefinition": "jd"}
			for k, v := range tc.submit {
				in[k] = v
			}
			d := wait(t, s, submit(t, s, in))
			require.Equal(t, tc.wantStatus, d.Status, d.StatusReason)
			require.Equal(t, tc.wantReason, d.StatusReason)
			var codes []int
			for _, a := range d.Attempts {
				require.NotNil(t, a.Container.ExitCode, a.StatusReason)
				codes = append(codes, *a.Container.ExitCode)
			}
			require.Equal(t, tc.wantExit, codes)
			if tc.wantLogs != nil {
				require.Equal(t, tc.wantLogs, logLines(s, d))
			}
			require.GreaterOrEqual(t, d.StoppedAt, d.StartedAt)
			require.GreaterOrEqual(t, d.StartedAt, d.CreatedAt)
			requireRemoved(t, d.JobID)
		})
	}
}

// requireRemoved checks that no container of the job is left.
func requireRemoved(t *testing.T, jobID string) {
	t.Helper()
	list, err := sdk.ContainerList(context.Background(), container.ListOptions{All: true})
	require.NoError(t, err)
	for _, c := range list {
		require.NotEqual(t, jobID, c.Labels[batch.LabelJobID], "container %s of job %s was not removed", c.ID, jobID)
	}
}

func TestDockerArrayAndDependsOn(t *testing.T) {
	t.Parallel()
	s := newService(t)
	registerShell(t, s, "idx", "echo index=$AWS_BATCH_JOB_ARRAY_INDEX size=$AWS_BATCH_JOB_ARRAY_SIZE; test $AWS_BATCH_JOB_ARRAY_INDEX != 2", nil)
	registerShell(t, s, "ok", "echo after", nil)
	arr := submit(t, s, map[string]any{"jobDefinition": "idx", "arrayProperties": map[string]any{"size": 3}})
	after := submit(t, s, map[string]any{"jobDefinition": "ok", "dependsOn": []map[string]string{{"jobId": arr}}})
	p := wait(t, s, arr)
	require.Equal(t, batch.StatusFailed, p.Status)
	require.Equal(t, map[string]int{"SUBMITTED": 0, "PENDING": 0, "RUNNABLE": 0, "STARTING": 0, "RUNNING": 0,
		"SUCCEEDED": 2, "FAILED": 1}, p.ArrayProperties.StatusSummary)
	for i := range 3 {
		k := wait(t, s, fmt.Sprintf("%s:%d", arr, i))
		require.Equal(t, []string{fmt.Sprintf("index=%d size=3", i)}, logLines(s, k))
	}
	d := wait(t, s, after)
	require.Equal(t, batch.StatusFailed, d.Status, "a job whose dependency failed fails")
	require.Empty(t, d.Attempts)

	first := submit(t, s, map[string]any{"jobDefinition": "ok"})
	second := submit(t, s, map[string]any{"jobDefinition": "ok", "dependsOn": []map[string]string{{"jobId": first}}})
	a, b := wait(t, s, first), wait(t, s, second)
	require.Equal(t, batch.StatusSucceeded, b.Status)
	require.GreaterOrEqual(t, b.StartedAt, a.StoppedAt)
}

func TestDockerTerminateAndQueueing(t *testing.T) {
	t.Parallel()
	s := newService(t)
	api[map[string]any](t, s, "createcomputeenvironment", map[string]any{"computeEnvironmentName": "one", "type": "MANAGED",
		"computeResources": map[string]any{"maxvCpus": 1}})
	api[map[string]any](t, s, "createjobqueue", map[string]any{"jobQueueName": "q", "priority": 1,
		"computeEnvironmentOrder": []map[string]any{{"order": 1, "computeEnvironment": "one"}}})
	registerShell(t, s, "sleepy", "echo started; sleep 30", nil)
	first := submit(t, s, map[string]any{"jobDefinition": "sleepy", "jobQueue": "q"})
	second := submit(t, s, map[string]any{"jobDefinition": "sleepy", "jobQueue": "q"})
	waitRunning(t, s, first)
	ds := api[map[string][]batch.JobDetail](t, s, "describejobs", map[string]any{"jobs": []string{second}})
	require.Equal(t, batch.StatusRunnable, ds["jobs"][0].Status, "maxvCpus 1 keeps the second job waiting")

	api[map[string]any](t, s, "terminatejob", map[string]any{"jobId": first, "reason": "enough"})
	d := wait(t, s, first)
	require.Equal(t, batch.StatusFailed, d.Status)
	require.Equal(t, "enough", d.StatusReason)
	waitRunning(t, s, second)
	api[map[string]any](t, s, "terminatejob", map[string]any{"jobId": second, "reason": "enough"})
	require.Equal(t, batch.StatusFailed, wait(t, s, second).Status)
	requireRemoved(t, first)
	requireRemoved(t, second)
}

func waitRunning(t *testing.T, s *batch.Service, id string) {
	t.Helper()
	for {
		ds, err := s.DescribeJobs([]string{id})
		require.NoError(t, err)
		if ds[0].Status == batch.StatusRunning && len(s.Events(ds[0].Container.LogStreamName)) > 0 {
			return
		}
		require.False(t, ds[0].Status.Terminal(), "job ended: %s", ds[0].StatusReason)
		_ = clock.Sleep(context.Background(), clock.Real(), 20*time.Millisecond)
	}
}

func TestDockerCannotStart(t *testing.T) {
	t.Parallel()
	s := newService(t)
	api[map[string]any](t, s, "registerjobdefinition", map[string]any{"jobDefinitionName": "nocmd", "type": "container",
		"containerProperties": map[string]any{"image": testImage, "command": []string{"/no/such/binary"}}})
	d := wait(t, s, submit(t, s, map[string]any{"jobDefinition": "nocmd"}))
	require.Equal(t, batch.StatusFailed, d.Status)
	require.Equal(t, "Task failed to start", d.StatusReason)
	require.True(t, strings.HasPrefix(d.Container.Reason, "CannotStartContainerError: Error response from daemon: "), d.Container.Reason)
	requireRemoved(t, d.JobID)
}

func TestDockerMissingImage(t *testing.T) {
	t.Parallel()
	s := newService(t)
	api[map[string]any](t, s, "registerjobdefinition", map[string]any{"jobDefinitionName": "ghost", "type": "container",
		"containerProperties": map[string]any{"image": "sfnlocal-test/does-not-exist:batch"}})
	d := wait(t, s, submit(t, s, map[string]any{"jobDefinition": "ghost"}))
	require.Equal(t, batch.StatusFailed, d.Status)
	require.Equal(t, "Task failed to start", d.StatusReason)
	require.True(t, strings.HasPrefix(d.Container.Reason, "CannotPullContainerError: "), d.Container.Reason)
	t.Log(d.Container.Reason)
}

// TestDockerEndpointReachable checks that AWS_ENDPOINT_URL reaches a server on the host
// through the host gateway.
func TestDockerEndpointReachable(t *testing.T) {
	t.Parallel()
	requireDocker(t)
	ln, err := net.Listen("tcp", "0.0.0.0:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "pong "+r.URL.Path)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	port := ln.Addr().(*net.TCPAddr).Port
	s := newService(t, func(c *batch.Config) { c.EndpointURL = fmt.Sprintf("http://host.docker.internal:%d", port) })
	registerShell(t, s, "ping", `wget -q -O - "$AWS_ENDPOINT_URL/ping"; echo`, nil)
	d := wait(t, s, submit(t, s, map[string]any{"jobDefinition": "ping"}))
	require.Equal(t, batch.StatusSucceeded, d.Status, "%v", logLines(s, d))
	require.Equal(t, []string{"pong /ping"}, logLines(s, d))
}

func TestDockerReap(t *testing.T) {
	t.Parallel()
	c := requireDocker(t)
	r, err := New(zaptest.NewLogger(t))
	require.NoError(t, err)
	r.pid = 1<<22 + 12345 // a pid no process has: the leftover of a crashed run
	// A host name of its own keeps the reapers of servers that other test processes start
	// at the same time (server, console, sfnlocaltest) from taking this container first.
	r.host = fmt.Sprintf("reap-test-%d", r.pid)
	id, err := r.Start(context.Background(), batch.Spec{Image: testImage, Command: []string{"sleep", "30"}})
	require.NoError(t, err)
	fresh, err := New(zaptest.NewLogger(t))
	require.NoError(t, err)
	fresh.host = r.host
	n, err := fresh.Reap(context.Background())
	require.NoError(t, err)
	require.GreaterOrEqual(t, n, 1)
	_, err = c.ContainerInspect(context.Background(), id)
	require.True(t, cerrdefs.IsNotFound(err), "%v", err)
}

// ---- benchmarks ----

// BenchmarkRawDockerRun is the baseline: create, start, wait for and remove one container of
// the test image through the Engine API, as `docker run --rm` does.
func BenchmarkRawDockerRun(b *testing.B) {
	c := requireDocker(b)
	ctx := context.Background()
	for b.Loop() {
		rawRun(b, c, ctx)
	}
}

func rawRun(b *testing.B, c interface {
	engine
}, ctx context.Context) {
	cr, err := c.ContainerCreate(ctx, &container.Config{Image: testImage, Cmd: []string{"true"}}, &container.HostConfig{}, nil, nil, "")
	if err != nil {
		b.Fatal(err)
	}
	if err := c.ContainerStart(ctx, cr.ID, container.StartOptions{}); err != nil {
		b.Fatal(err)
	}
	resC, errC := c.ContainerWait(ctx, cr.ID, container.WaitConditionNotRunning)
	select {
	case <-resC:
	case err := <-errC:
		b.Fatal(err)
	}
	if err := c.ContainerRemove(ctx, cr.ID, container.RemoveOptions{Force: true}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkBatchJob runs the same container as a Batch job: SubmitJob to SUCCEEDED.
func BenchmarkBatchJob(b *testing.B) {
	s := newService(b, func(c *batch.Config) { c.Clock = clock.Real() })
	api[map[string]any](b, s, "registerjobdefinition", map[string]any{"jobDefinitionName": "true", "type": "container",
		"containerProperties": map[string]any{"image": testImage, "command": []string{"true"}}})
	for b.Loop() {
		d := wait(b, s, submit(b, s, map[string]any{"jobDefinition": "true"}))
		if d.Status != batch.StatusSucceeded {
			b.Fatal(d.StatusReason)
		}
	}
}

// BenchmarkRawDockerRun50 runs 50 raw containers at once.
func BenchmarkRawDockerRun50(b *testing.B) {
	c := requireDocker(b)
	ctx := context.Background()
	for b.Loop() {
		var wg sync.WaitGroup
		for range 50 {
			wg.Go(func() { rawRun(b, c, ctx) })
		}
		wg.Wait()
	}
}

// BenchmarkBatch50Jobs submits 50 short jobs at once and waits for all of them.
func BenchmarkBatch50Jobs(b *testing.B) {
	s := newService(b, func(c *batch.Config) { c.Clock = clock.Real() })
	api[map[string]any](b, s, "registerjobdefinition", map[string]any{"jobDefinitionName": "true", "type": "container",
		"containerProperties": map[string]any{"image": testImage, "command": []string{"true"}}})
	for b.Loop() {
		ids := make([]string, 50)
		for i := range ids {
			ids[i] = submit(b, s, map[string]any{"jobDefinition": "true"})
		}
		for _, id := range ids {
			if d := wait(b, s, id); d.Status != batch.StatusSucceeded {
				b.Fatal(d.StatusReason)
			}
		}
	}
}

// TestDockerSyncIntegration runs batch:submitJob.sync against a real container: the container
// sees MANAGED_BY_AWS, and a failed job fails the Task with the PascalCase detail as cause.
func TestDockerSyncIntegration(t *testing.T) {
	t.Parallel()
	s := newService(t)
	registerShell(t, s, "sync", "echo $MANAGED_BY_AWS; exit $CODE", nil)
	tests := []struct {
		name, code string
		wantFail   bool
	}{
		{"succeeds", "0", false},
		{"fails", "4", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			params, err := task.Decode([]byte(`{"JobName":"sync","JobQueue":"default","JobDefinition":"sync",
				"ContainerOverrides":{"Environment":[{"Name":"CODE","Value":"` + tc.code + `"}]}}`))
			require.NoError(t, err)
			var submitted any
			out, err := s.Integration().Invoke(context.Background(), &task.Request{
				Resource: "arn:aws:states:::batch:submitJob.sync", Service: "batch", Action: "submitJob",
				Pattern: task.Sync, Parameters: params, Submitted: func(v any) { submitted = task.Plain(v) }})
			out = task.Plain(out)
			require.NotNil(t, submitted)
			if tc.wantFail {
				var fail *task.Failure
				require.ErrorAs(t, err, &fail)
				require.Equal(t, "States.TaskFailed", fail.Name)
				cause, err := task.DecodePlain([]byte(fail.Cause))
				require.NoError(t, err)
				out = cause
			} else {
				require.NoError(t, err)
			}
			m := out.(map[string]any)
			require.Equal(t, json.Number(tc.code), m["Container"].(map[string]any)["ExitCode"])
			require.Equal(t, submitted.(map[string]any)["JobId"], m["JobId"])
			ds, err := s.DescribeJobs([]string{m["JobId"].(string)})
			require.NoError(t, err)
			require.Equal(t, []string{"STARTED_BY_STEP_FUNCTIONS"}, logLines(s, ds[0]))
		})
	}
}

// BenchmarkJobOverhead alternates a raw container run and the same container as a Batch job,
// so that drift in the daemon's speed hits both alike, and reports each mean and the
// difference: what sfnlocal adds per job.
func BenchmarkJobOverhead(b *testing.B) {
	c := requireDocker(b)
	s := newService(b, func(cfg *batch.Config) { cfg.Clock = clock.Real() })
	api[map[string]any](b, s, "registerjobdefinition", map[string]any{"jobDefinitionName": "true", "type": "container",
		"containerProperties": map[string]any{"image": testImage, "command": []string{"true"}}})
	ctx := context.Background()
	wall := clock.Real()
	var raw, job time.Duration
	n := 0
	for b.Loop() {
		t0 := wall.Now()
		rawRun(b, c, ctx)
		t1 := wall.Now()
		if d := wait(b, s, submit(b, s, map[string]any{"jobDefinition": "true"})); d.Status != batch.StatusSucceeded {
			b.Fatal(d.StatusReason)
		}
		t2 := wall.Now()
		raw += t1.Sub(t0)
		job += t2.Sub(t1)
		n++
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(n) / 1e6 }
	b.ReportMetric(ms(raw), "raw-ms/run")
	b.ReportMetric(ms(job), "job-ms/run")
	b.ReportMetric(ms(job-raw), "overhead-ms/run")
	b.ReportMetric(100*float64(job-raw)/float64(raw), "overhead-%")
}
