// Package clock is the single source of time for sfnlocal.
//
// Every Wait state, retry backoff, task and execution timeout, heartbeat, history timestamp and
// Batch job timestamp reads time through a Clock, so that tests can drive time by hand (Fake),
// users can speed it up (Scaled, like Step Functions Local's WAIT_TIME_SCALE but for retries
// too) or skip it entirely (Instant: sleeps return at once while Now advances as if the time
// had passed). Code under interpreter/ and services/ must not call time.Now, time.Sleep,
// time.After, time.NewTimer or context.WithTimeout; it uses Sleep and WithTimeout from this
// package instead.
package clock

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
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

// Skipper is implemented by clocks whose sleeps complete at once (Instant): Skip moves the
// clock forward by d without waiting.
type Skipper interface {
	Skip(d time.Duration)
}

// Factory makes the clock of one execution. Instant time needs one clock per execution, since
// each execution skips its own waits; the other modes share one clock.
type Factory func() Clock

// ParseMode turns a --time flag value into a Factory: "real", "instant" or "scale=N" (N > 0;
// time passes N times faster).
func ParseMode(mode string) (Factory, error) {
	switch {
	case mode == "" || mode == "real":
		r := Real()
		return func() Clock { return r }, nil
	case mode == "instant":
		return func() Clock { return NewInstant(Real()) }, nil
	case strings.HasPrefix(mode, "scale="):
		k, err := strconv.ParseFloat(strings.TrimPrefix(mode, "scale="), 64)
		if err != nil || !(k > 0) || k > 1e9 {
			return nil, fmt.Errorf("invalid time mode %q: scale must be a number greater than 0", mode)
		}
		s := NewScaled(k)
		return func() Clock { return s }, nil
	}
	return nil, fmt.Errorf("invalid time mode %q: want real, instant or scale=N", mode)
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

// Instant is the clock of one execution in instant mode: Sleep returns at once and moves Now
// forward by the time slept, so history timestamps advance as if the waits had happened.
// Timers (which guard real work such as a running container) still run on the base clock, but
// a deadline set with WithTimeout on this clock is met at once by a Sleep that would cross it.
type Instant struct {
	base Clock
	mu   sync.Mutex
	skip time.Duration
}

// NewInstant returns an instant clock over base.
func NewInstant(base Clock) *Instant { return &Instant{base: base} }

func (c *Instant) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.base.Now().Add(c.skip)
}

// Skip moves the clock forward by d.
func (c *Instant) Skip(d time.Duration) {
	if d <= 0 {
		return
	}
	c.mu.Lock()
	c.skip += d
	c.mu.Unlock()
}

// skipTo moves the clock forward to t if it is behind t; concurrent sleepers (Parallel
// branches waiting side by side) thus advance it to the latest wake-up, not the sum.
func (c *Instant) skipTo(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := c.base.Now().Add(c.skip); t.After(now) {
		c.skip += t.Sub(now)
	}
}

func (c *Instant) NewTimer(d time.Duration) Timer { return c.base.NewTimer(d) }

// Fork returns a clock for a concurrent branch of work (a Parallel branch, a Map iteration).
// On an Instant clock each branch skips its own waits from the fork point, and Join moves the
// parent to the latest branch, so side-by-side waits of 5 s and 10 s take 10 s, not 15 s.
// Other clocks are shared as they are.
func Fork(c Clock) Clock {
	in, ok := c.(*Instant)
	if !ok {
		return c
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	return &Instant{base: in.base, skip: in.skip}
}

// Join moves parent forward to the latest of its forked branches.
func Join(parent Clock, branches ...Clock) {
	in, ok := parent.(*Instant)
	if !ok {
		return
	}
	for _, b := range branches {
		if bi, ok := b.(*Instant); ok && bi != in {
			bi.mu.Lock()
			skip := bi.skip
			bi.mu.Unlock()
			in.mu.Lock()
			if skip > in.skip {
				in.skip = skip
			}
			in.mu.Unlock()
		}
	}
}

func (c *Instant) AfterFunc(d time.Duration, f func()) Timer { return c.base.AfterFunc(d, f) }

// deadlineKey carries the earliest virtual deadline of a context made by WithTimeout.
type deadlineKey struct{}

type deadline struct {
	at     time.Time
	cancel context.CancelCauseFunc
	cause  error
}

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
	dl := &deadline{at: c.Now().Add(d), cancel: cancel, cause: cause}
	if parent, ok := ctx.Value(deadlineKey{}).(*deadline); ok && !parent.at.After(dl.at) {
		// The parent's deadline comes first: a sleep crossing it must fire the parent.
		dl = parent
	}
	ctx = context.WithValue(ctx, deadlineKey{}, dl)
	t := c.AfterFunc(d, func() { cancel(cause) })
	return ctx, func() {
		t.Stop()
		cancel(context.Canceled)
	}
}

// Sleep waits for d on clock c, or until ctx is done, when it returns context.Cause(ctx).
// On a Skipper clock it returns at once after moving the clock forward; if that crosses a
// deadline set by WithTimeout, the clock stops at the deadline and its context is cancelled.
func Sleep(ctx context.Context, c Clock, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return context.Cause(ctx)
	}
	if d <= 0 {
		return nil
	}
	if s, ok := c.(Skipper); ok {
		wake := c.Now().Add(d)
		if dl, ok := ctx.Value(deadlineKey{}).(*deadline); ok && !dl.at.After(wake) {
			advanceTo(c, s, dl.at)
			dl.cancel(dl.cause)
			return context.Cause(ctx)
		}
		advanceTo(c, s, wake)
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

func advanceTo(c Clock, s Skipper, t time.Time) {
	if in, ok := s.(*Instant); ok {
		in.skipTo(t)
		return
	}
	if d := t.Sub(c.Now()); d > 0 {
		s.Skip(d)
	}
}
