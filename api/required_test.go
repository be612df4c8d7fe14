package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestEveryOperationValidatesInput sends each of the 37 operations an input that breaks its
// model constraints: AWS answers ValidationException listing every violation.
func TestEveryOperationValidatesInput(t *testing.T) {
	t.Parallel()
	cases := []struct {
		op, body string
		missing  []string // required members absent from body
		message  string   // the whole message when not about missing members
	}{
		{op: "CreateStateMachine", missing: []string{"name", "definition", "roleArn"}},
		{op: "DescribeStateMachine", missing: []string{"stateMachineArn"}},
		{op: "DescribeStateMachineForExecution", missing: []string{"executionArn"}},
		{op: "UpdateStateMachine", missing: []string{"stateMachineArn"}},
		{op: "DeleteStateMachine", missing: []string{"stateMachineArn"}},
		{op: "ListStateMachines", body: `{"maxResults":-1}`, message: "1 validation error detected: Value '-1' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 0"},
		{op: "ValidateStateMachineDefinition", missing: []string{"definition"}},
		{op: "PublishStateMachineVersion", missing: []string{"stateMachineArn"}},
		{op: "ListStateMachineVersions", missing: []string{"stateMachineArn"}},
		{op: "DeleteStateMachineVersion", missing: []string{"stateMachineVersionArn"}},
		{op: "CreateStateMachineAlias", missing: []string{"name", "routingConfiguration"}},
		{op: "DescribeStateMachineAlias", missing: []string{"stateMachineAliasArn"}},
		{op: "UpdateStateMachineAlias", missing: []string{"stateMachineAliasArn"}},
		{op: "DeleteStateMachineAlias", missing: []string{"stateMachineAliasArn"}},
		{op: "ListStateMachineAliases", missing: []string{"stateMachineArn"}},
		{op: "StartExecution", missing: []string{"stateMachineArn"}},
		{op: "StartSyncExecution", missing: []string{"stateMachineArn"}},
		{op: "StopExecution", missing: []string{"executionArn"}},
		{op: "DescribeExecution", missing: []string{"executionArn"}},
		{op: "ListExecutions", body: `{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:a","redriveFilter":"x"}`,
			message: "1 validation error detected: Value 'x' at 'redriveFilter' failed to satisfy constraint: Member must satisfy enum value set: [REDRIVEN, NOT_REDRIVEN]"},
		{op: "GetExecutionHistory", missing: []string{"executionArn"}},
		{op: "RedriveExecution", missing: []string{"executionArn"}},
		{op: "DescribeMapRun", missing: []string{"mapRunArn"}},
		{op: "ListMapRuns", missing: []string{"executionArn"}},
		{op: "UpdateMapRun", missing: []string{"mapRunArn"}},
		{op: "CreateActivity", missing: []string{"name"}},
		{op: "DescribeActivity", missing: []string{"activityArn"}},
		{op: "DeleteActivity", missing: []string{"activityArn"}},
		{op: "ListActivities", body: `{"maxResults":1001}`, message: "1 validation error detected: Value '1001' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000"},
		{op: "GetActivityTask", missing: []string{"activityArn"}},
		{op: "SendTaskSuccess", missing: []string{"taskToken", "output"}},
		{op: "SendTaskFailure", missing: []string{"taskToken"}},
		{op: "SendTaskHeartbeat", missing: []string{"taskToken"}},
		{op: "TagResource", missing: []string{"resourceArn", "tags"}},
		{op: "UntagResource", missing: []string{"resourceArn", "tagKeys"}},
		{op: "ListTagsForResource", missing: []string{"resourceArn"}},
		{op: "TestState", missing: []string{"definition"}},
	}
	require.Len(t, cases, 37)
	for _, tc := range cases {
		t.Run(tc.op, func(t *testing.T) {
			t.Parallel()
			svc, _, _ := newService(t)
			body, want := tc.body, tc.message
			if body == "" {
				body = "{}"
				parts := make([]string, len(tc.missing))
				for i, m := range tc.missing {
					parts[i] = fmt.Sprintf("Value null at '%s' failed to satisfy constraint: Member must not be null", m)
				}
				if len(parts) == 1 {
					want = "1 validation error detected: " + parts[0]
				} else {
					want = fmt.Sprintf("%d validation errors detected: %s", len(parts), strings.Join(parts, "; "))
				}
			}
			status, _, got := post(t, svc.Handler(), "AWSStepFunctions."+tc.op, body)
			require.Equal(t, 400, status)
			require.Equal(t, "com.amazon.coral.validate#ValidationException", got["__type"])
			require.Equal(t, want, got["message"])
		})
	}
}
