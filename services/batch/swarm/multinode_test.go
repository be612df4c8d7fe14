package swarm

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/client"
	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/services/batch"
)

// worker is a second dockerd, in a network namespace of its own, joined to the test
// swarm as a worker node.
type worker struct {
	nodeID string
	api    *client.Client
	daemon *exec.Cmd
}

// run runs a command of the set-up, failing the test with its output.
func run(t *testing.T, name string, args ...string) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	require.NoError(t, err, "%s %s: %s", name, strings.Join(args, " "), out)
}

// startWorker makes the worker: `ip netns add`, a veth pair to the host (10.231.N.1 on the
// host, 10.231.N.2 in the namespace), DNS refused in the namespace (so that the worker's
// failing image pulls fail at once rather than after resolver timeouts), and, when the
// manager advertises 127.0.0.1 (a swarm `docker swarm init --advertise-addr 127.0.0.1`
// made), the namespace's 127.0.0.1:2377 forwarded to the host end; then a dockerd with its
// own data root, exec root, pid file, socket and vfs storage under nsenter --net (ip netns
// exec would remount /sys and hide the cgroups), joined with the worker token, with the
// test image imported. Everything is undone by t.Cleanup.
func startWorker(t *testing.T, mgr *client.Client) *worker {
	t.Helper()
	for _, tool := range []string{"ip", "nsenter", "iptables", "dockerd"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed for the multi-node test: %v", tool, err)
		}
	}
	n := os.Getpid()%200 + 20
	ns, hostIf, nsIf := "sfnl-w"+strconv.Itoa(n), "sfnl-h"+strconv.Itoa(n), "sfnl-n"+strconv.Itoa(n)
	hostIP, nsIP := fmt.Sprintf("10.231.%d.1", n), fmt.Sprintf("10.231.%d.2", n)
	dir, err := os.MkdirTemp("", "sfnl-w")
	require.NoError(t, err)
	w := &worker{}
	t.Cleanup(func() { w.cleanup(t, mgr, ns, hostIf, dir) })

	run(t, "ip", "netns", "add", ns)
	run(t, "ip", "link", "add", hostIf, "type", "veth", "peer", "name", nsIf)
	run(t, "ip", "link", "set", nsIf, "netns", ns)
	run(t, "ip", "addr", "add", hostIP+"/30", "dev", hostIf)
	run(t, "ip", "link", "set", hostIf, "up")
	in := func(args ...string) { run(t, "ip", append([]string{"netns", "exec", ns}, args...)...) }
	in("ip", "addr", "add", nsIP+"/30", "dev", nsIf)
	in("ip", "link", "set", nsIf, "up")
	in("ip", "link", "set", "lo", "up")
	in("ip", "route", "add", "default", "via", hostIP)
	in("iptables", "-A", "OUTPUT", "-p", "udp", "--dport", "53", "-j", "REJECT")
	in("iptables", "-A", "OUTPUT", "-p", "tcp", "--dport", "53", "-j", "REJECT", "--reject-with", "tcp-reset")

	ctx, cancel := clock.WithTimeout(context.Background(), clock.Real(), 90*time.Second, nil)
	defer cancel()
	info, err := mgr.Info(ctx)
	require.NoError(t, err)
	if ip := net.ParseIP(info.Swarm.NodeAddr); ip != nil && ip.IsLoopback() {
		in("sysctl", "-qw", "net.ipv4.conf.all.route_localnet=1")
		in("iptables", "-t", "nat", "-A", "OUTPUT", "-d", info.Swarm.NodeAddr, "-p", "tcp", "--dport", "2377",
			"-j", "DNAT", "--to-destination", hostIP+":2377")
		in("iptables", "-t", "nat", "-A", "POSTROUTING", "-o", nsIf, "-j", "MASQUERADE")
	}

	require.NoError(t, os.WriteFile(filepath.Join(dir, "daemon.json"), []byte(`{"storage-driver":"vfs"}`), 0o644))
	sock := filepath.Join(dir, "docker.sock")
	w.daemon = exec.Command("nsenter", "--net=/run/netns/"+ns, "dockerd",
		"--config-file", filepath.Join(dir, "daemon.json"), "--data-root", filepath.Join(dir, "data"),
		"--exec-root", filepath.Join(dir, "exec"), "--pidfile", filepath.Join(dir, "pid"),
		"-H", "unix://"+sock, "--bip", fmt.Sprintf("172.31.%d.1/24", n))
	logf, err := os.Create(filepath.Join(dir, "dockerd.log"))
	require.NoError(t, err)
	defer logf.Close()
	w.daemon.Stdout, w.daemon.Stderr = logf, logf
	w.daemon.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	require.NoError(t, w.daemon.Start())
	w.api, err = client.NewClientWithOpts(client.WithHost("unix://"+sock), client.WithAPIVersionNegotiation())
	require.NoError(t, err)
	for {
		if _, err := w.api.Ping(ctx); err == nil {
			break
		}
		require.NoError(t, clock.Sleep(ctx, clock.Real(), 100*time.Millisecond), "the worker dockerd did not answer; see %s", logf.Name())
	}
	sw, err := mgr.SwarmInspect(ctx)
	require.NoError(t, err)
	require.NoError(t, w.api.SwarmJoin(ctx, swarm.JoinRequest{ListenAddr: nsIP + ":2377", AdvertiseAddr: nsIP,
		RemoteAddrs: []string{hostIP + ":2377"}, JoinToken: sw.JoinTokens.Worker}))
	wi, err := w.api.Info(ctx)
	require.NoError(t, err)
	w.nodeID = wi.Swarm.NodeID
	require.NoError(t, importBusybox(ctx, w.api))
	for {
		nd, _, err := mgr.NodeInspectWithRaw(ctx, w.nodeID)
		if err == nil && nd.Status.State == swarm.NodeStateReady {
			return w
		}
		require.NoError(t, clock.Sleep(ctx, clock.Real(), 100*time.Millisecond), "the worker node is not ready")
	}
}

// kill stops the worker's dockerd at once, as a host that vanishes: its containers (and
// their shims) go on running, the manager stops hearing from the node.
func (w *worker) kill() {
	if w.daemon != nil && w.daemon.Process != nil {
		_ = w.daemon.Process.Kill()
		_ = w.daemon.Wait()
		w.daemon = nil
	}
}

// cleanup removes everything startWorker made: the daemon and the processes it started
// (found by the exec root in their command lines), the mounts under dir, the node, the
// namespace and the veth pair, and dir.
func (w *worker) cleanup(t *testing.T, mgr *client.Client, ns, hostIf, dir string) {
	if w.daemon != nil && w.daemon.Process != nil {
		_ = w.daemon.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = w.daemon.Wait(); close(done) }()
		timer := clock.Real().NewTimer(20 * time.Second)
		select {
		case <-done:
		case <-timer.C():
			_ = w.daemon.Process.Kill()
			<-done
		}
		timer.Stop()
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil || !strings.Contains(string(b), filepath.Join(dir, "exec")) {
			continue
		}
		if pid, err := strconv.Atoi(filepath.Base(filepath.Dir(p))); err == nil && pid != os.Getpid() {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	if mounts, err := os.ReadFile("/proc/mounts"); err == nil {
		var under []string
		for _, line := range strings.Split(string(mounts), "\n") {
			if f := strings.Fields(line); len(f) > 1 && strings.HasPrefix(f[1], dir+"/") {
				under = append(under, f[1])
			}
		}
		for i := len(under) - 1; i >= 0; i-- {
			_ = syscall.Unmount(under[i], syscall.MNT_DETACH)
		}
	}
	if w.nodeID != "" {
		ctx, cancel := clock.WithTimeout(context.Background(), clock.Real(), 30*time.Second, nil)
		if err := mgr.NodeRemove(ctx, w.nodeID, swarm.NodeRemoveOptions{Force: true}); err != nil && !client.IsErrNotFound(err) {
			t.Errorf("removing the worker node: %v", err)
		}
		cancel()
	}
	_ = exec.Command("ip", "netns", "del", ns).Run()
	_ = exec.Command("ip", "link", "del", hostIf).Run()
	if err := os.RemoveAll(dir); err != nil {
		t.Errorf("removing %s: %v", dir, err)
	}
}

// TestSwarmMultiNode joins a second dockerd as a worker (startWorker) and runs Batch jobs
// on it through a compute environment whose constraint tag names the worker: one that
// succeeds, with its output read through the service logs API, and one whose node
// vanishes mid-job (its dockerd killed), which fails with AWS's host-terminated reason and
// is not retried because evaluateOnExit says EXIT for it. It needs root, iproute2, iptables
// and dockerd, and runs in CI (CI=true) or with SFNLOCAL_SWARM_MULTINODE=1. It does not run in parallel:
// the one-node tests must not see the worker.
func TestSwarmMultiNode(t *testing.T) {
	if os.Getenv("SFNLOCAL_SWARM_MULTINODE") != "1" && os.Getenv("CI") != "true" {
		t.Skip("set SFNLOCAL_SWARM_MULTINODE=1 (CI=true does) to join a second dockerd in a network namespace (root)")
	}
	mgr := requireSwarm(t)
	began := time.Now()
	w := startWorker(t, mgr)
	t.Logf("worker %s joined in %s", w.nodeID, time.Since(began).Round(time.Millisecond))

	s := newService(t, batch.BackendDocker)
	api[map[string]any](t, s, "createcomputeenvironment", map[string]any{"computeEnvironmentName": "worker", "type": "MANAGED",
		"tags": map[string]string{batch.TagBackend: batch.BackendSwarm, batch.TagConstraint: "node.id==" + w.nodeID}})
	api[map[string]any](t, s, "createjobqueue", map[string]any{"jobQueueName": "q", "priority": 1,
		"computeEnvironmentOrder": []map[string]any{{"order": 1, "computeEnvironment": "worker"}}})

	registerShell(t, s, "hello", "echo hello from $AWS_BATCH_CE_NAME; exit 0", nil)
	d := wait(t, s, submit(t, s, map[string]any{"jobDefinition": "hello", "jobQueue": "q"}))
	require.Equal(t, batch.StatusSucceeded, d.Status, d.StatusReason)
	require.Equal(t, []string{"hello from worker"}, logLines(s, d))
	requireRemoved(t, d.JobID)

	registerShell(t, s, "long", "echo started; sleep 300", map[string]any{"retryStrategy": map[string]any{"attempts": 2,
		"evaluateOnExit": []map[string]string{{"onStatusReason": "Host EC2*", "action": "EXIT"}}}})
	id := submit(t, s, map[string]any{"jobDefinition": "long", "jobQueue": "q"})
	waitRunning(t, s, id)
	tasks, err := mgr.TaskList(context.Background(), swarm.TaskListOptions{Filters: filters.NewArgs(filters.Arg("label", batch.LabelJobID+"="+id))})
	require.NoError(t, err)
	require.Len(t, tasks, 1)
	require.Equal(t, w.nodeID, tasks[0].NodeID, "the constraint puts the job on the worker")
	w.kill()
	began = time.Now()
	d = wait(t, s, id)
	t.Logf("job failed %s after the worker's dockerd was killed", time.Since(began).Round(time.Millisecond))
	want := HostTerminated(w.nodeID)
	require.Equal(t, batch.StatusFailed, d.Status)
	require.Equal(t, want, d.StatusReason)
	require.Len(t, d.Attempts, 1, "evaluateOnExit EXIT on Host EC2*: no retry")
	require.Equal(t, want, d.Attempts[0].StatusReason)
	require.Nil(t, d.Attempts[0].Container.ExitCode)
	require.Nil(t, d.Container.ExitCode)
	require.Equal(t, []string{"started"}, logLines(s, d))
	requireRemoved(t, id)
}
