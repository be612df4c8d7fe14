package api_test

import (
	"context"
	"os"
	"os/exec"
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
	"github.com/sfnlocal/sfnlocal/api/apitest"
	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// switchTask is an integration that fails with "Broken" while broken is set.
func switchTask(broken *atomic.Bool, calls *atomic.Int64) task.Registry {
	return task.Registry{"gate": task.HandlerFunc(func(_ context.Context, r *task.Request) (any, error) {
		calls.Add(1)
		if broken.Load() {
			return nil, &task.Failure{Name: "Broken", Cause: "switched off"}
		}
		return map[string]any{"ok": true}, nil
	})}
}

const redriveDef = `{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"T"},
	"T":{"Type":"Task","Resource":"arn:aws:states:::gate:call","Parameters":{"rc.$":"$$.Execution.RedriveCount"},"End":true}}}`

// TestRedriveExecutionSDK fails an execution, redrives it through the Go SDK and checks
// DescribeExecution, ListExecutions' redriveFilter, the history and idempotency.
func TestRedriveExecutionSDK(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var broken atomic.Bool
	var calls atomic.Int64
	broken.Store(true)
	c := sdkClient(realService(t, switchTask(&broken, &calls)))
	smArn := createSM(t, c, "redrive", redriveDef, "")
	st, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &smArn, Name: aws.String("e1")})
	require.NoError(t, err)
	waitDone(t, c, *st.ExecutionArn)

	d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: st.ExecutionArn})
	require.NoError(t, err)
	require.Equal(t, types.ExecutionStatusFailed, d.Status)
	require.Equal(t, types.ExecutionRedriveStatusRedrivable, d.RedriveStatus)
	require.Nil(t, d.RedriveStatusReason)
	require.Equal(t, int32(0), *d.RedriveCount)
	require.Nil(t, d.RedriveDate)

	list := func(filter types.ExecutionRedriveFilter) []types.ExecutionListItem {
		t.Helper()
		l, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: &smArn, RedriveFilter: filter})
		require.NoError(t, err)
		return l.Executions
	}
	require.Len(t, list(types.ExecutionRedriveFilterNotRedriven), 1)
	require.Empty(t, list(types.ExecutionRedriveFilterRedriven))

	broken.Store(false)
	r1, err := c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: st.ExecutionArn, ClientToken: aws.String("token-1")})
	require.NoError(t, err)
	require.NotNil(t, r1.RedriveDate)
	// The same clientToken again: the same answer, and no second redrive.
	r2, err := c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: st.ExecutionArn, ClientToken: aws.String("token-1")})
	require.NoError(t, err)
	require.Equal(t, *r1.RedriveDate, *r2.RedriveDate)
	waitDone(t, c, *st.ExecutionArn)

	d, err = c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: st.ExecutionArn})
	require.NoError(t, err)
	require.Equal(t, types.ExecutionStatusSucceeded, d.Status)
	require.JSONEq(t, `{"ok":true}`, *d.Output)
	require.Nil(t, d.Error)
	require.Equal(t, int32(1), *d.RedriveCount)
	require.Equal(t, *r1.RedriveDate, *d.RedriveDate)
	require.Equal(t, types.ExecutionRedriveStatusNotRedrivable, d.RedriveStatus)
	require.Equal(t, "Execution is SUCCEEDED and cannot be redriven", *d.RedriveStatusReason)
	require.Equal(t, int64(2), calls.Load(), "one failed call, one after the redrive")

	require.Empty(t, list(types.ExecutionRedriveFilterNotRedriven))
	red := list(types.ExecutionRedriveFilterRedriven)
	require.Len(t, red, 1)
	require.Equal(t, int32(1), *red[0].RedriveCount)
	require.Equal(t, *r1.RedriveDate, *red[0].RedriveDate)

	h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: st.ExecutionArn})
	require.NoError(t, err)
	var got []types.HistoryEventType
	for _, ev := range h.Events {
		got = append(got, ev.Type)
	}
	require.Equal(t, []types.HistoryEventType{"ExecutionStarted", "PassStateEntered", "PassStateExited", "TaskStateEntered",
		"TaskScheduled", "TaskStarted", "TaskFailed", "ExecutionFailed",
		"ExecutionRedriven", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"}, got)
	rd := h.Events[8]
	require.Equal(t, int64(9), rd.Id)
	require.Equal(t, int64(8), rd.PreviousEventId)
	require.Equal(t, int32(1), *rd.ExecutionRedrivenEventDetails.RedriveCount)
	require.JSONEq(t, `{"rc":1}`, *h.Events[10].TaskScheduledEventDetails.Parameters)

	_, err = c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: st.ExecutionArn})
	requireCode(t, err, "ExecutionNotRedrivable")
}

func TestRedriveExecutionErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var broken atomic.Bool
	var calls atomic.Int64
	tasks := switchTask(&broken, &calls)
	tasks["hold"] = task.HandlerFunc(func(ctx context.Context, _ *task.Request) (any, error) {
		<-ctx.Done() // until stopped
		return nil, ctx.Err()
	})
	c := sdkClient(realService(t, tasks))
	passArn := createSM(t, c, "pass", passChain(1), "")
	waitArn := createSM(t, c, "hold", `{"StartAt":"H","States":{"H":{"Type":"Task","Resource":"arn:aws:states:::hold:it","End":true}}}`, "")
	ok, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &passArn, Name: aws.String("ok")})
	require.NoError(t, err)
	waitDone(t, c, *ok.ExecutionArn)
	running, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &waitArn, Name: aws.String("running")})
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = c.StopExecution(context.Background(), &sfn.StopExecutionInput{ExecutionArn: running.ExecutionArn})
	})
	tests := []struct {
		name, arn, token, code, message string
	}{
		{name: "succeeded", arn: *ok.ExecutionArn, code: "ExecutionNotRedrivable", message: "Execution is SUCCEEDED and cannot be redriven"},
		{name: "running", arn: *running.ExecutionArn, code: "ExecutionNotRedrivable", message: "Execution is RUNNING and cannot be redriven"},
		{name: "no such execution", arn: "arn:aws:states:us-east-1:123456789012:execution:pass:nope", code: "ExecutionDoesNotExist"},
		{name: "not an execution ARN", arn: passArn, code: "InvalidArn"},
		{name: "client token pattern", arn: *ok.ExecutionArn, token: "has space", code: "ValidationException",
			message: "1 validation error detected: Value 'has space' at 'clientToken' failed to satisfy constraint: Member must satisfy regular expression pattern: [!-~]+"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := &sfn.RedriveExecutionInput{ExecutionArn: aws.String(tc.arn)}
			if tc.token != "" {
				in.ClientToken = aws.String(tc.token)
			}
			_, err := c.RedriveExecution(ctx, in)
			requireCode(t, err, tc.code)
			if tc.message != "" {
				require.Contains(t, err.Error(), tc.message)
			}
		})
	}
}

// TestRedriveExecutionCLI redrives through `aws stepfunctions redrive-execution` against a
// started server.
func TestRedriveExecutionCLI(t *testing.T) {
	t.Parallel()
	awsBin := needTool(t, "aws")
	var broken atomic.Bool
	var calls atomic.Int64
	broken.Store(true)
	clocks, err := clock.ParseMode("instant")
	require.NoError(t, err)
	srv := apitest.NewServer(t, api.Options{
		Engine: api.InterpreterEngine(api.InterpreterConfig{Clock: clocks, Tasks: switchTask(&broken, &calls), Logger: zap.NewNop()}),
	})
	env := append(os.Environ(), "AWS_ACCESS_KEY_ID=dummy", "AWS_SECRET_ACCESS_KEY=dummy", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_PAGER=", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	run := func(args ...string) (string, error) {
		cmd := exec.Command(awsBin, append([]string{"stepfunctions", "--endpoint-url", srv.URL, "--output", "text"}, args...)...)
		cmd.Env = env
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return stderr.String(), err
		}
		return strings.TrimSpace(string(out)), nil
	}
	mustRun := func(args ...string) string {
		out, err := run(args...)
		require.NoError(t, err, "aws %v: %s", args, out)
		return out
	}
	smArn := mustRun("create-state-machine", "--name", "cli-redrive", "--role-arn", role, "--definition", redriveDef,
		"--query", "stateMachineArn")
	execArn := mustRun("start-execution", "--state-machine-arn", smArn, "--name", "e1", "--query", "executionArn")
	waitStatus := func() string {
		require.NoError(t, srv.Service.WaitExecution(context.Background(), execArn))
		return mustRun("describe-execution", "--execution-arn", execArn, "--query", "status")
	}
	require.Equal(t, "FAILED", waitStatus())
	require.Equal(t, "REDRIVABLE", mustRun("describe-execution", "--execution-arn", execArn, "--query", "redriveStatus"))

	broken.Store(false)
	date := mustRun("redrive-execution", "--execution-arn", execArn, "--query", "redriveDate")
	require.NotEmpty(t, date)
	require.Equal(t, "SUCCEEDED", waitStatus())
	require.Equal(t, "1", mustRun("describe-execution", "--execution-arn", execArn, "--query", "redriveCount"))
	require.Equal(t, execArn, mustRun("list-executions", "--state-machine-arn", smArn, "--redrive-filter", "REDRIVEN",
		"--query", "executions[0].executionArn"))

	out, err := run("redrive-execution", "--execution-arn", execArn)
	require.Error(t, err)
	require.Contains(t, out, "ExecutionNotRedrivable")
	require.Contains(t, out, "Execution is SUCCEEDED and cannot be redriven")
}

// TestRedriveClientTokenExpires checks that a clientToken answers idempotently for 15 minutes
// of service time, and is a new request afterwards.
func TestRedriveClientTokenExpires(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var broken atomic.Bool
	var calls atomic.Int64
	broken.Store(true)
	clocks, err := clock.ParseMode("instant")
	require.NoError(t, err)
	svcClock := clock.NewFake(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC))
	svc, err := api.New(api.Options{
		Engine: api.InterpreterEngine(api.InterpreterConfig{Clock: clocks, Tasks: switchTask(&broken, &calls), Logger: zap.NewNop()}),
		Logger: zap.NewNop(), Clock: svcClock,
	})
	require.NoError(t, err)
	t.Cleanup(svc.Close)
	c := sdkClient(svc)
	smArn := createSM(t, c, "tokens", redriveDef, "")
	st, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &smArn})
	require.NoError(t, err)
	waitDone(t, c, *st.ExecutionArn)
	broken.Store(false)
	in := &sfn.RedriveExecutionInput{ExecutionArn: st.ExecutionArn, ClientToken: aws.String("t-1")}
	r1, err := c.RedriveExecution(ctx, in)
	require.NoError(t, err)
	waitDone(t, c, *st.ExecutionArn)
	svcClock.Advance(15 * time.Minute)
	r2, err := c.RedriveExecution(ctx, in)
	require.NoError(t, err, "still remembered")
	require.Equal(t, *r1.RedriveDate, *r2.RedriveDate)
	svcClock.Advance(time.Second)
	_, err = c.RedriveExecution(ctx, in)
	requireCode(t, err, "ExecutionNotRedrivable")
}

// TestRedriveDeletingStateMachine: executions of a state machine being deleted (or deleted)
// cannot be redriven.
func TestRedriveDeletingStateMachine(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var broken atomic.Bool
	var calls atomic.Int64
	broken.Store(true)
	tasks := switchTask(&broken, &calls)
	release := make(chan struct{})
	tasks["hold"] = task.HandlerFunc(func(ctx context.Context, r *task.Request) (any, error) {
		select {
		case <-release:
			return map[string]any{}, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	})
	c := sdkClient(realService(t, tasks))
	smArn := createSM(t, c, "doomed", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.hold","IsPresent":true,"Next":"H"}],"Default":"T"},
		"H":{"Type":"Task","Resource":"arn:aws:states:::hold:it","End":true},
		"T":{"Type":"Task","Resource":"arn:aws:states:::gate:call","End":true}}}`, "")
	failed, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &smArn})
	require.NoError(t, err)
	waitDone(t, c, *failed.ExecutionArn)
	_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &smArn, Input: aws.String(`{"hold":true}`)})
	require.NoError(t, err)
	_, err = c.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: &smArn})
	require.NoError(t, err)

	d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: failed.ExecutionArn})
	require.NoError(t, err)
	require.Equal(t, types.ExecutionRedriveStatusNotRedrivable, d.RedriveStatus)
	require.Equal(t, "State machine is in DELETING status", *d.RedriveStatusReason)
	_, err = c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: failed.ExecutionArn})
	requireCode(t, err, "ExecutionNotRedrivable")
	close(release)
}
