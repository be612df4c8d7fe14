package lambda

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

type apiClient struct {
	t   *testing.T
	srv *httptest.Server
}

func newAPI(t *testing.T, s *Service) *apiClient {
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &apiClient{t: t, srv: srv}
}

func (c *apiClient) do(method, path string, body []byte, hdr map[string]string) (*http.Response, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.srv.URL+path, bytes.NewReader(body))
	require.NoError(c.t, err)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.srv.Client().Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	return resp, b
}

func (c *apiClient) json(method, path string, in any, wantStatus int) map[string]any {
	c.t.Helper()
	var body []byte
	if in != nil {
		var err error
		body, err = json.Marshal(in)
		require.NoError(c.t, err)
	}
	resp, b := c.do(method, path, body, nil)
	require.Equal(c.t, wantStatus, resp.StatusCode, string(b))
	var m map[string]any
	if len(b) > 0 {
		require.NoError(c.t, json.Unmarshal(b, &m), string(b))
	}
	return m
}

func TestCreateFunctionValidation(t *testing.T) {
	t.Parallel()
	s := newTestService(t, Config{})
	api := newAPI(t, s)
	goodZip := zipOf(t, map[string][]byte{"handler.py": []byte("def handler(e, c):\n    return e\n")})
	api.json("POST", "/2015-03-31/functions", map[string]any{"FunctionName": "dup", "Role": testRole, "Runtime": "python3.12", "Handler": "handler.handler", "Code": map[string]any{"ZipFile": goodZip}}, 201)
	base := func(edit func(m map[string]any)) map[string]any {
		m := map[string]any{"FunctionName": "fn", "Role": testRole, "Runtime": "python3.12", "Handler": "handler.handler", "Code": map[string]any{"ZipFile": goodZip}}
		edit(m)
		return m
	}
	slip := zipOf(t, map[string][]byte{"../evil.py": []byte("x")})
	for _, tc := range []struct {
		name         string
		body         any
		status       int
		code, prefix string
	}{
		{"missing name", base(func(m map[string]any) { delete(m, "FunctionName") }), 400, CodeValidation, "1 validation error detected: Value null at 'functionName' failed to satisfy constraint: Member must not be null"},
		{"bad name", base(func(m map[string]any) { m["FunctionName"] = "bad name!" }), 400, CodeValidation, "1 validation error detected: Value 'bad name!' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: "},
		{"name too long", base(func(m map[string]any) { m["FunctionName"] = strings.Repeat("a", 65) }), 400, CodeValidation, "1 validation error detected: Value '" + strings.Repeat("a", 65) + "' at 'functionName' failed to satisfy constraint: Member must have length less than or equal to 64"},
		{"missing role", base(func(m map[string]any) { delete(m, "Role") }), 400, CodeValidation, "1 validation error detected: Value null at 'role' failed to satisfy constraint: Member must not be null"},
		{"bad role", base(func(m map[string]any) { m["Role"] = "admin" }), 400, CodeValidation, "1 validation error detected: Value 'admin' at 'role' failed to satisfy constraint: Member must satisfy regular expression pattern: "},
		{"missing code", base(func(m map[string]any) { delete(m, "Code") }), 400, CodeValidation, "1 validation error detected: Value null at 'code' failed to satisfy constraint: Member must not be null"},
		{"unknown runtime", base(func(m map[string]any) { m["Runtime"] = "python9" }), 400, CodeValidation, "1 validation error detected: Value 'python9' at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: [nodejs, "},
		{"deprecated runtime", base(func(m map[string]any) { m["Runtime"] = "python2.7" }), 400, CodeInvalidParameterValue, "The runtime parameter of python2.7 is no longer supported for creating or updating AWS Lambda functions."},
		{"timeout too small", base(func(m map[string]any) { m["Timeout"] = 0 }), 400, CodeValidation, "1 validation error detected: Value '0' at 'timeout' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"timeout too large", base(func(m map[string]any) { m["Timeout"] = 901 }), 400, CodeValidation, "1 validation error detected: Value '901' at 'timeout' failed to satisfy constraint: Member must have value less than or equal to 900"},
		{"memory too small", base(func(m map[string]any) { m["MemorySize"] = 64 }), 400, CodeValidation, "1 validation error detected: Value '64' at 'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128"},
		{"missing handler", base(func(m map[string]any) { delete(m, "Handler") }), 400, CodeInvalidParameterValue, "Runtime and Handler are mandatory parameters for functions created with deployment packages."},
		{"not a zip", base(func(m map[string]any) { m["Code"] = map[string]any{"ZipFile": []byte("nope")} }), 400, CodeInvalidParameterValue, "Could not unzip uploaded file. Please check your file, then try to upload again."},
		{"zip slip", base(func(m map[string]any) { m["Code"] = map[string]any{"ZipFile": slip} }), 400, CodeInvalidParameterValue, "Could not unzip uploaded file. Please check your file, then try to upload again."},
		{"no code source", base(func(m map[string]any) { m["Code"] = map[string]any{} }), 400, CodeInvalidParameterValue, "Please provide a source for function code."},
		{"reserved env", base(func(m map[string]any) {
			m["Environment"] = map[string]any{"Variables": map[string]string{"AWS_REGION": "x", "OK": "y"}}
		}), 400, CodeInvalidParameterValue, "Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: AWS_REGION"},
		{"image without uri", base(func(m map[string]any) {
			m["PackageType"] = "Image"
			m["Code"] = map[string]any{}
			delete(m, "Runtime")
			delete(m, "Handler")
		}), 400, CodeInvalidParameterValue, "Please provide ImageUri when updating a function with packageType Image."},
		{"bad package type", base(func(m map[string]any) { m["PackageType"] = "Jar" }), 400, CodeValidation, "1 validation error detected: Value 'Jar' at 'packageType' failed to satisfy constraint: Member must satisfy enum value set: [Zip, Image]"},
		{"qualified name", base(func(m map[string]any) { m["FunctionName"] = "fn:1" }), 400, CodeInvalidParameterValue, "Unqualified function name expected"},
		{"malformed JSON", "{", 400, CodeInvalidRequestContent, "Could not parse request body into json"},
		{"already exists", base(func(m map[string]any) { m["FunctionName"] = "dup" }), 409, CodeResourceConflict, "Function already exist: dup"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body []byte
			if s, ok := tc.body.(string); ok {
				body = []byte(s)
			} else {
				body, _ = json.Marshal(tc.body)
			}
			resp, b := api.do("POST", "/2015-03-31/functions", body, nil)
			require.Equal(t, tc.status, resp.StatusCode, string(b))
			require.Equal(t, tc.code, resp.Header.Get("X-Amzn-ErrorType"))
			var m map[string]string
			require.NoError(t, json.Unmarshal(b, &m))
			require.Equal(t, "User", m["Type"])
			require.True(t, strings.HasPrefix(m["Message"], tc.prefix), "message %q", m["Message"])
		})
	}
	list := api.json("GET", "/2015-03-31/functions/", nil, 200)
	fns := list["Functions"].([]any)
	require.Len(t, fns, 1, "bad input registers nothing")
	require.Equal(t, "dup", fns[0].(map[string]any)["FunctionName"])
}

func TestAPIRoundTrip(t *testing.T) {
	t.Parallel()
	s := newTestService(t, Config{})
	api := newAPI(t, s)
	code := func(v string) []byte {
		return zipOf(t, map[string][]byte{"app.py": []byte("import os\n\ndef handler(e, c):\n    if e.get('fail'):\n        raise RuntimeError('failed')\n    print('log line')\n    return {'v': '" + v + "', 'color': os.environ.get('COLOR')}\n")})
	}
	created := api.json("POST", "/2015-03-31/functions", map[string]any{"FunctionName": "app", "Role": testRole, "Runtime": "python3.13", "Handler": "app.handler", "Timeout": 10, "MemorySize": 256, "Code": map[string]any{"ZipFile": code("one")}}, 201)
	require.Equal(t, "arn:aws:lambda:us-east-1:111111111111:function:app", created["FunctionArn"])
	require.Equal(t, "$LATEST", created["Version"])
	require.Equal(t, "Active", created["State"])
	require.Equal(t, json.Number("256").String(), jsonNumber(created["MemorySize"]))
	require.Equal(t, sha256b64(code("one")), created["CodeSha256"])

	got := api.json("GET", "/2015-03-31/functions/app", nil, 200)
	require.Equal(t, "app.handler", got["Configuration"].(map[string]any)["Handler"])
	require.Equal(t, "S3", got["Code"].(map[string]any)["RepositoryType"])

	invoke := func(path string, payload string, hdr map[string]string) (*http.Response, map[string]any) {
		resp, b := api.do("POST", path, []byte(payload), hdr)
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m), string(b))
		return resp, m
	}
	resp, m := invoke("/2015-03-31/functions/app/invocations", `{}`, map[string]string{"X-Amz-Log-Type": "Tail"})
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, map[string]any{"v": "one", "color": nil}, m)
	require.Equal(t, "$LATEST", resp.Header.Get("X-Amz-Executed-Version"))
	logs, err := base64.StdEncoding.DecodeString(resp.Header.Get("X-Amz-Log-Result"))
	require.NoError(t, err)
	require.Contains(t, string(logs), "log line\nEND RequestId: "+resp.Header.Get("X-Amzn-RequestId"))

	resp, m = invoke("/2015-03-31/functions/app/invocations", `{"fail": true}`, nil)
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "Unhandled", resp.Header.Get("X-Amz-Function-Error"))
	require.Equal(t, "RuntimeError", m["errorType"])

	api.json("PUT", "/2015-03-31/functions/app/configuration", map[string]any{"Environment": map[string]any{"Variables": map[string]string{"COLOR": "blue"}}}, 200)
	_, m = invoke("/2015-03-31/functions/app/invocations", `{}`, nil)
	require.Equal(t, "blue", m["color"], "a configuration update reaches new environments")

	v1 := api.json("POST", "/2015-03-31/functions/app/versions", map[string]any{}, 201)
	require.Equal(t, "1", v1["Version"])
	api.json("POST", "/2015-03-31/functions/app/aliases", map[string]any{"Name": "live", "FunctionVersion": "1"}, 201)
	api.json("POST", "/2015-03-31/functions/app/aliases", map[string]any{"Name": "live", "FunctionVersion": "1"}, 409)
	api.json("PUT", "/2015-03-31/functions/app/code", map[string]any{"ZipFile": code("two")}, 200)

	_, m = invoke("/2015-03-31/functions/app/invocations", `{}`, nil)
	require.Equal(t, "two", m["v"])
	resp, m = invoke("/2015-03-31/functions/app/invocations?Qualifier=live", `{}`, nil)
	require.Equal(t, "one", m["v"], "the alias still runs version 1")
	require.Equal(t, "1", resp.Header.Get("X-Amz-Executed-Version"))
	_, m = invoke("/2015-03-31/functions/app:1/invocations", `{}`, nil)
	require.Equal(t, "one", m["v"])

	resp, b := api.do("POST", "/2015-03-31/functions/app/invocations", []byte(`{}`), map[string]string{"X-Amz-Invocation-Type": "Event"})
	require.Equal(t, 202, resp.StatusCode, string(b))
	resp, _ = api.do("POST", "/2015-03-31/functions/app/invocations", []byte(`{}`), map[string]string{"X-Amz-Invocation-Type": "DryRun"})
	require.Equal(t, 204, resp.StatusCode)
	resp, b = api.do("POST", "/2015-03-31/functions/app/invocations", []byte(`{nope`), nil)
	require.Equal(t, 400, resp.StatusCode)
	require.Equal(t, CodeInvalidRequestContent, resp.Header.Get("X-Amzn-ErrorType"), string(b))

	versions := api.json("GET", "/2015-03-31/functions/app/versions", nil, 200)
	require.Len(t, versions["Versions"], 2)
	aliases := api.json("GET", "/2015-03-31/functions/app/aliases", nil, 200)
	require.Len(t, aliases["Aliases"], 1)

	resp, _ = api.do("DELETE", "/2015-03-31/functions/app", nil, nil)
	require.Equal(t, 204, resp.StatusCode)
	resp, b = api.do("GET", "/2015-03-31/functions/app", nil, nil)
	require.Equal(t, 404, resp.StatusCode)
	require.Equal(t, CodeResourceNotFound, resp.Header.Get("X-Amzn-ErrorType"))
	require.JSONEq(t, `{"Type":"User","Message":"Function not found: arn:aws:lambda:us-east-1:111111111111:function:app"}`, string(b))

	resp, _ = api.do("GET", "/2015-03-31/other", nil, nil)
	require.Equal(t, 404, resp.StatusCode)
	resp, _ = api.do("POST", "/", nil, nil)
	require.Equal(t, 404, resp.StatusCode)
}

func jsonNumber(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestForwardMode(t *testing.T) {
	t.Parallel()
	type seen struct{ path, typ, query, body string }
	calls := make(chan seen, 10)
	remote := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		calls <- seen{r.URL.EscapedPath(), r.Header.Get("X-Amz-Invocation-Type"), r.URL.RawQuery, string(b)}
		switch {
		case strings.Contains(r.URL.Path, "/missing/"):
			w.Header().Set("x-amzn-ErrorType", "ResourceNotFoundException:http://internal.amazon.com/")
			w.WriteHeader(404)
			_, _ = io.WriteString(w, `{"Type":"User","Message":"Function not found: arn:aws:lambda:us-east-1:012345678912:function:missing"}`)
		case strings.Contains(r.URL.Path, "/sam-error/"):
			w.Header().Set("X-Amz-Function-Error", "Unhandled")
			_, _ = io.WriteString(w, `{"errorMessage":"x","errorType":"KeyError","stackTrace":[]}`)
		case strings.Contains(r.URL.Path, "/rie-error/"):
			_, _ = io.WriteString(w, `{"errorMessage":"y","errorType":"ValueError"}`)
		default:
			_, _ = w.Write(b)
		}
	}))
	t.Cleanup(remote.Close)
	s := newTestService(t, Config{ForwardEndpoint: remote.URL})
	s.RegisterGoFunction("local", func(context.Context, []byte) ([]byte, error) { return []byte(`"local"`), nil })

	got, err := plainInvoke(s.Integration(), context.Background(), invokeReq(map[string]any{"FunctionName": "arn:aws:lambda:us-east-1:111111111111:function:remote", "Qualifier": "2", "Payload": map[string]any{"k": "v"}}))
	require.NoError(t, err)
	m := got.(map[string]any)
	require.Equal(t, map[string]any{"k": "v"}, m["Payload"])
	require.Equal(t, "$LATEST", m["ExecutedVersion"])
	c := <-calls
	require.Equal(t, seen{"/2015-03-31/functions/arn:aws:lambda:us-east-1:111111111111:function:remote/invocations", "RequestResponse", "Qualifier=2", `{"k":"v"}`}, c)

	for _, tc := range []struct{ fn, wantName string }{
		{"missing", "Lambda.ResourceNotFoundException"},
		{"sam-error", "KeyError"},
		{"rie-error", "ValueError"},
	} {
		_, err := plainInvoke(s.Integration(), context.Background(), invokeReq(map[string]any{"FunctionName": tc.fn}))
		var f *task.Failure
		require.True(t, errors.As(err, &f), "%s: %v", tc.fn, err)
		require.Equal(t, tc.wantName, f.Name)
		<-calls
	}

	// In-process Go functions are never forwarded.
	got, err = plainInvoke(s.Integration(), context.Background(), invokeReq(map[string]any{"FunctionName": "local"}))
	require.NoError(t, err)
	require.Equal(t, "local", got.(map[string]any)["Payload"])
	require.Empty(t, calls)
}

func TestPublishVersionUnchanged(t *testing.T) {
	t.Parallel()
	s := newTestService(t, Config{})
	api := newAPI(t, s)
	s.RegisterGoFunction("f", echoFn)
	require.Equal(t, "1", api.json("POST", "/2015-03-31/functions/f/versions", nil, 201)["Version"])
	require.Equal(t, "1", api.json("POST", "/2015-03-31/functions/f/versions", nil, 201)["Version"], "no change, no new version")
	d := "changed"
	_, err := s.updateConfiguration("", "f", &UpdateFunctionConfigurationInput{Description: &d})
	require.NoError(t, err)
	require.Equal(t, "2", api.json("POST", "/2015-03-31/functions/f/versions", nil, 201)["Version"])
	api.json("DELETE", "/2015-03-31/functions/f?Qualifier=1", nil, 204)
	api.json("GET", "/2015-03-31/functions/f?Qualifier=1", nil, 404)
	require.Equal(t, "changed", api.json("GET", "/2015-03-31/functions/f?Qualifier=2", nil, 200)["Configuration"].(map[string]any)["Description"])
}

// endlessZip is a CreateFunction body whose ZipFile never ends: only its first
// maxRequestBody+1 bytes may ever be read.
type endlessZip struct{ read int64 }

func (r *endlessZip) Read(p []byte) (int, error) {
	prefix := `{"FunctionName":"big","Role":"` + testRole + `","Runtime":"python3.12","Handler":"h.h","Code":{"ZipFile":"`
	n := 0
	for ; n < len(p); n++ {
		if r.read < int64(len(prefix)) {
			p[n] = prefix[r.read]
		} else {
			p[n] = 'A'
		}
		r.read++
	}
	return n, nil
}

// TestRequestEntityTooLarge: a CreateFunction or UpdateFunctionCode body over AWS's
// 70,167,211-byte limit gets AWS's 413 RequestEntityTooLargeException (issue 17: a 100 MB
// zip was cut at 70 MB and answered "unexpected end of JSON input"), whether or not the
// length is announced, without reading more than the limit, and creates nothing.
func TestRequestEntityTooLarge(t *testing.T) {
	t.Parallel()
	s := newTestService(t, Config{})
	h := s.Handler()
	for _, tc := range []struct {
		name, method, path, op string
		length                 int64
	}{
		{"announced", "POST", "/2015-03-31/functions", "CreateFunction", 100 << 20},
		{"streamed", "POST", "/2015-03-31/functions", "CreateFunction", -1},
		{"update code", "PUT", "/2015-03-31/functions/big/code", "UpdateFunctionCode", 100 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := &endlessZip{}
			req := httptest.NewRequest(tc.method, tc.path, body)
			req.ContentLength = tc.length
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			require.Equal(t, http.StatusRequestEntityTooLarge, rec.Code, rec.Body.String())
			require.Equal(t, CodeRequestEntityTooLarge, rec.Header().Get("X-Amzn-ErrorType"))
			require.Contains(t, rec.Body.String(), "Request must be smaller than 70167211 bytes for the "+tc.op+" operation")
			require.LessOrEqual(t, body.read, int64(maxRequestBody+1)+64<<10)
		})
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/2015-03-31/functions/", nil))
	require.NotContains(t, rec.Body.String(), `"big"`)
}
