package batch

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// placingRunner is a fakeRunner behind a cluster that places containers: Start reports the
// job unplaceable, then waits until the test places it (or Start's context ends).
type placingRunner struct {
	*fakeRunner
	mu    sync.Mutex
	gates map[string]chan struct{} // by job id
	asked chan string              // job ids whose Start reported them unplaceable
}

func newPlacingRunner() *placingRunner {
	return &placingRunner{fakeRunner: newFakeRunner(), gates: map[string]chan struct{}{}, asked: make(chan string, 16)}
}

func (p *placingRunner) Places() bool { return true }

func (p *placingRunner) gate(job string) chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	g, ok := p.gates[job]
	if !ok {
		g = make(chan struct{})
		p.gates[job] = g
	}
	return g
}

func (p *placingRunner) place(job string) { close(p.gate(job)) }

func (p *placingRunner) Start(ctx context.Context, spec Spec) (string, error) {
	job := spec.Labels[LabelJobID]
	spec.OnPlacement(false, reasonNoInstance)
	p.asked <- job
	select {
	case <-p.gate(job):
	case <-ctx.Done():
		return "", context.Cause(ctx)
	}
	spec.OnPlacement(true, "")
	return p.fakeRunner.Start(ctx, spec)
}

func eventsOf(s *Service, stream string) []string {
	var out []string
	for _, e := range s.Events(stream) {
		out = append(out, e.Message)
	}
	return out
}

const reasonNoInstance = "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - All compute environments have no connected instances that meet the job requirements."

func newPlacingFixture(t *testing.T) (*fixture, *placingRunner) {
	p := newPlacingRunner()
	f := newFixture(t, func(c *Config) {
		c.Backends = map[string]ContainerRunner{BackendSwarm: p}
		c.Backend = BackendSwarm
	})
	f.r = p.fakeRunner
	return f, p
}

// TestRunnableUntilPlaced: a job dispatched to a cluster stays RUNNABLE, with the cluster's
// reason, until a node takes it; it still holds its vCPUs of maxvCpus meanwhile.
func TestRunnableUntilPlaced(t *testing.T) {
	t.Parallel()
	f, p := newPlacingFixture(t)
	f.register(t, "jd", ContainerProperties{Image: "img", Command: []string{"exit", "0"}, Vcpus: intp(2)})
	id := f.submit(t, SubmitJobInput{JobDefinition: "jd"})
	require.Equal(t, id, <-p.asked)
	ds, err := f.s.DescribeJobs([]string{id})
	require.NoError(t, err)
	require.Equal(t, StatusRunnable, ds[0].Status)
	require.Equal(t, reasonNoInstance, ds[0].StatusReason)
	require.Empty(t, ds[0].Container.LogStreamName, "no task and no log stream before a node has the job")
	require.Empty(t, ds[0].Container.TaskArn)
	f.s.mu.Lock()
	used := f.s.ces[DefaultComputeEnvironment].used
	f.s.mu.Unlock()
	require.Equal(t, 2.0, used)

	p.place(id)
	d := f.waitStatus(t, id, StatusSucceeded)
	require.Equal(t, "Essential container in task exited", d.StatusReason)
	require.Len(t, d.Attempts, 1)
	require.Equal(t, d.Attempts[0].Container.LogStreamName, d.Container.LogStreamName)
	require.Equal(t, []string{"hi from exit 0", "second line"}, eventsOf(f.s, d.Container.LogStreamName))
	require.Equal(t, []string{"RUNNABLE", "STARTING", "RUNNING", "SUCCEEDED"}, f.transitions(id))
}

// TestGiveUpWhilePlacing: CancelJob and TerminateJob end a job the cluster has not placed
// without an attempt, and give its vCPUs back.
func TestGiveUpWhilePlacing(t *testing.T) {
	t.Parallel()
	for _, terminate := range []bool{false, true} {
		f, p := newPlacingFixture(t)
		f.register(t, "jd", ContainerProperties{Image: "img", Command: []string{"exit", "0"}})
		id := f.submit(t, SubmitJobInput{JobDefinition: "jd"})
		require.Equal(t, id, <-p.asked)
		if terminate {
			require.NoError(t, f.s.TerminateJob(id, "no room"))
		} else {
			require.NoError(t, f.s.CancelJob(id, "no room"))
		}
		d := f.waitStatus(t, id, StatusFailed)
		require.Equal(t, "no room", d.StatusReason)
		require.Equal(t, terminate, d.IsTerminated)
		require.Equal(t, !terminate, d.IsCancelled)
		require.Empty(t, d.Attempts)
		require.Equal(t, []string{"RUNNABLE", "FAILED"}, f.transitions(id))
		f.s.mu.Lock()
		used := f.s.ces[DefaultComputeEnvironment].used
		f.s.mu.Unlock()
		require.Zero(t, used)
	}
}

// TestHostTerminated: an attempt whose host went away fails with AWS's reason and no exit
// code, and evaluateOnExit's onStatusReason decides whether it is retried.
func TestHostTerminated(t *testing.T) {
	t.Parallel()
	const reason = "Host EC2 (instance i-0123456789abcdef0) terminated."
	tests := []struct {
		name   string
		action string
		want   Status
		codes  []*int
	}{
		{name: "retried", action: "RETRY", want: StatusSucceeded, codes: []*int{nil, intp(0)}},
		{name: "not retried", action: "EXIT", want: StatusFailed, codes: []*int{nil}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.register(t, "jd", ContainerProperties{Image: "img", Command: []string{"attempt", "-", "lost", "0"}},
				func(in *registerJDInput) {
					in.RetryStrategy = &RetryStrategy{Attempts: intp(3), EvaluateOnExit: []EvaluateOnExit{
						{OnStatusReason: "Host EC2*", Action: tc.action}, {OnReason: "*", Action: "EXIT"}}}
				})
			id := f.submit(t, SubmitJobInput{JobDefinition: "jd"})
			d := f.waitStatus(t, id, tc.want)
			require.Len(t, d.Attempts, len(tc.codes))
			for i, c := range tc.codes {
				require.Equal(t, c, d.Attempts[i].Container.ExitCode, "attempt %d", i+1)
			}
			require.Equal(t, reason, d.Attempts[0].StatusReason)
			require.Empty(t, d.Attempts[0].Container.Reason)
			if tc.want == StatusFailed {
				require.Equal(t, reason, d.StatusReason)
				require.Nil(t, d.Container.ExitCode)
			}
		})
	}
}

// TestPlacementTags: constraints and the GPU kind come from the compute environment's, the
// job definition's and the job's tags; GPUs from the resource requirements; a constraint
// tag that is not one is refused.
func TestPlacementTags(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, err := f.s.createComputeEnvironment(&createCEInput{ComputeEnvironmentName: "gpus", Type: "MANAGED",
		Tags: map[string]string{TagConstraint: "node.labels.gpu==true", TagGPUKind: "NVIDIA-GPU"}})
	require.NoError(t, err)
	_, err = f.s.createJobQueue(&createJQInput{JobQueueName: "q", Priority: intp(1),
		ComputeEnvironmentOrder: []ComputeEnvironmentOrder{{Order: 1, ComputeEnvironment: "gpus"}}})
	require.NoError(t, err)
	f.register(t, "jd", ContainerProperties{Image: "img", Command: []string{"exit", "0"},
		ResourceRequirements: []ResourceRequirement{{Type: "GPU", Value: "2"}}},
		func(in *registerJDInput) {
			in.Tags = map[string]string{TagConstraint + ":zone": "node.labels.zone != b", TagConstraint: "node.labels.gpu==true"}
		})
	first := f.submit(t, SubmitJobInput{JobDefinition: "jd", JobQueue: "q", Tags: map[string]string{TagConstraint: "node.role==worker", TagGPUKind: "gpu"}})
	second := f.submit(t, SubmitJobInput{JobDefinition: "jd", JobQueue: "q"})
	f.waitStatus(t, first, StatusSucceeded)
	f.waitStatus(t, second, StatusSucceeded)
	specs := map[string]Spec{}
	f.r.mu.Lock()
	for _, sp := range f.r.started {
		specs[sp.Labels[LabelJobID]] = sp
	}
	f.r.mu.Unlock()
	a, b := specs[first], specs[second]
	require.Equal(t, []string{"node.labels.gpu==true", "node.labels.zone != b", "node.role==worker"}, a.Constraints)
	require.Equal(t, "gpu", a.GPUKind)
	require.Equal(t, 2, a.GPUs)
	require.Equal(t, []string{"node.labels.gpu==true", "node.labels.zone != b"}, b.Constraints)
	require.Equal(t, "NVIDIA-GPU", b.GPUKind)

	for _, tags := range []map[string]string{
		{TagConstraint: "node.labels.gpu"},
		{TagConstraint + ":x": "==true"},
		{TagGPUKind: "nvidia gpu"},
	} {
		_, err := f.s.registerJobDefinition(&registerJDInput{JobDefinitionName: "bad", Type: "container",
			ContainerProperties: &ContainerProperties{Image: "img"}, Tags: tags})
		var apiErr *APIError
		require.ErrorAs(t, err, &apiErr, "%v", tags)
	}
}
