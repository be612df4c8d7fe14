package api_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSyncExecutionContextObject: AWS leaves RedriveCount out of $$.Execution for
// StartSyncExecution, and keeps it (0) for StartExecution.
func TestSyncExecutionContextObject(t *testing.T) {
	t.Parallel()
	svc := realService(t, nil)
	h := svc.Handler()
	def, _ := json.Marshal(`{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"exec.$":"$$.Execution"},"End":true}}}`)
	for _, tc := range []struct {
		name, typ, op string
		wantRedrive   bool
	}{
		{name: "sync", typ: "EXPRESS", op: "StartSyncExecution", wantRedrive: false},
		{name: "standard", typ: "STANDARD", op: "StartExecution", wantRedrive: true},
	} {
		status, _, sm := post(t, h, "AWSStepFunctions.CreateStateMachine",
			`{"name":"ctx-`+tc.name+`","type":"`+tc.typ+`","roleArn":"arn:aws:iam::111111111111:role/r","definition":`+string(def)+`}`)
		require.Equal(t, 200, status, sm)
		status, _, out := post(t, h, "AWSStepFunctions."+tc.op, `{"stateMachineArn":"`+sm["stateMachineArn"].(string)+`"}`)
		require.Equal(t, 200, status, out)
		output, ok := out["output"].(string)
		if !ok {
			// StartExecution: wait for the end, then read the result through DescribeExecution.
			arn := out["executionArn"].(string)
			require.NoError(t, svc.WaitExecution(context.Background(), arn))
			_, _, d := post(t, h, "AWSStepFunctions.DescribeExecution", `{"executionArn":"`+arn+`"}`)
			output, ok = d["output"].(string)
			require.True(t, ok, d)
		}
		var got struct{ Exec map[string]any }
		require.NoError(t, json.Unmarshal([]byte(output), &got), output)
		_, has := got.Exec["RedriveCount"]
		require.Equal(t, tc.wantRedrive, has, tc.name)
	}
}
