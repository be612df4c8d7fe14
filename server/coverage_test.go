package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/interpreter"
	"github.com/sfnlocal/sfnlocal/sfnlocaltest"
)

// TestCoverageEndpoint: GET /_sfnlocal/coverage counts every execution of a state machine,
// mocked or not, and starts over when its definition changes.
func TestCoverageEndpoint(t *testing.T) {
	t.Parallel()
	srv := sfnlocaltest.New(t, sfnlocaltest.WithTime("instant"))
	ctx := context.Background()
	client := sfn.NewFromConfig(srv.AWSConfig())
	def := `{"StartAt":"C","States":{
		"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericEquals":1,"Next":"One"}],"Default":"Other"},
		"One":{"Type":"Pass","End":true},
		"Other":{"Type":"Pass","End":true}}}`
	sm, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name: aws.String("cov"), Definition: aws.String(def), RoleArn: aws.String("arn:aws:iam::123456789012:role/r"),
	})
	require.NoError(t, err)
	arn := *sm.StateMachineArn
	get := func(arn string) (int, map[string]any) {
		resp, err := http.Get(srv.URL + "/_sfnlocal/coverage?stateMachineArn=" + url.QueryEscape(arn))
		require.NoError(t, err)
		defer resp.Body.Close()
		var m map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&m))
		return resp.StatusCode, m
	}
	report := func() interpreter.CoverageReport {
		resp, err := http.Get(srv.URL + "/_sfnlocal/coverage?stateMachineArn=" + url.QueryEscape(arn))
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		var r interpreter.CoverageReport
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&r))
		return r
	}
	r := report()
	require.Equal(t, interpreter.Ratio{Covered: 0, Total: 3}, r.Totals.States, "no execution yet")

	for _, in := range []string{`{"n":1}`, `{"n":1}`, `{"n":2}`} {
		x, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &arn, Input: aws.String(in)})
		require.NoError(t, err)
		require.NoError(t, srv.WaitExecution(ctx, *x.ExecutionArn))
		d, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: x.ExecutionArn})
		require.NoError(t, err)
		require.Equal(t, "SUCCEEDED", string(d.Status))
	}
	r = report()
	require.Equal(t, []interpreter.StateCoverage{
		{Name: "C", Type: "Choice", Entered: 3, Choices: []interpreter.ClauseCoverage{{Label: "Choices[0] → One", Hits: 2}, {Label: "Default → Other", Hits: 1}}},
		{Name: "One", Type: "Pass", Entered: 2},
		{Name: "Other", Type: "Pass", Entered: 1},
	}, r.States)
	require.Equal(t, interpreter.Ratio{Covered: 3, Total: 3}, r.Totals.States)
	require.Equal(t, r, srv.Coverage(arn), "the Go helper answers the same")

	_, err = client.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: &arn, Definition: aws.String(strings.Replace(def, `"NumericEquals":1`, `"NumericEquals":3`, 1))})
	require.NoError(t, err)
	r = report()
	require.Equal(t, interpreter.Ratio{Covered: 0, Total: 3}, r.Totals.States, "a new definition starts over")

	status, m := get("")
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, "MissingRequiredParameter", m["error"])
	status, m = get(strings.Replace(arn, ":cov", ":nope", 1))
	require.Equal(t, http.StatusNotFound, status)
	require.Equal(t, "StateMachineDoesNotExist", m["error"])
	status, m = get("not an arn")
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, "InvalidArn", m["error"])
	resp, err := http.Post(srv.URL+"/_sfnlocal/coverage", "application/json", nil)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
}
