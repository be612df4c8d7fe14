package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/services/batch"
)

// fakeEngine is a hand fake of the SDK calls, for the runner's error handling.
type fakeEngine struct {
	mu         sync.Mutex
	images     map[string]bool
	pullable   map[string]bool
	pulls      atomic.Int32
	pullGate   chan struct{}
	pullSeen   chan struct{}
	seenOnce   sync.Once
	created    []*container.Config
	createErr  error
	stopErr    error
	removeErr  error
	removed    []string
	containers []container.Summary
}

func newFakeEngine() *fakeEngine {
	return &fakeEngine{images: map[string]bool{}, pullable: map[string]bool{}}
}

func (f *fakeEngine) ImageInspect(ctx context.Context, ref string, _ ...client.ImageInspectOption) (image.InspectResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.images[ref] {
		return image.InspectResponse{ID: ref}, nil
	}
	return image.InspectResponse{}, cerrdefs.ErrNotFound
}

func (f *fakeEngine) ImagePull(ctx context.Context, ref string, _ image.PullOptions) (io.ReadCloser, error) {
	f.pulls.Add(1)
	if f.pullSeen != nil {
		f.seenOnce.Do(func() { close(f.pullSeen) })
	}
	if f.pullGate != nil {
		<-f.pullGate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.pullable[ref] {
		return nil, errors.New("pull access denied for " + ref + ", repository does not exist or may require 'docker login'")
	}
	f.images[ref] = true
	return io.NopCloser(strings.NewReader(`{"status":"done"}`)), nil
}

func (f *fakeEngine) ContainerCreate(ctx context.Context, cfg *container.Config, _ *container.HostConfig, _ *network.NetworkingConfig, _ *ocispec.Platform, name string) (container.CreateResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.createErr != nil {
		err := f.createErr
		f.createErr = nil
		return container.CreateResponse{}, err
	}
	f.created = append(f.created, cfg)
	return container.CreateResponse{ID: fmt.Sprintf("c%d", len(f.created))}, nil
}

func (f *fakeEngine) ContainerStart(context.Context, string, container.StartOptions) error {
	return nil
}

func (f *fakeEngine) ContainerWait(context.Context, string, container.WaitCondition) (<-chan container.WaitResponse, <-chan error) {
	r := make(chan container.WaitResponse, 1)
	r <- container.WaitResponse{StatusCode: 3}
	return r, make(chan error)
}

func (f *fakeEngine) ContainerInspect(context.Context, string) (container.InspectResponse, error) {
	return container.InspectResponse{ContainerJSONBase: &container.ContainerJSONBase{State: &container.State{OOMKilled: true}}}, nil
}

func (f *fakeEngine) ContainerStop(context.Context, string, container.StopOptions) error {
	return f.stopErr
}

func (f *fakeEngine) ContainerRemove(ctx context.Context, id string, _ container.RemoveOptions) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.removed = append(f.removed, id)
	return f.removeErr
}

func (f *fakeEngine) ContainerLogs(context.Context, string, container.LogsOptions) (io.ReadCloser, error) {
	return nil, errors.New("no logs")
}

func (f *fakeEngine) ContainerList(context.Context, container.ListOptions) ([]container.Summary, error) {
	return f.containers, nil
}

func TestRunnerErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		run  func(t *testing.T, e *fakeEngine, r *Runner)
	}{
		{"stop of a gone container is not an error", func(t *testing.T, e *fakeEngine, r *Runner) {
			e.stopErr = cerrdefs.ErrNotFound
			require.NoError(t, r.Stop(context.Background(), "x", time.Second))
		}},
		{"stop of a stopped container is not an error", func(t *testing.T, e *fakeEngine, r *Runner) {
			e.stopErr = cerrdefs.ErrNotModified
			require.NoError(t, r.Stop(context.Background(), "x", time.Second))
		}},
		{"other stop errors are reported", func(t *testing.T, e *fakeEngine, r *Runner) {
			e.stopErr = errors.New("boom")
			require.Error(t, r.Stop(context.Background(), "x", time.Second))
		}},
		{"remove tolerates not found and removal in progress", func(t *testing.T, e *fakeEngine, r *Runner) {
			e.removeErr = cerrdefs.ErrNotFound
			require.NoError(t, r.Remove(context.Background(), "x"))
			e.removeErr = cerrdefs.ErrConflict
			require.NoError(t, r.Remove(context.Background(), "x"))
		}},
		{"missing image that cannot be pulled", func(t *testing.T, e *fakeEngine, r *Runner) {
			_, err := r.Start(context.Background(), batch.Spec{Image: "ghost"})
			require.ErrorIs(t, err, batch.ErrImageNotFound)
			require.Contains(t, err.Error(), "pull access denied")
		}},
		{"name conflict falls back to a generated name", func(t *testing.T, e *fakeEngine, r *Runner) {
			e.images["img"] = true
			e.createErr = cerrdefs.ErrConflict
			id, err := r.Start(context.Background(), batch.Spec{Image: "img", Name: "taken"})
			require.NoError(t, err)
			require.Equal(t, "c1", id)
		}},
		{"labels and exit", func(t *testing.T, e *fakeEngine, r *Runner) {
			e.images["img"] = true
			id, err := r.Start(context.Background(), batch.Spec{Image: "img", Labels: map[string]string{"k": "v"}})
			require.NoError(t, err)
			require.Equal(t, "v", e.created[0].Labels["k"])
			require.Equal(t, "true", e.created[0].Labels[LabelManaged])
			exit, err := r.Wait(context.Background(), id)
			require.NoError(t, err)
			require.Equal(t, batch.Exit{Code: 3, OOMKilled: true}, exit)
		}},
		{"concurrent starts pull once", func(t *testing.T, e *fakeEngine, r *Runner) {
			e.pullable["img"] = true
			e.pullGate = make(chan struct{})
			e.pullSeen = make(chan struct{})
			var wg sync.WaitGroup
			for range 5 {
				wg.Go(func() {
					_, err := r.Start(context.Background(), batch.Spec{Image: "img"})
					require.NoError(t, err)
				})
			}
			<-e.pullSeen
			close(e.pullGate)
			wg.Wait()
			require.EqualValues(t, 1, e.pulls.Load())
		}},
		{"reap removes only dead processes' containers on this host", func(t *testing.T, e *fakeEngine, r *Runner) {
			e.containers = []container.Summary{
				{ID: "dead", Labels: map[string]string{LabelPID: "111", LabelHost: r.host}},
				{ID: "alive", Labels: map[string]string{LabelPID: "222", LabelHost: r.host}},
				{ID: "mine", Labels: map[string]string{LabelPID: fmt.Sprint(r.pid), LabelHost: r.host}},
				{ID: "elsewhere", Labels: map[string]string{LabelPID: "111", LabelHost: "other"}},
			}
			r.alive = func(pid int) bool { return pid == 222 }
			n, err := r.Reap(context.Background())
			require.NoError(t, err)
			require.Equal(t, 1, n)
			require.Equal(t, []string{"dead"}, e.removed)
		}},
		{"reap spares the containers of jobs being reattached", func(t *testing.T, e *fakeEngine, r *Runner) {
			e.containers = []container.Summary{
				{ID: "kept", Labels: map[string]string{LabelPID: "111", LabelHost: r.host, batch.LabelJobID: "j1", batch.LabelAttempt: "2"}},
				{ID: "old-attempt", Labels: map[string]string{LabelPID: "111", LabelHost: r.host, batch.LabelJobID: "j1", batch.LabelAttempt: "1"}},
				{ID: "other", Labels: map[string]string{LabelPID: "111", LabelHost: r.host}},
			}
			r.alive = func(int) bool { return false }
			n, err := r.ReapKeep(context.Background(), func(l map[string]string) bool {
				return l[batch.LabelJobID] == "j1" && l[batch.LabelAttempt] == "2"
			})
			require.NoError(t, err)
			require.Equal(t, 2, n)
			require.Equal(t, []string{"old-attempt", "other"}, e.removed)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newFakeEngine()
			tc.run(t, e, newRunner(e, zaptest.NewLogger(t)))
		})
	}
}

// ---- tests against the real daemon ----

const testImage = "sfnlocal-test/busybox:batch"

// TestMain removes the image the tests imported, so that a run leaves nothing behind.
func TestMain(m *testing.M) {
	code := m.Run()
	if sdk != nil {
		_, _ = sdk.ImageRemove(context.Background(), testImage, image.RemoveOptions{Force: true})
	}
	os.Exit(code)
}

var (
	imageOnce sync.Once
	imageErr  error
	sdk       *client.Client
)

// requireDocker skips the test when no daemon answers, except under CI=true, where it fails.
func requireDocker(t testing.TB) *client.Client {
	t.Helper()
	imageOnce.Do(func() {
		ctx, cancel := clock.WithTimeout(context.Background(), clock.Real(), 10*time.Second, nil)
		defer cancel()
		if imageErr = Ping(ctx); imageErr != nil {
			return
		}
		sdk, imageErr = client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
		if imageErr == nil {
			imageErr = importBusybox(ctx, sdk)
		}
	})
	if imageErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("docker is required when CI=true: %v", imageErr)
		}
		t.Skipf("no docker daemon: %v", imageErr)
	}
	return sdk
}

// importBusybox makes testImage from a root filesystem holding Debian's static busybox.
func importBusybox(ctx context.Context, c *client.Client) error {
	bin, err := os.ReadFile("/bin/busybox")
	if err != nil {
		return fmt.Errorf("busybox-static is needed (apt-get install -y busybox-static): %w", err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: "bin/", Typeflag: tar.TypeDir, Mode: 0o755}); err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: "bin/busybox", Mode: 0o755, Size: int64(len(bin))}); err != nil {
		return err
	}
	if _, err := tw.Write(bin); err != nil {
		return err
	}
	for _, applet := range []string{"sh", "sleep", "echo", "env", "cat", "wget", "true", "false"} {
		if err := tw.WriteHeader(&tar.Header{Name: "bin/" + applet, Typeflag: tar.TypeSymlink, Linkname: "busybox", Mode: 0o777}); err != nil {
			return err
		}
	}
	for _, d := range []string{"tmp/", "etc/"} {
		if err := tw.WriteHeader(&tar.Header{Name: d, Typeflag: tar.TypeDir, Mode: 0o1777}); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	rc, err := c.ImageImport(ctx, image.ImportSource{Source: &buf, SourceName: "-"}, testImage,
		image.ImportOptions{Changes: []string{"ENV PATH=/bin"}})
	if err != nil {
		return fmt.Errorf("docker import: %w", err)
	}
	defer rc.Close()
	_, err = io.Copy(io.Discard, rc)
	return err
}
