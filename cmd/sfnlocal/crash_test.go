//go:build linux

package main

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/sfnlocal/sfnlocal/internal/runfolder"
)

// TestCrashLeavesNothing kills the server with SIGKILL while a python function, an image
// function and a Batch job run, restarts it, and finds no process, container or folder left
// from the first run.
func TestCrashLeavesNothing(t *testing.T) {
	t.Parallel()
	needTool(t, "docker", "version")
	needTool(t, "python3", "--version")
	root := t.TempDir()
	// Functions may run as nobody: open the path to them.
	require.NoError(t, os.Chmod(root, 0o755))
	require.NoError(t, os.Chmod(filepath.Dir(root), 0o755))

	// An image whose process sleeps, for the image function and the Batch job.
	image := sleeperImage(t)

	// The python function says it runs through a FIFO: no polling.
	fifo := filepath.Join(root, "ready")
	require.NoError(t, unix.Mkfifo(fifo, 0o666))
	require.NoError(t, os.Chmod(fifo, 0o666))

	env := []string{"TMPDIR=" + root}
	first := startProc(t, env)

	// Container starts, as Docker reports them.
	events := exec.Command("docker", "events", "--filter", "label=sfnlocal.pid="+strconv.Itoa(first.cmd.Process.Pid), "--filter", "event=start", "--format", "{{.ID}}")
	evOut, err := events.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, events.Start())
	t.Cleanup(func() { _ = events.Process.Kill(); _ = events.Wait() })
	started := bufio.NewScanner(evOut)

	code := first.call(t, http.MethodPost, "/2015-03-31/functions", nil, map[string]any{
		"FunctionName": "py", "Runtime": "python3.12", "Handler": "handler.handler", "Role": "arn:aws:iam::123456789012:role/r",
		"Timeout": 900, "Code": map[string]any{"ZipFile": pyZip(t)}, "Environment": map[string]any{"Variables": map[string]string{"READY": fifo}},
	}, nil)
	require.Equal(t, http.StatusCreated, code)
	code = first.call(t, http.MethodPost, "/2015-03-31/functions", nil, map[string]any{
		"FunctionName": "img", "PackageType": "Image", "Role": "arn:aws:iam::123456789012:role/r", "Timeout": 900,
		"Code": map[string]any{"ImageUri": image},
	}, nil)
	require.Equal(t, http.StatusCreated, code)
	async := map[string]string{"X-Amz-Invocation-Type": "Event"}
	require.Equal(t, http.StatusAccepted, first.call(t, http.MethodPost, "/2015-03-31/functions/py/invocations", async, `{}`, nil))
	require.Equal(t, http.StatusAccepted, first.call(t, http.MethodPost, "/2015-03-31/functions/img/invocations", async, `{}`, nil))
	require.Equal(t, http.StatusOK, first.call(t, http.MethodPost, "/v1/registerjobdefinition", nil, map[string]any{
		"jobDefinitionName": "sleep", "type": "container",
		"containerProperties": map[string]any{"image": image, "command": []string{"1h"}, "resourceRequirements": []map[string]string{{"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "64"}}},
	}, nil))
	require.Equal(t, http.StatusOK, first.call(t, http.MethodPost, "/v1/submitjob", nil, map[string]any{
		"jobName": "sleep", "jobQueue": "default", "jobDefinition": "sleep",
	}, nil))

	// The python runtime is running the handler...
	line := readFIFO(t, fifo)
	pyPid, err := strconv.Atoi(strings.TrimSpace(line))
	require.NoError(t, err)
	pidfd, err := unix.PidfdOpen(pyPid, 0)
	require.NoError(t, err)
	defer unix.Close(pidfd)
	// ...and both containers have started.
	var containers []string
	for len(containers) < 2 && started.Scan() {
		containers = append(containers, started.Text())
	}
	require.Len(t, containers, 2)

	oldPid := first.cmd.Process.Pid
	require.DirExists(t, filepath.Join(root, runfolder.Prefix+strconv.Itoa(oldPid)))
	require.NoError(t, first.cmd.Process.Signal(syscall.SIGKILL))
	_ = first.cmd.Wait()

	// The kernel kills the function process with the server (Pdeathsig).
	fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
	n, err := poll(fds, 10_000)
	require.NoError(t, err)
	require.Equal(t, 1, n, "the python runtime outlived the server")

	// The next start removes the dead run's folder before it listens and its containers
	// in the background.
	second := startProc(t, env)
	// The local runner reaps first and logs one line; in CI other packages' dead test
	// processes may leave containers of their own, so the count is not checked, the
	// containers below are.
	second.waitLog(t, "reaped leftover containers")
	second.waitLog(t, "removed leftover run folders", `"count": 1}`)
	for _, id := range containers {
		out, _ := exec.Command("docker", "ps", "-aq", "--no-trunc", "--filter", "id="+id).Output()
		require.Empty(t, strings.TrimSpace(string(out)), "container %s left behind", id)
	}
	entries, err := os.ReadDir(root)
	require.NoError(t, err)
	var left []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), runfolder.Prefix) {
			left = append(left, e.Name())
		}
	}
	require.Equal(t, []string{runfolder.Prefix + strconv.Itoa(second.cmd.Process.Pid)}, left)

	// A clean stop removes its own folder.
	require.NoError(t, second.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, second.cmd.Wait())
	require.NoDirExists(t, filepath.Join(root, runfolder.Prefix+strconv.Itoa(second.cmd.Process.Pid)))
}

// pyZip is a python function that reports its pid through the FIFO named by READY, then
// sleeps.
func pyZip(t *testing.T) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("handler.py")
	require.NoError(t, err)
	_, err = fmt.Fprint(w, `import os, time
def handler(event, context):
    with open(os.environ["READY"], "w") as f:
        f.write(str(os.getpid()) + "\n")
    time.sleep(600)
`)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// readFIFO waits (up to a minute, so that a function that never starts fails the test instead
// of hanging it) for a line written to the FIFO.
func readFIFO(t *testing.T, path string) string {
	t.Helper()
	rfd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK, 0)
	require.NoError(t, err)
	defer unix.Close(rfd)
	// Our own writer keeps the FIFO from reporting hang-up before the function opens it.
	wfd, err := unix.Open(path, unix.O_WRONLY|unix.O_NONBLOCK, 0)
	require.NoError(t, err)
	defer unix.Close(wfd)
	var got []byte
	buf := make([]byte, 64)
	for !bytes.HasSuffix(got, []byte("\n")) {
		n, err := poll([]unix.PollFd{{Fd: int32(rfd), Events: unix.POLLIN}}, 60_000)
		require.NoError(t, err)
		require.Equal(t, 1, n, "the function did not start")
		m, err := unix.Read(rfd, buf)
		require.NoError(t, err)
		got = append(got, buf[:m]...)
	}
	return string(got)
}

// sleeperImage builds (docker import, no registry) an image whose entrypoint is the sleeper,
// removed when the test ends.
func sleeperImage(t *testing.T) string {
	t.Helper()
	image := fmt.Sprintf("sfnlocal-sleeper-test:%d-%s", os.Getpid(), strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")))
	sleeper := filepath.Join(t.TempDir(), "sleeper")
	build := exec.Command("go", "build", "-o", sleeper, "./testdata/sleeper")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))
	bin, err := os.ReadFile(sleeper)
	require.NoError(t, err)
	var tarBuf bytes.Buffer
	tw := tar.NewWriter(&tarBuf)
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: "sleeper", Mode: 0o755, Size: int64(len(bin)), Typeflag: tar.TypeReg}))
	_, err = tw.Write(bin)
	require.NoError(t, err)
	require.NoError(t, tw.Close())
	imp := exec.Command("docker", "import", "--change", `ENTRYPOINT ["/sleeper"]`, "-", image)
	imp.Stdin = &tarBuf
	out, err = imp.CombinedOutput()
	require.NoError(t, err, string(out))
	t.Cleanup(func() { _ = exec.Command("docker", "rmi", "-f", image).Run() })
	return image
}

// poll is unix.Poll, retried when a signal (the Go runtime's preemption) interrupts it.
func poll(fds []unix.PollFd, timeoutMs int) (int, error) {
	for {
		n, err := unix.Poll(fds, timeoutMs)
		if err != unix.EINTR {
			return n, err
		}
	}
}
