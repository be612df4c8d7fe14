package interpreter

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// The cases of the virtual-time issue: each must give one answer, run after run, and the same
// answer (status, output, error, cause, and the history's events, links and elapsed times) in
// instant time as in real and scaled time. Real and scaled time run inside a synctest bubble,
// where the wall clock is fake and moves only when every goroutine is blocked, so they take no
// time either and have no ties.
var timeCases = []struct {
	name, def, input string
	tasks            func() task.Registry
	wantStatus       string
	wantError        string
	wantOutput       string
}{
	{
		name: "parallel race",
		def: `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
			{"StartAt":"A","States":{"A":{"Type":"Wait","Seconds":100,"Next":"AF"},"AF":{"Type":"Fail","Error":"Slow"}}},
			{"StartAt":"B","States":{"B":{"Type":"Wait","Seconds":1,"Next":"BF"},"BF":{"Type":"Fail","Error":"Fast"}}}]}}}`,
		wantStatus: StatusFailed, wantError: "Fast",
	},
	{
		name: "map iterations end in the order their waits end",
		def: `{"StartAt":"M","States":{"M":{"Type":"Map","End":true,"ItemsPath":"$.waits",
			"ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$","Next":"D"},"D":{"Type":"Pass","End":true}}}}}}`,
		input:      `{"waits":[30,10,20,10,5]}`,
		wantStatus: StatusSucceeded, wantOutput: `[30,10,20,10,5]`,
	},
	{
		name: "map concurrency queues iterations in virtual time",
		def: `{"StartAt":"M","States":{"M":{"Type":"Map","End":true,"MaxConcurrency":2,
			"ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":10,"End":true}}}}}}`,
		input:      `[1,2,3,4]`,
		wantStatus: StatusSucceeded, wantOutput: `[1,2,3,4]`,
	},
	{
		name: "retry backoff loses to a sibling's wait",
		def: `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
			{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::boom:go","End":true,
				"Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":2,"BackoffRate":2,"MaxAttempts":3}]}}},
			{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":10,"Next":"F"},"F":{"Type":"Fail","Error":"WaitFirst"}}}]}}}`,
		tasks:      boomTasks,
		wantStatus: StatusFailed, wantError: "WaitFirst",
	},
	{
		name: "retry backoff beats a sibling's wait",
		def: `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
			{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::boom:go","End":true,
				"Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":2,"BackoffRate":2,"MaxAttempts":3,"MaxDelaySeconds":3,"JitterStrategy":"FULL"}]}}},
			{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":10,"Next":"F"},"F":{"Type":"Fail","Error":"WaitFirst"}}}]}}}`,
		tasks:      boomTasks,
		wantStatus: StatusFailed, wantError: "Boom",
	},
	{
		name: "heartbeat timeout against a wait",
		def: `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
			{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
				"Parameters":{"token.$":"$$.Task.Token"},"HeartbeatSeconds":1,"End":true}}},
			{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":2,"Next":"F"},"F":{"Type":"Fail","Error":"Late"}}}]}}}`,
		tasks:      silentCallbackTasks,
		wantStatus: StatusFailed, wantError: "States.Timeout",
	},
	{
		name: "task timeout against a wait",
		def: `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
			{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3,"Next":"F"},"F":{"Type":"Fail","Error":"Late"}}},
			{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
				"Parameters":{"token.$":"$$.Task.Token"},"TimeoutSeconds":2,"End":true}}}]}}}`,
		tasks:      silentCallbackTasks,
		wantStatus: StatusFailed, wantError: "States.Timeout",
	},
	{
		name: "nested map in parallel",
		def: `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
			{"StartAt":"M","States":{"M":{"Type":"Map","End":true,"ItemsPath":"$.a",
				"ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$","End":true}}}}}},
			{"StartAt":"M2","States":{"M2":{"Type":"Map","End":true,"ItemsPath":"$.b","MaxConcurrency":1,
				"ItemProcessor":{"StartAt":"W2","States":{"W2":{"Type":"Wait","SecondsPath":"$","Next":"X"},"X":{"Type":"Pass","End":true}}}}}},
			{"StartAt":"W3","States":{"W3":{"Type":"Wait","Seconds":4,"End":true}}}]}}}`,
		input:      `{"a":[5,1,3],"b":[2,2,1]}`,
		wantStatus: StatusSucceeded, wantOutput: `[[5,1,3],[2,2,1],{"a":[5,1,3],"b":[2,2,1]}]`,
	},
	{
		name:       "machine timeout against a wait",
		def:        `{"TimeoutSeconds":5,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`,
		wantStatus: StatusTimedOut, wantError: "States.Timeout",
	},
	{
		name: "failing branch interrupts a sibling's wait at once",
		def: `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,
			"Catch":[{"ErrorEquals":["States.ALL"],"Next":"After"}],"Branches":[
			{"StartAt":"A","States":{"A":{"Type":"Wait","Seconds":3600,"End":true}}},
			{"StartAt":"B","States":{"B":{"Type":"Wait","Seconds":7,"Next":"BF"},"BF":{"Type":"Fail","Error":"E"}}}]},
			"After":{"Type":"Wait","Seconds":1,"End":true}}}`,
		wantStatus: StatusSucceeded, wantOutput: `{"Error":"E","Cause":null}`,
	},
}

func boomTasks() task.Registry {
	return task.Registry{"boom": task.HandlerFunc(func(context.Context, *task.Request) (any, error) {
		return nil, &task.Failure{Name: "Boom", Cause: "always"}
	})}
}

// silentCallbackTasks: a waitForTaskToken integration whose token nobody ever answers.
func silentCallbackTasks() task.Registry {
	return task.Registry{"sqs": task.HandlerFunc(func(context.Context, *task.Request) (any, error) {
		return map[string]any{"MessageId": "m1"}, nil
	})}
}

// runSummary is what must not change between runs and modes.
type runSummary struct {
	Status, Error, Cause, Output string
	Events                       []string // type, previous event, elapsed time since start
}

func summarize(x *Execution) runSummary {
	s := runSummary{Status: x.Status()}
	s.Error, _ = x.Error()
	s.Cause, _ = x.Cause()
	s.Output, _ = x.Output()
	h := x.History()
	for _, ev := range h {
		desc := fmt.Sprintf("%d %s<-%d +%v", ev.ID, ev.Type, ev.PreviousEventID, ev.Timestamp.Sub(h[0].Timestamp).Round(time.Millisecond))
		if ev.Type == EvMapIterationSucceeded || ev.Type == EvMapIterationStarted {
			desc += fmt.Sprintf(" [%d]", ev.Index)
		}
		s.Events = append(s.Events, desc)
	}
	return s
}

func runTimeCase(t testing.TB, clk clock.Factory, def, input string, tasks task.Registry) runSummary {
	s, err := tryTimeCase(clk, def, input, tasks)
	require.NoError(t, err)
	return s
}

// tryTimeCase runs one execution; it may run in any goroutine (no require).
func tryTimeCase(clk clock.Factory, def, input string, tasks task.Registry) (runSummary, error) {
	e := NewEngine(Config{Clock: clk, Tasks: tasks})
	defer e.Close()
	sm, err := Parse(def)
	if err != nil {
		return runSummary{}, err
	}
	x, err := e.Start(sm, StartParams{ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:sm:run", Name: "run",
		StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm", StateMachineName: "sm",
		RoleArn: "arn:aws:iam::123456789012:role/r", Input: input})
	if err != nil {
		return runSummary{}, err
	}
	<-x.Done()
	return summarize(x), nil
}

func TestVirtualTimeIsDeterministic(t *testing.T) {
	t.Parallel()
	for _, tc := range timeCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tasks := func() task.Registry {
				if tc.tasks == nil {
					return nil
				}
				return tc.tasks()
			}
			modes := map[string]func(clock.Clock) clock.Clock{
				"real":     func(c clock.Clock) clock.Clock { return clock.NewSched(c) },
				"scale=10": func(clock.Clock) clock.Clock { return clock.NewSched(clock.NewScaled(10)) },
				"instant":  func(c clock.Clock) clock.Clock { return clock.NewInstant(c) },
			}
			var want runSummary
			synctest.Test(t, func(t *testing.T) {
				want = runTimeCase(t, func() clock.Clock { return modes["real"](clock.Real()) }, tc.def, tc.input, tasks())
			})
			require.Equal(t, tc.wantStatus, want.Status, "%v", want.Events)
			require.Equal(t, tc.wantError, want.Error)
			if tc.wantOutput != "" {
				require.JSONEq(t, tc.wantOutput, want.Output)
			}
			for _, mode := range []string{"scale=10", "instant"} {
				synctest.Test(t, func(t *testing.T) {
					got := runTimeCase(t, func() clock.Clock { return modes[mode](clock.Real()) }, tc.def, tc.input, tasks())
					require.Equal(t, want, got, "%s differs from real time", mode)
				})
			}
			// Instant time on the real wall clock, many times over and side by side: one
			// answer. (Callback waits hold virtual time and let it flow at the wall's rate, so
			// their cases take their heartbeat's real second.)
			const runs = 100
			var wg sync.WaitGroup
			got := make([]runSummary, runs)
			errs := make([]error, runs)
			for i := range runs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					got[i], errs[i] = tryTimeCase(func() clock.Clock { return clock.NewInstant(clock.Real()) }, tc.def, tc.input, tasks())
				}()
			}
			wg.Wait()
			for i, g := range got {
				require.NoError(t, errs[i], "run %d", i)
				require.Equal(t, want.Status, g.Status, "run %d", i)
				require.Equal(t, want.Error, g.Error, "run %d", i)
				require.Equal(t, want.Output, g.Output, "run %d", i)
				require.Equal(t, stripElapsed(want.Events), stripElapsed(g.Events), "run %d", i)
			}
		})
	}
}

// stripElapsed drops the elapsed times, which in instant time on the wall clock include the
// real microseconds that Task calls take.
func stripElapsed(events []string) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = e[:strings.LastIndex(e, " +")]
		if j := strings.LastIndex(e, " ["); j > 0 {
			out[i] += e[j:]
		}
	}
	return out
}

// TestMapIterationOrder pins the order of the Map case above: iterations end as their waits
// end, ties in index order.
func TestMapIterationOrder(t *testing.T) {
	t.Parallel()
	e := instantEngine(t, nil)
	x := start(t, e, timeCases[1].def, timeCases[1].input)
	wait(t, x)
	var ended []int
	var at []time.Duration
	h := x.History()
	for _, ev := range h {
		if ev.Type == EvMapIterationSucceeded {
			ended = append(ended, ev.Index)
			at = append(at, ev.Timestamp.Sub(h[0].Timestamp).Round(time.Millisecond))
		}
	}
	require.Equal(t, []int{4, 1, 3, 2, 0}, ended)
	require.Equal(t, []time.Duration{5 * time.Second, 10 * time.Second, 10 * time.Second, 20 * time.Second, 30 * time.Second}, at)
}

// TestMapConcurrencyTakesVirtualTime: four 10 s iterations two at a time take 20 s.
func TestMapConcurrencyTakesVirtualTime(t *testing.T) {
	t.Parallel()
	e := instantEngine(t, nil)
	x := start(t, e, timeCases[2].def, timeCases[2].input)
	wait(t, x)
	stop, _ := x.StopDate()
	require.Equal(t, 20*time.Second, stop.Sub(x.StartDate()))
}

// TestRetryJitterIsSeeded: FULL jitter draws from a source seeded by the state machine and
// the input: the same delays every run.
func TestRetryJitterIsSeeded(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::boom:go","End":true,
		"Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":10,"BackoffRate":1,"MaxAttempts":4,"JitterStrategy":"FULL"}]}}}`
	delays := func(input string) []time.Duration {
		e := instantEngine(t, boomTasks())
		x := start(t, e, def, input)
		wait(t, x)
		var out []time.Duration
		var last time.Time
		for _, ev := range x.History() {
			if ev.Type == EvTaskScheduled {
				if !last.IsZero() {
					out = append(out, ev.Timestamp.Sub(last))
				}
				last = ev.Timestamp
			}
		}
		return out
	}
	first := delays(`{"n":1}`)
	require.Len(t, first, 4)
	for _, d := range first {
		require.Greater(t, d, time.Duration(0))
		require.LessOrEqual(t, d, 10*time.Second)
	}
	require.Equal(t, first, delays(`{"n":1}`))
	require.NotEqual(t, first, delays(`{"n":2}`), "another input draws other delays")
}

// TestManualClock: in manual mode an execution moves only when the clock is told to, and each
// step returns once the work it woke has run.
func TestManualClock(t *testing.T) {
	t.Parallel()
	m := clock.NewManual(epoch)
	e := NewEngine(Config{Clock: func() clock.Clock { return m.Sched() }})
	t.Cleanup(e.Close)
	x := start(t, e, `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
		{"StartAt":"A","States":{"A":{"Type":"Wait","Seconds":10,"Next":"A2"},"A2":{"Type":"Wait","Seconds":20,"End":true}}},
		{"StartAt":"B","States":{"B":{"Type":"Wait","Seconds":25,"End":true}}}]}}}`, "")
	require.NoError(t, m.Advance(15*time.Second))
	require.Equal(t, StatusRunning, x.Status())
	require.True(t, m.AdvanceToNext()) // B at 25 s
	require.Equal(t, StatusRunning, x.Status())
	require.NoError(t, m.AdvanceTo(epoch.Add(time.Hour)))
	require.Equal(t, StatusSucceeded, x.Status())
	stop, _ := x.StopDate()
	require.Equal(t, 30*time.Second, stop.Sub(epoch), "A ends at 10+20 s, though the clock went to 1 h")
	require.ErrorIs(t, m.AdvanceTo(epoch), clock.ErrBackwards)
	require.False(t, m.AdvanceToNext())
}
