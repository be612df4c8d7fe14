package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/api"
	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// TestDurableResumeWaitingActivity: an execution waiting for an activity worker across a
// restart of the Service on the same store takes the worker's answer with the token handed
// out before the restart, and its history goes on from where it was, ids 1..N.
func TestDurableResumeWaitingActivity(t *testing.T) {
	var svc *api.Service
	open := restartable(t, &svc)
	c, stop := open()
	act := c.call(t, "CreateActivity", `{"name":"work"}`)["activityArn"].(string)
	def, _ := json.Marshal(`{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"a":1},"Next":"T"},
		"T":{"Type":"Task","Resource":"` + act + `","ResultPath":"$.r","Next":"Q"},
		"Q":{"Type":"Parallel","Branches":[{"StartAt":"X","States":{"X":{"Type":"Pass","End":true}}}],"End":true}}}`)
	sm := c.call(t, "CreateStateMachine", `{"name":"m","roleArn":"arn:aws:iam::123456789012:role/r","definition":`+string(def)+`}`)["stateMachineArn"].(string)
	arn := c.call(t, "StartExecution", `{"stateMachineArn":"`+sm+`","name":"e"}`)["executionArn"].(string)
	task := c.call(t, "GetActivityTask", `{"activityArn":"`+act+`","workerName":"w1"}`)
	token := task["taskToken"].(string)
	require.NotEmpty(t, token)
	before := c.call(t, "GetExecutionHistory", `{"executionArn":"`+arn+`"}`)["events"].([]any)
	stop()

	c, stop = open()
	defer stop()
	c.call(t, "SendTaskSuccess", `{"taskToken":"`+token+`","output":"{\"ok\":true}"}`)
	waitExecution(t, svc, arn)
	d := c.call(t, "DescribeExecution", `{"executionArn":"`+arn+`"}`)
	require.Equal(t, "SUCCEEDED", d["status"])
	require.JSONEq(t, `[{"a":1,"r":{"ok":true}}]`, d["output"].(string))
	events := c.call(t, "GetExecutionHistory", `{"executionArn":"`+arn+`"}`)["events"].([]any)
	var types []string
	for i, e := range events {
		ev := e.(map[string]any)
		require.Equal(t, float64(i+1), ev["id"])
		if i < len(before) {
			require.Equal(t, before[i], e, "events from before the restart are kept as they were")
		}
		types = append(types, ev["type"].(string))
	}
	require.Equal(t, []string{"ExecutionStarted", "PassStateEntered", "PassStateExited", "TaskStateEntered",
		"ActivityScheduled", "ActivityStarted", "ActivitySucceeded", "TaskStateExited", "ParallelStateEntered",
		"ParallelStateStarted", "PassStateEntered", "PassStateExited", "ParallelStateSucceeded", "ParallelStateExited",
		"ExecutionSucceeded"}, types)
}

// TestDurableRedriveAfterRestart: a FAILED execution recorded before a restart describes the
// same after it (REDRIVABLE) and can be redriven: its run is rebuilt from its journal without
// running anything, and the redrive re-runs only the failed step.
func TestDurableRedriveAfterRestart(t *testing.T) {
	var svc *api.Service
	open := restartable(t, &svc)
	c, stop := open()
	act := c.call(t, "CreateActivity", `{"name":"work"}`)["activityArn"].(string)
	def, _ := json.Marshal(`{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"a":1},"Next":"T"},
		"T":{"Type":"Task","Resource":"` + act + `","ResultPath":"$.r","End":true}}}`)
	sm := c.call(t, "CreateStateMachine", `{"name":"m","roleArn":"arn:aws:iam::123456789012:role/r","definition":`+string(def)+`}`)["stateMachineArn"].(string)
	arn := c.call(t, "StartExecution", `{"stateMachineArn":"`+sm+`","name":"e"}`)["executionArn"].(string)
	token := c.call(t, "GetActivityTask", `{"activityArn":"`+act+`"}`)["taskToken"].(string)
	c.call(t, "SendTaskFailure", `{"taskToken":"`+token+`","error":"Boom"}`)
	describe := func() map[string]any {
		waitExecution(t, svc, arn)
		return c.call(t, "DescribeExecution", `{"executionArn":"`+arn+`"}`)
	}
	before := describe()
	require.Equal(t, "FAILED", before["status"])
	require.Equal(t, "REDRIVABLE", before["redriveStatus"])
	hist := c.call(t, "GetExecutionHistory", `{"executionArn":"`+arn+`"}`)
	stop()

	c, stop = open()
	defer stop()
	require.Equal(t, before, describe())
	require.Equal(t, hist, c.call(t, "GetExecutionHistory", `{"executionArn":"`+arn+`"}`))
	c.call(t, "RedriveExecution", `{"executionArn":"`+arn+`"}`)
	token = c.call(t, "GetActivityTask", `{"activityArn":"`+act+`"}`)["taskToken"].(string)
	c.call(t, "SendTaskSuccess", `{"taskToken":"`+token+`","output":"{\"ok\":1}"}`)
	after := describe()
	require.Equal(t, "SUCCEEDED", after["status"], after)
	require.JSONEq(t, `{"a":1,"r":{"ok":1}}`, after["output"].(string))
	require.Equal(t, float64(1), after["redriveCount"])
}

// TestDurableReattachSyncChild: a parent whose startExecution.sync Task was waiting for its
// child when the Service stopped finds the same child after the restart (no second child is
// started) and ends with its output.
func TestDurableReattachSyncChild(t *testing.T) {
	dir := t.TempDir()
	var svc *api.Service
	open := func() (rawClient, func()) {
		db, err := storage.Open(dir, storage.Options{NoSync: true})
		require.NoError(t, err)
		tasks := task.Registry{}
		svc, err = api.New(api.Options{Engine: api.InterpreterEngine(api.InterpreterConfig{Tasks: tasks, Logger: zap.NewNop()}), Logger: zap.NewNop(), DB: db})
		require.NoError(t, err)
		tasks["states"] = svc.Integration()
		require.NoError(t, svc.Recover())
		hs := httptest.NewServer(svc.Handler())
		return rawClient{url: hs.URL, hc: &http.Client{}}, func() { hs.Close(); svc.Close(); db.Close() }
	}
	c, stop := open()
	act := c.call(t, "CreateActivity", `{"name":"work"}`)["activityArn"].(string)
	childDef, _ := json.Marshal(`{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + act + `","End":true}}}`)
	child := c.call(t, "CreateStateMachine", `{"name":"child","roleArn":"arn:aws:iam::123456789012:role/r","definition":`+string(childDef)+`}`)["stateMachineArn"].(string)
	parentDef, _ := json.Marshal(`{"StartAt":"S","States":{"S":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2",
		"Parameters":{"StateMachineArn":"` + child + `","Input":{"x":1}},"OutputPath":"$.Output","End":true}}}`)
	parent := c.call(t, "CreateStateMachine", `{"name":"parent","roleArn":"arn:aws:iam::123456789012:role/r","definition":`+string(parentDef)+`}`)["stateMachineArn"].(string)
	arn := c.call(t, "StartExecution", `{"stateMachineArn":"`+parent+`","name":"p"}`)["executionArn"].(string)
	token := c.call(t, "GetActivityTask", `{"activityArn":"`+act+`"}`)["taskToken"].(string)
	stop()

	c, stop = open()
	defer stop()
	c.call(t, "SendTaskSuccess", `{"taskToken":"`+token+`","output":"{\"done\":true}"}`)
	waitExecution(t, svc, arn)
	d := c.call(t, "DescribeExecution", `{"executionArn":"`+arn+`"}`)
	require.Equal(t, "SUCCEEDED", d["status"], d)
	require.JSONEq(t, `{"done":true}`, d["output"].(string))
	list := c.call(t, "ListExecutions", `{"stateMachineArn":"`+child+`"}`)["executions"].([]any)
	require.Len(t, list, 1, "the child is reattached, not started again")
}

// TestDurableRetention: with a durable store, a finished execution older than the retention
// period (on the service clock) is gone once another one finishes.
func TestDurableRetention(t *testing.T) {
	db, err := storage.Open(t.TempDir(), storage.Options{NoSync: true})
	require.NoError(t, err)
	fake := clock.NewFake(time.Now())
	svc, err := api.New(api.Options{Engine: api.InterpreterEngine(api.InterpreterConfig{Clock: func() clock.Clock { return fake }, Logger: zap.NewNop()}),
		Logger: zap.NewNop(), DB: db, Clock: fake, Retention: time.Hour})
	require.NoError(t, err)
	require.NoError(t, svc.Recover())
	hs := httptest.NewServer(svc.Handler())
	defer func() { hs.Close(); svc.Close(); db.Close() }()
	c := rawClient{url: hs.URL, hc: &http.Client{}}
	def, _ := json.Marshal(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	sm := c.call(t, "CreateStateMachine", `{"name":"m","roleArn":"arn:aws:iam::123456789012:role/r","definition":`+string(def)+`}`)["stateMachineArn"].(string)
	run := func(name string) string {
		arn := c.call(t, "StartExecution", `{"stateMachineArn":"`+sm+`","name":"`+name+`"}`)["executionArn"].(string)
		require.NoError(t, svc.WaitExecution(context.Background(), arn))
		return arn
	}
	names := func() []string {
		var out []string
		for _, e := range c.call(t, "ListExecutions", `{"stateMachineArn":"`+sm+`"}`)["executions"].([]any) {
			out = append(out, e.(map[string]any)["name"].(string))
		}
		return out
	}
	run("old")
	fake.Advance(2 * time.Hour)
	run("recent")
	run("trigger") // its end sweeps what ended more than an hour before
	require.Equal(t, []string{"trigger", "recent"}, names())
	fake.Advance(2 * time.Hour)
	run("last")
	run("sweeper")
	require.Equal(t, []string{"sweeper", "last"}, names())
}

// restartable returns a function that opens a durable Service on one store directory (a
// restart, when called again after the last one's stop), sets *svc to it, and returns a
// client for it and its stop.
func restartable(t *testing.T, svc **api.Service) func() (rawClient, func()) {
	dir := t.TempDir()
	return func() (rawClient, func()) {
		db, err := storage.Open(dir, storage.Options{NoSync: true})
		require.NoError(t, err)
		s := durableService(t, db)
		*svc = s
		hs := httptest.NewServer(s.Handler())
		return rawClient{url: hs.URL, hc: &http.Client{}}, func() { hs.Close(); s.Close(); db.Close() }
	}
}

// waitExecution blocks until the execution ends (the Service's own wait, no polling).
func waitExecution(t *testing.T, svc *api.Service, arn string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, svc.WaitExecution(ctx, arn))
}

// TestDurableRedriveAcrossRestarts: an execution that ended FAILED, ABORTED or TIMED_OUT
// before a restart is REDRIVABLE after it; its redrive, stopped by a second restart while it
// waits for an activity, resumes after it; a repeat of the RedriveExecution call with the
// same clientToken after that restart answers the first redrive's date and starts nothing;
// and the execution ends with the redriven run's output, redriveCount 1, ids 1..N.
func TestDurableRedriveAcrossRestarts(t *testing.T) {
	tests := []struct {
		name    string
		timeout string // the machine's TimeoutSeconds member, if any
		end     func(t *testing.T, c rawClient, arn, token string)
		status  string
	}{
		{name: "failed", status: "FAILED", end: func(t *testing.T, c rawClient, _, token string) {
			c.call(t, "SendTaskFailure", `{"taskToken":"`+token+`","error":"Boom"}`)
		}},
		{name: "aborted", status: "ABORTED", end: func(t *testing.T, c rawClient, arn, _ string) {
			c.call(t, "StopExecution", `{"executionArn":"`+arn+`","error":"Stop"}`)
		}},
		{name: "timed out", status: "TIMED_OUT", timeout: `"TimeoutSeconds":5,`, end: func(*testing.T, rawClient, string, string) {}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var svc *api.Service
			open := restartable(t, &svc)
			c, stop := open()
			act := c.call(t, "CreateActivity", `{"name":"work"}`)["activityArn"].(string)
			def, _ := json.Marshal(`{` + tc.timeout + `"StartAt":"P","States":{
				"P":{"Type":"Pass","Result":{"a":1},"Assign":{"v":"kept"},"Next":"T"},
				"T":{"Type":"Task","Resource":"` + act + `","Parameters":{"step":"t"},"ResultPath":"$.t","Next":"Q"},
				"Q":{"Type":"Parallel","ResultPath":"$.q","End":true,"Branches":[
				  {"StartAt":"U","States":{"U":{"Type":"Task","Resource":"` + act + `","Parameters":{"step":"u","v.$":"$v"},"End":true}}},
				  {"StartAt":"X","States":{"X":{"Type":"Pass","Result":"x","End":true}}}]}}}`)
			sm := c.call(t, "CreateStateMachine", `{"name":"m","roleArn":"arn:aws:iam::123456789012:role/r","definition":`+string(def)+`}`)["stateMachineArn"].(string)
			arn := c.call(t, "StartExecution", `{"stateMachineArn":"`+sm+`","name":"e"}`)["executionArn"].(string)
			token := c.call(t, "GetActivityTask", `{"activityArn":"`+act+`"}`)["taskToken"].(string)
			tc.end(t, c, arn, token)
			waitExecution(t, svc, arn)
			require.Equal(t, tc.status, c.call(t, "DescribeExecution", `{"executionArn":"`+arn+`"}`)["status"])
			stop()

			// Restart 1: the ended execution is redrivable, and redriven.
			c, stop = open()
			d := c.call(t, "DescribeExecution", `{"executionArn":"`+arn+`"}`)
			require.Equal(t, tc.status, d["status"])
			require.Equal(t, "REDRIVABLE", d["redriveStatus"], d)
			date := c.call(t, "RedriveExecution", `{"executionArn":"`+arn+`","clientToken":"tok-1"}`)["redriveDate"]
			task := c.call(t, "GetActivityTask", `{"activityArn":"`+act+`"}`)
			require.JSONEq(t, `{"step":"t"}`, task["input"].(string))
			c.call(t, "SendTaskSuccess", `{"taskToken":"`+task["taskToken"].(string)+`","output":"{\"ok\":\"t\"}"}`)
			task = c.call(t, "GetActivityTask", `{"activityArn":"`+act+`"}`)
			require.JSONEq(t, `{"step":"u","v":"kept"}`, task["input"].(string), "the variables of the checkpoint")
			token = task["taskToken"].(string)
			before := c.call(t, "GetExecutionHistory", `{"executionArn":"`+arn+`"}`)["events"].([]any)
			stop()

			// Restart 2: the redriven run resumes; the token handed out still completes
			// its task; the clientToken is remembered.
			c, stop = open()
			defer stop()
			require.Equal(t, "RUNNING", c.call(t, "DescribeExecution", `{"executionArn":"`+arn+`"}`)["status"])
			again := c.call(t, "RedriveExecution", `{"executionArn":"`+arn+`","clientToken":"tok-1"}`)["redriveDate"]
			require.Equal(t, date, again)
			c.call(t, "SendTaskSuccess", `{"taskToken":"`+token+`","output":"{\"ok\":\"u\"}"}`)
			waitExecution(t, svc, arn)
			d = c.call(t, "DescribeExecution", `{"executionArn":"`+arn+`"}`)
			require.Equal(t, "SUCCEEDED", d["status"], d)
			require.Equal(t, float64(1), d["redriveCount"])
			require.JSONEq(t, `{"a":1,"t":{"ok":"t"},"q":[{"ok":"u"},"x"]}`, d["output"].(string))
			events := c.call(t, "GetExecutionHistory", `{"executionArn":"`+arn+`"}`)["events"].([]any)
			redriven := 0
			for i, e := range events {
				ev := e.(map[string]any)
				require.Equal(t, float64(i+1), ev["id"])
				if i < len(before) {
					require.Equal(t, before[i], e, "events from before the restart are kept as they were")
				}
				if ev["type"] == "ExecutionRedriven" {
					redriven++
				}
			}
			require.Equal(t, 1, redriven)
		})
	}
}

// TestDurableRedriveDistributedMapAfterRestart: an execution whose Distributed Map failed is
// redriven after a restart: one Map Run throughout, the failed child redriven under its ARN,
// the succeeded one not run again.
func TestDurableRedriveDistributedMapAfterRestart(t *testing.T) {
	t.Parallel()
	var svc *api.Service
	open := restartable(t, &svc)
	c, stop := open()
	act := c.call(t, "CreateActivity", `{"name":"work"}`)["activityArn"].(string)
	def, _ := json.Marshal(`{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":1,"End":true,
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
		  "StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + act + `","End":true}}}}}}`)
	sm := c.call(t, "CreateStateMachine", `{"name":"m","roleArn":"arn:aws:iam::123456789012:role/r","definition":`+string(def)+`}`)["stateMachineArn"].(string)
	arn := c.call(t, "StartExecution", `{"stateMachineArn":"`+sm+`","name":"e","input":"{\"items\":[1,2]}"}`)["executionArn"].(string)
	work := func(output string) string {
		task := c.call(t, "GetActivityTask", `{"activityArn":"`+act+`"}`)
		body := `{"taskToken":"` + task["taskToken"].(string) + `","output":` + strconv.Quote(output) + `}`
		if output == "" {
			c.call(t, "SendTaskFailure", `{"taskToken":"`+task["taskToken"].(string)+`","error":"Boom"}`)
		} else {
			c.call(t, "SendTaskSuccess", body)
		}
		return task["input"].(string)
	}
	require.Equal(t, "1", work(`{"ok":1}`))
	require.Equal(t, "2", work(""))
	waitExecution(t, svc, arn)
	require.Equal(t, "FAILED", c.call(t, "DescribeExecution", `{"executionArn":"`+arn+`"}`)["status"])
	runs := c.call(t, "ListMapRuns", `{"executionArn":"`+arn+`"}`)["mapRuns"].([]any)
	require.Len(t, runs, 1)
	runArn := runs[0].(map[string]any)["mapRunArn"].(string)
	kids := c.call(t, "ListExecutions", `{"mapRunArn":"`+runArn+`"}`)["executions"].([]any)
	stop()

	c, stop = open()
	defer stop()
	require.Equal(t, "REDRIVABLE", c.call(t, "DescribeExecution", `{"executionArn":"`+arn+`"}`)["redriveStatus"])
	c.call(t, "RedriveExecution", `{"executionArn":"`+arn+`"}`)
	require.Equal(t, "2", work(`{"ok":2}`), "only the failed item runs again")
	waitExecution(t, svc, arn)
	d := c.call(t, "DescribeExecution", `{"executionArn":"`+arn+`"}`)
	require.Equal(t, "SUCCEEDED", d["status"], d)
	require.JSONEq(t, `[{"ok":1},{"ok":2}]`, d["output"].(string))
	runs = c.call(t, "ListMapRuns", `{"executionArn":"`+arn+`"}`)["mapRuns"].([]any)
	require.Len(t, runs, 1)
	require.Equal(t, runArn, runs[0].(map[string]any)["mapRunArn"])
	after := c.call(t, "ListExecutions", `{"mapRunArn":"`+runArn+`"}`)["executions"].([]any)
	require.ElementsMatch(t, arnsOf(kids), arnsOf(after), "the same child executions")
	counts := c.call(t, "DescribeMapRun", `{"mapRunArn":"`+runArn+`"}`)["executionCounts"].(map[string]any)
	require.Equal(t, float64(2), counts["succeeded"])
}

func arnsOf(list []any) []string {
	var out []string
	for _, e := range list {
		out = append(out, e.(map[string]any)["executionArn"].(string))
	}
	return out
}
