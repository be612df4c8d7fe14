package swarm

import (
	"context"
	"testing"
	"time"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/swarm"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/services/batch/docker"
	"github.com/sfnlocal/sfnlocal/services/ecs"
	"github.com/sfnlocal/sfnlocal/services/ecs/batchrunner"
)

// TestSwarmECSTasks runs ECS tasks on a cluster tagged sfnlocal:backend=swarm: each
// container is a swarm service, and the task goes to STOPPED with its container's exit code
// and ECS's stop code and reason, as on the local runner.
func TestSwarmECSTasks(t *testing.T) {
	t.Parallel()
	c := requireSwarm(t)
	log := zaptest.NewLogger(t)
	local, err := docker.New(log)
	require.NoError(t, err)
	sw, err := New(log)
	require.NoError(t, err)
	s, err := ecs.New(ecs.Config{Clock: clock.Real(), Logger: log, Runner: batchrunner.New(local), StopGrace: time.Second,
		Backends: map[string]ecs.ContainerRunner{ecs.BackendSwarm: batchrunner.New(sw)}})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	_, err = s.CreateCluster("sw", []ecs.Tag{{Key: ecs.TagBackend, Value: ecs.BackendSwarm}})
	require.NoError(t, err)

	tests := []struct {
		name   string
		script string
		code   int
	}{
		{name: "exit 0", script: "echo ok", code: 0},
		{name: "exit 3", script: "echo failing >&2; exit 3", code: 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mem := int64(64)
			def, err := s.RegisterTaskDefinition(&ecs.RegisterTaskDefinitionInput{Family: "swarm-" + tc.name[len(tc.name)-1:],
				ContainerDefinitions: []ecs.ContainerDefinition{{Name: "app", Image: testImage, CPU: 256, Memory: &mem,
					Command: []string{"sh", "-c", "sleep 1; " + tc.script}}}})
			require.NoError(t, err)
			tasks, fails, err := s.RunTask(&ecs.RunTaskInput{Cluster: "sw", TaskDefinition: def.TaskDefinitionArn})
			require.NoError(t, err)
			require.Empty(t, fails)
			require.Equal(t, ecs.StatusProvisioning, tasks[0].LastStatus)
			arn := tasks[0].TaskArn

			ctx, cancel := clock.WithTimeout(context.Background(), clock.Real(), time.Minute, nil)
			defer cancel()
			// While it runs, its container is a replicated-job service of the swarm.
			for {
				ds, _, err := s.DescribeTasks("sw", []string{arn})
				require.NoError(t, err)
				if ds[0].LastStatus == ecs.StatusRunning {
					break
				}
				require.NotEqual(t, ecs.StatusStopped, ds[0].LastStatus, ds[0].StoppedReason)
				require.NoError(t, clock.Sleep(ctx, clock.Real(), 20*time.Millisecond), "task %s is not RUNNING", arn)
			}
			svcs, err := c.ServiceList(ctx, swarm.ServiceListOptions{Filters: filters.NewArgs(filters.Arg("label", ecs.LabelTaskArn+"="+arn))})
			require.NoError(t, err)
			require.Len(t, svcs, 1)
			require.NotNil(t, svcs[0].Spec.Mode.ReplicatedJob)
			require.Equal(t, &swarm.Resources{NanoCPUs: 25e7, MemoryBytes: 64 << 20}, svcs[0].Spec.TaskTemplate.Resources.Reservations)

			got, err := s.Wait(ctx, arn)
			require.NoError(t, err)
			require.Equal(t, ecs.StatusStopped, got.LastStatus)
			require.Equal(t, ecs.StopEssentialExited, got.StopCode)
			require.Equal(t, ecs.ReasonEssential, got.StoppedReason)
			require.NotNil(t, got.StartedAt)
			require.NotNil(t, got.StoppedAt)
			require.NotNil(t, got.Containers[0].ExitCode)
			require.Equal(t, tc.code, *got.Containers[0].ExitCode)
			require.Empty(t, got.Containers[0].Reason)
			requireGone(t, ecs.LabelTaskArn+"="+arn)
		})
	}

	// A task of two containers: the second is placed on the first one's node, and stopped
	// when the essential one exits.
	t.Run("two containers", func(t *testing.T) {
		t.Parallel()
		def, err := s.RegisterTaskDefinition(&ecs.RegisterTaskDefinitionInput{Family: "swarm-pair",
			ContainerDefinitions: []ecs.ContainerDefinition{
				{Name: "app", Image: testImage, Command: []string{"sh", "-c", "sleep 2; exit 0"}},
				{Name: "side", Image: testImage, Essential: new(bool), Command: []string{"sleep", "60"}}}})
		require.NoError(t, err)
		tasks, _, err := s.RunTask(&ecs.RunTaskInput{Cluster: "sw", TaskDefinition: def.TaskDefinitionArn})
		require.NoError(t, err)
		arn := tasks[0].TaskArn
		ctx, cancel := clock.WithTimeout(context.Background(), clock.Real(), time.Minute, nil)
		defer cancel()
		var svcs []swarm.Service
		for {
			svcs, err = c.ServiceList(ctx, swarm.ServiceListOptions{Filters: filters.NewArgs(filters.Arg("label", ecs.LabelTaskArn+"="+arn))})
			require.NoError(t, err)
			if len(svcs) == 2 {
				break
			}
			require.NoError(t, clock.Sleep(ctx, clock.Real(), 20*time.Millisecond), "task %s has %d services", arn, len(svcs))
		}
		info, err := c.Info(ctx)
		require.NoError(t, err)
		var pinned []string
		for _, sv := range svcs {
			if p := sv.Spec.TaskTemplate.Placement; p != nil {
				pinned = append(pinned, p.Constraints...)
			}
		}
		require.Equal(t, []string{"node.id==" + info.Swarm.NodeID}, pinned)
		got, err := s.Wait(ctx, arn)
		require.NoError(t, err)
		require.Equal(t, ecs.StopEssentialExited, got.StopCode)
		require.Equal(t, 0, *got.Containers[0].ExitCode)
		require.NotNil(t, got.Containers[1].ExitCode)
		require.NotZero(t, *got.Containers[1].ExitCode, "the side container was stopped")
		requireGone(t, ecs.LabelTaskArn+"="+arn)
	})
}
