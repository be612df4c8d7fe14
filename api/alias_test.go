package api_test

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAliasErrorsAsRecorded checks alias answers against the messages AWS gave (LocalStack's
// aws.validated test_sfn_api_aliasing snapshots, 2025-03-03).
func TestAliasErrorsAsRecorded(t *testing.T) {
	t.Parallel()
	svc, _, _ := newService(t)
	h := svc.Handler()
	const sm = "arn:aws:states:us-east-1:123456789012:stateMachine:al"
	status, _, body := post(t, h, "AWSStepFunctions.CreateStateMachine", `{"name":"al","roleArn":"arn:aws:iam::123456789012:role/r","publish":true,"definition":`+strconvQuote(passDef)+`}`)
	require.Equal(t, 200, status, "%v", body)
	status, _, body = post(t, h, "AWSStepFunctions.UpdateStateMachine", `{"stateMachineArn":"`+sm+`","publish":true,"definition":`+strconvQuote(waitDef)+`}`)
	require.Equal(t, 200, status, "%v", body)
	status, _, body = post(t, h, "AWSStepFunctions.CreateStateMachineAlias", `{"name":"live","routingConfiguration":[{"stateMachineVersionArn":"`+sm+`:1","weight":100}]}`)
	require.Equal(t, 200, status, "%v", body)

	route := func(arn string, w string) string {
		return `{"stateMachineVersionArn":"` + arn + `","weight":` + w + `}`
	}
	cases := []struct {
		name, op, body, code, message string
	}{
		{"unqualified arn", "CreateStateMachineAlias", `{"name":"x","routingConfiguration":[` + route(sm, "50") + `,` + route(sm+":2", "50") + `]}`, "ValidationException",
			"Routing configuration must contain state machine version ARNs. Received: [" + sm + ", " + sm + ":2]"},
		{"duplicate versions", "CreateStateMachineAlias", `{"name":"x","routingConfiguration":[` + route(sm+":1", "50") + `,` + route(sm+":1", "50") + `]}`, "ValidationException",
			"Routing configuration must contain distinct state machine version ARNs. Received: [" + sm + ":1, " + sm + ":1]"},
		{"weights below 100", "CreateStateMachineAlias", `{"name":"x","routingConfiguration":[` + route(sm+":1", "70") + `,` + route(sm+":2", "29") + `]}`, "ValidationException",
			"Sum of routing configuration weights must equal 100. Received: [70, 29]"},
		{"weight above 100", "CreateStateMachineAlias", `{"name":"x","routingConfiguration":[` + route(sm+":1", "101") + `]}`, "ValidationException",
			"1 validation error detected: Value '101' at 'routingConfiguration.1.member.weight' failed to satisfy constraint: Member must have value less than or equal to 100"},
		{"three routes", "CreateStateMachineAlias", `{"name":"x","routingConfiguration":[` + route(sm+":1", "50") + `,` + route(sm+":2", "30") + `,` + route(sm+":3", "20") + `]}`, "ValidationException",
			"1 validation error detected: Value '[RoutingConfigurationListItem(stateMachineVersionArn=" + sm + ":1, weight=50), RoutingConfigurationListItem(stateMachineVersionArn=" + sm + ":2, weight=30), RoutingConfigurationListItem(stateMachineVersionArn=" + sm + ":3, weight=20)]' at 'routingConfiguration' failed to satisfy constraint: Member must have length less than or equal to 2"},
		{"digits-only name", "CreateStateMachineAlias", `{"name":"123","routingConfiguration":[` + route(sm+":1", "100") + `]}`, "ValidationException",
			`1 validation error detected: Value '123' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(?=.*[a-zA-Z_\-\.])[a-zA-Z0-9_\-\.]+$`},
		{"not idempotent", "CreateStateMachineAlias", `{"name":"live","description":"other","routingConfiguration":[` + route(sm+":1", "100") + `]}`, "ConflictException",
			"Failed to create alias because an alias with the same name and a different routing configuration already exists."},
		{"update missing alias", "UpdateStateMachineAlias", `{"stateMachineAliasArn":"` + sm + `:nope","description":"d"}`, "ResourceNotFound",
			"Request references a resource that does not exist."},
		{"delete referenced version", "DeleteStateMachineVersion", `{"stateMachineVersionArn":"` + sm + `:1"}`, "ConflictException",
			"Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [live]"},
		{"delete missing alias", "DeleteStateMachineAlias", `{"stateMachineAliasArn":"` + sm + `:nope"}`, "", ""},
	}
	for _, tc := range cases { // sequential: the cases share one service
		t.Run(tc.name, func(t *testing.T) {
			status, _, got := post(t, h, "AWSStepFunctions."+tc.op, tc.body)
			if tc.code == "" {
				require.Equal(t, 200, status, "%v", got)
				return
			}
			require.Equal(t, 400, status)
			require.Contains(t, got["__type"], "#"+tc.code)
			require.Equal(t, tc.message, got["message"])
		})
	}
}

func TestTaggingAsRecorded(t *testing.T) {
	t.Parallel()
	svc, _, _ := newService(t)
	h := svc.Handler()
	const sm = "arn:aws:states:us-east-1:123456789012:stateMachine:tg"
	status, _, body := post(t, h, "AWSStepFunctions.CreateStateMachine", `{"name":"tg","roleArn":"arn:aws:iam::123456789012:role/r","publish":true,"definition":`+strconvQuote(passDef)+`}`)
	require.Equal(t, 200, status, "%v", body)
	status, _, body = post(t, h, "AWSStepFunctions.TagResource", `{"resourceArn":"`+sm+`:1","tags":[{"key":"k","value":"v"}]}`)
	require.Equal(t, 400, status)
	require.Equal(t, "com.amazonaws.swf.service.v2.model#ResourceNotFound", body["__type"])
	require.Equal(t, "Resource not found: '"+sm+":1'", body["message"], "versions carry no tags")
	status, _, body = post(t, h, "AWSStepFunctions.TagResource", `{"resourceArn":"`+sm+`","tags":[{"key":"key1"}]}`)
	require.Equal(t, 200, status, "%v", body)
	_, _, body = post(t, h, "AWSStepFunctions.ListTagsForResource", `{"resourceArn":"`+sm+`"}`)
	require.Equal(t, map[string]any{"tags": []any{map[string]any{"key": "key1", "value": ""}}}, body)
}
