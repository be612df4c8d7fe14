package docker

import (
	"context"
	"fmt"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/storagetest"
	"github.com/sfnlocal/sfnlocal/services/batch"
)

// durableRun is one run of a server with a store: its runner takes the given pid and host, so
// that the next run sees its containers as leftovers of a dead process.
func durableRun(t *testing.T, db *storage.DB, pid int, host string) *batch.Service {
	t.Helper()
	log := zaptest.NewLogger(t, zaptest.Level(zap.InfoLevel))
	r, err := New(log)
	require.NoError(t, err)
	r.pid, r.host = pid, host
	s, err := batch.New(batch.Config{Clock: clock.Real(), Logger: log, Runner: r, StopGrace: 0, DB: db})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

// TestDockerReattach: a server with a store stops (as after a crash: containers are left
// alone) while a job's container sleeps; the next server on the same store reattaches it: the
// start-up reaper spares it, its log goes on without repeats, and its exit decides the job. A
// container that vanished in between fails its job with AWS's reason.
func TestDockerReattach(t *testing.T) {
	t.Parallel()
	c := requireDocker(t)
	tests := []struct {
		name       string
		vanish     bool
		wantStatus batch.Status
		wantReason string
		wantLog    []string
	}{
		{name: "container still running", wantStatus: batch.StatusSucceeded, wantReason: "Essential container in task exited",
			wantLog: []string{"one", "two", "three"}},
		{name: "container vanished", vanish: true, wantStatus: batch.StatusFailed, wantReason: "Host EC2 (instance i-0"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := storagetest.Open(t)
			dead := 1<<22 + 23456 + i // a pid no process has
			host := fmt.Sprintf("reattach-test-%d", dead)
			s := durableRun(t, db, dead, host)
			registerShell(t, s, "slow", "echo one; sleep 4; echo two; echo three", nil)
			id := submit(t, s, map[string]any{"jobDefinition": "slow"})
			waitRunning(t, s, id)
			require.NoError(t, s.Close()) // the server goes away; the container sleeps on

			list, err := c.ContainerList(context.Background(), container.ListOptions{All: true})
			require.NoError(t, err)
			var ctr string
			for _, x := range list {
				if x.Labels[batch.LabelJobID] == id {
					ctr = x.ID
				}
			}
			require.NotEmpty(t, ctr, "the container outlives the server")
			if tc.vanish {
				require.NoError(t, c.ContainerRemove(context.Background(), ctr, container.RemoveOptions{Force: true}))
			}

			s2 := durableRun(t, storagetest.Reopen(t, db), 1<<22+34567+i, host)
			d := wait(t, s2, id)
			require.Equal(t, tc.wantStatus, d.Status, "%s %v", d.StatusReason, logLines(s2, d))
			require.Contains(t, d.StatusReason, tc.wantReason)
			require.Len(t, d.Attempts, 1)
			if !tc.vanish {
				require.Equal(t, 0, *d.Container.ExitCode)
				require.Equal(t, tc.wantLog, logLines(s2, d))
			}
			requireRemoved(t, id)
		})
	}
}
