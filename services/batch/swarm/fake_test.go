package swarm

import (
	"context"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/swarm"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/services/batch"
)

// fakeEngine is a hand fake of the Docker API a Runner uses: services have one task each,
// whose state the test sets, on nodes the test lists. Service and task lists honour the
// label filters (a task has its service's labels, as in swarmkit) and the service filter.
type fakeEngine struct {
	mu         sync.Mutex
	seq        int
	services   map[string]swarm.ServiceSpec
	tasks      map[string]swarm.Task // by service id
	nodes      []swarm.Node
	containers []container.Summary
	removed    []string // services, in removal order
	ctrRemoved []string // containers, in removal order
	created    chan string
}

func newFakeEngine(nodes ...swarm.Node) *fakeEngine {
	return &fakeEngine{services: map[string]swarm.ServiceSpec{}, tasks: map[string]swarm.Task{},
		nodes: nodes, created: make(chan string, 8)}
}

func node(id string, state swarm.NodeState, cpus int64, gpus int64) swarm.Node {
	n := swarm.Node{ID: id, Status: swarm.NodeStatus{State: state},
		Description: swarm.NodeDescription{Resources: swarm.Resources{NanoCPUs: cpus * 1e9, MemoryBytes: 8 << 30}}}
	if gpus > 0 {
		n.Description.Resources.GenericResources = []swarm.GenericResource{{DiscreteResourceSpec: &swarm.DiscreteGenericResource{Kind: "gpu", Value: gpus}}}
	}
	return n
}

// setTask sets the state of service id's task.
func (f *fakeEngine) setTask(id string, state swarm.TaskState, nodeID, errText string, exit int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.tasks[id]
	t.Status.State, t.Status.Err, t.NodeID = state, errText, nodeID
	if state == swarm.TaskStateRunning || ended(t) {
		t.Status.ContainerStatus = &swarm.ContainerStatus{ContainerID: "ctr-" + id, ExitCode: exit}
	}
	f.tasks[id] = t
}

// addService adds a service as an earlier sfnlocal process would have left it: made by
// another runner, with labels, and one task in state on node n1 (with exit code exit once
// ended), and its task container on this daemon labelled the same way.
func (f *fakeEngine) addService(id string, labels map[string]string, state swarm.TaskState, exit int) {
	f.mu.Lock()
	f.services[id] = swarm.ServiceSpec{Annotations: swarm.Annotations{Labels: labels}}
	f.tasks[id] = swarm.Task{ID: "task-" + id, ServiceID: id}
	f.containers = append(f.containers, container.Summary{ID: "ctr-" + id, Labels: labels})
	f.mu.Unlock()
	f.setTask(id, state, "n1", "", exit)
}

// matchLabels tells whether labels l have every key=value (or key) of want.
func matchLabels(l map[string]string, want []string) bool {
	for _, w := range want {
		k, v, hasValue := strings.Cut(w, "=")
		got, ok := l[k]
		if !ok || (hasValue && got != v) {
			return false
		}
	}
	return true
}

func (f *fakeEngine) setNodes(nodes ...swarm.Node) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nodes = nodes
}

func (f *fakeEngine) SwarmInspect(context.Context) (swarm.Swarm, error) { return swarm.Swarm{}, nil }

func (f *fakeEngine) ServiceCreate(_ context.Context, spec swarm.ServiceSpec, _ swarm.ServiceCreateOptions) (swarm.ServiceCreateResponse, error) {
	f.mu.Lock()
	f.seq++
	id := "svc" + strconv.Itoa(f.seq)
	f.services[id] = spec
	f.tasks[id] = swarm.Task{ID: "task-" + id, ServiceID: id, Status: swarm.TaskStatus{State: swarm.TaskStatePending}}
	f.mu.Unlock()
	f.created <- id
	return swarm.ServiceCreateResponse{ID: id}, nil
}

func (f *fakeEngine) ServiceRemove(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.services[id]; !ok {
		return cerrdefs.ErrNotFound
	}
	delete(f.services, id)
	delete(f.tasks, id)
	f.removed = append(f.removed, id)
	return nil
}

func (f *fakeEngine) ServiceList(_ context.Context, opts swarm.ServiceListOptions) ([]swarm.Service, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []swarm.Service
	for id, spec := range f.services {
		if matchLabels(spec.Labels, opts.Filters.Get("label")) {
			out = append(out, swarm.Service{ID: id, Spec: spec})
		}
	}
	return out, nil
}

func (f *fakeEngine) ServiceLogs(context.Context, string, container.LogsOptions) (io.ReadCloser, error) {
	return io.NopCloser(strings.NewReader("")), nil
}

func (f *fakeEngine) TaskList(_ context.Context, opts swarm.TaskListOptions) ([]swarm.Task, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	services := opts.Filters.Get("service")
	for _, id := range services {
		if _, ok := f.services[id]; !ok {
			// The daemon resolves the service filter first and fails on a missing one.
			return nil, cerrdefs.ErrNotFound
		}
	}
	var out []swarm.Task
	for _, t := range f.tasks {
		if len(services) > 0 && !slices.Contains(services, t.ServiceID) {
			continue
		}
		if matchLabels(f.services[t.ServiceID].Labels, opts.Filters.Get("label")) {
			out = append(out, t)
		}
	}
	return out, nil
}

func (f *fakeEngine) NodeList(context.Context, swarm.NodeListOptions) ([]swarm.Node, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]swarm.Node(nil), f.nodes...), nil
}

func (f *fakeEngine) ContainerInspect(context.Context, string) (container.InspectResponse, error) {
	return container.InspectResponse{}, cerrdefs.ErrNotFound
}

func (f *fakeEngine) ContainerStop(context.Context, string, container.StopOptions) error {
	return cerrdefs.ErrNotFound
}

func (f *fakeEngine) ContainerRemove(_ context.Context, id string, _ container.RemoveOptions) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := slices.IndexFunc(f.containers, func(c container.Summary) bool { return c.ID == id })
	if i < 0 {
		return cerrdefs.ErrNotFound
	}
	f.containers = slices.Delete(f.containers, i, i+1)
	f.ctrRemoved = append(f.ctrRemoved, id)
	return nil
}

func (f *fakeEngine) ContainerList(_ context.Context, opts container.ListOptions) ([]container.Summary, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []container.Summary
	for _, c := range f.containers {
		if matchLabels(c.Labels, opts.Filters.Get("label")) {
			out = append(out, c)
		}
	}
	return out, nil
}

func (f *fakeEngine) ContainerLogs(context.Context, string, container.LogsOptions) (io.ReadCloser, error) {
	return nil, cerrdefs.ErrNotFound
}

// TestUnplaceableReason: the swarm's "no suitable node" becomes AWS's blocked-job reason,
// told apart by whether any node could take the task when idle.
func TestUnplaceableReason(t *testing.T) {
	t.Parallel()
	const (
		resources   = "no suitable node (insufficient resources on 2 nodes)"
		constraints = "no suitable node (scheduling constraints not satisfied on 2 nodes)"
		drained     = "no suitable node (2 nodes not available for new tasks)"
	)
	nodes := []swarm.Node{node("small", swarm.NodeStateReady, 2, 0), node("gpu", swarm.NodeStateReady, 4, 2)}
	tests := []struct {
		name string
		err  string
		spec batch.Spec
		want string
	}{
		{name: "bigger than every node", err: resources, spec: batch.Spec{VCPUs: 8}, want: ReasonNoFittingInstance},
		{name: "a node fits when idle", err: resources, spec: batch.Spec{VCPUs: 3}, want: ReasonNoCapacity},
		{name: "more GPUs than any node", err: resources, spec: batch.Spec{VCPUs: 1, GPUs: 3}, want: ReasonNoFittingInstance},
		{name: "GPUs a node has", err: resources, spec: batch.Spec{VCPUs: 1, GPUs: 2}, want: ReasonNoCapacity},
		{name: "GPUs of another kind", err: resources, spec: batch.Spec{VCPUs: 1, GPUs: 1, GPUKind: "NVIDIA-GPU"}, want: ReasonNoFittingInstance},
		{name: "constraints", err: constraints, spec: batch.Spec{VCPUs: 1}, want: ReasonNoFittingInstance},
		{name: "drained nodes", err: drained, spec: batch.Spec{VCPUs: 1}, want: ReasonNoCapacity},
	}
	r := newRunner(newFakeEngine(nodes...), zap.NewNop(), clock.Real())
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			task := swarm.Task{Status: swarm.TaskStatus{State: swarm.TaskStatePending, Err: tc.err}}
			require.Equal(t, tc.want, r.unplaceable(context.Background(), task, tc.spec))
		})
	}
}

// TestHostTerminated is the instance id a node gets: stable, i- and 17 hex digits.
func TestHostTerminated(t *testing.T) {
	t.Parallel()
	got := HostTerminated("ikmk67eqbigpf1ouk7zjf9i33")
	require.Regexp(t, `^Host EC2 \(instance i-[0-9a-f]{17}\) terminated\.$`, got)
	require.Equal(t, got, HostTerminated("ikmk67eqbigpf1ouk7zjf9i33"))
	require.NotEqual(t, got, HostTerminated("ejeqf9tj7ndt0xdj18ww8oy62"))
}

// settle lets the task poller see that nobody waits any more and exit, so that the
// synctest bubble can end (in the bubble's time: no real sleep).
func settle() {
	time.Sleep(2 * pollInterval)
	synctest.Wait()
}

// placement records what a Runner's Start told OnPlacement.
type placement struct {
	placed bool
	reason string
}

// startAsync starts spec on r in a goroutine and returns the created service's id and a
// channel that receives Start's outcome.
func startAsync(r *Runner, f *fakeEngine, spec batch.Spec) (string, <-chan error) {
	done := make(chan error, 1)
	go func() {
		_, err := r.Start(context.Background(), spec)
		done <- err
	}()
	return <-f.created, done
}

// TestStartPlacement follows a task through the swarm's states: pending without a node
// (unplaceable, then another reason), assigned (placed), preparing, running.
func TestStartPlacement(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		f := newFakeEngine(node("n1", swarm.NodeStateReady, 2, 0))
		r := newRunner(f, zap.NewNop(), clock.Real())
		heard := make(chan placement, 8)
		spec := batch.Spec{Image: "img", VCPUs: 1, GPUs: 1, Constraints: []string{"node.labels.gpu==true"},
			OnPlacement: func(placed bool, reason string) { heard <- placement{placed, reason} }}
		id, done := startAsync(r, f, spec)

		f.mu.Lock()
		svc := f.services[id]
		f.mu.Unlock()
		require.Equal(t, &swarm.Placement{Constraints: []string{"node.labels.gpu==true"}}, svc.TaskTemplate.Placement)
		require.Equal(t, []swarm.GenericResource{{DiscreteResourceSpec: &swarm.DiscreteGenericResource{Kind: "gpu", Value: 1}}},
			svc.TaskTemplate.Resources.Reservations.GenericResources)

		f.setTask(id, swarm.TaskStatePending, "", "no suitable node (insufficient resources on 1 node)", 0)
		require.Equal(t, placement{false, ReasonNoFittingInstance}, <-heard)
		f.setTask(id, swarm.TaskStatePending, "", "no suitable node (1 node not available for new tasks)", 0)
		require.Equal(t, placement{false, ReasonNoCapacity}, <-heard)
		f.setTask(id, swarm.TaskStateAssigned, "n1", "", 0)
		require.Equal(t, placement{true, ""}, <-heard)
		f.setTask(id, swarm.TaskStatePreparing, "n1", "", 0)
		synctest.Wait()
		select {
		case err := <-done:
			require.FailNow(t, "Start returned before the task ran", "%v", err)
		default:
		}
		f.setTask(id, swarm.TaskStateRunning, "n1", "", 0)
		require.NoError(t, <-done)
		require.Empty(t, heard)
		settle()
	})
}

// TestNodeLeaves: a running task whose node goes down, or is removed from the swarm, or
// that the swarm shuts down on its own, ends the attempt with AWS's host-terminated
// reason and no exit code; one that sfnlocal stopped does not.
func TestNodeLeaves(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		leave func(f *fakeEngine, r *Runner, id string)
		want  batch.Exit
	}{
		{name: "node down", want: batch.Exit{NoExitCode: true, StatusReason: HostTerminated("n2")},
			leave: func(f *fakeEngine, _ *Runner, _ string) {
				f.setNodes(node("n1", swarm.NodeStateReady, 2, 0), node("n2", swarm.NodeStateDown, 2, 0))
			}},
		{name: "node removed", want: batch.Exit{NoExitCode: true, StatusReason: HostTerminated("n2")},
			leave: func(f *fakeEngine, _ *Runner, _ string) { f.setNodes(node("n1", swarm.NodeStateReady, 2, 0)) }},
		{name: "shut down by the swarm", want: batch.Exit{NoExitCode: true, StatusReason: HostTerminated("n2")},
			leave: func(f *fakeEngine, _ *Runner, id string) { f.setTask(id, swarm.TaskStateShutdown, "n2", "", 0) }},
		{name: "orphaned", want: batch.Exit{NoExitCode: true, StatusReason: HostTerminated("n2")},
			leave: func(f *fakeEngine, _ *Runner, id string) { f.setTask(id, swarm.TaskStateOrphaned, "n2", "", 0) }},
		{name: "stopped by sfnlocal", want: batch.Exit{Code: 137},
			leave: func(f *fakeEngine, r *Runner, id string) {
				// Its container is on another node: Stop removes the service.
				require.NoError(t, r.Stop(context.Background(), id, time.Second))
			}},
		{name: "exits on its own", want: batch.Exit{Code: 3},
			leave: func(f *fakeEngine, _ *Runner, id string) {
				f.setTask(id, swarm.TaskStateFailed, "n2", "task: non-zero exit (3)", 3)
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				f := newFakeEngine(node("n1", swarm.NodeStateReady, 2, 0), node("n2", swarm.NodeStateReady, 2, 0))
				r := newRunner(f, zap.NewNop(), clock.Real())
				id, done := startAsync(r, f, batch.Spec{Image: "img"})
				f.setTask(id, swarm.TaskStateRunning, "n2", "", 0)
				require.NoError(t, <-done)
				waited := make(chan batch.Exit, 1)
				go func() {
					e, err := r.Wait(context.Background(), id)
					if err != nil {
						e.Reason = err.Error()
					}
					waited <- e
				}()
				synctest.Wait()
				require.Empty(t, waited, "Wait returned while the task runs")
				tc.leave(f, r, id)
				require.Equal(t, tc.want, <-waited)
				require.NoError(t, r.Remove(context.Background(), id))
				settle()
			})
		})
	}
}
