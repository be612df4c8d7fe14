package interpreter

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/value"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// memStore is a JournalStore in memory: journals by key, and marks.
type memStore struct {
	mu       sync.Mutex
	journals map[string][][]byte
	marks    map[string]map[string][]byte
}

func newMemStore() *memStore {
	return &memStore{journals: map[string][][]byte{}, marks: map[string]map[string][]byte{}}
}

func (m *memStore) Append(key string, _ int64, b []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.journals[key] = append(m.journals[key], b)
	return nil
}

func (m *memStore) Journal(key string) ([][]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([][]byte(nil), m.journals[key]...), nil
}

func (m *memStore) Mark(key, name string, v []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.marks[key] == nil {
		m.marks[key] = map[string][]byte{}
	}
	m.marks[key][name] = v
	return nil
}

func (m *memStore) Marks(key string) (map[string][]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.marks[key]), nil
}

// snapshot is what a crash leaves: a copy of everything durable so far.
func (m *memStore) snapshot() *memStore {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := newMemStore()
	for k, v := range m.journals {
		s.journals[k] = append([][]byte(nil), v...)
	}
	for k, v := range m.marks {
		s.marks[k] = maps.Clone(v)
	}
	return s
}

var _ JournalStore = (*memStore)(nil)

// TestResumeDistributedMap crashes a run with a Distributed Map at each of its children's
// service calls in turn, resumes it from what was durable, and checks that it ends as an
// uninterrupted run does (output or error, the parent's events, ids 1..N), that the Map Run
// keeps its ARN, that every child keeps its ARN, and that no child's finished state runs
// again: the resumed process makes exactly the calls the crashed one had not finished.
func TestResumeDistributedMap(t *testing.T) {
	processor := `"StartAt":"T","States":{
	  "T":{"Type":"Task","Resource":"arn:aws:states:::work:go","Parameters":{"n.$":"$.n","step":1},"Next":"W"},
	  "W":{"Type":"Wait","Seconds":2,"Next":"U"},
	  "U":{"Type":"Task","Resource":"arn:aws:states:::work:go","Parameters":{"n.$":"$.n","step":2},"End":true}}`
	tests := []struct {
		name, extra, input string
		express            bool
		wantStatus         string
	}{
		{name: "all succeed", extra: `"ItemsPath":"$.items","MaxConcurrency":2,`,
			input: `{"items":[{"n":0},{"n":1},{"n":2},{"n":3},{"n":4}]}`, wantStatus: StatusSucceeded},
		{name: "express children", extra: `"ItemsPath":"$.items","MaxConcurrency":3,`, express: true,
			input: `{"items":[{"n":0},{"n":1},{"n":2},{"n":3}]}`, wantStatus: StatusSucceeded},
		{name: "tolerated failures exceeded", extra: `"ItemsPath":"$.items","MaxConcurrency":1,"ToleratedFailureCount":1,`,
			input: `{"items":[{"n":0},{"n":-1},{"n":2},{"n":-3},{"n":4}]}`, wantStatus: StatusFailed},
		{name: "first failure without tolerance", extra: `"ItemsPath":"$.items","MaxConcurrency":2,`,
			input: `{"items":[{"n":0},{"n":1},{"n":-2},{"n":3}]}`, wantStatus: StatusFailed},
	}
	work := func(r *task.Request) (any, error) {
		m, _ := value.AsMap(r.Parameters)
		n := fmt.Sprint(m["n"])
		if strings.HasPrefix(n, "-") && fmt.Sprint(m["step"]) == "2" {
			return nil, &task.Failure{Name: "Bad", Cause: "item " + n}
		}
		return value.ObjectOf("n", m["n"], "step", m["step"]), nil
	}
	p := StartParams{ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:sm:run", Name: "run",
		StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm", StateMachineName: "sm",
		RoleArn: "arn:aws:iam::123456789012:role/r"}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			def := distMap(tc.extra, processor)
			if tc.express {
				def = strings.Replace(def, `"ExecutionType":"STANDARD"`, `"ExecutionType":"EXPRESS"`, 1)
			}
			sm, err := Parse(def)
			require.NoError(t, err)
			p := p
			p.Input = tc.input
			engine := func(h task.Handler, j Journal) *Engine {
				base := clock.NewFake(epoch)
				e := NewEngine(Config{Clock: func() clock.Clock { return clock.NewInstant(base) }, Tasks: task.Registry{"work": h}, Logger: zaptest.NewLogger(t), Journal: j})
				t.Cleanup(e.Close)
				return e
			}
			type summary struct {
				status, out, errName, cause string
				types                       []string
			}
			sum := func(x *Execution) summary {
				s := summary{status: x.Status()}
				s.out, _ = x.Output()
				s.errName, _ = x.Error()
				s.cause, _ = x.Cause()
				for i, ev := range x.History() {
					require.Equal(t, int64(i+1), ev.ID)
					s.types = append(s.types, ev.Type)
				}
				return s
			}
			var calls atomic.Int64
			ref := engine(task.HandlerFunc(func(_ context.Context, r *task.Request) (any, error) { calls.Add(1); return work(r) }), newMemStore())
			x, err := ref.Start(sm, p)
			require.NoError(t, err)
			<-x.Done()
			want := sum(x)
			require.Equal(t, tc.wantStatus, want.status, want.cause)
			total := int(calls.Load())

			for k := 1; k <= total; k++ {
				t.Run(fmt.Sprint("crash at call ", k), func(t *testing.T) {
					j := newMemStore()
					h, crashed := crashAt(k, j.snapshot, work)
					e1 := engine(h, j)
					x1, err := e1.Start(sm, p)
					require.NoError(t, err)
					durable := <-crashed
					runs1 := e1.MapRuns(p.ExecutionArn)
					require.Len(t, runs1, 1)
					kids1, _ := e1.MapRunExecutions(runs1[0].Arn)
					e1.Close()
					recorded := 0
					for key := range durable.journals {
						if strings.HasPrefix(key, JournalKey(p.ExecutionArn, "")) {
							for _, ev := range journaledEvents(t, durable, key) {
								if ev.Type == EvTaskSucceeded || ev.Type == EvTaskFailed {
									recorded++
								}
							}
						}
					}
					journaled := map[string][]Event{}
					for _, c := range kids1 {
						key := JournalKey(p.ExecutionArn, c.p.ExecutionArn)
						journaled[key] = journaledEvents(t, durable, key)
					}

					var again atomic.Int64
					e2 := engine(task.HandlerFunc(func(_ context.Context, r *task.Request) (any, error) { again.Add(1); return work(r) }), durable)
					journal, _ := durable.Journal(p.ExecutionArn)
					x2, launch, err := e2.Resume(sm, ResumeParams{StartParams: p, Start: x1.StartDate(), Journal: journal})
					require.NoError(t, err)
					launch()
					<-x2.Done()
					got := sum(x2)
					require.Equal(t, want, got)
					// A call whose outcome was durable does not run again; the others do
					// (at least once).
					require.Equal(t, int64(total-recorded), again.Load())

					runs2 := e2.MapRuns(p.ExecutionArn)
					require.Len(t, runs2, 1)
					require.Equal(t, runs1[0].Arn, runs2[0].Arn)
					require.Equal(t, runs1[0].StartDate, runs2[0].StartDate)
					for _, ev := range x2.History() {
						if ev.Type == EvMapRunStarted {
							require.Equal(t, runs1[0].Arn, ev.Details.MapRunArn)
						}
					}
					kids2, _ := e2.MapRunExecutions(runs2[0].Arn)
					byArn := map[string]*Execution{}
					for _, c := range kids2 {
						byArn[c.p.ExecutionArn] = c
					}
					for _, c := range kids1 {
						c2, ok := byArn[c.p.ExecutionArn]
						require.True(t, ok, "child %s is kept", c.p.ExecutionArn)
						require.Equal(t, c.StartDate(), c2.StartDate())
						h2 := c2.History()
						for i, ev := range h2 {
							require.Equal(t, int64(i+1), ev.ID)
						}
						// What the child had journaled stays as it was: the same events,
						// with the same ids and times.
						rec := journaled[JournalKey(p.ExecutionArn, c.p.ExecutionArn)]
						require.LessOrEqual(t, len(rec), len(h2)-1)
						for i, ev := range rec {
							require.Equal(t, ev.Type, h2[i+1].Type)
							require.Equal(t, ev.Timestamp, h2[i+1].Timestamp)
						}
						if len(rec) > 0 && endStatus(rec[len(rec)-1].Type) != "" {
							require.Len(t, h2, len(rec)+1, "a child that had ended has no new events")
						}
					}
					if tc.wantStatus == StatusSucceeded {
						info, _ := e2.MapRun(runs2[0].Arn)
						require.Equal(t, MapRunSucceeded, info.Status)
						require.Equal(t, int64(len(kids2)), info.ExecutionCounts.Succeeded)
					}
				})
			}
		})
	}
}

// TestResumeMapRunSettings: UpdateMapRun's settings are journaled and a recovered Map Run
// has them.
func TestResumeMapRunSettings(t *testing.T) {
	def := distMap(`"ItemsPath":"$.items","MaxConcurrency":1,`,
		`"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::work:go","End":true}}`)
	sm, err := Parse(def)
	require.NoError(t, err)
	p := StartParams{ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:sm:run", Name: "run",
		StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm", StateMachineName: "sm",
		Input: `{"items":[1,2,3]}`}
	j := newMemStore()
	started := make(chan struct{}, 3)
	e1 := NewEngine(Config{Clock: func() clock.Clock { return clock.NewInstant(clock.NewFake(epoch)) }, Logger: zaptest.NewLogger(t), Journal: j,
		Tasks: task.Registry{"work": task.HandlerFunc(func(ctx context.Context, _ *task.Request) (any, error) {
			started <- struct{}{}
			<-ctx.Done()
			return nil, ctx.Err()
		})}})
	x1, err := e1.Start(sm, p)
	require.NoError(t, err)
	<-started
	runs := e1.MapRuns(p.ExecutionArn)
	require.Len(t, runs, 1)
	mc, tc, tp := int64(3), int64(2), 50.0
	require.NoError(t, e1.UpdateMapRun(runs[0].Arn, MapRunUpdate{MaxConcurrency: &mc, ToleratedFailureCount: &tc, ToleratedFailurePercentage: &tp}))
	durable := j.snapshot()
	e1.Close()

	e2 := NewEngine(Config{Clock: func() clock.Clock { return clock.NewInstant(clock.NewFake(epoch)) }, Logger: zaptest.NewLogger(t), Journal: durable,
		Tasks: task.Registry{"work": task.HandlerFunc(func(context.Context, *task.Request) (any, error) { return "ok", nil })}})
	t.Cleanup(e2.Close)
	journal, _ := durable.Journal(p.ExecutionArn)
	x2, launch, err := e2.Resume(sm, ResumeParams{StartParams: p, Start: x1.StartDate(), Journal: journal})
	require.NoError(t, err)
	launch()
	<-x2.Done()
	require.Equal(t, StatusSucceeded, x2.Status())
	info, ok := e2.MapRun(runs[0].Arn)
	require.True(t, ok)
	require.Equal(t, int64(3), info.MaxConcurrency)
	require.Equal(t, int64(2), info.ToleratedFailureCount)
	require.Equal(t, 50.0, info.ToleratedFailurePercentage)
}

// TestResumeHeartbeat: a task's heartbeat timeout runs, after a recovery, from its last
// heartbeat before the crash (or from when it began to wait), on the server's clock, the
// time the process was down included.
func TestResumeHeartbeat(t *testing.T) {
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::work:go.waitForTaskToken",
	  "Parameters":{"token.$":"$$.Task.Token"},"HeartbeatSeconds":10,"End":true}}}`
	sm, err := Parse(def)
	require.NoError(t, err)
	p := StartParams{ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:sm:run", Name: "run",
		StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm", StateMachineName: "sm", Input: `{}`}
	tests := []struct {
		name      string
		beatAt    time.Duration // 0: no heartbeat
		restartAt time.Duration // when the new process starts
		timesOut  time.Duration // when the task must time out
	}{
		{name: "from the last heartbeat", beatAt: 6 * time.Second, restartAt: 11 * time.Second, timesOut: 16 * time.Second},
		{name: "from the wait's start", restartAt: 4 * time.Second, timesOut: 10 * time.Second},
		{name: "expired while down", beatAt: 2 * time.Second, restartAt: 15 * time.Second, timesOut: 15 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base := clock.NewFake(epoch)
			j := newMemStore()
			tokens := make(chan string, 1)
			e1 := NewEngine(Config{Clock: func() clock.Clock { return base }, Logger: zaptest.NewLogger(t), Journal: j,
				Tasks: task.Registry{"work": task.HandlerFunc(func(_ context.Context, r *task.Request) (any, error) {
					m, _ := value.AsMap(r.Parameters)
					tokens <- m["token"].(string)
					return nil, nil
				})}})
			x1, err := e1.Start(sm, p)
			require.NoError(t, err)
			token := <-tokens
			base.BlockUntil(1) // waiting, its heartbeat timer armed
			if tc.beatAt > 0 {
				base.Advance(tc.beatAt)
				require.NoError(t, e1.SendTaskHeartbeat(token))
			}
			x1.Sync()
			durable := j.snapshot()
			e1.Close()
			// The new process's clock, which has gone on meanwhile.
			base = clock.NewFake(epoch.Add(tc.restartAt))

			e2 := NewEngine(Config{Clock: func() clock.Clock { return base }, Logger: zaptest.NewLogger(t), Journal: durable,
				Tasks: task.Registry{"work": task.HandlerFunc(func(context.Context, *task.Request) (any, error) { return nil, nil })}})
			t.Cleanup(e2.Close)
			journal, _ := durable.Journal(p.ExecutionArn)
			x2, launch, err := e2.Resume(sm, ResumeParams{StartParams: p, Start: x1.StartDate(), Journal: journal})
			require.NoError(t, err)
			launch()
			base.BlockUntil(1)                       // waiting again, its heartbeat timer armed
			base.Advance(tc.timesOut - tc.restartAt) // the timeout's time is checked below
			select {
			case <-x2.Done():
			case <-time.After(10 * time.Second):
				for _, ev := range x2.History() {
					t.Log(ev.ID, ev.Type, ev.Timestamp)
				}
				t.Log(base.Now(), base.Pending())
				t.Fatal("the task did not time out")
			}
			require.Equal(t, StatusFailed, x2.Status())
			h := x2.History()
			var timedOut *Event
			for i := range h {
				if h[i].Type == EvTaskTimedOut {
					timedOut = &h[i]
				}
			}
			require.NotNil(t, timedOut)
			require.Equal(t, epoch.Add(tc.timesOut), timedOut.Timestamp)
		})
	}
}

// journaledEvents decodes the events journaled under key.
func journaledEvents(t *testing.T, s *memStore, key string) []Event {
	t.Helper()
	batches, err := s.Journal(key)
	require.NoError(t, err)
	var out []Event
	for _, b := range batches {
		var jb journalBatch
		require.NoError(t, json.Unmarshal(b, &jb))
		evs, err := DecodeHistory(jb.History)
		require.NoError(t, err)
		out = append(out, evs...)
	}
	return out
}

// TestRedriveAcrossRestarts: a run that did not succeed (failed, stopped, timed out) leaves
// its checkpoint in the journal. After a restart it is restored from the journal without
// running anything and redriven, ending as a redrive of the original does; and a redriven run
// that crashes at any of its service calls resumes from the journal (its redrive from the
// journaled checkpoint, its own events replayed) and ends the same, ids 1..N.
func TestRedriveAcrossRestarts(t *testing.T) {
	def := `{"StartAt":"A","QueryLanguage":"JSONPath","States":{
	 "A":{"Type":"Pass","Result":{"n":7},"ResultPath":"$.a","Assign":{"seen":"a"},"Next":"Par"},
	 "Par":{"Type":"Parallel","ResultPath":"$.par","Next":"Z","Branches":[
	  {"StartAt":"T1","States":{"T1":{"Type":"Task","Resource":"arn:aws:states:::work:go","Parameters":{"n":1,"seen.$":"$seen"},"End":true}}},
	  {"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":1,"End":true,
	    "ItemProcessor":{"StartAt":"X","States":{"X":{"Type":"Task","Resource":"arn:aws:states:::work:go","Parameters":{"n.$":"$","seen.$":"$seen"},"End":true}}}}}}]},
	 "Z":{"Type":"Task","Resource":"arn:aws:states:::work:go","Parameters":{"n":100,"seen.$":"$seen"},"End":true}}}`
	sm, err := Parse(def)
	require.NoError(t, err)
	p := StartParams{ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:sm:run", Name: "run",
		StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm", StateMachineName: "sm",
		RoleArn: "arn:aws:iam::123456789012:role/r", Input: `{"items":[1,2,3]}`}
	ok := func(r *task.Request) (any, error) {
		m, _ := value.AsMap(r.Parameters)
		return value.ObjectOf("v", m["n"], "seen", m["seen"]), nil
	}
	// The first run's failure: item 2 of the Map fails.
	failing := func(_ context.Context, r *task.Request) (any, error) {
		m, _ := value.AsMap(r.Parameters)
		if fmt.Sprint(m["n"]) == "2" {
			return nil, &task.Failure{Name: "Bad", Cause: "item 2"}
		}
		return ok(r)
	}
	// blocked makes the first run wait at item 2 (to stop it there).
	atItem2 := make(chan struct{}, 1)
	blocked := func(ctx context.Context, r *task.Request) (any, error) {
		m, _ := value.AsMap(r.Parameters)
		if fmt.Sprint(m["n"]) == "2" {
			atItem2 <- struct{}{}
			<-ctx.Done()
			return nil, ctx.Err()
		}
		return ok(r)
	}
	engine := func(base *clock.Fake, h task.HandlerFunc, j Journal) *Engine {
		e := NewEngine(Config{Clock: func() clock.Clock { return clock.NewInstant(base) }, Tasks: task.Registry{"work": h}, Logger: zaptest.NewLogger(t), Journal: j})
		t.Cleanup(e.Close)
		return e
	}
	type summary struct {
		status, out string
		types       []string
	}
	sum := func(x *Execution) summary {
		s := summary{status: x.Status()}
		s.out, _ = x.Output()
		for i, ev := range x.History() {
			require.Equal(t, int64(i+1), ev.ID)
			require.Less(t, ev.PreviousEventID, ev.ID)
			s.types = append(s.types, ev.Type)
		}
		return s
	}
	tests := []struct {
		name       string
		first      task.HandlerFunc
		end        func(x *Execution) // ends the first run
		wantStatus string
	}{
		{name: "failed", first: failing, end: func(*Execution) {}, wantStatus: StatusFailed},
		{name: "aborted", first: blocked, end: func(x *Execution) { require.NoError(t, x.Stop("Stopped", "by hand")) }, wantStatus: StatusAborted},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// The first run, on a journal; then its redrive in the same process: the reference.
			base := clock.NewFake(epoch)
			j := newMemStore()
			e1 := engine(base, tc.first, j)
			x1, err := e1.Start(sm, p)
			require.NoError(t, err)
			if tc.wantStatus == StatusAborted {
				<-atItem2
			}
			tc.end(x1)
			<-x1.Done()
			require.Equal(t, tc.wantStatus, x1.Status())
			ended := j.snapshot()
			firstEvents := len(x1.History())

			refEngine := engine(clock.NewFake(epoch), func(_ context.Context, r *task.Request) (any, error) { return ok(r) }, newMemStore())
			ref, err := refEngine.Restore(sm, ResumeParams{StartParams: p, Start: x1.StartDate(), Journal: mustJournal(t, ended, p.ExecutionArn)})
			require.NoError(t, err)
			require.Equal(t, tc.wantStatus, ref.Status())
			require.Len(t, ref.History(), firstEvents, "restored without running anything")
			redrivable, reason := ref.RedriveStatus()
			require.True(t, redrivable, reason)
			_, err = ref.Redrive()
			require.NoError(t, err)
			<-ref.Done()
			want := sum(ref)
			require.Equal(t, StatusSucceeded, want.status)
			// The redrive re-ran only what had not succeeded, with the variables of the
			// checkpoint ($seen); T1 and the other items kept their results.
			require.JSONEq(t, `{"v":100,"seen":"a"}`, want.out)
			require.Equal(t, 1, countType(want.types, EvExecutionRedriven))
			// Each of the five Tasks (T1, three items, Z) succeeded once: before the
			// redrive, or in it.
			require.Equal(t, 5, countType(want.types, EvTaskSucceeded))

			// The same redrive, crashed at each of its calls in turn and resumed.
			var calls atomic.Int64
			counter := engine(clock.NewFake(epoch), func(_ context.Context, r *task.Request) (any, error) { calls.Add(1); return ok(r) }, newMemStore())
			cx, err := counter.Restore(sm, ResumeParams{StartParams: p, Start: x1.StartDate(), Journal: mustJournal(t, ended, p.ExecutionArn)})
			require.NoError(t, err)
			_, err = cx.Redrive()
			require.NoError(t, err)
			<-cx.Done()
			total := int(calls.Load())
			require.Positive(t, total)
			for k := 1; k <= total; k++ {
				t.Run(fmt.Sprint("crash at call ", k), func(t *testing.T) {
					js := ended.snapshot()
					h, crashed := crashAt(k, js.snapshot, ok)
					e2 := engine(clock.NewFake(epoch), h, js)
					x2, err := e2.Restore(sm, ResumeParams{StartParams: p, Start: x1.StartDate(), Journal: mustJournal(t, js, p.ExecutionArn)})
					require.NoError(t, err)
					_, err = x2.Redrive()
					require.NoError(t, err)
					durable := <-crashed
					e2.Close()

					e3 := engine(clock.NewFake(epoch), func(_ context.Context, r *task.Request) (any, error) { return ok(r) }, durable)
					x3, launch, err := e3.Resume(sm, ResumeParams{StartParams: p, Start: x1.StartDate(), Journal: mustJournal(t, durable, p.ExecutionArn)})
					require.NoError(t, err)
					launch()
					<-x3.Done()
					require.Equal(t, want, sum(x3))
					require.Equal(t, 1, x3.RedriveCount())
				})
			}
		})
	}
}

func mustJournal(t *testing.T, s *memStore, key string) [][]byte {
	t.Helper()
	b, err := s.Journal(key)
	require.NoError(t, err)
	return b
}

func countType(types []string, typ string) int {
	n := 0
	for _, t := range types {
		if t == typ {
			n++
		}
	}
	return n
}

// TestRebuildDistributedMapForRedrive: an execution whose Distributed Map failed before a
// restart is rebuilt from its journal (its children from theirs, without running anything)
// and redriven after it: only the failed child runs again, redriven under its ARN, and the
// Map Run is the same.
func TestRebuildDistributedMapForRedrive(t *testing.T) {
	def := distMap(`"ItemsPath":"$.items","MaxConcurrency":1,`,
		`"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::work:go","Parameters":{"n.$":"$"},"End":true}}`)
	sm, err := Parse(def)
	require.NoError(t, err)
	p := StartParams{ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:sm:run", Name: "run",
		StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm", StateMachineName: "sm",
		Input: `{"items":[1,2,3]}`}
	var calls []string
	var mu sync.Mutex
	handler := func(fail bool) task.HandlerFunc {
		return func(_ context.Context, r *task.Request) (any, error) {
			m, _ := value.AsMap(r.Parameters)
			n := fmt.Sprint(m["n"])
			mu.Lock()
			calls = append(calls, n)
			mu.Unlock()
			if fail && n == "2" {
				return nil, &task.Failure{Name: "Bad", Cause: "item 2"}
			}
			return value.ObjectOf("v", m["n"]), nil
		}
	}
	j := newMemStore()
	e1 := NewEngine(Config{Clock: func() clock.Clock { return clock.NewInstant(clock.NewFake(epoch)) }, Logger: zaptest.NewLogger(t), Journal: j,
		Tasks: task.Registry{"work": handler(true)}})
	x1, err := e1.Start(sm, p)
	require.NoError(t, err)
	<-x1.Done()
	require.Equal(t, StatusFailed, x1.Status())
	runs := e1.MapRuns(p.ExecutionArn)
	kids1, _ := e1.MapRunExecutions(runs[0].Arn)
	durable := j.snapshot()
	e1.Close()
	require.Equal(t, []string{"1", "2"}, calls)

	calls = nil
	e2 := NewEngine(Config{Clock: func() clock.Clock { return clock.NewInstant(clock.NewFake(epoch)) }, Logger: zaptest.NewLogger(t), Journal: durable,
		Tasks: task.Registry{"work": handler(false)}})
	t.Cleanup(e2.Close)
	x2, err := e2.Rebuild(sm, ResumeParams{StartParams: p, Start: x1.StartDate(), Journal: mustJournal(t, durable, p.ExecutionArn)})
	require.NoError(t, err)
	require.Empty(t, calls, "rebuilt without running anything")
	require.Equal(t, len(x1.History()), len(x2.History()))
	_, err = x2.Redrive()
	require.NoError(t, err)
	<-x2.Done()
	e, _ := x2.Error()
	c, _ := x2.Cause()
	require.Equal(t, StatusSucceeded, x2.Status(), e+": "+c)
	out, _ := x2.Output()
	require.JSONEq(t, `[{"v":1},{"v":2},{"v":3}]`, out)
	require.Equal(t, []string{"2", "3"}, calls)
	runs2 := e2.MapRuns(p.ExecutionArn)
	require.Len(t, runs2, 1)
	require.Equal(t, runs[0].Arn, runs2[0].Arn)
	kids2, _ := e2.MapRunExecutions(runs2[0].Arn)
	require.Len(t, kids2, 3)
	for i, c := range kids1 {
		require.Equal(t, c.p.ExecutionArn, kids2[i].p.ExecutionArn)
	}
	require.Equal(t, 1, kids2[1].RedriveCount(), "the failed child is redriven")
}

// TestRedriveDistributedMapAcrossRestarts: a Distributed Map's Map Run is kept in the
// checkpoint of its execution's end, its children restored from their journals: an
// execution that failed there twice (its second time in a redrive) is redriven after a
// restart, re-running only the failed child (redriven under its ARN) and the never-started
// one; a stopped one likewise; and a redrive that crashes at any of its calls resumes and ends
// the same.
func TestRedriveDistributedMapAcrossRestarts(t *testing.T) {
	def := distMap(`"ItemsPath":"$.items","MaxConcurrency":1,`,
		`"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::work:go","Parameters":{"n.$":"$"},"End":true}}`)
	sm, err := Parse(def)
	require.NoError(t, err)
	p := StartParams{ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:sm:run", Name: "run",
		StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm", StateMachineName: "sm",
		Input: `{"items":[1,2,3]}`}
	ok := func(r *task.Request) (any, error) {
		m, _ := value.AsMap(r.Parameters)
		return value.ObjectOf("v", m["n"]), nil
	}
	fail2 := func(_ context.Context, r *task.Request) (any, error) {
		m, _ := value.AsMap(r.Parameters)
		if fmt.Sprint(m["n"]) == "2" {
			return nil, &task.Failure{Name: "Bad", Cause: "item 2"}
		}
		return ok(r)
	}
	engine := func(h task.HandlerFunc, j Journal) *Engine {
		e := NewEngine(Config{Clock: func() clock.Clock { return clock.NewInstant(clock.NewFake(epoch)) }, Logger: zaptest.NewLogger(t), Journal: j,
			Tasks: task.Registry{"work": h}})
		t.Cleanup(e.Close)
		return e
	}
	restore := func(e *Engine, s *memStore, start time.Time) *Execution {
		x, err := e.Restore(sm, ResumeParams{StartParams: p, Start: start, Journal: mustJournal(t, s, p.ExecutionArn)})
		require.NoError(t, err)
		return x
	}
	redrive := func(x *Execution) {
		_, err := x.Redrive()
		require.NoError(t, err)
		<-x.Done()
	}
	// First run: item 2 fails. A redrive after a restart: it fails again.
	j := newMemStore()
	x1, err := engine(fail2, j).Start(sm, p)
	require.NoError(t, err)
	<-x1.Done()
	require.Equal(t, StatusFailed, x1.Status())
	start := x1.StartDate()
	x2 := restore(engine(fail2, j), j.snapshot(), start)
	redrive(x2)
	require.Equal(t, StatusFailed, x2.Status())
	require.Equal(t, 1, x2.RedriveCount())
	twice := j.snapshot()

	var calls []string
	var mu sync.Mutex
	record := func(_ context.Context, r *task.Request) (any, error) {
		m, _ := value.AsMap(r.Parameters)
		mu.Lock()
		calls = append(calls, fmt.Sprint(m["n"]))
		mu.Unlock()
		return ok(r)
	}
	e3 := engine(record, twice.snapshot())
	x3 := restore(e3, twice, start)
	require.Equal(t, StatusFailed, x3.Status())
	runs := e3.MapRuns(p.ExecutionArn)
	require.Len(t, runs, 1)
	kids, _ := e3.MapRunExecutions(runs[0].Arn)
	require.Len(t, kids, 2, "the children that ran: items 1 and 2")
	require.Equal(t, StatusSucceeded, kids[0].Status())
	require.Equal(t, StatusFailed, kids[1].Status())
	require.Equal(t, 1, kids[1].RedriveCount())
	redrive(x3)
	require.Equal(t, StatusSucceeded, x3.Status())
	out, _ := x3.Output()
	require.JSONEq(t, `[{"v":1},{"v":2},{"v":3}]`, out)
	require.Equal(t, []string{"2", "3"}, calls, "only the failed and the never-started items run")
	require.Equal(t, 2, kids[1].RedriveCount(), "the failed child is redriven under its ARN")
	want := x3.History()

	// The same redrive, crashed at each of its calls and resumed.
	for k := 1; k <= 2; k++ {
		t.Run(fmt.Sprint("crash at call ", k), func(t *testing.T) {
			js := twice.snapshot()
			h, crashed := crashAt(k, js.snapshot, ok)
			e4 := engine(h, js)
			x4 := restore(e4, js, start)
			_, err := x4.Redrive()
			require.NoError(t, err)
			durable := <-crashed
			e4.Close()

			e5 := engine(func(_ context.Context, r *task.Request) (any, error) { return ok(r) }, durable)
			x5, launch, err := e5.Resume(sm, ResumeParams{StartParams: p, Start: start, Journal: mustJournal(t, durable, p.ExecutionArn)})
			require.NoError(t, err)
			launch()
			<-x5.Done()
			require.Equal(t, StatusSucceeded, x5.Status())
			out, _ := x5.Output()
			require.JSONEq(t, `[{"v":1},{"v":2},{"v":3}]`, out)
			got := x5.History()
			require.Len(t, got, len(want))
			for i := range want {
				require.Equal(t, want[i].Type, got[i].Type)
				require.Equal(t, int64(i+1), got[i].ID)
			}
			runs := e5.MapRuns(p.ExecutionArn)
			require.Len(t, runs, 1)
			info, _ := e5.MapRun(runs[0].Arn)
			require.Equal(t, MapRunSucceeded, info.Status)
			require.Equal(t, int64(3), info.ExecutionCounts.Succeeded)
		})
	}

	// A first run stopped while item 2 runs is redriven after a restart.
	t.Run("aborted", func(t *testing.T) {
		at2 := make(chan struct{}, 1)
		j := newMemStore()
		x, err := engine(func(ctx context.Context, r *task.Request) (any, error) {
			m, _ := value.AsMap(r.Parameters)
			if fmt.Sprint(m["n"]) == "2" {
				at2 <- struct{}{}
				<-ctx.Done()
				return nil, ctx.Err()
			}
			return ok(r)
		}, j).Start(sm, p)
		require.NoError(t, err)
		<-at2
		require.NoError(t, x.Stop("", ""))
		require.Equal(t, StatusAborted, x.Status())
		s := j.snapshot()
		xr := restore(engine(func(_ context.Context, r *task.Request) (any, error) { return ok(r) }, s), s, x.StartDate())
		require.Equal(t, StatusAborted, xr.Status())
		redrive(xr)
		require.Equal(t, StatusSucceeded, xr.Status())
		out, _ := xr.Output()
		require.JSONEq(t, `[{"v":1},{"v":2},{"v":3}]`, out)
	})
}
