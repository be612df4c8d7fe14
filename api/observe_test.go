package api_test

import (
	"context"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/api"
	"github.com/sfnlocal/sfnlocal/internal/clock"
)

// TestObserverOrder: every execution's RUNNING change reaches observers before its terminal
// one, with the outcome filled in, and an observer may call back into the Service.
func TestObserverOrder(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	seen := map[string][]string{}
	var svc *api.Service
	obs := api.ObserverFunc(func(e api.ExecutionStatus) {
		mu.Lock()
		seen[e.Name] = append(seen[e.Name], e.Status+":"+e.Error)
		mu.Unlock()
		// Calling back must not deadlock.
		_, err := svc.DescribeExecution(context.Background(), &api.DescribeExecutionInput{ExecutionArn: &e.ExecutionArn})
		require.NoError(t, err)
	})
	clocks, err := clock.ParseMode("instant")
	require.NoError(t, err)
	svc, err = api.New(api.Options{
		Engine:    api.InterpreterEngine(api.InterpreterConfig{Clock: clocks, Logger: zap.NewNop()}),
		Observers: []api.Observer{obs},
	})
	require.NoError(t, err)
	t.Cleanup(svc.Close)
	c := sdkClient(svc)
	ctx := context.Background()
	okArn := createSM(t, c, "ok", passChain(3), "")
	failArn := createSM(t, c, "bad", failDef, "")
	for _, tc := range []struct{ sm, name string }{{okArn, "a"}, {failArn, "b"}, {okArn, "c"}} {
		st, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(tc.sm), Name: aws.String(tc.name)})
		require.NoError(t, err)
		waitDone(t, c, *st.ExecutionArn)
	}
	svc.FlushObservers()
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, map[string][]string{
		"a": {"RUNNING:", "SUCCEEDED:"},
		"b": {"RUNNING:", "FAILED:Oops"},
		"c": {"RUNNING:", "SUCCEEDED:"},
	}, seen)
}
