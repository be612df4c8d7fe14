package server

import (
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/api"
)

// Returning freed memory to the OS after a burst of executions.
//
// Every execution leaves garbage behind when it ends (its live run, about 9 KB for 10 states,
// is compacted to about 1 KB), and --max-executions evicts the oldest finished ones. The Go
// runtime reuses that memory for the next executions but hands it back to the OS only slowly:
// its background scavenger keeps about 10% over the heap goal of the last collection, and after
// the load stops no collection runs (nothing allocates) until the forced one two minutes
// later. So a server that has just run 100,000 executions would keep its peak RSS. Once at
// least releaseAfterEnded executions have ended and none has ended for releaseIdle, the
// releaser collects and returns every free page (debug.FreeOSMemory: one full collection,
// tens of milliseconds). That is at most one release per pause in the load; while the load
// goes on the runtime reuses the freed memory itself, and the soft memory limit the serve
// command sets bounds it.
const (
	releaseAfterEnded = 1000
	releaseIdle       = time.Second
)

// memoryReleaser is the Observer that does it. It runs on the wall clock (it is about the
// process, not the emulated time).
type memoryReleaser struct {
	log *zap.Logger

	mu     sync.Mutex
	ended  uint64 // executions ended since the server started
	since  uint64 // executions ended since the last release
	timer  *time.Timer
	closed bool
}

func newMemoryReleaser(log *zap.Logger) *memoryReleaser { return &memoryReleaser{log: log} }

// ExecutionStatusChanged counts ended executions and (re)arms the idle timer past the
// threshold: the release comes releaseIdle after the last of a burst.
func (m *memoryReleaser) ExecutionStatusChanged(e api.ExecutionStatus) {
	if e.Status == "RUNNING" {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ended++
	m.since++
	if m.since < releaseAfterEnded || m.closed {
		return
	}
	if m.timer == nil {
		m.timer = time.AfterFunc(releaseIdle, m.release)
	} else {
		m.timer.Reset(releaseIdle)
	}
}

func (m *memoryReleaser) release() {
	m.mu.Lock()
	ended, since := m.ended, m.since
	m.since = 0
	m.mu.Unlock()
	before := readMemory()
	debug.FreeOSMemory()
	after := readMemory()
	m.log.Info("returned freed memory to the OS",
		zap.Uint64("executions_ended", ended), zap.Uint64("since_last_release", since),
		zap.Uint64("released_mb", (after.released-min(before.released, after.released))>>20),
		zap.Uint64("heap_live_mb", after.live>>20), zap.Uint64("retained_mb", (after.mapped-min(after.released, after.mapped))>>20))
}

// close stops the timer (a release in progress finishes).
func (m *memoryReleaser) close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	if m.timer != nil {
		m.timer.Stop()
	}
}

type memoryFigures struct{ released, live, mapped uint64 }

// readMemory reads the runtime's heap figures (cheap: no stop-the-world).
func readMemory() memoryFigures {
	s := []metrics.Sample{
		{Name: "/memory/classes/heap/released:bytes"},
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/total:bytes"},
	}
	metrics.Read(s)
	var f memoryFigures
	for i, p := range []*uint64{&f.released, &f.live, &f.mapped} {
		if s[i].Value.Kind() == metrics.KindUint64 {
			*p = s[i].Value.Uint64()
		}
	}
	return f
}
