// Package batchrunner runs ECS task containers on a Batch simulator runner (the local
// Docker runner, services/batch/docker, or the Docker Swarm runner, services/batch/swarm),
// so that both simulators share labels, limits, image pulls, the reaping of leftovers and,
// on a swarm, placement and the handling of nodes that leave.
//
// It exists because services/ecs imports neither Batch nor Docker: the server wires ECS to
// the Batch runners through this adapter. On a runner that places containers on a cluster
// (one with a NodeOf method: the swarm runner) the containers of one ECS task after the
// first are constrained to the first one's node, as ECS runs a task on one instance.
package batchrunner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/sfnlocal/sfnlocal/services/batch"
	"github.com/sfnlocal/sfnlocal/services/ecs"
)

// Runner adapts a batch.ContainerRunner to ecs.ContainerRunner.
type Runner struct {
	r batch.ContainerRunner

	mu    sync.Mutex
	nodes map[string]*taskNode // by task ARN, while the task has containers
	tasks map[string]string    // container id → task ARN
}

// taskNode is where a task's containers run, and how many of them are not removed yet.
type taskNode struct {
	node string
	n    int
}

// nodeOf is implemented by runners that place containers on a cluster's nodes.
type nodeOf interface {
	NodeOf(id string) string
}

// New adapts r.
func New(r batch.ContainerRunner) *Runner {
	return &Runner{r: r, nodes: map[string]*taskNode{}, tasks: map[string]string{}}
}

var (
	_ ecs.ContainerRunner = (*Runner)(nil)
	_ ecs.Checker         = (*Runner)(nil)
)

// Start starts one task container; ECS CPU units become vCPUs (1024 per vCPU).
func (a *Runner) Start(ctx context.Context, s ecs.Spec) (string, error) {
	task := s.Labels[ecs.LabelTaskArn]
	constraints := s.Constraints
	a.mu.Lock()
	if tn := a.nodes[task]; tn != nil && tn.node != "" {
		constraints = append(slices.Clone(constraints), "node.id=="+tn.node)
	}
	a.mu.Unlock()
	id, err := a.r.Start(ctx, batch.Spec{
		Name: s.Name, Image: s.Image, Command: s.Command, Entrypoint: s.Entrypoint, WorkingDir: s.WorkingDir,
		Env: s.Env, Labels: s.Labels, User: s.User, VCPUs: float64(s.CPU) / 1024, MemoryMiB: s.MemoryMiB,
		Privileged: s.Privileged, ReadonlyRootFS: s.ReadonlyRootFS, ExtraHosts: s.ExtraHosts,
		Constraints: constraints,
	})
	if err != nil {
		if errors.Is(err, batch.ErrImageNotFound) {
			return "", fmt.Errorf("%w: %s", ecs.ErrImageNotFound, err.Error())
		}
		return "", err
	}
	if p, ok := a.r.(nodeOf); ok && task != "" {
		a.mu.Lock()
		tn := a.nodes[task]
		if tn == nil {
			tn = &taskNode{}
			a.nodes[task] = tn
		}
		if tn.node == "" {
			tn.node = p.NodeOf(id)
		}
		tn.n++
		a.tasks[id] = task
		a.mu.Unlock()
	}
	return id, nil
}

// Wait reports how the container ended; a host that went away becomes the task's
// stoppedReason.
func (a *Runner) Wait(ctx context.Context, id string) (ecs.Exit, error) {
	e, err := a.r.Wait(ctx, id)
	return ecs.Exit{Code: e.Code, OOMKilled: e.OOMKilled, Reason: e.Reason,
		StoppedReason: e.StatusReason, NoExitCode: e.NoExitCode}, err
}

func (a *Runner) Stop(ctx context.Context, id string, grace time.Duration) error {
	return a.r.Stop(ctx, id, grace)
}

// Remove removes the container, and forgets its task's node with its last container.
func (a *Runner) Remove(ctx context.Context, id string) error {
	a.mu.Lock()
	if task, ok := a.tasks[id]; ok {
		delete(a.tasks, id)
		if tn := a.nodes[task]; tn != nil {
			if tn.n--; tn.n <= 0 {
				delete(a.nodes, task)
			}
		}
	}
	a.mu.Unlock()
	return a.r.Remove(ctx, id)
}

func (a *Runner) Logs(ctx context.Context, id string) (io.ReadCloser, error) {
	return a.r.Logs(ctx, id)
}

// Check asks the Batch runner whether it can run containers, when it can tell.
func (a *Runner) Check(ctx context.Context) error {
	if c, ok := a.r.(batch.Checker); ok {
		return c.Check(ctx)
	}
	return nil
}
