package httptask

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// BenchmarkHTTPInvoke measures one HTTP Task call with an API key connection against a
// loopback server answering JSON (parse, merge, call, read, parse the response).
func BenchmarkHTTPInvoke(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"cus_1","name":"Ada","orders":[1,2,3]}`)
	}))
	b.Cleanup(srv.Close)
	s := New(Config{Connections: connMap{"c": {Arn: "c", Type: AuthAPIKey, State: "AUTHORIZED", APIKeyName: "X-Api-Key", APIKeyValue: "k"}}})
	params, _ := task.Decode([]byte(`{"ApiEndpoint":"` + srv.URL + `/customers","Method":"POST","Authentication":{"ConnectionArn":"c"},
		"Headers":{"X-Request":"1"},"QueryParameters":{"expand":"orders"},"RequestBody":{"name":"Ada"}}`))
	h := s.HTTPIntegration()
	req := &task.Request{Service: "http", Action: "invoke", Parameters: params}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Invoke(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeForm measures URL-encoding a nested request body.
func BenchmarkEncodeForm(b *testing.B) {
	body := map[string]any{"customer": "1234567890", "description": "Monthly subscription",
		"metadata": map[string]any{"order_details": "monthly report data"}, "items": []any{"a", "b", "c"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := EncodeForm(body, ArrayIndices); err != nil {
			b.Fatal(err)
		}
	}
}
