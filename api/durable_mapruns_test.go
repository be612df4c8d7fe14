package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/api"
	"github.com/sfnlocal/sfnlocal/internal/storage"
)

// TestDurableMapRunsAfterRestart: a finished execution's Distributed Map Run and its child
// executions answer ListMapRuns, DescribeMapRun, ListExecutions --map-run-arn and the
// children's DescribeExecution, GetExecutionHistory and DescribeStateMachineForExecution the
// same after a restart on the same store as before it.
func TestDurableMapRunsAfterRestart(t *testing.T) {
	dir := t.TempDir()
	open := func() (rawClient, *api.Service, func()) {
		db, err := storage.Open(dir, storage.Options{NoSync: true})
		require.NoError(t, err)
		svc := durableService(t, db)
		hs := httptest.NewServer(svc.Handler())
		t.Cleanup(func() { hs.Close(); svc.Close(); db.Close() })
		return rawClient{url: hs.URL, hc: &http.Client{}}, svc, func() { hs.Close(); svc.Close(); db.Close() }
	}
	c, svc, stop := open()
	def, _ := json.Marshal(`{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs","Label":"lbl","MaxConcurrency":2,
		"ToleratedFailureCount":1,
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"C","States":{
		  "C":{"Type":"Choice","Choices":[{"Variable":"$","NumericEquals":2,"Next":"F"}],"Default":"P"},
		  "F":{"Type":"Fail","Error":"Two","Cause":"two"},
		  "P":{"Type":"Pass","End":true}}},
		"End":true}}}`)
	sm := c.call(t, "CreateStateMachine", `{"name":"dm","roleArn":"arn:aws:iam::123456789012:role/r","definition":`+string(def)+`}`)["stateMachineArn"].(string)
	arn := c.call(t, "StartExecution", `{"stateMachineArn":"`+sm+`","name":"e","input":"{\"xs\":[1,2,3]}"}`)["executionArn"].(string)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, svc.WaitExecution(ctx, arn))
	d := c.call(t, "DescribeExecution", `{"executionArn":"`+arn+`"}`)
	require.Equal(t, "SUCCEEDED", d["status"], d)

	snapshot := func(c rawClient) map[string]any {
		out := map[string]any{}
		runs := c.call(t, "ListMapRuns", `{"executionArn":"`+arn+`"}`)
		out["ListMapRuns"] = runs
		mr := runs["mapRuns"].([]any)
		require.Len(t, mr, 1)
		run := mr[0].(map[string]any)["mapRunArn"].(string)
		out["DescribeMapRun"] = c.call(t, "DescribeMapRun", `{"mapRunArn":"`+run+`"}`)
		kids := c.call(t, "ListExecutions", `{"mapRunArn":"`+run+`"}`)
		out["ListExecutions"] = kids
		ex := kids["executions"].([]any)
		require.Len(t, ex, 3)
		for _, k := range ex {
			ka := k.(map[string]any)["executionArn"].(string)
			out["Describe "+ka] = c.call(t, "DescribeExecution", `{"executionArn":"`+ka+`"}`)
			out["History "+ka] = c.call(t, "GetExecutionHistory", `{"executionArn":"`+ka+`"}`)
			out["ForExecution "+ka] = c.call(t, "DescribeStateMachineForExecution", `{"executionArn":"`+ka+`"}`)
		}
		failed := c.call(t, "ListExecutions", `{"mapRunArn":"`+run+`","statusFilter":"FAILED"}`)
		require.Len(t, failed["executions"].([]any), 1)
		out["ListExecutions FAILED"] = failed
		return out
	}
	before := snapshot(c)
	stop()

	c, _, _ = open()
	after := snapshot(c)
	require.Equal(t, before, after)
}
