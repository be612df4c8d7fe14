package api_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/api"
	"github.com/sfnlocal/sfnlocal/api/apitest"
	"github.com/sfnlocal/sfnlocal/internal/clock"
)

// realServer is a Service on the interpreter (instant time) behind a real listener.
func realServer(t *testing.T) *apitest.Server {
	clocks, err := clock.ParseMode("instant")
	require.NoError(t, err)
	return apitest.NewServer(t, api.Options{
		Engine: api.InterpreterEngine(api.InterpreterConfig{Clock: clocks, Logger: zap.NewNop()}),
	})
}

// needTool skips when a client is missing locally; in CI (CI=true) it fails instead.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required in CI: %v", name, err)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

// TestAWSCLI drives a started server with the aws CLI, including the documented sync- host
// prefix workaround.
func TestAWSCLI(t *testing.T) {
	awsBin := needTool(t, "aws")
	srv := realServer(t)
	env := append(os.Environ(), "AWS_ACCESS_KEY_ID=dummy", "AWS_SECRET_ACCESS_KEY=dummy", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_PAGER=", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	run := func(extraEnv []string, args ...string) (map[string]any, string, error) {
		cmd := exec.Command(awsBin, append([]string{"stepfunctions", "--endpoint-url", srv.URL, "--output", "json"}, args...)...)
		cmd.Env = append(append([]string(nil), env...), extraEnv...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		var m map[string]any
		if err == nil && len(out) > 0 {
			require.NoError(t, json.Unmarshal(out, &m), "%s", out)
		}
		return m, stderr.String(), err
	}
	mustRun := func(extraEnv []string, args ...string) map[string]any {
		m, stderr, err := run(extraEnv, args...)
		require.NoError(t, err, "aws %v: %s", args, stderr)
		return m
	}

	sm := mustRun(nil, "create-state-machine", "--name", "cli", "--role-arn", role, "--definition", passChain(3))
	arn := sm["stateMachineArn"].(string)
	require.Equal(t, "arn:aws:states:us-east-1:123456789012:stateMachine:cli", arn)
	st := mustRun(nil, "start-execution", "--state-machine-arn", arn, "--name", "e1", "--input", `{"a":1}`)
	execArn := st["executionArn"].(string)
	require.NoError(t, srv.Service.WaitExecution(context.Background(), execArn))
	d := mustRun(nil, "describe-execution", "--execution-arn", execArn)
	require.Equal(t, "SUCCEEDED", d["status"])
	require.Equal(t, `{"a":1}`, d["output"])
	h := mustRun(nil, "get-execution-history", "--execution-arn", execArn)
	require.Len(t, h["events"], 8)
	l := mustRun(nil, "list-executions", "--state-machine-arn", arn)
	require.Len(t, l["executions"], 1)

	_, stderr, err := run(nil, "describe-state-machine", "--state-machine-arn", arn+"-nope")
	require.Error(t, err)
	require.Contains(t, stderr, "StateMachineDoesNotExist")

	ex := mustRun(nil, "create-state-machine", "--name", "cli-express", "--type", "EXPRESS", "--role-arn", role, "--definition", passChain(2))
	exArn := ex["stateMachineArn"].(string)
	// Without the workaround the CLI sends StartSyncExecution to sync-<host>, which does not
	// resolve.
	_, stderr, err = run(nil, "start-sync-execution", "--state-machine-arn", exArn)
	require.Error(t, err)
	require.Contains(t, stderr, "sync-127.0.0.1")
	// The README's workaround.
	sync := mustRun([]string{"AWS_DISABLE_HOST_PREFIX_INJECTION=true"}, "start-sync-execution", "--state-machine-arn", exArn, "--input", `{"b":2}`)
	require.Equal(t, "SUCCEEDED", sync["status"])
	require.Equal(t, `{"b":2}`, sync["output"])
}

// TestBoto3 is a boto3 smoke test, with inject_host_prefix=False for StartSyncExecution.
func TestBoto3(t *testing.T) {
	py := needTool(t, "python3")
	if err := exec.Command(py, "-c", "import boto3").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("boto3 is required in CI: %v", err)
		}
		t.Skip("boto3 not installed")
	}
	srv := realServer(t)
	script := `
import json, sys, boto3
from botocore.config import Config
c = boto3.client("stepfunctions", endpoint_url=sys.argv[1], region_name="us-east-1",
    aws_access_key_id="dummy", aws_secret_access_key="dummy", config=Config(inject_host_prefix=False))
arn = c.create_state_machine(name="py", roleArn="arn:aws:iam::123456789012:role/r", type="EXPRESS",
    definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"x": 1}, "End": True}}}))["stateMachineArn"]
out = c.start_sync_execution(stateMachineArn=arn, input="{}")
names = [m["name"] for m in c.list_state_machines()["stateMachines"]]
try:
    c.describe_execution(executionArn="arn:aws:states:us-east-1:123456789012:execution:py:none")
    err = None
except c.exceptions.ExecutionDoesNotExist as e:
    err = e.response["Error"]["Code"]
print(json.dumps({"status": out["status"], "output": out["output"], "names": names, "err": err,
    "startDateType": type(out["startDate"]).__name__}))
`
	out, err := exec.Command(py, "-c", script, srv.URL).CombinedOutput()
	require.NoError(t, err, "%s", out)
	var got map[string]any
	require.NoError(t, json.Unmarshal(out, &got), "%s", out)
	require.Equal(t, map[string]any{"status": "SUCCEEDED", "output": `{"x":1}`, "names": []any{"py"},
		"err": "ExecutionDoesNotExist", "startDateType": "datetime"}, got)
}

// TestGoSDKHostPrefix proves the Go SDK workaround against a real listener.
func TestGoSDKHostPrefix(t *testing.T) {
	srv := realServer(t)
	ctx := context.Background()
	opts := sfn.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("dummy", "dummy", "")}
	plain := sfn.New(opts)
	arn := createSM(t, plain, "go-express", passChain(2), types.StateMachineTypeExpress)

	_, err := plain.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: &arn})
	require.Error(t, err, "without the workaround the SDK dials sync-127.0.0.1")
	require.Contains(t, err.Error(), "sync-127.0.0.1")

	fixed := sfn.New(opts, apitest.DisableHostPrefix)
	out, err := fixed.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: &arn, Input: aws.String(`{"go":true}`)})
	require.NoError(t, err)
	require.Equal(t, types.SyncExecutionStatusSucceeded, out.Status)
	require.Equal(t, `{"go":true}`, *out.Output)
}
