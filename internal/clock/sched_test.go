package clock

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

// runOn runs fn as the first goroutine of s and waits for it (and everything it started
// through a Group) to return.
func runOn(s *Sched, fn func()) {
	done := make(chan struct{})
	s.Go(func() {
		defer close(done)
		fn()
	})
	<-done
}

// trace records what the goroutines of a scheduled run did, with the scheduler's time.
type trace struct {
	s   *Sched
	mu  sync.Mutex
	log []string
}

func (tr *trace) add(format string, args ...any) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.log = append(tr.log, fmt.Sprintf("%s %s", tr.s.Now().Sub(t0), fmt.Sprintf(format, args...)))
}

func TestInstantSleepAdvancesNow(t *testing.T) {
	t.Parallel()
	fake := NewFake(t0)
	s := NewInstant(fake)
	var err error
	runOn(s, func() { err = Sleep(context.Background(), s, 90*time.Second) })
	require.NoError(t, err)
	require.Equal(t, t0.Add(90*time.Second), s.Now())
	require.Equal(t, t0, fake.Now(), "the base clock does not move")
}

// TestSchedOrder: goroutines of one execution see one shared time and wake in deadline order,
// ties in the order their timers were made, whatever the Go scheduler does.
func TestSchedOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		waits []time.Duration
		want  []string
	}{
		{"race", []time.Duration{100 * time.Second, time.Second}, []string{"1s b1 woke", "1m40s b0 woke", "1m40s joined"}},
		{"ties keep creation order", []time.Duration{5 * time.Second, 5 * time.Second, time.Second}, []string{"1s b2 woke", "5s b0 woke", "5s b1 woke", "5s joined"}},
		{"zero waits run first", []time.Duration{0, 3 * time.Second, 0}, []string{"0s b0 woke", "0s b2 woke", "3s b1 woke", "3s joined"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for range 50 {
				s := NewInstant(NewFake(t0))
				tr := &trace{s: s}
				runOn(s, func() {
					g := s.NewGroup()
					for i, d := range tc.waits {
						g.Go(func() {
							_ = Sleep(context.Background(), s, d)
							tr.add("b%d woke", i)
						})
					}
					g.Wait()
					tr.add("joined")
				})
				require.Equal(t, tc.want, tr.log)
			}
		})
	}
}

// TestSchedCancelWakesSleeper: a branch that fails cancels a sibling's long sleep at the
// instant of the failure, not at the end of the sleep.
func TestSchedCancelWakesSleeper(t *testing.T) {
	t.Parallel()
	for range 50 {
		s := NewInstant(NewFake(t0))
		tr := &trace{s: s}
		runOn(s, func() {
			ctx, cancel := context.WithCancelCause(context.Background())
			g := s.NewGroup()
			g.Go(func() {
				err := Sleep(ctx, s, time.Hour)
				tr.add("long: %v", err)
			})
			g.Go(func() {
				_ = Sleep(ctx, s, 2*time.Second)
				tr.add("short fails")
				cancel(errors.New("branch failed"))
			})
			g.Wait()
		})
		require.Equal(t, []string{"2s short fails", "2s long: branch failed"}, tr.log)
	}
}

// TestSchedTimeoutAgainstSleep: a WithTimeout deadline is a timer like any other.
func TestSchedTimeoutAgainstSleep(t *testing.T) {
	t.Parallel()
	s := NewInstant(NewFake(t0))
	errExec := errors.New("execution timed out")
	errState := errors.New("state timed out")
	var err error
	runOn(s, func() {
		ctx, cancel := WithTimeout(context.Background(), s, 10*time.Second, errExec)
		defer cancel()
		inner, cancel2 := WithTimeout(ctx, s, 60*time.Second, errState)
		defer cancel2()
		err = Sleep(inner, s, time.Hour)
	})
	require.ErrorIs(t, err, errExec)
	require.Equal(t, t0.Add(10*time.Second), s.Now())
	require.Equal(t, 0, s.Pending(), "stopped timers leave the heap")
}

// TestSchedSemaphore: four 10 s waits two at a time take 20 s of virtual time, and slots go
// first come first served.
func TestSchedSemaphore(t *testing.T) {
	t.Parallel()
	s := NewInstant(NewFake(t0))
	tr := &trace{s: s}
	runOn(s, func() {
		sem := s.NewSemaphore(2)
		g := s.NewGroup()
		for i := range 4 {
			if err := sem.Acquire(context.Background()); err != nil {
				tr.add("acquire %d: %v", i, err)
			}
			tr.add("start %d", i)
			g.Go(func() {
				defer sem.Release()
				_ = Sleep(context.Background(), s, 10*time.Second)
			})
		}
		g.Wait()
		tr.add("done")
	})
	require.Equal(t, []string{"0s start 0", "0s start 1", "10s start 2", "10s start 3", "20s done"}, tr.log)
}

// TestSchedExternalHoldsTime: while real work is in flight, virtual time does not jump past a
// sibling's deadline; it flows at the base rate (here a Fake base that nobody moves).
func TestSchedExternalHoldsTime(t *testing.T) {
	t.Parallel()
	base := NewFake(t0)
	s := NewInstant(base)
	tr := &trace{s: s}
	release := make(chan struct{})
	runOn(s, func() {
		g := s.NewGroup()
		g.Go(func() {
			s.External(func() { <-release })
			tr.add("external returned")
		})
		g.Go(func() {
			_ = Sleep(context.Background(), s, time.Minute)
			tr.add("slept")
		})
		g.Go(func() {
			// Runs while the external work is in flight; only then is it let go.
			tr.add("checked")
			close(release)
		})
		g.Wait()
	})
	require.Equal(t, []string{"0s checked", "0s external returned", "1m0s slept"}, tr.log)
}

// TestSchedFlowFiresTimeouts: a deadline that guards real work fires after the base clock's
// time has passed.
func TestSchedFlowFiresTimeouts(t *testing.T) {
	t.Parallel()
	base := NewFake(t0)
	s := NewInstant(base)
	var err error
	runOn(s, func() {
		ctx, cancel := WithTimeout(context.Background(), s, 5*time.Second, ErrTimeout)
		defer cancel()
		s.External(func() {
			base.BlockUntil(1)
			base.Advance(5 * time.Second)
			<-ctx.Done()
			err = context.Cause(ctx)
		})
	})
	require.ErrorIs(t, err, ErrTimeout)
	require.Equal(t, t0.Add(5*time.Second), s.Now())
}

// TestSchedRealBase: a base-driven scheduler sleeps on its base clock's timers.
func TestSchedRealBase(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s := NewSched(Real())
		start := time.Now()
		var order []string
		runOn(s, func() {
			g := s.NewGroup()
			for _, d := range []time.Duration{3 * time.Second, time.Second, 2 * time.Second} {
				g.Go(func() {
					_ = Sleep(context.Background(), s, d)
					order = append(order, d.String())
				})
			}
			g.Wait()
		})
		require.Equal(t, []string{"1s", "2s", "3s"}, order)
		require.Equal(t, 3*time.Second, time.Since(start))
	})
}

// TestSchedManualBase: on a Fake base (the manual mode) time moves only when told.
func TestSchedManualBase(t *testing.T) {
	t.Parallel()
	m := NewFake(t0)
	s := NewSched(m)
	done := make(chan string, 1)
	s.Go(func() {
		_ = Sleep(context.Background(), s, time.Hour)
		done <- s.Now().Sub(t0).String()
	})
	m.BlockUntil(1)
	require.True(t, m.AdvanceToNext())
	require.Equal(t, "1h0m0s", <-done)
}

// TestSchedStopFromOutside: a context ended from outside (StopExecution) wakes an idle
// scheduler through Watch.
func TestSchedStopFromOutside(t *testing.T) {
	t.Parallel()
	m := NewFake(t0)
	s := NewSched(m)
	ctx, cancel := context.WithCancelCause(context.Background())
	stop := s.Watch(ctx)
	defer stop()
	done := make(chan error, 1)
	s.Go(func() { done <- Sleep(ctx, s, time.Hour) })
	m.BlockUntil(1)
	cancel(errors.New("stopped"))
	require.EqualError(t, <-done, "stopped")
}

// TestSchedNotUnderScheduler: a blocking call from a goroutine the scheduler does not run is a
// bug, reported loudly.
func TestSchedNotUnderScheduler(t *testing.T) {
	t.Parallel()
	s := NewInstant(NewFake(t0))
	defer func() {
		r := recover()
		require.NotNil(t, r)
		require.True(t, strings.Contains(fmt.Sprint(r), "does not run under the scheduler"))
	}()
	_ = s.Sleep(context.Background(), time.Second)
}

// BenchmarkInstantHourWait: a one-hour Wait in instant time (target < 100 µs).
func BenchmarkInstantHourWait(b *testing.B) {
	s := NewInstant(Real())
	b.ReportAllocs()
	runOn(s, func() {
		for b.Loop() {
			_ = s.Sleep(context.Background(), time.Hour)
		}
	})
}

// BenchmarkSchedNoWait: what the scheduler costs a goroutine that never waits (Now only).
func BenchmarkSchedNoWait(b *testing.B) {
	s := NewInstant(Real())
	b.ReportAllocs()
	runOn(s, func() {
		for b.Loop() {
			_ = s.Now()
		}
	})
}
