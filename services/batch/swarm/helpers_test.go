package swarm

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/client"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/services/batch"
	"github.com/sfnlocal/sfnlocal/services/batch/batchtest"
	"github.com/sfnlocal/sfnlocal/services/batch/docker"
)

// testImage is built by this package's tests only, and removed by TestMain.
const testImage = "sfnlocal-test/busybox:swarm"

var (
	setupOnce sync.Once
	setupErr  error
	imported  bool
	sdk       *client.Client
)

func TestMain(m *testing.M) {
	code := m.Run()
	if imported && sdk != nil {
		ctx, cancel := clock.WithTimeout(context.Background(), clock.Real(), 30*time.Second, nil)
		_, _ = sdk.ImageRemove(ctx, testImage, image.RemoveOptions{Force: true, PruneChildren: true})
		cancel()
	}
	os.Exit(code)
}

// requireSwarm returns a client of a daemon that is a swarm manager, doing `docker swarm
// init --advertise-addr 127.0.0.1` when the daemon is in no swarm (the swarm is left
// initialised). It skips the test when that cannot be done, except under CI=true, where it
// fails.
func requireSwarm(t testing.TB) *client.Client {
	t.Helper()
	setupOnce.Do(func() { setupErr = setup() })
	if setupErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("a one-node Docker swarm is required when CI=true: %v", setupErr)
		}
		t.Skipf("no Docker swarm: %v", setupErr)
	}
	return sdk
}

func setup() error {
	ctx, cancel := clock.WithTimeout(context.Background(), clock.Real(), 60*time.Second, nil)
	defer cancel()
	if err := docker.Ping(ctx); err != nil {
		return err
	}
	c, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return err
	}
	sdk = c
	info, err := c.Info(ctx)
	if err != nil {
		return err
	}
	switch info.Swarm.LocalNodeState {
	case "active":
		if !info.Swarm.ControlAvailable {
			return fmt.Errorf("this daemon is a swarm worker, not a manager")
		}
	case "inactive":
		// docker swarm init --advertise-addr 127.0.0.1, through the API (no CLI needed).
		if _, err := c.SwarmInit(ctx, swarm.InitRequest{ListenAddr: "0.0.0.0:2377", AdvertiseAddr: "127.0.0.1"}); err != nil {
			return fmt.Errorf("docker swarm init: %w", err)
		}
	default:
		return fmt.Errorf("swarm state %q", info.Swarm.LocalNodeState)
	}
	if err := importBusybox(ctx, c); err != nil {
		return err
	}
	imported = true
	return nil
}

// importBusybox makes testImage from a root filesystem holding Debian's static busybox.
func importBusybox(ctx context.Context, c *client.Client) error {
	bin, err := os.ReadFile("/bin/busybox")
	if err != nil {
		return fmt.Errorf("busybox-static is needed (apt-get install -y busybox-static): %w", err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	hdrs := []*tar.Header{
		{Name: "bin/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "bin/busybox", Mode: 0o755, Size: int64(len(bin))},
	}
	for _, h := range hdrs {
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if h.Size > 0 {
			if _, err := tw.Write(bin); err != nil {
				return err
			}
		}
	}
	for _, applet := range []string{"sh", "sleep", "echo", "true", "head", "tail", "cat"} {
		if err := tw.WriteHeader(&tar.Header{Name: "bin/" + applet, Typeflag: tar.TypeSymlink, Linkname: "busybox", Mode: 0o777}); err != nil {
			return err
		}
	}
	for _, d := range []string{"tmp/", "etc/", "dev/", "proc/", "sys/"} {
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

// newService starts a Batch service whose every compute environment runs on backend. The
// clock is scaled 60x so that the 60-second minimum attempt timeout passes in one second.
func newService(t testing.TB, backend string, mod ...func(*batch.Config)) *batch.Service {
	t.Helper()
	requireSwarm(t)
	log := zap.NewNop()
	if tt, ok := t.(*testing.T); ok {
		log = zaptest.NewLogger(tt, zaptest.Level(zap.WarnLevel))
	}
	local, err := docker.New(log)
	require.NoError(t, err)
	sw, err := New(log)
	require.NoError(t, err)
	cfg := batch.Config{Clock: clock.NewScaled(60), Logger: log, Runner: local, StopGrace: time.Nanosecond,
		Backends: map[string]batch.ContainerRunner{batch.BackendSwarm: sw}, Backend: backend}
	for _, m := range mod {
		m(&cfg)
	}
	s, err := batch.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

// call calls the Batch REST API in process and returns the status code and body.
func call(t testing.TB, s *batch.Service, op string, in any) (int, []byte) {
	return batchtest.Call(t, s, op, in)
}

func api[Out any](t testing.TB, s *batch.Service, op string, in any) Out {
	t.Helper()
	return batchtest.API[Out](t, s, op, in)
}

func registerShell(t testing.TB, s *batch.Service, name, script string, extra map[string]any) {
	t.Helper()
	batchtest.RegisterShell(t, s, testImage, name, script, extra)
}

func submit(t testing.TB, s *batch.Service, in map[string]any) string {
	t.Helper()
	return batchtest.Submit(t, s, in)
}

// wait waits for the job to end, for at most a minute.
func wait(t testing.TB, s *batch.Service, id string) batch.JobDetail {
	t.Helper()
	ctx, cancel := clock.WithTimeout(context.Background(), clock.Real(), time.Minute, nil)
	defer cancel()
	d, err := s.Wait(ctx, id)
	require.NoError(t, err)
	return d
}

// waitRunning waits, for at most 30 s, until the job runs and has logged a line.
func waitRunning(t *testing.T, s *batch.Service, id string) {
	t.Helper()
	ctx, cancel := clock.WithTimeout(context.Background(), clock.Real(), 30*time.Second, nil)
	defer cancel()
	for {
		ds, err := s.DescribeJobs([]string{id})
		require.NoError(t, err)
		if ds[0].Status == batch.StatusRunning && len(s.Events(ds[0].Container.LogStreamName)) > 0 {
			return
		}
		require.False(t, ds[0].Status.Terminal(), "job ended: %s", ds[0].StatusReason)
		require.NoError(t, clock.Sleep(ctx, clock.Real(), 20*time.Millisecond), "job %s is not running", id)
	}
}

func logLines(s *batch.Service, d batch.JobDetail) []string {
	var out []string
	for _, e := range s.Events(d.Container.LogStreamName) {
		out = append(out, e.Message)
	}
	return out
}

// recorder is a minimal http.ResponseWriter.
