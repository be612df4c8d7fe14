package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/config"
	"github.com/sfnlocal/sfnlocal/server"
	"github.com/sfnlocal/sfnlocal/sfnlocaltest"
)

// lambdaSQSIntegration is the state machine of AWS's guide to mocked service integrations.
const lambdaSQSIntegration = `{"Comment":"This state machine is called: LambdaSQSIntegration","StartAt":"LambdaState","States":{"LambdaState":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"Payload.$":"$","FunctionName":"arn:aws:lambda:us-east-1:123456789012:function:HelloWorldFunction"},"Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":2,"MaxAttempts":3,"BackoffRate":2}],"Next":"SQSState"},"SQSState":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","Parameters":{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/123456789012/myQueue","MessageBody.$":"$"},"End":true}}}`

// TestMockConfigWithCLI follows AWS's guide step by step with the real aws CLI: the
// guide's mock file, its state machine, and its three test cases (HybridPath calling our SQS).
func TestMockConfigWithCLI(t *testing.T) {
	awsBin := needTool(t, "aws")
	srv := sfnlocaltest.New(t, sfnlocaltest.WithTime("instant"), sfnlocaltest.WithConfig(func(c *config.Config) {
		c.MockConfig = "testdata/MockConfigFile.json"
	}))
	env := append(os.Environ(), "AWS_ACCESS_KEY_ID=dummy", "AWS_SECRET_ACCESS_KEY=dummy", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_PAGER=", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	run := func(args ...string) (map[string]any, string, error) {
		cmd := exec.Command(awsBin, append([]string{"--endpoint-url", srv.URL, "--output", "json"}, args...)...)
		cmd.Env = env
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		var m map[string]any
		if err == nil && len(out) > 0 {
			require.NoError(t, json.Unmarshal(out, &m), "%s", out)
		}
		return m, stderr.String(), err
	}
	cli := func(args ...string) map[string]any {
		m, stderr, err := run(args...)
		require.NoError(t, err, "aws %v: %s", args, stderr)
		return m
	}
	cli("sqs", "create-queue", "--queue-name", "myQueue")
	sm := cli("stepfunctions", "create-state-machine", "--name", "LambdaSQSIntegration", "--definition", lambdaSQSIntegration,
		"--role-arn", "arn:aws:iam::123456789012:role/service-role/LambdaSQSIntegration")
	smArn := sm["stateMachineArn"].(string)
	finish := func(testCase, name string) (map[string]any, []any) {
		x := cli("stepfunctions", "start-execution", "--state-machine-arn", smArn+"#"+testCase, "--name", name)
		arn := x["executionArn"].(string)
		require.Equal(t, "arn:aws:states:us-east-1:123456789012:execution:LambdaSQSIntegration:"+name, arn, "the execution belongs to the state machine")
		require.NoError(t, srv.WaitExecution(context.Background(), arn))
		d := cli("stepfunctions", "describe-execution", "--execution-arn", arn)
		h := cli("stepfunctions", "get-execution-history", "--execution-arn", arn)
		return d, h["events"].([]any)
	}

	d, events := finish("HappyPath", "executionWithHappyPathMockedServices")
	require.Equal(t, "SUCCEEDED", d["status"])
	require.JSONEq(t, `{"MD5OfMessageBody":"3bcb6e8e-7h85-4375-b0bc-1a59812c6e51","MessageId":"3bcb6e8e-8b51-4375-b0bc-1a59812c6e51"}`, d["output"].(string))
	require.Len(t, events, 12)

	d, events = finish("RetryPath", "retry")
	require.Equal(t, "SUCCEEDED", d["status"])
	var failed []string
	for _, ev := range events {
		m := ev.(map[string]any)
		if m["type"] == "TaskFailed" {
			failed = append(failed, m["taskFailedEventDetails"].(map[string]any)["error"].(string))
		}
	}
	require.Equal(t, []string{"Lambda.ResourceNotReadyException", "Lambda.TimeoutException", "Lambda.TimeoutException"}, failed)

	d, _ = finish("HybridPath", "hybrid")
	require.Equal(t, "SUCCEEDED", d["status"])
	var out map[string]any
	require.NoError(t, json.Unmarshal([]byte(d["output"].(string)), &out))
	require.Contains(t, out, "MessageId", "SQSState called the SQS fake")
	queue := cli("sqs", "get-queue-url", "--queue-name", "myQueue")["QueueUrl"].(string)
	msgs := cli("sqs", "receive-message", "--queue-url", queue)
	require.Len(t, msgs["Messages"], 1)
	require.JSONEq(t, `{"StatusCode":200,"Payload":{"StatusCode":200,"body":"Hello from Lambda!"}}`, msgs["Messages"].([]any)[0].(map[string]any)["Body"].(string))

	_, stderr, err := run("stepfunctions", "start-execution", "--state-machine-arn", smArn+"#NoSuchCase")
	require.Error(t, err)
	require.Contains(t, stderr, "StateMachineDoesNotExist")
	require.Contains(t, stderr, `no test case "NoSuchCase" for state machine "LambdaSQSIntegration"`)
}

func TestMocksEndpoint(t *testing.T) {
	t.Parallel()
	srv := sfnlocaltest.New(t, sfnlocaltest.WithTime("instant"))
	post := func(body string) (int, map[string]any) {
		resp, err := http.Post(srv.URL+"/_sfnlocal/mocks", "application/json", strings.NewReader(body))
		require.NoError(t, err)
		defer resp.Body.Close()
		var m map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&m))
		return resp.StatusCode, m
	}
	good, err := os.ReadFile("testdata/MockConfigFile.json")
	require.NoError(t, err)
	status, m := post(string(good))
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, map[string]any{"LambdaSQSIntegration": []any{"HappyPath", "HybridPath", "RetryPath"}}, m["stateMachines"])

	status, m = post(`{"StateMachines":{"S":{"TestCases":{"T":{"A":"Missing"}}}},"MockedResponses":{"R":{"0":{"Return":1,"Throw":{"Error":"E"}}}}}`)
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, []any{
		map[string]any{"path": `$.MockedResponses["R"]["0"]`, "message": "has both Return and Throw; give exactly one"},
		map[string]any{"path": `$.StateMachines["S"].TestCases["T"]["A"]`, "message": `names the mocked response "Missing", which MockedResponses does not define`},
	}, m["problems"])
	resp, err := http.Get(srv.URL + "/_sfnlocal/mocks")
	require.NoError(t, err)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&m))
	resp.Body.Close()
	require.Equal(t, map[string]any{"LambdaSQSIntegration": []any{"HappyPath", "HybridPath", "RetryPath"}}, m["stateMachines"], "a refused file changes nothing")
}

// TestMockConfigRefusedAtStart: a bad file stops the server from starting, naming every
// problem; ReloadMocks keeps the configuration in force when the file turns bad.
func TestMockConfigRefusedAtStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"StateMachines":{},"MockedResponses":{"R":{"1":{"Return":1}}}}`), 0o600))
	cfg, err := config.Load([]string{"--addr", "127.0.0.1:0", "--mock-config", bad}, func(string) string { return "" }, nil)
	require.NoError(t, err)
	_, err = server.New(cfg, zap.NewNop())
	require.ErrorContains(t, err, `$.MockedResponses["R"]["1"]: invocations must be numbered consecutively from 0: "0" is missing`)

	file := filepath.Join(dir, "mocks.json")
	good, err := os.ReadFile("testdata/MockConfigFile.json")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(file, good, 0o600))
	cfg.MockConfig = file
	srv, err := server.New(cfg, zap.NewNop())
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	require.NoError(t, os.WriteFile(file, []byte(`{`), 0o600))
	require.ErrorContains(t, srv.ReloadMocks(), "not a JSON object")
	require.NoError(t, os.WriteFile(file, good, 0o600))
	require.NoError(t, srv.ReloadMocks())
}

// TestMockedSyncExecution: StartSyncExecution runs a test case too.
func TestMockedSyncExecution(t *testing.T) {
	t.Parallel()
	srv := sfnlocaltest.New(t, sfnlocaltest.WithTime("instant"), sfnlocaltest.WithConfig(func(c *config.Config) {
		c.MockConfig = "testdata/MockConfigFile.json"
	}))
	c := sfn.NewFromConfig(srv.AWSConfig())
	ctx := context.Background()
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("LambdaSQSIntegration"), Type: types.StateMachineTypeExpress,
		Definition: aws.String(lambdaSQSIntegration), RoleArn: aws.String("arn:aws:iam::123456789012:role/r")})
	require.NoError(t, err)
	out, err := c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: aws.String(*sm.StateMachineArn + "#RetryPath")})
	require.NoError(t, err)
	require.Equal(t, types.SyncExecutionStatusSucceeded, out.Status)
	require.JSONEq(t, `{"MD5OfMessageBody":"3bcb6e8e-7h85-4375-b0bc-1a59812c6e51","MessageId":"3bcb6e8e-8b51-4375-b0bc-1a59812c6e51"}`, *out.Output)
	_, err = c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: aws.String(*sm.StateMachineArn + "#Missing")})
	var dne *types.StateMachineDoesNotExist
	require.ErrorAs(t, err, &dne)
}
