package httptask

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

type jsonNumber = json.Number

// apiGatewayForbidden are the headers the API Gateway integration refuses (prefixes
// X-Forwarded, X-Amz and X-Amzn are refused too).
var apiGatewayForbidden = map[string]bool{}

func init() {
	for _, h := range []string{"Authorization", "Connection", "Content-md5", "Expect", "Host", "Max-Forwards",
		"Proxy-Authenticate", "Server", "TE", "Transfer-Encoding", "Trailer", "Upgrade", "Via", "Www-Authenticate"} {
		apiGatewayForbidden[strings.ToLower(h)] = true
	}
}

// APIGatewayRequest is an apigateway:invoke Task's Parameters, validated.
type APIGatewayRequest struct {
	APIEndpoint string
	Method      string
	Stage, Path string
	Headers     http.Header
	Query       url.Values
	Body        any
	HasBody     bool
	AuthType    string
}

func apigwErr(format string, args ...any) *task.Failure { return runtimeErr(format, args...) }

// ParseAPIGatewayRequest validates an apigateway:invoke Task's Parameters.
func ParseAPIGatewayRequest(params any) (*APIGatewayRequest, error) {
	p, ok := params.(map[string]any)
	if !ok {
		return nil, apigwErr("The Parameters of an API Gateway Task must be a JSON object")
	}
	for k := range p {
		switch k {
		case "ApiEndpoint", "Method", "Headers", "Stage", "Path", "QueryParameters", "RequestBody", "AuthType", "AllowNullValues":
		default:
			return nil, apigwErr("The field '%s' is not supported by the API Gateway integration", k)
		}
	}
	r := &APIGatewayRequest{Headers: http.Header{}, Query: url.Values{}, AuthType: "NO_AUTH"}
	r.APIEndpoint, _ = p["ApiEndpoint"].(string)
	if r.APIEndpoint == "" {
		return nil, apigwErr("The field 'ApiEndpoint' is required and must be a string")
	}
	m, _ := p["Method"].(string)
	if !methods[m] {
		return nil, apigwErr("The field 'Method' must be one of GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS")
	}
	r.Method = m
	r.Stage, _ = p["Stage"].(string)
	r.Path, _ = p["Path"].(string)
	if a, present := p["AuthType"]; present {
		switch a {
		case "NO_AUTH", "IAM_ROLE", "RESOURCE_POLICY":
			r.AuthType = a.(string)
		default:
			return nil, apigwErr("The field 'AuthType' must be one of NO_AUTH, IAM_ROLE, RESOURCE_POLICY")
		}
	}
	if v, present := p["Headers"]; present && v != nil {
		h, ok := v.(map[string]any)
		if !ok {
			return nil, apigwErr("The field 'Headers' must be a JSON object")
		}
		var bad []string
		for k, val := range h {
			if forbiddenHeader(k, apiGatewayForbidden) {
				bad = append(bad, strings.ToLower(k))
				continue
			}
			if !validHeaderName(k) {
				return nil, apigwErr("The header name '%s' is not valid", k)
			}
			for _, s := range listValues(val) {
				if strings.ContainsAny(s, "\r\n\x00") {
					return nil, apigwErr("The value of header '%s' is not valid", k)
				}
				r.Headers.Add(k, s)
			}
		}
		if len(bad) > 0 {
			sort.Strings(bad)
			return nil, apigwErr("The 'Headers' field contains unsupported values: [%s]", strings.Join(bad, ", "))
		}
	}
	if v, present := p["QueryParameters"]; present && v != nil {
		q, ok := v.(map[string]any)
		if !ok {
			return nil, apigwErr("The field 'QueryParameters' must be a JSON object")
		}
		for k, val := range q {
			for _, s := range listValues(val) {
				r.Query.Add(k, s)
			}
		}
	}
	r.Body, r.HasBody = p["RequestBody"]
	return r, nil
}

// listValues reads a header or query value: an array of values (AWS's shape) or one value.
func listValues(v any) []string {
	if arr, ok := v.([]any); ok {
		out := make([]string, len(arr))
		for i, e := range arr {
			out[i] = task.Text(e)
		}
		return out
	}
	return []string{task.Text(v)}
}

// APIGatewayIntegration is the task.Handler for Request.Service "apigateway" (invoke and
// invoke.waitForTaskToken).
func (s *Service) APIGatewayIntegration() task.Handler { return task.HandlerFunc(s.invokeAPIGateway) }

// baseURL resolves ApiEndpoint: a full http(s) URL is used as it is; a host
// <api-id>.execute-api.<region>.amazonaws.com is looked up by its API id.
func (s *Service) baseURL(endpoint string) (string, error) {
	if strings.HasPrefix(endpoint, "http://") || strings.HasPrefix(endpoint, "https://") {
		return strings.TrimSuffix(endpoint, "/"), nil
	}
	host := strings.TrimPrefix(endpoint, "//")
	if i := strings.IndexAny(host, "/"); i >= 0 {
		host = host[:i]
	}
	id, _, _ := strings.Cut(host, ".")
	if base, ok := s.cfg.APIGateway[id]; ok {
		return strings.TrimSuffix(base, "/"), nil
	}
	return "", &task.Failure{Name: "ApiGateway.UnknownHostException",
		Cause: host + ": no endpoint is configured for API id " + strconv.Quote(id) + " (start sfnlocal with --apigateway-endpoint " + id + "=URL)"}
}

func (s *Service) invokeAPIGateway(ctx context.Context, req *task.Request) (any, error) {
	if req.Action != "invoke" || req.Pattern == task.Sync {
		return nil, runtimeErr("The resource provided %s is not recognized. The value is not a valid resource ARN, or the resource is not available in this region.", req.Resource)
	}
	r, err := ParseAPIGatewayRequest(task.Plain(req.Parameters))
	if err != nil {
		return nil, err
	}
	base, err := s.baseURL(r.APIEndpoint)
	if err != nil {
		return nil, err
	}
	u := base
	for _, seg := range []string{r.Stage, r.Path} {
		if seg = strings.Trim(seg, "/"); seg != "" {
			u += "/" + seg
		}
	}
	if len(r.Query) > 0 {
		u += "?" + strings.ReplaceAll(r.Query.Encode(), "+", "%20")
	}
	var payload io.Reader
	if r.HasBody && r.Body != nil {
		var b []byte
		if str, ok := r.Body.(string); ok {
			b = []byte(str)
		} else if b, err = task.Encode(r.Body); err != nil {
			return nil, err
		}
		payload = bytes.NewReader(b)
	}
	ctx, cancel := clock.WithTimeout(ctx, s.cfg.Clock, Timeout, errSocket)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, r.Method, u, payload)
	if err != nil {
		return nil, &task.Failure{Name: "ApiGateway.IllegalArgumentException", Cause: err.Error()}
	}
	for k, vs := range r.Headers {
		hr.Header[k] = vs
	}
	if payload != nil && hr.Header.Get("Content-Type") == "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.client.Do(hr)
	if err != nil {
		if ctx.Err() != nil && context.Cause(ctx) != errSocket {
			return nil, context.Cause(ctx)
		}
		return nil, &task.Failure{Name: "ApiGateway.SdkClientException", Cause: err.Error()}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponse+1))
	if err != nil {
		return nil, &task.Failure{Name: "ApiGateway.SdkClientException", Cause: err.Error()}
	}
	if len(data) > MaxResponse {
		return nil, &task.Failure{Name: "States.DataLimitExceeded", Cause: "The API Gateway response body is larger than 262144 bytes"}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, &task.Failure{Name: "ApiGateway." + strconv.Itoa(resp.StatusCode), Cause: string(data)}
	}
	headers := map[string]any{}
	for k, vs := range resp.Header {
		list := make([]any, len(vs))
		for i, v := range vs {
			list[i] = v
		}
		headers[k] = list
	}
	return map[string]any{
		"Headers":      headers,
		"ResponseBody": responseBody(resp.Header.Get("Content-Type"), data),
		"StatusCode":   jsonInt(resp.StatusCode),
		"StatusText":   statusText(resp.StatusCode),
	}, nil
}
