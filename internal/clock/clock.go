// Package clock is the single source of time for sfnlocal.
//
// Every Wait state, retry backoff, task and execution timeout, heartbeat, history timestamp and
// Batch job timestamp reads time through a Clock, so that tests can drive time by hand (Fake),
// users can speed it up (Scaled, like Step Functions Local's WAIT_TIME_SCALE but for retries
// too), skip it entirely (instant: a virtual Sched, see sched.go) or move it by hand (manual:
// a server-wide Fake). Code under interpreter/ and services/ must not call time.Now, time.Sleep,
// time.After, time.NewTimer or context.WithTimeout; it uses Sleep and WithTimeout from this
// package instead.
package clock

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Clock tells the time and makes timers.
type Clock interface {
	Now() time.Time
	// NewTimer returns a timer whose channel receives once d has passed on this clock.
	NewTimer(d time.Duration) Timer
	// AfterFunc calls f in its own goroutine once d has passed on this clock.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a single-shot timer made by a Clock.
type Timer interface {
	// C is nil for timers made by AfterFunc.
	C() <-chan time.Time
	Stop() bool
	Reset(d time.Duration) bool
}

// Factory makes the clock of one execution: a Sched of its own, so that each execution
// schedules its goroutines and (in instant mode) skips its waits alone.
type Factory func() Clock

// Mode is a parsed --time setting.
type Mode struct {
	// Name is real, instant, manual or scale=N.
	Name string
	// Execution makes each execution's clock.
	Execution Factory
	// Services is the clock of the real work behind Tasks (Lambda code, Batch containers):
	// the wall clock, or the scaled clock in scale=N mode.
	Services Clock
	// Manual is the server-wide clock that manual mode moves on request; nil otherwise.
	Manual *Manual
}

// ParseTimeMode turns a --time flag value into a Mode: "real", "instant", "manual" or
// "scale=N" (N > 0; time passes N times faster).
func ParseTimeMode(mode string) (Mode, error) {
	switch {
	case mode == "" || mode == "real":
		r := Real()
		return Mode{Name: "real", Services: r, Execution: func() Clock { return NewSched(r) }}, nil
	case mode == "instant":
		r := Real()
		return Mode{Name: mode, Services: r, Execution: func() Clock { return NewInstant(r) }}, nil
	case mode == "manual":
		m := NewManual(time.Now().UTC().Truncate(time.Millisecond))
		return Mode{Name: mode, Services: Real(), Manual: m, Execution: func() Clock { return m.Sched() }}, nil
	case strings.HasPrefix(mode, "scale="):
		k, err := strconv.ParseFloat(strings.TrimPrefix(mode, "scale="), 64)
		if err != nil || !(k > 0) || k > 1e9 {
			return Mode{}, fmt.Errorf("invalid time mode %q: scale must be a number greater than 0", mode)
		}
		sc := NewScaled(k)
		return Mode{Name: mode, Services: sc, Execution: func() Clock { return NewSched(sc) }}, nil
	}
	return Mode{}, fmt.Errorf("invalid time mode %q: want real, instant, manual or scale=N", mode)
}

// ParseMode is ParseTimeMode's execution clock factory.
func ParseMode(mode string) (Factory, error) {
	m, err := ParseTimeMode(mode)
	if err != nil {
		return nil, err
	}
	return m.Execution, nil
}

// Real returns the wall clock.
func Real() Clock { return realClock{} }

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) NewTimer(d time.Duration) Timer { return &realTimer{t: time.NewTimer(d)} }

func (realClock) AfterFunc(d time.Duration, f func()) Timer {
	return &realTimer{t: time.AfterFunc(d, f)}
}

type realTimer struct{ t *time.Timer }

func (r *realTimer) C() <-chan time.Time        { return r.t.C }
func (r *realTimer) Stop() bool                 { return r.t.Stop() }
func (r *realTimer) Reset(d time.Duration) bool { return r.t.Reset(d) }

// Scaled is a clock on which time passes k times faster than on the wall: timers wait d/k of
// real time and Now advances k seconds per real second from the moment the clock was made, so
// history timestamps agree with the durations that Wait states asked for.
type Scaled struct {
	k     float64
	epoch time.Time
}

// NewScaled returns a clock running k times faster than real time.
func NewScaled(k float64) *Scaled { return &Scaled{k: k, epoch: time.Now()} }

func (s *Scaled) Now() time.Time {
	return s.epoch.Add(time.Duration(float64(time.Since(s.epoch)) * s.k))
}

func (s *Scaled) real(d time.Duration) time.Duration { return time.Duration(float64(d) / s.k) }

func (s *Scaled) NewTimer(d time.Duration) Timer {
	return &scaledTimer{s: s, realTimer: realTimer{t: time.NewTimer(s.real(d))}}
}

func (s *Scaled) AfterFunc(d time.Duration, f func()) Timer {
	return &scaledTimer{s: s, realTimer: realTimer{t: time.AfterFunc(s.real(d), f)}}
}

type scaledTimer struct {
	s *Scaled
	realTimer
}

func (t *scaledTimer) Reset(d time.Duration) bool { return t.t.Reset(t.s.real(d)) }

// ErrTimeout is the cause of a context whose WithTimeout deadline passed, unless the caller
// gave its own cause.
var ErrTimeout = errors.New("clock: deadline exceeded")

// WithTimeout is context.WithTimeoutCause on clock c: the context is cancelled with cause once
// d has passed on c. Unlike context.WithTimeout it can be scaled, faked and skipped.
func WithTimeout(ctx context.Context, c Clock, d time.Duration, cause error) (context.Context, context.CancelFunc) {
	if cause == nil {
		cause = ErrTimeout
	}
	ctx, cancel := context.WithCancelCause(ctx)
	t := c.AfterFunc(d, func() { cancel(cause) })
	return ctx, func() {
		t.Stop()
		cancel(context.Canceled)
	}
}

// Sleep waits for d on clock c, or until ctx is done, when it returns context.Cause(ctx).
// On a Sched the calling goroutine must run under it.
func Sleep(ctx context.Context, c Clock, d time.Duration) error {
	if s, ok := c.(*Sched); ok {
		return s.Sleep(ctx, d)
	}
	if err := ctx.Err(); err != nil {
		return context.Cause(ctx)
	}
	if d <= 0 {
		return nil
	}
	t := c.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
