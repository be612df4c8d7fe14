//go:build linux

package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFaultLambdaCrashAndHang: a function whose process exits, or that outlives its Timeout,
// fails that invocation only; the next one works.
func TestFaultLambdaCrashAndHang(t *testing.T) {
	t.Parallel()
	needTool(t, "python3", "--version")
	p := startProc(t, nil)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("handler.py")
	require.NoError(t, err)
	_, err = fmt.Fprint(w, `import os, time
def handler(event, context):
    if event.get("crash"):
        os._exit(3)
    if event.get("hang"):
        time.sleep(600)
    return {"ok": True}
`)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	require.Equal(t, http.StatusCreated, p.call(t, http.MethodPost, "/2015-03-31/functions", nil, map[string]any{
		"FunctionName": "f", "Runtime": "python3.12", "Handler": "handler.handler", "Role": "arn:aws:iam::123456789012:role/r",
		"Timeout": 1, "Code": map[string]any{"ZipFile": buf.Bytes()},
	}, nil))
	invoke := func(payload string) (string, map[string]any) {
		req, _ := http.NewRequest(http.MethodPost, "http://"+p.addr+"/2015-03-31/functions/f/invocations", strings.NewReader(payload))
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var out map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
		return resp.Header.Get("X-Amz-Function-Error"), out
	}
	fnErr, out := invoke(`{}`)
	require.Empty(t, fnErr)
	require.Equal(t, map[string]any{"ok": true}, out)

	fnErr, out = invoke(`{"crash": true}`)
	require.Equal(t, "Unhandled", fnErr)
	require.Equal(t, "Runtime.ExitError", out["errorType"])
	fnErr, out = invoke(`{}`)
	require.Empty(t, fnErr, "after a crash")
	require.Equal(t, map[string]any{"ok": true}, out)

	fnErr, out = invoke(`{"hang": true}`)
	require.Equal(t, "Unhandled", fnErr)
	require.Equal(t, "Sandbox.Timedout", out["errorType"])
	fnErr, out = invoke(`{}`)
	require.Empty(t, fnErr, "after a timeout")
	require.Equal(t, map[string]any{"ok": true}, out)
}

// TestFaultDockerUnreachable: with DOCKER_HOST pointing nowhere, sfnlocal starts, says so
// clearly, runs executions, and a Batch job fails with the daemon's error instead of hanging.
func TestFaultDockerUnreachable(t *testing.T) {
	t.Parallel()
	p := startProc(t, []string{"DOCKER_HOST=tcp://127.0.0.1:1"}, "--time", "instant")
	p.waitLog(t, "docker is not reachable")

	def, _ := json.Marshal(`{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"Next":"J"},
		"J":{"Type":"Task","Resource":"arn:aws:states:::batch:submitJob.sync","Parameters":{"JobName":"j","JobQueue":"default","JobDefinition":"d"},"End":true}}}`)
	var sm struct{ StateMachineArn string }
	p.sfn(t, "CreateStateMachine", `{"name":"m","roleArn":"arn:aws:iam::123456789012:role/r","definition":`+string(def)+`}`, &sm)
	require.Equal(t, http.StatusOK, p.call(t, http.MethodPost, "/v1/registerjobdefinition", nil, map[string]any{
		"jobDefinitionName": "d", "type": "container",
		"containerProperties": map[string]any{"image": "busybox", "command": []string{"true"}, "resourceRequirements": []map[string]string{{"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "64"}}},
	}, nil))
	var st struct{ ExecutionArn string }
	p.sfn(t, "StartExecution", map[string]any{"stateMachineArn": sm.StateMachineArn}, &st)
	// The job fails as soon as its container cannot be created.
	p.waitEnd(t, st.ExecutionArn)
	var d struct{ Status, Error, Cause string }
	p.sfn(t, "DescribeExecution", map[string]any{"executionArn": st.ExecutionArn}, &d)
	require.Equal(t, "FAILED", d.Status)
	require.Equal(t, "States.TaskFailed", d.Error)
	require.Contains(t, d.Cause, "Cannot connect to the Docker daemon")

	// Everything else still answers.
	var list struct{ StateMachines []any }
	p.sfn(t, "ListStateMachines", `{}`, &list)
	require.Len(t, list.StateMachines, 1)
}

// TestLoadConcurrentExecutions: 1,000 executions at once, each with a Wait (instant time)
// then a Lambda Task (a python function, several environments at once) or, for one in 50, a
// Batch job (a real container), end with zero errors.
func TestLoadConcurrentExecutions(t *testing.T) {
	t.Parallel()
	needTool(t, "python3", "--version")
	needTool(t, "docker", "version")
	image := sleeperImage(t)
	p := startProc(t, nil, "--time", "instant")
	require.Equal(t, http.StatusOK, p.call(t, http.MethodPost, "/v1/registerjobdefinition", nil, map[string]any{
		"jobDefinitionName": "quick", "type": "container",
		"containerProperties": map[string]any{"image": image, "command": []string{"0s"}, "resourceRequirements": []map[string]string{{"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "64"}}},
	}, nil))
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("handler.py")
	require.NoError(t, err)
	_, err = fmt.Fprint(w, "def handler(event, context):\n    return {\"n\": event[\"n\"] * 2}\n")
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	require.Equal(t, http.StatusCreated, p.call(t, http.MethodPost, "/2015-03-31/functions", nil, map[string]any{
		"FunctionName": "double", "Runtime": "python3.12", "Handler": "handler.handler", "Role": "arn:aws:iam::123456789012:role/r",
		"Timeout": 60, "Code": map[string]any{"ZipFile": buf.Bytes()},
	}, nil))
	def, _ := json.Marshal(`{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":30,"Next":"C"},
		"C":{"Type":"Choice","Choices":[{"Variable":"$.batch","BooleanEquals":true,"Next":"B"}],"Default":"L"},
		"B":{"Type":"Task","Resource":"arn:aws:states:::batch:submitJob.sync","Parameters":{"JobName":"quick","JobQueue":"default","JobDefinition":"quick"},
			"ResultSelector":{"status.$":"$.Status","exit.$":"$.Container.ExitCode"},"End":true},
		"L":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"double","Payload.$":"$"},"OutputPath":"$.Payload","End":true}}}`)
	var sm struct{ StateMachineArn string }
	p.sfn(t, "CreateStateMachine", `{"name":"load","roleArn":"arn:aws:iam::123456789012:role/r","definition":`+string(def)+`}`, &sm)

	const n = 1000
	arns := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Not p.call: require must not run on this goroutine.
			body, _ := json.Marshal(map[string]any{"stateMachineArn": sm.StateMachineArn, "input": fmt.Sprintf(`{"n":%d,"batch":%t}`, i, i%50 == 0)})
			req, _ := http.NewRequest(http.MethodPost, "http://"+p.addr+"/", bytes.NewReader(body))
			req.Header.Set("X-Amz-Target", "AWSStepFunctions.StartExecution")
			req.Header.Set("Content-Type", "application/x-amz-json-1.0")
			resp, err := http.DefaultClient.Do(req)
			if !assert.NoError(t, err) {
				return
			}
			defer resp.Body.Close()
			var st struct{ ExecutionArn string }
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.NoError(t, json.NewDecoder(resp.Body).Decode(&st))
			arns[i] = st.ExecutionArn
		}()
	}
	wg.Wait()
	require.False(t, t.Failed())
	for i, arn := range arns {
		p.waitEnd(t, arn)
		var d struct{ Status, Output, Error, Cause string }
		p.sfn(t, "DescribeExecution", map[string]any{"executionArn": arn}, &d)
		require.Equal(t, "SUCCEEDED", d.Status, "%s: %s %s", arn, d.Error, d.Cause)
		if i%50 == 0 {
			require.JSONEq(t, `{"status":"SUCCEEDED","exit":0}`, d.Output)
		} else {
			require.JSONEq(t, fmt.Sprintf(`{"n":%d}`, 2*i), d.Output)
		}
	}
}

// TestFaultDockerKillJob: `docker kill` of a running job's container fails the job as AWS
// does (exit code 137, "Essential container in task exited") and the execution with
// States.TaskFailed.
func TestFaultDockerKillJob(t *testing.T) {
	t.Parallel()
	needTool(t, "docker", "version")
	image := sleeperImage(t)
	p := startProc(t, []string{"TMPDIR=" + t.TempDir()})
	require.Equal(t, http.StatusOK, p.call(t, http.MethodPost, "/v1/registerjobdefinition", nil, map[string]any{
		"jobDefinitionName": "sleep", "type": "container",
		"containerProperties": map[string]any{"image": image, "command": []string{"1h"}, "resourceRequirements": []map[string]string{{"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "64"}}},
	}, nil))
	def, _ := json.Marshal(`{"StartAt":"J","States":{"J":{"Type":"Task","Resource":"arn:aws:states:::batch:submitJob.sync",
		"Parameters":{"JobName":"sleep","JobQueue":"default","JobDefinition":"sleep"},"End":true}}}`)
	var sm struct{ StateMachineArn string }
	p.sfn(t, "CreateStateMachine", `{"name":"kill","roleArn":"arn:aws:iam::123456789012:role/r","definition":`+string(def)+`}`, &sm)

	// Docker tells when the job's container starts (this server's, by its pid label).
	events := exec.Command("docker", "events", "--filter", "label=sfnlocal.pid="+strconv.Itoa(p.cmd.Process.Pid), "--filter", "event=start", "--format", "{{.ID}}")
	evOut, err := events.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, events.Start())
	t.Cleanup(func() { _ = events.Process.Kill(); _ = events.Wait() })
	var st struct{ ExecutionArn string }
	p.sfn(t, "StartExecution", map[string]any{"stateMachineArn": sm.StateMachineArn}, &st)
	started := bufio.NewScanner(evOut)
	require.True(t, started.Scan(), "the job's container never started")
	out, err := exec.Command("docker", "kill", started.Text()).CombinedOutput()
	require.NoError(t, err, string(out))

	p.waitEnd(t, st.ExecutionArn)
	var d struct{ Status, Error, Cause string }
	p.sfn(t, "DescribeExecution", map[string]any{"executionArn": st.ExecutionArn}, &d)
	require.Equal(t, "FAILED", d.Status)
	require.Equal(t, "States.TaskFailed", d.Error)
	var job struct {
		Status, StatusReason string
		Container            struct{ ExitCode int }
	}
	require.NoError(t, json.Unmarshal([]byte(d.Cause), &job), d.Cause)
	require.Equal(t, "FAILED", job.Status)
	require.Equal(t, "Essential container in task exited", job.StatusReason)
	require.Equal(t, 137, job.Container.ExitCode)
}
