package events

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/internal/awsproto/awsprototest"

	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// TestBusesPerRegion: event buses and rules are kept per region, as on AWS: a request signed
// for a region (its SigV4 credential scope) creates and lists that region's, with the region
// and its partition in their ARNs; unsigned requests use the default region; events.putEvents
// puts on the bus of its execution's region, and that region's rules deliver through the
// sinks installed once on the Service.
func TestBusesPerRegion(t *testing.T) {
	t.Parallel()
	s := New(Config{Region: "us-east-1", AccountID: "111111111111"})
	t.Cleanup(s.Close)
	var mu sync.Mutex
	var got []string
	s.SetSink("sqs", SinkFunc(func(_ context.Context, d Delivery) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, d.Arn)
		return nil
	}))
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	do := func(region, op, body string) (int, map[string]any) {
		code, b := awsprototest.Call(t, srv.URL+"/", region, "events",
			map[string]string{"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSEvents." + op}, body)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		return code, m
	}
	code, out := do("us-west-2", "PutRule", `{"Name":"r","EventPattern":"{\"source\":[\"app\"]}"}`)
	require.Equal(t, 200, code, out)
	require.Equal(t, "arn:aws:events:us-west-2:111111111111:rule/r", out["RuleArn"])
	code, out = do("cn-north-1", "CreateEventBus", `{"Name":"b"}`)
	require.Equal(t, 200, code, out)
	require.Equal(t, "arn:aws-cn:events:cn-north-1:111111111111:event-bus/b", out["EventBusArn"])
	code, out = do("us-west-2", "PutTargets", `{"Rule":"r","Targets":[{"Id":"q","Arn":"arn:aws:sqs:us-west-2:111111111111:q"}]}`)
	require.Equal(t, 200, code, out)

	for _, region := range []string{"", "us-east-1"} {
		code, out = do(region, "ListRules", `{}`)
		require.Equal(t, 200, code)
		require.Empty(t, out["Rules"], "no rule in %q", region)
		code, out = do(region, "DescribeEventBus", `{"Name":"b"}`)
		require.Equal(t, 400, code, "no bus b in %q", region)
	}
	code, out = do("us-west-2", "ListRules", `{}`)
	require.Equal(t, 200, code)
	require.Len(t, out["Rules"], 1)

	// The integration puts on its execution's region's bus, whose rule delivers.
	for _, region := range []string{"us-east-1", "us-west-2"} {
		_, err := s.Integration().Invoke(context.Background(), &task.Request{Service: "events", Action: "putEvents", Region: region,
			ExecutionArn: "arn:aws:states:" + region + ":111111111111:execution:m:e", StateMachineArn: "arn:aws:states:" + region + ":111111111111:stateMachine:m",
			Parameters: map[string]any{"Entries": []any{map[string]any{"Source": "app", "DetailType": "t", "Detail": "{}"}}}})
		require.NoError(t, err)
	}
	s.In("us-west-2").Flush()
	s.Flush()
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{"arn:aws:sqs:us-west-2:111111111111:q"}, got, "only us-west-2's rule matched, once")
	require.Len(t, s.Events(""), 1)
	require.Len(t, s.In("us-west-2").Events(""), 1)
	require.Equal(t, "us-west-2", s.In("us-west-2").Events("")[0].Region)
}
