package server

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/api"
)

// TestExecutionDetail: the "Step Functions Execution Status Change" detail has AWS's fields in
// AWS's order (the examples of "EventBridge events for Step Functions execution status
// changes").
func TestExecutionDetail(t *testing.T) {
	t.Parallel()
	start := time.UnixMilli(1551225146847)
	tests := []struct {
		name string
		in   api.ExecutionStatus
		want string
	}{
		{"running", api.ExecutionStatus{ExecutionArn: "arn:e", StateMachineArn: "arn:sm", Name: "n", Status: "RUNNING", StartDate: start, Input: `{}`},
			`{"executionArn":"arn:e","stateMachineArn":"arn:sm","name":"n","status":"RUNNING","startDate":1551225146847,"stopDate":null,"input":"{}","output":null,` +
				`"stateMachineVersionArn":null,"stateMachineAliasArn":null,"redriveCount":0,"redriveDate":null,"redriveStatus":"NOT_REDRIVABLE","redriveStatusReason":"Execution is RUNNING and cannot be redriven",` +
				`"inputDetails":{"included":true},"outputDetails":null,"error":null,"cause":null}`},
		{"succeeded", api.ExecutionStatus{ExecutionArn: "arn:e", StateMachineArn: "arn:sm", Name: "n", Status: "SUCCEEDED", StartDate: start, StopDate: start.Add(5034 * time.Millisecond), Input: `{}`, Output: `"<ok>"`, HasOutput: true},
			`{"executionArn":"arn:e","stateMachineArn":"arn:sm","name":"n","status":"SUCCEEDED","startDate":1551225146847,"stopDate":1551225151881,"input":"{}","output":"\"<ok>\"",` +
				`"stateMachineVersionArn":null,"stateMachineAliasArn":null,"redriveCount":0,"redriveDate":null,"redriveStatus":"NOT_REDRIVABLE","redriveStatusReason":"Execution is SUCCEEDED and cannot be redriven",` +
				`"inputDetails":{"included":true},"outputDetails":{"included":true},"error":null,"cause":null}`},
		{"failed", api.ExecutionStatus{ExecutionArn: "arn:e", StateMachineArn: "arn:sm", Name: "n", Status: "FAILED", StartDate: start, StopDate: start.Add(time.Second), Input: `{}`, Error: "States.Runtime", Cause: "boom"},
			`{"executionArn":"arn:e","stateMachineArn":"arn:sm","name":"n","status":"FAILED","startDate":1551225146847,"stopDate":1551225147847,"input":"{}","output":null,` +
				`"stateMachineVersionArn":null,"stateMachineAliasArn":null,"redriveCount":0,"redriveDate":null,"redriveStatus":"REDRIVABLE","redriveStatusReason":null,` +
				`"inputDetails":{"included":true},"outputDetails":null,"error":"States.Runtime","cause":"boom"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, executionDetail(tc.in))
		})
	}
}
