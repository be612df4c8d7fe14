package lambda

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/internal/clock"
)

const pyHandlers = `import json, os, sys, time

def handler(event, context):
    action = event.get("action") if isinstance(event, dict) else None
    if action == "env":
        return {k: os.environ.get(k) for k in ("AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_REGION", "AWS_LAMBDA_LOG_GROUP_NAME", "LAMBDA_TASK_ROOT", "_HANDLER", "GREETING", "AWS_ENDPOINT_URL")} | {
            "requestId": context.aws_request_id, "functionName": context.function_name,
            "arn": context.invoked_function_arn, "remaining": context.get_remaining_time_in_millis() > 0}
    if action == "pid":
        return os.getpid()
    if action == "raise":
        raise ValueError("bad value")
    if action == "sleep":
        time.sleep(30)
    if action == "exit":
        os._exit(3)
    if action == "log":
        print("hello-log")
        return "logged"
    if action == "block":
        with open(event["started"], "w") as f:
            f.write("started")
        with open(event["release"]) as f:
            f.read()
        return os.getpid()
    if action == "unicode":
        return {"text": "h\u00e9llo <&>"}
    return event
`

func TestPythonRuntime(t *testing.T) {
	t.Parallel()
	// A scaled clock makes the 1 s Timeout of "slow" last 100 ms of real time; "py" and
	// "broken" have 60 s.
	s := newTestService(t, Config{Clock: clock.NewScaled(10), Env: map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:8083"}})
	spec := pyFn("py", pyHandlers)
	spec.timeout = 60
	spec.env = map[string]string{"GREETING": "hi"}
	createFn(t, s, spec)
	slow := pyFn("slow", pyHandlers)
	slow.timeout = 1
	createFn(t, s, slow)
	// Its import fails at start-up, which must not race its timeout on a loaded machine.
	broken := pyFn("broken", "import no_such_module_xyz\n\ndef handler(e, c):\n    return 1\n")
	broken.timeout = 60
	createFn(t, s, broken)
	invoke := func(t *testing.T, fn, payload string) *InvokeOutput {
		t.Helper()
		out, err := s.Invoke(context.Background(), &InvokeInput{FunctionName: fn, Payload: []byte(payload), LogType: "Tail"})
		require.NoError(t, err)
		require.Equal(t, 200, out.StatusCode)
		return out
	}
	decode := func(t *testing.T, b []byte) map[string]any {
		t.Helper()
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m), string(b))
		return m
	}

	t.Run("env and context", func(t *testing.T) {
		t.Parallel()
		out := invoke(t, "py", `{"action": "env"}`)
		require.Empty(t, out.FunctionError)
		m := decode(t, out.Payload)
		require.Equal(t, "py", m["AWS_LAMBDA_FUNCTION_NAME"])
		require.Equal(t, "$LATEST", m["AWS_LAMBDA_FUNCTION_VERSION"])
		require.Equal(t, "128", m["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"])
		require.Equal(t, testRegion, m["AWS_REGION"])
		require.Equal(t, "/aws/lambda/py", m["AWS_LAMBDA_LOG_GROUP_NAME"])
		require.Equal(t, "handler.handler", m["_HANDLER"])
		require.Equal(t, "hi", m["GREETING"])
		require.Equal(t, "http://127.0.0.1:8083", m["AWS_ENDPOINT_URL"])
		require.Equal(t, out.RequestID, m["requestId"])
		require.Equal(t, "py", m["functionName"])
		require.Equal(t, "arn:aws:lambda:us-east-1:111111111111:function:py", m["arn"])
		require.Equal(t, true, m["remaining"])
	})
	t.Run("function error", func(t *testing.T) {
		t.Parallel()
		out := invoke(t, "py", `{"action": "raise"}`)
		require.Equal(t, "Unhandled", out.FunctionError)
		m := decode(t, out.Payload)
		require.Equal(t, "ValueError", m["errorType"])
		require.Equal(t, "bad value", m["errorMessage"])
		require.Equal(t, out.RequestID, m["requestId"])
		require.Equal(t, []any{"  File \"/var/task/handler.py\", line 12, in handler\n    raise ValueError(\"bad value\")\n"}, m["stackTrace"])
	})
	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		out := invoke(t, "slow", `{"action": "sleep"}`)
		require.Equal(t, "Unhandled", out.FunctionError)
		m := decode(t, out.Payload)
		require.Equal(t, "Sandbox.Timedout", m["errorType"])
		require.Equal(t, "RequestId: "+out.RequestID+" Error: Task timed out after 1.00 seconds", m["errorMessage"])
		logs, err := base64.StdEncoding.DecodeString(out.LogResult)
		require.NoError(t, err)
		require.Contains(t, string(logs), "Task timed out after 1.00 seconds")
		require.Contains(t, string(logs), "Status: timeout")
	})
	t.Run("runtime exit", func(t *testing.T) {
		t.Parallel()
		out := invoke(t, "py", `{"action": "exit"}`)
		require.Equal(t, "Unhandled", out.FunctionError)
		m := decode(t, out.Payload)
		require.Equal(t, "Runtime.ExitError", m["errorType"])
		require.Equal(t, "RequestId: "+out.RequestID+" Error: Runtime exited with error: exit status 3", m["errorMessage"])
	})
	t.Run("init error", func(t *testing.T) {
		t.Parallel()
		out := invoke(t, "broken", `{}`)
		require.Equal(t, "Unhandled", out.FunctionError)
		m := decode(t, out.Payload)
		require.Equal(t, "Runtime.ImportModuleError", m["errorType"])
		require.Equal(t, "Unable to import module 'handler': No module named 'no_such_module_xyz'", m["errorMessage"])
	})
	t.Run("log tail", func(t *testing.T) {
		t.Parallel()
		out := invoke(t, "py", `{"action": "log"}`)
		require.Equal(t, `"logged"`, string(out.Payload))
		logs, err := base64.StdEncoding.DecodeString(out.LogResult)
		require.NoError(t, err)
		text := string(logs)
		require.True(t, strings.HasPrefix(text, "START RequestId: "+out.RequestID+" Version: $LATEST\nhello-log\nEND RequestId: "+out.RequestID+"\nREPORT RequestId: "+out.RequestID+"\tDuration: "), text)
	})
	t.Run("unicode result is not escaped", func(t *testing.T) {
		t.Parallel()
		out := invoke(t, "py", `{"action": "unicode"}`)
		require.Equal(t, `{"text": "héllo <&>"}`, string(out.Payload))
	})
}

func TestPythonWarmReuseAndConcurrency(t *testing.T) {
	t.Parallel()
	s := newTestService(t, Config{})
	spec := pyFn("py", pyHandlers)
	spec.timeout = 60
	createFn(t, s, spec)
	pid := func(payload string) string {
		out, err := s.Invoke(context.Background(), &InvokeInput{FunctionName: "py", Payload: []byte(payload)})
		require.NoError(t, err)
		require.Empty(t, out.FunctionError, string(out.Payload))
		return string(out.Payload)
	}
	first := pid(`{"action": "pid"}`)
	require.Equal(t, first, pid(`{"action": "pid"}`), "a warm environment is reused")

	// While one invocation blocks, a second one gets its own environment. The blocked handler
	// and the test meet on named pipes: opening one blocks until the other side opens it.
	dir := t.TempDir()
	started, release := filepath.Join(dir, "started"), filepath.Join(dir, "release")
	require.NoError(t, syscall.Mkfifo(started, 0o600))
	require.NoError(t, syscall.Mkfifo(release, 0o600))
	var wg sync.WaitGroup
	var blocked string
	wg.Add(1)
	go func() {
		defer wg.Done()
		out, err := s.Invoke(context.Background(), &InvokeInput{FunctionName: "py", Payload: []byte(`{"action": "block", "started": "` + started + `", "release": "` + release + `"}`)})
		if err == nil {
			blocked = string(out.Payload)
		}
	}()
	b, err := os.ReadFile(started) // returns once the handler has written and closed it
	require.NoError(t, err)
	require.Equal(t, "started", string(b))
	second := pid(`{"action": "pid"}`)
	require.NoError(t, os.WriteFile(release, []byte("go"), 0o600))
	wg.Wait()
	require.NotEmpty(t, blocked)
	require.NotEqual(t, blocked, second, "concurrent invocations run in different environments")
	require.Contains(t, []string{blocked, second}, first)
}

func TestNodeRuntime(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("node"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node not found")
		}
		t.Skip("node not found")
	}
	s := newTestService(t, Config{})
	createFn(t, s, fnSpec{name: "js", runtime: "nodejs22.x", handler: "index.handler", files: map[string][]byte{"index.js": []byte(`
exports.handler = async (event, context) => {
  if (event.fail) { const e = new Error("it failed"); e.name = "CustomError"; throw e; }
  if (event.throwString) { throw "plain text"; }
  return { echo: event, fn: context.functionName, env: process.env.GREETING };
};`)}, env: map[string]string{"GREETING": "hello"}})
	createFn(t, s, fnSpec{name: "cb", runtime: "nodejs20.x", handler: "lib/main.run", files: map[string][]byte{"lib/main.js": []byte(`
exports.run = (event, context, callback) => { callback(null, event.n * 2); };`)}})
	createFn(t, s, fnSpec{name: "nohandler", runtime: "nodejs22.x", handler: "index.handler", files: map[string][]byte{"index.js": []byte(`exports.other = () => 1;`)}})
	for _, tc := range []struct {
		name, fn, payload, want, wantErr, wantMsg string
	}{
		{name: "async result", fn: "js", payload: `{"a":1}`, want: `{"echo":{"a":1},"fn":"js","env":"hello"}`},
		{name: "callback", fn: "cb", payload: `{"n":21}`, want: `42`},
		{name: "error", fn: "js", payload: `{"fail":true}`, wantErr: "CustomError", wantMsg: "it failed"},
		{name: "thrown string", fn: "js", payload: `{"throwString":true}`, wantErr: "string", wantMsg: "plain text"},
		{name: "handler not exported", fn: "nohandler", payload: `{}`, wantErr: "Runtime.HandlerNotFound", wantMsg: "index.handler is undefined or not exported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, err := s.Invoke(context.Background(), &InvokeInput{FunctionName: tc.fn, Payload: []byte(tc.payload)})
			require.NoError(t, err)
			if tc.wantErr != "" {
				require.Equal(t, "Unhandled", out.FunctionError)
				var m map[string]any
				require.NoError(t, json.Unmarshal(out.Payload, &m))
				require.Equal(t, tc.wantErr, m["errorType"])
				require.Equal(t, tc.wantMsg, m["errorMessage"])
				return
			}
			require.Empty(t, out.FunctionError, string(out.Payload))
			require.JSONEq(t, tc.want, string(out.Payload))
		})
	}
}

var (
	goBootOnce sync.Once
	goBootDir  string
	goBootPath string
	goBootErr  error
)

// TestMain removes the Go bootstrap built by goBootstrap.
func TestMain(m *testing.M) {
	code := m.Run()
	if goBootDir != "" {
		_ = os.RemoveAll(goBootDir)
	}
	os.Exit(code)
}

// goBootstrap builds testdata/gobootstrap (aws-lambda-go) as a static binary, once.
func goBootstrap(t testing.TB) string {
	t.Helper()
	goBootOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sfnlocal-gobootstrap-")
		if err != nil {
			goBootErr = err
			return
		}
		goBootDir = dir
		goBootPath = filepath.Join(dir, "bootstrap")
		cmd := exec.Command("go", "build", "-o", goBootPath, "./testdata/gobootstrap")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			goBootErr = err
			goBootPath = string(out)
		}
	})
	require.NoError(t, goBootErr, goBootPath)
	return goBootPath
}

func TestProvidedRuntimeGoBootstrap(t *testing.T) {
	t.Parallel()
	bin, err := os.ReadFile(goBootstrap(t))
	require.NoError(t, err)
	s := newTestService(t, Config{})
	for _, rt := range []string{"provided.al2023", "provided.al2"} {
		name := "go-" + strings.ReplaceAll(rt, ".", "-")
		createFn(t, s, fnSpec{name: name, runtime: rt, handler: "bootstrap", files: map[string][]byte{"bootstrap": bin}, exec: []string{"bootstrap"}, env: map[string]string{"GREETING": "salut"}})
	}
	createFn(t, s, fnSpec{name: "no-bootstrap", runtime: "provided.al2023", handler: "bootstrap", files: map[string][]byte{"other": []byte("x")}})
	for _, tc := range []struct {
		name, fn, payload string
		check             func(t *testing.T, out *InvokeOutput)
	}{
		{name: "al2023 result", fn: "go-provided-al2023", payload: `{"echo": [1, 2]}`, check: func(t *testing.T, out *InvokeOutput) {
			require.Empty(t, out.FunctionError)
			require.JSONEq(t, `{"echo":[1,2],"function":"go-provided-al2023","requestId":"`+out.RequestID+`","greeting":"salut"}`, string(out.Payload))
			logs, _ := base64.StdEncoding.DecodeString(out.LogResult)
			require.Contains(t, string(logs), "go handler ran")
		}},
		{name: "al2 result", fn: "go-provided-al2", payload: `{"echo": "x"}`, check: func(t *testing.T, out *InvokeOutput) {
			require.Empty(t, out.FunctionError)
			require.Contains(t, string(out.Payload), `"function":"go-provided-al2"`)
		}},
		{name: "error type", fn: "go-provided-al2023", payload: `{"fail": "nope"}`, check: func(t *testing.T, out *InvokeOutput) {
			require.Equal(t, "Unhandled", out.FunctionError)
			var m map[string]any
			require.NoError(t, json.Unmarshal(out.Payload, &m))
			require.Equal(t, "BadInput", m["errorType"])
			require.Equal(t, "nope", m["errorMessage"])
		}},
		{name: "missing bootstrap", fn: "no-bootstrap", payload: `{}`, check: func(t *testing.T, out *InvokeOutput) {
			require.Equal(t, "Unhandled", out.FunctionError)
			require.JSONEq(t, `{"errorType":"Runtime.InvalidEntrypoint","errorMessage":"RequestId:  Error: Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]"}`, string(out.Payload))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, err := s.Invoke(context.Background(), &InvokeInput{FunctionName: tc.fn, Payload: []byte(tc.payload), LogType: "Tail"})
			require.NoError(t, err)
			tc.check(t, out)
		})
	}
}

// TestPythonRuntimeVersions: python3.12+ keep non-ASCII text in results; older runtimes escape
// it. Every runtime reports the requestId in error bodies.
func TestPythonRuntimeVersions(t *testing.T) {
	t.Parallel()
	s := newTestService(t, Config{})
	for _, rt := range []string{"python3.11", "python3.13"} {
		spec := pyFn(strings.ReplaceAll(rt, ".", "-"), pyHandlers)
		spec.runtime = rt
		createFn(t, s, spec)
	}
	for _, tc := range []struct {
		fn, payload, want string
	}{
		{fn: "python3-11", payload: `{"action": "unicode"}`, want: `{"text": "h\u00e9llo <&>"}`},
		{fn: "python3-13", payload: `{"action": "unicode"}`, want: `{"text": "héllo <&>"}`},
		{fn: "python3-11", payload: `{"action": "raise"}`},
		{fn: "python3-13", payload: `{"action": "raise"}`},
	} {
		t.Run(tc.fn+" "+tc.payload, func(t *testing.T) {
			t.Parallel()
			out, err := s.Invoke(context.Background(), &InvokeInput{FunctionName: tc.fn, Payload: []byte(tc.payload)})
			require.NoError(t, err)
			if tc.want != "" {
				require.Equal(t, tc.want, string(out.Payload))
				return
			}
			var m map[string]any
			require.NoError(t, json.Unmarshal(out.Payload, &m))
			require.Equal(t, out.RequestID, m["requestId"], string(out.Payload))
		})
	}
}

// TestPythonLogging: the root logger writes Lambda's text format with the request id, and
// unhandled errors are logged as one entry.
func TestPythonLogging(t *testing.T) {
	t.Parallel()
	s := newTestService(t, Config{})
	createFn(t, s, pyFn("logs", "import logging\nlogger = logging.getLogger()\nlogger.setLevel(logging.INFO)\n\ndef handler(e, c):\n    logger.info('hello %s', 'world')\n    if e.get('fail'):\n        raise KeyError('k')\n    return 1\n"))
	for _, tc := range []struct {
		payload, want string
	}{
		{`{}`, "\t<id>\thello world\n"},
		{`{"fail": true}`, "[ERROR] KeyError: 'k'\rTraceback (most recent call last):\r\u00a0\u00a0File \"/var/task/handler.py\", line 8, in handler\r\u00a0\u00a0\u00a0\u00a0raise KeyError('k')\n"},
	} {
		out, err := s.Invoke(context.Background(), &InvokeInput{FunctionName: "logs", Payload: []byte(tc.payload), LogType: "Tail"})
		require.NoError(t, err)
		logs, err := base64.StdEncoding.DecodeString(out.LogResult)
		require.NoError(t, err)
		require.Contains(t, string(logs), "[INFO]\t")
		require.Contains(t, string(logs), strings.ReplaceAll(tc.want, "<id>", out.RequestID))
	}
}
