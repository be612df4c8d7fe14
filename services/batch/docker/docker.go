// Package docker runs AWS Batch job containers on the Docker Engine API; it implements
// batch.ContainerRunner with the official Go SDK.
//
// It exists so that the Batch scheduler knows nothing of Docker: services/batch declares the
// interface it consumes, and this package talks to the daemon through an even narrower one
// (engine) holding only the SDK calls it makes, so that its not-found and conflict handling is
// unit-tested with a hand fake. The client is built with client.FromEnv (DOCKER_HOST and
// friends are honoured) and API version negotiation, so an SDK newer than the daemon
// (Docker 20.10 speaks API 1.41) works.
//
// Every container carries labels naming the job, the sfnlocal server and the process that
// made it; Reap removes containers whose process is gone, i.e. leftovers of a crashed run,
// without touching those of other sfnlocal processes sharing the daemon. Missing images are
// pulled once however many jobs ask at the same time; an image that cannot be pulled is
// reported as batch.ErrImageNotFound.
package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/managed"
	"github.com/sfnlocal/sfnlocal/services/batch"
)

// Labels this package adds to every container (the same as on image functions' containers,
// so that Reap removes both kinds of leftovers).
const (
	LabelManaged = managed.LabelManaged
	LabelPID     = managed.LabelPID
	LabelHost    = managed.LabelHost
)

// engine is the part of the Docker SDK client the runner uses.
type engine interface {
	ImageInspect(ctx context.Context, ref string, opts ...client.ImageInspectOption) (image.InspectResponse, error)
	ImagePull(ctx context.Context, ref string, opts image.PullOptions) (io.ReadCloser, error)
	ContainerCreate(ctx context.Context, cfg *container.Config, host *container.HostConfig, net *network.NetworkingConfig, platform *ocispec.Platform, name string) (container.CreateResponse, error)
	ContainerStart(ctx context.Context, id string, opts container.StartOptions) error
	ContainerWait(ctx context.Context, id string, cond container.WaitCondition) (<-chan container.WaitResponse, <-chan error)
	ContainerInspect(ctx context.Context, id string) (container.InspectResponse, error)
	ContainerStop(ctx context.Context, id string, opts container.StopOptions) error
	ContainerRemove(ctx context.Context, id string, opts container.RemoveOptions) error
	ContainerLogs(ctx context.Context, id string, opts container.LogsOptions) (io.ReadCloser, error)
	ContainerList(ctx context.Context, opts container.ListOptions) ([]container.Summary, error)
}

// Runner is a batch.ContainerRunner on a Docker daemon.
type Runner struct {
	api  engine
	log  *zap.Logger
	pid  int
	host string
	// alive reports whether the process that labelled a container still runs.
	alive func(pid int) bool

	// negotiated makes the first call negotiate the API version alone: the SDK's lazy
	// negotiation is not safe when the first calls run concurrently (the background Reap and
	// the first job).
	negotiated sync.Once

	mu      sync.Mutex
	present map[string]bool        // images known to be present
	pulls   map[string]*pullFuture // pulls in flight
}

type pullFuture struct {
	done chan struct{}
	err  error
}

var _ batch.ContainerRunner = (*Runner)(nil)
var _ batch.Reaper = (*Runner)(nil)
var _ batch.KeepReaper = (*Runner)(nil)
var _ batch.Reattacher = (*Runner)(nil)

// New connects to the daemon named by the environment (DOCKER_HOST, DOCKER_CERT_PATH, ...),
// negotiating the API version.
func New(log *zap.Logger) (*Runner, error) {
	c, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	return newRunner(c, log), nil
}

// Ping checks that the daemon answers.
func Ping(ctx context.Context) error {
	c, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.Ping(ctx)
	return err
}

func newRunner(api engine, log *zap.Logger) *Runner {
	if log == nil {
		log = zap.NewNop()
	}
	host, _ := os.Hostname()
	return &Runner{
		api: api, log: log, pid: os.Getpid(), host: host, alive: processAlive,
		present: map[string]bool{}, pulls: map[string]*pullFuture{},
	}
}

// negotiate settles the API version once, before any other call.
func (r *Runner) negotiate(ctx context.Context) {
	r.negotiated.Do(func() {
		if n, ok := r.api.(interface{ NegotiateAPIVersion(context.Context) }); ok {
			n.NegotiateAPIVersion(ctx)
		}
	})
}

func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// Start creates and starts the container of spec, pulling its image first if it is missing.
func (r *Runner) Start(ctx context.Context, spec batch.Spec) (string, error) {
	r.negotiate(ctx)
	if err := r.ensureImage(ctx, spec.Image); err != nil {
		return "", err
	}
	cfg, host := r.config(spec)
	created, err := r.api.ContainerCreate(ctx, cfg, host, nil, nil, spec.Name)
	if cerrdefs.IsNotFound(err) {
		// The image went away after we saw it: forget it and pull once more.
		r.mu.Lock()
		delete(r.present, spec.Image)
		r.mu.Unlock()
		if err := r.ensureImage(ctx, spec.Image); err != nil {
			return "", err
		}
		created, err = r.api.ContainerCreate(ctx, cfg, host, nil, nil, spec.Name)
	}
	if cerrdefs.IsConflict(err) && spec.Name != "" {
		// A leftover with the same name (a crashed run): let Docker pick a name.
		created, err = r.api.ContainerCreate(ctx, cfg, host, nil, nil, "")
	}
	// The engine's own error text becomes the job's CannotStartContainerError reason.
	if err != nil {
		return "", err
	}
	if err := r.api.ContainerStart(ctx, created.ID, container.StartOptions{}); err != nil {
		_ = r.api.ContainerRemove(context.WithoutCancel(ctx), created.ID, container.RemoveOptions{Force: true})
		return "", err
	}
	return created.ID, nil
}

func (r *Runner) config(spec batch.Spec) (*container.Config, *container.HostConfig) {
	labels := map[string]string{
		LabelManaged: "true", LabelPID: strconv.Itoa(r.pid), LabelHost: r.host,
	}
	for k, v := range spec.Labels {
		labels[k] = v
	}
	cfg := &container.Config{
		Image: spec.Image, Cmd: spec.Command, Env: spec.Env, Labels: labels, User: spec.User,
		Entrypoint: spec.Entrypoint, WorkingDir: spec.WorkingDir,
	}
	host := &container.HostConfig{
		Privileged:     spec.Privileged,
		CapAdd:         spec.CapAdd,
		ReadonlyRootfs: spec.ReadonlyRootFS,
		ExtraHosts:     spec.ExtraHosts,
		LogConfig:      container.LogConfig{Type: "json-file"},
	}
	for _, d := range spec.Devices {
		perms := "rwm"
		if len(d.Permissions) > 0 {
			perms = ""
			for _, p := range d.Permissions {
				if p != "" {
					perms += strings.ToLower(p[:1]) // READ, WRITE, MKNOD -> r, w, m
				}
			}
		}
		target := d.ContainerPath
		if target == "" {
			target = d.HostPath
		}
		host.Devices = append(host.Devices, container.DeviceMapping{PathOnHost: d.HostPath, PathInContainer: target, CgroupPermissions: perms})
	}
	if spec.VCPUs > 0 {
		host.CPUShares = int64(spec.VCPUs * 1024)
	}
	if spec.MemoryMiB > 0 {
		host.Memory = spec.MemoryMiB << 20
	}
	for _, m := range spec.Mounts {
		if m.Source != "" {
			host.Mounts = append(host.Mounts, mount.Mount{Type: mount.TypeBind, Source: m.Source, Target: m.Target, ReadOnly: m.ReadOnly})
		} else {
			host.Mounts = append(host.Mounts, mount.Mount{Type: mount.TypeVolume, Target: m.Target, ReadOnly: m.ReadOnly})
		}
	}
	for _, u := range spec.Ulimits {
		host.Ulimits = append(host.Ulimits, &container.Ulimit{Name: u.Name, Soft: u.Soft, Hard: u.Hard})
	}
	return cfg, host
}

// ensureImage makes sure ref is present, pulling it at most once at a time.
func (r *Runner) ensureImage(ctx context.Context, ref string) error {
	r.mu.Lock()
	if r.present[ref] {
		r.mu.Unlock()
		return nil
	}
	f, inFlight := r.pulls[ref]
	if !inFlight {
		f = &pullFuture{done: make(chan struct{})}
		r.pulls[ref] = f
	}
	r.mu.Unlock()
	if !inFlight {
		f.err = r.fetch(ctx, ref)
		r.mu.Lock()
		delete(r.pulls, ref)
		if f.err == nil {
			r.present[ref] = true
		}
		r.mu.Unlock()
		close(f.done)
	}
	select {
	case <-f.done:
		return f.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *Runner) fetch(ctx context.Context, ref string) error {
	_, err := r.api.ImageInspect(ctx, ref)
	if err == nil {
		return nil
	}
	if !cerrdefs.IsNotFound(err) {
		return fmt.Errorf("inspect image %s: %w", ref, err)
	}
	rc, err := r.api.ImagePull(ctx, ref, image.PullOptions{})
	if err != nil {
		return &batch.ImageError{Image: ref, Message: err.Error()}
	}
	// The pull reports failures in its progress stream; drain it, then check the image.
	_, _ = io.Copy(io.Discard, rc)
	rc.Close()
	if _, err := r.api.ImageInspect(ctx, ref); err != nil {
		return &batch.ImageError{Image: ref, Message: "Error response from daemon: pull of " + ref + " did not produce the image"}
	}
	return nil
}

// Wait blocks until the container exits and reports its exit code, whether it was killed for
// memory, and the engine's error text.
func (r *Runner) Wait(ctx context.Context, id string) (batch.Exit, error) {
	r.negotiate(ctx)
	resC, errC := r.api.ContainerWait(ctx, id, container.WaitConditionNotRunning)
	var code int64
	select {
	case res := <-resC:
		code = res.StatusCode
	case err := <-errC:
		return batch.Exit{}, fmt.Errorf("wait for container: %w", err)
	}
	exit := batch.Exit{Code: int(code)}
	info, err := r.api.ContainerInspect(ctx, id)
	if err != nil {
		return exit, nil
	}
	if info.State != nil {
		exit.OOMKilled = info.State.OOMKilled
		exit.Reason = info.State.Error
	}
	return exit, nil
}

// Stop sends SIGTERM and kills the container after grace (rounded up to whole seconds).
func (r *Runner) Stop(ctx context.Context, id string, grace time.Duration) error {
	r.negotiate(ctx)
	secs := int((grace + time.Second - 1) / time.Second)
	err := r.api.ContainerStop(ctx, id, container.StopOptions{Timeout: &secs})
	if cerrdefs.IsNotFound(err) || cerrdefs.IsNotModified(err) {
		return nil
	}
	return err
}

// Remove force-removes the container and its anonymous volumes.
func (r *Runner) Remove(ctx context.Context, id string) error {
	r.negotiate(ctx)
	err := r.api.ContainerRemove(ctx, id, container.RemoveOptions{Force: true, RemoveVolumes: true})
	if cerrdefs.IsNotFound(err) || cerrdefs.IsConflict(err) {
		// Gone already, or a removal already in progress.
		return nil
	}
	return err
}

// Logs follows the container's stdout and stderr, demultiplexed into one stream.
func (r *Runner) Logs(ctx context.Context, id string) (io.ReadCloser, error) {
	r.negotiate(ctx)
	rc, err := r.api.ContainerLogs(ctx, id, container.LogsOptions{ShowStdout: true, ShowStderr: true, Follow: true})
	if err != nil {
		return nil, err
	}
	pr, pw := io.Pipe()
	go func() {
		_, err := stdcopy.StdCopy(pw, pw, rc)
		rc.Close()
		pw.CloseWithError(err)
	}()
	return &pipeCloser{PipeReader: pr, src: rc}, nil
}

type pipeCloser struct {
	*io.PipeReader
	src io.Closer
}

func (p *pipeCloser) Close() error {
	p.src.Close()
	return p.PipeReader.Close()
}

// Reap removes containers this package labelled on this host whose process is gone: the
// leftovers of a crashed run.
func (r *Runner) Reap(ctx context.Context) (int, error) { return r.ReapKeep(ctx, nil) }

// ReapKeep is Reap sparing the containers whose labels keep accepts (nil keeps none): the
// containers of the jobs a server with a store reattaches.
func (r *Runner) ReapKeep(ctx context.Context, keep func(labels map[string]string) bool) (int, error) {
	r.negotiate(ctx)
	list, err := r.api.ContainerList(ctx, container.ListOptions{
		All: true, Filters: filters.NewArgs(filters.Arg("label", LabelManaged+"=true")),
	})
	if err != nil {
		return 0, fmt.Errorf("list containers: %w", err)
	}
	n := 0
	for _, c := range list {
		if c.Labels[LabelHost] != r.host {
			continue
		}
		pid, err := strconv.Atoi(c.Labels[LabelPID])
		if err == nil && (pid == r.pid || r.alive(pid)) {
			continue
		}
		if keep != nil && keep(c.Labels) {
			continue
		}
		if err := r.api.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true, RemoveVolumes: true}); err != nil && !cerrdefs.IsNotFound(err) {
			r.log.Warn("reaping container failed", zap.String("container_id", c.ID), zap.Error(err))
			continue
		}
		n++
	}
	return n, nil
}

// FindAttempt returns the container of attempt n of a job (by its batch labels) on this host,
// running or exited, or "" when there is none.
func (r *Runner) FindAttempt(ctx context.Context, jobID string, attempt int) (string, error) {
	r.negotiate(ctx)
	list, err := r.api.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(
		filters.Arg("label", LabelManaged+"=true"),
		filters.Arg("label", batch.LabelJobID+"="+jobID),
		filters.Arg("label", batch.LabelAttempt+"="+strconv.Itoa(attempt)),
	)})
	if err != nil {
		return "", fmt.Errorf("list containers: %w", err)
	}
	for _, c := range list {
		if c.Labels[LabelHost] != r.host {
			continue
		}
		switch c.State {
		case "removing", "dead":
		case "created":
			// Created but never started (the server went away in between): it would
			// "exit" 0 at once. Remove it; the attempt is lost.
			_ = r.Remove(ctx, c.ID)
		default:
			return c.ID, nil
		}
	}
	return "", nil
}
