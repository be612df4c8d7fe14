package interpreter

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// memJournal keeps journaled batches in memory.
type memJournal struct {
	mu      sync.Mutex
	batches [][]byte
}

func (j *memJournal) Append(_ string, _ int64, b []byte) error {
	j.mu.Lock()
	j.batches = append(j.batches, b)
	j.mu.Unlock()
	return nil
}

// snapshot is what a crash leaves: the batches durable so far.
func (j *memJournal) snapshot() [][]byte {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([][]byte(nil), j.batches...)
}

// crashAt returns a handler that does what work does for the first k-1 calls; at call k it
// sends what snapshot gives (what a crash at that point leaves durable) on the channel, and
// from call k on it blocks until its context ends, as a dead process does nothing more.
func crashAt[T any](k int, snapshot func() T, work func(*task.Request) (any, error)) (task.HandlerFunc, <-chan T) {
	var mu sync.Mutex
	n := 0
	crashed := make(chan T, 1)
	return func(ctx context.Context, r *task.Request) (any, error) {
		mu.Lock()
		n++
		me := n
		mu.Unlock()
		if me == k {
			crashed <- snapshot()
		}
		if me >= k {
			<-ctx.Done()
			return nil, ctx.Err()
		}
		return work(r)
	}, crashed
}

// TestResumeTaskInFlight: a Task whose service call was in flight when the process died runs
// again after Resume (at least once), except a Lambda invocation, which fails with
// Lambda.ServiceException so that the state's Retry decides; events before the crash keep
// their ids and the history goes on 1..N.
func TestResumeTaskInFlight(t *testing.T) {
	tests := []struct {
		name, service, resource string
		wantTypes               []string
	}{
		{name: "lambda cut off", service: "lambda", resource: "arn:aws:states:::lambda:invoke",
			wantTypes: []string{"ExecutionStarted", "PassStateEntered", "PassStateExited", "TaskStateEntered", "TaskScheduled", "TaskStarted",
				"TaskFailed", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"}},
		{name: "other service runs again", service: "sqs", resource: "arn:aws:states:::sqs:sendMessage",
			wantTypes: []string{"ExecutionStarted", "PassStateEntered", "PassStateExited", "TaskStateEntered", "TaskScheduled", "TaskStarted",
				"TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			def := `{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"n":1},"Next":"T"},
				"T":{"Type":"Task","Resource":"` + tc.resource + `","Retry":[{"ErrorEquals":["Lambda.ServiceException"],"IntervalSeconds":1,"MaxAttempts":2}],"End":true}}}`
			sm, err := Parse(def)
			require.NoError(t, err)
			base := clock.NewFake(epoch)
			j := &memJournal{}
			called := make(chan struct{})
			blocked := task.HandlerFunc(func(ctx context.Context, _ *task.Request) (any, error) {
				close(called)
				<-ctx.Done()
				return nil, ctx.Err()
			})
			e1 := NewEngine(Config{Clock: func() clock.Clock { return clock.NewInstant(base) }, Tasks: task.Registry{tc.service: blocked}, Logger: zaptest.NewLogger(t), Journal: j})
			p := StartParams{ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:sm:run", Name: "run",
				StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm", StateMachineName: "sm",
				RoleArn: "arn:aws:iam::123456789012:role/r", Input: `{}`}
			x1, err := e1.Start(sm, p)
			require.NoError(t, err)
			<-called
			journal := j.snapshot() // the crash
			start := x1.StartDate()
			e1.Close()

			calls := 0
			ok := task.HandlerFunc(func(context.Context, *task.Request) (any, error) {
				calls++
				return map[string]any{"ok": true}, nil
			})
			e2 := NewEngine(Config{Clock: func() clock.Clock { return clock.NewInstant(base) }, Tasks: task.Registry{tc.service: ok}, Logger: zaptest.NewLogger(t), Journal: &memJournal{}})
			t.Cleanup(e2.Close)
			x2, launch, err := e2.Resume(sm, ResumeParams{StartParams: p, Start: start, Journal: journal})
			require.NoError(t, err)
			launch()
			<-x2.Done()
			c, _ := x2.Cause()
			require.Equal(t, StatusSucceeded, x2.Status(), c)
			require.Equal(t, 1, calls)
			var types []string
			for i, ev := range x2.History() {
				require.Equal(t, int64(i+1), ev.ID)
				types = append(types, ev.Type)
			}
			require.Equal(t, tc.wantTypes, types)
			if tc.service == "lambda" {
				h := x2.History()
				require.Equal(t, errLambdaService, h[6].Details.Error)
			}
		})
	}
}

// TestResumeAtEveryEffect crashes a run at each of its service calls in turn (the journal as
// it was when the k-th call started is what survives), resumes it, and checks that it ends
// with the output and the events of an uninterrupted run, ids 1..N: Parallel branches, Map
// iterations, Waits and a retry all carry on from the journal.
func TestResumeAtEveryEffect(t *testing.T) {
	def := `{"StartAt":"A","States":{
	 "A":{"Type":"Pass","Result":{"n":7},"ResultPath":"$.a","Next":"Par"},
	 "Par":{"Type":"Parallel","Next":"Z","Branches":[
	  {"StartAt":"T1","States":{"T1":{"Type":"Task","Resource":"arn:aws:states:::work:go","Parameters":{"n":1},"Next":"W1"},"W1":{"Type":"Wait","Seconds":5,"End":true}}},
	  {"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":2,"End":true,
	    "ItemProcessor":{"StartAt":"X","States":{"X":{"Type":"Task","Resource":"arn:aws:states:::work:go","Parameters":{"n.$":"$"},"End":true}}}}}},
	  {"StartAt":"T2","States":{"T2":{"Type":"Task","Resource":"arn:aws:states:::work:go","Parameters":{"n":10,"flaky":true,"retry.$":"$$.State.RetryCount"},
	    "Retry":[{"ErrorEquals":["Flaky"],"IntervalSeconds":3,"MaxAttempts":2}],"End":true}}}]},
	 "Z":{"Type":"Task","Resource":"arn:aws:states:::work:go","Parameters":{"n":100},"End":true}}}`
	sm, err := Parse(def)
	require.NoError(t, err)
	p := StartParams{ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:sm:run", Name: "run",
		StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm", StateMachineName: "sm",
		RoleArn: "arn:aws:iam::123456789012:role/r", Input: `{"items":[1,2,3]}`}
	work := func(r *task.Request) (any, error) {
		m := r.Parameters.(interface{ Get(string) (any, bool) })
		n, _ := m.Get("n")
		if f, _ := m.Get("flaky"); f == true {
			if rc, _ := m.Get("retry"); fmt.Sprint(rc) == "0" {
				return nil, &task.Failure{Name: "Flaky", Cause: "first"}
			}
		}
		return map[string]any{"v": n}, nil
	}
	engine := func(h task.Handler, j Journal) *Engine {
		base := clock.NewFake(epoch)
		e := NewEngine(Config{Clock: func() clock.Clock { return clock.NewInstant(base) }, Tasks: task.Registry{"work": h}, Logger: zaptest.NewLogger(t), Journal: j})
		t.Cleanup(e.Close)
		return e
	}
	summary := func(x *Execution) (string, map[string]int) {
		out, _ := x.Output()
		counts := map[string]int{}
		for i, ev := range x.History() {
			require.Equal(t, int64(i+1), ev.ID)
			require.Less(t, ev.PreviousEventID, ev.ID)
			counts[ev.Type]++
		}
		return out, counts
	}
	var calls atomic.Int64 // the Map's and the Parallel's calls run at once
	ref := engine(task.HandlerFunc(func(_ context.Context, r *task.Request) (any, error) { calls.Add(1); return work(r) }), &memJournal{})
	x, err := ref.Start(sm, p)
	require.NoError(t, err)
	<-x.Done()
	c, _ := x.Cause()
	require.Equal(t, StatusSucceeded, x.Status(), c)
	wantOut, wantCounts := summary(x)

	for k := 1; k <= int(calls.Load()); k++ {
		t.Run(fmt.Sprint("crash at call ", k), func(t *testing.T) {
			j := &memJournal{}
			h, crashed := crashAt(k, j.snapshot, work)
			e1 := engine(h, j)
			x1, err := e1.Start(sm, p)
			require.NoError(t, err)
			journal := <-crashed
			e1.Close()

			e2 := engine(task.HandlerFunc(func(_ context.Context, r *task.Request) (any, error) { return work(r) }), &memJournal{})
			x2, launch, err := e2.Resume(sm, ResumeParams{StartParams: p, Start: x1.StartDate(), Journal: journal})
			require.NoError(t, err)
			launch()
			<-x2.Done()
			c, _ := x2.Cause()
			require.Equal(t, StatusSucceeded, x2.Status(), c)
			out, counts := summary(x2)
			require.JSONEq(t, wantOut, out)
			require.Equal(t, wantCounts, counts)
		})
	}
}
