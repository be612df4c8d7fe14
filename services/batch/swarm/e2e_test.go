package swarm

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/client"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/services/batch"
)

// outcome is what a job's details say about how it ran, with the engine's own words cut
// from start failures (the local daemon and the swarm word a missing image differently).
type outcome struct {
	Status       batch.Status
	StatusReason string
	Exits        []int
	Reasons      []string // each attempt's container reason; a start failure's up to its first ':'
	Logs         []string // sorted
	Attempts     int
}

func outcomeOf(s *batch.Service, d batch.JobDetail) outcome {
	o := outcome{Status: d.Status, StatusReason: d.StatusReason, Logs: logLines(s, d), Attempts: len(d.Attempts)}
	// Neither engine keeps the order of lines written to stdout and stderr at once.
	slices.Sort(o.Logs)
	for _, a := range d.Attempts {
		if a.Container.ExitCode != nil {
			o.Exits = append(o.Exits, *a.Container.ExitCode)
		}
		r := a.Container.Reason
		if strings.HasPrefix(r, "Cannot") {
			r, _, _ = strings.Cut(r, ":")
		}
		o.Reasons = append(o.Reasons, r)
	}
	return o
}

// TestSwarmJobsMatchLocal runs the Batch scenarios of the local runner's tests on both
// backends and requires the same job details.
func TestSwarmJobsMatchLocal(t *testing.T) {
	t.Parallel()
	requireSwarm(t)
	tests := []struct {
		name   string
		image  string
		script string
		cmd    []string // instead of sh -c script
		def    map[string]any
		submit map[string]any
		want   outcome
		// oom: the engine (Docker 20.10, both backends) does not always see the OOM kill
		// before the exit, so the container reason is OutOfMemoryError or empty.
		oom bool
	}{
		{name: "success with logs", script: "echo hi; echo there >&2; exit 0",
			want: outcome{Status: batch.StatusSucceeded, StatusReason: "Essential container in task exited",
				Exits: []int{0}, Reasons: []string{""}, Logs: []string{"hi", "there"}, Attempts: 1}},
		{name: "non-zero exit", script: "echo hi >&2; exit 3",
			want: outcome{Status: batch.StatusFailed, StatusReason: "Essential container in task exited",
				Exits: []int{3}, Reasons: []string{""}, Logs: []string{"hi"}, Attempts: 1}},
		{name: "retries, environment and parameters", script: "unused",
			def: map[string]any{"retryStrategy": map[string]any{"attempts": 2}, "parameters": map[string]string{"word": "default"}},
			submit: map[string]any{"parameters": map[string]string{"word": "given"},
				"containerOverrides": map[string]any{"command": []string{"sh", "-c", "echo $AWS_BATCH_JOB_ATTEMPT $AWS_BATCH_CE_NAME $AWS_BATCH_JQ_NAME $FOO \"$0\"; exit 1", "Ref::word"},
					"environment": []map[string]string{{"name": "FOO", "value": "bar"}}}},
			want: outcome{Status: batch.StatusFailed, StatusReason: "Essential container in task exited",
				Exits: []int{1, 1}, Reasons: []string{"", ""}, Logs: []string{"2 default default bar given"}, Attempts: 2}},
		{name: "timeout", script: "echo sleeping; sleep 30",
			submit: map[string]any{"timeout": map[string]any{"attemptDurationSeconds": 60}},
			want: outcome{Status: batch.StatusFailed, StatusReason: "Job attempt duration exceeded timeout",
				Exits: []int{137}, Reasons: []string{""}, Logs: []string{"sleeping"}, Attempts: 1}},
		{name: "out of memory", oom: true, script: "x=0123456789; while true; do x=$x$x; done",
			def: map[string]any{"containerProperties": map[string]any{"image": testImage, "command": []string{"sh", "-c", "x=0123456789; while true; do x=$x$x; done"},
				"resourceRequirements": []map[string]string{{"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "16"}}}},
			want: outcome{Status: batch.StatusFailed, StatusReason: "Essential container in task exited",
				Exits: []int{137}, Reasons: []string{"OutOfMemoryError: Container killed due to memory usage"}, Attempts: 1}},
		{name: "missing image", image: "sfnlocal-test/does-not-exist:swarm",
			want: outcome{Status: batch.StatusFailed, StatusReason: "Task failed to start",
				Reasons: []string{"CannotPullContainerError"}, Attempts: 1}},
		{name: "command cannot start", cmd: []string{"/no/such/binary"},
			want: outcome{Status: batch.StatusFailed, StatusReason: "Task failed to start",
				Reasons: []string{"CannotStartContainerError"}, Attempts: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := map[string]outcome{}
			var mu sync.Mutex
			var wg sync.WaitGroup
			for _, backend := range []string{batch.BackendDocker, batch.BackendSwarm} {
				wg.Go(func() {
					s := newService(t, backend)
					cp := map[string]any{"image": testImage, "command": []string{"sh", "-c", tc.script},
						"resourceRequirements": []map[string]string{{"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "64"}}}
					if tc.image != "" {
						cp["image"] = tc.image
					}
					if tc.cmd != nil {
						cp["command"] = tc.cmd
					}
					def := map[string]any{"jobDefinitionName": "jd", "type": "container", "containerProperties": cp}
					for k, v := range tc.def {
						def[k] = v
					}
					api[map[string]any](t, s, "registerjobdefinition", def)
					in := map[string]any{"jobDefinition": "jd"}
					for k, v := range tc.submit {
						in[k] = v
					}
					d := wait(t, s, submit(t, s, in))
					t.Logf("%s: %s / %s", backend, d.StatusReason, d.Container.Reason)
					o := outcomeOf(s, d)
					if tc.oom && o.Reasons[0] == "" {
						o.Reasons[0] = "OutOfMemoryError: Container killed due to memory usage"
					}
					mu.Lock()
					got[backend] = o
					mu.Unlock()
					requireRemoved(t, d.JobID)
				})
			}
			wg.Wait()
			require.Equal(t, tc.want, got[batch.BackendDocker], "local runner")
			require.Equal(t, got[batch.BackendDocker], got[batch.BackendSwarm], "swarm backend vs local runner")
		})
	}
}

// requireRemoved checks, for up to 20 s (the swarm removes a service's containers in the
// background), that nothing of the job is left: no service, no container.
func requireRemoved(t *testing.T, jobID string) {
	t.Helper()
	requireGone(t, batch.LabelJobID+"="+jobID)
}

// requireGone checks, for up to 20 s, that no service and no container has the label
// (key=value).
func requireGone(t *testing.T, label string) {
	t.Helper()
	c := requireSwarm(t)
	ctx, cancel := clock.WithTimeout(context.Background(), clock.Real(), 20*time.Second, nil)
	defer cancel()
	f := filters.NewArgs(filters.Arg("label", label))
	for {
		svcs, err := c.ServiceList(ctx, swarm.ServiceListOptions{Filters: f})
		require.NoError(t, err)
		ctrs, err := c.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
		require.NoError(t, err)
		if len(svcs) == 0 && len(ctrs) == 0 {
			return
		}
		require.NoError(t, clock.Sleep(ctx, clock.Real(), 100*time.Millisecond),
			"%s: %d services and %d containers left", label, len(svcs), len(ctrs))
	}
}

// TestSwarmTerminateAndCancel runs a job on a one-vCPU compute environment tagged for the
// swarm, checks its service, cancels the job queued behind it and terminates it.
func TestSwarmTerminateAndCancel(t *testing.T) {
	t.Parallel()
	c := requireSwarm(t)
	s := newService(t, batch.BackendDocker)
	api[map[string]any](t, s, "createcomputeenvironment", map[string]any{"computeEnvironmentName": "one", "type": "MANAGED",
		"computeResources": map[string]any{"type": "EC2", "maxvCpus": 1}, "tags": map[string]string{batch.TagBackend: batch.BackendSwarm}})
	api[map[string]any](t, s, "createjobqueue", map[string]any{"jobQueueName": "q", "priority": 1,
		"computeEnvironmentOrder": []map[string]any{{"order": 1, "computeEnvironment": "one"}}})
	registerShell(t, s, "sleepy", "echo started; sleep 30", nil)
	first := submit(t, s, map[string]any{"jobDefinition": "sleepy", "jobQueue": "q"})
	second := submit(t, s, map[string]any{"jobDefinition": "sleepy", "jobQueue": "q"})
	waitRunning(t, s, first)

	svcs, err := c.ServiceList(context.Background(), swarm.ServiceListOptions{
		Filters: filters.NewArgs(filters.Arg("label", batch.LabelJobID+"="+first))})
	require.NoError(t, err)
	require.Len(t, svcs, 1)
	spec := svcs[0].Spec
	require.NotNil(t, spec.Mode.ReplicatedJob, "a replicated-job service")
	require.Equal(t, uint64(1), *spec.Mode.ReplicatedJob.TotalCompletions)
	require.Equal(t, swarm.RestartPolicyConditionNone, spec.TaskTemplate.RestartPolicy.Condition)
	require.Equal(t, &swarm.Limit{NanoCPUs: 1e9, MemoryBytes: 64 << 20}, spec.TaskTemplate.Resources.Limits)
	require.Equal(t, &swarm.Resources{NanoCPUs: 1e9, MemoryBytes: 64 << 20}, spec.TaskTemplate.Resources.Reservations)
	require.Equal(t, "true", spec.Labels[LabelManaged])
	require.Contains(t, spec.TaskTemplate.ContainerSpec.Env, "AWS_BATCH_CE_NAME=one")

	ds := api[map[string][]batch.JobDetail](t, s, "describejobs", map[string]any{"jobs": []string{second}})
	require.Equal(t, batch.StatusRunnable, ds["jobs"][0].Status, "maxvCpus 1 keeps the second job waiting")
	api[map[string]any](t, s, "canceljob", map[string]any{"jobId": second, "reason": "not needed"})
	d2 := wait(t, s, second)
	require.Equal(t, batch.StatusFailed, d2.Status)
	require.Equal(t, "not needed", d2.StatusReason)
	require.Empty(t, d2.Attempts)

	api[map[string]any](t, s, "terminatejob", map[string]any{"jobId": first, "reason": "enough"})
	d := wait(t, s, first)
	require.Equal(t, batch.StatusFailed, d.Status)
	require.Equal(t, "enough", d.StatusReason)
	require.Equal(t, 137, *d.Container.ExitCode)
	require.Equal(t, []string{"started"}, logLines(s, d))
	requireRemoved(t, first)
}

// TestSwarmUnreachable points the swarm backend at a daemon that does not exist: SubmitJob
// to its queue fails with a ClientException, and the Docker backend keeps working.
func TestSwarmUnreachable(t *testing.T) {
	t.Parallel()
	requireSwarm(t)
	c, err := client.NewClientWithOpts(client.WithHost("unix:///nonexistent/sfnlocal-docker.sock"), client.WithAPIVersionNegotiation())
	require.NoError(t, err)
	down := newRunner(c, zaptest.NewLogger(t), clock.Real())
	s := newService(t, batch.BackendDocker, func(cfg *batch.Config) {
		cfg.Backends = map[string]batch.ContainerRunner{batch.BackendSwarm: down}
	})
	api[map[string]any](t, s, "createcomputeenvironment", map[string]any{"computeEnvironmentName": "sw", "type": "MANAGED",
		"tags": map[string]string{batch.TagBackend: batch.BackendSwarm}})
	api[map[string]any](t, s, "createjobqueue", map[string]any{"jobQueueName": "q", "priority": 1,
		"computeEnvironmentOrder": []map[string]any{{"order": 1, "computeEnvironment": "sw"}}})
	registerShell(t, s, "ok", "echo ok", nil)
	code, body := call(t, s, "submitjob", map[string]any{"jobName": "j", "jobQueue": "q", "jobDefinition": "ok"})
	require.Equal(t, 400, code)
	require.Contains(t, string(body), `"ClientException"`)
	require.Contains(t, string(body), "Compute environment sw cannot run jobs on its swarm backend: the Docker Swarm backend is not reachable")

	d := wait(t, s, submit(t, s, map[string]any{"jobDefinition": "ok"}))
	require.Equal(t, batch.StatusSucceeded, d.Status, d.StatusReason)
	require.Equal(t, []string{"ok"}, logLines(s, d))
}

// TestSwarmReap leaves a service labelled by a process that is gone, as a crashed run
// would, and checks that a fresh runner removes it.
func TestSwarmReap(t *testing.T) {
	t.Parallel()
	c := requireSwarm(t)
	r, err := New(zaptest.NewLogger(t))
	require.NoError(t, err)
	r.pid = 1<<22 + 12345 // a pid no process has
	ctx, cancel := clock.WithTimeout(context.Background(), clock.Real(), 30*time.Second, nil)
	defer cancel()
	id, err := r.Start(ctx, batch.Spec{Name: "sfnlocal-swarm-reap-test", Image: testImage, Command: []string{"sleep", "30"}})
	require.NoError(t, err)
	fresh, err := New(zaptest.NewLogger(t))
	require.NoError(t, err)
	// Another test's service may have reaped it first: what counts is that it is gone.
	_, err = fresh.Reap(ctx)
	require.NoError(t, err)
	_, _, err = c.ServiceInspectWithRaw(ctx, id, swarm.ServiceInspectOptions{})
	require.True(t, client.IsErrNotFound(err), "%v", err)
}

// TestSwarmUnplaceable submits jobs the swarm cannot place: more vCPUs than any node has,
// GPUs on a swarm without them, a constraint no node meets. Each stays RUNNABLE with AWS's
// blocked-job reason (as on AWS when no instance can host it) until CancelJob or
// TerminateJob ends it without an attempt, and no service is left.
func TestSwarmUnplaceable(t *testing.T) {
	t.Parallel()
	requireSwarm(t)
	tests := []struct {
		name      string
		reqs      []map[string]string
		tags      map[string]string
		terminate bool
	}{
		{name: "vCPUs", reqs: []map[string]string{{"type": "VCPU", "value": "128"}}, terminate: true},
		{name: "GPUs", reqs: []map[string]string{{"type": "VCPU", "value": "1"}, {"type": "GPU", "value": "1"}}},
		{name: "constraint", reqs: []map[string]string{{"type": "VCPU", "value": "1"}},
			tags: map[string]string{batch.TagConstraint: "node.labels.sfnlocal-test-absent==true"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newService(t, batch.BackendSwarm)
			def := map[string]any{"jobDefinitionName": "unplaceable", "type": "container",
				"containerProperties": map[string]any{"image": testImage, "command": []string{"true"},
					"resourceRequirements": append(tc.reqs, map[string]string{"type": "MEMORY", "value": "64"})}}
			if tc.tags != nil {
				def["tags"] = tc.tags
			}
			api[map[string]any](t, s, "registerjobdefinition", def)
			id := submit(t, s, map[string]any{"jobDefinition": "unplaceable"})
			ctx, cancel := clock.WithTimeout(context.Background(), clock.Real(), 20*time.Second, nil)
			defer cancel()
			for {
				ds, err := s.DescribeJobs([]string{id})
				require.NoError(t, err)
				require.Equal(t, batch.StatusRunnable, ds[0].Status, "a job the swarm cannot place is RUNNABLE")
				if ds[0].StatusReason != "" {
					require.Equal(t, ReasonNoFittingInstance, ds[0].StatusReason)
					break
				}
				require.NoError(t, clock.Sleep(ctx, clock.Real(), 20*time.Millisecond), "job %s has no statusReason", id)
			}
			op := "canceljob"
			if tc.terminate {
				op = "terminatejob"
			}
			api[map[string]any](t, s, op, map[string]any{"jobId": id, "reason": "no room"})
			d := wait(t, s, id)
			require.Equal(t, batch.StatusFailed, d.Status)
			require.Equal(t, "no room", d.StatusReason)
			require.Equal(t, tc.terminate, d.IsTerminated)
			require.Empty(t, d.Attempts)
			requireRemoved(t, id)
		})
	}
}

// TestSwarmConstraintPlaces runs a job on a compute environment whose constraint tag the
// manager meets: the service carries the constraint and the job succeeds.
func TestSwarmConstraintPlaces(t *testing.T) {
	t.Parallel()
	c := requireSwarm(t)
	s := newService(t, batch.BackendDocker)
	api[map[string]any](t, s, "createcomputeenvironment", map[string]any{"computeEnvironmentName": "managers", "type": "MANAGED",
		"tags": map[string]string{batch.TagBackend: batch.BackendSwarm, batch.TagConstraint: "node.role==manager"}})
	api[map[string]any](t, s, "createjobqueue", map[string]any{"jobQueueName": "q", "priority": 1,
		"computeEnvironmentOrder": []map[string]any{{"order": 1, "computeEnvironment": "managers"}}})
	registerShell(t, s, "talk", "echo placed; sleep 1", map[string]any{"tags": map[string]string{batch.TagConstraint + ":os": "node.platform.os==linux"}})
	id := submit(t, s, map[string]any{"jobDefinition": "talk", "jobQueue": "q"})
	waitRunning(t, s, id)
	svcs, err := c.ServiceList(context.Background(), swarm.ServiceListOptions{
		Filters: filters.NewArgs(filters.Arg("label", batch.LabelJobID+"="+id))})
	require.NoError(t, err)
	require.Len(t, svcs, 1)
	require.Equal(t, []string{"node.role==manager", "node.platform.os==linux"}, svcs[0].Spec.TaskTemplate.Placement.Constraints)
	d := wait(t, s, id)
	require.Equal(t, batch.StatusSucceeded, d.Status, d.StatusReason)
	require.Equal(t, []string{"placed"}, logLines(s, d))
	requireRemoved(t, id)
}

// TestSwarmServiceLogs reads a job's output through the service logs API, as for a task on
// another node: followed while it runs, completed by the final read, no line twice.
func TestSwarmServiceLogs(t *testing.T) {
	t.Parallel()
	requireSwarm(t)
	r, err := New(zaptest.NewLogger(t))
	require.NoError(t, err)
	r.serviceLogsOnly = true
	s := newService(t, batch.BackendSwarm, func(c *batch.Config) {
		c.Backends = map[string]batch.ContainerRunner{batch.BackendSwarm: r}
	})
	registerShell(t, s, "talk", "echo one; echo two; sleep 1; echo three; echo three; echo four; exit 2", nil)
	d := wait(t, s, submit(t, s, map[string]any{"jobDefinition": "talk"}))
	require.Equal(t, batch.StatusFailed, d.Status)
	require.Equal(t, 2, *d.Container.ExitCode)
	require.Equal(t, []string{"one", "two", "three", "three", "four"}, logLines(s, d))
	requireRemoved(t, d.JobID)
}
