// Package journal orders a service's writes to the durable store without holding the service's
// lock across a disk commit.
//
// A service mutates its in-memory state under its own mutex. Writing each change to the store
// inside that critical section would serialise every request behind an fsync; writing it after
// the unlock would let two changes to one record reach the disk in the wrong order (a message
// deleted right after it was sent could come back after a restart). A Journal does neither: the
// service appends the encoded change under its lock (cheap, and in the lock's order), then,
// after unlocking, calls Sync, which commits everything appended so far in one transaction and
// returns once it is durable. Concurrent requests share commits (group commit): while one
// commit is on disk the next requests pile up and go out together.
//
// The rule for a service is therefore: mutate memory and Put/Delete under the lock, unlock,
// Sync, and only then answer the client (write-ahead of the acknowledgement). A nil Journal
// (memory mode) does nothing and costs nothing.
//
// A failed commit makes the journal fail: every later Sync returns that error, because the
// memory state is then ahead of the store and only a restart can make them agree.
package journal

import (
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/sfnlocal/sfnlocal/internal/storage"
)

type opKind uint8

const (
	opPut opKind = iota
	opDelete
	opDeletePrefix
)

type op struct {
	kind        opKind
	bucket, key string
	val         []byte
}

// Journal is one service's ordered write queue in front of a store.
type Journal struct {
	db *storage.DB

	mu      sync.Mutex // guards pending and seq
	pending []op
	seq     uint64

	flushMu sync.Mutex // one commit at a time, so commits land in append order
	done    atomic.Uint64
	failed  atomic.Pointer[error]
	soon    atomic.Bool // a SyncSoon flusher is running
}

// New returns a journal over db, or nil (memory mode) when db is nil.
func New(db *storage.DB) *Journal {
	if db == nil {
		return nil
	}
	return &Journal{db: db}
}

// On reports whether the journal writes anywhere: services test it before encoding a record.
func (j *Journal) On() bool { return j != nil }

// DB is the store the journal writes to (nil for a nil journal).
func (j *Journal) DB() *storage.DB {
	if j == nil {
		return nil
	}
	return j.db
}

func (j *Journal) add(o op) {
	j.mu.Lock()
	j.pending = append(j.pending, o)
	j.seq++
	j.mu.Unlock()
}

// Put queues bucket[key] = val.
func (j *Journal) Put(bucket, key string, val []byte) {
	if j == nil {
		return
	}
	j.add(op{kind: opPut, bucket: bucket, key: key, val: val})
}

// PutJSON queues bucket[key] = v encoded as JSON now (so later changes to v do not leak in).
func (j *Journal) PutJSON(bucket, key string, v any) {
	if j == nil {
		return
	}
	data, err := json.Marshal(v)
	if err != nil {
		// Records are plain structs of strings, numbers and maps: failing to encode one is a
		// bug, which must not pass silently.
		panic(fmt.Sprintf("journal: encode %s/%s: %v", bucket, key, err))
	}
	j.add(op{kind: opPut, bucket: bucket, key: key, val: data})
}

// Delete queues the removal of bucket[key].
func (j *Journal) Delete(bucket, key string) {
	if j == nil {
		return
	}
	j.add(op{kind: opDelete, bucket: bucket, key: key})
}

// DeletePrefix queues the removal of every key of bucket starting with prefix.
func (j *Journal) DeletePrefix(bucket, prefix string) {
	if j == nil {
		return
	}
	j.add(op{kind: opDeletePrefix, bucket: bucket, key: prefix})
}

// Sync returns once everything queued before the call is durable, or the error that stopped
// the journal.
func (j *Journal) Sync() error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	target := j.seq
	j.mu.Unlock()
	if j.done.Load() >= target {
		return j.err()
	}
	j.flushMu.Lock()
	defer j.flushMu.Unlock()
	if j.done.Load() >= target {
		return j.err()
	}
	if err := j.err(); err != nil {
		return err
	}
	j.mu.Lock()
	ops, last := j.pending, j.seq
	j.pending = nil
	j.mu.Unlock()
	err := j.db.UpdateNow(func(tx *storage.Tx) error {
		for _, o := range ops {
			var err error
			switch o.kind {
			case opPut:
				err = tx.Put(o.bucket, o.key, o.val)
			case opDelete:
				err = tx.Delete(o.bucket, o.key)
			case opDeletePrefix:
				err = tx.DeletePrefix(o.bucket, o.key)
			}
			if err != nil {
				return fmt.Errorf("journal: %s/%s: %w", o.bucket, o.key, err)
			}
		}
		return nil
	})
	if err != nil {
		err = fmt.Errorf("storage write failed; restart sfnlocal: %w", err)
		j.failed.Store(&err)
	}
	j.done.Store(last)
	return err
}

// SyncSoon makes what is queued durable in the background, for producers that must not wait
// for the disk (log lines appended under another component's lock). At most one flusher runs;
// it stops when nothing is left. A failure is kept and returned by the next Sync.
func (j *Journal) SyncSoon() {
	if j == nil || !j.soon.CompareAndSwap(false, true) {
		return
	}
	go func() {
		for {
			_ = j.Sync()
			j.soon.Store(false)
			if !j.behind() || !j.soon.CompareAndSwap(false, true) {
				return
			}
		}
	}()
}

func (j *Journal) behind() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.seq > j.done.Load()
}

// SyncInto is Sync for a deferred call in a function with a named error result: it sets *err
// to the store's error when the function succeeded otherwise.
//
//	func (s *Service) Op() (err error) {
//		defer s.j.SyncInto(&err) // runs after the Unlock below
//		s.mu.Lock()
//		defer s.mu.Unlock()
func (j *Journal) SyncInto(err *error) {
	if j == nil {
		return
	}
	if e := j.Sync(); e != nil && *err == nil {
		*err = e
	}
}

// SyncAfter queues changes by calling fill with mu held, then Syncs: for a caller that does
// not hold the service's lock (a background goroutine). A nil Journal does nothing.
func (j *Journal) SyncAfter(mu sync.Locker, fill func()) error {
	if j == nil {
		return nil
	}
	mu.Lock()
	fill()
	mu.Unlock()
	return j.Sync()
}

func (j *Journal) err() error {
	if p := j.failed.Load(); p != nil {
		return *p
	}
	return nil
}

// Load decodes every JSON record of bucket into a T, in key order.
func Load[T any](db *storage.DB, bucket string, fn func(key string, v T) error) error {
	return storage.LoadJSON(db.Bucket(bucket), fn)
}
