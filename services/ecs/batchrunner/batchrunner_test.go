package batchrunner

import (
	"context"
	"errors"
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/services/batch"
	"github.com/sfnlocal/sfnlocal/services/ecs"
)

// placing is a batch runner on a cluster that places every container on node "n<k>", k
// counting the containers started, and records the specs.
type placing struct {
	specs []batch.Spec
	down  bool
}

func (p *placing) Start(_ context.Context, s batch.Spec) (string, error) {
	if s.Image == "missing" {
		return "", &batch.ImageError{Image: s.Image, Message: "pull access denied"}
	}
	p.specs = append(p.specs, s)
	return strconv.Itoa(len(p.specs)), nil
}

func (p *placing) NodeOf(id string) string { return "n" + id }

func (p *placing) Wait(context.Context, string) (batch.Exit, error) {
	return batch.Exit{NoExitCode: true, StatusReason: "Host EC2 (instance i-0123456789abcdef0) terminated."}, nil
}
func (p *placing) Stop(context.Context, string, time.Duration) error { return nil }
func (p *placing) Remove(context.Context, string) error              { return nil }
func (p *placing) Logs(context.Context, string) (io.ReadCloser, error) {
	return nil, errors.New("no logs")
}
func (p *placing) Check(context.Context) error {
	if p.down {
		return errors.New("down")
	}
	return nil
}

// TestSameNode: the containers of one task after the first go to its node; other tasks
// are free; a task's node is forgotten with its last container.
func TestSameNode(t *testing.T) {
	t.Parallel()
	p := &placing{}
	r := New(p)
	ctx := context.Background()
	spec := func(task string) ecs.Spec {
		return ecs.Spec{Image: "img", CPU: 512, Labels: map[string]string{ecs.LabelTaskArn: task}, Constraints: []string{"node.role==worker"}}
	}
	a1, err := r.Start(ctx, spec("A"))
	require.NoError(t, err)
	_, err = r.Start(ctx, spec("B"))
	require.NoError(t, err)
	a2, err := r.Start(ctx, spec("A"))
	require.NoError(t, err)
	require.Equal(t, []string{"node.role==worker"}, p.specs[0].Constraints)
	require.Equal(t, []string{"node.role==worker"}, p.specs[1].Constraints)
	require.Equal(t, []string{"node.role==worker", "node.id==n" + a1}, p.specs[2].Constraints)
	require.Equal(t, 0.5, p.specs[0].VCPUs)
	require.NoError(t, r.Remove(ctx, a1))
	require.NoError(t, r.Remove(ctx, a2))
	_, err = r.Start(ctx, spec("A"))
	require.NoError(t, err)
	require.Equal(t, []string{"node.role==worker"}, p.specs[3].Constraints)
	require.Empty(t, r.tasks["1"])
}

// TestMapping: image errors, host-terminated exits and Check pass through.
func TestMapping(t *testing.T) {
	t.Parallel()
	p := &placing{down: true}
	r := New(p)
	_, err := r.Start(context.Background(), ecs.Spec{Image: "missing"})
	require.ErrorIs(t, err, ecs.ErrImageNotFound)
	e, err := r.Wait(context.Background(), "1")
	require.NoError(t, err)
	require.Equal(t, ecs.Exit{NoExitCode: true, StoppedReason: "Host EC2 (instance i-0123456789abcdef0) terminated."}, e)
	require.EqualError(t, r.Check(context.Background()), "down")
}
