package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	awslambda "github.com/aws/aws-lambda-go/lambda"
	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

type customError struct{ msg string }

func (e *customError) Error() string { return e.msg }

func echoFn(_ context.Context, payload []byte) ([]byte, error) { return payload, nil }

func invokeReq(params map[string]any) *task.Request {
	return &task.Request{Resource: "arn:aws:states:::lambda:invoke", Service: "lambda", Action: "invoke", Parameters: params}
}

func TestIntegrationOutput(t *testing.T) {
	t.Parallel()
	s := newTestService(t, Config{})
	s.RegisterGoFunction("echo", echoFn)
	s.RegisterGoFunction("text", func(context.Context, []byte) ([]byte, error) { return []byte("not json"), nil })
	s.mu.Lock()
	s.publish(s.functions[fkey(s.cfg.Region, "echo")], "")
	s.functions[fkey(s.cfg.Region, "echo")].aliases["live"] = &alias{conf: AliasConfiguration{Name: "live", FunctionVersion: "1"}}
	s.mu.Unlock()

	wantHeaders := func(length, version string) map[string]any {
		h := map[string]any{"Connection": "keep-alive", "Content-Length": length, "Content-Type": "application/json", "Date": "date", "x-amzn-Remapped-Content-Length": "0", "x-amzn-RequestId": "x-amzn-RequestId", "X-Amzn-Trace-Id": "X-Amzn-Trace-Id"}
		if version != "" {
			h["X-Amz-Executed-Version"] = version
		}
		return h
	}
	all := func(h map[string]any) map[string]any {
		out := map[string]any{}
		for k, v := range h {
			if k == "Date" || k == "x-amzn-RequestId" || k == "X-Amzn-Trace-Id" {
				out[k] = v
				continue
			}
			out[k] = []any{v}
		}
		return out
	}
	wrapper := func(payload any, length, version string, status string) map[string]any {
		h := wantHeaders(length, version)
		w := map[string]any{
			"Payload":             payload,
			"SdkHttpMetadata":     map[string]any{"AllHttpHeaders": all(h), "HttpHeaders": h, "HttpStatusCode": json.Number(status)},
			"SdkResponseMetadata": map[string]any{"RequestId": "RequestId"},
			"StatusCode":          json.Number(status),
		}
		if version != "" {
			w["ExecutedVersion"] = version
		}
		return w
	}
	for _, tc := range []struct {
		name string
		req  *task.Request
		want any
	}{
		{name: "object payload", req: invokeReq(map[string]any{"FunctionName": "echo", "Payload": map[string]any{"a": json.Number("1.50")}}),
			want: wrapper(map[string]any{"a": json.Number("1.50")}, "10", "$LATEST", "200")},
		{name: "string payload is sent as is", req: invokeReq(map[string]any{"FunctionName": "echo", "Payload": "0.0"}),
			want: wrapper(json.Number("0.0"), "3", "$LATEST", "200")},
		{name: "null payload sends {}", req: invokeReq(map[string]any{"FunctionName": "echo", "Payload": nil}),
			want: wrapper(map[string]any{}, "2", "$LATEST", "200")},
		{name: "full ARN with alias", req: invokeReq(map[string]any{"FunctionName": "arn:aws:lambda:us-east-1:111111111111:function:echo:live", "Payload": "[]"}),
			want: wrapper([]any{}, "2", "1", "200")},
		{name: "qualifier", req: invokeReq(map[string]any{"FunctionName": "echo", "Qualifier": "1", "Payload": "true"}),
			want: wrapper(true, "4", "1", "200")},
		{name: "non-JSON result stays text", req: invokeReq(map[string]any{"FunctionName": "text"}),
			want: wrapper("not json", "8", "$LATEST", "200")},
		{name: "event invocation", req: invokeReq(map[string]any{"FunctionName": "echo", "InvocationType": "Event"}),
			want: wrapper("", "0", "", "202")},
		{name: "dry run", req: invokeReq(map[string]any{"FunctionName": "echo", "InvocationType": "DryRun"}),
			want: wrapper("", "0", "$LATEST", "204")},
		{name: "legacy resource returns the result only", req: &task.Request{Resource: "arn:aws:lambda:us-east-1:111111111111:function:echo", Service: "lambda", Action: "invoke", Legacy: true, Parameters: map[string]any{"x": "<&>"}},
			want: map[string]any{"x": "<&>"}},
		{name: "legacy with version", req: &task.Request{Resource: "arn:aws:lambda:us-east-1:111111111111:function:echo:1", Service: "lambda", Action: "invoke", Legacy: true, Parameters: "s"},
			want: "s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := plainInvoke(s.Integration(), context.Background(), tc.req)
			require.NoError(t, err)
			require.True(t, matches(tc.want, got, ""), "want %s\ngot  %s", enc(tc.want), enc(got))
		})
	}

	t.Run("log tail adds LogResult", func(t *testing.T) {
		t.Parallel()
		got, err := plainInvoke(s.Integration(), context.Background(), invokeReq(map[string]any{"FunctionName": "echo", "LogType": "Tail"}))
		require.NoError(t, err)
		m := got.(map[string]any)
		require.NotEmpty(t, m["LogResult"])
		require.Equal(t, m["LogResult"], m["SdkHttpMetadata"].(map[string]any)["HttpHeaders"].(map[string]any)["X-Amz-Log-Result"])
	})
}

var requestIDRE = regexp.MustCompile(`Request ID: [0-9a-f-]{36};`)

func TestIntegrationFailures(t *testing.T) {
	t.Parallel()
	s := newTestService(t, Config{})
	s.RegisterGoFunction("custom", func(context.Context, []byte) ([]byte, error) { return nil, &customError{"went wrong"} })
	s.RegisterGoFunction("plain", func(context.Context, []byte) ([]byte, error) { return nil, errors.New("boom") })
	s.RegisterGoFunction("panics", func(context.Context, []byte) ([]byte, error) { panic("oh no") })
	s.RegisterGoFunction("big", func(context.Context, []byte) ([]byte, error) {
		return []byte(`"` + strings.Repeat("a", 257*1024) + `"`), nil
	})
	legacy := func(name string) *task.Request {
		return &task.Request{Resource: "arn:aws:lambda:us-east-1:111111111111:function:" + name, Service: "lambda", Action: "invoke", Legacy: true, Parameters: map[string]any{}}
	}
	for _, tc := range []struct {
		name      string
		req       *task.Request
		wantName  string
		wantCause string
	}{
		{name: "custom error type", req: invokeReq(map[string]any{"FunctionName": "custom"}), wantName: "customError", wantCause: `{"errorMessage":"went wrong","errorType":"customError"}`},
		{name: "errors.New", req: invokeReq(map[string]any{"FunctionName": "plain"}), wantName: "errorString", wantCause: `{"errorMessage":"boom","errorType":"errorString"}`},
		{name: "panic", req: invokeReq(map[string]any{"FunctionName": "panics"}), wantName: "Runtime.Panic", wantCause: `{"errorMessage":"oh no","errorType":"Runtime.Panic"}`},
		{name: "legacy function error", req: legacy("custom"), wantName: "customError", wantCause: `{"errorMessage":"went wrong","errorType":"customError"}`},
		{name: "no such function", req: invokeReq(map[string]any{"FunctionName": "nope"}), wantName: "Lambda.ResourceNotFoundException",
			wantCause: "Function not found: arn:aws:lambda:us-east-1:111111111111:function:nope:$LATEST (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: <id>; Proxy: null)"},
		{name: "legacy no such function", req: legacy("nope"), wantName: "Lambda.ResourceNotFoundException",
			wantCause: "Function not found: arn:aws:lambda:us-east-1:111111111111:function:nope:$LATEST (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: <id>; Proxy: null)"},
		{name: "no such alias", req: invokeReq(map[string]any{"FunctionName": "custom:prod"}), wantName: "Lambda.ResourceNotFoundException",
			wantCause: "Function not found: arn:aws:lambda:us-east-1:111111111111:function:custom:prod (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: <id>; Proxy: null)"},
		{name: "bad invocation type", req: invokeReq(map[string]any{"FunctionName": "custom", "InvocationType": "Later"}), wantName: "Lambda.ValidationException",
			wantCause: "1 validation error detected: Value 'Later' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun] (Service: AWSLambda; Status Code: 400; Error Code: ValidationException; Request ID: <id>; Proxy: null)"},
		{name: "invalid payload JSON", req: invokeReq(map[string]any{"FunctionName": "custom", "Payload": "{nope"}), wantName: "Lambda.InvalidRequestContentException"},
		{name: "result over 256 KiB", req: invokeReq(map[string]any{"FunctionName": "big"}), wantName: "States.DataLimitExceeded",
			wantCause: "The state/task 'lambda' returned a result with a size exceeding the maximum number of bytes service limit."},
		{name: "legacy result over 256 KiB", req: legacy("big"), wantName: "States.DataLimitExceeded",
			wantCause: "The state/task 'arn:aws:lambda:us-east-1:111111111111:function:big' returned a result with a size exceeding the maximum number of bytes service limit."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := plainInvoke(s.Integration(), context.Background(), tc.req)
			var f *task.Failure
			require.True(t, errors.As(err, &f), "got %v", err)
			require.Equal(t, tc.wantName, f.Name)
			if tc.wantCause != "" {
				require.Equal(t, tc.wantCause, requestIDRE.ReplaceAllString(f.Cause, "Request ID: <id>;"))
			}
		})
	}
}

// TestGoFunctionTimeout drives the function Timeout with a Fake clock.
func TestGoFunctionTimeout(t *testing.T) {
	t.Parallel()
	fake := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := newTestService(t, Config{Clock: fake})
	s.RegisterGoFunction("slow", func(ctx context.Context, _ []byte) ([]byte, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	done := make(chan *InvokeOutput, 1)
	go func() {
		out, err := s.Invoke(context.Background(), &InvokeInput{FunctionName: "slow"})
		if err != nil {
			out = &InvokeOutput{Payload: []byte(err.Error())}
		}
		done <- out
	}()
	fake.BlockUntil(1)
	fake.Advance(3 * time.Second)
	out := <-done
	require.Equal(t, "Unhandled", out.FunctionError)
	require.JSONEq(t, `{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: `+out.RequestID+` Error: Task timed out after 3.00 seconds"}`, string(out.Payload))

	// The integration reports it as the function error Sandbox.Timedout.
	errc := make(chan error, 1)
	go func() {
		_, err := plainInvoke(s.Integration(), context.Background(), invokeReq(map[string]any{"FunctionName": "slow"}))
		errc <- err
	}()
	fake.BlockUntil(1)
	fake.Advance(3 * time.Second)
	var f *task.Failure
	require.True(t, errors.As(<-errc, &f))
	require.Equal(t, "Sandbox.Timedout", f.Name)
}

// TestCallerCancellation: when the Task's context ends (TimeoutSeconds, StopExecution) the
// handler returns its cause at once.
func TestCallerCancellation(t *testing.T) {
	t.Parallel()
	s := newTestService(t, Config{})
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	s.RegisterGoFunction("hang", func(ctx context.Context, _ []byte) ([]byte, error) {
		<-release
		return []byte(`1`), nil
	})
	cause := errors.New("task timed out")
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(cause)
	_, err := plainInvoke(s.Integration(), ctx, invokeReq(map[string]any{"FunctionName": "hang"}))
	require.ErrorIs(t, err, cause)
}

// TestAWSLambdaGoHandlerInProcess: a handler written for aws-lambda-go registers unmodified
// through lambda.NewHandler(fn).Invoke.
func TestAWSLambdaGoHandlerInProcess(t *testing.T) {
	t.Parallel()
	s := newTestService(t, Config{})
	type in struct {
		Name string `json:"name"`
	}
	s.RegisterGoFunction("greet", awslambda.NewHandler(func(ctx context.Context, e in) (map[string]string, error) {
		if e.Name == "" {
			return nil, &customError{"name missing"}
		}
		return map[string]string{"hello": e.Name}, nil
	}).Invoke)
	got, err := plainInvoke(s.Integration(), context.Background(), invokeReq(map[string]any{"FunctionName": "greet", "Payload": map[string]any{"name": "sfn"}}))
	require.NoError(t, err)
	require.Equal(t, map[string]any{"hello": "sfn"}, got.(map[string]any)["Payload"])
	_, err = plainInvoke(s.Integration(), context.Background(), invokeReq(map[string]any{"FunctionName": "greet"}))
	var f *task.Failure
	require.True(t, errors.As(err, &f), "%v", err)
	require.Equal(t, &task.Failure{Name: "customError", Cause: `{"errorMessage":"name missing","errorType":"customError"}`}, f)
}

// plainInvoke runs a Task request and returns its result with Go maps (task.Plain), for
// checks that look fields up by name.
func plainInvoke(h task.Handler, ctx context.Context, req *task.Request) (any, error) {
	v, err := h.Invoke(ctx, req)
	return task.Plain(v), err
}

// TestPayloadKeyOrder: the function receives the Payload with the keys in the order the state
// machine wrote them, and lambda:invoke's wrapper follows AWS's documented key order.
func TestPayloadKeyOrder(t *testing.T) {
	t.Parallel()
	s := newTestService(t, Config{})
	var got []byte
	s.RegisterGoFunction("echo", func(_ context.Context, payload []byte) ([]byte, error) {
		got = append([]byte(nil), payload...)
		return payload, nil
	})
	params, err := task.Decode([]byte(`{"FunctionName":"echo","Payload":{"zeta":1,"alpha":{"y":true,"b":[{"k2":1,"k1":2}]}}}`))
	require.NoError(t, err)
	res, err := s.Integration().Invoke(context.Background(), &task.Request{Resource: "arn:aws:states:::lambda:invoke", Service: "lambda", Action: "invoke", Parameters: params})
	require.NoError(t, err)
	require.Equal(t, `{"zeta":1,"alpha":{"y":true,"b":[{"k2":1,"k1":2}]}}`, string(got))
	text, err := task.Encode(res)
	require.NoError(t, err)
	keys := regexp.MustCompile(`"(ExecutedVersion|Payload|SdkHttpMetadata|AllHttpHeaders|HttpHeaders|HttpStatusCode|SdkResponseMetadata|StatusCode)"`).FindAllStringSubmatch(string(text), -1)
	var order []string
	for _, k := range keys {
		order = append(order, k[1])
	}
	require.Equal(t, []string{"ExecutedVersion", "Payload", "SdkHttpMetadata", "AllHttpHeaders", "HttpHeaders", "HttpStatusCode", "SdkResponseMetadata", "StatusCode"}, order)
	require.Contains(t, string(text), `"Payload":{"zeta":1,"alpha":{"y":true,"b":[{"k2":1,"k1":2}]}}`, "the function's result keeps its order")
	require.Regexp(t, `"AllHttpHeaders":\{"X-Amz-Executed-Version":\["\$LATEST"\],"x-amzn-Remapped-Content-Length":\["0"\],"Connection":`, string(text))
	require.Regexp(t, `"HttpHeaders":\{"Connection":"keep-alive","Content-Length":"\d+","Content-Type":"application/json","Date":`, string(text))
}
