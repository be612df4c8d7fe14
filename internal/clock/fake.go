package clock

import (
	"sort"
	"sync"
	"time"
)

// Fake is a clock for tests: time stands still until Advance or AdvanceToNext moves it, and
// timers whose time has come fire synchronously inside that call.
type Fake struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
	seq    int
	// waiters are woken whenever a timer is added, for BlockUntil.
	waiters []chan struct{}
	// settle, when set, runs after each fired timer (Manual: wait for the woken work).
	settle func()
}

// NewFake returns a fake clock set to start.
func NewFake(start time.Time) *Fake { return &Fake{now: start} }

func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *Fake) NewTimer(d time.Duration) Timer {
	t := &fakeTimer{f: f, c: make(chan time.Time, 1)}
	f.add(t, d)
	return t
}

func (f *Fake) AfterFunc(d time.Duration, fn func()) Timer {
	t := &fakeTimer{f: f, fn: fn}
	f.add(t, d)
	return t
}

func (f *Fake) add(t *fakeTimer, d time.Duration) {
	f.mu.Lock()
	f.seq++
	t.seq = f.seq
	t.at = f.now.Add(d)
	t.active = true
	f.timers = append(f.timers, t)
	ws := f.waiters
	f.waiters = nil
	f.mu.Unlock()
	for _, w := range ws {
		close(w)
	}
}

// Pending reports how many timers are waiting to fire.
func (f *Fake) Pending() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.timers)
}

// BlockUntil returns once at least n timers are pending, so a test can advance time only after
// the code under test has started waiting.
func (f *Fake) BlockUntil(n int) {
	for {
		f.mu.Lock()
		if len(f.timers) >= n {
			f.mu.Unlock()
			return
		}
		w := make(chan struct{})
		f.waiters = append(f.waiters, w)
		f.mu.Unlock()
		<-w
	}
}

// Advance moves the clock forward by d, firing every timer due by then in time order.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	end := f.now.Add(d)
	f.mu.Unlock()
	for f.fireNext(end) {
	}
	f.mu.Lock()
	if end.After(f.now) {
		f.now = end
	}
	f.mu.Unlock()
}

// AdvanceToNext moves the clock to the earliest pending timer and fires it, reporting false when
// no timer is pending.
func (f *Fake) AdvanceToNext() bool {
	f.mu.Lock()
	if len(f.timers) == 0 {
		f.mu.Unlock()
		return false
	}
	f.sortLocked()
	at := f.timers[0].at
	f.mu.Unlock()
	f.fireNext(at)
	return true
}

func (f *Fake) sortLocked() {
	sort.Slice(f.timers, func(i, j int) bool {
		if !f.timers[i].at.Equal(f.timers[j].at) {
			return f.timers[i].at.Before(f.timers[j].at)
		}
		return f.timers[i].seq < f.timers[j].seq
	})
}

// fireNext fires the earliest timer due at or before end.
func (f *Fake) fireNext(end time.Time) bool {
	f.mu.Lock()
	f.sortLocked()
	if len(f.timers) == 0 || f.timers[0].at.After(end) {
		f.mu.Unlock()
		return false
	}
	t := f.timers[0]
	f.timers = f.timers[1:]
	t.active = false
	if t.at.After(f.now) {
		f.now = t.at
	}
	now := f.now
	f.mu.Unlock()
	if t.fn != nil {
		t.fn()
	} else {
		select {
		case t.c <- now:
		default:
		}
	}
	if f.settle != nil {
		f.settle()
	}
	return true
}

func (f *Fake) remove(t *fakeTimer) bool {
	for i, x := range f.timers {
		if x == t {
			f.timers = append(f.timers[:i], f.timers[i+1:]...)
			return true
		}
	}
	return false
}

type fakeTimer struct {
	f      *Fake
	c      chan time.Time
	fn     func()
	at     time.Time
	seq    int
	active bool
}

func (t *fakeTimer) C() <-chan time.Time { return t.c }

func (t *fakeTimer) Stop() bool {
	t.f.mu.Lock()
	defer t.f.mu.Unlock()
	t.active = false
	return t.f.remove(t)
}

func (t *fakeTimer) Reset(d time.Duration) bool {
	was := t.Stop()
	t.f.add(t, d)
	return was
}
