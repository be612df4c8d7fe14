package interpreter

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// TestExecutionRegion: an execution runs in its state machine's region and partition, read
// from its ARN, whatever the engine's default: integrations get that region, and the
// TaskScheduled event records it.
func TestExecutionRegion(t *testing.T) {
	t.Parallel()
	cases := []struct{ arn, wantRegion string }{
		{"arn:aws:states:us-west-2:123456789012:execution:m:e", "us-west-2"},
		{"arn:aws-cn:states:cn-northwest-1:123456789012:execution:m:e", "cn-northwest-1"},
		{"not-an-arn", "eu-central-1"},
	}
	for _, tc := range cases {
		t.Run(tc.arn, func(t *testing.T) {
			t.Parallel()
			var got string
			e := NewEngine(Config{Region: "eu-central-1", Tasks: task.Registry{"x": task.HandlerFunc(func(_ context.Context, r *task.Request) (any, error) {
				got = r.Region
				return map[string]any{}, nil
			})}})
			t.Cleanup(e.Close)
			sm, err := Parse(`{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::x:call","End":true}}}`)
			require.NoError(t, err)
			x, err := e.Start(sm, StartParams{ExecutionArn: tc.arn, Name: "e", StateMachineArn: "arn:aws:states:::stateMachine:m", StateMachineName: "m"})
			require.NoError(t, err)
			<-x.Done()
			require.Equal(t, StatusSucceeded, x.Status())
			require.Equal(t, tc.wantRegion, got)
			found := false
			for _, ev := range x.History() {
				if ev.Type == EvTaskScheduled {
					require.Equal(t, tc.wantRegion, ev.Details.Region)
					found = true
				}
			}
			require.True(t, found)
		})
	}
}

func TestArnField(t *testing.T) {
	t.Parallel()
	require.Equal(t, "aws-cn", arnField("arn:aws-cn:states:cn-north-1:1:execution:a:b", 1))
	require.Equal(t, "cn-north-1", arnField("arn:aws-cn:states:cn-north-1:1:execution:a:b", 3))
	require.Equal(t, "", arnField("arn:aws", 3))
	require.Equal(t, "", arnField("nope:aws:states:r", 1))
}
