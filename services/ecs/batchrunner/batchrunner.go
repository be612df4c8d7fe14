// Package batchrunner runs ECS task containers on a Batch simulator runner (the local
// Docker runner, services/batch/docker, or the Docker Swarm runner, services/batch/swarm),
// so that both simulators share labels, limits, image pulls, the reaping of leftovers and,
// on a swarm, placement and the handling of nodes that leave.
//
// It exists because services/ecs imports neither Batch nor Docker: the server wires ECS to
// the Batch runners through this adapter.
package batchrunner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/sfnlocal/sfnlocal/services/batch"
	"github.com/sfnlocal/sfnlocal/services/ecs"
)

// Runner adapts a batch.ContainerRunner to ecs.ContainerRunner.
type Runner struct{ R batch.ContainerRunner }

var (
	_ ecs.ContainerRunner = Runner{}
	_ ecs.Checker         = Runner{}
)

// Start starts one task container; ECS CPU units become vCPUs (1024 per vCPU).
func (a Runner) Start(ctx context.Context, s ecs.Spec) (string, error) {
	id, err := a.R.Start(ctx, batch.Spec{
		Name: s.Name, Image: s.Image, Command: s.Command, Entrypoint: s.Entrypoint, WorkingDir: s.WorkingDir,
		Env: s.Env, Labels: s.Labels, User: s.User, VCPUs: float64(s.CPU) / 1024, MemoryMiB: s.MemoryMiB,
		Privileged: s.Privileged, ReadonlyRootFS: s.ReadonlyRootFS, ExtraHosts: s.ExtraHosts,
		Constraints: s.Constraints,
	})
	if err != nil && errors.Is(err, batch.ErrImageNotFound) {
		return "", fmt.Errorf("%w: %s", ecs.ErrImageNotFound, err.Error())
	}
	return id, err
}

// Wait reports how the container ended; a host that went away becomes the task's
// stoppedReason.
func (a Runner) Wait(ctx context.Context, id string) (ecs.Exit, error) {
	e, err := a.R.Wait(ctx, id)
	return ecs.Exit{Code: e.Code, OOMKilled: e.OOMKilled, Reason: e.Reason,
		StoppedReason: e.StatusReason, NoExitCode: e.NoExitCode}, err
}

func (a Runner) Stop(ctx context.Context, id string, grace time.Duration) error {
	return a.R.Stop(ctx, id, grace)
}

func (a Runner) Remove(ctx context.Context, id string) error { return a.R.Remove(ctx, id) }

func (a Runner) Logs(ctx context.Context, id string) (io.ReadCloser, error) {
	return a.R.Logs(ctx, id)
}

// Check asks the Batch runner whether it can run containers, when it can tell.
func (a Runner) Check(ctx context.Context) error {
	if c, ok := a.R.(batch.Checker); ok {
		return c.Check(ctx)
	}
	return nil
}
