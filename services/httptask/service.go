package httptask

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// Authorization types of a Connection.
const (
	AuthBasic  = "BASIC"
	AuthAPIKey = "API_KEY"
	AuthOAuth  = "OAUTH_CLIENT_CREDENTIALS"
)

// OAuth is an OAuth client-credentials connection's token request.
type OAuth struct {
	Endpoint, Method       string
	ClientID, ClientSecret string
	Headers, Query, Body   []Param
}

// Connection is what an HTTP Task needs of an EventBridge connection, secrets included.
type Connection struct {
	Arn   string
	Type  string // AuthBasic, AuthAPIKey or AuthOAuth
	State string // AUTHORIZED, DEAUTHORIZED, ...
	// Username and Password for Basic; APIKeyName and APIKeyValue for API key.
	Username, Password      string
	APIKeyName, APIKeyValue string
	OAuth                   *OAuth
	// Headers, Query and Body are the connection's InvocationHttpParameters.
	Headers, Query, Body []Param
}

// Connections looks connections up by ARN.
type Connections interface {
	Connection(arn string) (Connection, bool)
}

// Timeout is the HTTP Task's hard limit for one call.
const Timeout = 60 * time.Second

// MaxResponse is the largest response body an HTTP Task accepts (256 KiB).
const MaxResponse = 262144

// Config configures a Service.
type Config struct {
	Clock  clock.Clock
	Logger *zap.Logger
	Region string
	// Connections resolves Authentication.ConnectionArn; nil: every connection is unknown.
	Connections Connections
	// APIGateway maps an API id to the base URL its execute-api host stands for.
	APIGateway map[string]string
	// Client makes the calls (nil: a client without redirects to other hosts' credentials).
	Client *http.Client
}

// Service runs HTTP Tasks and API Gateway invocations.
type Service struct {
	cfg    Config
	client *http.Client

	mu     sync.Mutex
	tokens map[string]oauthToken // by connection ARN
}

type oauthToken struct {
	value   string
	expires time.Time // zero: no expiry given
}

// New makes a Service.
func New(cfg Config) *Service {
	if cfg.Clock == nil {
		cfg.Clock = clock.Real()
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	c := cfg.Client
	if c == nil {
		c = &http.Client{CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 10 {
				return errors.New("stopped after 10 redirects")
			}
			// Credentials stay with the host they were meant for.
			if req.URL.Host != via[0].URL.Host {
				req.Header.Del("Authorization")
			}
			return nil
		}}
	}
	return &Service{cfg: cfg, client: c, tokens: map[string]oauthToken{}}
}

// HTTPIntegration is the task.Handler for Request.Service "http" (http:invoke).
func (s *Service) HTTPIntegration() task.Handler { return task.HandlerFunc(s.invokeHTTP) }

// regionKey carries the calling execution's region to Build.
type regionKey struct{}

// errSocket is the timeout cause of a call past Timeout.
var errSocket = errors.New("the HTTP request timed out after 60 seconds")

func (s *Service) invokeHTTP(ctx context.Context, req *task.Request) (any, error) {
	if req.Action != "invoke" || req.Pattern == task.Sync {
		return nil, runtimeErr("The resource provided %s is not recognized. The value is not a valid resource ARN, or the resource is not available in this region.", req.Resource)
	}
	r, err := ParseHTTPRequest(task.Plain(req.Parameters))
	if err != nil {
		return nil, err
	}
	var conn *Connection
	if r.ConnectionArn != "" {
		c, err := s.connection(r.ConnectionArn)
		if err != nil {
			return nil, err
		}
		conn = &c
	}
	ctx, cancel := clock.WithTimeout(ctx, s.cfg.Clock, Timeout, errSocket)
	defer cancel()
	ctx = context.WithValue(ctx, regionKey{}, req.Region) // the execution's, for the User-Agent
	resp, err := s.send(ctx, r, conn, false)
	if err == nil && conn != nil && conn.Type == AuthOAuth && (resp.StatusCode == 401 || resp.StatusCode == 407) {
		// EventBridge refreshes an OAuth token on 401 and 407 and tries once more.
		resp.Body.Close()
		resp, err = s.send(ctx, r, conn, true)
	}
	if err != nil {
		return nil, socketFailure(ctx, err)
	}
	defer resp.Body.Close()
	out, err := readResponse(resp)
	if err != nil {
		return nil, socketFailure(ctx, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, &task.Failure{Name: "States.Http.StatusCode." + strconv.Itoa(resp.StatusCode), Cause: statusText(resp.StatusCode)}
	}
	return out, nil
}

func socketFailure(ctx context.Context, err error) error {
	var f *task.Failure
	if errors.As(err, &f) {
		return f
	}
	if errors.Is(context.Cause(ctx), errSocket) {
		return &task.Failure{Name: "States.Http.Socket", Cause: errSocket.Error()}
	}
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return &task.Failure{Name: "States.Http.Socket", Cause: err.Error()}
}

func (s *Service) connection(arn string) (Connection, error) {
	if s.cfg.Connections == nil {
		return Connection{}, &task.Failure{Name: "Events.ConnectionResource.ResourceNotFound", Cause: "Connection " + arn + " does not exist."}
	}
	c, ok := s.cfg.Connections.Connection(arn)
	if !ok {
		return Connection{}, &task.Failure{Name: "Events.ConnectionResource.ResourceNotFound", Cause: "Connection " + arn + " does not exist."}
	}
	if c.State == "DEAUTHORIZED" || c.State == "DELETING" {
		return Connection{}, &task.Failure{Name: "Events.ConnectionResource.InvalidConnectionState", Cause: "Connection " + arn + " is in state " + c.State + "."}
	}
	return c, nil
}

// merge puts the connection's parameters over the Task's: same keys take the connection's value.
func merge(task, conn []Param, fold bool) []Param {
	same := func(a, b string) bool {
		if fold {
			return strings.EqualFold(a, b)
		}
		return a == b
	}
	var out []Param
	for _, p := range task {
		overridden := false
		for _, c := range conn {
			if same(p.Key, c.Key) {
				overridden = true
				break
			}
		}
		if !overridden {
			out = append(out, p)
		}
	}
	return append(out, conn...)
}

// Build makes the outgoing request of r with conn's parameters (no authorization yet).
func (s *Service) Build(ctx context.Context, r *HTTPRequest, conn *Connection) (*http.Request, error) {
	headers, query := r.Headers, r.Query
	body, hasBody := r.Body, r.HasBody
	if conn != nil {
		headers = merge(headers, conn.Headers, true)
		query = merge(query, conn.Query, false)
		if len(conn.Body) > 0 {
			switch b := body.(type) {
			case nil:
				m := map[string]any{}
				for _, p := range conn.Body {
					m[p.Key] = p.Value
				}
				body, hasBody = m, true
			case map[string]any:
				m := make(map[string]any, len(b)+len(conn.Body))
				for k, v := range b {
					m[k] = v
				}
				for _, p := range conn.Body {
					m[p.Key] = p.Value
				}
				body = m
			default:
				return nil, runtimeErr("The RequestBody cannot be merged with the body parameters of connection %s: it is not a JSON object", conn.Arn)
			}
		}
	}
	u := *r.Endpoint
	if len(query) > 0 {
		parts := []string{}
		if u.RawQuery != "" {
			parts = append(parts, u.RawQuery)
		}
		for _, p := range query {
			parts = append(parts, escape(p.Key)+"="+escape(p.Value))
		}
		u.RawQuery = strings.Join(parts, "&")
	}
	var payload []byte
	if hasBody && body != nil {
		switch b := body.(type) {
		case string:
			payload = []byte(b)
		default:
			if r.URLEncoded {
				form, err := EncodeForm(b, r.ArrayFormat)
				if err != nil {
					return nil, err
				}
				payload = []byte(form)
			} else {
				enc, err := task.Encode(b)
				if err != nil {
					return nil, err
				}
				payload = enc
			}
		}
	}
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	hr, err := http.NewRequestWithContext(ctx, r.Method, u.String(), rd)
	if err != nil {
		return nil, runtimeErr("The HTTP request could not be made: %v", err)
	}
	for _, h := range headers {
		hr.Header.Set(h.Key, h.Value)
	}
	if hr.Header.Get("Content-Type") == "" {
		hr.Header.Set("Content-Type", "application/json; charset=UTF-8")
	}
	region := s.cfg.Region
	if r, ok := ctx.Value(regionKey{}).(string); ok && r != "" {
		region = r // the calling execution's region
	}
	hr.Header.Set("User-Agent", "Amazon|StepFunctions|HttpInvoke|"+region)
	hr.Header.Set("Range", "bytes=0-262144")
	return hr, nil
}

func (s *Service) send(ctx context.Context, r *HTTPRequest, conn *Connection, refresh bool) (*http.Response, error) {
	hr, err := s.Build(ctx, r, conn)
	if err != nil {
		return nil, err
	}
	if conn != nil {
		switch conn.Type {
		case AuthBasic:
			hr.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(conn.Username+":"+conn.Password)))
		case AuthAPIKey:
			hr.Header.Set(conn.APIKeyName, conn.APIKeyValue)
		case AuthOAuth:
			tok, err := s.token(ctx, conn, refresh)
			if err != nil {
				return nil, err
			}
			hr.Header.Set("Authorization", "Bearer "+tok)
		}
	}
	s.cfg.Logger.Debug("http task request", zap.String("method", hr.Method), zap.String("url", hr.URL.Redacted()))
	return s.client.Do(hr)
}

// readResponse reads the response into the HTTP Task's output shape.
func readResponse(resp *http.Response) (map[string]any, error) {
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		mt, _, _ := mime.ParseMediaType(ct)
		if mt == "application/octet-stream" || strings.HasPrefix(mt, "image/") || strings.HasPrefix(mt, "video/") || strings.HasPrefix(mt, "audio/") {
			return nil, runtimeErr("The HTTP response has the unsupported content type %s", ct)
		}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponse+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxResponse {
		return nil, &task.Failure{Name: "States.DataLimitExceeded", Cause: "The HTTP response body is larger than 262144 bytes"}
	}
	if !utf8.Valid(data) {
		return nil, runtimeErr("The HTTP response body cannot be read as a string")
	}
	headers := map[string]any{}
	for k, vs := range resp.Header {
		list := make([]any, len(vs))
		for i, v := range vs {
			list[i] = v
		}
		headers[strings.ToLower(k)] = list
	}
	return map[string]any{
		"Headers":      headers,
		"ResponseBody": responseBody(resp.Header.Get("Content-Type"), data),
		"StatusCode":   jsonInt(resp.StatusCode),
		"StatusText":   statusText(resp.StatusCode),
	}, nil
}

// responseBody is the body parsed as JSON when the response says it is JSON (and is), else
// the text.
func responseBody(contentType string, data []byte) any {
	mt, _, _ := mime.ParseMediaType(contentType)
	if strings.Contains(mt, "json") && len(bytes.TrimSpace(data)) > 0 {
		if v, err := task.Decode(data); err == nil {
			return v
		}
	}
	return string(data)
}

func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return t
	}
	return strconv.Itoa(code)
}

func jsonInt(n int) any { return jsonNumber(strconv.Itoa(n)) }

// token returns the connection's OAuth access token, fetching one when there is none, it
// has expired, or refresh is set.
func (s *Service) token(ctx context.Context, conn *Connection, refresh bool) (string, error) {
	now := s.cfg.Clock.Now()
	s.mu.Lock()
	t, ok := s.tokens[conn.Arn]
	s.mu.Unlock()
	if ok && !refresh && (t.expires.IsZero() || now.Before(t.expires)) {
		return t.value, nil
	}
	o := conn.OAuth
	if o == nil {
		return "", &task.Failure{Name: "Events.ConnectionResource.InvalidConnectionState", Cause: "Connection " + conn.Arn + " has no OAuth parameters."}
	}
	form := url.Values{}
	for _, p := range o.Body {
		form.Set(p.Key, p.Value)
	}
	if form.Get("grant_type") == "" {
		form.Set("grant_type", "client_credentials")
	}
	u, err := url.Parse(o.Endpoint)
	if err != nil {
		return "", authFailure(conn, "its AuthorizationEndpoint is not a URL")
	}
	q := u.Query()
	for _, p := range o.Query {
		q.Set(p.Key, p.Value)
	}
	u.RawQuery = q.Encode()
	method := o.Method
	if method == "" {
		method = http.MethodPost
	}
	var body io.Reader
	if method == http.MethodGet {
		q := u.Query()
		for k, vs := range form {
			q[k] = vs
		}
		u.RawQuery = q.Encode()
	} else {
		body = strings.NewReader(form.Encode())
	}
	hr, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return "", authFailure(conn, err.Error())
	}
	if body != nil {
		hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	hr.Header.Set("Accept", "application/json")
	for _, p := range o.Headers {
		hr.Header.Set(p.Key, p.Value)
	}
	hr.SetBasicAuth(url.QueryEscape(o.ClientID), url.QueryEscape(o.ClientSecret))
	resp, err := s.client.Do(hr)
	if err != nil {
		return "", authFailure(conn, err.Error())
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return "", authFailure(conn, fmt.Sprintf("the authorization endpoint answered %d %s", resp.StatusCode, statusText(resp.StatusCode)))
	}
	v, err := task.DecodePlain(data)
	m, _ := v.(map[string]any)
	tok, _ := m["access_token"].(string)
	if err != nil || tok == "" {
		return "", authFailure(conn, "the authorization endpoint's answer has no access_token")
	}
	t = oauthToken{value: tok}
	if n, ok := m["expires_in"].(jsonNumber); ok {
		if secs, err := n.Int64(); err == nil && secs > 0 {
			t.expires = now.Add(time.Duration(secs) * time.Second)
		}
	}
	s.mu.Lock()
	s.tokens[conn.Arn] = t
	s.mu.Unlock()
	return tok, nil
}

func authFailure(conn *Connection, why string) *task.Failure {
	return &task.Failure{Name: "Events.ConnectionResource.InvalidConnectionState",
		Cause: "Connection " + conn.Arn + " could not be authorized: " + why}
}
