package clock

import (
	"errors"
	"sync"
	"time"
)

// Manual is the server-wide clock of --time manual: time starts at the server's start and
// moves only when a caller says so (Advance, AdvanceTo, AdvanceToNext). Every execution runs
// on a Sched driven by it (Sched), and each step waits, after firing a timer, until the
// executions that timer woke have run up to their next wait — so a step's effects are done
// when the step returns, and an execution woken at 10 s records its events at 10 s even when
// the step goes on to 90 s. Real work (a Lambda invocation, a Batch job) is not waited for.
type Manual struct {
	fake *Fake
	idle Idle
	mu   sync.Mutex // one step at a time
}

// ErrBackwards is returned by AdvanceTo for a time before now: time never moves backwards.
var ErrBackwards = errors.New("clock: time never moves backwards")

// NewManual returns a manual clock set to start.
func NewManual(start time.Time) *Manual {
	m := &Manual{fake: NewFake(start)}
	m.fake.settle = m.idle.Wait
	return m
}

// Sched returns a new execution scheduler driven by m.
func (m *Manual) Sched() *Sched {
	s := NewSched(m.fake)
	s.idle = &m.idle
	return s
}

// Now returns the manual clock's time.
func (m *Manual) Now() time.Time { return m.fake.Now() }

// Pending reports how many executions wait on the clock: each execution's scheduler keeps one
// timer here, for its earliest deadline.
func (m *Manual) Pending() int { return m.fake.Pending() }

// Advance moves time forward by d (d < 0 is ErrBackwards), firing every timer due by then in
// (deadline, creation) order.
func (m *Manual) Advance(d time.Duration) error {
	if d < 0 {
		return ErrBackwards
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.idle.Wait()
	m.fake.Advance(d)
	return nil
}

// AdvanceTo moves time forward to t.
func (m *Manual) AdvanceTo(t time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.fake.Now()
	if t.Before(now) {
		return ErrBackwards
	}
	m.idle.Wait()
	m.fake.Advance(t.Sub(now))
	return nil
}

// AdvanceToNext moves time to the next pending deadline of any execution and fires the
// timers due then; it reports false when none is pending.
func (m *Manual) AdvanceToNext() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.idle.Wait()
	return m.fake.AdvanceToNext()
}

// Idle counts the schedulers that have a goroutine running and lets a caller wait until
// none has (goroutines in External work do not count).
type Idle struct {
	mu   sync.Mutex
	busy int
	done chan struct{} // closed when busy drops to 0; nil while busy is 0
}

func (i *Idle) set(busy bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if busy {
		i.busy++
		if i.busy == 1 {
			i.done = make(chan struct{})
		}
		return
	}
	i.busy--
	if i.busy == 0 {
		close(i.done)
		i.done = nil
	}
}

// Wait returns once no scheduler has a running goroutine.
func (i *Idle) Wait() {
	for {
		i.mu.Lock()
		ch := i.done
		i.mu.Unlock()
		if ch == nil {
			return
		}
		<-ch
	}
}
