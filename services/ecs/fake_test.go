package ecs

import (
	"context"
	"fmt"
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

// fakeRunner is a scripted ContainerRunner. The image decides what a container does:
// "exit:N" exits with N at once, "hang" runs until stopped (exit 143), "missing" cannot be
// pulled, "broken" cannot start, "lost" loses its host. Its output is its command, one word a line.
type fakeRunner struct {
	mu      sync.Mutex
	n       int
	specs   map[string]Spec
	stop    map[string]chan struct{}
	removed map[string]bool
	// waiting hears each container id the service starts waiting for (the task has started
	// its containers): a test stops a task after it without polling its status.
	waiting chan string
}

func newFakeRunner() *fakeRunner {
	return &fakeRunner{specs: map[string]Spec{}, stop: map[string]chan struct{}{}, removed: map[string]bool{}, waiting: make(chan string, 256)}
}

func (f *fakeRunner) Start(_ context.Context, s Spec) (string, error) {
	switch s.Image {
	case "missing":
		return "", fmt.Errorf("%w: pull access denied for missing", ErrImageNotFound)
	case "broken":
		return "", fmt.Errorf("exec: no such file")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	id := "c" + strconv.Itoa(f.n)
	f.specs[id] = s
	f.stop[id] = make(chan struct{})
	return id, nil
}

func (f *fakeRunner) Wait(ctx context.Context, id string) (Exit, error) {
	select {
	case f.waiting <- id:
	default: // nobody listens: the buffer is for the tests that do
	}
	f.mu.Lock()
	s, stop := f.specs[id], f.stop[id]
	f.mu.Unlock()
	if s.Image == "lost" {
		return Exit{NoExitCode: true, StoppedReason: "Host EC2 (instance i-0123456789abcdef0) terminated."}, nil
	}
	if code, ok := strings.CutPrefix(s.Image, "exit:"); ok {
		n, _ := strconv.Atoi(code)
		return Exit{Code: n}, nil
	}
	select {
	case <-stop:
		return Exit{Code: 143}, nil
	case <-ctx.Done():
		return Exit{}, ctx.Err()
	}
}

func (f *fakeRunner) Stop(_ context.Context, id string, _ time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ch, ok := f.stop[id]; ok {
		select {
		case <-ch:
		default:
			close(ch)
		}
	}
	return nil
}

func (f *fakeRunner) Remove(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.removed[id] = true
	return nil
}

func (f *fakeRunner) Logs(_ context.Context, id string) (io.ReadCloser, error) {
	f.mu.Lock()
	s := f.specs[id]
	f.mu.Unlock()
	var b strings.Builder
	for _, w := range s.Command {
		b.WriteString(w + "\n")
	}
	return io.NopCloser(strings.NewReader(b.String())), nil
}

// memLogs is a LogSink keeping lines by group and stream.
type memLogs struct {
	mu    sync.Mutex
	lines map[string][]string
}

func (m *memLogs) CreateLogStream(group, stream string, _ int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.lines == nil {
		m.lines = map[string][]string{}
	}
	if _, ok := m.lines[group+" "+stream]; !ok {
		m.lines[group+" "+stream] = []string{}
	}
}

func (m *memLogs) PutLogLine(group, stream, msg string, _ int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lines[group+" "+stream] = append(m.lines[group+" "+stream], msg)
}

func (m *memLogs) get(key string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.lines[key]...)
}

type fixture struct {
	s    *Service
	r    *fakeRunner
	logs *memLogs
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	r, logs := newFakeRunner(), &memLogs{}
	s, err := New(Config{Clock: clock.Real(), Logger: zaptest.NewLogger(t), Runner: r, Logs: logs, EndpointURL: "http://host.docker.internal:8083"})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return &fixture{s: s, r: r, logs: logs}
}

// register registers a one-container family whose container runs image.
func (f *fixture) register(t *testing.T, family string, containers ...ContainerDefinition) TaskDefinition {
	t.Helper()
	d, err := f.s.RegisterTaskDefinition(&RegisterTaskDefinitionInput{Family: family, ContainerDefinitions: containers})
	require.NoError(t, err)
	return d
}

func (f *fixture) run(t *testing.T, in *RunTaskInput) Task {
	t.Helper()
	tasks, fails, err := f.s.RunTask(in)
	require.NoError(t, err)
	require.Empty(t, fails)
	require.Len(t, tasks, 1)
	return tasks[0]
}

func (f *fixture) wait(t *testing.T, arn string) Task {
	t.Helper()
	ctx, cancel := clock.WithTimeout(context.Background(), clock.Real(), 10*time.Second, nil)
	defer cancel()
	got, err := f.s.Wait(ctx, arn)
	require.NoError(t, err)
	return got
}

func boolp(b bool) *bool { return &b }
