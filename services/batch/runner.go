package batch

import (
	"context"
	"errors"
	"io"
	"time"
)

// ContainerRunner runs job containers. The scheduler depends on this interface only;
// services/batch/docker implements it on the Docker Engine API.
type ContainerRunner interface {
	// Start creates and starts a container, returning its id. A missing image that cannot be
	// pulled is reported as an error wrapping ErrImageNotFound.
	Start(ctx context.Context, spec Spec) (string, error)
	// Wait blocks until the container exits.
	Wait(ctx context.Context, id string) (Exit, error)
	// Stop asks the container to stop (SIGTERM), and kills it after grace.
	Stop(ctx context.Context, id string, grace time.Duration) error
	// Remove deletes the container and its writable layer.
	Remove(ctx context.Context, id string) error
	// Logs streams the container's combined stdout and stderr from its start until it exits.
	Logs(ctx context.Context, id string) (io.ReadCloser, error)
}

// Reaper is implemented by runners that can find containers left behind by a crashed run;
// New calls it once at start.
type Reaper interface {
	Reap(ctx context.Context) (int, error)
}

// ErrImageNotFound reports an image that is not present and cannot be pulled; the job fails
// with "Task failed to start" and a CannotPullContainerError container reason.
var ErrImageNotFound = errors.New("image not found")

// ImageError is the error a runner returns for an image that is missing and cannot be
// pulled. Message is the engine's own text, which follows "CannotPullContainerError: " in
// the job's container reason, as on AWS.
type ImageError struct {
	Image   string
	Message string
}

func (e *ImageError) Error() string { return e.Message }

// Is makes errors.Is(err, ErrImageNotFound) hold.
func (e *ImageError) Is(target error) bool { return target == ErrImageNotFound }

// Spec describes one job attempt's container.
type Spec struct {
	Name    string // container name hint (may be ignored)
	Image   string
	Command []string // nil: the image's default command
	// Entrypoint and WorkingDir override the image's (nil/empty: the image's own).
	Entrypoint []string
	WorkingDir string
	Env        []string // KEY=VALUE
	Labels     map[string]string
	// VCPUs becomes CPU shares (1024 per vCPU); MemoryMiB a hard memory limit (0: none).
	VCPUs          float64
	MemoryMiB      int64
	Privileged     bool
	Devices        []Device // host devices (linuxParameters.devices)
	CapAdd         []string // added Linux capabilities
	ReadonlyRootFS bool
	User           string
	Mounts         []Mount
	// ExtraHosts are host:ip entries (e.g. host.docker.internal:host-gateway).
	ExtraHosts []string
	Ulimits    []Ulimit
	// GPUs is the job's GPU requirement (resourceRequirements type GPU). A cluster runner
	// reserves them as generic resources of kind GPUKind ("gpu" when empty, TagGPUKind);
	// the local runner ignores both.
	GPUs    int
	GPUKind string
	// Constraints are placement constraints in Docker Swarm's syntax (node.labels.gpu==true)
	// from the TagConstraint tags; the local runner ignores them.
	Constraints []string
	// OnPlacement is set for runners that implement Placer: Start calls it with placed
	// false and a Batch statusReason while no node can take the container (the job stays
	// RUNNABLE with that reason), and once with placed true when a node has taken it (the
	// job moves to STARTING) before Start returns the id. It must not be called after Start
	// returned.
	OnPlacement func(placed bool, reason string)
}

// Placer is implemented by runners whose Start waits for a cluster to place the container
// on a node (a Docker swarm): their jobs stay RUNNABLE after dispatch until
// Spec.OnPlacement reports the placement, and are STARTING only from then on.
type Placer interface {
	Places() bool
}

// Mount binds a host path (Source) or, when Source is empty, an anonymous volume at Target.
type Mount struct {
	Source   string
	Target   string
	ReadOnly bool
}

// Ulimit is a resource limit (name as in Docker, e.g. "nofile").
type Ulimit struct {
	Name       string
	Soft, Hard int64
}

// Exit is how a container ended.
type Exit struct {
	Code      int
	OOMKilled bool
	// Reason is the engine's error text, if any (e.g. a failure to exec the command).
	Reason string
	// StatusReason, when set, is the attempt's statusReason instead of "Essential container
	// in task exited": the container's host went away ("Host EC2 (instance i-...)
	// terminated.", as AWS words it).
	StatusReason string
	// NoExitCode tells that the exit code is unknown (its host went away): the attempt has
	// none, and it failed.
	NoExitCode bool
}

// Checker is implemented by runners that can tell whether they can run jobs at all (a
// Docker Swarm runner needs a reachable manager); SubmitJob calls it for the compute
// environments of the job queue that use such a runner and fails with a ClientException
// when it reports an error.
type Checker interface {
	Check(ctx context.Context) error
}

// Backends selecting a compute environment's runner, by Config.Backend or by the
// compute environment's TagBackend tag.
const (
	BackendDocker = "docker"
	BackendSwarm  = "swarm"
	// TagBackend is the compute environment tag that picks its backend
	// (sfnlocal:backend=swarm).
	TagBackend = "sfnlocal:backend"
)

// Reattacher is implemented by runners that can find the container of a job attempt that an
// earlier sfnlocal process started, by the LabelJobID and LabelAttempt labels it carries. A
// server with a store calls it at start for every job that was STARTING or RUNNING when the
// previous process ended, to follow that container (logs, exit) instead of losing the job.
type Reattacher interface {
	// FindAttempt returns the id of the container of attempt n of job jobID, running or
	// exited but not yet removed, or "" when there is none.
	FindAttempt(ctx context.Context, jobID string, attempt int) (string, error)
}

// KeepReaper is a Reaper that can spare some leftover containers: with a store, New spares
// the containers of the jobs it reattaches. keep gets a container's labels.
type KeepReaper interface {
	ReapKeep(ctx context.Context, keep func(labels map[string]string) bool) (int, error)
}
