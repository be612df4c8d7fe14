package console

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/api"
	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
	"github.com/sfnlocal/sfnlocal/services/batch"
)

const (
	region  = "us-east-1"
	account = "123456789012"
	role    = "arn:aws:iam::123456789012:role/test"
)

// fakeBatch is a Batch simulator with one job whose log lines the test appends.
type fakeBatch struct {
	mu     sync.Mutex
	status batch.Status
	lines  []string
}

func (f *fakeBatch) DescribeJobs(ids []string) ([]batch.JobDetail, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []batch.JobDetail
	for _, id := range ids {
		if id == "job-1" {
			out = append(out, batch.JobDetail{JobID: id, JobName: "hello", Status: f.status,
				Container: &batch.ContainerDetail{LogStreamName: "hello/default/job-1"}})
		}
	}
	return out, nil
}

func (f *fakeBatch) Events(stream string) []batch.LogEvent {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []batch.LogEvent
	for _, l := range f.lines {
		out = append(out, batch.LogEvent{Message: l})
	}
	return out
}

func (f *fakeBatch) set(st batch.Status, lines ...string) {
	f.mu.Lock()
	f.status, f.lines = st, append(f.lines, lines...)
	f.mu.Unlock()
}

type fakeLambda map[string][]string

func (f fakeLambda) Logs(name string) []string { return f[name] }

type env struct {
	t     testing.TB
	svc   *api.Service
	con   *Console
	h     http.Handler
	clk   *clock.Fake
	batch *fakeBatch
}

func newEnv(t testing.TB) *env {
	t.Helper()
	clk := clock.NewFake(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	fb := &fakeBatch{status: batch.StatusRunning}
	greeted := make(chan struct{})
	var greetOnce sync.Once
	con := New(Config{Batch: fb, Lambda: fakeLambda{"greet": {"START RequestId: 1\nhello from greet\nEND RequestId: 1\n"}},
		Logger: zaptest.NewLogger(t), Tick: 5 * time.Millisecond})
	tasks := task.Registry{
		"lambda": task.HandlerFunc(func(ctx context.Context, req *task.Request) (any, error) {
			params := task.Text(req.Parameters)
			if strings.Contains(params, "after-greet") {
				// Fail only once the sibling branch has run, so that its status is known.
				select {
				case <-greeted:
				case <-ctx.Done():
					return nil, ctx.Err()
				}
			}
			if strings.Contains(params, "boom") {
				return nil, &task.Failure{Name: "Lambda.Unknown", Cause: "function boom failed"}
			}
			greetOnce.Do(func() { close(greeted) })
			return map[string]any{"StatusCode": json.Number("200"), "Payload": "hi"}, nil
		}),
		"batch": task.HandlerFunc(func(ctx context.Context, req *task.Request) (any, error) {
			req.Submitted(map[string]any{"JobId": "job-1", "JobName": "hello"})
			return map[string]any{"JobId": "job-1", "Status": "SUCCEEDED"}, nil
		}),
	}
	svc, err := api.New(api.Options{
		Engine: api.InterpreterEngine(api.InterpreterConfig{Clock: func() clock.Clock { return clk }, Tasks: tasks,
			Region: region, AccountID: account}),
		Clock: clk, Region: region, AccountID: account, Observers: []api.Observer{con.Observer()},
	})
	require.NoError(t, err)
	con.Configure(svc, nil, nil)
	t.Cleanup(svc.Close)
	return &env{t: t, svc: svc, con: con, h: con.Handler(), clk: clk, batch: fb}
}

func (e *env) create(name, def string) string {
	e.t.Helper()
	out, err := e.svc.CreateStateMachine(context.Background(), &api.CreateStateMachineInput{Name: &name, Definition: &def, RoleArn: ptr(role)})
	require.NoError(e.t, err)
	return out.StateMachineArn
}

// run starts an execution and, when wait is set, waits for its end.
func (e *env) run(smArn, name, input string, wait bool) string {
	e.t.Helper()
	out, err := e.svc.StartExecution(context.Background(), &api.StartExecutionInput{StateMachineArn: &smArn, Name: &name, Input: &input})
	require.NoError(e.t, err)
	if wait {
		r, ok := e.svc.ExecutionRun(out.ExecutionArn)
		require.True(e.t, ok)
		<-r.Done()
		e.svc.FlushObservers()
	}
	return out.ExecutionArn
}

func (e *env) get(path string) (int, string, http.Header) {
	e.t.Helper()
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Code, rec.Body.String(), rec.Header()
}

func (e *env) post(path string, form url.Values, origin string) *httptest.ResponseRecorder {
	e.t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

var statusRE = regexp.MustCompile(`data-state="([^"]+)" data-type="[^"]*" data-status="([^"]+)"`)

// statuses reads the graph's node statuses from a page.
func statusesOf(page string) map[string]string {
	out := map[string]string{}
	for _, m := range statusRE.FindAllStringSubmatch(page, -1) {
		out[m[1]] = m[2]
	}
	return out
}

const parallelCatch = `{"StartAt":"Prepare","States":{
 "Prepare":{"Type":"Pass","Next":"Fan"},
 "Fan":{"Type":"Parallel","Branches":[
   {"StartAt":"Greet","States":{"Greet":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"greet"},"End":true}}},
   {"StartAt":"Explode","States":{"Explode":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"boom-after-greet"},"End":true}}}],
  "Catch":[{"ErrorEquals":["States.ALL"],"Next":"Recover"}],"Next":"Done"},
 "Recover":{"Type":"Pass","Next":"Choose"},
 "Choose":{"Type":"Choice","Choices":[{"Variable":"$.Error","StringEquals":"Lambda.Unknown","Next":"Done"}],"Default":"Give up"},
 "Give up":{"Type":"Fail","Error":"Gave.Up","Cause":"no luck"},
 "Done":{"Type":"Succeed"}}}`

const failing = `{"StartAt":"Explode","States":{"Explode":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"boom"},"End":true}}}`

const waiting = `{"StartAt":"Hold","States":{"Hold":{"Type":"Wait","Seconds":3600,"Next":"After"},"After":{"Type":"Pass","End":true}}}`

const batchJob = `{"StartAt":"Job","States":{"Job":{"Type":"Task","Resource":"arn:aws:states:::batch:submitJob.sync","Parameters":{"JobName":"hello","JobQueue":"q","JobDefinition":"d"},"End":true}}}`

func TestExecutionPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	caught := e.run(e.create("catcher", parallelCatch), "caught", `{"n":1}`, true)
	failed := e.run(e.create("failer", failing), "failed", `{}`, true)
	job := e.run(e.create("batcher", batchJob), "job", `{}`, true)
	e.batch.set(batch.StatusSucceeded, "hello from the container")

	tests := []struct {
		name, arn  string
		want       map[string]string
		contains   []string
		notContain []string
	}{
		{name: "parallel with a catch", arn: caught, want: map[string]string{
			"Prepare": StatusSucceeded, "Fan": StatusCaughtError, "Greet": StatusSucceeded, "Explode": StatusFailed,
			"Recover": StatusSucceeded, "Choose": StatusSucceeded, "Give up": StatusNotRun, "Done": StatusSucceeded,
		}, contains: []string{`class="status SUCCEEDED" id="exec-status"`, `Catch States.ALL`, `$.Error == &#34;Lambda.Unknown&#34;`, `>Default<`,
			`data-type="TaskFailed" class="failing"`, `Lambda.Unknown: function boom failed`, `<td>ParallelStateFailed</td><td>Fan</td>`}},
		{name: "uncaught failure", arn: failed, want: map[string]string{"Explode": StatusFailed},
			contains: []string{`class="status FAILED" id="exec-status"`, `class="failing"`, `id="exec-error">Lambda.Unknown<`, `Redrive</button>`}},
		{name: "batch job", arn: job, want: map[string]string{"Job": StatusSucceeded}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, page, hdr := e.get("/ui/execution?arn=" + url.QueryEscape(tc.arn))
			require.Equal(t, http.StatusOK, code, page)
			require.Contains(t, hdr.Get("Content-Type"), "text/html")
			require.Equal(t, tc.want, statusesOf(page))
			require.NotContains(t, page, "data-live")
			for _, s := range tc.contains {
				require.Contains(t, page, s)
			}
			for _, s := range tc.notContain {
				require.NotContains(t, page, s)
			}
			// The history table lists every event, without JavaScript.
			run, _ := e.svc.ExecutionRun(tc.arn)
			require.Equal(t, len(run.History()), strings.Count(page, `<tr id="ev-`))
		})
	}

	t.Run("state panel", func(t *testing.T) {
		t.Parallel()
		code, panel, _ := e.get("/ui/state?arn=" + url.QueryEscape(caught) + "&state=Explode")
		require.Equal(t, http.StatusOK, code)
		require.Contains(t, panel, `data-panel-state="Explode" data-status="FAILED"`)
		require.Contains(t, panel, `<p class="error">Lambda.Unknown</p>`)
		require.Contains(t, panel, `function boom failed`)
		code, panel, _ = e.get("/ui/state?arn=" + url.QueryEscape(caught) + "&state=Greet")
		require.Equal(t, http.StatusOK, code)
		require.Contains(t, panel, `Lambda <code>greet</code> log tail`)
		require.Contains(t, panel, `hello from greet`)
		require.Contains(t, panel, `&#34;FunctionName&#34;: &#34;greet&#34;`)
		// The same panel is rendered in the page for ?state= (no JavaScript needed).
		_, page, _ := e.get("/ui/execution?arn=" + url.QueryEscape(caught) + "&state=Recover")
		require.Contains(t, page, `data-panel-state="Recover" data-status="SUCCEEDED"`)
	})
	t.Run("batch panel", func(t *testing.T) {
		t.Parallel()
		_, panel, _ := e.get("/ui/state?arn=" + url.QueryEscape(job) + "&state=Job")
		require.Contains(t, panel, `<code>job-1</code> <span class="status SUCCEEDED" id="job-status">`)
		require.Contains(t, panel, `<span class="line">hello from the container</span>`)
		require.NotContains(t, panel, "data-live")
	})
	t.Run("event", func(t *testing.T) {
		t.Parallel()
		code, page, _ := e.get("/ui/event?arn=" + url.QueryEscape(failed) + "&id=1")
		require.Equal(t, http.StatusOK, code)
		require.Contains(t, page, `&#34;type&#34;: &#34;ExecutionStarted&#34;`)
		code, _, _ = e.get("/ui/event?arn=" + url.QueryEscape(failed) + "&id=999")
		require.Equal(t, http.StatusNotFound, code)
	})
	t.Run("unknown and bad ARNs", func(t *testing.T) {
		t.Parallel()
		code, page, _ := e.get("/ui/execution?arn=" + url.QueryEscape("arn:aws:states:us-east-1:123456789012:execution:nope:x"))
		require.Equal(t, http.StatusNotFound, code)
		require.Contains(t, page, "Execution Does Not Exist")
		code, _, _ = e.get("/ui/execution?arn=%3Cscript%3E")
		require.Equal(t, http.StatusBadRequest, code)
		code, _, _ = e.get("/ui/statemachine?arn=")
		require.Equal(t, http.StatusBadRequest, code)
	})
}

func TestIndex(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sm := e.create("catcher", parallelCatch)
	e.run(sm, "ok-run", `{}`, true)
	e.run(e.create("failer", failing), "bad-run", `{}`, true)
	_, err := e.svc.PublishStateMachineVersion(context.Background(), &api.PublishStateMachineVersionInput{StateMachineArn: &sm})
	require.NoError(t, err)
	_, err = e.svc.CreateStateMachineAlias(context.Background(), &api.CreateStateMachineAliasInput{Name: ptr("prod"),
		RoutingConfiguration: []api.RoutingConfigurationListItem{{StateMachineVersionArn: ptr(sm + ":1"), Weight: ptr[int64](100)}}})
	require.NoError(t, err)

	tests := []struct {
		name, query    string
		want, dontWant []string
	}{
		{"all", "", []string{">catcher</a>", ">failer</a>", ">ok-run</a>", ">bad-run</a>", "<td>prod</td>", "<td>1</td>"}, nil},
		{"status filter", "?status=FAILED", []string{">bad-run</a>", "<option selected>FAILED</option>"}, []string{">ok-run</a>"}},
		{"search", "?q=ok", []string{">ok-run</a>"}, []string{">bad-run</a>"}},
		{"bad status is ignored", "?status=%3Cx%3E", []string{">ok-run</a>", ">bad-run</a>"}, []string{"<x>"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, page, _ := e.get("/ui/" + tc.query)
			require.Equal(t, http.StatusOK, code)
			for _, s := range tc.want {
				require.Contains(t, page, s)
			}
			for _, s := range tc.dontWant {
				require.NotContains(t, page, s)
			}
		})
	}
	t.Run("state machine page", func(t *testing.T) {
		t.Parallel()
		code, page, _ := e.get("/ui/statemachine?arn=" + url.QueryEscape(sm))
		require.Equal(t, http.StatusOK, code)
		for _, s := range []string{"Prepare", "Fan", "Greet", "Explode", "Recover", "Choose", "Give up", "Done"} {
			require.Contains(t, page, `data-state="`+s+`"`)
		}
		require.NotContains(t, page, `data-type="Pass" data-status`) // a definition, not an execution
		require.Contains(t, page, `action="/ui/start"`)
		require.Contains(t, page, `textarea name="input"`)
		require.Contains(t, page, ":stateMachine:catcher:1")
	})
	t.Run("assets", func(t *testing.T) {
		t.Parallel()
		for _, p := range []string{"/ui/assets/app.js", "/ui/assets/app.css"} {
			code, body, _ := e.get(p)
			require.Equal(t, http.StatusOK, code)
			require.NotEmpty(t, body)
			require.NotContains(t, body, "http://") // no asset from another host
			require.NotContains(t, body, "https://")
		}
	})
	t.Run("redirect without slash", func(t *testing.T) {
		t.Parallel()
		code, _, hdr := e.get("/ui")
		require.Equal(t, http.StatusFound, code)
		require.Equal(t, "/ui/", hdr.Get("Location"))
	})
}

func TestActions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	waitSM := e.create("waiter", waiting)
	failSM := e.create("failer", failing)

	t.Run("start", func(t *testing.T) {
		rec := e.post("/ui/start", url.Values{"stateMachineArn": {waitSM}, "name": {"from-ui"}, "input": {`{"a":1}`}}, "")
		require.Equal(t, http.StatusSeeOther, rec.Code)
		require.Equal(t, "/ui/execution?arn="+url.QueryEscape("arn:aws:states:us-east-1:123456789012:execution:waiter:from-ui"), rec.Header().Get("Location"))
		out, err := e.svc.DescribeExecution(context.Background(), &api.DescribeExecutionInput{ExecutionArn: ptr("arn:aws:states:us-east-1:123456789012:execution:waiter:from-ui")})
		require.NoError(t, err)
		require.Equal(t, `{"a":1}`, *out.Input)

		// The running execution's page streams; stop it.
		_, page, _ := e.get(rec.Header().Get("Location"))
		require.Contains(t, page, "data-live")
		require.Contains(t, page, `action="/ui/stop"`)
		rec = e.post("/ui/stop", url.Values{"executionArn": {out.ExecutionArn}}, "http://evil.test")
		require.Equal(t, http.StatusForbidden, rec.Code, "a cross-origin post is refused")
		req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:8083/ui/stop", strings.NewReader(url.Values{"executionArn": {out.ExecutionArn}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "http://127.0.0.1:8083")
		rec = httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		require.Equal(t, http.StatusSeeOther, rec.Code)
		require.NotContains(t, rec.Header().Get("Location"), "error=")
		out, err = e.svc.DescribeExecution(context.Background(), &api.DescribeExecutionInput{ExecutionArn: &out.ExecutionArn})
		require.NoError(t, err)
		require.Equal(t, "ABORTED", out.Status)
	})
	t.Run("start with bad input", func(t *testing.T) {
		rec := e.post("/ui/start", url.Values{"stateMachineArn": {waitSM}, "input": {`{"a":`}}, "")
		require.Equal(t, http.StatusSeeOther, rec.Code)
		loc := rec.Header().Get("Location")
		require.Contains(t, loc, "/ui/statemachine?")
		code, page, _ := e.get(loc)
		require.Equal(t, http.StatusOK, code)
		require.Contains(t, page, `id="action-error">InvalidExecutionInput`)
		require.Contains(t, page, `{&#34;a&#34;:</textarea>`, "the input is kept for fixing")
	})
	t.Run("redrive", func(t *testing.T) {
		arn := e.run(failSM, "to-redrive", `{}`, true)
		rec := e.post("/ui/redrive", url.Values{"executionArn": {arn}}, "")
		require.Equal(t, http.StatusSeeOther, rec.Code)
		require.NotContains(t, rec.Header().Get("Location"), "error=")
		run, _ := e.svc.ExecutionRun(arn)
		<-run.Done()
		out, err := e.svc.DescribeExecution(context.Background(), &api.DescribeExecutionInput{ExecutionArn: &arn})
		require.NoError(t, err)
		require.Equal(t, 1, out.RedriveCount)
		// Redriving a running or succeeded execution reports AWS's error on the page.
		ok := e.run(e.create("passer", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`), "fine", `{}`, true)
		rec = e.post("/ui/redrive", url.Values{"executionArn": {ok}}, "")
		require.Contains(t, rec.Header().Get("Location"), "error=ExecutionNotRedrivable")
	})
	t.Run("stop unknown", func(t *testing.T) {
		rec := e.post("/ui/stop", url.Values{"executionArn": {"nope"}}, "")
		require.Equal(t, http.StatusSeeOther, rec.Code)
		require.Contains(t, rec.Header().Get("Location"), "error=")
	})
}

func TestValidate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		name, def string
		want      []string
	}{
		{"valid", `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`, []string{`id="diagnostics">The definition is valid.`, `data-state="A"`}},
		{"missing next", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Nowhere"},"B":{"Type":"Succeed"}}}`,
			[]string{`<li class="ERROR">`, `<code>/States/A/Next</code>`, `class="node diag" data-state="A"`, `<circle class="badge"`}},
		{"not json", `{"StartAt":`, []string{`<li class="ERROR">`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := e.post("/ui/validate", url.Values{"definition": {tc.def}, "type": {"STANDARD"}}, "")
			require.Equal(t, http.StatusOK, rec.Code)
			for _, s := range tc.want {
				require.Contains(t, rec.Body.String(), s)
			}
		})
	}
	code, page, _ := e.get("/ui/validate")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, page, `textarea name="definition"`)
}

// readSSE reads events until one named stop, returning every event's data by name.
func readSSE(t *testing.T, r *bufio.Reader, stop string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	name, data := "", []string{}
	for {
		line, err := r.ReadString('\n')
		require.NoError(t, err)
		line = strings.TrimSuffix(line, "\n")
		switch {
		case strings.HasPrefix(line, "event: "):
			name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = append(data, strings.TrimPrefix(line, "data: "))
		case line == "":
			out[name] = append(out[name], strings.Join(data, "\n"))
			if name == stop {
				return out
			}
			name, data = "", nil
		}
	}
}

func TestStream(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	arn := e.run(e.create("waiter", waiting), "live", `{}`, false)
	e.clk.BlockUntil(1) // the Wait state's timer: Hold is running
	srv := httptest.NewServer(e.h)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/ui/stream?arn=" + url.QueryEscape(arn) + "&after=1")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	r := bufio.NewReader(resp.Body)
	first := readSSE(t, r, "exec")
	var states map[string]string
	require.NoError(t, json.Unmarshal([]byte(first["states"][0]), &states))
	require.Equal(t, map[string]string{"Hold": StatusRunning, "After": StatusNotRun}, states)
	require.Contains(t, first["rows"][0], `data-type="WaitStateEntered"`)
	require.NotContains(t, first["rows"][0], `data-type="ExecutionStarted"`, "after=1 skips the event the page shows")
	require.Equal(t, []string{"RUNNING"}, first["exec"])

	e.clk.Advance(time.Hour)
	rest := readSSE(t, r, "end")
	require.Equal(t, []string{"SUCCEEDED"}, rest["end"])
	var last map[string]string
	for _, s := range rest["states"] {
		require.NoError(t, json.Unmarshal([]byte(s), &last))
		for k, v := range last {
			states[k] = v
		}
	}
	require.Equal(t, map[string]string{"Hold": StatusSucceeded, "After": StatusSucceeded}, states)
	require.Contains(t, strings.Join(rest["rows"], ""), `data-type="ExecutionSucceeded"`)

	// A stream for an unknown execution is a 404.
	resp2, err := http.Get(srv.URL + "/ui/stream?arn=nope")
	require.NoError(t, err)
	resp2.Body.Close()
	require.Equal(t, http.StatusNotFound, resp2.StatusCode)
}

func TestJobLogs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.batch.set(batch.StatusRunning, "line one")
	srv := httptest.NewServer(e.h)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/ui/joblogs?job=job-1")
	require.NoError(t, err)
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	got := readSSE(t, r, "log")
	require.Equal(t, []string{"RUNNING"}, got["status"])
	require.Equal(t, []string{"line one"}, got["log"])
	e.batch.set(batch.StatusSucceeded, "line two")
	got = readSSE(t, r, "end")
	require.Equal(t, []string{"line two"}, got["log"])
	require.Equal(t, []string{"SUCCEEDED"}, got["end"])

	resp2, err := http.Get(srv.URL + "/ui/joblogs?job=unknown")
	require.NoError(t, err)
	resp2.Body.Close()
	require.Equal(t, http.StatusNotFound, resp2.StatusCode)
}

func TestWantsConsole(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, target, accept string
		want                         bool
	}{
		{"browser", http.MethodGet, "/", "text/html,application/xhtml+xml", true},
		{"curl", http.MethodGet, "/", "*/*", false},
		{"query API", http.MethodGet, "/?Action=ListQueues", "text/html", false},
		{"post", http.MethodPost, "/", "text/html", false},
		{"other path", http.MethodGet, "/2015-03-31/functions", "text/html", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(tc.method, tc.target, nil)
			r.Header.Set("Accept", tc.accept)
			require.Equal(t, tc.want, WantsConsole(r))
		})
	}
}
