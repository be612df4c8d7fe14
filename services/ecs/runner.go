package ecs

import (
	"context"
	"errors"
	"io"
	"time"
)

// ContainerRunner runs task containers. The server adapts the Batch simulator's Docker runner
// to it; tests use a scripted fake.
type ContainerRunner interface {
	// Start creates and starts a container, returning its id.
	Start(ctx context.Context, spec Spec) (string, error)
	// Wait blocks until the container exits.
	Wait(ctx context.Context, id string) (Exit, error)
	// Stop asks the container to stop (SIGTERM), and kills it after grace.
	Stop(ctx context.Context, id string, grace time.Duration) error
	// Remove deletes the container.
	Remove(ctx context.Context, id string) error
	// Logs streams the container's combined stdout and stderr until it exits.
	Logs(ctx context.Context, id string) (io.ReadCloser, error)
}

// Spec describes one container of a task.
type Spec struct {
	Name       string
	Image      string
	Command    []string // nil: the image's default command
	Entrypoint []string
	WorkingDir string
	Env        []string // KEY=VALUE
	Labels     map[string]string
	User       string
	// CPU is in ECS CPU units (1024 per vCPU); MemoryMiB a hard memory limit (0: none).
	CPU            int64
	MemoryMiB      int64
	Privileged     bool
	ReadonlyRootFS bool
	ExtraHosts     []string
	// Constraints are the cluster's placement constraints (TagConstraint), for runners that
	// place containers on a cluster; others ignore them.
	Constraints []string
}

// Exit is how a container ended.
type Exit struct {
	Code      int
	OOMKilled bool
	Reason    string
	// StoppedReason, when set, says the container's host went away ("Host EC2 (instance
	// i-...) terminated."): the task stops with it and stop code TerminationNotice.
	StoppedReason string
	// NoExitCode: the exit code is unknown (its host went away).
	NoExitCode bool
}

// ErrImageNotFound is wrapped by a runner's Start error for an image that is missing and
// cannot be pulled; the task stops with "CannotPullContainerError: <error text>".
var ErrImageNotFound = errors.New("image not found")

// LogSink receives container output in CloudWatch Logs' shape (the server's CloudWatch Logs
// subset implements it). Times are epoch milliseconds.
type LogSink interface {
	CreateLogStream(group, stream string, now int64)
	PutLogLine(group, stream, message string, now int64)
}
