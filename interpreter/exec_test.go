package interpreter

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sfnlocal/sfnlocal/internal/value"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

var epoch = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// instantEngine runs executions in instant time over a fake base clock, so timestamps are
// deterministic.
func instantEngine(t *testing.T, tasks task.Registry) *Engine {
	t.Helper()
	base := clock.NewFake(epoch)
	e := NewEngine(Config{Clock: func() clock.Clock { return clock.NewInstant(base) }, Tasks: tasks, Logger: zaptest.NewLogger(t)})
	t.Cleanup(e.Close)
	return e
}

func start(t *testing.T, e *Engine, def, input string) *Execution {
	t.Helper()
	sm, err := Parse(def)
	require.NoError(t, err)
	x, err := e.Start(sm, StartParams{ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:sm:run", Name: "run",
		StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm", StateMachineName: "sm",
		RoleArn: "arn:aws:iam::123456789012:role/r", Input: input})
	require.NoError(t, err)
	return x
}

// wait waits for the execution to end; a hang is caught by go test's -timeout (no real-time
// timers under interpreter/, by the house rule).
func wait(t *testing.T, x *Execution) {
	t.Helper()
	<-x.Done()
}

func types(x *Execution) []string {
	var out []string
	for _, ev := range x.History() {
		out = append(out, ev.Type)
	}
	return out
}

func TestExecutions(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("a", maxPayloadBytes)
	tests := []struct {
		name       string
		def        string
		input      string
		tasks      task.Registry
		wantStatus string
		wantOutput string
		wantError  string
		wantCause  string
		wantTypes  []string
	}{
		{name: "pass result path", def: `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"v":1},"ResultPath":"$.r","OutputPath":"$.r","End":true}}}`,
			input: `{"a":1}`, wantStatus: StatusSucceeded, wantOutput: `{"v":1}`,
			wantTypes: []string{"ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"}},
		{name: "result path null keeps input", def: `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":5,"ResultPath":null,"End":true}}}`,
			input: `{"a":1}`, wantStatus: StatusSucceeded, wantOutput: `{"a":1}`},
		{name: "input path null", def: `{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":null,"End":true}}}`,
			input: `{"a":1}`, wantStatus: StatusSucceeded, wantOutput: `{}`},
		{name: "payload limit on result", def: `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"big":"` + big + `"},"End":true}}}`,
			wantStatus: StatusFailed, wantError: errDataLimit,
			wantCause: "The state/task 'P' returned a result with a size exceeding the maximum number of bytes service limit."},
		{name: "States.ALL catches a Task result over the limit",
			def:        `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::big:get","Catch":[{"ErrorEquals":["States.ALL"],"Next":"C"}],"End":true},"C":{"Type":"Succeed"}}}`,
			tasks:      task.Registry{"big": task.HandlerFunc(func(context.Context, *task.Request) (any, error) { return big, nil })},
			wantStatus: StatusSucceeded, wantOutput: `{"Error":"States.DataLimitExceeded","Cause":"The state/task 'big' returned a result with a size exceeding the maximum number of bytes service limit."}`,
			wantTypes: []string{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskFailed", "TaskStateExited", "SucceedStateEntered", "SucceedStateExited", "ExecutionSucceeded"}},
		{name: "States.ALL does not catch a state output over the limit",
			def: `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","Result":"` + big + `","End":true}}}],
				"Catch":[{"ErrorEquals":["States.ALL"],"Next":"C"}],"End":true},"C":{"Type":"Succeed"}}}`,
			wantStatus: StatusFailed, wantError: errDataLimit},
		{name: "explicit States.Runtime does not catch", def: `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","OutputPath":"$.x","End":true}}}],
				"Catch":[{"ErrorEquals":["States.Runtime"],"Next":"C"}],"End":true},"C":{"Type":"Succeed"}}}`,
			wantStatus: StatusFailed, wantError: errRuntime},
		{name: "States.ALL does not catch Runtime",
			def: `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","InputPath":"$.missing","End":true}}}],
				"Catch":[{"ErrorEquals":["States.ALL"],"Next":"C"}],"End":true},"C":{"Type":"Succeed"}}}`,
			input: `{}`, wantStatus: StatusFailed, wantError: errRuntime,
			wantCause: "An error occurred while executing the state 'B' (entered at the event id #4). Invalid path '$.missing' : No results for path: $['missing']"},
		{name: "catch custom error", def: `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E","Cause":"c"}}}],
				"Catch":[{"ErrorEquals":["E"],"ResultPath":"$.err","Next":"C"}],"End":true},"C":{"Type":"Succeed"}}}`,
			input: `{"x":1}`, wantStatus: StatusSucceeded, wantOutput: `{"err":{"Cause":"c","Error":"E"},"x":1}`},
		{name: "fail without error or cause", def: `{"StartAt":"F","States":{"F":{"Type":"Fail"}}}`, wantStatus: StatusFailed},
		{name: "choice no match", def: `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericEquals":1,"Next":"S"}]},"S":{"Type":"Succeed"}}}`,
			input: `{"n":2}`, wantStatus: StatusFailed, wantError: errNoChoiceMatched},
		{name: "retry then succeed", def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::flaky:go","Retry":[{"ErrorEquals":["Flaky"],"MaxAttempts":3}],"End":true}}}`,
			tasks: task.Registry{"flaky": flaky(2)}, wantStatus: StatusSucceeded, wantOutput: `"ok"`,
			wantTypes: []string{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskFailed", "TaskScheduled", "TaskStarted", "TaskFailed",
				"TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"}},
		{name: "retry exhausted", def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::flaky:go","Retry":[{"ErrorEquals":["Flaky"],"MaxAttempts":1}],"End":true}}}`,
			tasks: task.Registry{"flaky": flaky(5)}, wantStatus: StatusFailed, wantError: "Flaky", wantCause: "try again"},
		{name: "unknown integration", def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::nothing:here","End":true}}}`,
			wantStatus: StatusFailed, wantError: errRuntime,
			wantCause: "An error occurred while executing the state 'T' (entered at the event id #2). The resource provided arn:aws:states:::nothing:here is not recognized. The value is not a valid resource ARN, or the resource is not available in this region."},
		{name: "legacy lambda events", def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","End":true}}}`,
			tasks: task.Registry{"lambda": task.HandlerFunc(func(_ context.Context, r *task.Request) (any, error) {
				if !r.Legacy {
					return nil, errors.New("want legacy")
				}
				return map[string]any{"got": r.Parameters}, nil
			})},
			input: `{"k":"v"}`, wantStatus: StatusSucceeded, wantOutput: `{"got":{"k":"v"}}`,
			wantTypes: []string{"ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionSucceeded", "TaskStateExited", "ExecutionSucceeded"}},
		{name: "sync records TaskSubmitted", def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::batch:submitJob.sync","End":true}}}`,
			tasks: task.Registry{"batch": task.HandlerFunc(func(_ context.Context, r *task.Request) (any, error) {
				r.Submitted(map[string]any{"JobId": "1"})
				return map[string]any{"Status": "SUCCEEDED"}, nil
			})},
			wantStatus: StatusSucceeded, wantOutput: `{"Status":"SUCCEEDED"}`,
			wantTypes: []string{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"}},
		{name: "map with tolerated failures", def: `{"StartAt":"M","States":{"M":{"Type":"Map","ToleratedFailureCount":1,"ItemProcessor":{"StartAt":"C","States":{
				"C":{"Type":"Choice","Choices":[{"Variable":"$","NumericEquals":2,"Next":"F"}],"Default":"P"},"F":{"Type":"Fail","Error":"Two"},"P":{"Type":"Pass","End":true}}},"End":true}}}`,
			input: `[1,2,3]`, wantStatus: StatusSucceeded, wantOutput: `[1,null,3]`},
		{name: "map failure threshold", def: `{"StartAt":"M","States":{"M":{"Type":"Map","ToleratedFailureCount":0,"ItemProcessor":{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"X"}}},"End":true}}}`,
			input: `[1]`, wantStatus: StatusFailed, wantError: errToleratedFailure},
		{name: "map concurrent waits keep order", def: `{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":2,"ItemSelector":{"i.$":"$$.Map.Item.Index","v.$":"$$.Map.Item.Value"},
				"ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.v","End":true}}},"OutputPath":"$[*].i","End":true}}}`,
			input: `[3,1,2,0]`, wantStatus: StatusSucceeded, wantOutput: `[0,1,2,3]`},
		{name: "parallel results in branch order", def: `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
				{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":5,"Next":"A"},"A":{"Type":"Pass","Result":"a","End":true}}},
				{"StartAt":"B","States":{"B":{"Type":"Pass","Result":"b","End":true}}}],"End":true}}}`,
			wantStatus: StatusSucceeded, wantOutput: `["a","b"]`},
		{name: "failing branch aborts its sibling", def: `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
				{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":5,"End":true}}},
				{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::block:forever","End":true}}},
				{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom"}}}],"End":true}}}`,
			tasks: task.Registry{"block": task.HandlerFunc(func(ctx context.Context, _ *task.Request) (any, error) {
				<-ctx.Done()
				return nil, ctx.Err()
			})},
			wantStatus: StatusFailed, wantError: "Boom"},
		{name: "wait too far in the future", def: `{"StartAt":"W","States":{"W":{"Type":"Wait","Timestamp":"2124-01-01T00:00:00Z","End":true}}}`,
			wantStatus: StatusFailed, wantError: errRuntime,
			wantCause: "An error occurred while executing the state 'W' (entered at the event id #2). Wait state delay is too long."},
		{name: "seconds path errors", def: `{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","End":true}}}`, input: `{"s":-1}`,
			wantStatus: StatusFailed, wantError: errRuntime,
			wantCause: "An error occurred while executing the state 'W' (entered at the event id #2). The SecondsPath parameter references a negative value: $.s == -1"},
		{name: "execution timeout", def: `{"TimeoutSeconds":10,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100,"End":true}}}`,
			wantStatus: StatusTimedOut, wantError: errTimeout,
			wantTypes: []string{"ExecutionStarted", "WaitStateEntered", "ExecutionTimedOut"}},
		{name: "endless loop hits the history limit", def: `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"C"},
				"C":{"Type":"Choice","Choices":[{"Variable":"$.stop","IsPresent":true,"Next":"E"}],"Default":"A"},"E":{"Type":"Succeed"}}}`,
			wantStatus: StatusFailed, wantError: errRuntime, wantCause: "The execution reached the maximum number of history events (25000)."},
		{name: "variables", def: `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"x.$":"$.n"},"Next":"B"},"B":{"Type":"Pass","Parameters":{"y.$":"$x"},"End":true}}}`,
			input: `{"n":7}`, wantStatus: StatusSucceeded, wantOutput: `{"y":7}`},
		{name: "assign sees the raw task result", def: `{"StartAt":"T","States":{
				"T":{"Type":"Task","Resource":"arn:aws:states:::svc:get","ResultSelector":{"r.$":"$.a"},"Assign":{"raw.$":"$.a"},"Next":"P"},
				"P":{"Type":"Pass","Parameters":{"v.$":"$raw","sel.$":"$.r"},"End":true}}}`,
			tasks: task.Registry{"svc": task.HandlerFunc(func(context.Context, *task.Request) (any, error) {
				return map[string]any{"a": json.Number("1")}, nil
			})},
			wantStatus: StatusSucceeded, wantOutput: `{"v":1,"sel":1}`},
		{name: "context object", def: `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"name.$":"$$.State.Name","sm.$":"$$.StateMachine.Name","in.$":"$$.Execution.Input.a"},"End":true}}}`,
			input: `{"a":1}`, wantStatus: StatusSucceeded, wantOutput: `{"in":1,"name":"P","sm":"sm"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := instantEngine(t, tc.tasks)
			x := start(t, e, tc.def, tc.input)
			wait(t, x)
			cause, _ := x.Cause()
			require.Equal(t, tc.wantStatus, x.Status(), cause)
			out, hasOut := x.Output()
			require.Equal(t, tc.wantOutput != "", hasOut)
			if tc.wantOutput != "" {
				require.JSONEq(t, tc.wantOutput, out)
			}
			if tc.wantError != "" {
				errName, ok := x.Error()
				require.True(t, ok)
				require.Equal(t, tc.wantError, errName)
			}
			if tc.wantCause != "" {
				require.Equal(t, tc.wantCause, cause)
			}
			if tc.wantTypes != nil {
				require.Equal(t, tc.wantTypes, types(x))
			}
			// Every event encodes, ids are dense and previous ids point backwards.
			for i, ev := range x.History() {
				require.Equal(t, int64(i+1), ev.ID)
				require.Less(t, ev.PreviousEventID, ev.ID)
				data, err := json.Marshal(ev)
				require.NoError(t, err)
				require.True(t, json.Valid(data))
			}
		})
	}
}

// flaky fails with "Flaky" n times, then returns "ok".
func flaky(n int) task.Handler {
	var mu sync.Mutex
	return task.HandlerFunc(func(context.Context, *task.Request) (any, error) {
		mu.Lock()
		defer mu.Unlock()
		if n > 0 {
			n--
			return nil, &task.Failure{Name: "Flaky", Cause: "try again"}
		}
		return "ok", nil
	})
}

func TestRetryBackoffAdvancesInstantClock(t *testing.T) {
	t.Parallel()
	e := instantEngine(t, task.Registry{"flaky": flaky(3)})
	x := start(t, e, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::flaky:go",
		"Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":2,"BackoffRate":3,"MaxAttempts":5}],"End":true}}}`, "")
	wait(t, x)
	require.Equal(t, StatusSucceeded, x.Status())
	var scheduled []time.Time
	for _, ev := range x.History() {
		if ev.Type == EvTaskScheduled {
			scheduled = append(scheduled, ev.Timestamp)
		}
	}
	require.Len(t, scheduled, 4)
	require.Equal(t, 2*time.Second, scheduled[1].Sub(scheduled[0]))
	require.Equal(t, 6*time.Second, scheduled[2].Sub(scheduled[1]))
	require.Equal(t, 18*time.Second, scheduled[3].Sub(scheduled[2]))
}

func TestStopAbortsExecution(t *testing.T) {
	t.Parallel()
	fake := clock.NewFake(epoch)
	e := NewEngine(Config{Clock: func() clock.Clock { return fake }})
	t.Cleanup(e.Close)
	x := start(t, e, `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}}`, "")
	fake.BlockUntil(1)
	require.NoError(t, x.Stop("Err", "stopped by test"))
	require.Equal(t, StatusAborted, x.Status())
	errName, _ := x.Error()
	cause, _ := x.Cause()
	require.Equal(t, "Err", errName)
	require.Equal(t, "stopped by test", cause)
	h := x.History()
	require.Equal(t, []string{"ExecutionStarted", "WaitStateEntered", "ExecutionAborted"}, types(x))
	require.Equal(t, int64(0), h[2].PreviousEventID)
	_, stopped := x.StopDate()
	require.True(t, stopped)
	require.NoError(t, x.Stop("", ""), "stopping twice is harmless")
}

func TestEngineCloseAbortsRunning(t *testing.T) {
	t.Parallel()
	fake := clock.NewFake(epoch)
	e := NewEngine(Config{Clock: func() clock.Clock { return fake }})
	x := start(t, e, `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}}`, "")
	fake.BlockUntil(1)
	e.Close()
	require.Equal(t, StatusAborted, x.Status())
	_, err := e.Start(x.sm, StartParams{})
	require.ErrorIs(t, err, ErrEngineClosed)
}

// tokenCatcher is a waitForTaskToken integration that hands out the tokens it receives.
func tokenCatcher() (task.Handler, chan string) {
	tokens := make(chan string, 4)
	return task.HandlerFunc(func(_ context.Context, r *task.Request) (any, error) {
		tokens <- r.TaskToken
		return map[string]any{"MessageId": "m1"}, nil
	}), tokens
}

func TestCallbacks(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
		"Parameters":{"token.$":"$$.Task.Token"},"End":true}}}`
	t.Run("success", func(t *testing.T) {
		t.Parallel()
		h, tokens := tokenCatcher()
		e := instantEngine(t, task.Registry{"sqs": h})
		x := start(t, e, def, "")
		token := <-tokens
		require.ErrorIs(t, e.SendTaskSuccess(token, "{not json"), ErrInvalidOutput)
		require.NoError(t, e.SendTaskHeartbeat(token))
		require.NoError(t, e.SendTaskSuccess(token, `{"done":true}`))
		wait(t, x)
		require.Equal(t, StatusSucceeded, x.Status())
		out, _ := x.Output()
		require.JSONEq(t, `{"done":true}`, out)
		require.Equal(t, []string{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"}, types(x))
		sched := x.History()[2]
		require.Equal(t, "sendMessage.waitForTaskToken", sched.Resource)
		require.Equal(t, value.ObjectOf("token", token), sched.Parameters)
		require.ErrorIs(t, e.SendTaskSuccess(token, `{}`), ErrTaskDoesNotExist)
	})
	t.Run("failure", func(t *testing.T) {
		t.Parallel()
		h, tokens := tokenCatcher()
		e := instantEngine(t, task.Registry{"sqs": h})
		x := start(t, e, def, "")
		require.NoError(t, e.SendTaskFailure(<-tokens, "MyError", "my cause"))
		wait(t, x)
		require.Equal(t, StatusFailed, x.Status())
		errName, _ := x.Error()
		cause, _ := x.Cause()
		require.Equal(t, "MyError", errName)
		require.Equal(t, "my cause", cause)
	})
	t.Run("bad tokens", func(t *testing.T) {
		t.Parallel()
		e := instantEngine(t, nil)
		require.ErrorIs(t, e.SendTaskSuccess("garbage!", `{}`), ErrInvalidToken)
		require.ErrorIs(t, e.SendTaskFailure(newToken(), "", ""), ErrTaskDoesNotExist)
		require.ErrorIs(t, e.SendTaskHeartbeat(""), ErrInvalidToken)
	})
	t.Run("heartbeat timeout", func(t *testing.T) {
		t.Parallel()
		h, tokens := tokenCatcher()
		fake := clock.NewFake(epoch)
		e := NewEngine(Config{Clock: func() clock.Clock { return fake }, Tasks: task.Registry{"sqs": h}})
		t.Cleanup(e.Close)
		x := start(t, e, strings.Replace(def, `"End":true`, `"HeartbeatSeconds":5,"End":true`, 1), "")
		token := <-tokens
		fake.BlockUntil(1)
		fake.Advance(6 * time.Second)
		wait(t, x)
		require.Equal(t, StatusFailed, x.Status())
		errName, _ := x.Error()
		require.Equal(t, errTimeout, errName)
		require.Contains(t, types(x), EvTaskTimedOut)
		require.ErrorIs(t, e.SendTaskSuccess(token, `{}`), ErrTaskTimedOut)
	})
}

func TestActivity(t *testing.T) {
	t.Parallel()
	const arn = "arn:aws:states:us-east-1:123456789012:activity:work"
	e := instantEngine(t, nil)
	x := start(t, e, `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"`+arn+`","TimeoutSeconds":300,"End":true}}}`, `{"job":1}`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	token, input, err := e.GetActivityTask(ctx, arn, "worker-1")
	require.NoError(t, err)
	require.NotEmpty(t, token)
	require.JSONEq(t, `{"job":1}`, input)
	require.NoError(t, e.SendTaskSuccess(token, `{"result":2}`))
	wait(t, x)
	require.Equal(t, StatusSucceeded, x.Status())
	require.Equal(t, []string{"ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityStarted", "ActivitySucceeded", "TaskStateExited", "ExecutionSucceeded"}, types(x))
	require.Equal(t, "worker-1", x.History()[3].WorkerName)

	// An empty poll returns when its context ends.
	short, cancelShort := context.WithCancel(context.Background())
	cancelShort()
	token, _, err = e.GetActivityTask(short, arn, "w")
	require.NoError(t, err)
	require.Empty(t, token)
}

func TestMissingActivity(t *testing.T) {
	t.Parallel()
	const arn = "arn:aws:states:us-east-1:123456789012:activity:gone"
	e := NewEngine(Config{Clock: func() clock.Clock { return clock.NewInstant(clock.NewFake(epoch)) }, ActivityExists: func(string) bool { return false }})
	t.Cleanup(e.Close)
	x := start(t, e, `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"`+arn+`","End":true}}}`, "")
	wait(t, x)
	cause, _ := x.Cause()
	require.Equal(t, "An error occurred while executing the state 'A' (entered at the event id #2). The activity "+arn+" does not exist.", cause)
}

func TestInvalidInput(t *testing.T) {
	t.Parallel()
	e := instantEngine(t, nil)
	sm, err := Parse(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	require.NoError(t, err)
	_, err = e.Start(sm, StartParams{Input: "{nope"})
	require.Error(t, err)
	_, err = e.Start(nil, StartParams{})
	require.Error(t, err)
}

func TestFailingBranchAbortsSibling(t *testing.T) {
	t.Parallel()
	fake := clock.NewFake(epoch)
	failAfterWait := task.HandlerFunc(func(context.Context, *task.Request) (any, error) {
		fake.BlockUntil(1) // the sibling is sleeping in its Wait state
		return nil, &task.Failure{Name: "Boom", Cause: "b"}
	})
	e := NewEngine(Config{Clock: func() clock.Clock { return fake }, Tasks: task.Registry{"svc": failAfterWait}})
	t.Cleanup(e.Close)
	x := start(t, e, `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
		{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}},
		{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::svc:fail","End":true}}}],"End":true}}}`, "")
	wait(t, x)
	require.Equal(t, StatusFailed, x.Status())
	evs := types(x)
	require.Contains(t, evs, EvWaitStateAborted)
	require.Equal(t, EvParallelStateFailed, evs[len(evs)-2])
	require.Equal(t, EvExecutionFailed, evs[len(evs)-1])
}

func TestTaskTimeout(t *testing.T) {
	t.Parallel()
	fake := clock.NewFake(epoch)
	block := task.HandlerFunc(func(ctx context.Context, _ *task.Request) (any, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	e := NewEngine(Config{Clock: func() clock.Clock { return fake }, Tasks: task.Registry{"svc": block}})
	t.Cleanup(e.Close)
	x := start(t, e, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::svc:slow","TimeoutSeconds":30,
		"Catch":[{"ErrorEquals":["States.Timeout"],"Next":"S"}],"End":true},"S":{"Type":"Succeed"}}}`, "")
	fake.BlockUntil(1)
	fake.Advance(31 * time.Second)
	wait(t, x)
	require.Equal(t, StatusSucceeded, x.Status())
	out, _ := x.Output()
	require.JSONEq(t, `{"Error":"States.Timeout","Cause":""}`, out)
	h := x.History()
	require.Equal(t, []string{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskTimedOut", "TaskStateExited", "SucceedStateEntered", "SucceedStateExited", "ExecutionSucceeded"}, types(x))
	timedOut, err := json.Marshal(h[4])
	require.NoError(t, err)
	require.Contains(t, string(timedOut), `"taskTimedOutEventDetails":{"resourceType":"svc","resource":"slow","error":"States.Timeout"}`)
}

func TestMapFailureAbortsOtherIterations(t *testing.T) {
	t.Parallel()
	fake := clock.NewFake(epoch)
	failAfterWait := task.HandlerFunc(func(context.Context, *task.Request) (any, error) {
		fake.BlockUntil(1) // the other iteration is sleeping in its Wait state
		return nil, &task.Failure{Name: "Boom", Cause: "b"}
	})
	e := NewEngine(Config{Clock: func() clock.Clock { return fake }, Tasks: task.Registry{"svc": failAfterWait}})
	t.Cleanup(e.Close)
	x := start(t, e, `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"C","States":{
		"C":{"Type":"Choice","Choices":[{"Variable":"$","NumericEquals":0,"Next":"T"}],"Default":"W"},
		"T":{"Type":"Task","Resource":"arn:aws:states:::svc:fail","End":true},
		"W":{"Type":"Wait","Seconds":60,"End":true}}},"End":true}}}`, `[0,1]`)
	wait(t, x)
	require.Equal(t, StatusFailed, x.Status())
	var tail []string
	for _, ev := range x.History() {
		switch ev.Type {
		case EvMapIterationFailed, EvMapIterationAborted, EvTaskStateAborted, EvWaitStateAborted, EvMapStateFailed, EvExecutionFailed:
			tail = append(tail, ev.Type)
		}
	}
	require.Equal(t, []string{EvMapIterationFailed, EvTaskStateAborted, EvMapIterationAborted, EvWaitStateAborted, EvMapStateFailed, EvExecutionFailed}, tail)
}

func TestExpressExecutionsEndAfterFiveMinutes(t *testing.T) {
	t.Parallel()
	e := instantEngine(t, nil)
	sm, err := Parse(`{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":600,"End":true}}}`)
	require.NoError(t, err)
	x, err := e.Start(sm, StartParams{Express: true})
	require.NoError(t, err)
	wait(t, x)
	require.Equal(t, StatusTimedOut, x.Status())
	h := x.History()
	require.Equal(t, 5*time.Minute, h[len(h)-1].Timestamp.Sub(h[0].Timestamp))
}
