package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
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

// passChain is a definition of n Pass states in a row.
func passChain(n int) string {
	var b strings.Builder
	b.WriteString(`{"StartAt":"S0","States":{`)
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		if i == n-1 {
			fmt.Fprintf(&b, `"S%d":{"Type":"Pass","End":true}`, i)
		} else {
			fmt.Fprintf(&b, `"S%d":{"Type":"Pass","Next":"S%d"}`, i, i+1)
		}
	}
	b.WriteString("}}")
	return b.String()
}

// TestInterpreterEndToEnd drives the real interpreter through the SDK.
func TestInterpreterEndToEnd(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tokens := make(chan string, 1)
	svc := realService(t, task.Registry{"sqs": task.HandlerFunc(func(ctx context.Context, r *task.Request) (any, error) {
		tokens <- r.TaskToken
		return map[string]any{"MessageId": "m-1"}, nil
	})})
	c := sdkClient(svc)

	t.Run("pass chain", func(t *testing.T) {
		arn := createSM(t, c, "chain", passChain(10), "")
		st, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &arn, Input: aws.String(`{"n":1}`)})
		require.NoError(t, err)
		waitDone(t, c, *st.ExecutionArn)
		d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: st.ExecutionArn})
		require.NoError(t, err)
		require.Equal(t, types.ExecutionStatusSucceeded, d.Status)
		require.Equal(t, `{"n":1}`, *d.Output)
		h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: st.ExecutionArn})
		require.NoError(t, err)
		require.Len(t, h.Events, 22)
		require.Equal(t, types.HistoryEventTypePassStateEntered, h.Events[1].Type)
		require.Equal(t, "S0", *h.Events[1].StateEnteredEventDetails.Name)
		require.Equal(t, types.HistoryEventTypeExecutionSucceeded, h.Events[21].Type)
	})

	t.Run("fail", func(t *testing.T) {
		arn := createSM(t, c, "fails", failDef, "")
		st, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &arn})
		require.NoError(t, err)
		waitDone(t, c, *st.ExecutionArn)
		d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: st.ExecutionArn})
		require.NoError(t, err)
		require.Equal(t, types.ExecutionStatusFailed, d.Status)
		require.Equal(t, "Oops", *d.Error)
		require.Equal(t, "bad", *d.Cause)
	})

	t.Run("invalid definition", func(t *testing.T) {
		_, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("bad"), RoleArn: aws.String(role),
			Definition: aws.String(`{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Nowhere"}}}`)})
		requireCode(t, err, "InvalidDefinition")
		_, err = c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("exwait"), RoleArn: aws.String(role), Type: types.StateMachineTypeExpress,
			Definition: aws.String(`{"StartAt":"Publish","States":{"Publish":{"Type":"Task","Resource":"arn:aws:states:::sns:publish.waitForTaskToken","End":true}}}`)})
		requireCode(t, err, "InvalidDefinition")
		require.Contains(t, err.Error(), "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Express state machine does not support '.waitForTaskToken' service integration  at /States/Publish/Resource'")
	})

	t.Run("task token", func(t *testing.T) {
		arn := createSM(t, c, "callback", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","Parameters":{"QueueUrl":"q","MessageBody.$":"$$.Task.Token"},"End":true}}}`, "")
		st, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &arn})
		require.NoError(t, err)
		tok := <-tokens
		_, err = c.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: &tok})
		require.NoError(t, err)
		_, err = c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: &tok, Output: aws.String(`{"a":1:2}`)})
		requireCode(t, err, "InvalidOutput")
		// Jackson's words, as AWS answers, never Go's parser text.
		require.ErrorContains(t, err, "Invalid Output: 'Unexpected character (':' (code 58)): was expecting comma to separate Object entries\n at [Source: (String)\"{\"a\":1:2}\"; line: 1, column: 8]'")
		_, err = c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: &tok, Output: aws.String(`{"ok":1}`)})
		require.NoError(t, err)
		waitDone(t, c, *st.ExecutionArn)
		d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: st.ExecutionArn})
		require.NoError(t, err)
		require.Equal(t, types.ExecutionStatusSucceeded, d.Status)
		require.Equal(t, `{"ok":1}`, *d.Output)
		_, err = c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: &tok, Output: aws.String(`{}`)})
		require.Error(t, err, "a used token answers an error")
		_, err = c.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: aws.String("not-a-token")})
		requireCode(t, err, "InvalidToken")
	})

	t.Run("activity", func(t *testing.T) {
		act, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("real-work")})
		require.NoError(t, err)
		arn := createSM(t, c, "uses-activity", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"`+*act.ActivityArn+`","End":true}}}`, "")
		st, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &arn, Input: aws.String(`{"job":7}`)})
		require.NoError(t, err)
		task, err := c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: act.ActivityArn, WorkerName: aws.String("worker-1")})
		require.NoError(t, err)
		require.NotNil(t, task.TaskToken)
		require.JSONEq(t, `{"job":7}`, *task.Input)
		_, err = c.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: task.TaskToken, Error: aws.String("Worker.Error"), Cause: aws.String("it broke")})
		require.NoError(t, err)
		waitDone(t, c, *st.ExecutionArn)
		d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: st.ExecutionArn})
		require.NoError(t, err)
		require.Equal(t, types.ExecutionStatusFailed, d.Status)
		require.Equal(t, "Worker.Error", *d.Error)
	})

	t.Run("express sync", func(t *testing.T) {
		arn := createSM(t, c, "exchain", passChain(3), types.StateMachineTypeExpress)
		out, err := c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: &arn, Input: aws.String(`[1,2]`)})
		require.NoError(t, err)
		require.Equal(t, types.SyncExecutionStatusSucceeded, out.Status)
		require.Equal(t, `[1,2]`, *out.Output)
	})
}

// TestInterpreterStop stops a waiting execution of the real interpreter on the real clock.
func TestInterpreterStop(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, err := api.New(api.Options{
		Engine: api.InterpreterEngine(api.InterpreterConfig{Clock: func() clock.Clock { return clock.Real() }, Logger: zap.NewNop()}),
	})
	require.NoError(t, err)
	t.Cleanup(svc.Close)
	c := sdkClient(svc)
	arn := createSM(t, c, "waits", waitDef, "")
	st, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &arn, Name: aws.String("w")})
	require.NoError(t, err)
	_, err = c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: st.ExecutionArn})
	require.NoError(t, err)
	d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: st.ExecutionArn})
	require.NoError(t, err)
	require.Equal(t, types.ExecutionStatusAborted, d.Status)
	h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: st.ExecutionArn, ReverseOrder: true, MaxResults: 1})
	require.NoError(t, err)
	require.Equal(t, types.HistoryEventTypeExecutionAborted, h.Events[0].Type)
}

// waitDone waits for an execution to leave RUNNING (the engine runs it on its own goroutine),
// without polling: the client's Service tells when it ends.
func waitDone(t testing.TB, c *sfn.Client, arn string) {
	t.Helper()
	svc, ok := services.Load(c)
	require.True(t, ok, "waitDone needs a client made by sdkClient")
	require.NoError(t, svc.(*api.Service).WaitExecution(context.Background(), arn))
}

// TestInterpreterTestState covers TestState through the SDK.
func TestInterpreterTestState(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := sdkClient(realService(t, nil))
	cases := []struct {
		name                  string
		in                    sfn.TestStateInput
		status                types.TestExecutionStatus
		output, next, errName string
		code                  string
	}{
		{name: "pass with next", in: sfn.TestStateInput{Definition: aws.String(`{"Type":"Pass","Result":{"r":1},"ResultPath":"$.x","Next":"After"}`), Input: aws.String(`{"a":1}`)},
			status: types.TestExecutionStatusSucceeded, output: `{"a":1,"x":{"r":1}}`, next: "After"},
		{name: "choice", in: sfn.TestStateInput{Definition: aws.String(`{"Type":"Choice","Choices":[{"Variable":"$.v","NumericGreaterThan":20,"Next":"Big"}],"Default":"Small"}`), Input: aws.String(`{"v":22}`)},
			status: types.TestExecutionStatusSucceeded, output: `{"v":22}`, next: "Big"},
		{name: "fail", in: sfn.TestStateInput{Definition: aws.String(`{"Type":"Fail","Error":"E","Cause":"C"}`)},
			status: types.TestExecutionStatusFailed, errName: "E"},
		{name: "mocked task", in: sfn.TestStateInput{Definition: aws.String(`{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"ResultSelector":{"p.$":"$.Payload"},"End":true}`),
			Mock: &types.MockInput{Result: aws.String(`{"Payload":"hi"}`)}},
			status: types.TestExecutionStatusSucceeded, output: `{"p":"hi"}`},
		{name: "mocked error caught", in: sfn.TestStateInput{Definition: aws.String(`{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Handle"}],"End":true}`),
			Mock: &types.MockInput{ErrorOutput: &types.MockErrorOutput{Error: aws.String("Boom"), Cause: aws.String("why")}}},
			status: types.TestExecutionStatusCaughtError, output: `{"Error":"Boom","Cause":"why"}`, next: "Handle", errName: "Boom"},
		{name: "state of a machine", in: sfn.TestStateInput{Definition: aws.String(`{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Succeed"}}}`), StateName: aws.String("A")},
			status: types.TestExecutionStatusSucceeded, output: `{}`, next: "B"},
		{name: "debug level", in: sfn.TestStateInput{Definition: aws.String(`{"Type":"Pass","End":true}`), Input: aws.String(`{"a":1}`), InspectionLevel: types.InspectionLevelDebug},
			status: types.TestExecutionStatusSucceeded, output: `{"a":1}`},
		{name: "mock on a Pass state refused", in: sfn.TestStateInput{Definition: aws.String(`{"Type":"Pass","End":true}`), Mock: &types.MockInput{Result: aws.String(`{}`)}}, code: "ValidationException"},
		{name: "invalid state", in: sfn.TestStateInput{Definition: aws.String(`{"Type":"Pass","Next":1}`)}, code: "InvalidDefinition"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, err := c.TestState(ctx, &tc.in)
			if tc.code != "" {
				requireCode(t, err, tc.code)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.status, out.Status)
			if tc.output != "" {
				require.JSONEq(t, tc.output, *out.Output)
			}
			require.Equal(t, tc.next, aws.ToString(out.NextState))
			require.Equal(t, tc.errName, aws.ToString(out.Error))
		})
	}
}

// TestNoHTMLEscaping: AWS writes <, > and & as is in every JSON answer.
func TestNoHTMLEscaping(t *testing.T) {
	t.Parallel()
	svc := realService(t, nil)
	h := svc.Handler()
	status, _, body := post(t, h, "AWSStepFunctions.CreateStateMachine", `{"name":"esc","roleArn":"arn:aws:iam::123456789012:role/r","definition":`+strconvQuote(passChain(1))+`}`)
	require.Equal(t, 200, status, "%v", body)
	arn := body["stateMachineArn"].(string)
	status, _, body = post(t, h, "AWSStepFunctions.StartExecution", `{"stateMachineArn":"`+arn+`","name":"x","input":"{\"k\":\"<&>\"}"}`)
	require.Equal(t, 200, status, "%v", body)
	c := sdkClient(svc)
	waitDone(t, c, body["executionArn"].(string))
	for _, op := range []string{"GetExecutionHistory", "DescribeExecution"} {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"executionArn":"`+body["executionArn"].(string)+`"}`))
		req.Header.Set("X-Amz-Target", "AWSStepFunctions."+op)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		require.Equal(t, 200, w.Code)
		require.Contains(t, w.Body.String(), `<&>`, op)
		require.NotContains(t, w.Body.String(), `\u003c`, op)
	}
}

// TestInterpreterHeartbeatTimeout: a task whose heartbeat lapses fails the execution, and a
// late callback is refused.
func TestInterpreterHeartbeatTimeout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fake := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	tokens := make(chan string, 1)
	svc, err := api.New(api.Options{
		Engine: api.InterpreterEngine(api.InterpreterConfig{
			Clock: func() clock.Clock { return fake }, Logger: zap.NewNop(),
			Tasks: task.Registry{"sqs": task.HandlerFunc(func(ctx context.Context, r *task.Request) (any, error) {
				tokens <- r.TaskToken
				return map[string]any{}, nil
			})},
		}),
		Clock: fake,
	})
	require.NoError(t, err)
	t.Cleanup(svc.Close)
	c := sdkClient(svc)
	arn := createSM(t, c, "hb", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","HeartbeatSeconds":5,"Parameters":{"T.$":"$$.Task.Token"},"End":true}}}`, "")
	st, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &arn})
	require.NoError(t, err)
	tok := <-tokens
	fake.BlockUntil(1)
	fake.Advance(3 * time.Second)
	_, err = c.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: &tok})
	require.NoError(t, err, "a heartbeat within HeartbeatSeconds is accepted")
	fake.Advance(10 * time.Second)
	waitDone(t, c, *st.ExecutionArn)
	d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: st.ExecutionArn})
	require.NoError(t, err)
	require.Equal(t, types.ExecutionStatusFailed, d.Status)
	require.Equal(t, "States.Timeout", aws.ToString(d.Error))
	_, err = c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: &tok, Output: aws.String(`{}`)})
	var ae interface{ ErrorCode() string }
	require.ErrorAs(t, err, &ae)
	require.Equal(t, "TaskTimedOut", ae.ErrorCode())
}
