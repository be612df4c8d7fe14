package sfnlocaltest_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/sfnlocaltest"
)

// TestDistributedMapRunning drives a running Map Run with aws-sdk-go-v2 on a manual clock:
// its children wait, UpdateMapRun raises its concurrency, and StopExecution of the parent
// aborts the run and its children (MapRunAborted).
func TestDistributedMapRunning(t *testing.T) {
	t.Parallel()
	srv := sfnlocaltest.New(t, sfnlocaltest.WithTime("manual"))
	ctx := context.Background()
	c := sfn.NewFromConfig(srv.AWSConfig())
	const def = `{"StartAt":"Map","States":{"Map":{"Type":"Map","ItemsPath":"$.xs","MaxConcurrency":1,"Label":"slow",
	  "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}},
	  "End":true}}}`
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("slow"), Definition: aws.String(def), RoleArn: aws.String("arn:aws:iam::123456789012:role/sfn")})
	require.NoError(t, err)
	ex, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`{"xs":[1,2,3,4]}`)})
	require.NoError(t, err)

	// Advance(0) returns once every execution waits: the first child is in its Wait.
	srv.Advance(0)
	runs, err := c.ListMapRuns(ctx, &sfn.ListMapRunsInput{ExecutionArn: ex.ExecutionArn})
	require.NoError(t, err)
	require.Len(t, runs.MapRuns, 1)
	run, err := c.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: runs.MapRuns[0].MapRunArn})
	require.NoError(t, err)
	require.EqualValues(t, 1, run.ExecutionCounts.Running)
	require.Equal(t, types.MapRunStatusRunning, run.Status)
	require.EqualValues(t, 3, run.ExecutionCounts.Pending)
	require.EqualValues(t, 4, run.ItemCounts.Total)

	_, err = c.UpdateMapRun(ctx, &sfn.UpdateMapRunInput{MapRunArn: run.MapRunArn, MaxConcurrency: aws.Int32(3)})
	require.NoError(t, err)
	_, err = c.UpdateMapRun(ctx, &sfn.UpdateMapRunInput{MapRunArn: run.MapRunArn})
	require.ErrorContains(t, err, "ValidationException")
	// The first child's wait ends; the new concurrency lets three run at once.
	srv.Advance(60 * time.Second)
	srv.Advance(0)
	run, err = c.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: run.MapRunArn})
	require.NoError(t, err)
	require.EqualValues(t, 3, run.ExecutionCounts.Running)
	require.EqualValues(t, 3, run.MaxConcurrency)
	require.EqualValues(t, 1, run.ExecutionCounts.Succeeded)

	_, err = c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: ex.ExecutionArn})
	require.NoError(t, err)
	run, err = c.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: run.MapRunArn})
	require.NoError(t, err)
	require.Equal(t, types.MapRunStatusAborted, run.Status)
	require.NotNil(t, run.StopDate)
	require.EqualValues(t, 3, run.ExecutionCounts.Aborted)
	h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: ex.ExecutionArn})
	require.NoError(t, err)
	var got []types.HistoryEventType
	for _, e := range h.Events {
		got = append(got, e.Type)
	}
	require.Equal(t, []types.HistoryEventType{"ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapRunStarted", "MapRunAborted", "ExecutionAborted"}, got)
	kids, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{MapRunArn: run.MapRunArn, StatusFilter: types.ExecutionStatusAborted})
	require.NoError(t, err)
	require.Len(t, kids.Executions, 3)
	require.Equal(t, run.MapRunArn, kids.Executions[0].MapRunArn)
	require.Contains(t, aws.ToString(kids.Executions[0].StateMachineArn), ":stateMachine:slow/slow")
}
