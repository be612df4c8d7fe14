package clock

import (
	"cmp"
	"container/heap"
	"context"
	"slices"
	"sync"
	"time"
)

// Sched is the scheduler and clock of one execution: a cooperative, deterministic
// discrete-event scheduler in the manner of Temporal's test server with time skipping.
//
// Every goroutine of an execution (its main thread, Parallel branches, Map iterations) runs
// under the Sched, and only one of them runs at a time: it holds the baton until it blocks
// through a Sched primitive (Sleep, a Group's Wait, a Semaphore's Acquire, External), then
// the baton passes to the next runnable goroutine, first come first served. Since nothing of
// an execution runs concurrently, the order of its history events is a function of the
// definition and its input, never of the Go scheduler.
//
// Its timers live in one heap ordered by (deadline, creation order), and timers due at one
// instant fire in that order, waking their goroutines in that order, in every mode:
//   - virtual (NewInstant, --time instant): time moves only when every goroutine is blocked
//     and no External work is in flight; it then jumps to the earliest pending deadline and
//     fires exactly the timers due at that instant. While External work (a Lambda
//     invocation, a Batch job, a callback waiting for its client) is in flight, time does not
//     jump: it flows at the base clock's rate, so a timeout that guards real work fires after
//     the real time it names;
//   - base-driven (NewSched over Real, Scaled, or a Manual clock): Now is the base clock's,
//     and one base timer, armed for the earliest deadline, fires the due timers.
//
// Blocking primitives must be called by the goroutine that holds the baton (the interpreter
// only calls them from its execution goroutines); Now, NewTimer, AfterFunc and Timer methods
// may be called from anywhere.
type Sched struct {
	base    Clock
	virtual bool

	mu     sync.Mutex
	now    time.Time // virtual: the current instant while no External work is in flight
	timers timerHeap // pending timers by (deadline, seq)
	seq    uint64

	runq   []*gor
	holder *gor
	// ctxWaits are the distinct contexts that blocked goroutines wait on (a handful: the
	// execution's, a Map's or Parallel's, a Task's timeout), each with its waiters, so that
	// looking for ended contexts costs one check per context, not per goroutine.
	ctxWaits []*ctxWait
	blocks   uint64 // counts blockings; orders wake-ups by cancellation
	// awaiting are the goroutines blocked in Await, in the order they blocked.
	awaiting []*gor

	external int
	flowReal time.Time // virtual: base time when External work started to be in flight
	flowFrom time.Time // virtual: the virtual instant then
	// armed is the one base timer of the scheduler, set for its earliest deadline while its
	// time follows the base clock (always when base-driven; while External work is in flight
	// when virtual); armedAt is that deadline.
	armed   Timer
	armedAt time.Time

	// idle, when set (manual mode), hears whether a goroutine of this scheduler runs.
	idle *Idle
	busy bool
}

// gor is one goroutine under a Sched.
type gor struct {
	wake    chan struct{} // receives the baton
	blocked bool
	cw      *ctxWait        // the context wait g is listed in while blocked, if any
	block   uint64          // which blocking of g's that listing is for
	await   <-chan struct{} // Await: the channel g waits to see closed
	timer   *schedTimer
	byTimer bool // woken by its timer, not its context
	granted bool // woken by a Semaphore grant
}

// NewInstant returns a virtual Sched whose time starts at base.Now(); base also measures the
// time that flows while External work is in flight.
func NewInstant(base Clock) *Sched {
	return &Sched{base: base, virtual: true, now: base.Now()}
}

// NewSched returns a Sched driven by base: Now and timers are base's.
func NewSched(base Clock) *Sched { return &Sched{base: base} }

// AsSched returns c if it is a Sched, else a Sched driven by c.
func AsSched(c Clock) *Sched {
	if s, ok := c.(*Sched); ok {
		return s
	}
	return NewSched(c)
}

// Now returns the current time on the scheduler.
func (s *Sched) Now() time.Time {
	if !s.virtual {
		return s.base.Now()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nowLocked()
}

func (s *Sched) nowLocked() time.Time {
	if s.virtual && s.external > 0 {
		if t := s.flowFrom.Add(s.base.Now().Sub(s.flowReal)); t.After(s.now) {
			return t
		}
	}
	if !s.virtual {
		return s.base.Now()
	}
	return s.now
}

// CatchUp moves a virtual scheduler's time forward to its base clock's when the base is
// ahead (an execution redriven after real time passed); it never moves time backwards.
func (s *Sched) CatchUp() {
	if !s.virtual {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.base.Now(); b.After(s.now) && s.external == 0 {
		s.now = b
	}
}

// Pending reports how many timers wait to fire.
func (s *Sched) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.timers)
}

// Go starts fn as a goroutine of the scheduler; it runs once it gets the baton.
func (s *Sched) Go(fn func()) {
	g := &gor{wake: make(chan struct{}, 1)}
	s.mu.Lock()
	s.runq = append(s.runq, g)
	if s.holder == nil {
		s.scheduleLocked()
	}
	s.mu.Unlock()
	go func() {
		<-g.wake
		defer s.exit(g)
		fn()
	}()
}

func (s *Sched) exit(g *gor) {
	s.mu.Lock()
	if s.holder == g {
		s.holder = nil
		s.scheduleLocked()
	}
	s.mu.Unlock()
}

// current returns the goroutine holding the baton; a blocking primitive called from anywhere
// else is a bug.
func (s *Sched) current() *gor {
	g := s.holder
	if g == nil {
		panic("clock: a Sched blocking call from a goroutine that does not run under the scheduler")
	}
	return g
}

// blockLocked releases the baton held by g until something wakes g; ctx, when it can be
// cancelled, wakes g too. The caller unlocks and then receives from g.wake.
func (s *Sched) blockLocked(g *gor, ctx context.Context) {
	g.blocked = true
	s.blocks++
	g.block = s.blocks
	if ctx != nil && ctx.Done() != nil {
		g.cw = s.ctxWaitLocked(ctx)
		g.cw.add(g)
	}
	s.holder = nil
	s.scheduleLocked()
}

// ctxWait lists the goroutines blocked on one context, in the order they blocked; entries
// of goroutines woken since are dropped lazily.
type ctxWait struct {
	ctx     context.Context
	n       int // goroutines blocked on ctx now
	waiters []ctxEntry
}

type ctxEntry struct {
	g     *gor
	block uint64
}

func (cw *ctxWait) add(g *gor) {
	cw.n++
	if len(cw.waiters) > 2*cw.n+16 {
		kept := cw.waiters[:0]
		for _, e := range cw.waiters {
			if e.live(cw) {
				kept = append(kept, e)
			}
		}
		clear(cw.waiters[len(kept):])
		cw.waiters = kept
	}
	cw.waiters = append(cw.waiters, ctxEntry{g: g, block: g.block})
}

func (e ctxEntry) live(cw *ctxWait) bool { return e.g.blocked && e.g.cw == cw && e.g.block == e.block }

func (s *Sched) ctxWaitLocked(ctx context.Context) *ctxWait {
	for _, cw := range s.ctxWaits {
		if cw.ctx == ctx {
			return cw
		}
	}
	cw := &ctxWait{ctx: ctx}
	s.ctxWaits = append(s.ctxWaits, cw)
	return cw
}

// wakeLocked makes a blocked g runnable.
func (s *Sched) wakeLocked(g *gor) {
	if !g.blocked {
		return
	}
	g.blocked = false
	if g.await != nil {
		g.await = nil
		s.awaiting = slices.DeleteFunc(s.awaiting, func(w *gor) bool { return w == g })
	}
	if cw := g.cw; cw != nil {
		g.cw = nil
		if cw.n--; cw.n == 0 {
			s.ctxWaits = slices.DeleteFunc(s.ctxWaits, func(c *ctxWait) bool { return c == cw })
		}
	}
	if t := g.timer; t != nil {
		s.stopLocked(t)
		g.timer = nil
	}
	s.runq = append(s.runq, g)
}

// scheduleLocked hands the free baton to the next runnable goroutine; when there is none it
// wakes goroutines whose context ended and, on a virtual clock with nothing in flight, moves
// time to the next deadline.
func (s *Sched) scheduleLocked() {
	s.dispatchLocked()
	if s.idle != nil && s.busy != (s.holder != nil) {
		s.busy = s.holder != nil
		s.idle.set(s.busy)
	}
}

func (s *Sched) dispatchLocked() {
	for s.holder == nil {
		if len(s.runq) > 0 {
			g := s.runq[0]
			s.runq[0] = nil
			s.runq = s.runq[1:]
			s.holder = g
			g.wake <- struct{}{}
			return
		}
		if s.scanLocked() {
			continue
		}
		if s.followsBaseLocked() {
			s.armLocked()
			return
		}
		if len(s.timers) == 0 {
			return
		}
		at := s.timers[0].at
		if at.After(s.now) {
			s.now = at
		}
		s.fireDueLocked(at)
	}
}

// fireDueLocked fires every virtual timer due at or before at, in (deadline, seq) order.
func (s *Sched) fireDueLocked(at time.Time) {
	for len(s.timers) > 0 && !s.timers[0].at.After(at) {
		t := heap.Pop(&s.timers).(*schedTimer)
		t.active = false
		s.fireLocked(t)
	}
}

// scanLocked wakes the blocked goroutines whose context has ended, in the order they
// blocked, and reports whether it woke any.
func (s *Sched) scanLocked() bool {
	var due []ctxEntry
	for _, g := range s.awaiting {
		select {
		case <-g.await:
			due = append(due, ctxEntry{g: g, block: g.block})
		default:
		}
	}
	for _, cw := range s.ctxWaits {
		if cw.ctx.Err() == nil {
			continue
		}
		for _, e := range cw.waiters {
			if e.live(cw) {
				due = append(due, e)
			}
		}
	}
	if len(due) == 0 {
		return false
	}
	slices.SortFunc(due, func(a, b ctxEntry) int { return cmp.Compare(a.block, b.block) })
	due = slices.CompactFunc(due, func(a, b ctxEntry) bool { return a.g == b.g })
	for _, e := range due {
		s.wakeLocked(e.g)
	}
	return true
}

// Watch makes the end of ctx (StopExecution, an engine shutdown: cancellations from outside
// the execution) wake the scheduler. The returned function stops watching.
func (s *Sched) Watch(ctx context.Context) (stop func() bool) {
	return context.AfterFunc(ctx, func() {
		s.mu.Lock()
		if s.holder == nil {
			s.scheduleLocked()
		}
		s.mu.Unlock()
	})
}

// Sleep blocks the calling goroutine for d on the scheduler's time, or until ctx ends, when
// it returns context.Cause(ctx).
func (s *Sched) Sleep(ctx context.Context, d time.Duration) error {
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if d <= 0 {
		return nil
	}
	s.mu.Lock()
	g := s.current()
	t := s.newTimerLocked(d)
	t.g = g
	g.timer, g.byTimer = t, false
	s.blockLocked(g, ctx)
	s.mu.Unlock()
	<-g.wake
	if g.byTimer {
		return nil
	}
	return context.Cause(ctx)
}

// Await blocks the calling goroutine until done is closed by another goroutine of the
// scheduler (a child execution the caller waits on), or ctx ends, when it returns
// context.Cause(ctx). Unlike External, it lets virtual time move meanwhile: the work it
// waits for is the scheduler's own.
func (s *Sched) Await(ctx context.Context, done <-chan struct{}) error {
	select {
	case <-done:
		return nil
	default:
	}
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	s.mu.Lock()
	g := s.current()
	g.await = done
	s.awaiting = append(s.awaiting, g)
	s.blockLocked(g, ctx)
	s.mu.Unlock()
	<-g.wake
	select {
	case <-done:
		return nil
	default:
		return context.Cause(ctx)
	}
}

type schedKey struct{}

// WithSched returns a context that carries s, for work that runs under it (a Task handler
// that starts a child execution on its parent's scheduler).
func WithSched(ctx context.Context, s *Sched) context.Context {
	return context.WithValue(ctx, schedKey{}, s)
}

// SchedFrom returns the scheduler that ctx carries, or nil.
func SchedFrom(ctx context.Context) *Sched {
	s, _ := ctx.Value(schedKey{}).(*Sched)
	return s
}

// External runs fn, real work outside the scheduler's control (a service call, a wait for a
// client), with the baton released so that the execution's other goroutines go on. On a
// virtual clock time does not jump while it runs; it flows at the base clock's rate.
func (s *Sched) External(fn func()) {
	s.mu.Lock()
	g := s.holder
	if g == nil {
		s.mu.Unlock()
		fn()
		return
	}
	if s.virtual && s.external == 0 {
		s.flowReal, s.flowFrom = s.base.Now(), s.now
	}
	s.external++
	s.holder = nil
	s.scheduleLocked()
	s.mu.Unlock()
	defer s.rejoin(g)
	fn()
}

// rejoin ends g's External work: g waits for the baton again.
func (s *Sched) rejoin(g *gor) {
	s.mu.Lock()
	if s.virtual && s.external == 1 {
		s.now = s.nowLocked()
		if s.armed != nil {
			s.armed.Stop()
			s.armed = nil
		}
	}
	s.external--
	g.blocked = true
	s.wakeLocked(g)
	if s.holder == nil {
		s.scheduleLocked()
	}
	s.mu.Unlock()
	<-g.wake
}

// followsBaseLocked reports whether the scheduler's time follows its base clock now: always
// when base-driven, and while External work is in flight when virtual.
func (s *Sched) followsBaseLocked() bool { return !s.virtual || s.external > 0 }

// armLocked sets the base timer for the earliest deadline while time follows the base clock.
// One timer per scheduler, firing every timer due in (deadline, seq) order, keeps ties in the
// order the timers were made, in every mode.
func (s *Sched) armLocked() {
	if len(s.timers) == 0 || !s.followsBaseLocked() {
		return
	}
	at := s.timers[0].at
	if s.armed != nil {
		if s.armedAt.Equal(at) {
			return
		}
		s.armed.Stop()
	}
	s.armedAt = at
	var self Timer
	self = s.base.AfterFunc(at.Sub(s.nowLocked()), func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.armed != self {
			return // stopped or replaced
		}
		s.armed = nil
		if s.followsBaseLocked() {
			// The base timer fired for armedAt: that instant has come, even where the base's
			// Now rounds a little short of it (a scaled clock).
			due := s.nowLocked()
			if s.armedAt.After(due) {
				due = s.armedAt
			}
			s.fireDueLocked(due)
			s.armLocked()
		}
		if s.holder == nil {
			s.scheduleLocked()
		}
	})
	s.armed = self
}

// Group runs goroutines under a Sched and waits for them, like sync.WaitGroup.
type Group struct {
	s      *Sched
	n      int
	waiter *gor
}

// NewGroup returns an empty Group.
func (s *Sched) NewGroup() *Group { return &Group{s: s} }

// Go starts fn in the group.
func (gr *Group) Go(fn func()) {
	gr.s.mu.Lock()
	gr.n++
	gr.s.mu.Unlock()
	gr.s.Go(func() {
		defer gr.done()
		fn()
	})
}

func (gr *Group) done() {
	s := gr.s
	s.mu.Lock()
	gr.n--
	if gr.n == 0 && gr.waiter != nil {
		w := gr.waiter
		gr.waiter = nil
		s.wakeLocked(w)
	}
	s.mu.Unlock()
}

// Wait blocks until every goroutine of the group has returned.
func (gr *Group) Wait() {
	s := gr.s
	s.mu.Lock()
	if gr.n == 0 {
		s.mu.Unlock()
		return
	}
	g := s.current()
	gr.waiter = g
	s.blockLocked(g, nil)
	s.mu.Unlock()
	<-g.wake
}

// Semaphore bounds how many goroutines of a Sched hold a slot (Map's MaxConcurrency); slots
// are granted first come first served.
type Semaphore struct {
	s       *Sched
	free    int
	waiters []*gor
}

// NewSemaphore returns a semaphore with n slots.
func (s *Sched) NewSemaphore(n int) *Semaphore { return &Semaphore{s: s, free: n} }

// Acquire takes a slot, blocking until one is free or ctx ends (then it returns
// context.Cause(ctx) and takes nothing).
func (sem *Semaphore) Acquire(ctx context.Context) error {
	s := sem.s
	s.mu.Lock()
	if ctx.Err() != nil {
		s.mu.Unlock()
		return context.Cause(ctx)
	}
	if sem.free > 0 {
		sem.free--
		s.mu.Unlock()
		return nil
	}
	g := s.current()
	g.granted = false
	sem.waiters = append(sem.waiters, g)
	s.blockLocked(g, ctx)
	s.mu.Unlock()
	<-g.wake
	s.mu.Lock()
	defer s.mu.Unlock()
	if g.granted {
		g.granted = false
		return nil
	}
	for i, w := range sem.waiters {
		if w == g {
			sem.waiters = append(sem.waiters[:i], sem.waiters[i+1:]...)
			break
		}
	}
	return context.Cause(ctx)
}

// Release gives a slot back, to the longest-waiting goroutine if there is one.
func (sem *Semaphore) Release() {
	s := sem.s
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(sem.waiters) > 0 {
		w := sem.waiters[0]
		sem.waiters = sem.waiters[1:]
		if w.blocked {
			w.granted = true
			s.wakeLocked(w)
			return
		}
	}
	sem.free++
}

// NewTimer returns a timer whose channel receives once d has passed on the scheduler.
func (s *Sched) NewTimer(d time.Duration) Timer {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.newTimerLocked(d)
	t.c = make(chan time.Time, 1)
	s.kickLocked()
	return t
}

// AfterFunc calls f once d has passed on the scheduler. On a virtual scheduler f runs at that
// instant with the scheduler locked: it must not block or call the scheduler (context
// cancellation, as WithTimeout does, is what it is for).
func (s *Sched) AfterFunc(d time.Duration, f func()) Timer {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.newTimerLocked(d)
	t.fn = f
	s.kickLocked()
	return t
}

// kickLocked lets the scheduler notice a timer added or moved: the base timer is re-armed,
// and an idle virtual scheduler moves on.
func (s *Sched) kickLocked() {
	s.armLocked()
	if s.virtual && s.holder == nil {
		s.scheduleLocked()
	}
}

type schedTimer struct {
	s      *Sched
	at     time.Time
	seq    uint64
	idx    int
	active bool
	g      *gor
	c      chan time.Time
	fn     func()
}

func (s *Sched) newTimerLocked(d time.Duration) *schedTimer {
	t := &schedTimer{s: s}
	s.startLocked(t, d)
	return t
}

func (s *Sched) startLocked(t *schedTimer, d time.Duration) {
	s.seq++
	t.seq, t.active = s.seq, true
	t.at = s.nowLocked().Add(max(d, 0))
	heap.Push(&s.timers, t)
	s.armLocked()
}

func (s *Sched) stopLocked(t *schedTimer) bool {
	if !t.active {
		return false
	}
	t.active = false
	heap.Remove(&s.timers, t.idx)
	return true
}

func (s *Sched) fireLocked(t *schedTimer) {
	switch {
	case t.g != nil:
		if t.g.timer == t {
			t.g.timer = nil
			t.g.byTimer = true
			s.wakeLocked(t.g)
		}
	case t.c != nil:
		select {
		case t.c <- s.nowLocked():
		default:
		}
	case t.fn != nil:
		t.fn()
	}
}

func (t *schedTimer) C() <-chan time.Time { return t.c }

func (t *schedTimer) Stop() bool {
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	return t.s.stopLocked(t)
}

func (t *schedTimer) Reset(d time.Duration) bool {
	s := t.s
	s.mu.Lock()
	defer s.mu.Unlock()
	was := s.stopLocked(t)
	s.startLocked(t, d)
	s.kickLocked()
	return was
}

type timerHeap []*schedTimer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h timerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx, h[j].idx = i, j
}
func (h *timerHeap) Push(x any) {
	t := x.(*schedTimer)
	t.idx = len(*h)
	*h = append(*h, t)
}
func (h *timerHeap) Pop() any {
	old := *h
	n := len(old)
	t := old[n-1]
	old[n-1] = nil
	t.idx = -1
	*h = old[:n-1]
	return t
}

// SkipTo moves a virtual scheduler's time forward to t (a resumed execution's last recorded
// instant); it does nothing to a base-driven one or when t is not later.
func (s *Sched) SkipTo(t time.Time) {
	if !s.virtual {
		return
	}
	s.mu.Lock()
	if t.After(s.now) {
		s.now = t
	}
	s.mu.Unlock()
}
