package batch

import (
	"context"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/internal/clock"
)

// fakeRunner is a scripted ContainerRunner. A container's command decides what it does:
//
//	exit N        prints "hi" and exits with code N at once (N "lost": its host went away)
//	exitidx A B   exits with code A when AWS_BATCH_JOB_ARRAY_INDEX is 0, else B
//	attempt - A B  exits with code A on attempt 1, B on attempt 2 and later (AWS_BATCH_JOB_ATTEMPT)
//	block         runs until Stop (exit 143) or release
//	oom           exits 137 with OOMKilled
type fakeRunner struct {
	mu      sync.Mutex
	seq     int
	started []Spec
	ctrs    map[string]*fakeCtr
	removed []string
	missing map[string]bool // images that cannot be pulled
}

type fakeCtr struct {
	spec Spec
	exit chan Exit
	once sync.Once
}

func (c *fakeCtr) finish(e Exit) { c.once.Do(func() { c.exit <- e }) }

func newFakeRunner() *fakeRunner {
	return &fakeRunner{ctrs: map[string]*fakeCtr{}, missing: map[string]bool{}}
}

func envOf(spec Spec, k string) string {
	for _, e := range spec.Env {
		if v, ok := strings.CutPrefix(e, k+"="); ok {
			return v
		}
	}
	return ""
}

func (f *fakeRunner) Start(ctx context.Context, spec Spec) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.missing[spec.Image] {
		return "", &ImageError{Image: spec.Image, Message: "Error response from daemon: pull access denied for " + spec.Image + ", repository does not exist or may require 'docker login'"}
	}
	f.seq++
	id := "ctr" + strconv.Itoa(f.seq)
	c := &fakeCtr{spec: spec, exit: make(chan Exit, 1)}
	f.ctrs[id] = c
	f.started = append(f.started, spec)
	cmd := spec.Command
	code := func(s string) Exit {
		if s == "lost" { // the container's host went away
			return Exit{NoExitCode: true, StatusReason: "Host EC2 (instance i-0123456789abcdef0) terminated."}
		}
		n, _ := strconv.Atoi(s)
		return Exit{Code: n}
	}
	switch {
	case len(cmd) == 2 && cmd[0] == "exit":
		c.finish(code(cmd[1]))
	case len(cmd) == 3 && cmd[0] == "exitidx":
		if envOf(spec, "AWS_BATCH_JOB_ARRAY_INDEX") == "0" {
			c.finish(code(cmd[1]))
		} else {
			c.finish(code(cmd[2]))
		}
	case len(cmd) > 1 && cmd[0] == "attempt":
		n, _ := strconv.Atoi(envOf(spec, "AWS_BATCH_JOB_ATTEMPT"))
		c.finish(code(cmd[min(n+1, len(cmd)-1)]))
	case len(cmd) == 1 && cmd[0] == "oom":
		c.finish(Exit{Code: 137, OOMKilled: true})
	}
	return id, nil
}

func (f *fakeRunner) ctr(id string) *fakeCtr {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ctrs[id]
}

func (f *fakeRunner) Wait(ctx context.Context, id string) (Exit, error) {
	c := f.ctr(id)
	select {
	case e := <-c.exit:
		return e, nil
	case <-ctx.Done():
		return Exit{}, ctx.Err()
	}
}

func (f *fakeRunner) Stop(ctx context.Context, id string, grace time.Duration) error {
	if c := f.ctr(id); c != nil {
		c.finish(Exit{Code: 143})
	}
	return nil
}

func (f *fakeRunner) Remove(ctx context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.removed = append(f.removed, id)
	return nil
}

func (f *fakeRunner) Logs(ctx context.Context, id string) (io.ReadCloser, error) {
	c := f.ctr(id)
	return io.NopCloser(strings.NewReader("hi from " + strings.Join(c.spec.Command, " ") + "\nsecond line\n")), nil
}

// release ends every blocked container of the job with the given code.
func (f *fakeRunner) release(jobID string, code int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.ctrs {
		if c.spec.Labels[LabelJobID] == jobID {
			c.finish(Exit{Code: code})
		}
	}
}

func (f *fakeRunner) startedJobs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, s := range f.started {
		out = append(out, s.Labels[LabelJobID])
	}
	return out
}

var epoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

type fixture struct {
	s     *Service
	r     *fakeRunner
	clock *clock.Fake
	mu    sync.Mutex
	trans []string
}

func newFixture(t *testing.T, mod ...func(*Config)) *fixture {
	t.Helper()
	f := &fixture{r: newFakeRunner(), clock: clock.NewFake(epoch)}
	cfg := Config{Clock: f.clock, Logger: zaptest.NewLogger(t), Region: "us-east-1", AccountID: "123456789012",
		Runner: f.r, EndpointURL: "http://host.docker.internal:8083"}
	for _, m := range mod {
		m(&cfg)
	}
	s, err := New(cfg)
	require.NoError(t, err)
	s.onTransition = func(id string, from, to Status) {
		f.mu.Lock()
		f.trans = append(f.trans, id+" "+string(to))
		f.mu.Unlock()
	}
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	f.s = s
	return f
}

// transitions returns the statuses job id went through.
func (f *fixture) transitions(id string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, t := range f.trans {
		if j, st, _ := strings.Cut(t, " "); j == id {
			out = append(out, st)
		}
	}
	return out
}

// waitStatus blocks until the job has the status (go test's -timeout guards a hang).
func (f *fixture) waitStatus(t *testing.T, id string, want Status) JobDetail {
	t.Helper()
	for {
		f.s.mu.Lock()
		j := f.s.jobs[id]
		if j == nil {
			f.s.mu.Unlock()
			require.FailNow(t, "no such job", id)
		}
		if j.d.Status == want {
			d := j.snapshot()
			f.s.mu.Unlock()
			return d
		}
		if j.d.Status.Terminal() {
			st := j.d.Status
			f.s.mu.Unlock()
			require.Equal(t, want, st, "job %s ended in another status", id)
		}
		ch := f.s.changed
		f.s.mu.Unlock()
		<-ch
	}
}

func (f *fixture) register(t *testing.T, name string, cp ContainerProperties, mod ...func(*registerJDInput)) string {
	t.Helper()
	in := &registerJDInput{JobDefinitionName: name, Type: "container", ContainerProperties: &cp}
	for _, m := range mod {
		m(in)
	}
	out, err := f.s.registerJobDefinition(in)
	require.NoError(t, err)
	return out.JobDefinitionArn
}

func (f *fixture) submit(t *testing.T, in SubmitJobInput) string {
	t.Helper()
	if in.JobQueue == "" {
		in.JobQueue = DefaultJobQueue
	}
	if in.JobName == "" {
		in.JobName = "job"
	}
	out, err := f.s.SubmitJob(&in)
	require.NoError(t, err)
	return out.JobID
}
