package server

import (
	"github.com/sfnlocal/sfnlocal/services/batch"
	"github.com/sfnlocal/sfnlocal/services/batch/docker"
	"github.com/sfnlocal/sfnlocal/services/events"
	"github.com/sfnlocal/sfnlocal/services/httptask"
)

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
