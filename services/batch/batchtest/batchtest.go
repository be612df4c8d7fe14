// Package batchtest holds what the tests of the Batch runners (services/batch/docker,
// services/batch/swarm) share: calls of the Batch REST API in process, and registering and
// submitting shell jobs. Only tests import it.
package batchtest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/services/batch"
)

// Call sends one Batch REST API request (POST /v1/<op> with in as JSON) to s and returns the
// status code and body.
func Call(t testing.TB, s *batch.Service, op string, in any) (int, []byte) {
	t.Helper()
	body, err := json.Marshal(in)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, "/v1/"+op, bytes.NewReader(body))
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

// API is Call for a request that must succeed, decoding its answer.
func API[Out any](t testing.TB, s *batch.Service, op string, in any) Out {
	t.Helper()
	code, body := Call(t, s, op, in)
	require.Equal(t, http.StatusOK, code, string(body))
	var out Out
	require.NoError(t, json.Unmarshal(body, &out))
	return out
}

// RegisterShell registers job definition name: image running `sh -c script` with 1 vCPU and
// 64 MiB, plus the members of extra.
func RegisterShell(t testing.TB, s *batch.Service, image, name, script string, extra map[string]any) {
	t.Helper()
	in := map[string]any{"jobDefinitionName": name, "type": "container",
		"containerProperties": map[string]any{"image": image, "command": []string{"sh", "-c", script},
			"resourceRequirements": []map[string]string{{"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "64"}}}}
	for k, v := range extra {
		in[k] = v
	}
	API[map[string]any](t, s, "registerjobdefinition", in)
}

// Submit submits a job (to the default queue, named "job", unless in says otherwise) and
// returns its id.
func Submit(t testing.TB, s *batch.Service, in map[string]any) string {
	t.Helper()
	if in["jobQueue"] == nil {
		in["jobQueue"] = batch.DefaultJobQueue
	}
	if in["jobName"] == nil {
		in["jobName"] = "job"
	}
	return API[batch.SubmitJobOutput](t, s, "submitjob", in).JobID
}
