package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

func TestRunCommand(t *testing.T) {
	t.Parallel()
	passDef := `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"x":1},"ResultPath":"$.r","End":true}}}`
	failDef := `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom","Cause":"bad <thing>"}}}`
	waitDef := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`
	tests := []struct {
		name       string
		def        string
		args       []string
		inputFile  string
		wantCode   int
		wantStatus string
		wantOutput any
		wantError  any
		wantCause  any
		wantEvents []string
	}{
		{name: "pass", def: passDef, args: []string{"--input", `{"a":"b"}`}, wantCode: 0, wantStatus: "SUCCEEDED",
			wantOutput: `{"a":"b","r":{"x":1}}`, wantError: nil, wantCause: nil},
		{name: "default input", def: passDef, wantCode: 0, wantStatus: "SUCCEEDED", wantOutput: `{"r":{"x":1}}`},
		{name: "input from file", def: passDef, inputFile: `{"from":"file"}`, wantCode: 0, wantStatus: "SUCCEEDED",
			wantOutput: `{"from":"file","r":{"x":1}}`},
		{name: "fail state", def: failDef, wantCode: 1, wantStatus: "FAILED", wantOutput: nil, wantError: "Boom", wantCause: "bad <thing>"},
		{name: "history", def: passDef, args: []string{"--history"}, wantCode: 0, wantStatus: "SUCCEEDED", wantOutput: `{"r":{"x":1}}`,
			wantEvents: []string{"ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"}},
		{name: "instant wait", def: waitDef, args: []string{"--time", "instant"}, wantCode: 0, wantStatus: "SUCCEEDED", wantOutput: `{}`},
		// Tasks that need a server fail at once, saying why, instead of waiting forever.
		{name: "activity", def: `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:work","End":true}}}`,
			wantCode: 1, wantStatus: "FAILED", wantError: "States.Runtime",
			wantCause: "An error occurred while executing the state 'A' (entered at the event id #2). This Task cannot run under sfnlocal run: the activity arn:aws:states:us-east-1:123456789012:activity:work needs a worker calling GetActivityTask, and sfnlocal run serves no API; run it under sfnlocal serve"},
		{name: "callback", def: `{"StartAt":"C","States":{"C":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","Parameters":{"QueueUrl":"q","MessageBody.$":"$$.Task.Token"},"End":true}}}`,
			wantCode: 1, wantStatus: "FAILED", wantError: "States.Runtime",
			wantCause: "An error occurred while executing the state 'C' (entered at the event id #2). This Task cannot run under sfnlocal run: arn:aws:states:::sqs:sendMessage.waitForTaskToken waits for a client to call SendTaskSuccess or SendTaskFailure, and sfnlocal run serves no API; run it under sfnlocal serve"},
		{name: "service", def: `{"StartAt":"L","States":{"L":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"End":true}}}`,
			wantCode: 1, wantStatus: "FAILED", wantError: "States.Runtime",
			wantCause: "An error occurred while executing the state 'L' (entered at the event id #2). This Task cannot run under sfnlocal run: sfnlocal run has no service simulators, so arn:aws:states:::lambda:invoke cannot be reached; run it under sfnlocal serve, or mock the state"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"--definition", writeFile(t, "def.json", tc.def)}, tc.args...)
			if tc.inputFile != "" {
				args = append(args, "--input", "@"+writeFile(t, "in.json", tc.inputFile))
			}
			var stdout, stderr bytes.Buffer
			code := runCommand(args, func(string) string { return "" }, &stdout, &stderr)
			require.Equal(t, tc.wantCode, code, stderr.String())
			var got map[string]any
			require.NoError(t, json.Unmarshal(stdout.Bytes(), &got), stdout.String())
			require.Equal(t, tc.wantStatus, got["status"])
			require.Equal(t, tc.wantOutput, got["output"])
			require.Equal(t, tc.wantError, got["error"])
			require.Equal(t, tc.wantCause, got["cause"])
			if tc.wantEvents == nil {
				require.NotContains(t, got, "events")
				return
			}
			evs, ok := got["events"].([]any)
			require.True(t, ok)
			require.Len(t, evs, len(tc.wantEvents))
			for i, ev := range evs {
				m := ev.(map[string]any)
				require.Equal(t, tc.wantEvents[i], m["type"])
				require.Equal(t, float64(i+1), m["id"])
				require.Contains(t, m, "timestamp")
				require.Contains(t, m, "previousEventId")
			}
			entered := evs[1].(map[string]any)["stateEnteredEventDetails"].(map[string]any)
			require.Equal(t, "P", entered["name"])
			require.Equal(t, "{}", entered["input"])
		})
	}
}

func TestRunCommandErrors(t *testing.T) {
	t.Parallel()
	good := `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	tests := []struct {
		name     string
		args     func(t *testing.T) []string
		wantCode int
	}{
		{"no definition flag", func(t *testing.T) []string { return nil }, 2},
		{"missing file", func(t *testing.T) []string { return []string{"--definition", "/nonexistent/def.json"} }, 2},
		{"invalid definition", func(t *testing.T) []string {
			return []string{"--definition", writeFile(t, "d.json", `{"StartAt":"X","States":{}}`)}
		}, 1},
		{"invalid input", func(t *testing.T) []string {
			return []string{"--definition", writeFile(t, "d.json", good), "--input", "{nope"}
		}, 2},
		{"bad time mode", func(t *testing.T) []string {
			return []string{"--definition", writeFile(t, "d.json", good), "--time", "warp"}
		}, 2},
		{"unknown flag", func(t *testing.T) []string { return []string{"--bogus"} }, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := runCommand(tc.args(t), func(string) string { return "" }, &stdout, &stderr)
			require.Equal(t, tc.wantCode, code)
			require.NotEmpty(t, stderr.String())
		})
	}
}

func TestRunCommandMocks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	def := filepath.Join(dir, "LambdaSQSIntegration.json")
	require.NoError(t, os.WriteFile(def, []byte(`{"StartAt":"LambdaState","States":{
		"LambdaState":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload.$":"$"},
			"Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":2,"MaxAttempts":3,"BackoffRate":2}],"Next":"SQSState"},
		"SQSState":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","Parameters":{"QueueUrl":"q","MessageBody.$":"$"},"End":true}}}`), 0o600))
	mocks := "../../internal/mockcfg/testdata/aws-guide-example.json"
	run := func(args ...string) (int, map[string]any, string) {
		var stdout, stderr bytes.Buffer
		code := runCommand(append([]string{"--definition", def, "--time", "instant"}, args...), func(string) string { return "" }, &stdout, &stderr)
		var got map[string]any
		_ = json.Unmarshal(stdout.Bytes(), &got)
		return code, got, stderr.String()
	}
	code, got, stderr := run("--mock-config", mocks, "--test-case", "RetryPath")
	require.Equal(t, 0, code, stderr)
	require.Equal(t, "SUCCEEDED", got["status"])
	require.JSONEq(t, `{"MD5OfMessageBody":"3bcb6e8e-7h85-4375-b0bc-1a59812c6e51","MessageId":"3bcb6e8e-8b51-4375-b0bc-1a59812c6e51"}`, got["output"].(string))

	// HybridPath leaves SQSState to the service, which run does not simulate.
	code, got, _ = run("--mock-config", mocks, "--test-case", "HybridPath")
	require.Equal(t, 1, code)
	require.Equal(t, "States.Runtime", got["error"])
	require.Contains(t, got["cause"], "sfnlocal run has no service simulators")

	code, _, stderr = run("--mock-config", mocks, "--test-case", "Nope")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, `no test case "Nope" for state machine "LambdaSQSIntegration"`)
	code, _, stderr = run("--mock-config", mocks, "--test-case", "HappyPath", "--name", "Other")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, `no state machine "Other"`)
	code, _, stderr = run("--test-case", "HappyPath")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "--test-case needs --mock-config")
}

// TestRunInvalidDefinitionMessage: each problem on its own line, with its location when it has
// one, and never AWS's "at null".
func TestRunInvalidDefinitionMessage(t *testing.T) {
	t.Parallel()
	def := writeFile(t, "d.json", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Next":"A"}}}`)
	var stdout, stderr bytes.Buffer
	require.Equal(t, 1, runCommand([]string{"--definition", def}, func(string) string { return "" }, &stdout, &stderr))
	require.NotContains(t, stderr.String(), "at null")
	require.Contains(t, stderr.String(), "invalid definition "+def+":\n  MISSING_END_STATE: ")
}
