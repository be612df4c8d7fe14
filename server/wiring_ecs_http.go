package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/sfnlocal/sfnlocal/services/batch"
	"github.com/sfnlocal/sfnlocal/services/batch/docker"
	"github.com/sfnlocal/sfnlocal/services/ecs"
	"github.com/sfnlocal/sfnlocal/services/events"
	"github.com/sfnlocal/sfnlocal/services/httptask"
)

// ecsRunner runs ECS task containers on the Batch simulator's Docker runner, so that both
// simulators share labels, limits, image pulls and the reaping of leftovers.
type ecsRunner struct{ r batch.ContainerRunner }

func (a ecsRunner) Start(ctx context.Context, s ecs.Spec) (string, error) {
	id, err := a.r.Start(ctx, batch.Spec{
		Name: s.Name, Image: s.Image, Command: s.Command, Entrypoint: s.Entrypoint, WorkingDir: s.WorkingDir,
		Env: s.Env, Labels: s.Labels, User: s.User, VCPUs: float64(s.CPU) / 1024, MemoryMiB: s.MemoryMiB,
		Privileged: s.Privileged, ReadonlyRootFS: s.ReadonlyRootFS, ExtraHosts: s.ExtraHosts,
	})
	if err != nil && errors.Is(err, batch.ErrImageNotFound) {
		return "", fmt.Errorf("%w: %s", ecs.ErrImageNotFound, err.Error())
	}
	return id, err
}

func (a ecsRunner) Wait(ctx context.Context, id string) (ecs.Exit, error) {
	e, err := a.r.Wait(ctx, id)
	return ecs.Exit{Code: e.Code, OOMKilled: e.OOMKilled, Reason: e.Reason}, err
}

func (a ecsRunner) Stop(ctx context.Context, id string, grace time.Duration) error {
	return a.r.Stop(ctx, id, grace)
}

func (a ecsRunner) Remove(ctx context.Context, id string) error { return a.r.Remove(ctx, id) }

func (a ecsRunner) Logs(ctx context.Context, id string) (io.ReadCloser, error) {
	return a.r.Logs(ctx, id)
}

var _ ecs.ContainerRunner = ecsRunner{}
var _ batch.ContainerRunner = (*docker.Runner)(nil)

// connections adapts the EventBridge fake's connections to what HTTP Tasks need.
type connections struct{ ev *events.Service }

func (c connections) Connection(arn string) (httptask.Connection, bool) {
	ec, ok := c.ev.ConnectionByArn(arn)
	if !ok {
		return httptask.Connection{}, false
	}
	out := httptask.Connection{Arn: ec.Arn, Type: ec.AuthorizationType, State: ec.State}
	p := ec.AuthParameters
	if b := p.BasicAuthParameters; b != nil {
		out.Username, out.Password = b.Username, b.Password
	}
	if k := p.APIKeyAuthParameters; k != nil {
		out.APIKeyName, out.APIKeyValue = k.APIKeyName, k.APIKeyValue
	}
	if o := p.OAuthParameters; o != nil {
		oa := &httptask.OAuth{Endpoint: o.AuthorizationEndpoint, Method: o.HTTPMethod}
		if cp := o.ClientParameters; cp != nil {
			oa.ClientID, oa.ClientSecret = cp.ClientID, cp.ClientSecret
		}
		if hp := o.OAuthHTTPParameters; hp != nil {
			oa.Headers, oa.Query, oa.Body = params(hp.HeaderParameters), params(hp.QueryStringParameters), params(hp.BodyParameters)
		}
		out.OAuth = oa
	}
	if hp := p.InvocationHTTPParameters; hp != nil {
		out.Headers, out.Query, out.Body = params(hp.HeaderParameters), params(hp.QueryStringParameters), params(hp.BodyParameters)
	}
	return out, true
}

func params(in []events.ConnectionParameter) []httptask.Param {
	out := make([]httptask.Param, len(in))
	for i, p := range in {
		out[i] = httptask.Param{Key: p.Key, Value: p.Value}
	}
	return out
}
