package lambda

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"go.uber.org/zap"
)

// FuzzAPI sends arbitrary requests to the Lambda API: it must never panic, and every error
// must be a well-formed AWS error.
func FuzzAPI(f *testing.F) {
	zip := zipOf(f, map[string][]byte{"handler.py": []byte("def handler(e, c):\n    return e\n")})
	create, _ := json.Marshal(map[string]any{"FunctionName": "f1", "Role": testRole, "Runtime": "python3.12", "Handler": "handler.handler", "Code": map[string]any{"ZipFile": zip}})
	f.Add(uint8(0), "", string(create))
	f.Add(uint8(0), "", `{"FunctionName": "x", "Code": {"ZipFile": "AAAA"}, "Role": "`+testRole+`", "Runtime": "python3.12", "Handler": "h.h"}`)
	f.Add(uint8(0), "", `{"FunctionName": 5}`)
	f.Add(uint8(1), "/go/invocations", `{"a": [1, 2.50]}`)
	f.Add(uint8(1), "/go:1/invocations", `{`)
	f.Add(uint8(1), "/arn:aws:lambda:us-east-1:111111111111:function:go/invocations?Qualifier=x", `null`)
	f.Add(uint8(2), "/go/aliases", `{"Name": "live", "FunctionVersion": "$LATEST"}`)
	f.Add(uint8(3), "/go/configuration", `{"Timeout": 0}`)
	f.Add(uint8(4), "/go", ``)
	s := newTestService(f, Config{Logger: zap.NewNop()})
	s.RegisterGoFunction("go", echoFn)
	h := s.Handler()
	methods := []string{"POST", "POST", "POST", "PUT", "GET", "DELETE"}
	f.Fuzz(func(t *testing.T, m uint8, path, body string) {
		if strings.ContainsAny(path, " \r\n\t#") {
			return
		}
		if _, err := url.ParseRequestURI("/2015-03-31/functions" + path); err != nil {
			return
		}
		method := methods[int(m)%len(methods)]
		req := httptest.NewRequest(method, "/2015-03-31/functions"+path, bytes.NewReader([]byte(body)))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 400 && rec.Code != http.StatusMethodNotAllowed {
			var e map[string]string
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e["Message"] == "" || rec.Header().Get("X-Amzn-ErrorType") == "" {
				t.Fatalf("%s %s: malformed error %d %q", method, path, rec.Code, rec.Body.String())
			}
			if rec.Code >= 500 {
				t.Fatalf("%s %s: server error %q", method, path, rec.Body.String())
			}
		}
	})
}
