package swarm

import (
	"context"
	"testing"
	"testing/synctest"

	"github.com/docker/docker/api/types/swarm"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/services/batch"
)

// deadPID is a pid no process has: the process that made the services of these tests.
const deadPID = "4206523"

// earlier returns the labels a service of attempt n of job jobID has when the runner oldID
// of a dead process on host made it.
func earlier(oldID, host, jobID, n string) map[string]string {
	return map[string]string{
		LabelManaged: "true", LabelPID: deadPID, LabelHost: host, LabelRunner: oldID,
		batch.LabelJobID: jobID, batch.LabelAttempt: n,
	}
}

// newTestRunner is a Runner on f for host "h1", which sees only its own pid alive.
func newTestRunner(f *fakeEngine) *Runner {
	r := newRunner(f, zap.NewNop(), clock.Real())
	r.host = "h1"
	r.alive = func(pid int) bool { return pid == r.pid }
	return r
}

// TestFindAttempt finds the service of a job attempt by its labels, whatever runner made
// it, and nothing for an attempt without one, removing the container a removed service left.
func TestFindAttempt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		jobID   string
		attempt int
		want    string
		// wantRemoved are the containers FindAttempt removes: those of a lost attempt.
		wantRemoved []string
	}{
		{name: "first attempt", jobID: "job-1", attempt: 1, want: "old-1"},
		{name: "second attempt", jobID: "job-1", attempt: 2, want: "old-2"},
		{name: "made by another runner still", jobID: "job-2", attempt: 1, want: "other-1"},
		{name: "made without a runner label", jobID: "job-3", attempt: 1, want: "bare-1"},
		{name: "attempt without a service", jobID: "job-1", attempt: 3, want: ""},
		{name: "unknown job", jobID: "job-9", attempt: 1, want: ""},
		{name: "service removed, its container left", jobID: "job-4", attempt: 1, want: "", wantRemoved: []string{"ctr-gone-1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeEngine(node("n1", swarm.NodeStateReady, 2, 0))
			f.addService("old-1", earlier("old", "h1", "job-1", "1"), swarm.TaskStateFailed, 1)
			f.addService("old-2", earlier("old", "h1", "job-1", "2"), swarm.TaskStateRunning, 0)
			f.addService("other-1", earlier("other", "h2", "job-2", "1"), swarm.TaskStateRunning, 0)
			bare := earlier("", "h1", "job-3", "1")
			delete(bare, LabelRunner)
			f.addService("bare-1", bare, swarm.TaskStateRunning, 0)
			f.addService("gone-1", earlier("old", "h1", "job-4", "1"), swarm.TaskStateRunning, 0)
			require.NoError(t, f.ServiceRemove(context.Background(), "gone-1"))
			r := newTestRunner(f)

			got, err := r.FindAttempt(context.Background(), tc.jobID, tc.attempt)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
			task, known := r.tasks.latest(got)
			require.Equal(t, tc.want != "", known, "the found service's task is known at once")
			if known {
				require.Equal(t, "task-"+tc.want, task.ID)
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			require.Equal(t, tc.wantRemoved, f.ctrRemoved)
		})
	}
}

// TestReapKeep removes the services and task containers of dead processes on this host,
// except those keep accepts; Reap keeps none.
func TestReapKeep(t *testing.T) {
	t.Parallel()
	keepJob1 := func(l map[string]string) bool { return l[batch.LabelJobID] == "job-1" && l[batch.LabelAttempt] == "1" }
	tests := []struct {
		name string
		keep func(map[string]string) bool
		want []string // services removed, sorted
	}{
		{name: "reap", want: []string{"dead-1", "dead-2"}},
		{name: "keep nothing", keep: func(map[string]string) bool { return false }, want: []string{"dead-1", "dead-2"}},
		{name: "keep a reattached job", keep: keepJob1, want: []string{"dead-2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeEngine(node("n1", swarm.NodeStateReady, 2, 0))
			r := newTestRunner(f)
			f.addService("dead-1", earlier("old", "h1", "job-1", "1"), swarm.TaskStateRunning, 0)
			f.addService("dead-2", earlier("old", "h1", "job-2", "1"), swarm.TaskStateComplete, 0)
			f.addService("other-host", earlier("old", "h2", "job-3", "1"), swarm.TaskStateRunning, 0)
			alive := earlier("mine", "h1", "job-4", "1")
			alive[LabelPID] = "1"
			r.alive = func(pid int) bool { return pid == 1 }
			f.addService("alive", alive, swarm.TaskStateRunning, 0)

			var n int
			var err error
			if tc.keep == nil {
				n, err = r.Reap(context.Background())
			} else {
				n, err = r.ReapKeep(context.Background(), tc.keep)
			}
			require.NoError(t, err)
			require.Equal(t, len(tc.want), n)
			f.mu.Lock()
			defer f.mu.Unlock()
			require.ElementsMatch(t, tc.want, f.removed)
			var ctrs []string
			for _, id := range tc.want {
				ctrs = append(ctrs, "ctr-"+id)
			}
			require.ElementsMatch(t, ctrs, f.ctrRemoved, "the task containers go with their services")
		})
	}
}

// TestAdoptedServiceWait follows a service an earlier process made (another runner's label,
// which the task poller does not list by itself): Wait reports the exit of a task that ends
// after the restart or had ended before it, and a service removed since is gone. The
// earlier runner's other services stay out of the poller's sight.
func TestAdoptedServiceWait(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		before swarm.TaskState // the task's state when FindAttempt finds it
		then   func(f *fakeEngine)
		want   batch.Exit
	}{
		{name: "ends after the restart", before: swarm.TaskStateRunning,
			then: func(f *fakeEngine) { f.setTask("old-1", swarm.TaskStateFailed, "n1", "task: non-zero exit (3)", 3) },
			want: batch.Exit{Code: 3}},
		{name: "succeeds after the restart", before: swarm.TaskStateRunning,
			then: func(f *fakeEngine) { f.setTask("old-1", swarm.TaskStateComplete, "n1", "", 0) },
			want: batch.Exit{Code: 0}},
		{name: "ended while sfnlocal was down", before: swarm.TaskStateFailed,
			want: batch.Exit{Code: 3}},
		{name: "removed after the restart", before: swarm.TaskStateRunning,
			then: func(f *fakeEngine) { require.NoError(t, f.ServiceRemove(context.Background(), "old-1")) },
			want: batch.Exit{Code: 137, Reason: "the swarm service was removed"}},
		{name: "node down after the restart", before: swarm.TaskStateRunning,
			then: func(f *fakeEngine) { f.setNodes(node("n1", swarm.NodeStateDown, 2, 0)) },
			want: batch.Exit{NoExitCode: true, StatusReason: HostTerminated("n1")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				f := newFakeEngine(node("n1", swarm.NodeStateReady, 2, 0))
				f.addService("old-1", earlier("old", "h1", "job-1", "1"), tc.before, 3)
				f.addService("old-2", earlier("old", "h1", "job-2", "1"), swarm.TaskStateRunning, 0)
				r := newTestRunner(f)
				id, err := r.FindAttempt(context.Background(), "job-1", 1)
				require.NoError(t, err)
				require.Equal(t, "old-1", id)

				waited := make(chan batch.Exit, 1)
				go func() {
					e, err := r.Wait(context.Background(), id)
					if err != nil {
						e.Reason = err.Error()
					}
					waited <- e
				}()
				synctest.Wait()
				if tc.then != nil {
					require.Empty(t, waited, "Wait returned while the task runs")
					tc.then(f)
				}
				require.Equal(t, tc.want, <-waited)
				_, known := r.tasks.latest("old-2")
				require.False(t, known, "a service of the earlier runner that was not adopted")
				require.NoError(t, r.Remove(context.Background(), id))
				r.tasks.mu.Lock()
				require.Empty(t, r.tasks.adopted, "Remove forgets the adopted service")
				r.tasks.mu.Unlock()
				settle()
			})
		})
	}
}

// TestPollerLabels lists the runner's own label first, then each adopted label once.
func TestPollerLabels(t *testing.T) {
	t.Parallel()
	p := newPoller(newFakeEngine(), zap.NewNop(), clock.Real(), "me")
	p.adopt("a", LabelRunner+"=old", nil)
	p.adopt("b", LabelRunner+"=old", nil)
	p.adopt("c", LabelRunner+"=me", nil)
	p.adopt("d", batch.LabelJobID+"=job-1", nil)
	p.mu.Lock()
	got := p.labelsLocked()
	p.mu.Unlock()
	require.Equal(t, LabelRunner+"=me", got[0])
	require.ElementsMatch(t, []string{LabelRunner + "=me", LabelRunner + "=old", batch.LabelJobID + "=job-1"}, got)
}
