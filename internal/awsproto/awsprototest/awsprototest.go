// Package awsprototest sends the tests' requests to a simulator as an AWS client configured
// for a region would: with a SigV4 Authorization header whose credential scope names the
// region and the service (sfnlocal reads the scope, never the signature).
package awsprototest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Sign makes r signed for region and service; region "" leaves it unsigned.
func Sign(r *http.Request, region, service string) {
	if region != "" {
		r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20260101/"+region+"/"+service+"/aws4_request, SignedHeaders=host, Signature=x")
	}
}

// Call POSTs body to url with header, signed for region and service, and returns the answer's
// status and body.
func Call(t testing.TB, url, region, service string, header map[string]string, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	Sign(req, region, service)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// Serve is Call served by h in process.
func Serve(t testing.TB, h http.Handler, region, service string, header map[string]string, body string) (int, []byte) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	Sign(req, region, service)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Code, w.Body.Bytes()
}
