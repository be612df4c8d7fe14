package swarm

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/client"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/storagetest"
	"github.com/sfnlocal/sfnlocal/services/batch"
)

// testHost is a host label of its own for a test's runners, so that the runners of other
// tests (this machine's host name) never reap its services.
func testHost(t *testing.T) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "swarm-reattach-test-" + hex.EncodeToString(b)
}

// removeServices removes, when the test ends, the services and task containers that carry
// the label (key=value), whatever the test left.
func removeServices(t *testing.T, c *client.Client, label string) {
	t.Cleanup(func() {
		ctx, cancel := clock.WithTimeout(context.Background(), clock.Real(), 30*time.Second, nil)
		defer cancel()
		r := newRunner(c, zap.NewNop(), clock.Real())
		f := filters.NewArgs(filters.Arg("label", label))
		svcs, err := c.ServiceList(ctx, swarm.ServiceListOptions{Filters: f})
		require.NoError(t, err)
		for _, s := range svcs {
			require.NoError(t, r.Remove(ctx, s.ID))
		}
		requireGone(t, label)
	})
}

// waitEnded waits, for at most 30 s, until the task of service id has ended.
func waitEnded(t *testing.T, c *client.Client, id string) {
	t.Helper()
	ctx, cancel := clock.WithTimeout(context.Background(), clock.Real(), 30*time.Second, nil)
	defer cancel()
	for {
		tasks, err := c.TaskList(ctx, swarm.TaskListOptions{Filters: filters.NewArgs(filters.Arg("service", id))})
		require.NoError(t, err)
		if len(tasks) == 1 && ended(tasks[0]) {
			return
		}
		require.NoError(t, clock.Sleep(ctx, clock.Real(), 100*time.Millisecond), "the task of service %s does not end", id)
	}
}

// TestSwarmRunnerReattach runs a job attempt's service on a runner of a process that then
// goes away, and follows it from a fresh runner as the next process would: FindAttempt
// finds the service whatever runner made it, ReapKeep spares it, Wait gives the task's exit
// code (also when it ended before the fresh runner looked) and Logs all its output, through
// its container or the service logs API. A service removed in between is not found.
func TestSwarmRunnerReattach(t *testing.T) {
	t.Parallel()
	c := requireSwarm(t)
	tests := []struct {
		name        string
		ended       bool // the task ends before the fresh runner looks for it
		removed     bool // the service is removed before the fresh runner looks for it
		serviceLogs bool
	}{
		{name: "running, container logs"},
		{name: "running, service logs", serviceLogs: true},
		{name: "ended while no runner followed it", ended: true, serviceLogs: true},
		{name: "removed", removed: true},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := clock.WithTimeout(context.Background(), clock.Real(), time.Minute, nil)
			defer cancel()
			host, jobID := testHost(t), "reattach-"+strings.ReplaceAll(t.Name(), "/", "-")
			removeServices(t, c, batch.LabelJobID+"="+jobID)
			a, err := New(zaptest.NewLogger(t))
			require.NoError(t, err)
			a.pid, a.host = 1<<22+45678+i, host // a pid no process has: the process is gone
			id, err := a.Start(ctx, batch.Spec{Image: testImage,
				Command: []string{"sh", "-c", "echo one; sleep 3; echo two; exit 3"},
				Labels:  map[string]string{batch.LabelJobID: jobID, batch.LabelAttempt: "1"}})
			require.NoError(t, err)
			switch {
			case tc.removed:
				require.NoError(t, c.ServiceRemove(ctx, id))
			case tc.ended:
				waitEnded(t, c, id)
			}

			b, err := New(zaptest.NewLogger(t))
			require.NoError(t, err)
			b.host, b.serviceLogsOnly = host, tc.serviceLogs
			require.NotEqual(t, a.id, b.id)
			got, err := b.FindAttempt(ctx, jobID, 1)
			require.NoError(t, err)
			if tc.removed {
				require.Empty(t, got)
				return
			}
			require.Equal(t, id, got)
			other, err := b.FindAttempt(ctx, jobID, 2)
			require.NoError(t, err)
			require.Empty(t, other, "another attempt of the job")

			_, err = b.ReapKeep(ctx, func(l map[string]string) bool { return l[batch.LabelJobID] == jobID })
			require.NoError(t, err)
			_, _, err = c.ServiceInspectWithRaw(ctx, id, swarm.ServiceInspectOptions{})
			require.NoError(t, err, "ReapKeep spares the reattached service")

			rc, err := b.Logs(ctx, id)
			require.NoError(t, err)
			defer rc.Close()
			logs := make(chan string, 1)
			go func() {
				out, _ := io.ReadAll(rc)
				logs <- string(out)
			}()
			exit, err := b.Wait(ctx, id)
			require.NoError(t, err)
			require.Equal(t, batch.Exit{Code: 3}, exit)
			select {
			case out := <-logs:
				require.Equal(t, "one\ntwo\n", out)
			case <-ctx.Done():
				require.FailNow(t, "the logs do not end")
			}
			require.NoError(t, b.Remove(ctx, id))
			requireRemoved(t, jobID)
		})
	}
}

// durableRun is one run of a server with a store on the swarm backend: its runner takes
// the given pid and host, so that the next run sees its services as leftovers of a dead
// process.
func durableRun(t *testing.T, db *storage.DB, pid int, host string) *batch.Service {
	t.Helper()
	log := zaptest.NewLogger(t, zaptest.Level(zap.InfoLevel))
	r, err := New(log)
	require.NoError(t, err)
	r.pid, r.host = pid, host
	s, err := batch.New(batch.Config{Clock: clock.Real(), Logger: log, Runner: r, DB: db})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

// TestSwarmReattach: a server with a store stops (as after a crash: services are left alone)
// while a job's task sleeps; the next server on the same store reattaches its service: the
// start-up reaper spares it, its log goes on without repeats, and its exit decides the job.
// A service that vanished in between fails its job with AWS's reason.
func TestSwarmReattach(t *testing.T) {
	t.Parallel()
	c := requireSwarm(t)
	tests := []struct {
		name       string
		vanish     bool
		ended      bool // the task ends before the next server starts
		wantStatus batch.Status
		wantReason string
		wantExit   int
		wantLog    []string
	}{
		{name: "service still running", wantStatus: batch.StatusFailed, wantReason: "Essential container in task exited",
			wantExit: 3, wantLog: []string{"one", "two", "three"}},
		{name: "task ended while no server ran", ended: true, wantStatus: batch.StatusFailed,
			wantReason: "Essential container in task exited", wantExit: 3, wantLog: []string{"one", "two", "three"}},
		{name: "service vanished", vanish: true, wantStatus: batch.StatusFailed, wantReason: "Host EC2 (instance i-0"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			requireSwarm(t)
			db := storagetest.Open(t)
			host := testHost(t)
			s := durableRun(t, db, 1<<22+56789+i, host)
			registerShell(t, s, "slow", "echo one; sleep 4; echo two; echo three; exit 3", nil)
			id := submit(t, s, map[string]any{"jobDefinition": "slow"})
			removeServices(t, c, batch.LabelJobID+"="+id)
			waitRunning(t, s, id)
			require.NoError(t, s.Close()) // the server goes away; the task sleeps on

			svcs, err := c.ServiceList(context.Background(), swarm.ServiceListOptions{
				Filters: filters.NewArgs(filters.Arg("label", batch.LabelJobID+"="+id))})
			require.NoError(t, err)
			require.Len(t, svcs, 1, "the service outlives the server")
			if tc.vanish {
				require.NoError(t, c.ServiceRemove(context.Background(), svcs[0].ID))
			}
			if tc.ended {
				waitEnded(t, c, svcs[0].ID)
			}

			s2 := durableRun(t, storagetest.Reopen(t, db), 1<<22+67890+i, host)
			d := wait(t, s2, id)
			require.Equal(t, tc.wantStatus, d.Status, "%s %v", d.StatusReason, logLines(s2, d))
			require.Contains(t, d.StatusReason, tc.wantReason)
			require.Len(t, d.Attempts, 1)
			if !tc.vanish {
				require.Equal(t, tc.wantExit, *d.Container.ExitCode)
				require.Equal(t, tc.wantLog, logLines(s2, d))
			}
			requireRemoved(t, id)
		})
	}
}
