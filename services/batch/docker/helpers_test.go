package docker

import (
	"bytes"
	"encoding/json"
	"net/http"
)

func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

func jsonDecode(b []byte, v any) error { return json.Unmarshal(b, v) }

// recorder is a minimal http.ResponseWriter.
type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = 200
	}
	return r.body.Write(b)
}

func (r *recorder) WriteHeader(code int) { r.code = code }
