package interpreter

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

func testStateEngine(tb testing.TB) *Engine {
	tb.Helper()
	e := NewEngine(Config{Logger: zap.NewNop(), AccountID: "111111111111", Tasks: task.Registry{
		"lambda": task.HandlerFunc(func(ctx context.Context, r *task.Request) (any, error) {
			return map[string]any{"Payload": map[string]any{"echo": r.Parameters}}, nil
		}),
		"sqs": task.HandlerFunc(func(ctx context.Context, r *task.Request) (any, error) {
			<-ctx.Done() // never answers
			return nil, ctx.Err()
		}),
	}})
	tb.Cleanup(e.Close)
	return e
}

func i64(v int64) *int64 { return &v }

func TestTestState(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   TestStateInput
		// want: status, next, output (JSON), error, cause, inspection data (JSON)
		status, next, output, errName, cause, inspection string
	}{
		{name: "pass info", in: TestStateInput{Definition: `{"Type":"Pass","Result":{"r":1},"ResultPath":"$.x","Next":"After"}`, Input: `{"a":1}`},
			status: TestStatusSucceeded, next: "After", output: `{"a":1,"x":{"r":1}}`},
		{name: "pass trace", in: TestStateInput{Definition: `{"Type":"Pass","InputPath":"$.in","Parameters":{"v.$":"$.v"},"ResultPath":"$.out","End":true}`, Input: `{"in":{"v":2}}`, InspectionLevel: InspectionTrace},
			status: TestStatusSucceeded, output: `{"in":{"v":2},"out":{"v":2}}`,
			inspection: `{"input":{"in":{"v":2}},"afterInputPath":{"v":2},"afterParameters":{"v":2},"afterResultSelector":{"v":2},"afterResultPath":{"in":{"v":2},"out":{"v":2}}}`},
		{name: "pass with result debug", in: TestStateInput{Definition: `{"Type":"Pass","Result":{"k":"v"},"End":true}`, InspectionLevel: InspectionDebug},
			status: TestStatusSucceeded, output: `{"k":"v"}`,
			inspection: `{"input":{},"result":{"k":"v"},"afterResultSelector":{"k":"v"},"afterResultPath":{"k":"v"}}`},
		{name: "choice", in: TestStateInput{Definition: `{"Type":"Choice","Choices":[{"Variable":"$.v","NumericGreaterThan":20,"Next":"Big"}],"Default":"Small"}`, Input: `{"v":22}`, InspectionLevel: InspectionDebug},
			status: TestStatusSucceeded, next: "Big", output: `{"v":22}`, inspection: `{"input":{"v":22},"afterInputPath":{"v":22}}`},
		{name: "fail", in: TestStateInput{Definition: `{"Type":"Fail","Error":"E","Cause":"C"}`, InspectionLevel: InspectionDebug},
			status: TestStatusFailed, errName: "E", cause: "C", inspection: `{"input":{},"afterInputPath":{}}`},
		{name: "real task through the registry", in: TestStateInput{Definition: `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload.$":"$"},"ResultSelector":{"p.$":"$.Payload"},"End":true}`, Input: `{"a":1}`},
			status: TestStatusSucceeded, output: `{"p":{"echo":{"FunctionName":"f","Payload":{"a":1}}}}`},
		{name: "mocked task trace", in: TestStateInput{Definition: `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"ResultSelector":{"p.$":"$.Payload"},"End":true}`,
			Mock: &TestStateMock{HasResult: true, Result: `{"Payload":"hi"}`}, InspectionLevel: InspectionTrace},
			status: TestStatusSucceeded, output: `{"p":"hi"}`,
			inspection: `{"input":{},"afterInputPath":{},"afterParameters":{"FunctionName":"f"},"result":{"Payload":"hi"},"afterResultSelector":{"p":"hi"},"afterResultPath":{"p":"hi"}}`},
		{name: "mocked error caught", in: TestStateInput{Definition: `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"Catch":[{"ErrorEquals":["Other"],"Next":"A"},{"ErrorEquals":["States.ALL"],"Next":"Handle"}],"End":true}`,
			Mock: &TestStateMock{HasError: true, Error: "Boom", Cause: "why"}, InspectionLevel: InspectionDebug},
			status: TestStatusCaughtError, next: "Handle", output: `{"Error":"Boom","Cause":"why"}`, errName: "Boom", cause: "why",
			inspection: `{"input":{},"afterInputPath":{},"afterParameters":{"FunctionName":"f"},"errorDetails":{"catchIndex":1}}`},
		{name: "retriable with backoff", in: TestStateInput{Definition: `{"Type":"Task","QueryLanguage":"JSONata","Resource":"arn:aws:states:::lambda:invoke","Arguments":{"FunctionName":"f"},"Retry":[{"ErrorEquals":["Boom"],"IntervalSeconds":1,"MaxAttempts":5,"BackoffRate":2}],"End":true}`,
			Mock: &TestStateMock{HasError: true, Error: "Boom", Cause: "why"}, RetrierRetryCount: 4, InspectionLevel: InspectionDebug},
			status: TestStatusRetriable, errName: "Boom", cause: "why",
			inspection: `{"input":{},"afterArguments":{"FunctionName":"f"},"errorDetails":{"retryIndex":0,"retryBackoffIntervalSeconds":16}}`},
		{name: "retries exhausted", in: TestStateInput{Definition: `{"Type":"Task","QueryLanguage":"JSONata","Resource":"arn:aws:states:::lambda:invoke","Arguments":{"FunctionName":"f"},"Retry":[{"ErrorEquals":["Boom"],"MaxAttempts":5}],"End":true}`,
			Mock: &TestStateMock{HasError: true, Error: "Boom", Cause: "why"}, RetrierRetryCount: 5, InspectionLevel: InspectionDebug},
			status: TestStatusFailed, errName: "Boom", cause: "why",
			inspection: `{"input":{},"afterArguments":{"FunctionName":"f"},"errorDetails":{"retryIndex":0}}`},
		{name: "map mock over tolerated failures", in: TestStateInput{Definition: `{"Type":"Map","QueryLanguage":"JSONata","Items":"{% $states.input.v %}","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"ToleratedFailureCount":1,"Catch":[{"ErrorEquals":["States.ExceedToleratedFailureThreshold"],"Next":"T"}],"End":true}`,
			Input: `{"v":[1,2,3]}`, Mock: &TestStateMock{HasResult: true, Result: `[0,0,1]`}, MapIterationFailureCount: i64(2), InspectionLevel: InspectionDebug},
			status: TestStatusCaughtError, next: "T", output: `{"Error":"States.ExceedToleratedFailureThreshold","Cause":"The specified tolerated failure threshold was exceeded"}`,
			errName: "States.ExceedToleratedFailureThreshold", cause: "The specified tolerated failure threshold was exceeded",
			inspection: `{"input":{"v":[1,2,3]},"maxConcurrency":0,"toleratedFailureCount":1,"errorDetails":{"catchIndex":0}}`},
		{name: "map mock within tolerated failures", in: TestStateInput{Definition: `{"Type":"Map","ItemsPath":"$.v","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"ToleratedFailureCount":1,"End":true}`,
			Input: `{"v":[1,2,3]}`, Mock: &TestStateMock{HasResult: true, Result: `[1,0,1]`}, MapIterationFailureCount: i64(1), InspectionLevel: InspectionTrace},
			status: TestStatusSucceeded, output: `[1,0,1]`,
			inspection: `{"input":{"v":[1,2,3]},"afterInputPath":{"v":[1,2,3]},"afterItemsPath":[1,2,3],"maxConcurrency":0,"toleratedFailureCount":1,"afterResultSelector":[1,0,1],"afterResultPath":[1,0,1]}`},
		{name: "errorCausedByState inside a Map", in: TestStateInput{Definition: `{"Type":"Map","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"End":true}`,
			Input: `[1]`, Mock: &TestStateMock{HasError: true, Error: "E", Cause: "C"}, ErrorCausedByState: "I"},
			status: TestStatusFailed, errName: "E", cause: "C"},
		{name: "given context", in: TestStateInput{Definition: `{"Type":"Pass","Parameters":{"c.$":"$$.Execution.Name"},"End":true}`, Context: `{"Execution":{"Name":"given"}}`},
			status: TestStatusSucceeded, output: `{"c":"given"}`},
		{name: "variables", in: TestStateInput{Definition: `{"Type":"Pass","QueryLanguage":"JSONata","Output":"{% $x + 1 %}","End":true}`, Variables: `{"x":41}`},
			status: TestStatusSucceeded, output: `42`},
		{name: "nested state of a machine", in: TestStateInput{Definition: `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"In","States":{"In":{"Type":"Pass","Result":"r","Next":"Out"},"Out":{"Type":"Succeed"}}},"End":true}}}`, StateName: "In"},
			status: TestStatusSucceeded, next: "Out", output: `"r"`},
		{name: "assigned variables", in: TestStateInput{Definition: `{"Type":"Pass","QueryLanguage":"JSONata","Assign":{"y":"{% $x * 2 %}"},"End":true}`, Variables: `{"x":2}`, InspectionLevel: InspectionDebug},
			status: TestStatusSucceeded, output: `{}`, inspection: `{"input":{},"variables":{"x":2,"y":4}}`},
		{name: "computed context", in: TestStateInput{Definition: `{"Type":"Pass","Parameters":{"n.$":"$$.State.Name","r.$":"$$.Execution.RoleArn"},"End":true}`, RoleArn: "arn:aws:iam::111111111111:role/r"},
			status: TestStatusSucceeded, output: `{"n":"StateName","r":"arn:aws:iam::111111111111:role/r"}`},
	}
	e := testStateEngine(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, err := e.TestState(context.Background(), tc.in)
			require.NoError(t, err)
			require.Equal(t, tc.status, out.Status)
			require.Equal(t, tc.next, out.NextState)
			if tc.output == "" {
				require.Nil(t, out.Output)
			} else {
				require.NotNil(t, out.Output)
				require.JSONEq(t, tc.output, *out.Output)
			}
			str := func(p *string) string {
				if p == nil {
					return ""
				}
				return *p
			}
			require.Equal(t, tc.errName, str(out.Error))
			require.Equal(t, tc.cause, str(out.Cause))
			if tc.inspection == "" {
				require.Nil(t, out.InspectionData)
				return
			}
			got, err := EncodeValue(out.InspectionData)
			require.NoError(t, err)
			require.JSONEq(t, tc.inspection, got)
		})
	}
}

// TestTestStateTimeout: a state that does not finish within the caller's time fails with
// States.Timeout, and TestState answers without waiting for it.
func TestTestStateTimeout(t *testing.T) {
	t.Parallel()
	e := testStateEngine(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out, err := e.TestState(ctx, TestStateInput{Definition: `{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","Parameters":{"QueueUrl":"q","MessageBody":"b"},"End":true}`})
	require.NoError(t, err)
	require.Equal(t, TestStatusFailed, out.Status)
	require.Equal(t, errTimeout, *out.Error)
	require.Nil(t, out.Output)
}

func TestTestStateRefusals(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		in         TestStateInput
		code, want string
	}{
		{name: "not JSON", in: TestStateInput{Definition: `{`}, code: "InvalidDefinition",
			want: "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Definition must be a valid JSON object'"},
		{name: "invalid state", in: TestStateInput{Definition: `{"Type":"Pass","Next":1}`}, code: "InvalidDefinition"},
		{name: "machine without stateName", in: TestStateInput{Definition: `{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}`}, code: "ValidationException",
			want: "stateName is required when the definition is a state machine"},
		{name: "unknown stateName", in: TestStateInput{Definition: `{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}`, StateName: "B"}, code: "ValidationException",
			want: "State 'B' does not exist in the definition"},
		{name: "mock on a Pass state", in: TestStateInput{Definition: `{"Type":"Pass","End":true}`, Mock: &TestStateMock{HasResult: true, Result: `{}`}}, code: "ValidationException",
			want: "State type 'Pass' is not supported when a mock is specified"},
		{name: "map without mock", in: TestStateInput{Definition: `{"Type":"Map","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"End":true}`}, code: "InvalidDefinition",
			want: "TestState API does not support Map or Parallel states. Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]"},
		{name: "mock result not JSON", in: TestStateInput{Definition: `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}`, Mock: &TestStateMock{HasResult: true, Result: `{`}}, code: "ValidationException",
			want: "Mocked result must be valid JSON"},
		{name: "callback without mock", in: TestStateInput{Definition: `{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","End":true}`}, code: "ValidationException"},
		{name: "activity without mock", in: TestStateInput{Definition: `{"Type":"Task","Resource":"arn:aws:states:us-east-1:111111111111:activity:a","End":true}`}, code: "ValidationException"},
		{name: "unknown inspection level", in: TestStateInput{Definition: `{"Type":"Pass","End":true}`, InspectionLevel: "ALL"}, code: "ValidationException"},
		{name: "errorCausedByState outside the state", in: TestStateInput{Definition: `{"Type":"Map","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"End":true}`,
			Mock: &TestStateMock{HasError: true, Error: "E"}, ErrorCausedByState: "Other"}, code: "ValidationException"},
		{name: "variables not an object", in: TestStateInput{Definition: `{"Type":"Pass","End":true}`, Variables: `[1]`}, code: "ValidationException"},
		{name: "input not JSON", in: TestStateInput{Definition: `{"Type":"Pass","End":true}`, Input: `{`}, code: "ValidationException"},
	}
	e := testStateEngine(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := e.TestState(context.Background(), tc.in)
			var te *TestStateError
			require.True(t, errors.As(err, &te), "got %v", err)
			require.Equal(t, tc.code, te.Code)
			if tc.want != "" {
				require.Equal(t, tc.want, te.Message)
			}
		})
	}
}

func BenchmarkTestState(b *testing.B) {
	e := testStateEngine(b)
	in := TestStateInput{Definition: `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload.$":"$"},"ResultSelector":{"p.$":"$.Payload"},"Catch":[{"ErrorEquals":["States.ALL"],"Next":"H"}],"Next":"N"}`,
		Input: `{"a":[1,2,3]}`, InspectionLevel: InspectionTrace, Mock: &TestStateMock{HasResult: true, Result: `{"Payload":{"x":1}}`}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.TestState(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzTestState: any request either answers or is refused with a *TestStateError; nothing
// else and no panic.
func FuzzTestState(f *testing.F) {
	f.Add(`{"Type":"Pass","End":true}`, `{}`, "", "", "TRACE")
	f.Add(`{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Retry":[{"ErrorEquals":["E"]}],"End":true}`, `{"a":1}`, `{"x":1}`, "", "DEBUG")
	f.Add(`{"Type":"Map","ItemsPath":"$.v","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"ToleratedFailurePercentage":10,"End":true}`, `{"v":[1]}`, `[1]`, "", "TRACE")
	f.Add(`{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Variable":"$.a","IsPresent":true,"Next":"A"}],"Default":"B"},"B":{"Type":"Succeed"}}}`, `{"a":1}`, "", "A", "INFO")
	e := NewEngine(Config{Logger: zap.NewNop()})
	f.Cleanup(e.Close)
	f.Fuzz(func(t *testing.T, def, input, mock, stateName, level string) {
		in := TestStateInput{Definition: def, Input: input, StateName: stateName, InspectionLevel: level, MapIterationFailureCount: i64(1)}
		if mock != "" {
			in.Mock = &TestStateMock{HasResult: true, Result: mock}
		}
		ctx, cancel := clock.WithTimeout(context.Background(), clock.Real(), 5*time.Second, errors.New("hung"))
		defer cancel()
		out, err := e.TestState(ctx, in)
		var te *TestStateError
		if err != nil && !errors.As(err, &te) {
			t.Fatalf("unexpected error %v", err)
		}
		if out.Error != nil && *out.Error == errTimeout {
			t.Fatalf("TestState did not finish")
		}
	})
}
