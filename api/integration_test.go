package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/api"
	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// recAccount is the account of the recorded conformance cases.
const recAccount = "111111111111"

// nestedService is a Service on the interpreter with instant time, in the recordings'
// account, whose registry holds extra plus the Step Functions integrations themselves.
func nestedService(t testing.TB, extra task.Registry) (*api.Service, *sfn.Client) {
	t.Helper()
	clocks, err := clock.ParseMode("instant")
	require.NoError(t, err)
	return nestedServiceOn(t, extra, clocks)
}

// nestedServiceOn is nestedService with the executions' clocks made by clocks.
func nestedServiceOn(t testing.TB, extra task.Registry, clocks clock.Factory) (*api.Service, *sfn.Client) {
	t.Helper()
	tasks := task.Registry{}
	for k, h := range extra {
		tasks[k] = h
	}
	svc, err := api.New(api.Options{
		Engine: api.InterpreterEngine(api.InterpreterConfig{
			Clock: clocks, Tasks: tasks, Logger: zap.NewNop(), Region: "us-east-1", AccountID: recAccount,
		}),
		Logger: zap.NewNop(), Region: "us-east-1", AccountID: recAccount,
	})
	require.NoError(t, err)
	// Registered after New and before any execution starts, as server.New does.
	tasks["states"] = svc.Integration()
	tasks["aws-sdk:sfn"] = svc.SDKIntegration()
	t.Cleanup(svc.Close)
	return svc, sdkClient(svc)
}

// runNested starts an execution of a new state machine and returns its description.
func runNested(t testing.TB, c *sfn.Client, smName, def, input string) *sfn.DescribeExecutionOutput {
	t.Helper()
	arn := createSM(t, c, smName, def, "")
	st, err := c.StartExecution(context.Background(), &sfn.StartExecutionInput{StateMachineArn: &arn, Input: &input})
	require.NoError(t, err)
	waitDone(t, c, *st.ExecutionArn)
	d, err := c.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: st.ExecutionArn})
	require.NoError(t, err)
	return d
}

func decodeJSON(t testing.TB, s string) map[string]any {
	t.Helper()
	v, err := task.DecodePlain([]byte(s))
	require.NoError(t, err, s)
	m, ok := v.(map[string]any)
	require.True(t, ok, s)
	return m
}

const passResultDef = `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"Arg1":"argument1"},"End":true}}}`

// startTask is a one-Task parent calling resource with parameters.
func startTask(resource, parameters string) string {
	return fmt.Sprintf(`{"StartAt":"T","States":{"T":{"Type":"Task","Resource":%q,"Parameters":%s,"End":true}}}`, resource, parameters)
}

// TestStatesIntegration runs parents that start children with each integration pattern.
func TestStatesIntegration(t *testing.T) {
	t.Parallel()
	_, c := nestedService(t, nil)
	ctx := context.Background()
	childArn := createSM(t, c, "child", passResultDef, "")
	failArn := createSM(t, c, "failing-child", failDef, "")
	expressArn := createSM(t, c, "express-child", passResultDef, types.StateMachineTypeExpress)
	// The child sends the parent's token back through aws-sdk:sfn:sendTaskSuccess.
	callbackArn := createSM(t, c, "callback-child", startTask("arn:aws:states:::aws-sdk:sfn:sendTaskSuccess",
		`{"TaskToken.$":"$.token","Output":"{\"done\":true}"}`), "")

	tests := []struct {
		name, resource, params string
		check                  func(t *testing.T, d *sfn.DescribeExecutionOutput)
	}{
		{
			name: "request response", resource: "arn:aws:states:::states:startExecution",
			params: fmt.Sprintf(`{"StateMachineArn":%q,"Input":{"a":1},"Name":"kid-rr"}`, childArn),
			check: func(t *testing.T, d *sfn.DescribeExecutionOutput) {
				require.Equal(t, types.ExecutionStatusSucceeded, d.Status)
				out := decodeJSON(t, *d.Output)
				kid := "arn:aws:states:us-east-1:111111111111:execution:child:kid-rr"
				require.Equal(t, kid, out["ExecutionArn"])
				require.IsType(t, json.Number(""), out["StartDate"])
				meta := task.Plain(out["SdkHttpMetadata"]).(map[string]any)
				require.Equal(t, json.Number("200"), meta["HttpStatusCode"])
				require.Equal(t, "application/x-amz-json-1.0", meta["HttpHeaders"].(map[string]any)["Content-Type"])
				require.NotEmpty(t, out["SdkResponseMetadata"].(map[string]any)["RequestId"])
				// The child is an ordinary execution: listed and described.
				waitDone(t, c, kid)
				cd, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: &kid})
				require.NoError(t, err)
				require.Equal(t, `{"a":1}`, *cd.Input)
				require.Equal(t, `{"Arg1":"argument1"}`, *cd.Output)
				require.Equal(t, json.Number(fmt.Sprint(cd.StartDate.UnixMilli())), out["StartDate"])
				l, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: &childArn})
				require.NoError(t, err)
				found := false
				for _, e := range l.Executions {
					found = found || *e.ExecutionArn == kid
				}
				require.True(t, found)
			},
		},
		{
			name: "sync output is text", resource: "arn:aws:states:::states:startExecution.sync",
			params: fmt.Sprintf(`{"StateMachineArn":%q,"Name":"kid-sync"}`, childArn),
			check: func(t *testing.T, d *sfn.DescribeExecutionOutput) {
				require.Equal(t, types.ExecutionStatusSucceeded, d.Status)
				out := decodeJSON(t, *d.Output)
				require.Equal(t, `{"Arg1":"argument1"}`, out["Output"])
				require.Equal(t, "{}", out["Input"])
				require.Equal(t, "SUCCEEDED", out["Status"])
				require.Equal(t, "kid-sync", out["Name"])
				require.Equal(t, childArn, out["StateMachineArn"])
				require.Equal(t, map[string]any{"Included": true}, out["OutputDetails"])
				require.Equal(t, "NOT_REDRIVABLE", out["RedriveStatus"])
				require.IsType(t, json.Number(""), out["StopDate"])
			},
		},
		{
			name: "sync:2 output is JSON", resource: "arn:aws:states:::states:startExecution.sync:2",
			params: fmt.Sprintf(`{"StateMachineArn":%q,"Input":"{\"x\":[1,2]}"}`, childArn),
			check: func(t *testing.T, d *sfn.DescribeExecutionOutput) {
				require.Equal(t, types.ExecutionStatusSucceeded, d.Status)
				out := decodeJSON(t, *d.Output)
				require.Equal(t, map[string]any{"Arg1": "argument1"}, out["Output"])
				require.Equal(t, map[string]any{"x": []any{json.Number("1"), json.Number("2")}}, out["Input"])
			},
		},
		{
			name: "sync express child", resource: "arn:aws:states:::states:startExecution.sync:2",
			params: fmt.Sprintf(`{"StateMachineArn":%q,"Input":{"k":"v"}}`, expressArn),
			check: func(t *testing.T, d *sfn.DescribeExecutionOutput) {
				require.Equal(t, types.ExecutionStatusSucceeded, d.Status)
				out := decodeJSON(t, *d.Output)
				require.Equal(t, map[string]any{"Arg1": "argument1"}, out["Output"])
				require.Equal(t, map[string]any{"k": "v"}, out["Input"])
				require.Contains(t, out["ExecutionArn"], ":express:express-child:")
				require.NotContains(t, out, "RedriveStatus")
			},
		},
		{
			name: "waitForTaskToken", resource: "arn:aws:states:::states:startExecution.waitForTaskToken",
			params: fmt.Sprintf(`{"StateMachineArn":%q,"Input":{"token.$":"$$.Task.Token"}}`, callbackArn),
			check: func(t *testing.T, d *sfn.DescribeExecutionOutput) {
				require.Equal(t, types.ExecutionStatusSucceeded, d.Status)
				require.Equal(t, `{"done":true}`, *d.Output)
			},
		},
		{
			name: "failed child fails the task", resource: "arn:aws:states:::states:startExecution.sync",
			params: fmt.Sprintf(`{"StateMachineArn":%q,"Name":"kid-fail"}`, failArn),
			check: func(t *testing.T, d *sfn.DescribeExecutionOutput) {
				require.Equal(t, types.ExecutionStatusFailed, d.Status)
				require.Equal(t, "States.TaskFailed", *d.Error)
				cause := decodeJSON(t, *d.Cause)
				require.Equal(t, "FAILED", cause["Status"])
				require.Equal(t, "Oops", cause["Error"])
				require.Equal(t, "bad", cause["Cause"])
				require.Equal(t, "arn:aws:states:us-east-1:111111111111:execution:failing-child:kid-fail", cause["ExecutionArn"])
				require.NotContains(t, cause, "Output")
			},
		},
		{
			name: "missing child machine", resource: "arn:aws:states:::states:startExecution.sync",
			params: `{"StateMachineArn":"arn:aws:states:us-east-1:111111111111:stateMachine:nope"}`,
			check: func(t *testing.T, d *sfn.DescribeExecutionOutput) {
				require.Equal(t, types.ExecutionStatusFailed, d.Status)
				require.Equal(t, "StepFunctions.StateMachineDoesNotExistException", *d.Error)
				require.Regexp(t, `^State Machine Does Not Exist: 'arn:aws:states:us-east-1:111111111111:stateMachine:nope' \(Service: AWSStepFunctions; Status Code: 400; Error Code: StateMachineDoesNotExist; Request ID: [0-9a-f-]{36}; Proxy: null\)$`, *d.Cause)
			},
		},
		{
			name: "invalid input", resource: "arn:aws:states:::states:startExecution",
			params: fmt.Sprintf(`{"StateMachineArn":%q,"Input":"{not json"}`, childArn),
			check: func(t *testing.T, d *sfn.DescribeExecutionOutput) {
				require.Equal(t, types.ExecutionStatusFailed, d.Status)
				require.Equal(t, "StepFunctions.InvalidExecutionInputException", *d.Error)
			},
		},
		{
			name: "started-by id passes through", resource: "arn:aws:states:::states:startExecution.sync:2",
			params: fmt.Sprintf(`{"StateMachineArn":%q,"Input":{"AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$":"$$.Execution.Id"}}`, childArn),
			check: func(t *testing.T, d *sfn.DescribeExecutionOutput) {
				require.Equal(t, types.ExecutionStatusSucceeded, d.Status)
				in := decodeJSON(t, *d.Output)["Input"].(map[string]any)
				require.Equal(t, *d.ExecutionArn, in["AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID"])
			},
		},
		{
			name: "aws-sdk startExecution", resource: "arn:aws:states:::aws-sdk:sfn:startExecution",
			params: fmt.Sprintf(`{"StateMachineArn":%q,"Name":"kid-sdk"}`, childArn),
			check: func(t *testing.T, d *sfn.DescribeExecutionOutput) {
				require.Equal(t, types.ExecutionStatusSucceeded, d.Status)
				out := decodeJSON(t, *d.Output)
				require.Len(t, out, 2)
				kid := "arn:aws:states:us-east-1:111111111111:execution:child:kid-sdk"
				require.Equal(t, kid, out["ExecutionArn"])
				require.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$`, out["StartDate"])
				started, err := time.Parse(time.RFC3339Nano, out["StartDate"].(string))
				require.NoError(t, err)
				cd, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: &kid})
				require.NoError(t, err)
				require.True(t, cd.StartDate.Equal(started), "%v vs %v", cd.StartDate, started)
			},
		},
		{
			name: "aws-sdk sendTaskFailure bad token", resource: "arn:aws:states:::aws-sdk:sfn:sendTaskFailure",
			params: `{"TaskToken":"NoSuchTaskToken"}`,
			check: func(t *testing.T, d *sfn.DescribeExecutionOutput) {
				require.Equal(t, types.ExecutionStatusFailed, d.Status)
				require.Equal(t, "Sfn.InvalidTokenException", *d.Error)
				require.Regexp(t, `^Invalid Token: 'Invalid token' \(Service: Sfn, Status Code: 400, Request ID: [0-9a-f-]{36}\) \(SDK Attempt Count: 1\)$`, *d.Cause)
			},
		},
		{
			name: "aws-sdk stopExecution of itself", resource: "arn:aws:states:::aws-sdk:sfn:stopExecution",
			params: `{"ExecutionArn.$":"$$.Execution.Id","Error":"Self","Cause":"stopped itself"}`,
			check: func(t *testing.T, d *sfn.DescribeExecutionOutput) {
				require.Equal(t, types.ExecutionStatusAborted, d.Status)
				require.Equal(t, "Self", *d.Error)
			},
		},
		{
			name: "aws-sdk describeExecution", resource: "arn:aws:states:::aws-sdk:sfn:describeExecution",
			params: `{"ExecutionArn.$":"$$.Execution.Id"}`,
			check: func(t *testing.T, d *sfn.DescribeExecutionOutput) {
				require.Equal(t, types.ExecutionStatusSucceeded, d.Status)
				out := decodeJSON(t, *d.Output)
				require.Equal(t, "RUNNING", out["Status"])
				require.Equal(t, *d.ExecutionArn, out["ExecutionArn"])
				require.Equal(t, "{}", out["Input"])
				require.Equal(t, map[string]any{"Included": true}, out["InputDetails"])
				require.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$`, out["StartDate"])
			},
		},
		{
			name: "aws-sdk unknown action", resource: "arn:aws:states:::aws-sdk:sfn:noSuchAction",
			params: `{}`,
			check: func(t *testing.T, d *sfn.DescribeExecutionOutput) {
				require.Equal(t, types.ExecutionStatusFailed, d.Status)
				require.Equal(t, "States.TaskFailed", *d.Error)
			},
		},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := runNested(t, c, fmt.Sprintf("parent-%d", i), startTask(tc.resource, tc.params), "{}")
			tc.check(t, d)
		})
	}
}

// TestStatesIntegrationStopStopsChild stops a parent waiting on a .sync child: the child is
// aborted too.
func TestStatesIntegrationStopStopsChild(t *testing.T) {
	t.Parallel()
	started := make(chan struct{}, 1)
	block := task.HandlerFunc(func(ctx context.Context, r *task.Request) (any, error) {
		started <- struct{}{}
		<-ctx.Done()
		return nil, context.Cause(ctx)
	})
	_, c := nestedService(t, task.Registry{"sqs": block})
	ctx := context.Background()
	childArn := createSM(t, c, "blocked-child", startTask("arn:aws:states:::sqs:sendMessage", `{"QueueUrl":"q","MessageBody":"m"}`), "")
	for _, resource := range []string{"startExecution.sync", "startExecution.sync:2"} {
		t.Run(resource, func(t *testing.T) {
			name := strings.ReplaceAll(strings.ReplaceAll(resource, ".", "-"), ":", "-")
			parentArn := createSM(t, c, "parent-"+name, startTask("arn:aws:states:::states:"+resource,
				fmt.Sprintf(`{"StateMachineArn":%q,"Name":%q}`, childArn, name)), "")
			st, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &parentArn})
			require.NoError(t, err)
			<-started
			_, err = c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: st.ExecutionArn})
			require.NoError(t, err)
			kid := "arn:aws:states:us-east-1:111111111111:execution:blocked-child:" + name
			d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: &kid})
			require.NoError(t, err)
			require.Equal(t, types.ExecutionStatusAborted, d.Status)
			p, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: st.ExecutionArn})
			require.NoError(t, err)
			require.Equal(t, types.ExecutionStatusAborted, p.Status)
		})
	}
}

// TestStatesIntegrationTimeoutStopsChild times out a parent's .sync Task (TimeoutSeconds):
// the Task fails with States.Timeout and the child is aborted.
func TestStatesIntegrationTimeoutStopsChild(t *testing.T) {
	t.Parallel()
	started := make(chan struct{}, 1)
	block := task.HandlerFunc(func(ctx context.Context, r *task.Request) (any, error) {
		started <- struct{}{}
		<-ctx.Done()
		return nil, context.Cause(ctx)
	})
	fake := clock.NewFake(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	_, c := nestedServiceOn(t, task.Registry{"sqs": block}, func() clock.Clock { return fake })
	ctx := context.Background()
	childArn := createSM(t, c, "slow-child", startTask("arn:aws:states:::sqs:sendMessage", `{"QueueUrl":"q","MessageBody":"m"}`), "")
	parentArn := createSM(t, c, "impatient-parent", `{"StartAt":"T","States":{"T":{"Type":"Task",
		"Resource":"arn:aws:states:::states:startExecution.sync","TimeoutSeconds":5,
		"Parameters":{"StateMachineArn":"`+childArn+`","Name":"slow"},"End":true}}}`, "")
	st, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &parentArn})
	require.NoError(t, err)
	<-started
	fake.Advance(5 * time.Second)
	waitDone(t, c, *st.ExecutionArn)
	p, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: st.ExecutionArn})
	require.NoError(t, err)
	require.Equal(t, types.ExecutionStatusFailed, p.Status)
	require.Equal(t, "States.Timeout", *p.Error)
	kid := "arn:aws:states:us-east-1:111111111111:execution:slow-child:slow"
	d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: &kid})
	require.NoError(t, err)
	require.Equal(t, types.ExecutionStatusAborted, d.Status)
}

// nestedCase is the part of a recorded conformance case the replay reads.
type nestedCase struct {
	StateMachine struct {
		Name string `json:"name"`
	} `json:"state_machine"`
	Execution struct {
		Name string `json:"name"`
	} `json:"execution"`
	Definition    json.RawMessage `json:"definition"`
	Input         *string         `json:"input"`
	Expected      map[string]any  `json:"expected"`
	HistoryEvents []struct {
		Type      string         `json:"type"`
		Submitted map[string]any `json:"taskSubmittedEventDetails"`
		Succeeded map[string]any `json:"taskSucceededEventDetails"`
		Failed    map[string]any `json:"taskFailedEventDetails"`
	} `json:"history_events"`
}

// childDefs are the child state machines the recording tests created but did not record,
// rebuilt from what the recordings show of them.
var childDefs = map[string]string{
	// LocalStack's BASE_PASS_RESULT: its output {"Arg1":"argument1"} is recorded.
	"pass": passResultDef,
	// The recorded child ends FAILED with error States.Timeout and no cause; a Fail state gives
	// exactly that outcome without spending time.
	"timeout": `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"States.Timeout"}}}`,
}

// TestStatesIntegrationRecorded replays the recorded cases that nest executions with
// states:startExecution or aws-sdk:sfn and compares status, output/error/cause and the
// history's event types with AWS's.
func TestStatesIntegrationRecorded(t *testing.T) {
	t.Parallel()
	cases := []struct{ file, child, skip string }{
		{"services-sfn/services_test_sfn_task_service_TestTaskServiceSfn.test_start_execution.json", "pass", ""},
		{"callback/callback_test_callback_TestCallback.test_start_execution_sync2.json", "pass", ""},
		{"callback/callback_test_callback_TestCallback.test_start_execution_sync_delegate_timeout.json", "timeout", ""},
		{"local_mocking/local_mocking_test_base_callbacks_TestBaseScenarios.test_sfn_start_execution_sync[SFN_SYNC].json", "pass", ""},
		{"errorhandling/error_handling_test_task_service_sfn_TestTaskServiceSfn.test_start_execution_no_such_arn.json", "", ""},
		{"services-aws-sdk-sfn/services_test_aws_sdk_task_service_TestTaskServiceAwsSdk.test_sfn_start_execution.json", "pass", ""},
		// Output "ParameterOutput" is not JSON and the token does not exist: AWS answers
		// InvalidToken, checking the token first.
		{"services-aws-sdk-sfn/services_test_aws_sdk_task_service_TestTaskServiceAwsSdk.test_sfn_send_task_outcome_with_no_such_token[state_machine_template0].json", "", ""},
		{"services-aws-sdk-sfn/services_test_aws_sdk_task_service_TestTaskServiceAwsSdk.test_sfn_send_task_outcome_with_no_such_token[state_machine_template1].json", "", ""},
	}
	// Not replayed: the five credentials/*SFN_START_EXECUTION_SYNC_ROLE_ARN* cases start a
	// child in a second account (222222222222) through an assumed role; one emulator is one
	// account.
	var passed atomic.Int64
	t.Run("cases", func(t *testing.T) {
		for _, tc := range cases {
			t.Run(tc.file, func(t *testing.T) {
				t.Parallel()
				defer func() {
					if !t.Failed() && !t.Skipped() {
						passed.Add(1)
					}
				}()
				replayNested(t, tc.file, tc.child, tc.skip)
			})
		}
	})
	t.Logf("nested Step Functions recorded calls: %d/%d passed", passed.Load(), len(cases))
}

// replayNested runs one recorded nested-execution case.
func replayNested(t *testing.T, file, child, skip string) {
	t.Helper()
	tc := struct{ file, child, skip string }{file, child, skip}
	if tc.skip != "" {
		t.Skip(tc.skip)
	}
	b, err := os.ReadFile(filepath.Join(conformanceDir, "cases", tc.file))
	if os.IsNotExist(err) {
		t.Skip("conformance corpus not present")
	}
	require.NoError(t, err)
	var rc nestedCase
	require.NoError(t, json.Unmarshal(b, &rc))
	_, c := nestedService(t, nil)
	ctx := context.Background()
	if tc.child != "" {
		in := decodeJSON(t, *rc.Input)
		smArn := in["StateMachineArn"].(string)
		createSM(t, c, smArn[strings.LastIndexByte(smArn, ':')+1:], childDefs[tc.child], "")
	}
	arn := createSM(t, c, rc.StateMachine.Name, string(rc.Definition), "")
	st, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &arn, Input: rc.Input, Name: &rc.Execution.Name})
	require.NoError(t, err)
	waitDone(t, c, *st.ExecutionArn)
	d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: st.ExecutionArn})
	require.NoError(t, err)
	require.Equal(t, rc.Expected["status"], string(d.Status))
	if want, ok := rc.Expected["output"]; ok {
		var got any
		require.NoError(t, json.Unmarshal([]byte(*d.Output), &got))
		requireRecorded(t, want, got)
	}
	if want, ok := rc.Expected["error"]; ok {
		require.Equal(t, want, *d.Error)
	}
	if want, ok := rc.Expected["cause"]; ok {
		var got any = *d.Cause
		if _, isObj := want.(map[string]any); isObj {
			require.NoError(t, json.Unmarshal([]byte(*d.Cause), &got))
		}
		requireRecorded(t, want, got)
	}
	h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: st.ExecutionArn})
	require.NoError(t, err)
	var wantTypes, gotTypes []string
	for _, e := range rc.HistoryEvents {
		wantTypes = append(wantTypes, e.Type)
	}
	for _, e := range h.Events {
		gotTypes = append(gotTypes, string(e.Type))
	}
	require.Equal(t, wantTypes, gotTypes)
	// The Task's own events: the submit response, the result and the failure.
	for i, e := range rc.HistoryEvents {
		g := h.Events[i]
		switch {
		case e.Submitted != nil:
			requireRecorded(t, e.Submitted["output"], parsedJSON(t, *g.TaskSubmittedEventDetails.Output))
			require.Equal(t, e.Submitted["resource"], *g.TaskSubmittedEventDetails.Resource)
		case e.Succeeded != nil:
			requireRecorded(t, e.Succeeded["output"], parsedJSON(t, *g.TaskSucceededEventDetails.Output))
		case e.Failed != nil:
			require.Equal(t, e.Failed["error"], *g.TaskFailedEventDetails.Error)
			var cause any = *g.TaskFailedEventDetails.Cause
			if _, isObj := e.Failed["cause"].(map[string]any); isObj {
				cause = parsedJSON(t, *g.TaskFailedEventDetails.Cause)
			}
			requireRecorded(t, e.Failed["cause"], cause)
		}
	}
}

func parsedJSON(t *testing.T, s string) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal([]byte(s), &v), s)
	return v
}

// recordedWildcards are the recordings' replacement values for run-dependent members (dates,
// request ids, ARNs masked whole); they stand for any value of any type.
var recordedWildcards = map[string]bool{
	"date": true, "timestamp": true, "start-date": true, "stop-date": true, "execution-arn": true,
	"state-machine-arn": true, "x-amzn-RequestId": true, "RequestId": true,
}

// redriveMembers joined DescribeExecution with redrive (November 2023), after the 2023
// recordings; later recordings of the same shapes carry them.
var redriveMembers = map[string]bool{"RedriveCount": true, "RedriveStatus": true, "RedriveStatusReason": true}

var wholePlaceholder = regexp.MustCompile(`^<[a-zA-Z_:0-9-]+>$`)

// requireRecorded compares got with a recorded value. Besides the wildcards, Content-Length
// differs by construction: it is the length of our own StartExecution answer, whose startDate
// we write in plain decimal where AWS's Java front end writes 1.7E9 notation.
func requireRecorded(t *testing.T, want, got any) {
	t.Helper()
	var diff func(path string, w, g any) string
	diff = func(path string, w, g any) string {
		switch wv := w.(type) {
		case string:
			if recordedWildcards[wv] || wholePlaceholder.MatchString(wv) {
				return ""
			}
			if gs, ok := g.(string); ok && (gs == wv || matchEmbedded(wv, gs)) {
				return ""
			}
		case map[string]any:
			gm, ok := g.(map[string]any)
			if !ok {
				break
			}
			for k := range gm {
				if _, ok := wv[k]; !ok && !redriveMembers[k] {
					return fmt.Sprintf("%s.%s: unexpected member", path, k)
				}
			}
			for k, e := range wv {
				if k == "Content-Length" {
					continue
				}
				if d := diff(path+"."+k, e, gm[k]); d != "" {
					return d
				}
			}
			return ""
		case []any:
			gl, ok := g.([]any)
			if !ok || len(gl) != len(wv) {
				break
			}
			for i := range wv {
				if d := diff(fmt.Sprintf("%s[%d]", path, i), wv[i], gl[i]); d != "" {
					return d
				}
			}
			return ""
		default:
			if fmt.Sprint(w) == fmt.Sprint(g) {
				return ""
			}
		}
		return fmt.Sprintf("%s: want %#v, got %#v", path, w, g)
	}
	if d := diff("$", want, got); d != "" {
		t.Fatal(d)
	}
}

// BenchmarkNestedSync measures one parent execution that runs a Pass child with
// startExecution.sync:2 and waits for it, start to end (in process, instant time).
func BenchmarkNestedSync(b *testing.B) {
	_, c := nestedService(b, nil)
	ctx := context.Background()
	childArn := createSM(b, c, "bench-child", passResultDef, "")
	parentArn := createSM(b, c, "bench-parent", startTask("arn:aws:states:::states:startExecution.sync:2",
		fmt.Sprintf(`{"StateMachineArn":%q}`, childArn)), "")
	b.ReportAllocs()
	for b.Loop() {
		st, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &parentArn})
		if err != nil {
			b.Fatal(err)
		}
		waitDone(b, c, *st.ExecutionArn)
	}
}

// A parent workflow runs a child with startExecution.sync:2 and gets its output as JSON.
func ExampleService_Integration() {
	tasks := task.Registry{}
	svc, err := api.New(api.Options{Engine: api.InterpreterEngine(api.InterpreterConfig{Tasks: tasks, Logger: zap.NewNop()})})
	if err != nil {
		panic(err)
	}
	defer svc.Close()
	tasks["states"] = svc.Integration() // before the first execution starts
	ctx := context.Background()
	c := sdkClient(svc)
	create := func(name, def string) *string {
		out, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: &name, Definition: &def, RoleArn: aws.String(role)})
		if err != nil {
			panic(err)
		}
		return out.StateMachineArn
	}
	child := create("child", `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"greeting":"hi"},"End":true}}}`)
	parent := create("parent", `{"StartAt":"Run","States":{"Run":{"Type":"Task",
		"Resource":"arn:aws:states:::states:startExecution.sync:2",
		"Parameters":{"StateMachineArn":"`+*child+`"},"OutputPath":"$.Output","End":true}}}`)
	st, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: parent})
	if err != nil {
		panic(err)
	}
	if err := svc.WaitExecution(ctx, *st.ExecutionArn); err != nil {
		panic(err)
	}
	d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: st.ExecutionArn})
	if err != nil {
		panic(err)
	}
	fmt.Println(d.Status, *d.Output)
	// Output: SUCCEEDED {"greeting":"hi"}
}

// TestStatesIntegrationSharesVirtualTime: in instant time a .sync child runs on its parent's
// scheduler, so the child's waits and the parent's are ordered on one clock, the parent's Task
// timeout fires at the child's virtual time, and the parent goes on at the child's end.
func TestStatesIntegrationSharesVirtualTime(t *testing.T) {
	t.Parallel()
	_, c := nestedService(t, nil)
	ctx := context.Background()
	childArn := createSM(t, c, "waiting-child", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":10,"Next":"P"},"P":{"Type":"Pass","Result":"child","End":true}}}`, "")
	sleepyArn := createSM(t, c, "sleepy-child", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`, "")
	parentArn := createSM(t, c, "racing-parent", `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
		{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2",
			"Parameters":{"StateMachineArn":"`+childArn+`"},"OutputPath":"$.Output","End":true}}},
		{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":5,"End":true}}}]}}}`, "")
	timeoutArn := createSM(t, c, "impatient-instant-parent", `{"StartAt":"T","States":{"T":{"Type":"Task",
		"Resource":"arn:aws:states:::states:startExecution.sync","TimeoutSeconds":60,
		"Parameters":{"StateMachineArn":"`+sleepyArn+`","Name":"sleepy"},"End":true}}}`, "")
	for range 20 {
		st, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &parentArn})
		require.NoError(t, err)
		waitDone(t, c, *st.ExecutionArn)
		p, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: st.ExecutionArn})
		require.NoError(t, err)
		require.Equal(t, types.ExecutionStatusSucceeded, p.Status)
		require.JSONEq(t, `["child",{}]`, *p.Output)
		require.Equal(t, 10*time.Second, p.StopDate.Sub(*p.StartDate), "the parent ends when the child does")
		h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: st.ExecutionArn})
		require.NoError(t, err)
		var order []string
		for _, ev := range h.Events {
			switch ev.Type {
			case types.HistoryEventTypeWaitStateExited, types.HistoryEventTypeTaskSucceeded:
				order = append(order, fmt.Sprintf("%s+%v", ev.Type, ev.Timestamp.Sub(*p.StartDate)))
			}
		}
		require.Equal(t, []string{"WaitStateExited+5s", "TaskSucceeded+10s"}, order)
	}
	st, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &timeoutArn})
	require.NoError(t, err)
	waitDone(t, c, *st.ExecutionArn)
	p, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: st.ExecutionArn})
	require.NoError(t, err)
	require.Equal(t, types.ExecutionStatusFailed, p.Status)
	require.Equal(t, "States.Timeout", *p.Error)
	require.Equal(t, time.Minute, p.StopDate.Sub(*p.StartDate))
	kid := "arn:aws:states:us-east-1:111111111111:execution:sleepy-child:sleepy"
	d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: &kid})
	require.NoError(t, err)
	require.Equal(t, types.ExecutionStatusAborted, d.Status)
	require.Equal(t, time.Minute, d.StopDate.Sub(*p.StartDate), "the child is stopped at the parent's timeout")
}

// TestDescribeTimedOutExecution: DescribeExecution of a TIMED_OUT execution carries no error
// and no cause, as recorded against AWS (timeouts/test_global_timeout); its history keeps them.
func TestDescribeTimedOutExecution(t *testing.T) {
	t.Parallel()
	started := make(chan struct{}, 1)
	block := task.HandlerFunc(func(ctx context.Context, r *task.Request) (any, error) {
		started <- struct{}{}
		<-ctx.Done()
		return nil, context.Cause(ctx)
	})
	fake := clock.NewFake(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	_, c := nestedServiceOn(t, task.Registry{"sqs": block}, func() clock.Clock { return fake })
	ctx := context.Background()
	arn := createSM(t, c, "slow", `{"TimeoutSeconds":5,"StartAt":"T","States":{"T":{"Type":"Task",
		"Resource":"arn:aws:states:::sqs:sendMessage","Parameters":{"QueueUrl":"q","MessageBody":"m"},"End":true}}}`, "")
	st, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &arn})
	require.NoError(t, err)
	<-started
	fake.Advance(5 * time.Second)
	waitDone(t, c, *st.ExecutionArn)
	d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: st.ExecutionArn})
	require.NoError(t, err)
	require.Equal(t, types.ExecutionStatusTimedOut, d.Status)
	require.Nil(t, d.Error)
	require.Nil(t, d.Cause)
}
