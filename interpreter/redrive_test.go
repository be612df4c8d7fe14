package interpreter

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// gate is an integration whose calls fail with "Broken" while their key ("k") is broken; it
// counts calls per key and echoes its parameters.
type gate struct {
	mu     sync.Mutex
	broken map[string]bool
	calls  map[string]int
}

func newGate(broken ...string) *gate {
	g := &gate{broken: map[string]bool{}, calls: map[string]int{}}
	for _, k := range broken {
		g.broken[k] = true
	}
	return g
}

func (g *gate) invoke(_ context.Context, r *task.Request) (any, error) {
	p, _ := task.Object(r.Parameters)
	k, _ := p["k"].(string)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls[k]++
	if g.broken[k] {
		return nil, &task.Failure{Name: "Broken", Cause: k}
	}
	return p, nil
}

func (g *gate) fix() {
	g.mu.Lock()
	defer g.mu.Unlock()
	clear(g.broken)
}

func (g *gate) count(k string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls[k]
}

func (g *gate) registry() task.Registry { return task.Registry{"gate": task.HandlerFunc(g.invoke)} }

// since returns the "type name" of the events after the first n.
func since(x *Execution, n int) []string {
	var out []string
	for _, ev := range x.History()[n:] {
		s := ev.Type
		if ev.Name != "" {
			s += " " + ev.Name
		}
		out = append(out, s)
	}
	return out
}

const (
	taskChainDef = `{"StartAt":"P","States":{
		"P":{"Type":"Pass","Assign":{"x":7},"Next":"T"},
		"T":{"Type":"Task","Resource":"arn:aws:states:::gate:call","Parameters":{"k":"t","x.$":"$x","rc.$":"$$.Execution.RedriveCount","retry.$":"$$.State.RetryCount"},
			"Retry":[{"ErrorEquals":["Broken"],"MaxAttempts":1,"IntervalSeconds":1}],"ResultSelector":{"x.$":"$.x","rc.$":"$.rc","retry.$":"$.retry"},"Next":"E"},
		"E":{"Type":"Pass","Parameters":{"rt.$":"$$.Execution.RedriveTime"},"ResultPath":"$.meta","End":true}}}`
	parallelDef = `{"StartAt":"Par","States":{"Par":{"Type":"Parallel","End":true,"Branches":[
		{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::gate:call","Parameters":{"k":"a"},"End":true}}},
		{"StartAt":"B0","States":{"B0":{"Type":"Pass","Next":"B"},"B":{"Type":"Task","Resource":"arn:aws:states:::gate:call","Parameters":{"k":"b"},"End":true}}}]}}}`
	mapDefFmt = `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":%d,"End":true,
		"ItemProcessor":{"StartAt":"Pre","States":{"Pre":{"Type":"Pass","Next":"T"},
			"T":{"Type":"Task","Resource":"arn:aws:states:::gate:call","Parameters":{"k.$":"States.Format('m{}', $)"},"End":true}}}}}}`
)

func TestRedrive(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		def    string
		input  string
		broken []string
		// wantFirst are the event types of the first attempt; wantRedrive those from
		// ExecutionRedriven on (nil: not checked, for concurrent branches).
		wantFirst, wantRedrive []string
		wantOutput             string
		wantCalls              map[string]int // after the redrive
	}{
		{
			name: "task chain resumes at the failed task", def: taskChainDef, broken: []string{"t"},
			wantFirst: []string{"ExecutionStarted", "PassStateEntered P", "PassStateExited P", "TaskStateEntered T",
				"TaskScheduled", "TaskStarted", "TaskFailed", "TaskScheduled", "TaskStarted", "TaskFailed", "ExecutionFailed"},
			wantRedrive: []string{"ExecutionRedriven", "TaskStateEntered T", "TaskScheduled", "TaskStarted", "TaskSucceeded",
				"TaskStateExited T", "PassStateEntered E", "PassStateExited E", "ExecutionSucceeded"},
			// The variable assigned before the failure is kept, RetryCount starts again at
			// 0, RedriveCount is 1 and RedriveTime the redrive date.
			wantOutput: `{"rc":1,"retry":0,"x":7,"meta":{"rt":"RT"}}`,
			wantCalls:  map[string]int{"t": 3},
		},
		{
			name: "parallel re-runs only the failed branch", def: parallelDef, broken: []string{"b"},
			wantOutput: `[{"k":"a"},{"k":"b"}]`,
			wantCalls:  map[string]int{"a": 1, "b": 2},
		},
		{
			name: "sequential map re-runs failed and unstarted iterations", def: fmt.Sprintf(mapDefFmt, 1),
			input: `{"items":[1,2,3]}`, broken: []string{"m2"},
			wantFirst: []string{"ExecutionStarted", "MapStateEntered M", "MapStateStarted",
				"MapIterationStarted M", "PassStateEntered Pre", "PassStateExited Pre", "TaskStateEntered T", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited T", "MapIterationSucceeded M",
				"MapIterationStarted M", "PassStateEntered Pre", "PassStateExited Pre", "TaskStateEntered T", "TaskScheduled", "TaskStarted", "TaskFailed", "MapIterationFailed M",
				"TaskStateAborted", "MapStateFailed", "ExecutionFailed"},
			// Iteration 1 resumes at its failed Task (Pre is not run again); iteration 2
			// never started, so it runs from its start.
			wantRedrive: []string{"ExecutionRedriven", "MapStateEntered M", "MapStateStarted",
				"MapIterationStarted M", "TaskStateEntered T", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited T", "MapIterationSucceeded M",
				"MapIterationStarted M", "PassStateEntered Pre", "PassStateExited Pre", "TaskStateEntered T", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited T", "MapIterationSucceeded M",
				"MapStateSucceeded", "MapStateExited M", "ExecutionSucceeded"},
			wantOutput: `[{"k":"m1"},{"k":"m2"},{"k":"m3"}]`,
			wantCalls:  map[string]int{"m1": 1, "m2": 2, "m3": 1},
		},
		{
			// Nested: iteration 1 resumes at its Parallel, which re-runs only branch B.
			name: "parallel inside a map iteration", input: `{"items":["x","y"]}`, broken: []string{"b-y"},
			def: `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":1,"End":true,
				"ItemProcessor":{"StartAt":"Pre","States":{"Pre":{"Type":"Pass","Next":"Par"},"Par":{"Type":"Parallel","End":true,"Branches":[
					{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::gate:call","Parameters":{"k.$":"States.Format('a-{}', $)"},"End":true}}},
					{"StartAt":"B","States":{"B":{"Type":"Task","Resource":"arn:aws:states:::gate:call","Parameters":{"k.$":"States.Format('b-{}', $)"},"End":true}}}]}}}}}}`,
			wantOutput: `[[{"k":"a-x"},{"k":"b-x"}],[{"k":"a-y"},{"k":"b-y"}]]`,
			wantCalls:  map[string]int{"a-x": 1, "b-x": 1, "a-y": 1, "b-y": 2},
		},
		{
			name: "distributed map re-runs only failed child executions", input: `{"items":[1,2,3]}`, broken: []string{"m2"},
			def: `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","End":true,
				"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"T","States":{
					"T":{"Type":"Task","Resource":"arn:aws:states:::gate:call","Parameters":{"k.$":"States.Format('m{}', $)"},"End":true}}}}}}`,
			wantOutput: `[{"k":"m1"},{"k":"m2"},{"k":"m3"}]`,
			wantCalls:  map[string]int{"m1": 1, "m2": 2, "m3": 1},
		},
		{
			name: "concurrent map re-runs only failed iterations", def: fmt.Sprintf(mapDefFmt, 0),
			input: `{"items":[1,2,3,4]}`, broken: []string{"m3"},
			wantOutput: `[{"k":"m1"},{"k":"m2"},{"k":"m3"},{"k":"m4"}]`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := newGate(tc.broken...)
			e := instantEngine(t, g.registry())
			x := start(t, e, tc.def, tc.input)
			wait(t, x)
			require.Equal(t, StatusFailed, x.Status())
			if tc.wantFirst != nil {
				require.Equal(t, tc.wantFirst, since(x, 0))
			}
			ok, reason := x.RedriveStatus()
			require.True(t, ok, reason)
			first := len(x.History())
			before := map[string]int{}
			for k := range g.calls {
				before[k] = g.count(k)
			}

			g.fix()
			date, err := x.Redrive()
			require.NoError(t, err)
			wait(t, x)
			require.Equal(t, StatusSucceeded, x.Status())
			out, _ := x.Output()
			require.JSONEq(t, strings.ReplaceAll(tc.wantOutput, "RT", isoTime(date)), out)
			if tc.wantRedrive != nil {
				require.Equal(t, tc.wantRedrive, since(x, first))
			}
			for k, n := range tc.wantCalls {
				require.Equal(t, n, g.count(k), "calls of %s", k)
			}
			if tc.wantCalls == nil {
				// Concurrent: each iteration that succeeded first is not called again.
				for k, n := range before {
					if !strings.HasSuffix(k, tc.broken[0]) {
						require.Equal(t, n, g.count(k), "calls of %s", k)
					}
				}
			}

			// History: ids run on, ExecutionRedriven follows the last event, and the
			// re-run starts after it.
			h := x.History()
			for i, ev := range h {
				require.Equal(t, int64(i+1), ev.ID)
			}
			rd := h[first]
			require.Equal(t, EvExecutionRedriven, rd.Type)
			require.Equal(t, int64(first), rd.PreviousEventID)
			require.Equal(t, rd.ID, h[first+1].PreviousEventID)
			b, err := rd.MarshalJSON()
			require.NoError(t, err)
			require.Contains(t, string(b), `"executionRedrivenEventDetails":{"redriveCount":1}`)
			require.Equal(t, 1, x.RedriveCount())
			d, ok := x.RedriveDate()
			require.True(t, ok)
			require.Equal(t, date, d)
			ok, reason = x.RedriveStatus()
			require.False(t, ok)
			require.Equal(t, ReasonSucceeded, reason)
		})
	}
}

func TestRedriveTwiceAndAbort(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	held := make(chan struct{}, 1)
	g := newGate("t")
	tasks := g.registry()
	tasks["hold"] = task.HandlerFunc(func(ctx context.Context, r *task.Request) (any, error) {
		select {
		case held <- struct{}{}:
		default:
		}
		select {
		case <-release:
			return map[string]any{"held": true}, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	})
	e := instantEngine(t, tasks)
	x := start(t, e, `{"StartAt":"T","States":{
		"T":{"Type":"Task","Resource":"arn:aws:states:::gate:call","Parameters":{"k":"t","rc.$":"$$.Execution.RedriveCount"},"Next":"H"},
		"H":{"Type":"Task","Resource":"arn:aws:states:::hold:it","End":true}}}`, "")
	wait(t, x)
	require.Equal(t, StatusFailed, x.Status())
	// Still broken: the redrive fails again at T.
	_, err := x.Redrive()
	require.NoError(t, err)
	wait(t, x)
	require.Equal(t, StatusFailed, x.Status())
	require.Equal(t, 2, g.count("t"))

	// Fixed: the second redrive passes T and holds at H; stop it, then redrive a third time.
	g.fix()
	_, err = x.Redrive()
	require.NoError(t, err)
	ok, reason := x.RedriveStatus()
	require.False(t, ok)
	require.Equal(t, ReasonRunning, reason)
	_, err = x.Redrive()
	require.ErrorIs(t, err, ErrNotRedrivable)
	<-held
	require.NoError(t, x.Stop("Halt", "by test"))
	require.Equal(t, StatusAborted, x.Status())
	close(release)
	_, err = x.Redrive()
	require.NoError(t, err)
	wait(t, x)
	require.Equal(t, StatusSucceeded, x.Status())
	require.Equal(t, 3, x.RedriveCount())
	require.Equal(t, 3, g.count("t"), "T succeeded in the second redrive and is not run again")
	var counts []string
	for _, ev := range x.History() {
		if ev.Type == EvExecutionRedriven {
			b, err := ev.MarshalJSON()
			require.NoError(t, err)
			counts = append(counts, string(b[strings.Index(string(b), `"executionRedrivenEventDetails"`):]))
		}
	}
	require.Equal(t, []string{
		`"executionRedrivenEventDetails":{"redriveCount":1}}`,
		`"executionRedrivenEventDetails":{"redriveCount":2}}`,
		`"executionRedrivenEventDetails":{"redriveCount":3}}`,
	}, counts)
	out, _ := x.Output()
	require.JSONEq(t, `{"held":true}`, out)
}

func TestNotRedrivable(t *testing.T) {
	t.Parallel()
	failDef := `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E"}}}`
	tests := []struct {
		name    string
		def     string
		express bool
		after   time.Duration // fake time passed after the end
		maxEv   int
		want    string
	}{
		{name: "succeeded", def: `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`, want: ReasonSucceeded},
		{name: "express", def: failDef, express: true, want: ReasonExpress},
		{name: "within 14 days", def: failDef, after: 14 * 24 * time.Hour},
		{name: "redrivable period exceeded", def: failDef, after: 14*24*time.Hour + time.Second, want: ReasonPeriod},
		{name: "history limit", def: `{"StartAt":"L","States":{"L":{"Type":"Pass","Next":"C"},"C":{"Type":"Choice","Choices":[{"Variable":"$.stop","IsPresent":true,"Next":"D"}],"Default":"L"},"D":{"Type":"Succeed"}}}`, maxEv: 20, want: ReasonHistory},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake := clock.NewFake(epoch)
			e := NewEngine(Config{Clock: func() clock.Clock { return fake }, Logger: zaptest.NewLogger(t), MaxHistoryEvents: tc.maxEv})
			t.Cleanup(e.Close)
			sm, err := Parse(tc.def)
			require.NoError(t, err)
			x, err := e.Start(sm, StartParams{ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:sm:x", Name: "x", Express: tc.express})
			require.NoError(t, err)
			wait(t, x)
			fake.Advance(tc.after)
			ok, reason := x.RedriveStatus()
			require.Equal(t, tc.want, reason)
			require.Equal(t, tc.want == "", ok)
			if tc.want == "" {
				return
			}
			n := len(x.History())
			_, err = x.Redrive()
			var nr *NotRedrivableError
			require.True(t, errors.As(err, &nr))
			require.Equal(t, tc.want, nr.Reason)
			require.Len(t, x.History(), n, "a refused redrive records nothing")
		})
	}
}

func BenchmarkRedrive(b *testing.B) {
	g := newGate("m50")
	e := NewEngine(Config{Tasks: g.registry(), Clock: func() clock.Clock { return clock.NewInstant(clock.NewFake(epoch)) }})
	b.Cleanup(e.Close)
	items := make([]string, 100)
	for i := range items {
		items[i] = fmt.Sprint(i)
	}
	sm, err := Parse(fmt.Sprintf(mapDefFmt, 0))
	require.NoError(b, err)
	input := `{"items":[` + strings.Join(items, ",") + `]}`
	b.ReportAllocs()
	for b.Loop() {
		x, err := e.Start(sm, StartParams{ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:sm:b", Input: input})
		require.NoError(b, err)
		<-x.Done()
		if _, err := x.Redrive(); err != nil {
			b.Fatal(err)
		}
		<-x.Done()
		if x.Status() != StatusFailed {
			b.Fatal(x.Status())
		}
	}
}

// TestRedriveTimedOut redrives an execution that hit its TimeoutSeconds: the re-run gets the
// timeout afresh and starts again at the Task that was running.
func TestRedriveTimedOut(t *testing.T) {
	t.Parallel()
	var released atomic.Bool
	tasks := task.Registry{"slow": task.HandlerFunc(func(ctx context.Context, _ *task.Request) (any, error) {
		if released.Load() {
			return map[string]any{"done": true}, nil
		}
		<-ctx.Done()
		return nil, ctx.Err()
	})}
	fake := clock.NewFake(epoch)
	e := NewEngine(Config{Clock: func() clock.Clock { return fake }, Tasks: tasks, Logger: zaptest.NewLogger(t)})
	t.Cleanup(e.Close)
	sm, err := Parse(`{"TimeoutSeconds":10,"StartAt":"P","States":{"P":{"Type":"Pass","Next":"S"},
		"S":{"Type":"Task","Resource":"arn:aws:states:::slow:go","End":true}}}`)
	require.NoError(t, err)
	x, err := e.Start(sm, StartParams{ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:sm:slow"})
	require.NoError(t, err)
	fake.BlockUntil(1)
	fake.Advance(10 * time.Second)
	wait(t, x)
	require.Equal(t, StatusTimedOut, x.Status())
	first := len(x.History())

	released.Store(true)
	_, err = x.Redrive()
	require.NoError(t, err)
	wait(t, x)
	require.Equal(t, StatusSucceeded, x.Status())
	require.Equal(t, []string{"ExecutionRedriven", "TaskStateEntered S", "TaskScheduled", "TaskStarted", "TaskSucceeded",
		"TaskStateExited S", "ExecutionSucceeded"}, since(x, first))
}
