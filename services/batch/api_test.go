package batch

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// call sends one Batch API request through the handler.
func call(t *testing.T, h http.Handler, method, path, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out map[string]any
	if rec.Code != http.StatusNotFound {
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &out), rec.Body.String())
	}
	return rec.Code, rec.Header(), out
}

var (
	uuidRE = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	hexRE  = regexp.MustCompile(`\b[0-9a-f]{16,32}\b`)
)

// golden compares v, as indented JSON with ids masked, with testdata/<name>.json.
func golden(t *testing.T, name string, v any) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	require.NoError(t, enc.Encode(v))
	got := hexRE.ReplaceAllString(uuidRE.ReplaceAllString(buf.String(), "<uuid>"), "<hex>")
	path := filepath.Join("testdata", name+".json")
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, string(want), got)
}

func TestAPIErrorsAndRouting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, path, body string
		allowPriv                bool
		wantCode                 int
		wantMsg                  string
	}{
		{name: "unknown path", method: "POST", path: "/v1/nosuchop", body: "{}", wantCode: 404},
		{name: "wrong method", method: "GET", path: "/v1/submitjob", wantCode: 404},
		{name: "not v1", method: "POST", path: "/2015-03-31/functions", body: "{}", wantCode: 404},
		{name: "bad json", method: "POST", path: "/v1/submitjob", body: "{", wantCode: 400, wantMsg: "Invalid request body"},
		{name: "unknown queue", method: "POST", path: "/v1/submitjob",
			body: `{"jobName":"j","jobQueue":"nope","jobDefinition":"jd"}`, wantCode: 400, wantMsg: "Job Queue nope does not exist"},
		{name: "unknown job definition", method: "POST", path: "/v1/submitjob",
			body: `{"jobName":"j","jobQueue":"default","jobDefinition":"nope"}`, wantCode: 400,
			wantMsg: "JobDefinition name nope does not exist or is not in ACTIVE status"},
		{name: "bad job name", method: "POST", path: "/v1/submitjob",
			body: `{"jobName":"-j","jobQueue":"default","jobDefinition":"jd"}`, wantCode: 400, wantMsg: "Job name"},
		{name: "privileged refused", method: "POST", path: "/v1/registerjobdefinition",
			body:     `{"jobDefinitionName":"p","type":"container","containerProperties":{"image":"i","privileged":true}}`,
			wantCode: 400, wantMsg: "Privileged containers are disabled"},
		{name: "privileged allowed", method: "POST", path: "/v1/registerjobdefinition", allowPriv: true,
			body:     `{"jobDefinitionName":"p","type":"container","containerProperties":{"image":"i","privileged":true}}`,
			wantCode: 200},
		{name: "devices refused", method: "POST", path: "/v1/registerjobdefinition",
			body:     `{"jobDefinitionName":"d","type":"container","containerProperties":{"image":"i","linuxParameters":{"devices":[{"hostPath":"/dev/kmsg"}]}}}`,
			wantCode: 400, wantMsg: "Host devices (linuxParameters.devices) are disabled"},
		{name: "capability additions refused", method: "POST", path: "/v1/registerjobdefinition",
			body:     `{"jobDefinitionName":"c","type":"container","containerProperties":{"image":"i","linuxParameters":{"capabilities":{"add":["SYS_ADMIN"]}}}}`,
			wantCode: 400, wantMsg: "Capability additions (linuxParameters.capabilities.add) are disabled"},
		{name: "devices allowed", method: "POST", path: "/v1/registerjobdefinition", allowPriv: true,
			body:     `{"jobDefinitionName":"d","type":"container","containerProperties":{"image":"i","linuxParameters":{"devices":[{"hostPath":"/dev/kmsg"}]}}}`,
			wantCode: 200},
		{name: "other linux parameters need nothing", method: "POST", path: "/v1/registerjobdefinition",
			body:     `{"jobDefinitionName":"l","type":"container","containerProperties":{"image":"i","linuxParameters":{"initProcessEnabled":true,"capabilities":{"drop":["NET_RAW"]}}}}`,
			wantCode: 200},
		{name: "privileged override refused", method: "POST", path: "/v1/submitjob",
			body:     `{"jobName":"j","jobQueue":"default","jobDefinition":"jd","containerOverrides":{"privileged":true}}`,
			wantCode: 400, wantMsg: "Privileged container overrides are disabled"},
		{name: "devices override refused", method: "POST", path: "/v1/submitjob",
			body:     `{"jobName":"j","jobQueue":"default","jobDefinition":"jd","containerOverrides":{"linuxParameters":{"devices":[{"hostPath":"/dev/sda"}]}}}`,
			wantCode: 400, wantMsg: "Host devices (linuxParameters.devices) in container overrides are disabled"},
		{name: "capability override refused", method: "POST", path: "/v1/submitjob",
			body:     `{"jobName":"j","jobQueue":"default","jobDefinition":"jd","containerOverrides":{"linuxParameters":{"capabilities":{"add":["NET_ADMIN"]}}}}`,
			wantCode: 400, wantMsg: "in container overrides are disabled"},
		{name: "body over the limit", method: "POST", path: "/v1/submitjob",
			body:     `{"jobName":"` + strings.Repeat("x", maxBody) + `"}`,
			wantCode: 413, wantMsg: "Request body must be smaller than 8388608 bytes"},
		{name: "host mount refused", method: "POST", path: "/v1/registerjobdefinition",
			body: `{"jobDefinitionName":"m","type":"container","containerProperties":{"image":"i",
				"volumes":[{"name":"v","host":{"sourcePath":"/etc"}}],"mountPoints":[{"sourceVolume":"v","containerPath":"/x"}]}}`,
			wantCode: 400, wantMsg: "host bind mounts"},
		{name: "timeout under 60s", method: "POST", path: "/v1/registerjobdefinition",
			body:     `{"jobDefinitionName":"t","type":"container","containerProperties":{"image":"i"},"timeout":{"attemptDurationSeconds":5}}`,
			wantCode: 400, wantMsg: "at least 60 seconds"},
		{name: "reserved env", method: "POST", path: "/v1/registerjobdefinition",
			body:     `{"jobDefinitionName":"e","type":"container","containerProperties":{"image":"i","environment":[{"name":"AWS_BATCH_X","value":"1"}]}}`,
			wantCode: 400, wantMsg: "reserved"},
		{name: "bad onExitCode pattern", method: "POST", path: "/v1/registerjobdefinition",
			body:     `{"jobDefinitionName":"r","type":"container","containerProperties":{"image":"i"},"retryStrategy":{"attempts":2,"evaluateOnExit":[{"onExitCode":"1?","action":"RETRY"}]}}`,
			wantCode: 400, wantMsg: "Invalid onExitCode"},
		{name: "evaluateOnExit needs attempts", method: "POST", path: "/v1/registerjobdefinition",
			body:     `{"jobDefinitionName":"r","type":"container","containerProperties":{"image":"i"},"retryStrategy":{"evaluateOnExit":[{"onExitCode":"1","action":"RETRY"}]}}`,
			wantCode: 400, wantMsg: "attempts is required"},
		{name: "listjobs needs one selector", method: "POST", path: "/v1/listjobs", body: `{}`, wantCode: 400, wantMsg: "Exactly one"},
		{name: "duplicate queue", method: "POST", path: "/v1/createjobqueue",
			body:     `{"jobQueueName":"default","priority":1,"computeEnvironmentOrder":[{"order":1,"computeEnvironment":"default"}]}`,
			wantCode: 400, wantMsg: "Object already exists"},
		{name: "tags of unknown resource", method: "GET", path: "/v1/tags/arn:aws:batch:us-east-1:123456789012:job-queue/nope", wantCode: 400, wantMsg: "not found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, func(c *Config) { c.AllowPrivileged = tc.allowPriv })
			code, hdr, out := call(t, f.s.Handler(), tc.method, tc.path, tc.body)
			require.Equal(t, tc.wantCode, code, "%v", out)
			if tc.wantCode == 400 || tc.wantCode == 413 {
				require.Equal(t, "ClientException", hdr.Get("X-Amzn-Errortype"))
				require.Equal(t, "ClientException", out["__type"])
				require.Contains(t, out["message"], tc.wantMsg)
			}
		})
	}
}

// TestPrivilegedOverridesAllowed: with --allow-privileged, SubmitJob's privileged and
// linuxParameters overrides are honoured and shown in DescribeJobs.
func TestPrivilegedOverridesAllowed(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(c *Config) { c.AllowPrivileged = true })
	h := f.s.Handler()
	code, _, out := call(t, h, "POST", "/v1/registerjobdefinition", `{"jobDefinitionName":"p","type":"container","containerProperties":{"image":"i"}}`)
	require.Equal(t, 200, code, "%v", out)
	code, _, out = call(t, h, "POST", "/v1/submitjob", `{"jobName":"j","jobQueue":"default","jobDefinition":"p",
		"containerOverrides":{"privileged":true,"linuxParameters":{"devices":[{"hostPath":"/dev/null"}],"capabilities":{"add":["SYS_PTRACE"]}}}}`)
	require.Equal(t, 200, code, "%v", out)
	code, _, out = call(t, h, "POST", "/v1/describejobs", `{"jobs":["`+out["jobId"].(string)+`"]}`)
	require.Equal(t, 200, code, "%v", out)
	c := out["jobs"].([]any)[0].(map[string]any)["container"].(map[string]any)
	require.Equal(t, true, c["privileged"])
	require.Equal(t, map[string]any{"devices": []any{map[string]any{"hostPath": "/dev/null"}}, "capabilities": map[string]any{"add": []any{"SYS_PTRACE"}}}, c["linuxParameters"])
}

func TestAPIResources(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	h := f.s.Handler()
	code, _, out := call(t, h, "POST", "/v1/describecomputeenvironments", `{}`)
	require.Equal(t, 200, code)
	ces := out["computeEnvironments"].([]any)
	require.Len(t, ces, 1)
	require.Equal(t, "arn:aws:batch:us-east-1:123456789012:compute-environment/default", ces[0].(map[string]any)["computeEnvironmentArn"])

	code, _, out = call(t, h, "POST", "/v1/createcomputeenvironment", `{"computeEnvironmentName":"ce2","type":"UNMANAGED","unmanagedvCpus":4}`)
	require.Equal(t, 200, code, "%v", out)
	code, _, out = call(t, h, "POST", "/v1/createjobqueue",
		`{"jobQueueName":"q2","priority":5,"computeEnvironmentOrder":[{"order":1,"computeEnvironment":"arn:aws:batch:us-east-1:123456789012:compute-environment/ce2"}]}`)
	require.Equal(t, 200, code, "%v", out)
	require.Equal(t, "arn:aws:batch:us-east-1:123456789012:job-queue/q2", out["jobQueueArn"])
	code, _, out = call(t, h, "POST", "/v1/describejobqueues", `{"jobQueues":["arn:aws:batch:us-east-1:123456789012:job-queue/q2","default"]}`)
	require.Equal(t, 200, code)
	golden(t, "describejobqueues", out)

	code, _, out = call(t, h, "POST", "/v1/deletecomputeenvironment", `{"computeEnvironment":"ce2"}`)
	require.Equal(t, 400, code)
	require.Contains(t, out["message"], "JobQueue relationship")
	code, _, _ = call(t, h, "POST", "/v1/updatejobqueue", `{"jobQueue":"q2","state":"DISABLED"}`)
	require.Equal(t, 200, code)
	code, _, _ = call(t, h, "POST", "/v1/deletejobqueue", `{"jobQueue":"q2"}`)
	require.Equal(t, 200, code)
	code, _, _ = call(t, h, "POST", "/v1/updatecomputeenvironment", `{"computeEnvironment":"ce2","state":"DISABLED"}`)
	require.Equal(t, 200, code)
	code, _, _ = call(t, h, "POST", "/v1/deletecomputeenvironment", `{"computeEnvironment":"ce2"}`)
	require.Equal(t, 200, code)

	for range 2 {
		code, _, out = call(t, h, "POST", "/v1/registerjobdefinition",
			`{"jobDefinitionName":"jd","type":"container","parameters":{"p":"v"},"containerProperties":{"image":"img","command":["exit","0"],"resourceRequirements":[{"type":"VCPU","value":"1"}]}}`)
		require.Equal(t, 200, code, "%v", out)
	}
	require.EqualValues(t, 2, out["revision"])
	require.Equal(t, "arn:aws:batch:us-east-1:123456789012:job-definition/jd:2", out["jobDefinitionArn"])
	code, _, _ = call(t, h, "POST", "/v1/deregisterjobdefinition", `{"jobDefinition":"jd:2"}`)
	require.Equal(t, 200, code)
	code, _, out = call(t, h, "POST", "/v1/describejobdefinitions", `{"jobDefinitionName":"jd"}`)
	require.Equal(t, 200, code)
	golden(t, "describejobdefinitions", out)
	code, _, out = call(t, h, "POST", "/v1/describejobdefinitions", `{"jobDefinitions":["jd"],"status":"ACTIVE"}`)
	require.Equal(t, 200, code)
	require.Len(t, out["jobDefinitions"], 1)

	// Tags on a queue by ARN.
	arn := "/v1/tags/" + "arn%3Aaws%3Abatch%3Aus-east-1%3A123456789012%3Ajob-queue%2Fdefault"
	code, _, _ = call(t, h, "POST", arn, `{"tags":{"team":"a","env":"dev"}}`)
	require.Equal(t, 200, code)
	code, _, _ = call(t, h, "DELETE", arn+"?tagKeys=env", "")
	require.Equal(t, 200, code)
	code, _, out = call(t, h, "GET", arn, "")
	require.Equal(t, 200, code)
	require.Equal(t, map[string]any{"team": "a"}, out["tags"])
}

func TestAPIJobs(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	h := f.s.Handler()
	code, _, out := call(t, h, "POST", "/v1/registerjobdefinition",
		`{"jobDefinitionName":"jd","type":"container","parameters":{"code":"3"},"retryStrategy":{"attempts":2},
		  "containerProperties":{"image":"img","command":["exit","Ref::code"],"environment":[{"name":"K","value":"v"}],
		  "resourceRequirements":[{"type":"VCPU","value":"1"},{"type":"MEMORY","value":"64"}]}}`)
	require.Equal(t, 200, code, "%v", out)
	code, _, out = call(t, h, "POST", "/v1/submitjob",
		`{"jobName":"fails","jobQueue":"arn:aws:batch:us-east-1:123456789012:job-queue/default","jobDefinition":"jd:1","tags":{"t":"1"}}`)
	require.Equal(t, 200, code, "%v", out)
	id := out["jobId"].(string)
	require.Equal(t, "arn:aws:batch:us-east-1:123456789012:job/"+id, out["jobArn"])
	f.waitStatus(t, id, StatusFailed)

	code, _, out = call(t, h, "POST", "/v1/describejobs", `{"jobs":["`+id+`","unknown"]}`)
	require.Equal(t, 200, code)
	golden(t, "describejobs_failed", out)

	code, _, out = call(t, h, "POST", "/v1/listjobs", `{"jobQueue":"default"}`)
	require.Equal(t, 200, code)
	require.Empty(t, out["jobSummaryList"], "without a status only RUNNING jobs are listed")
	code, _, out = call(t, h, "POST", "/v1/listjobs", `{"jobQueue":"default","jobStatus":"FAILED"}`)
	require.Equal(t, 200, code)
	golden(t, "listjobs_failed", out)
	code, _, out = call(t, h, "POST", "/v1/listjobs", `{"jobQueue":"default","filters":[{"name":"JOB_NAME","values":["fai*"]}]}`)
	require.Equal(t, 200, code)
	require.Len(t, out["jobSummaryList"], 1)
	code, _, out = call(t, h, "POST", "/v1/listjobs", `{"jobQueue":"default","filters":[{"name":"JOB_NAME","values":["other"]}]}`)
	require.Equal(t, 200, code)
	require.Empty(t, out["jobSummaryList"])

	code, _, out = call(t, h, "POST", "/v1/submitjob",
		`{"jobName":"arr","jobQueue":"default","jobDefinition":"jd","arrayProperties":{"size":2},"parameters":{"code":"0"}}`)
	require.Equal(t, 200, code, "%v", out)
	arr := out["jobId"].(string)
	f.waitStatus(t, arr, StatusSucceeded)
	code, _, out = call(t, h, "POST", "/v1/listjobs", `{"arrayJobId":"`+arr+`","jobStatus":"SUCCEEDED"}`)
	require.Equal(t, 200, code)
	require.Len(t, out["jobSummaryList"], 2)
	code, _, out = call(t, h, "POST", "/v1/describejobs", `{"jobs":["`+arr+`"]}`)
	require.Equal(t, 200, code)
	golden(t, "describejobs_array_parent", out)

	code, _, _ = call(t, h, "POST", "/v1/terminatejob", `{"jobId":"`+id+`","reason":"x"}`)
	require.Equal(t, 200, code, "terminating a finished job is a no-op")
	_ = context.Background()
}
