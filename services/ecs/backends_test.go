package ecs

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/internal/clock"
)

// clusterRunner is a fakeRunner standing for a cluster backend: Check fails when down is
// set, and Start of image "unplaceable" waits until its context ends.
type clusterRunner struct {
	*fakeRunner
	down    bool
	waiting chan struct{}
}

func (c *clusterRunner) Check(context.Context) error {
	if c.down {
		return errors.New("the Docker Swarm backend is not reachable")
	}
	return nil
}

func (c *clusterRunner) Start(ctx context.Context, s Spec) (string, error) {
	if s.Image == "unplaceable" {
		close(c.waiting)
		<-ctx.Done()
		return "", context.Cause(ctx)
	}
	return c.fakeRunner.Start(ctx, s)
}

func newBackendFixture(t *testing.T, down bool) (*fixture, *clusterRunner) {
	t.Helper()
	local, logs := newFakeRunner(), &memLogs{}
	cl := &clusterRunner{fakeRunner: newFakeRunner(), down: down, waiting: make(chan struct{})}
	s, err := New(Config{Clock: clock.Real(), Logger: zaptest.NewLogger(t), Runner: local, Logs: logs,
		Backends: map[string]ContainerRunner{BackendSwarm: cl}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return &fixture{s: s, r: local, logs: logs}, cl
}

// TestClusterBackend: a cluster tagged sfnlocal:backend=swarm runs its tasks on the swarm
// runner, with the cluster's constraint tags; an unknown backend or an unreachable swarm
// fails RunTask with a ClientException.
func TestClusterBackend(t *testing.T) {
	t.Parallel()
	f, cl := newBackendFixture(t, false)
	_, err := f.s.CreateCluster("sw", []Tag{{TagBackend, BackendSwarm}, {TagConstraint + ":b", "node.role==worker"}, {TagConstraint, "node.labels.gpu==true"}})
	require.NoError(t, err)
	_, err = f.s.CreateCluster("odd", []Tag{{TagBackend, "k8s"}})
	require.NoError(t, err)
	f.register(t, "fam", ContainerDefinition{Name: "app", Image: "exit:0"})

	got := f.wait(t, f.run(t, &RunTaskInput{Cluster: "sw", TaskDefinition: "fam"}).TaskArn)
	require.Equal(t, StatusStopped, got.LastStatus)
	require.Equal(t, 0, *got.Containers[0].ExitCode)
	cl.mu.Lock()
	require.Len(t, cl.specs, 1)
	for _, sp := range cl.specs {
		require.Equal(t, []string{"node.labels.gpu==true", "node.role==worker"}, sp.Constraints)
	}
	cl.mu.Unlock()
	f.r.mu.Lock()
	require.Empty(t, f.r.specs, "the default cluster's runner ran nothing")
	f.r.mu.Unlock()

	_, _, err = f.s.RunTask(&RunTaskInput{Cluster: "odd", TaskDefinition: "fam"})
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, "ClientException", apiErr.Code)
	require.Contains(t, apiErr.Message, "sfnlocal:backend=k8s")

	down, _ := newBackendFixture(t, true)
	_, err = down.s.CreateCluster("sw", []Tag{{TagBackend, BackendSwarm}})
	require.NoError(t, err)
	down.register(t, "fam", ContainerDefinition{Name: "app", Image: "exit:0"})
	_, _, err = down.s.RunTask(&RunTaskInput{Cluster: "sw", TaskDefinition: "fam"})
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, "ClientException", apiErr.Code)
	require.Equal(t, "Cluster sw cannot run tasks on its backend: the Docker Swarm backend is not reachable", apiErr.Message)
}

// TestHostTerminatedTask: a container whose host went away stops the task with stop code
// TerminationNotice and AWS's reason, without an exit code, and stops its other containers.
func TestHostTerminatedTask(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.register(t, "fam", ContainerDefinition{Name: "app", Image: "lost"}, ContainerDefinition{Name: "side", Image: "hang", Essential: boolp(false)})
	got := f.wait(t, f.run(t, &RunTaskInput{TaskDefinition: "fam"}).TaskArn)
	require.Equal(t, StatusStopped, got.LastStatus)
	require.Equal(t, StopTerminationNotice, got.StopCode)
	require.Equal(t, "Host EC2 (instance i-0123456789abcdef0) terminated.", got.StoppedReason)
	require.Nil(t, got.Containers[0].ExitCode)
	require.Equal(t, 143, *got.Containers[1].ExitCode)
}

// TestStopTaskWhilePlacing: StopTask gives up a container start that a cluster backend has
// not placed; the task stops as the user asked.
func TestStopTaskWhilePlacing(t *testing.T) {
	t.Parallel()
	f, cl := newBackendFixture(t, false)
	_, err := f.s.CreateCluster("sw", []Tag{{TagBackend, BackendSwarm}})
	require.NoError(t, err)
	f.register(t, "fam", ContainerDefinition{Name: "app", Image: "unplaceable"})
	task := f.run(t, &RunTaskInput{Cluster: "sw", TaskDefinition: "fam"})
	<-cl.waiting
	_, err = f.s.StopTask("sw", task.TaskArn, "enough")
	require.NoError(t, err)
	got := f.wait(t, task.TaskArn)
	require.Equal(t, StatusStopped, got.LastStatus)
	require.Equal(t, StopUserInitiated, got.StopCode)
	require.Equal(t, "enough", got.StoppedReason)
	require.Empty(t, got.Containers[0].Reason)
	require.Nil(t, got.Containers[0].ExitCode)
}
