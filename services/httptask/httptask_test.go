package httptask

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// seen is one request an echo server received.
type seen struct {
	Method, Path, Query, Body string
	Header                    http.Header
}

// echoServer answers every request with JSON describing it, and records it; /missing is a
// 404, /text answers text/plain, /image an image.
func echoServer(t *testing.T) (*httptest.Server, func() []seen) {
	t.Helper()
	var mu sync.Mutex
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, seen{r.Method, r.URL.Path, r.URL.RawQuery, string(b), r.Header.Clone()})
		mu.Unlock()
		switch {
		case strings.HasSuffix(r.URL.Path, "/missing"):
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(404)
			_, _ = io.WriteString(w, `{"message":"no such thing"}`)
			return
		case r.URL.Path == "/text":
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, "plain words")
			return
		case r.URL.Path == "/image":
			w.Header().Set("Content-Type", "image/png")
			_, _ = io.WriteString(w, "png")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Custom", "yes")
		_ = json.NewEncoder(w).Encode(map[string]any{"method": r.Method, "path": r.URL.Path, "query": r.URL.RawQuery, "body": string(b)})
	}))
	t.Cleanup(srv.Close)
	return srv, func() []seen {
		mu.Lock()
		defer mu.Unlock()
		return append([]seen(nil), got...)
	}
}

type connMap map[string]Connection

func (c connMap) Connection(arn string) (Connection, bool) { v, ok := c[arn]; return v, ok }

func newService(t *testing.T, conns connMap, apigw map[string]string) *Service {
	return New(Config{Logger: zaptest.NewLogger(t), Region: "eu-west-1", Connections: conns, APIGateway: apigw})
}

func invoke(s *Service, service string, params any) (any, error) {
	h := s.HTTPIntegration()
	if service == "apigateway" {
		h = s.APIGatewayIntegration()
	}
	out, err := h.Invoke(context.Background(), &task.Request{Service: service, Action: "invoke", Parameters: params})
	return task.Plain(out), err // Go maps, for checks by name
}

func decode(t *testing.T, s string) any {
	t.Helper()
	v, err := task.Decode([]byte(s))
	require.NoError(t, err)
	return v
}

func failure(t *testing.T, err error) *task.Failure {
	t.Helper()
	var f *task.Failure
	require.True(t, errors.As(err, &f), "%v", err)
	return f
}

func TestHTTPInvoke(t *testing.T) {
	t.Parallel()
	srv, requests := echoServer(t)
	s := newService(t, nil, nil)
	out, err := invoke(s, "http", decode(t, `{"ApiEndpoint":"`+srv.URL+`/things?fixed=1","Method":"POST",
		"Headers":{"X-Request":"r1","content-type":"application/json"},
		"QueryParameters":{"q":"a b","list":["x","y"]},"RequestBody":{"n":1,"s":"é"}}`))
	require.NoError(t, err)
	m := out.(map[string]any)
	require.Equal(t, json.Number("200"), m["StatusCode"])
	require.Equal(t, "OK", m["StatusText"])
	require.Equal(t, map[string]any{"method": "POST", "path": "/things", "query": "fixed=1&list=x&list=y&q=a%20b", "body": `{"n":1,"s":"é"}`}, m["ResponseBody"])
	h := m["Headers"].(map[string]any)
	require.Equal(t, []any{"yes"}, h["x-custom"])
	require.Equal(t, []any{"application/json"}, h["content-type"])
	r := requests()[0]
	require.Equal(t, "Amazon|StepFunctions|HttpInvoke|eu-west-1", r.Header.Get("User-Agent"))
	require.Equal(t, "bytes=0-262144", r.Header.Get("Range"))
	require.Equal(t, "r1", r.Header.Get("X-Request"))
	require.Equal(t, "application/json", r.Header.Get("Content-Type"))
}

func TestHTTPInvokeOutcomes(t *testing.T) {
	t.Parallel()
	srv, requests := echoServer(t)
	for _, tc := range []struct {
		name, params       string
		wantErr, wantCause string
		check              func(t *testing.T, out map[string]any, r seen)
	}{
		{name: "404", params: `{"ApiEndpoint":"` + srv.URL + `/missing","Method":"GET"}`, wantErr: "States.Http.StatusCode.404", wantCause: "Not Found"},
		{name: "text body", params: `{"ApiEndpoint":"` + srv.URL + `/text","Method":"GET"}`,
			check: func(t *testing.T, out map[string]any, r seen) {
				require.Equal(t, "plain words", out["ResponseBody"])
				require.Equal(t, "application/json; charset=UTF-8", r.Header.Get("Content-Type"))
				require.Empty(t, r.Body)
			}},
		{name: "image is refused", params: `{"ApiEndpoint":"` + srv.URL + `/image","Method":"GET"}`, wantErr: "States.Runtime", wantCause: "The HTTP response has the unsupported content type image/png"},
		{name: "forbidden headers", params: `{"ApiEndpoint":"` + srv.URL + `","Method":"GET","Headers":{"Authorization":"x","X-Amz-Date":"y","Ok":"z"}}`,
			wantErr: "States.Runtime", wantCause: "The 'Headers' field contains unsupported values: [authorization, x-amz-date]"},
		{name: "string body is sent as is", params: `{"ApiEndpoint":"` + srv.URL + `/raw","Method":"PUT","RequestBody":"raw text"}`,
			check: func(t *testing.T, _ map[string]any, r seen) { require.Equal(t, "raw text", r.Body) }},
		{name: "url encoded", params: `{"ApiEndpoint":"` + srv.URL + `/invoices","Method":"POST","Headers":{"Content-Type":"application/x-www-form-urlencoded"},
			"RequestBody":{"customer":"1234567890","description":"Monthly subscription","metadata":{"order_details":"monthly report data"}},
			"Transform":{"RequestBodyEncoding":"URL_ENCODED","RequestEncodingOptions":{"ArrayFormat":"INDICES"}}}`,
			check: func(t *testing.T, _ map[string]any, r seen) {
				require.Equal(t, "customer=1234567890&description=Monthly%20subscription&metadata%5Border_details%5D=monthly%20report%20data", r.Body)
				require.Equal(t, "application/x-www-form-urlencoded", r.Header.Get("Content-Type"))
			}},
		{name: "unknown connection", params: `{"ApiEndpoint":"` + srv.URL + `","Method":"GET","Authentication":{"ConnectionArn":"arn:aws:events:us-east-1:1:connection/x/y"}}`,
			wantErr: "Events.ConnectionResource.ResourceNotFound", wantCause: "Connection arn:aws:events:us-east-1:1:connection/x/y does not exist."},
		{name: "bad method", params: `{"ApiEndpoint":"` + srv.URL + `","Method":"TRACE"}`, wantErr: "States.Runtime"},
		{name: "unreachable", params: `{"ApiEndpoint":"http://127.0.0.1:1/x","Method":"GET"}`, wantErr: "States.Http.Socket"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newService(t, nil, nil)
			before := len(requests())
			out, err := invoke(s, "http", decode(t, tc.params))
			if tc.wantErr != "" {
				f := failure(t, err)
				require.Equal(t, tc.wantErr, f.Name)
				if tc.wantCause != "" {
					require.Equal(t, tc.wantCause, f.Cause)
				}
				return
			}
			require.NoError(t, err)
			tc.check(t, out.(map[string]any), findRequest(requests()[before:], tc.params))
		})
	}
}

// findRequest picks the request whose path the params name (the tests share one server).
func findRequest(rs []seen, params string) seen {
	for i := len(rs) - 1; i >= 0; i-- {
		if strings.Contains(params, `"Method":"`+rs[i].Method+`"`) && strings.Contains(params, rs[i].Path+`"`) {
			return rs[i]
		}
	}
	return seen{}
}

func TestEncodeForm(t *testing.T) {
	t.Parallel()
	// The array examples of AWS's "Applying URL-encoding on request body".
	for format, want := range map[string]string{
		ArrayIndices:  "array%5B0%5D=a&array%5B1%5D=b&array%5B2%5D=c&array%5B3%5D=d",
		ArrayRepeat:   "array=a&array=b&array=c&array=d",
		ArrayCommas:   "array=a,b,c,d",
		ArrayBrackets: "array%5B%5D=a&array%5B%5D=b&array%5B%5D=c&array%5B%5D=d",
	} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			got, err := EncodeForm(map[string]any{"array": []any{"a", "b", "c", "d"}}, format)
			require.NoError(t, err)
			require.Equal(t, want, got)
		})
	}
	_, err := EncodeForm("text", ArrayIndices)
	require.Equal(t, "States.Runtime", failure(t, err).Name)
}

func TestConnections(t *testing.T) {
	t.Parallel()
	srv, requests := echoServer(t)
	var tokenCalls []seen
	var mu sync.Mutex
	issued := 0
	auth := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		tokenCalls = append(tokenCalls, seen{r.Method, r.URL.Path, r.URL.RawQuery, string(b), r.Header.Clone()})
		issued++
		n := issued
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "tok" + string(rune('0'+n)), "token_type": "Bearer", "expires_in": 3600})
	}))
	t.Cleanup(auth.Close)
	// A resource server that refuses the first token, so the connection refreshes it.
	refuseFirst := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer tok1" {
			w.WriteHeader(401)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"auth":"`+r.Header.Get("Authorization")+`"}`)
	}))
	t.Cleanup(refuseFirst.Close)
	conns := connMap{
		"basic": {Arn: "basic", Type: AuthBasic, State: "AUTHORIZED", Username: "user", Password: "pa:ss"},
		"key": {Arn: "key", Type: AuthAPIKey, State: "AUTHORIZED", APIKeyName: "X-Api-Key", APIKeyValue: "s3cret",
			Headers: []Param{{"X-Mode", "conn"}}, Query: []Param{{"q", "conn"}}, Body: []Param{{"k", "conn"}}},
		"oauth": {Arn: "oauth", Type: AuthOAuth, State: "AUTHORIZED", OAuth: &OAuth{Endpoint: auth.URL + "/token", Method: "POST",
			ClientID: "id", ClientSecret: "secret", Body: []Param{{"audience", "api"}}, Headers: []Param{{"X-Tenant", "t1"}}}},
		"off": {Arn: "off", Type: AuthBasic, State: "DEAUTHORIZED"},
	}
	s := newService(t, conns, nil)

	_, err := invoke(s, "http", decode(t, `{"ApiEndpoint":"`+srv.URL+`/b","Method":"GET","Authentication":{"ConnectionArn":"basic"}}`))
	require.NoError(t, err)
	require.Equal(t, "Basic dXNlcjpwYTpzcw==", requests()[0].Header.Get("Authorization"))

	_, err = invoke(s, "http", decode(t, `{"ApiEndpoint":"`+srv.URL+`/k","Method":"POST","InvocationConfig":{"ConnectionArn":"key"},
		"Headers":{"x-mode":"state","X-Other":"o"},"QueryParameters":{"q":"state","p":"1"},"RequestBody":{"k":"state","j":"1"}}`))
	require.NoError(t, err)
	r := requests()[1]
	require.Equal(t, "s3cret", r.Header.Get("X-Api-Key"))
	require.Equal(t, "conn", r.Header.Get("X-Mode"))
	require.Equal(t, "o", r.Header.Get("X-Other"))
	require.Equal(t, "p=1&q=conn", r.Query)
	require.JSONEq(t, `{"j":"1","k":"conn"}`, r.Body)

	_, err = invoke(s, "http", decode(t, `{"ApiEndpoint":"`+srv.URL+`/k","Method":"POST","Authentication":{"ConnectionArn":"key"},"RequestBody":"text"}`))
	require.Equal(t, "States.Runtime", failure(t, err).Name)

	out, err := invoke(s, "http", decode(t, `{"ApiEndpoint":"`+refuseFirst.URL+`","Method":"GET","Authentication":{"ConnectionArn":"oauth"}}`))
	require.NoError(t, err)
	require.Equal(t, map[string]any{"auth": "Bearer tok2"}, out.(map[string]any)["ResponseBody"])
	require.Len(t, tokenCalls, 2)
	tc := tokenCalls[0]
	require.Equal(t, "POST", tc.Method)
	require.Equal(t, "Basic aWQ6c2VjcmV0", tc.Header.Get("Authorization"))
	require.Equal(t, "t1", tc.Header.Get("X-Tenant"))
	require.Equal(t, "application/x-www-form-urlencoded", tc.Header.Get("Content-Type"))
	require.Equal(t, "audience=api&grant_type=client_credentials", tc.Body)
	// The refreshed token is cached.
	_, err = invoke(s, "http", decode(t, `{"ApiEndpoint":"`+refuseFirst.URL+`","Method":"GET","Authentication":{"ConnectionArn":"oauth"}}`))
	require.NoError(t, err)
	require.Len(t, tokenCalls, 2)

	_, err = invoke(s, "http", decode(t, `{"ApiEndpoint":"`+srv.URL+`","Method":"GET","Authentication":{"ConnectionArn":"off"}}`))
	require.Equal(t, "Events.ConnectionResource.InvalidConnectionState", failure(t, err).Name)
}

func TestAPIGateway(t *testing.T) {
	t.Parallel()
	srv, requests := echoServer(t)
	s := newService(t, nil, map[string]string{"abc123": srv.URL + "/base"})
	out, err := invoke(s, "apigateway", decode(t, `{"ApiEndpoint":"abc123.execute-api.us-east-1.amazonaws.com","Method":"POST",
		"Stage":"prod","Path":"bills/add","Headers":{"X-Token":["t1","t2"]},"QueryParameters":{"billId":["123456"]},
		"RequestBody":{"billId":"my-new-bill"},"AuthType":"IAM_ROLE"}`))
	require.NoError(t, err)
	m := out.(map[string]any)
	require.Equal(t, json.Number("200"), m["StatusCode"])
	require.Equal(t, "OK", m["StatusText"])
	require.Equal(t, []any{"yes"}, m["Headers"].(map[string]any)["X-Custom"])
	r := requests()[0]
	require.Equal(t, "/base/prod/bills/add", r.Path)
	require.Equal(t, "billId=123456", r.Query)
	require.Equal(t, []string{"t1", "t2"}, r.Header.Values("X-Token"))
	require.Equal(t, `{"billId":"my-new-bill"}`, r.Body)

	_, err = invoke(s, "apigateway", decode(t, `{"ApiEndpoint":"abc123.execute-api.us-east-1.amazonaws.com","Method":"GET","Path":"missing"}`))
	f := failure(t, err)
	require.Equal(t, "ApiGateway.404", f.Name)
	require.Equal(t, `{"message":"no such thing"}`, f.Cause)

	_, err = invoke(s, "apigateway", decode(t, `{"ApiEndpoint":"zzz.execute-api.us-east-1.amazonaws.com","Method":"GET"}`))
	require.Equal(t, "ApiGateway.UnknownHostException", failure(t, err).Name)

	_, err = invoke(s, "apigateway", decode(t, `{"ApiEndpoint":"abc123.execute-api.us-east-1.amazonaws.com","Method":"GET","Headers":{"Host":["x"]}}`))
	f = failure(t, err)
	require.Equal(t, "States.Runtime", f.Name)
	require.Equal(t, "The 'Headers' field contains unsupported values: [host]", f.Cause)
}

// TestHTTPInvokeUserAgentRegion: the User-Agent names the calling execution's region (the
// service's default when the request has none).
func TestHTTPInvokeUserAgentRegion(t *testing.T) {
	t.Parallel()
	srv, requests := echoServer(t)
	s := newService(t, nil, nil)
	_, err := s.HTTPIntegration().Invoke(context.Background(), &task.Request{Service: "http", Action: "invoke", Region: "ap-south-1",
		Parameters: decode(t, `{"ApiEndpoint":"`+srv.URL+`/x","Method":"GET"}`)})
	require.NoError(t, err)
	require.Equal(t, "Amazon|StepFunctions|HttpInvoke|ap-south-1", requests()[0].Header.Get("User-Agent"))
}
