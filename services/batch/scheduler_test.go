package batch

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestCheckTransition(t *testing.T) {
	t.Parallel()
	tests := []struct {
		from, to Status
		ok       bool
	}{
		{StatusSubmitted, StatusPending, true},
		{StatusSubmitted, StatusRunnable, true},
		{StatusPending, StatusRunnable, true},
		{StatusRunnable, StatusStarting, true},
		{StatusStarting, StatusRunning, true},
		{StatusRunning, StatusSucceeded, true},
		{StatusRunning, StatusFailed, true},
		{StatusRunning, StatusRunnable, true},
		{StatusSubmitted, StatusRunning, false},
		{StatusRunnable, StatusRunning, false},
		{StatusSucceeded, StatusFailed, false},
		{StatusFailed, StatusRunnable, false},
		{StatusPending, StatusStarting, false},
	}
	for _, tc := range tests {
		t.Run(string(tc.from)+"->"+string(tc.to), func(t *testing.T) {
			t.Parallel()
			err := CheckTransition(tc.from, tc.to)
			if tc.ok {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, ErrInvalidTransition)
			}
		})
	}
}

func TestJobOutcomes(t *testing.T) {
	t.Parallel()
	two := 2
	tests := []struct {
		name         string
		command      []string
		retry        *RetryStrategy
		wantStatus   Status
		wantAttempts []int // exit codes
		wantReason   string
		wantCReason  string
	}{
		{name: "success", command: []string{"exit", "0"}, wantStatus: StatusSucceeded, wantAttempts: []int{0}, wantReason: reasonExited},
		{name: "non-zero exit", command: []string{"exit", "3"}, wantStatus: StatusFailed, wantAttempts: []int{3}, wantReason: reasonExited},
		{name: "retries until attempts run out", command: []string{"exit", "1"}, retry: &RetryStrategy{Attempts: intp(3)},
			wantStatus: StatusFailed, wantAttempts: []int{1, 1, 1}, wantReason: reasonExited},
		{name: "retry then success", command: []string{"attempt", "-", "5", "0"}, retry: &RetryStrategy{Attempts: intp(3)},
			wantStatus: StatusSucceeded, wantAttempts: []int{5, 0}, wantReason: reasonExited},
		{name: "evaluateOnExit EXIT stops retries", command: []string{"exit", "42"},
			retry:      &RetryStrategy{Attempts: intp(5), EvaluateOnExit: []EvaluateOnExit{{OnExitCode: "4*", Action: "exit"}}},
			wantStatus: StatusFailed, wantAttempts: []int{42}, wantReason: reasonExited},
		{name: "evaluateOnExit RETRY only on matching code", command: []string{"attempt", "-", "7", "8", "9"},
			retry: &RetryStrategy{Attempts: intp(5), EvaluateOnExit: []EvaluateOnExit{
				{OnExitCode: "7", Action: "RETRY"}, {OnReason: "*", Action: "EXIT"}}},
			wantStatus: StatusFailed, wantAttempts: []int{7, 8}, wantReason: reasonExited},
		{name: "evaluateOnExit on status reason", command: []string{"exit", "1"},
			retry: &RetryStrategy{Attempts: &two, EvaluateOnExit: []EvaluateOnExit{
				{OnStatusReason: "Essential*", Action: "EXIT"}}},
			wantStatus: StatusFailed, wantAttempts: []int{1}, wantReason: reasonExited},
		{name: "out of memory", command: []string{"oom"}, wantStatus: StatusFailed, wantAttempts: []int{137},
			wantReason: reasonExited, wantCReason: reasonOOM},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.register(t, "jd", ContainerProperties{Image: "img", Command: tc.command}, func(in *registerJDInput) {
				in.RetryStrategy = tc.retry
			})
			id := f.submit(t, SubmitJobInput{JobDefinition: "jd"})
			d := f.waitStatus(t, id, tc.wantStatus)
			var codes []int
			for _, a := range d.Attempts {
				require.NotNil(t, a.Container.ExitCode)
				codes = append(codes, *a.Container.ExitCode)
				require.Equal(t, tc.wantReason, a.StatusReason)
				require.NotEmpty(t, a.Container.LogStreamName)
			}
			require.Equal(t, tc.wantAttempts, codes)
			require.Equal(t, tc.wantReason, d.StatusReason)
			require.Equal(t, tc.wantCReason, d.Container.Reason)
			require.Equal(t, tc.wantAttempts[len(tc.wantAttempts)-1], *d.Container.ExitCode)
			want := []string{"RUNNABLE"}
			for i := range tc.wantAttempts {
				want = append(want, "STARTING", "RUNNING")
				if i < len(tc.wantAttempts)-1 {
					want = append(want, "RUNNABLE")
				}
			}
			want = append(want, string(tc.wantStatus))
			require.Equal(t, want, f.transitions(id))
			require.Equal(t, epoch.UnixMilli(), d.CreatedAt)
			require.Equal(t, epoch.UnixMilli(), d.StoppedAt)
		})
	}
}

func TestAttemptTimeout(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.register(t, "jd", ContainerProperties{Image: "img", Command: []string{"block"}}, func(in *registerJDInput) {
		in.Timeout = &JobTimeout{AttemptDurationSeconds: intp(60)}
		in.RetryStrategy = &RetryStrategy{Attempts: intp(3)}
	})
	id := f.submit(t, SubmitJobInput{JobDefinition: "jd"})
	d := f.waitStatus(t, id, StatusRunning)
	require.Equal(t, epoch.UnixMilli(), d.StartedAt)
	f.clock.Advance(59 * time.Second)
	f.s.mu.Lock()
	st := f.s.jobs[id].d.Status
	f.s.mu.Unlock()
	require.Equal(t, StatusRunning, st)
	f.clock.Advance(time.Second)
	d = f.waitStatus(t, id, StatusFailed)
	require.Equal(t, reasonTimeout, d.StatusReason)
	require.Len(t, d.Attempts, 1, "a timed-out attempt is not retried")
	require.Equal(t, epoch.Add(60*time.Second).UnixMilli(), d.StoppedAt)
}

func TestArrayJob(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		command    []string
		wantParent Status
		wantFailed int
	}{
		{"all succeed", []string{"exit", "0"}, StatusSucceeded, 0},
		{"one child fails", []string{"exitidx", "2", "0"}, StatusFailed, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.register(t, "jd", ContainerProperties{Image: "img", Command: tc.command})
			id := f.submit(t, SubmitJobInput{JobDefinition: "jd", ArrayProperties: &ArrayProperties{Size: intp(3)}})
			p := f.waitStatus(t, id, tc.wantParent)
			require.Equal(t, []string{"PENDING", string(tc.wantParent)}, f.transitions(id))
			require.Equal(t, 3, *p.ArrayProperties.Size)
			require.Equal(t, tc.wantFailed, p.ArrayProperties.StatusSummary["FAILED"])
			require.Equal(t, 3-tc.wantFailed, p.ArrayProperties.StatusSummary["SUCCEEDED"])
			require.Equal(t, 0, p.ArrayProperties.StatusSummary["RUNNING"])
			for i, want := range []string{"0", "1", "2"} {
				kid := f.waitStatusAny(t, id+":"+want)
				require.Equal(t, i, *kid.ArrayProperties.Index)
			}
			f.r.mu.Lock()
			defer f.r.mu.Unlock()
			seen := map[string]bool{}
			for _, sp := range f.r.started {
				require.Equal(t, "3", envOf(sp, "AWS_BATCH_JOB_ARRAY_SIZE"))
				seen[envOf(sp, "AWS_BATCH_JOB_ARRAY_INDEX")] = true
				require.Equal(t, sp.Labels[LabelJobID], envOf(sp, "AWS_BATCH_JOB_ID"))
			}
			require.Len(t, seen, 3)
		})
	}
}

// waitStatusAny waits for the job to end, whatever the status.
func (f *fixture) waitStatusAny(t *testing.T, id string) JobDetail {
	t.Helper()
	f.s.mu.Lock()
	j := f.s.jobs[id]
	f.s.mu.Unlock()
	require.NotNil(t, j)
	<-j.done
	f.s.mu.Lock()
	defer f.s.mu.Unlock()
	return j.snapshot()
}

func TestDependsOn(t *testing.T) {
	t.Parallel()
	t.Run("waits for and follows its dependency", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.register(t, "block", ContainerProperties{Image: "img", Command: []string{"block"}})
		f.register(t, "ok", ContainerProperties{Image: "img", Command: []string{"exit", "0"}})
		a := f.submit(t, SubmitJobInput{JobDefinition: "block"})
		b := f.submit(t, SubmitJobInput{JobDefinition: "ok", DependsOn: []JobDependency{{JobID: a}}})
		f.waitStatus(t, a, StatusRunning)
		f.waitStatus(t, b, StatusPending)
		f.r.release(a, 0)
		f.waitStatus(t, b, StatusSucceeded)
		require.Equal(t, []string{a, b}, f.r.startedJobs())
	})
	t.Run("fails when its dependency fails", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.register(t, "block", ContainerProperties{Image: "img", Command: []string{"block"}})
		a := f.submit(t, SubmitJobInput{JobDefinition: "block"})
		b := f.submit(t, SubmitJobInput{JobDefinition: "block", DependsOn: []JobDependency{{JobID: a}}})
		c := f.submit(t, SubmitJobInput{JobDefinition: "block", DependsOn: []JobDependency{{JobID: b}}})
		f.waitStatus(t, a, StatusRunning)
		f.r.release(a, 1)
		d := f.waitStatus(t, c, StatusFailed)
		require.Equal(t, reasonDependentFailed, d.StatusReason)
		require.Empty(t, d.Attempts)
		require.Equal(t, []string{a}, f.r.startedJobs())
	})
	t.Run("SEQUENTIAL array runs children in index order", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.register(t, "ok", ContainerProperties{Image: "img", Command: []string{"exit", "0"}})
		id := f.submit(t, SubmitJobInput{JobDefinition: "ok", ArrayProperties: &ArrayProperties{Size: intp(4)},
			DependsOn: []JobDependency{{Type: "SEQUENTIAL"}}})
		f.waitStatus(t, id, StatusSucceeded)
		require.Equal(t, []string{id + ":0", id + ":1", id + ":2", id + ":3"}, f.r.startedJobs())
	})
	t.Run("N_TO_N pairs children by index", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.register(t, "block", ContainerProperties{Image: "img", Command: []string{"block"}})
		f.register(t, "ok", ContainerProperties{Image: "img", Command: []string{"exit", "0"}})
		a := f.submit(t, SubmitJobInput{JobDefinition: "block", ArrayProperties: &ArrayProperties{Size: intp(2)}})
		b := f.submit(t, SubmitJobInput{JobDefinition: "ok", ArrayProperties: &ArrayProperties{Size: intp(2)},
			DependsOn: []JobDependency{{JobID: a, Type: "N_TO_N"}}})
		f.waitStatus(t, a+":1", StatusRunning)
		f.r.release(a+":1", 0)
		f.waitStatus(t, b+":1", StatusSucceeded)
		f.waitStatus(t, b+":0", StatusPending)
		f.r.release(a+":0", 0)
		f.waitStatus(t, b, StatusSucceeded)
	})
	t.Run("rejects unknown and mismatched dependencies", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.register(t, "ok", ContainerProperties{Image: "img", Command: []string{"exit", "0"}})
		a := f.submit(t, SubmitJobInput{JobDefinition: "ok"})
		arr := f.submit(t, SubmitJobInput{JobDefinition: "ok", ArrayProperties: &ArrayProperties{Size: intp(2)}})
		for _, in := range []SubmitJobInput{
			{JobDefinition: "ok", DependsOn: []JobDependency{{JobID: "nope"}}},
			{JobDefinition: "ok", DependsOn: []JobDependency{{JobID: a, Type: "N_TO_N"}}},
			{JobDefinition: "ok", ArrayProperties: &ArrayProperties{Size: intp(2)}, DependsOn: []JobDependency{{JobID: arr + ":0", Type: "N_TO_N"}}},
			{JobDefinition: "ok", DependsOn: []JobDependency{{Type: "SEQUENTIAL"}}},
			{JobDefinition: "ok", DependsOn: []JobDependency{{JobID: a, Type: "BOGUS"}}},
		} {
			in.JobName, in.JobQueue = "x", DefaultJobQueue
			_, err := f.s.SubmitJob(&in)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			require.Equal(t, CodeClientException, apiErr.Code)
		}
	})
}

func TestMaxVCPUsQueueing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, err := f.s.createComputeEnvironment(&createCEInput{ComputeEnvironmentName: "small", Type: "MANAGED",
		ComputeResources: &ComputeResources{MaxvCpus: intp(2)}})
	require.NoError(t, err)
	_, err = f.s.createJobQueue(&createJQInput{JobQueueName: "q", Priority: intp(1),
		ComputeEnvironmentOrder: []ComputeEnvironmentOrder{{Order: 1, ComputeEnvironment: "small"}}})
	require.NoError(t, err)
	f.register(t, "block", ContainerProperties{Image: "img", Command: []string{"block"}, Vcpus: intp(1)})
	var ids []string
	for range 4 {
		ids = append(ids, f.submit(t, SubmitJobInput{JobDefinition: "block", JobQueue: "q"}))
	}
	f.waitStatus(t, ids[0], StatusRunning)
	f.waitStatus(t, ids[1], StatusRunning)
	f.waitStatus(t, ids[2], StatusRunnable)
	f.waitStatus(t, ids[3], StatusRunnable)
	f.r.release(ids[0], 0)
	f.waitStatus(t, ids[2], StatusRunning)
	f.waitStatus(t, ids[3], StatusRunnable)
	// Raising maxvCpus lets the last job start.
	_, err = f.s.updateComputeEnvironment(&updateCEInput{ComputeEnvironment: "small", ComputeResources: &ComputeResources{MaxvCpus: intp(3)}})
	require.NoError(t, err)
	f.waitStatus(t, ids[3], StatusRunning)
	for _, id := range ids {
		f.r.release(id, 0)
	}
	for _, id := range ids {
		f.waitStatus(t, id, StatusSucceeded)
	}
	f.s.mu.Lock()
	used := f.s.ces["small"].used
	f.s.mu.Unlock()
	require.Zero(t, used)
}

func TestCancelAndTerminate(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.register(t, "block", ContainerProperties{Image: "img", Command: []string{"block"}})
	running := f.submit(t, SubmitJobInput{JobDefinition: "block"})
	waiting := f.submit(t, SubmitJobInput{JobDefinition: "block", DependsOn: []JobDependency{{JobID: running}}})
	f.waitStatus(t, running, StatusRunning)

	require.NoError(t, f.s.CancelJob(running, "too late"))
	require.NoError(t, f.s.CancelJob(waiting, "not needed"))
	d := f.waitStatus(t, waiting, StatusFailed)
	require.Equal(t, "not needed", d.StatusReason)
	require.True(t, d.IsCancelled)
	f.s.mu.Lock()
	st := f.s.jobs[running].d.Status
	f.s.mu.Unlock()
	require.Equal(t, StatusRunning, st, "CancelJob leaves running jobs alone")

	require.NoError(t, f.s.TerminateJob(running, "stop it"))
	d = f.waitStatus(t, running, StatusFailed)
	require.Equal(t, "stop it", d.StatusReason)
	require.True(t, d.IsTerminated)
	require.Equal(t, 143, *d.Container.ExitCode)
	require.Len(t, f.r.removed, 1)

	var apiErr *APIError
	require.ErrorAs(t, f.s.TerminateJob("nope", "x"), &apiErr)
	require.ErrorAs(t, f.s.CancelJob(running, ""), &apiErr)
}

func TestContainerSpec(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.register(t, "jd", ContainerProperties{
		Image:                "img",
		Command:              []string{"attempt", "Ref::code", "Ref::unknown", "--codec=Ref::codec"},
		Environment:          []KeyValuePair{{Name: "A", Value: "1"}, {Name: "B", Value: "2"}},
		ResourceRequirements: []ResourceRequirement{{Type: "VCPU", Value: "2"}, {Type: "MEMORY", Value: "512"}},
	}, func(in *registerJDInput) { in.Parameters = map[string]string{"code": "0", "codec": "mp4"} })
	id := f.submit(t, SubmitJobInput{JobDefinition: "jd", Parameters: map[string]string{"codec": "h264"},
		ContainerOverrides: &ContainerOverrides{
			Environment:          []KeyValuePair{{Name: "B", Value: "3"}, {Name: "C", Value: "4"}},
			ResourceRequirements: []ResourceRequirement{{Type: "MEMORY", Value: "1024"}},
		}})
	d := f.waitStatusAny(t, id)
	require.Equal(t, []string{"attempt", "0", "Ref::unknown", "--codec=h264"}, d.Container.Command)
	require.Equal(t, map[string]string{"code": "0", "codec": "h264"}, d.Parameters)
	require.Equal(t, []KeyValuePair{{"A", "1"}, {"B", "3"}, {"C", "4"}}, d.Container.Environment)
	f.r.mu.Lock()
	sp := f.r.started[0]
	f.r.mu.Unlock()
	require.Equal(t, 2.0, sp.VCPUs)
	require.Equal(t, int64(1024), sp.MemoryMiB)
	require.Equal(t, []string{"host.docker.internal:host-gateway"}, sp.ExtraHosts)
	for k, want := range map[string]string{
		"A": "1", "B": "3", "C": "4", "AWS_BATCH_JOB_ID": id, "AWS_BATCH_JOB_ATTEMPT": "1",
		"AWS_BATCH_JQ_NAME": "default", "AWS_BATCH_CE_NAME": "default",
		"AWS_ENDPOINT_URL": "http://host.docker.internal:8083", "AWS_REGION": "us-east-1",
		"AWS_BATCH_JOB_ARRAY_INDEX": "",
	} {
		require.Equal(t, want, envOf(sp, k), k)
	}
	require.Equal(t, id, sp.Labels[LabelJobID])
}

func TestImageNotFound(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.r.missing["ghost:latest"] = true
	f.register(t, "jd", ContainerProperties{Image: "ghost:latest"})
	id := f.submit(t, SubmitJobInput{JobDefinition: "jd"})
	d := f.waitStatus(t, id, StatusFailed)
	require.Equal(t, "Task failed to start", d.StatusReason)
	require.True(t, strings.HasPrefix(d.Container.Reason, "CannotPullContainerError: "), d.Container.Reason)
	require.Len(t, d.Attempts, 1)
	require.Equal(t, d.Container.Reason, d.Attempts[0].Container.Reason)
	require.Nil(t, d.Container.ExitCode)
	require.Equal(t, []string{"RUNNABLE", "STARTING", "FAILED"}, f.transitions(id))

	// With retries left, a start failure is an attempt like any other.
	f.register(t, "retried", ContainerProperties{Image: "ghost:latest"}, func(in *registerJDInput) {
		in.RetryStrategy = &RetryStrategy{Attempts: intp(2)}
	})
	id = f.submit(t, SubmitJobInput{JobDefinition: "retried"})
	d = f.waitStatus(t, id, StatusFailed)
	require.Len(t, d.Attempts, 2)
	require.Equal(t, []string{"RUNNABLE", "STARTING", "RUNNABLE", "STARTING", "FAILED"}, f.transitions(id))
}

func TestLogsCaptured(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.register(t, "jd", ContainerProperties{Image: "img", Command: []string{"exit", "0"}})
	id := f.submit(t, SubmitJobInput{JobDefinition: "jd"})
	d := f.waitStatus(t, id, StatusSucceeded)
	require.Regexp(t, `^jd/default/[0-9a-f]{32}$`, d.Container.LogStreamName)
	evs := f.s.Events(d.Container.LogStreamName)
	require.Len(t, evs, 2)
	require.Equal(t, "hi from exit 0", evs[0].Message)
	require.Equal(t, "second line", evs[1].Message)
}
