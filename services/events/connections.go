package events

// EventBridge connections (CreateConnection, DescribeConnection, ListConnections,
// UpdateConnection, DeleteConnection, DeauthorizeConnection): the authorization an HTTP Task
// (arn:aws:states:::http:invoke) adds to its request. They live in their own file, with their
// own store, so that the rest of the fake does not depend on them.

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/sfnlocal/sfnlocal/internal/awsproto"
)

// Connection authorization types.
const (
	AuthBasic  = "BASIC"
	AuthAPIKey = "API_KEY"
	AuthOAuth  = "OAUTH_CLIENT_CREDENTIALS"
)

// Connection states.
const (
	ConnAuthorized   = "AUTHORIZED"
	ConnAuthorizing  = "AUTHORIZING"
	ConnDeauthorized = "DEAUTHORIZED"
	ConnDeleting     = "DELETING"
)

// ConnectionParameter is a header, query string or body parameter of a connection.
type ConnectionParameter struct {
	Key           string `json:"Key"`
	Value         string `json:"Value,omitempty"`
	IsValueSecret bool   `json:"IsValueSecret,omitempty"`
}

// ConnectionHTTPParameters are the parameters a connection adds to every request it authorizes
// (InvocationHttpParameters) or to its OAuth token request (OAuthHttpParameters).
type ConnectionHTTPParameters struct {
	HeaderParameters      []ConnectionParameter `json:"HeaderParameters,omitempty"`
	QueryStringParameters []ConnectionParameter `json:"QueryStringParameters,omitempty"`
	BodyParameters        []ConnectionParameter `json:"BodyParameters,omitempty"`
}

// ConnectionAuthParameters is a connection's AuthParameters.
type ConnectionAuthParameters struct {
	BasicAuthParameters *struct {
		Username string `json:"Username"`
		Password string `json:"Password,omitempty"`
	} `json:"BasicAuthParameters,omitempty"`
	APIKeyAuthParameters *struct {
		APIKeyName  string `json:"ApiKeyName"`
		APIKeyValue string `json:"ApiKeyValue,omitempty"`
	} `json:"ApiKeyAuthParameters,omitempty"`
	OAuthParameters *struct {
		ClientParameters *struct {
			ClientID     string `json:"ClientID"`
			ClientSecret string `json:"ClientSecret,omitempty"`
		} `json:"ClientParameters,omitempty"`
		AuthorizationEndpoint string                    `json:"AuthorizationEndpoint"`
		HTTPMethod            string                    `json:"HttpMethod"`
		OAuthHTTPParameters   *ConnectionHTTPParameters `json:"OAuthHttpParameters,omitempty"`
	} `json:"OAuthParameters,omitempty"`
	InvocationHTTPParameters *ConnectionHTTPParameters `json:"InvocationHttpParameters,omitempty"`
}

// Connection is an EventBridge connection with its secrets.
type Connection struct {
	Name              string
	Arn               string
	Description       string
	AuthorizationType string
	AuthParameters    ConnectionAuthParameters
	State             string
	SecretArn         string
	Created, Modified time.Time
}

// connections is the connection store; its zero value is ready to use.
type connections struct {
	mu sync.Mutex
	m  map[string]*Connection // by name
}

// validConnectionName: 1 to 64 letters, digits and ".-_".
func validConnectionName(s string) bool { return awsproto.NameOK(s, 1, 64, ".-_") }

type connectionInput struct {
	Name              string
	Description       string
	AuthorizationType string
	AuthParameters    *ConnectionAuthParameters
}

// serveConnection runs the connection operations; ok is false for any other operation.
func (s *Service) serveConnection(op string, body []byte) (out []byte, ok bool, err error) {
	switch op {
	case "CreateConnection":
		var in connectionInput
		if err := decode(body, &in); err != nil {
			return nil, true, err
		}
		c, err := s.CreateConnection(in.Name, in.Description, in.AuthorizationType, in.AuthParameters)
		if err != nil {
			return nil, true, err
		}
		out, err = marshal(map[string]any{"ConnectionArn": c.Arn, "ConnectionState": c.State,
			"CreationTime": epochSeconds(c.Created), "LastModifiedTime": epochSeconds(c.Modified)})
		return out, true, err
	case "UpdateConnection":
		var in connectionInput
		if err := decode(body, &in); err != nil {
			return nil, true, err
		}
		c, err := s.UpdateConnection(in.Name, in.Description, in.AuthorizationType, in.AuthParameters)
		if err != nil {
			return nil, true, err
		}
		out, err = marshal(map[string]any{"ConnectionArn": c.Arn, "ConnectionState": c.State,
			"CreationTime": epochSeconds(c.Created), "LastModifiedTime": epochSeconds(c.Modified)})
		return out, true, err
	case "DescribeConnection":
		var in struct{ Name string }
		if err := decode(body, &in); err != nil {
			return nil, true, err
		}
		c, err := s.connection(in.Name)
		if err != nil {
			return nil, true, err
		}
		m := connSummary(c)
		m["AuthParameters"] = redacted(c.AuthParameters)
		m["SecretArn"] = c.SecretArn
		if c.Description != "" {
			m["Description"] = c.Description
		}
		out, err = marshal(m)
		return out, true, err
	case "ListConnections":
		var in struct {
			NamePrefix, ConnectionState, NextToken string
			Limit                                  *int
		}
		if err := decode(body, &in); err != nil {
			return nil, true, err
		}
		list := s.Connections(in.NamePrefix, in.ConnectionState)
		from, to, next, err := page(len(list), in.Limit, in.NextToken)
		if err != nil {
			return nil, true, err
		}
		items := []any{}
		for _, c := range list[from:to] {
			items = append(items, connSummary(c))
		}
		out, err = marshal(withToken(map[string]any{"Connections": items}, next))
		return out, true, err
	case "DeleteConnection", "DeauthorizeConnection":
		var in struct{ Name string }
		if err := decode(body, &in); err != nil {
			return nil, true, err
		}
		c, err := s.endConnection(in.Name, op == "DeleteConnection")
		if err != nil {
			return nil, true, err
		}
		out, err = marshal(map[string]any{"ConnectionArn": c.Arn, "ConnectionState": c.State,
			"CreationTime": epochSeconds(c.Created), "LastModifiedTime": epochSeconds(c.Modified),
			"LastAuthorizedTime": epochSeconds(c.Modified)})
		return out, true, err
	}
	return nil, false, nil
}

func connSummary(c Connection) map[string]any {
	return map[string]any{
		"ConnectionArn": c.Arn, "Name": c.Name, "ConnectionState": c.State,
		"AuthorizationType": c.AuthorizationType, "CreationTime": epochSeconds(c.Created),
		"LastModifiedTime": epochSeconds(c.Modified), "LastAuthorizedTime": epochSeconds(c.Modified),
	}
}

// redacted is AuthParameters as DescribeConnection shows them: without passwords, API key
// values, client secrets or parameter values marked secret.
func redacted(p ConnectionAuthParameters) ConnectionAuthParameters {
	out := p
	if b := p.BasicAuthParameters; b != nil {
		c := *b
		c.Password = ""
		out.BasicAuthParameters = &c
	}
	if k := p.APIKeyAuthParameters; k != nil {
		c := *k
		c.APIKeyValue = ""
		out.APIKeyAuthParameters = &c
	}
	if o := p.OAuthParameters; o != nil {
		c := *o
		if o.ClientParameters != nil {
			cp := *o.ClientParameters
			cp.ClientSecret = ""
			c.ClientParameters = &cp
		}
		c.OAuthHTTPParameters = redactParams(o.OAuthHTTPParameters)
		out.OAuthParameters = &c
	}
	out.InvocationHTTPParameters = redactParams(p.InvocationHTTPParameters)
	return out
}

func redactParams(p *ConnectionHTTPParameters) *ConnectionHTTPParameters {
	if p == nil {
		return nil
	}
	hide := func(in []ConnectionParameter) []ConnectionParameter {
		var out []ConnectionParameter
		for _, x := range in {
			if x.IsValueSecret {
				x.Value = ""
			}
			out = append(out, x)
		}
		return out
	}
	return &ConnectionHTTPParameters{HeaderParameters: hide(p.HeaderParameters),
		QueryStringParameters: hide(p.QueryStringParameters), BodyParameters: hide(p.BodyParameters)}
}

func errConnNotFound(name string) *Error {
	return &Error{Status: 400, Code: "ResourceNotFoundException", Message: fmt.Sprintf("Failed to describe the connection(s). Connection '%s' does not exist.", name)}
}

// checkAuth validates AuthParameters against the authorization type.
func checkAuth(typ string, p *ConnectionAuthParameters) error {
	if p == nil {
		return errValidation("1 validation error detected: Value null at 'authParameters' failed to satisfy constraint: Member must not be null")
	}
	switch typ {
	case AuthBasic:
		if b := p.BasicAuthParameters; b == nil || b.Username == "" || b.Password == "" {
			return errValidation("BasicAuthParameters with Username and Password are required for authorization type BASIC.")
		}
	case AuthAPIKey:
		if k := p.APIKeyAuthParameters; k == nil || k.APIKeyName == "" || k.APIKeyValue == "" {
			return errValidation("ApiKeyAuthParameters with ApiKeyName and ApiKeyValue are required for authorization type API_KEY.")
		}
	case AuthOAuth:
		o := p.OAuthParameters
		if o == nil || o.ClientParameters == nil || o.ClientParameters.ClientID == "" || o.ClientParameters.ClientSecret == "" || o.AuthorizationEndpoint == "" {
			return errValidation("OAuthParameters with ClientParameters and AuthorizationEndpoint are required for authorization type OAUTH_CLIENT_CREDENTIALS.")
		}
		switch o.HTTPMethod {
		case "GET", "POST", "PUT":
		default:
			return errValidation(fmt.Sprintf("1 validation error detected: Value '%s' at 'authParameters.oAuthParameters.httpMethod' failed to satisfy constraint: Member must satisfy enum value set: [GET, PUT, POST]", o.HTTPMethod))
		}
	default:
		return errValidation(fmt.Sprintf("1 validation error detected: Value '%s' at 'authorizationType' failed to satisfy constraint: Member must satisfy enum value set: [BASIC, OAUTH_CLIENT_CREDENTIALS, API_KEY]", typ))
	}
	return nil
}

// CreateConnection stores a connection. Basic and API key connections are AUTHORIZED at once;
// an OAuth connection answers AUTHORIZING, as on AWS, and its token is fetched by the HTTP
// Task that first uses it.
func (s *Service) CreateConnection(name, description, typ string, auth *ConnectionAuthParameters) (_ Connection, err error) {
	if !validConnectionName(name) {
		return Connection{}, errValidation(fmt.Sprintf("1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+", name))
	}
	if err := checkAuth(typ, auth); err != nil {
		return Connection{}, err
	}
	now := s.cfg.Clock.Now()
	id := uuid.NewString()
	c := &Connection{
		Name: name, Description: description, AuthorizationType: typ, AuthParameters: *auth,
		Arn:       fmt.Sprintf("arn:%s:events:%s:%s:connection/%s/%s", awsproto.Partition(s.cfg.Region), s.cfg.Region, s.cfg.AccountID, name, id),
		SecretArn: fmt.Sprintf("arn:%s:secretsmanager:%s:%s:secret:events!connection/%s/%s-%s", awsproto.Partition(s.cfg.Region), s.cfg.Region, s.cfg.AccountID, name, id, id[:6]),
		State:     ConnAuthorized, Created: now, Modified: now,
	}
	defer s.j.SyncInto(&err)
	s.conns.mu.Lock()
	defer s.conns.mu.Unlock()
	if s.conns.m == nil {
		s.conns.m = map[string]*Connection{}
	}
	if _, ok := s.conns.m[name]; ok {
		return Connection{}, &Error{Status: 400, Code: "ResourceAlreadyExistsException", Message: fmt.Sprintf("Connection %s already exists.", name)}
	}
	s.conns.m[name] = c
	s.persistConnection(name, c)
	out := *c
	if typ == AuthOAuth {
		out.State = ConnAuthorizing
	}
	return out, nil
}

// UpdateConnection replaces the given parts of a connection.
func (s *Service) UpdateConnection(name, description, typ string, auth *ConnectionAuthParameters) (_ Connection, err error) {
	defer s.j.SyncInto(&err)
	s.conns.mu.Lock()
	defer s.conns.mu.Unlock()
	c, ok := s.conns.m[name]
	if !ok {
		return Connection{}, errConnNotFound(name)
	}
	next := *c
	if description != "" {
		next.Description = description
	}
	if typ != "" {
		next.AuthorizationType = typ
	}
	if auth != nil {
		next.AuthParameters = *auth
	}
	if typ != "" || auth != nil {
		if err := checkAuth(next.AuthorizationType, &next.AuthParameters); err != nil {
			return Connection{}, err
		}
	}
	next.State = ConnAuthorized
	next.Modified = s.cfg.Clock.Now()
	*c = next
	s.persistConnection(name, c)
	return next, nil
}

func (s *Service) endConnection(name string, del bool) (_ Connection, err error) {
	defer s.j.SyncInto(&err)
	s.conns.mu.Lock()
	defer s.conns.mu.Unlock()
	c, ok := s.conns.m[name]
	if !ok {
		return Connection{}, errConnNotFound(name)
	}
	if del {
		delete(s.conns.m, name)
		s.persistConnection(name, nil)
		out := *c
		out.State = ConnDeleting
		return out, nil
	}
	c.State = ConnDeauthorized
	c.Modified = s.cfg.Clock.Now()
	s.persistConnection(name, c)
	return *c, nil
}

func (s *Service) connection(name string) (Connection, error) {
	s.conns.mu.Lock()
	defer s.conns.mu.Unlock()
	if c, ok := s.conns.m[name]; ok {
		return *c, nil
	}
	return Connection{}, errConnNotFound(name)
}

// Connections lists connections by name, filtered by name prefix and state.
func (s *Service) Connections(prefix, state string) []Connection {
	s.conns.mu.Lock()
	defer s.conns.mu.Unlock()
	var out []Connection
	for _, c := range s.conns.m {
		if strings.HasPrefix(c.Name, prefix) && (state == "" || c.State == state) {
			out = append(out, *c)
		}
	}
	sort.Slice(out, func(i, k int) bool { return out[i].Name < out[k].Name })
	return out
}

// ConnectionByArn returns the connection with the given ARN, secrets included, for the HTTP
// Task. ok is false when there is none.
func (s *Service) ConnectionByArn(arn string) (Connection, bool) {
	s = s.In(arnRegion(arn)) // the connection's region
	s.conns.mu.Lock()
	defer s.conns.mu.Unlock()
	for _, c := range s.conns.m {
		if c.Arn == arn {
			return *c, true
		}
	}
	return Connection{}, false
}
