package batch

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/storagetest"
)

// FindAttempt makes the fake runner a Reattacher: it finds a container by its labels, as the
// Docker runner does, unless the container vanished.
func (f *fakeRunner) FindAttempt(_ context.Context, jobID string, attempt int) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for id, c := range f.ctrs {
		if c.spec.Labels[LabelJobID] == jobID && c.spec.Labels[LabelAttempt] == strconv.Itoa(attempt) {
			return id, nil
		}
	}
	return "", nil
}

// vanish forgets a job's containers, as if the machine under them had gone away.
func (f *fakeRunner) vanish(jobID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for id, c := range f.ctrs {
		if c.spec.Labels[LabelJobID] == jobID {
			delete(f.ctrs, id)
		}
	}
}

// durable is a Batch service on a store that can be restarted on the same store.
type durable struct {
	fixture
	db *storage.DB
}

func newDurable(t *testing.T) *durable {
	d := &durable{fixture: fixture{r: newFakeRunner(), clock: clock.NewFake(epoch)}, db: storagetest.Open(t)}
	d.start(t)
	return d
}

func (d *durable) start(t *testing.T) {
	t.Helper()
	s, err := New(Config{Clock: d.clock, Logger: zaptest.NewLogger(t), Region: "us-east-1", AccountID: "123456789012",
		Runner: d.r, DB: d.db})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	d.s = s
}

// restart closes the service (running containers are left alone, as after a crash) and starts
// a new one on the same store.
func (d *durable) restart(t *testing.T, meanwhile ...func()) {
	t.Helper()
	require.NoError(t, d.s.Close())
	for _, f := range meanwhile {
		f()
	}
	d.db = storagetest.Reopen(t, d.db)
	d.start(t)
}

func (d *durable) call(t *testing.T, path string, in any) map[string]any {
	t.Helper()
	body, err := json.Marshal(in)
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	d.s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body)))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	var out map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out))
	return out
}

// snapshot is every read-only answer of the Batch API about the service's state, plus the
// jobs' logs.
func (d *durable) snapshot(t *testing.T) map[string]any {
	t.Helper()
	out := map[string]any{
		"ces":    d.call(t, "/v1/describecomputeenvironments", map[string]any{}),
		"queues": d.call(t, "/v1/describejobqueues", map[string]any{}),
		"defs":   d.call(t, "/v1/describejobdefinitions", map[string]any{}),
	}
	d.s.mu.Lock()
	var ids []string
	for id := range d.s.jobs {
		ids = append(ids, id)
	}
	d.s.mu.Unlock()
	for _, q := range out["queues"].(map[string]any)["jobQueues"].([]any) {
		name := q.(map[string]any)["jobQueueName"].(string)
		out["list "+name] = d.call(t, "/v1/listjobs", map[string]any{"jobQueue": name,
			"filters": []any{map[string]any{"name": "AFTER_CREATED_AT", "values": []string{"0"}}}})
	}
	for _, id := range ids {
		jobs := d.call(t, "/v1/describejobs", map[string]any{"jobs": []string{id}})["jobs"].([]any)
		require.Len(t, jobs, 1)
		out[id] = jobs[0]
		if c, ok := jobs[0].(map[string]any)["container"].(map[string]any); ok && c["logStreamName"] != nil {
			out[id+" logs"] = d.s.Events(c["logStreamName"].(string))
		}
	}
	return out
}

func TestDurableRestart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		build func(t *testing.T, d *durable) func(t *testing.T, d *durable)
	}{
		{"resources and tags", func(t *testing.T, d *durable) func(*testing.T, *durable) {
			d.call(t, "/v1/createcomputeenvironment", map[string]any{"computeEnvironmentName": "small", "type": "UNMANAGED",
				"unmanagedvCpus": 2, "tags": map[string]string{"team": "a"}})
			d.call(t, "/v1/updatecomputeenvironment", map[string]any{"computeEnvironment": "small", "state": "DISABLED"})
			d.call(t, "/v1/createjobqueue", map[string]any{"jobQueueName": "q2", "priority": 5,
				"computeEnvironmentOrder": []any{map[string]any{"order": 1, "computeEnvironment": "small"}}})
			d.call(t, "/v1/registerjobdefinition", map[string]any{"jobDefinitionName": "jd", "type": "container",
				"containerProperties": map[string]any{"image": "img", "command": []string{"exit", "0"}}})
			d.call(t, "/v1/registerjobdefinition", map[string]any{"jobDefinitionName": "jd", "type": "container",
				"containerProperties": map[string]any{"image": "img2", "command": []string{"exit", "1"}}, "tags": map[string]string{"v": "2"}})
			d.call(t, "/v1/deregisterjobdefinition", map[string]any{"jobDefinition": "jd:1"})
			return func(t *testing.T, d *durable) {
				out := d.call(t, "/v1/registerjobdefinition", map[string]any{"jobDefinitionName": "jd", "type": "container",
					"containerProperties": map[string]any{"image": "img3"}})
				require.EqualValues(t, 3, out["revision"], "revisions go on after the restart")
			}
		}},
		{"finished, failed, array and dependent jobs with logs", func(t *testing.T, d *durable) func(*testing.T, *durable) {
			d.register(t, "ok", ContainerProperties{Image: "img", Command: []string{"exit", "0"}})
			d.register(t, "bad", ContainerProperties{Image: "img", Command: []string{"exit", "3"}})
			d.register(t, "arr", ContainerProperties{Image: "img", Command: []string{"exitidx", "2", "0"}})
			d.register(t, "wait", ContainerProperties{Image: "img", Command: []string{"block"}})
			ok := d.submit(t, SubmitJobInput{JobDefinition: "ok", Tags: map[string]string{"k": "v"}})
			bad := d.submit(t, SubmitJobInput{JobDefinition: "bad", RetryStrategy: &RetryStrategy{Attempts: intp(2)}})
			arr := d.submit(t, SubmitJobInput{JobDefinition: "arr", ArrayProperties: &ArrayProperties{Size: intp(3)}})
			d.waitStatus(t, ok, StatusSucceeded)
			d.waitStatus(t, bad, StatusFailed)
			d.waitStatus(t, arr, StatusFailed)
			d.call(t, "/v1/createcomputeenvironment", map[string]any{"computeEnvironmentName": "off", "type": "MANAGED", "state": "DISABLED"})
			d.call(t, "/v1/createjobqueue", map[string]any{"jobQueueName": "parked", "priority": 1,
				"computeEnvironmentOrder": []any{map[string]any{"order": 1, "computeEnvironment": "off"}}})
			first := d.submit(t, SubmitJobInput{JobDefinition: "ok", JobQueue: "parked"})
			second := d.submit(t, SubmitJobInput{JobDefinition: "ok", JobQueue: "parked", DependsOn: []JobDependency{{JobID: first}}})
			d.waitStatus(t, first, StatusRunnable)
			d.waitStatus(t, second, StatusPending)
			return func(t *testing.T, d *durable) {
				// The parked jobs run once their compute environment is enabled, in order.
				d.call(t, "/v1/updatecomputeenvironment", map[string]any{"computeEnvironment": "off", "state": "ENABLED"})
				d.waitStatus(t, first, StatusSucceeded)
				d.waitStatus(t, second, StatusSucceeded)
				detail, err := d.s.Wait(context.Background(), ok)
				require.NoError(t, err, "a finished job's Wait returns at once")
				require.Equal(t, StatusSucceeded, detail.Status)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := newDurable(t)
			check := tc.build(t, d)
			before := d.snapshot(t)
			d.restart(t)
			require.Equal(t, before, d.snapshot(t))
			check(t, d)
		})
	}
}

// TestDurableReattach: a job whose container runs on across a restart is reattached and ends
// as its container does, with its log whole; one whose container vanished fails with AWS's
// reason, or is retried when its retry strategy says so.
func TestDurableReattach(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		vanish     bool
		retry      *RetryStrategy
		want       Status
		wantReason string
		attempts   int
	}{
		{name: "container still running", want: StatusSucceeded, wantReason: reasonExited, attempts: 1},
		{name: "container vanished", vanish: true, want: StatusFailed, wantReason: "Host EC2 (instance i-0", attempts: 1},
		{name: "vanished and retried", vanish: true, want: StatusRunning, attempts: 1,
			retry: &RetryStrategy{Attempts: intp(2), EvaluateOnExit: []EvaluateOnExit{{OnStatusReason: "Host EC2*", Action: "RETRY"}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := newDurable(t)
			d.register(t, "long", ContainerProperties{Image: "img", Command: []string{"block"}},
				func(in *registerJDInput) { in.Timeout = &JobTimeout{AttemptDurationSeconds: intp(600)} })
			id := d.submit(t, SubmitJobInput{JobDefinition: "long", RetryStrategy: tc.retry})
			d.waitStatus(t, id, StatusRunning)
			d.clock.Advance(time.Minute)
			d.restart(t, func() {
				if tc.vanish {
					d.r.vanish(id)
				}
			})
			if !tc.vanish || tc.retry != nil {
				d.clock.BlockUntil(1) // the (re)attached attempt armed its timeout
			}
			var got JobDetail
			if tc.vanish {
				got = d.waitStatus(t, id, tc.want)
			}
			if tc.want == StatusRunning {
				require.Len(t, got.Attempts, 1)
				require.Contains(t, got.Attempts[0].StatusReason, "Host EC2 (instance i-0")
				d.r.release(id, 0)
				got = d.waitStatus(t, id, StatusSucceeded)
				require.Len(t, got.Attempts, 2)
				return
			}
			if !tc.vanish {
				// Reattached: its timeout still counts from the attempt's start.
				d.clock.Advance(9*time.Minute - time.Second)
				d.r.release(id, 0)
				got = d.waitStatus(t, id, StatusSucceeded)
				require.Equal(t, []LogEvent{{Timestamp: epoch.UnixMilli(), Message: "hi from block", IngestionTime: epoch.UnixMilli()},
					{Timestamp: epoch.UnixMilli(), Message: "second line", IngestionTime: epoch.UnixMilli()}}, dedupTimes(d.s.Events(got.Container.LogStreamName)))
			}
			require.Len(t, got.Attempts, tc.attempts)
			require.Contains(t, got.StatusReason, tc.wantReason)
		})
	}
}

// dedupTimes replaces the timestamps of events pumped after the restart (a minute later on
// the fake clock) by the start's, so that the check is about content and order.
func dedupTimes(evs []LogEvent) []LogEvent {
	for i := range evs {
		evs[i].Timestamp, evs[i].IngestionTime = epoch.UnixMilli(), epoch.UnixMilli()
	}
	return evs
}

// TestDurableTimeoutAcrossRestart: an attempt timeout keeps its absolute deadline.
func TestDurableTimeoutAcrossRestart(t *testing.T) {
	t.Parallel()
	d := newDurable(t)
	d.register(t, "long", ContainerProperties{Image: "img", Command: []string{"block"}},
		func(in *registerJDInput) { in.Timeout = &JobTimeout{AttemptDurationSeconds: intp(120)} })
	id := d.submit(t, SubmitJobInput{JobDefinition: "long"})
	d.waitStatus(t, id, StatusRunning)
	d.clock.Advance(time.Minute)
	d.restart(t)
	d.clock.BlockUntil(1) // reattached, its timeout re-armed
	d.clock.Advance(time.Minute)
	got := d.waitStatus(t, id, StatusFailed)
	require.Equal(t, reasonTimeout, got.StatusReason)
}

// keepReaper is the fake runner with a KeepReaper, as the Docker runner is: it reports which of
// the leftover containers the service spared and forgets the others.
type keepReaper struct {
	*fakeRunner
	kept chan []string // the job ids of the containers spared, once per reaping pass
}

func (k keepReaper) Reap(ctx context.Context) (int, error) {
	return k.ReapKeep(ctx, func(map[string]string) bool { return false })
}

func (k keepReaper) ReapKeep(_ context.Context, keep func(labels map[string]string) bool) (int, error) {
	k.mu.Lock()
	var kept []string
	n := 0
	for id, c := range k.ctrs {
		switch {
		case keep(c.spec.Labels):
			kept = append(kept, c.spec.Labels[LabelJobID])
		case c.spec.Labels[LabelJobID] != "":
			delete(k.ctrs, id)
			n++
		}
	}
	k.mu.Unlock()
	slices.Sort(kept)
	k.kept <- kept
	return n, nil
}

// TestDurableRegions: with a store, every region's resources and jobs survive a restart in
// their region (the lookup requests use, In), apart from each other and from the default
// region's; the regions with state are made at New, where their RUNNING jobs are reattached
// and the reaper spares their containers.
func TestDurableRegions(t *testing.T) {
	t.Parallel()
	regions := []struct{ region, def string }{
		{"us-east-1", "home-def"}, {"eu-west-1", "eu-def"}, {"ap-south-1", "ap-def"},
	}
	r := keepReaper{fakeRunner: newFakeRunner(), kept: make(chan []string, 4)}
	c := clock.NewFake(epoch)
	db := storagetest.Open(t)
	start := func(db *storage.DB) *Service {
		s, err := New(Config{Clock: c, Logger: zaptest.NewLogger(t), Region: "us-east-1", AccountID: "123456789012", Runner: r, DB: db})
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, s.Close()) })
		return s
	}
	s := start(db)
	require.Empty(t, <-r.kept)
	running, done := map[string]string{}, map[string]string{}
	var wantKept []string
	for _, rg := range regions {
		f := &fixture{s: s.In(rg.region), r: r.fakeRunner, clock: c}
		arn := f.register(t, rg.def, ContainerProperties{Image: "img", Command: []string{"block"}})
		require.Contains(t, arn, ":"+rg.region+":")
		done[rg.region] = f.submit(t, SubmitJobInput{JobDefinition: rg.def, JobName: "done"})
		f.waitStatus(t, done[rg.region], StatusRunning)
		r.release(done[rg.region], 0)
		f.waitStatus(t, done[rg.region], StatusSucceeded)
		running[rg.region] = f.submit(t, SubmitJobInput{JobDefinition: rg.def, JobName: "running"})
		f.waitStatus(t, running[rg.region], StatusRunning)
		wantKept = append(wantKept, running[rg.region])
	}
	slices.Sort(wantKept)
	require.NoError(t, s.Close()) // the running jobs' containers run on

	s2 := start(storagetest.Reopen(t, db))
	var made []string
	s2.regions.Each(func(region string, _ *Service) { made = append(made, region) })
	require.Equal(t, []string{"ap-south-1", "eu-west-1"}, made, "the regions with state are made at New")
	require.Equal(t, wantKept, <-r.kept, "the reaper spares the containers of every region's running jobs")
	for _, rg := range regions {
		t.Run(rg.region, func(t *testing.T) {
			f := &fixture{s: s2.In(rg.region), r: r.fakeRunner, clock: c}
			got := f.waitStatus(t, done[rg.region], StatusSucceeded)
			require.Contains(t, got.JobArn, ":"+rg.region+":")
			for _, other := range regions {
				f.s.mu.Lock()
				_, hasJob := f.s.jobs[running[other.region]]
				_, hasDef := f.s.defs[other.def]
				f.s.mu.Unlock()
				require.Equal(t, other.region == rg.region, hasJob, "%s's job in %s", other.region, rg.region)
				require.Equal(t, other.region == rg.region, hasDef, "%s's job definition in %s", other.region, rg.region)
			}
			// Reattached: its container's exit decides the job.
			f.waitStatus(t, running[rg.region], StatusRunning)
			r.release(running[rg.region], 0)
			got = f.waitStatus(t, running[rg.region], StatusSucceeded)
			require.Len(t, got.Attempts, 1)
			require.Equal(t, reasonExited, got.StatusReason)
		})
	}
}
