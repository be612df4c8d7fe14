package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// crashWorkload is the state machine the crash test runs: a Wait, an activity that fails
// once and is retried after a backoff, a Parallel with a Wait in one branch, a Map whose
// iterations call an activity two at a time, a Distributed Map whose child executions call
// it and wait, and a last activity that tells the test the execution is about to end.
const crashWorkload = `{"StartAt":"A","States":{
 "A":{"Type":"Pass","Next":"W"},
 "W":{"Type":"Wait","Seconds":1,"Next":"T"},
 "T":{"Type":"Task","Resource":"ACT_WORK","Parameters":{"op":"double","n.$":"$.n","retry.$":"$$.State.RetryCount"},
      "Retry":[{"ErrorEquals":["Flaky"],"IntervalSeconds":1,"MaxAttempts":3,"BackoffRate":1}],"ResultPath":"$.t","Next":"P"},
 "P":{"Type":"Parallel","ResultPath":"$.par","Next":"M","Branches":[
   {"StartAt":"PW","States":{"PW":{"Type":"Wait","Seconds":1,"Next":"PR"},"PR":{"Type":"Pass","Result":"w","End":true}}},
   {"StartAt":"PP","States":{"PP":{"Type":"Pass","Result":"p","End":true}}}]},
 "M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":2,"ResultPath":"$.map","Next":"DM",
      "ItemProcessor":{"StartAt":"X","States":{"X":{"Type":"Task","Resource":"ACT_WORK","Parameters":{"op":"triple","n.$":"$","retry":1},"End":true}}}},
 "DM":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":2,"ResultPath":"$.dmap","Next":"D",
      "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"Y","States":{
        "Y":{"Type":"Task","Resource":"ACT_WORK","Parameters":{"op":"triple","n.$":"$","retry":1},"Next":"YW"},
        "YW":{"Type":"Wait","Seconds":1,"End":true}}}},
 "D":{"Type":"Task","Resource":"ACT_DONE","Parameters":{"n.$":"$.n"},"ResultPath":null,"End":true}}}`

// CrashHook lets a service add its own writes to the crash test's workload (SQS messages,
// DynamoDB items, Batch jobs): Setup runs once against the first process, Check after the
// last restart. Hooks are appended by the tests of the services that keep state.
type CrashHook struct {
	Name  string
	Setup func(t *testing.T, addr string)
	Check func(t *testing.T, addr string)
}

var crashHooks []CrashHook

// fleet is the activity workers of the crash test: they follow the server across restarts
// and resend a result the dead process never answered.
type fleet struct {
	mu   sync.Mutex
	addr string
	up   chan struct{} // closed when the server moves (a restart)
	stop chan struct{}
	wg   sync.WaitGroup
	// progress hears about every task a worker completed; done about every execution that
	// reached its last activity.
	progress chan struct{}
	done     chan int
}

func newFleet(addr string) *fleet {
	return &fleet{addr: addr, up: make(chan struct{}), stop: make(chan struct{}), progress: make(chan struct{}, 10000), done: make(chan int, 10000)}
}

func (f *fleet) current() (string, chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.addr, f.up
}

func (f *fleet) move(addr string) {
	f.mu.Lock()
	f.addr = addr
	close(f.up)
	f.up = make(chan struct{})
	f.mu.Unlock()
}

// rawSFN calls a Step Functions operation without the testing package (worker goroutines).
func rawSFN(addr, op string, body any) (int, []byte, error) {
	b, _ := json.Marshal(body)
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/", bytes.NewReader(b))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("X-Amz-Target", "AWSStepFunctions."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, err
}

// call retries an operation until a process answers it (the server may be down between a
// kill and its restart); false when the fleet stops.
func (f *fleet) call(op string, body any) (int, []byte, bool) {
	for {
		addr, up := f.current()
		code, raw, err := rawSFN(addr, op, body)
		if err == nil {
			return code, raw, true
		}
		select {
		case <-up:
		case <-f.stop:
			return 0, nil, false
		}
	}
}

func (f *fleet) work(activityArn string) {
	defer f.wg.Done()
	for {
		select {
		case <-f.stop:
			return
		default:
		}
		_, raw, ok := f.call("GetActivityTask", map[string]any{"activityArn": activityArn, "workerName": "w"})
		if !ok {
			return
		}
		var task struct{ TaskToken, Input string }
		if json.Unmarshal(raw, &task) != nil || task.TaskToken == "" {
			continue
		}
		var in struct {
			Op    string
			N     int
			Retry int
		}
		_ = json.Unmarshal([]byte(task.Input), &in)
		op, body := "SendTaskSuccess", map[string]any{"taskToken": task.TaskToken}
		switch {
		case strings.HasSuffix(activityArn, ":done"):
			body["output"] = "{}"
		case in.Retry == 0:
			op, body["error"], body["cause"] = "SendTaskFailure", "Flaky", "first attempt"
		case in.Op == "double":
			body["output"] = fmt.Sprintf(`{"v":%d}`, 2*in.N)
		default:
			body["output"] = fmt.Sprintf(`{"v":%d}`, 3*in.N)
		}
		code, _, ok := f.call(op, body)
		if !ok {
			return
		}
		if code == http.StatusOK {
			if strings.HasSuffix(activityArn, ":done") {
				f.done <- in.N
			}
			f.progress <- struct{}{}
		}
	}
}

// setupWorkload creates the activities and the state machine on a process and starts the
// fleet's workers; it returns the state machine ARN.
func setupWorkload(t *testing.T, p *proc, f *fleet) string {
	t.Helper()
	var work, done struct{ ActivityArn string }
	p.sfn(t, "CreateActivity", map[string]any{"name": "work"}, &work)
	p.sfn(t, "CreateActivity", map[string]any{"name": "done"}, &done)
	def := strings.NewReplacer("ACT_WORK", work.ActivityArn, "ACT_DONE", done.ActivityArn).Replace(crashWorkload)
	var sm struct{ StateMachineArn string }
	p.sfn(t, "CreateStateMachine", map[string]any{"name": "crash", "roleArn": "arn:aws:iam::123456789012:role/r", "definition": def}, &sm)
	for range 3 {
		f.wg.Add(1)
		go f.work(work.ActivityArn)
	}
	f.wg.Add(1)
	go f.work(done.ActivityArn)
	return sm.StateMachineArn
}

type histEvent struct {
	ID              int64  `json:"id"`
	PreviousEventID int64  `json:"previousEventId"`
	Type            string `json:"type"`
}

func history(t *testing.T, p *proc, arn string) []histEvent {
	t.Helper()
	var out []histEvent
	token := ""
	for {
		body := map[string]any{"executionArn": arn, "maxResults": 1000}
		if token != "" {
			body["nextToken"] = token
		}
		var page struct {
			Events    []histEvent
			NextToken string
		}
		p.sfn(t, "GetExecutionHistory", body, &page)
		out = append(out, page.Events...)
		if page.NextToken == "" {
			return out
		}
		token = page.NextToken
	}
}

// finish waits for n executions to reach their last activity, then for each to end, and
// returns their outputs and histories.
func finish(t *testing.T, p *proc, f *fleet, arns []string) (map[string]string, map[string][]histEvent) {
	t.Helper()
	seen := map[int]bool{}
	for len(seen) < len(arns) {
		seen[<-f.done] = true
	}
	outs, hists := map[string]string{}, map[string][]histEvent{}
	for _, arn := range arns {
		var d struct{ Status, Output, Error, Cause string }
		p.waitEnd(t, arn)
		p.sfn(t, "DescribeExecution", map[string]any{"executionArn": arn}, &d)
		require.Equal(t, "SUCCEEDED", d.Status, "%s: %s %s", arn, d.Error, d.Cause)
		outs[arn] = d.Output
		hists[arn] = history(t, p, arn)
	}
	return outs, hists
}

func typeCounts(h []histEvent) map[string]int {
	m := map[string]int{}
	for _, e := range h {
		m[e.Type]++
	}
	return m
}

// TestCrashResume kills the server with SIGKILL at seeded random points of a workload
// (Waits, a retried activity, a Parallel, a Map of activities; one of the stops is a clean
// SIGINT), restarts it on the same --data-dir each time, and checks that every acknowledged execution finishes with the
// output of an uninterrupted run and a history whose ids run 1..N with the same events.
func TestCrashResume(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the server many times")
	}
	t.Parallel()
	const executions, kills = 8, 5
	seed := uint64(14)
	if v := os.Getenv("SFNLOCAL_CRASH_SEED"); v != "" {
		// Other kill points, for exploring; CI runs the fixed seed.
		n, err := strconv.ParseUint(v, 10, 64)
		require.NoError(t, err)
		seed = n
	}
	rng := rand.New(rand.NewPCG(seed, 2026))
	input := func(i int) string { return fmt.Sprintf(`{"n":%d,"items":[1,2,3]}`, i) }

	// The uninterrupted run, in memory.
	ref := startProc(t, nil) // with the console: finish waits on its stream
	refFleet := newFleet(ref.addr)
	refSM := setupWorkload(t, ref, refFleet)
	var refArns []string
	for i := range executions {
		var st struct{ ExecutionArn string }
		ref.sfn(t, "StartExecution", map[string]any{"stateMachineArn": refSM, "name": fmt.Sprintf("e%d", i), "input": input(i)}, &st)
		refArns = append(refArns, st.ExecutionArn)
	}
	refOuts, refHists := finish(t, ref, refFleet, refArns)
	close(refFleet.stop)

	dir := t.TempDir()
	args := []string{"--data-dir", dir} // with the console: the hooks wait on its live stream
	p := startProc(t, nil, args...)
	f := newFleet(p.addr)
	smArn := setupWorkload(t, p, f)
	for _, h := range crashHooks {
		h.Setup(t, p.addr)
	}
	var arns []string
	start := func(i int) {
		var st struct{ ExecutionArn string }
		p.sfn(t, "StartExecution", map[string]any{"stateMachineArn": smArn, "name": fmt.Sprintf("e%d", i), "input": input(i)}, &st)
		arns = append(arns, st.ExecutionArn) // acknowledged: it must survive
	}
	next := 0
	for k := range kills {
		// Start some executions, let the workers complete a random number of tasks, kill.
		for range executions / kills {
			start(next)
			next++
		}
		for range 1 + rng.IntN(6) {
			<-f.progress
		}
		how := "SIGKILL"
		if k == 2 {
			// One clean stop: running executions stay RUNNING and resume as after a crash.
			how = "SIGINT"
			require.NoError(t, p.cmd.Process.Signal(os.Interrupt))
		} else {
			require.NoError(t, p.cmd.Process.Kill())
		}
		_ = p.cmd.Wait()
		for _, l := range p.logLines() {
			if strings.Contains(l, "Map Run children resumed") {
				t.Log(l)
			}
		}
		p = startProc(t, nil, args...)
		f.move(p.addr)
		t.Logf("stop %d (%s): restarted", k+1, how)
	}
	for next < executions {
		start(next)
		next++
	}
	outs, hists := finish(t, p, f, arns)
	close(f.stop)
	for i, arn := range arns {
		refArn := refArns[i]
		require.JSONEq(t, refOuts[refArn], outs[arn], arn)
		h := hists[arn]
		for j, e := range h {
			require.Equal(t, int64(j+1), e.ID, "%s: event ids run 1..N", arn)
			require.Less(t, e.PreviousEventID, e.ID, arn)
		}
		require.Equal(t, typeCounts(refHists[refArn]), typeCounts(h), "%s: the events of an uninterrupted run", arn)
		checkMapRun(t, p, arn, h)
	}
	for _, h := range crashHooks {
		h.Check(t, p.addr)
	}
	// Killing the processes ends the workers' calls.
	_ = ref.cmd.Process.Kill()
	_ = p.cmd.Process.Kill()
	f.wg.Wait()
	refFleet.wg.Wait()
}

// checkMapRun checks that an execution's Distributed Map ran one Map Run, the one its
// history names, whose three children each ran once and succeeded, with histories whose ids
// run 1..N.
func checkMapRun(t *testing.T, p *proc, arn string, h []histEvent) {
	t.Helper()
	var runs struct{ MapRuns []struct{ MapRunArn string } }
	p.sfn(t, "ListMapRuns", map[string]any{"executionArn": arn}, &runs)
	require.Len(t, runs.MapRuns, 1, "%s: one Map Run, kept across the stops", arn)
	var ev []struct {
		Type                      string
		MapRunStartedEventDetails *struct{ MapRunArn string }
	}
	var page struct {
		Events json.RawMessage
	}
	p.sfn(t, "GetExecutionHistory", map[string]any{"executionArn": arn, "maxResults": 1000}, &page)
	require.NoError(t, json.Unmarshal(page.Events, &ev))
	found := false
	for _, e := range ev {
		if e.Type == "MapRunStarted" {
			require.Equal(t, runs.MapRuns[0].MapRunArn, e.MapRunStartedEventDetails.MapRunArn, arn)
			found = true
		}
	}
	require.True(t, found, arn)
	var d struct {
		ExecutionCounts struct{ Succeeded, Total int }
	}
	p.sfn(t, "DescribeMapRun", map[string]any{"mapRunArn": runs.MapRuns[0].MapRunArn}, &d)
	require.Equal(t, 3, d.ExecutionCounts.Total, arn)
	require.Equal(t, 3, d.ExecutionCounts.Succeeded, arn)
	var kids struct {
		Executions []struct{ ExecutionArn, Status string }
	}
	p.sfn(t, "ListExecutions", map[string]any{"mapRunArn": runs.MapRuns[0].MapRunArn}, &kids)
	require.Len(t, kids.Executions, 3, arn)
	for _, k := range kids.Executions {
		require.Equal(t, "SUCCEEDED", k.Status, k.ExecutionArn)
		kh := history(t, p, k.ExecutionArn)
		for j, e := range kh {
			require.Equal(t, int64(j+1), e.ID, "%s: event ids run 1..N", k.ExecutionArn)
		}
		require.Equal(t, map[string]int{"ExecutionStarted": 1, "TaskStateEntered": 1, "ActivityScheduled": 1, "ActivityStarted": 1,
			"ActivitySucceeded": 1, "TaskStateExited": 1, "WaitStateEntered": 1, "WaitStateExited": 1, "ExecutionSucceeded": 1}, typeCounts(kh), k.ExecutionArn)
	}
}

// TestDataDirTornWrite truncates the store file: the server either refuses to start, saying
// why, or (when the cut only took space past its last commit) serves everything intact; it
// never serves what is left of a damaged store.
func TestDataDirTornWrite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := startProc(t, nil, "--no-console", "--data-dir", dir)
	const n = 200
	for i := range n {
		p.sfn(t, "CreateActivity", map[string]any{"name": fmt.Sprintf("a%d", i)}, nil)
	}
	require.NoError(t, p.cmd.Process.Kill())
	_ = p.cmd.Wait()
	path := filepath.Join(dir, "sfnlocal.db")
	st, err := os.Stat(path)
	require.NoError(t, err)
	for _, size := range []int64{st.Size() - 4096, 3 * 4096, 4096 + 100} {
		require.NoError(t, os.Truncate(path, size))
		p, out := tryStart(t, "--no-console", "--data-dir", dir)
		if p == nil {
			require.Contains(t, out, "damaged", "size %d: %s", size, out)
			t.Logf("cut to %d bytes: refused", size)
			continue
		}
		t.Logf("cut to %d bytes: served whole", size)
		var list struct{ Activities []json.RawMessage }
		p.sfn(t, "ListActivities", map[string]any{"maxResults": 1000}, &list)
		require.Len(t, list.Activities, n, "size %d: a store that is served is whole", size)
		require.NoError(t, p.cmd.Process.Kill())
		_ = p.cmd.Wait()
	}
}

// tryStart starts the binary and returns it once it listens, or nil and its output when it
// exits first.
func tryStart(t *testing.T, args ...string) (*proc, string) {
	t.Helper()
	p := launch(t, nil, args...)
	for {
		p.mu.Lock()
		lines, more, exited := strings.Join(p.log, "\n"), p.more, p.exited
		p.mu.Unlock()
		if strings.Contains(lines, "listening") {
			return p, lines
		}
		if exited {
			return nil, lines
		}
		<-more
	}
}

// TestDataDirSurvivesRestart: resources, finished executions and their histories, and
// pagination tokens read before a clean restart read the same after it.
func TestDataDirSurvivesRestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	args := []string{"--data-dir", dir, "--time", "instant"} // the console's stream tells the end
	p := startProc(t, nil, args...)
	var sm struct{ StateMachineArn string }
	p.sfn(t, "CreateStateMachine", map[string]any{"name": "chain", "roleArn": "arn:aws:iam::123456789012:role/r", "definition": chainDefinition(5),
		"tags": []map[string]string{{"key": "k", "value": "v"}}}, &sm)
	var arns []string
	for i := range 5 {
		var st struct{ ExecutionArn string }
		p.sfn(t, "StartExecution", map[string]any{"stateMachineArn": sm.StateMachineArn, "input": fmt.Sprintf(`{"i":%d}`, i)}, &st)
		arns = append(arns, st.ExecutionArn)
	}
	read := func(p *proc) []string {
		var out []string
		for _, arn := range arns {
			var d map[string]any
			p.waitEnd(t, arn)
			p.sfn(t, "DescribeExecution", map[string]any{"executionArn": arn}, &d)
			b, _ := json.Marshal(d)
			out = append(out, string(b))
			var h json.RawMessage
			p.sfn(t, "GetExecutionHistory", map[string]any{"executionArn": arn}, &h)
			out = append(out, string(h))
		}
		var l json.RawMessage
		p.sfn(t, "ListExecutions", map[string]any{"stateMachineArn": sm.StateMachineArn, "maxResults": 2}, &l)
		var tags json.RawMessage
		p.sfn(t, "ListTagsForResource", map[string]any{"resourceArn": sm.StateMachineArn}, &tags)
		var sms json.RawMessage
		p.sfn(t, "ListStateMachines", map[string]any{}, &sms)
		return append(out, string(l), string(tags), string(sms))
	}
	before := read(p)
	var page struct{ NextToken string }
	p.sfn(t, "ListExecutions", map[string]any{"stateMachineArn": sm.StateMachineArn, "maxResults": 2}, &page)
	require.NotEmpty(t, page.NextToken)
	var page2 json.RawMessage
	p.sfn(t, "ListExecutions", map[string]any{"stateMachineArn": sm.StateMachineArn, "maxResults": 2, "nextToken": page.NextToken}, &page2)
	require.NoError(t, p.cmd.Process.Signal(os.Interrupt))
	_ = p.cmd.Wait()

	p = startProc(t, nil, args...)
	after := read(p)
	require.Equal(t, before, after)
	var again json.RawMessage
	p.sfn(t, "ListExecutions", map[string]any{"stateMachineArn": sm.StateMachineArn, "maxResults": 2, "nextToken": page.NextToken}, &again)
	require.JSONEq(t, string(page2), string(again), "a page token from before the restart")
}

// TestDataDirKeepsOtherRegions: a DynamoDB table created and written by requests signed for a
// region other than --region's survives a restart in that region, and only there.
func TestDataDirKeepsOtherRegions(t *testing.T) {
	t.Parallel()
	args := []string{"--data-dir", t.TempDir()}
	dynamo := func(p *proc, region, op string, body any) (int, map[string]any) {
		t.Helper()
		h := map[string]string{"X-Amz-Target": "DynamoDB_20120810." + op, "Content-Type": "application/x-amz-json-1.0"}
		if region != "" {
			h["Authorization"] = "AWS4-HMAC-SHA256 Credential=test/20260101/" + region + "/dynamodb/aws4_request, SignedHeaders=host, Signature=x"
		}
		var out map[string]any
		code := p.call(t, http.MethodPost, "/", h, body, &out)
		return code, out
	}
	key := map[string]any{"id": map[string]any{"S": "k"}}
	p := startProc(t, nil, args...)
	code, out := dynamo(p, "eu-west-1", "CreateTable", map[string]any{"TableName": "regional", "BillingMode": "PAY_PER_REQUEST",
		"AttributeDefinitions": []any{map[string]any{"AttributeName": "id", "AttributeType": "S"}},
		"KeySchema":            []any{map[string]any{"AttributeName": "id", "KeyType": "HASH"}}})
	require.Equal(t, http.StatusOK, code, out)
	code, out = dynamo(p, "eu-west-1", "PutItem", map[string]any{"TableName": "regional", "Item": map[string]any{"id": map[string]any{"S": "k"}, "v": map[string]any{"S": "eu"}}})
	require.Equal(t, http.StatusOK, code, out)
	require.NoError(t, p.cmd.Process.Signal(os.Interrupt))
	_ = p.cmd.Wait()

	p = startProc(t, nil, args...)
	for _, tc := range []struct {
		region string
		want   []any
	}{{"eu-west-1", []any{"regional"}}, {"", []any{}}, {"us-east-1", []any{}}, {"ap-south-1", []any{}}} {
		code, out = dynamo(p, tc.region, "ListTables", map[string]any{})
		require.Equal(t, http.StatusOK, code, out)
		require.Equal(t, tc.want, out["TableNames"], "region %q", tc.region)
	}
	code, out = dynamo(p, "eu-west-1", "GetItem", map[string]any{"TableName": "regional", "Key": key})
	require.Equal(t, http.StatusOK, code, out)
	require.Equal(t, map[string]any{"id": map[string]any{"S": "k"}, "v": map[string]any{"S": "eu"}}, out["Item"])
}
