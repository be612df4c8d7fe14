// Package swarm runs AWS Batch job attempts on a Docker Swarm cluster; it implements
// batch.ContainerRunner with the official Go SDK, next to services/batch/docker, which runs
// them on the one daemon next to the server.
//
// It exists so that job suites that outgrow one machine keep Batch's semantics on an engine
// teams already run: each attempt is a `replicated-job` service with one replica and restart
// policy none (Batch's retryStrategy decides attempts, not Swarm), its vCPUs and memory as
// both reservations (so the swarm places it where it fits) and limits, and labels naming the
// sfnlocal process that made it, so that Reap removes the services of a crashed run and
// nothing else. The client is built with client.FromEnv, so DOCKER_HOST names the manager
// and DOCKER_TLS_VERIFY/DOCKER_CERT_PATH secure it, with API version negotiation (Docker
// 20.10 speaks API 1.41).
//
// The task's state is polled by one loop per runner (one TaskList call per tick, filtered by
// the runner's label, whatever the number of jobs, one more per earlier runner whose services
// it reattached, and a NodeList every tenth tick while a placed task runs); logs come from
// the service logs API, followed while the task runs and completed from a final read once it
// has ended, since a followed service log never ends by itself.
//
// With --data-dir (a batch.Service with a store), jobs survive a restart of sfnlocal: a
// service carries its job's labels (batch.LabelJobID, batch.LabelAttempt), so that the next
// process finds the service of each job that was STARTING or RUNNING (FindAttempt, whatever
// runner id and pid made it), follows its task and logs as its own, and gets its exit code
// even when the task ended while no sfnlocal ran; the start-up reaper (ReapKeep) spares those
// services and their containers. A service removed in the meantime fails its attempt with
// "Host EC2 (instance i-…) terminated." (the container it left on this daemon is removed).
//
// How Batch's job states map onto the swarm's task states (the Runner is a batch.Placer):
//
//	swarm task                               Batch job
//	new, pending (no node; Status.Err)       RUNNABLE, statusReason AWS's blocked-job reason:
//	                                         MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT when no
//	                                         node could take it even idle (too many vCPUs, too
//	                                         much memory, GPUs no node has, a constraint no node
//	                                         meets), CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY when
//	                                         the nodes that could are busy or drained
//	assigned, accepted, preparing, starting  STARTING (the node pulls the image)
//	running                                  RUNNING
//	complete / failed                        SUCCEEDED / FAILED with the container's exit code
//	rejected, failed before running          FAILED, "Task failed to start" (Cannot*Error)
//	node down or gone, or shutdown/orphaned  FAILED attempt without exit code, statusReason
//	  by the swarm without an exit code      "Host EC2 (instance i-<17 hex>) terminated." (the
//	                                         id derived from the node id); evaluateOnExit's
//	                                         onStatusReason decides a retry, as on AWS
//
// maxvCpus still counts in sfnlocal, across all nodes: a job holds its vCPUs from dispatch,
// RUNNABLE or not. The swarm takes seconds to call a node down (its heartbeat: about 15 s
// with the defaults), so a vanished node fails its attempts that much later.
//
// Placement: GPUs (resourceRequirements type GPU) are reserved as the generic resource of
// kind batch.TagGPUKind's value ("gpu" by default), which nodes advertise with dockerd's
// node-generic-resources (e.g. "gpu=2", or "NVIDIA-GPU=GPU-<uuid>" with
// sfnlocal:gpu-kind=NVIDIA-GPU); a swarm without them leaves the job RUNNABLE, as AWS does
// when no instance can host it. Tags sfnlocal:constraint and sfnlocal:constraint:<any> on the
// compute environment, the job definition and the job (batch.TagConstraint) are Swarm
// placement constraints, all applied (node.labels.gpu==true, node.role==worker,
// node.hostname!=build-1). Multi-node parallel jobs (nodeProperties) are refused with a
// ClientException, as everywhere in sfnlocal.
//
// ECS tasks run here too (services/ecs/batchrunner adapts this Runner) when their cluster is
// tagged sfnlocal:backend=swarm or the server runs with --batch-backend swarm: each
// container of a task is a service of its own, those after the first constrained to the
// first one's node (NodeOf), as ECS runs a task on one instance.
package swarm

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/client"
	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/services/batch"
)

// Labels this package adds to every service (the container gets the job's own labels).
const (
	LabelManaged = "sfnlocal.swarm.managed"
	LabelPID     = "sfnlocal.swarm.pid"
	LabelHost    = "sfnlocal.swarm.host"
	// LabelRunner names the Runner value that made the service: its task poller lists only
	// the tasks of its own services.
	LabelRunner = "sfnlocal.swarm.runner"
)

// reapTimeout bounds Reap.
const reapTimeout = 10 * time.Second

// pollInterval is how often the task poller lists the tasks of the jobs being waited for.
const pollInterval = 50 * time.Millisecond

// engine is the part of the Docker SDK client the runner uses.
type engine interface {
	SwarmInspect(ctx context.Context) (swarm.Swarm, error)
	ServiceCreate(ctx context.Context, spec swarm.ServiceSpec, opts swarm.ServiceCreateOptions) (swarm.ServiceCreateResponse, error)
	ServiceRemove(ctx context.Context, id string) error
	ServiceList(ctx context.Context, opts swarm.ServiceListOptions) ([]swarm.Service, error)
	ServiceLogs(ctx context.Context, id string, opts container.LogsOptions) (io.ReadCloser, error)
	TaskList(ctx context.Context, opts swarm.TaskListOptions) ([]swarm.Task, error)
	NodeList(ctx context.Context, opts swarm.NodeListOptions) ([]swarm.Node, error)
	ContainerInspect(ctx context.Context, id string) (container.InspectResponse, error)
	ContainerStop(ctx context.Context, id string, opts container.StopOptions) error
	ContainerRemove(ctx context.Context, id string, opts container.RemoveOptions) error
	ContainerList(ctx context.Context, opts container.ListOptions) ([]container.Summary, error)
	ContainerLogs(ctx context.Context, id string, opts container.LogsOptions) (io.ReadCloser, error)
}

// Runner is a batch.ContainerRunner on a Docker Swarm manager.
type Runner struct {
	api  engine
	log  *zap.Logger
	clk  clock.Clock
	pid  int
	host string
	id   string // LabelRunner's value
	// alive reports whether the process that labelled a service still runs.
	alive func(pid int) bool

	tasks *poller
	// serviceLogsOnly makes Logs use the service logs API even for local containers (tests).
	serviceLogsOnly bool

	mu      sync.Mutex
	stopped map[string]bool // services Stop removed because their container was out of reach
}

var (
	_ batch.ContainerRunner = (*Runner)(nil)
	_ batch.Reaper          = (*Runner)(nil)
	_ batch.KeepReaper      = (*Runner)(nil)
	_ batch.Reattacher      = (*Runner)(nil)
	_ batch.Checker         = (*Runner)(nil)
	_ batch.Placer          = (*Runner)(nil)
)

// Places reports that jobs wait for the swarm to place them (batch.Placer): they stay
// RUNNABLE until a node has taken their task.
func (r *Runner) Places() bool { return true }

// New connects to the manager named by the environment (DOCKER_HOST, DOCKER_TLS_VERIFY,
// DOCKER_CERT_PATH), negotiating the API version. It does not contact the daemon: Check
// does.
func New(log *zap.Logger) (*Runner, error) {
	c, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	return newRunner(c, log, clock.Real()), nil
}

func newRunner(api engine, log *zap.Logger, clk clock.Clock) *Runner {
	if log == nil {
		log = zap.NewNop()
	}
	host, _ := os.Hostname()
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	r := &Runner{
		api: api, log: log, clk: clk, pid: os.Getpid(), host: host, id: hex.EncodeToString(b),
		alive: processAlive, stopped: map[string]bool{},
	}
	r.tasks = newPoller(api, log, clk, r.id)
	return r
}

func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// Check reports whether the daemon answers and is a swarm manager: jobs cannot run otherwise.
func (r *Runner) Check(ctx context.Context) error {
	if _, err := r.api.SwarmInspect(ctx); err != nil {
		return fmt.Errorf("the Docker Swarm backend is not reachable (DOCKER_HOST must name a swarm manager): %w", err)
	}
	return nil
}

// Start creates the service of spec and waits until its task runs (or has already ended).
// While no node can take the task it reports the job unplaceable through spec.OnPlacement
// (the job stays RUNNABLE, with AWS's blocked-job statusReason), and placed once a node
// has it (STARTING while that node pulls the image and starts the container). A task that
// fails before its container runs is an error, with the image errors wrapping
// batch.ErrImageNotFound as the local runner's do.
func (r *Runner) Start(ctx context.Context, spec batch.Spec) (string, error) {
	svc, err := r.serviceSpec(spec)
	if err != nil {
		return "", err
	}
	created, err := r.api.ServiceCreate(ctx, svc, swarm.ServiceCreateOptions{})
	if cerrdefs.IsConflict(err) && svc.Name != "" {
		// A leftover with the same name (a crashed run): let the swarm pick a name.
		svc.Name = ""
		created, err = r.api.ServiceCreate(ctx, svc, swarm.ServiceCreateOptions{})
	}
	if err != nil {
		return "", fmt.Errorf("docker swarm: %w", err)
	}
	id := created.ID
	t, err := r.awaitStart(ctx, id, spec)
	if err == nil {
		err = startError(t, spec.Image)
	}
	if err != nil {
		if rerr := r.Remove(context.WithoutCancel(ctx), id); rerr != nil {
			r.log.Warn("removing swarm service failed", zap.String("service_id", id), zap.Error(rerr))
		}
		return "", err
	}
	return id, nil
}

// awaitStart follows the task of service id until its container runs, it has ended or its
// node left, telling spec.OnPlacement where it stands on the way.
func (r *Runner) awaitStart(ctx context.Context, id string, spec batch.Spec) (swarm.Task, error) {
	placed, lastErr := false, ""
	for {
		t, err := r.tasks.wait(ctx, id, func(t swarm.Task, lost bool) bool {
			return lost || started(t) || (!placed && (t.NodeID != "" || t.Status.Err != lastErr))
		})
		if err != nil {
			return t, err
		}
		if !placed && (t.NodeID != "" || started(t)) {
			placed = true
			if spec.OnPlacement != nil {
				spec.OnPlacement(true, "")
			}
		}
		if placed && (started(t) || r.tasks.isLost(id)) {
			return t, nil
		}
		if placed {
			continue
		}
		lastErr = t.Status.Err
		if lastErr != "" && spec.OnPlacement != nil {
			spec.OnPlacement(false, r.unplaceable(ctx, t, spec))
		}
	}
}

// NodeOf returns the id of the node the task of service id was placed on ("" when not
// known): services/ecs/batchrunner places the other containers of an ECS task next to the
// first, as ECS runs a task on one instance.
func (r *Runner) NodeOf(id string) string {
	t, _ := r.tasks.latest(id)
	return t.NodeID
}

// Reasons a RUNNABLE job gives while the swarm cannot place it: AWS's blocked-job
// statusReason values (the Batch API reference, JobDetail.statusReason).
const (
	ReasonNoCapacity        = "CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY - All compute environments have insufficient capacity to service the job."
	ReasonNoFittingInstance = "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - All compute environments have no connected instances that meet the job requirements."
)

// unplaceable words why the swarm cannot place task t in AWS's terms: no node could ever
// take it (too big for every node, a constraint no node meets, GPUs no node has) or the
// nodes that could are busy (or drained).
func (r *Runner) unplaceable(ctx context.Context, t swarm.Task, spec batch.Spec) string {
	msg := t.Status.Err
	if strings.Contains(msg, "constraints not satisfied") || strings.Contains(msg, "platform") {
		return ReasonNoFittingInstance
	}
	if !strings.Contains(msg, "insufficient resources") {
		return ReasonNoCapacity
	}
	nodes, err := r.api.NodeList(ctx, swarm.NodeListOptions{})
	if err != nil {
		return ReasonNoCapacity
	}
	for _, n := range nodes {
		if fits(n.Description.Resources, spec) {
			return ReasonNoCapacity
		}
	}
	return ReasonNoFittingInstance
}

// fits tells whether a node with resources res could take spec's task when idle.
func fits(res swarm.Resources, spec batch.Spec) bool {
	if int64(spec.VCPUs*1e9) > res.NanoCPUs || spec.MemoryMiB<<20 > res.MemoryBytes {
		return false
	}
	if spec.GPUs == 0 {
		return true
	}
	have := int64(0)
	for _, g := range res.GenericResources {
		switch {
		case g.DiscreteResourceSpec != nil && g.DiscreteResourceSpec.Kind == gpuKind(spec):
			have += g.DiscreteResourceSpec.Value
		case g.NamedResourceSpec != nil && g.NamedResourceSpec.Kind == gpuKind(spec):
			have++
		}
	}
	return have >= int64(spec.GPUs)
}

func gpuKind(spec batch.Spec) string {
	if spec.GPUKind == "" {
		return batch.DefaultGPUKind
	}
	return spec.GPUKind
}

// HostTerminated is AWS's statusReason for an attempt whose instance went away, for the
// swarm node nodeID: the instance id is "i-" and 17 hex digits derived from the node id, so
// one node always has the same id.
func HostTerminated(nodeID string) string {
	sum := sha256.Sum256([]byte(nodeID))
	return "Host EC2 (instance i-" + hex.EncodeToString(sum[:])[:17] + ") terminated."
}

// serviceSpec turns a job attempt's container into a one-replica replicated-job service.
func (r *Runner) serviceSpec(spec batch.Spec) (swarm.ServiceSpec, error) {
	if spec.Privileged {
		return swarm.ServiceSpec{}, errors.New("privileged containers are not supported by the Docker Swarm backend")
	}
	if len(spec.Devices) > 0 {
		return swarm.ServiceSpec{}, errors.New("host devices are not supported by the Docker Swarm backend")
	}
	one := uint64(1)
	labels := map[string]string{
		LabelManaged: "true", LabelPID: strconv.Itoa(r.pid), LabelHost: r.host, LabelRunner: r.id,
	}
	for k, v := range spec.Labels {
		labels[k] = v
	}
	ctrLabels := map[string]string{LabelManaged: "true", LabelPID: strconv.Itoa(r.pid), LabelHost: r.host}
	for k, v := range spec.Labels {
		ctrLabels[k] = v
	}
	c := &swarm.ContainerSpec{
		Image: spec.Image, Labels: ctrLabels, Command: spec.Entrypoint, Args: spec.Command,
		Env: spec.Env, Dir: spec.WorkingDir, User: spec.User, ReadOnly: spec.ReadonlyRootFS,
		CapabilityAdd: spec.CapAdd,
	}
	for _, h := range spec.ExtraHosts {
		// host:ip (Docker's --add-host) becomes hosts(5)'s "ip host".
		if name, ip, ok := strings.Cut(h, ":"); ok {
			c.Hosts = append(c.Hosts, ip+" "+name)
		}
	}
	for _, m := range spec.Mounts {
		if m.Source != "" {
			c.Mounts = append(c.Mounts, mount.Mount{Type: mount.TypeBind, Source: m.Source, Target: m.Target, ReadOnly: m.ReadOnly})
		} else {
			c.Mounts = append(c.Mounts, mount.Mount{Type: mount.TypeVolume, Target: m.Target, ReadOnly: m.ReadOnly})
		}
	}
	for _, u := range spec.Ulimits {
		c.Ulimits = append(c.Ulimits, &container.Ulimit{Name: u.Name, Soft: u.Soft, Hard: u.Hard})
	}
	res := &swarm.ResourceRequirements{}
	if spec.VCPUs > 0 || spec.MemoryMiB > 0 {
		nano, mem := int64(spec.VCPUs*1e9), spec.MemoryMiB<<20
		res.Limits = &swarm.Limit{NanoCPUs: nano, MemoryBytes: mem}
		res.Reservations = &swarm.Resources{NanoCPUs: nano, MemoryBytes: mem}
	}
	if spec.GPUs > 0 {
		// GPUs are the generic resource the nodes advertise (dockerd's
		// node-generic-resources); a swarm without them cannot place the task.
		if res.Reservations == nil {
			res.Reservations = &swarm.Resources{}
		}
		res.Reservations.GenericResources = []swarm.GenericResource{{
			DiscreteResourceSpec: &swarm.DiscreteGenericResource{Kind: gpuKind(spec), Value: int64(spec.GPUs)},
		}}
	}
	task := swarm.TaskSpec{
		ContainerSpec: c,
		Resources:     res,
		RestartPolicy: &swarm.RestartPolicy{Condition: swarm.RestartPolicyConditionNone},
	}
	if len(spec.Constraints) > 0 {
		task.Placement = &swarm.Placement{Constraints: slices.Clone(spec.Constraints)}
	}
	return swarm.ServiceSpec{
		Annotations:  swarm.Annotations{Name: serviceName(spec.Name), Labels: labels},
		Mode:         swarm.ServiceMode{ReplicatedJob: &swarm.ReplicatedJob{MaxConcurrent: &one, TotalCompletions: &one}},
		TaskTemplate: task,
	}, nil
}

// serviceName keeps a name hint within Swarm's rules (letters, digits, '-', '_', '.'; up to
// 63 characters); "" lets the swarm choose.
func serviceName(hint string) string {
	var b strings.Builder
	for _, c := range hint {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
			b.WriteRune(c)
		default:
			b.WriteByte('-')
		}
	}
	s := strings.TrimLeft(b.String(), "-_.")
	if len(s) > 63 {
		s = s[len(s)-63:]
		s = strings.TrimLeft(s, "-_.")
	}
	return s
}

// States a task goes through before its container runs.
var beforeRun = map[swarm.TaskState]bool{
	swarm.TaskStateNew: true, swarm.TaskStateAllocated: true, swarm.TaskStatePending: true,
	swarm.TaskStateAssigned: true, swarm.TaskStateAccepted: true, swarm.TaskStatePreparing: true,
	swarm.TaskStateReady: true, swarm.TaskStateStarting: true,
}

// started holds once the task's container runs or the task has ended.
func started(t swarm.Task) bool { return !beforeRun[t.Status.State] }

// over holds once the task has ended or its node has left the swarm.
func over(t swarm.Task, lost bool) bool { return lost || ended(t) }

// ended holds once the task is over.
func ended(t swarm.Task) bool {
	switch t.Status.State {
	case swarm.TaskStateComplete, swarm.TaskStateFailed, swarm.TaskStateRejected,
		swarm.TaskStateShutdown, swarm.TaskStateOrphaned, swarm.TaskStateRemove:
		return true
	}
	return false
}

// startError tells a task that never ran its command (rejected, or failed while preparing or
// starting) from one that ran: the first becomes the attempt's start error, in the local
// runner's words ("Error response from daemon: ...").
func startError(t swarm.Task, image string) error {
	st := t.Status
	failedEarly := st.State == swarm.TaskStateRejected ||
		(st.State == swarm.TaskStateFailed && beforeRun[swarm.TaskState(st.Message)]) ||
		strings.HasPrefix(st.Err, "starting container failed: ")
	if !failedEarly {
		return nil
	}
	msg := strings.TrimPrefix(st.Err, "starting container failed: ")
	if msg == "" {
		msg = "task " + string(st.State) + " while " + st.Message
	}
	msg = "Error response from daemon: " + msg
	if strings.Contains(st.Err, "No such image") || strings.Contains(st.Err, "pull access denied") ||
		(st.Message == string(swarm.TaskStatePreparing) && strings.Contains(strings.ToLower(st.Err), "image")) {
		return &batch.ImageError{Image: image, Message: msg}
	}
	return errors.New(msg)
}

// Wait blocks until the service's task has ended and reports its exit code, and whether its
// container was killed for memory when that container is on the daemon the runner talks to.
// A task whose node left the swarm (down, or removed), or that the swarm shut down or
// orphaned without an exit code when sfnlocal did not ask it to, ends the attempt without
// an exit code and with AWS's "Host EC2 (instance ...) terminated." reason.
func (r *Runner) Wait(ctx context.Context, id string) (batch.Exit, error) {
	t, err := r.tasks.wait(ctx, id, over)
	r.mu.Lock()
	stopped := r.stopped[id]
	r.mu.Unlock()
	if errors.Is(err, errGone) {
		if stopped {
			return batch.Exit{Code: 137}, nil
		}
		return batch.Exit{Code: 137, Reason: "the swarm service was removed"}, nil
	}
	if err != nil {
		return batch.Exit{}, err
	}
	if r.tasks.isLost(id) {
		r.log.Info("swarm node of a job task left", zap.String("service_id", id), zap.String("node_id", t.NodeID))
		return batch.Exit{NoExitCode: true, StatusReason: HostTerminated(t.NodeID)}, nil
	}
	exit := batch.Exit{}
	if cs := t.Status.ContainerStatus; cs != nil {
		exit.Code = cs.ExitCode
		if cs.ContainerID != "" {
			if info, err := r.api.ContainerInspect(ctx, cs.ContainerID); err == nil && info.State != nil {
				exit.OOMKilled = info.State.OOMKilled
				exit.Reason = info.State.Error
			}
		}
	}
	if err := startError(t, ""); err != nil {
		exit.Reason = err.Error()
		if exit.Code == 0 {
			exit.Code = 127
		}
	} else if exit.Code == 0 && t.Status.State != swarm.TaskStateComplete {
		if stopped {
			exit.Code = 137
		} else {
			// Shut down or orphaned by the swarm (its node was drained, or left and came
			// back) without an exit code of its own.
			return batch.Exit{NoExitCode: true, StatusReason: HostTerminated(t.NodeID)}, nil
		}
	}
	return exit, nil
}

// Stop sends SIGTERM to the task's container and kills it after grace (rounded up to whole
// seconds) when that container is on the daemon the runner talks to; otherwise it removes
// the service, which the swarm stops the same way.
func (r *Runner) Stop(ctx context.Context, id string, grace time.Duration) error {
	secs := int((grace + time.Second - 1) / time.Second)
	if t, ok := r.tasks.latest(id); ok && t.Status.ContainerStatus != nil && t.Status.ContainerStatus.ContainerID != "" {
		err := r.api.ContainerStop(ctx, t.Status.ContainerStatus.ContainerID, container.StopOptions{Timeout: &secs})
		if err == nil || cerrdefs.IsNotModified(err) {
			return nil
		}
		if !cerrdefs.IsNotFound(err) {
			return err
		}
	}
	r.mu.Lock()
	r.stopped[id] = true
	r.mu.Unlock()
	err := r.api.ServiceRemove(ctx, id)
	if cerrdefs.IsNotFound(err) {
		return nil
	}
	return err
}

// Remove removes the service, and its task's container when that is on the daemon the
// runner talks to: Docker 20.10's swarm leaves the containers of ended job tasks behind.
func (r *Runner) Remove(ctx context.Context, id string) error {
	t, known := r.tasks.latest(id)
	r.tasks.forget(id)
	r.mu.Lock()
	delete(r.stopped, id)
	r.mu.Unlock()
	err := r.api.ServiceRemove(ctx, id)
	if cerrdefs.IsNotFound(err) {
		err = nil
	}
	if known && t.Status.ContainerStatus != nil && t.Status.ContainerStatus.ContainerID != "" {
		cerr := r.api.ContainerRemove(ctx, t.Status.ContainerStatus.ContainerID, container.RemoveOptions{Force: true, RemoveVolumes: true})
		if cerr != nil && !cerrdefs.IsNotFound(cerr) && !cerrdefs.IsConflict(cerr) && err == nil {
			err = cerr
		}
	}
	return err
}

// Reap removes the services, and their task containers on this daemon, that this package
// labelled on this host and whose process is gone: the leftovers of a crashed run. A daemon
// that is not a swarm manager has none.
func (r *Runner) Reap(ctx context.Context) (int, error) { return r.ReapKeep(ctx, nil) }

// ReapKeep is Reap sparing the services, and the task containers, whose labels keep accepts
// (nil keeps none): those of the jobs a server with a store reattaches (FindAttempt). A
// service carries its job's labels, as its container does.
func (r *Runner) ReapKeep(ctx context.Context, keep func(labels map[string]string) bool) (int, error) {
	// A manager that does not answer must not hold up the server's start.
	ctx, cancel := clock.WithTimeout(ctx, r.clk, reapTimeout, nil)
	defer cancel()
	if _, err := r.api.SwarmInspect(ctx); err != nil {
		r.log.Debug("not reaping swarm services: no swarm manager", zap.Error(err))
		return 0, nil
	}
	reap := func(l map[string]string) bool { return r.leftover(l) && (keep == nil || !keep(l)) }
	managed := filters.NewArgs(filters.Arg("label", LabelManaged+"=true"))
	list, err := r.api.ServiceList(ctx, swarm.ServiceListOptions{Filters: managed})
	if err != nil {
		return 0, fmt.Errorf("list services: %w", err)
	}
	n := 0
	for _, s := range list {
		if !reap(s.Spec.Labels) {
			continue
		}
		if err := r.api.ServiceRemove(ctx, s.ID); err != nil && !cerrdefs.IsNotFound(err) {
			r.log.Warn("reaping swarm service failed", zap.String("service_id", s.ID), zap.Error(err))
			continue
		}
		n++
	}
	ctrs, err := r.api.ContainerList(ctx, container.ListOptions{All: true, Filters: managed})
	if err != nil {
		return n, fmt.Errorf("list containers: %w", err)
	}
	for _, c := range ctrs {
		if !reap(c.Labels) {
			continue
		}
		if err := r.api.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true, RemoveVolumes: true}); err != nil && !cerrdefs.IsNotFound(err) && !cerrdefs.IsConflict(err) {
			r.log.Warn("reaping swarm task container failed", zap.String("container_id", c.ID), zap.Error(err))
		}
	}
	return n, nil
}

// FindAttempt returns the service of attempt n of job jobID, found by the batch labels the
// service carries whatever process (runner id, pid) made it, or "" when there is none (it
// was removed while no sfnlocal ran). Its task, running or ended, is followed from then on
// as this Runner's own are (Wait, Logs, Stop, Remove): a task that ended while sfnlocal was
// down gives its exit code. Without a service, the attempt's task container, which Docker
// 20.10 leaves behind (running on, even) when a job's service is removed, is removed when
// it is on the daemon the runner talks to: the attempt is lost, and the start-up reaper
// spares that container.
func (r *Runner) FindAttempt(ctx context.Context, jobID string, attempt int) (string, error) {
	attemptOf := filters.NewArgs(
		filters.Arg("label", LabelManaged+"=true"),
		filters.Arg("label", batch.LabelJobID+"="+jobID),
		filters.Arg("label", batch.LabelAttempt+"="+strconv.Itoa(attempt)),
	)
	list, err := r.api.ServiceList(ctx, swarm.ServiceListOptions{Filters: attemptOf})
	if err != nil {
		return "", fmt.Errorf("list services: %w", err)
	}
	if len(list) > 0 {
		// One service per attempt; should a retried create have left two, the newer one ran.
		s := slices.MaxFunc(list, func(a, b swarm.Service) int { return a.CreatedAt.Compare(b.CreatedAt) })
		tasks, err := r.api.TaskList(ctx, swarm.TaskListOptions{Filters: filters.NewArgs(filters.Arg("service", s.ID))})
		if err != nil && !cerrdefs.IsNotFound(err) {
			return "", fmt.Errorf("list tasks: %w", err)
		}
		if err == nil {
			r.tasks.adopt(s.ID, adoptLabel(s.Spec.Labels), newestTask(tasks))
			return s.ID, nil
		}
		// Removed in between.
	}
	ctrs, err := r.api.ContainerList(ctx, container.ListOptions{All: true, Filters: attemptOf})
	if err != nil {
		r.log.Debug("listing the containers of a lost attempt failed", zap.String("job_id", jobID), zap.Error(err))
		return "", nil
	}
	for _, c := range ctrs {
		if err := r.api.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true, RemoveVolumes: true}); err != nil && !cerrdefs.IsNotFound(err) && !cerrdefs.IsConflict(err) {
			r.log.Warn("removing the container of a lost attempt failed", zap.String("container_id", c.ID), zap.Error(err))
		}
	}
	return "", nil
}

// adoptLabel is the label filter (key=value) that lists the tasks of a service with labels
// l: that of the runner that made it, so that one TaskList covers all its services, or the
// service's own job label for a service without one.
func adoptLabel(l map[string]string) string {
	if id := l[LabelRunner]; id != "" {
		return LabelRunner + "=" + id
	}
	return batch.LabelJobID + "=" + l[batch.LabelJobID]
}

// newestTask returns the newest of tasks, nil when there is none.
func newestTask(tasks []swarm.Task) *swarm.Task {
	var out *swarm.Task
	for i := range tasks {
		if out == nil || tasks[i].CreatedAt.After(out.CreatedAt) {
			out = &tasks[i]
		}
	}
	return out
}

// leftover tells whether labels are this package's, on this host, by a process that is gone.
func (r *Runner) leftover(l map[string]string) bool {
	if l[LabelManaged] != "true" || l[LabelHost] != r.host {
		return false
	}
	pid, err := strconv.Atoi(l[LabelPID])
	return err != nil || (pid != r.pid && !r.alive(pid))
}
