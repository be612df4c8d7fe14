package interpreter

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/internal/mockcfg"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// lambdaSQSIntegration is the state machine of AWS's guide to mocked service integrations.
const lambdaSQSIntegration = `{
  "Comment":"This state machine is called: LambdaSQSIntegration",
  "StartAt":"LambdaState",
  "States":{
    "LambdaState":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
      "Parameters":{"Payload.$":"$","FunctionName":"HelloWorldFunction"},
      "Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":2,"MaxAttempts":3,"BackoffRate":2}],
      "Next":"SQSState"},
    "SQSState":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage",
      "Parameters":{"QueueUrl":"https://sqs.us-east-1.amazonaws.com/123456789012/myQueue","MessageBody.$":"$"},
      "End":true}}}`

func guideCase(t *testing.T, name string) *mockcfg.Case {
	t.Helper()
	data, err := os.ReadFile("../internal/mockcfg/testdata/aws-guide-example.json")
	require.NoError(t, err)
	f, err := mockcfg.Parse(data)
	require.NoError(t, err)
	c, err := f.Case("LambdaSQSIntegration", name)
	require.NoError(t, err)
	return c
}

func mockCase(t *testing.T, file, sm, name string) *mockcfg.Case {
	t.Helper()
	f, err := mockcfg.Parse([]byte(file))
	require.NoError(t, err)
	c, err := f.Case(sm, name)
	require.NoError(t, err)
	return c
}

func startMocked(t *testing.T, e *Engine, def, input string, c *mockcfg.Case) *Execution {
	t.Helper()
	sm, err := Parse(def)
	require.NoError(t, err)
	x, err := e.Start(sm, StartParams{ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:sm:run", Name: "run",
		StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm", StateMachineName: "sm",
		RoleArn: "arn:aws:iam::123456789012:role/r", Input: input, Mocks: c})
	require.NoError(t, err)
	<-x.Done()
	return x
}

func TestMockedGuideCases(t *testing.T) {
	t.Parallel()
	sqsCalls := 0
	sqs := task.HandlerFunc(func(context.Context, *task.Request) (any, error) {
		sqsCalls++
		return map[string]any{"MessageId": "real"}, nil
	})
	t.Run("HappyPath", func(t *testing.T) {
		e := instantEngine(t, nil) // no simulators: every call is mocked
		x := startMocked(t, e, lambdaSQSIntegration, `{}`, guideCase(t, "HappyPath"))
		require.Equal(t, StatusSucceeded, x.Status())
		out, _ := x.Output()
		require.JSONEq(t, `{"MD5OfMessageBody":"3bcb6e8e-7h85-4375-b0bc-1a59812c6e51","MessageId":"3bcb6e8e-8b51-4375-b0bc-1a59812c6e51"}`, out)
		require.Equal(t, []string{"ExecutionStarted",
			"TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited",
			"TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited",
			"ExecutionSucceeded"}, types(x))
		h := x.History()
		mocked, err := EncodeValue(h[4].Output)
		require.NoError(t, err)
		require.Equal(t, `{"StatusCode":200,"Payload":{"StatusCode":200,"body":"Hello from Lambda!"}}`, mocked, "the mock file's key order")
		require.Equal(t, "invoke", h[2].Resource)
	})
	t.Run("RetryPath", func(t *testing.T) {
		e := instantEngine(t, nil)
		x := startMocked(t, e, lambdaSQSIntegration, `{}`, guideCase(t, "RetryPath"))
		require.Equal(t, StatusSucceeded, x.Status())
		var failed []string
		var scheduled []int64
		h := x.History()
		for _, ev := range h {
			switch ev.Type {
			case EvTaskFailed:
				failed = append(failed, ev.Error+": "+ev.Cause)
			case EvTaskScheduled:
				scheduled = append(scheduled, ev.Timestamp.Sub(h[0].Timestamp).Milliseconds()/1000)
			}
		}
		require.Equal(t, []string{"Lambda.ResourceNotReadyException: Lambda resource is not ready.",
			"Lambda.TimeoutException: Lambda timed out.", "Lambda.TimeoutException: Lambda timed out."}, failed)
		require.Equal(t, []int64{0, 2, 6, 14, 14}, scheduled, "backoffs of 2, 4 and 8 s in virtual time, then SQSState")
	})
	t.Run("HybridPath", func(t *testing.T) {
		e := instantEngine(t, task.Registry{"sqs": sqs})
		x := startMocked(t, e, lambdaSQSIntegration, `{}`, guideCase(t, "HybridPath"))
		require.Equal(t, StatusSucceeded, x.Status())
		out, _ := x.Output()
		require.JSONEq(t, `{"MessageId":"real"}`, out)
		require.Equal(t, 1, sqsCalls, "SQSState called the service")
	})
}

func TestMockedTasks(t *testing.T) {
	t.Parallel()
	const responses = `"MockedResponses":{
		"Ok":{"0":{"Return":{"n":0}},"1-2":{"Return":{"n":1}},"3":{"Return":{"n":3}}},
		"Boom":{"0":{"Throw":{"Error":"Glue.ConcurrentRunsExceededException","Cause":"too many"}}},
		"Done":{"0":{"Return":"done"}}}`
	file := `{"StateMachines":{"sm":{"TestCases":{
		"map":{"T":"Ok"},"catch":{"T":"Boom"},"callback":{"T":"Done"},"activity":{"T":"Done"},"short":{"T":"Done"}}}},` + responses + `}`
	tests := []struct {
		name, testCase, def, input string
		wantStatus, wantOutput     string
		wantError, wantCause       string
	}{
		{name: "invocations count across Map iterations, in index order", testCase: "map",
			def: `{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":4,"End":true,"ItemProcessor":{"StartAt":"T","States":{
				"T":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:glue:startJobRun","Parameters":{"JobName":"j"},"End":true}}}}}}`,
			input: `[1,2,3,4]`, wantStatus: StatusSucceeded, wantOutput: `[{"n":0},{"n":1},{"n":1},{"n":3}]`},
		{name: "a thrown error is caught", testCase: "catch",
			def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:glue:startJobRun","Parameters":{"JobName":"j"},
				"Catch":[{"ErrorEquals":["Glue.ConcurrentRunsExceededException"],"Next":"C"}],"End":true},"C":{"Type":"Pass","End":true}}}`,
			wantStatus: StatusSucceeded, wantOutput: `{"Error":"Glue.ConcurrentRunsExceededException","Cause":"too many"}`},
		{name: "a mocked callback completes without a client", testCase: "callback",
			def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
				"Parameters":{"QueueUrl":"q","MessageBody":{"token.$":"$$.Task.Token"}},"HeartbeatSeconds":5,"End":true}}}`,
			wantStatus: StatusSucceeded, wantOutput: `"done"`},
		{name: "a mocked activity needs no worker", testCase: "activity",
			def:        `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:nobody","End":true}}}`,
			wantStatus: StatusSucceeded, wantOutput: `"done"`},
		{name: "an invocation without a response fails the execution", testCase: "short",
			def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"Next":"Again"},
				"Again":{"Type":"Pass","Next":"T2"},"T2":{"Type":"Pass","Next":"Loop"},"Loop":{"Type":"Choice","Choices":[{"Variable":"$","StringEquals":"done","Next":"T"}],"Default":"End"},"End":{"Type":"Succeed"}}}`,
			wantStatus: StatusFailed, wantError: "States.Runtime",
			wantCause: "An error occurred while executing the state 'T' (entered at the event id #13). The mocked response Done of test case short has no response for invocation 1 of the state T."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := instantEngine(t, nil)
			x := startMocked(t, e, tc.def, tc.input, mockCase(t, file, "sm", tc.testCase))
			require.Equal(t, tc.wantStatus, x.Status(), "%v", types(x))
			if tc.wantOutput != "" {
				out, _ := x.Output()
				require.JSONEq(t, tc.wantOutput, out)
			}
			errName, _ := x.Error()
			cause, _ := x.Cause()
			require.Equal(t, tc.wantError, errName)
			require.Equal(t, tc.wantCause, cause)
			if strings.Contains(tc.name, "activity") {
				require.Equal(t, []string{"ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityStarted", "ActivitySucceeded", "TaskStateExited", "ExecutionSucceeded"}, types(x))
			}
		})
	}
}
