// Package storage is sfnlocal's one durable store: every service keeps its state in it when the
// server runs with --data-dir, and nothing uses it otherwise (state then lives in memory, as
// tests want).
//
// It is a thin layer over go.etcd.io/bbolt, chosen over modernc.org/sqlite because it is pure Go
// (the build is CGO_ENABLED=0 and the binary stays static), small (about 0.3 MB in the binary
// against several MB for the SQLite translation), crash-safe by construction (copy-on-write
// B+tree with two meta pages and checksums: a torn last write leaves the previous commit), and
// has group commit built in (DB.Batch coalesces concurrent writers into one transaction and one
// fsync). sfnlocal needs keys and values, not SQL: each service encodes its records itself.
//
// Shape:
//
//   - A store is one file, DIR/sfnlocal.db, locked against a second process.
//   - Records live in named buckets ("sfn.executions", "sqs.messages", ...): flat keyspaces of
//     string keys and byte values, iterated in key order. A service that keeps one instance
//     per region gives each other region a view of the store (Scoped) whose buckets are
//     named "base@region" (see scope.go), so that regions never share a record.
//   - Update runs a function in a write transaction that is group-committed with the other
//     writers of the same instant: it returns once the transaction is durable. Because a batch
//     that fails is retried one function at a time, the function must be idempotent (set
//     values; do not append to what it read).
//   - The schema is versioned (SchemaVersion, kept in the "meta" bucket); a store written by a
//     newer sfnlocal is refused with a message that says so, never read.
//   - A nil *DB and a nil *Bucket are valid and do nothing: a service written against the store
//     runs unchanged in memory mode.
package storage

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// SchemaVersion is the layout this build writes. Bump it when a record's encoding changes in a
// way an older build cannot read, and teach Open to migrate older stores.
const SchemaVersion = 1

// FileName is the store's file inside the data directory.
const FileName = "sfnlocal.db"

const metaBucket = "meta"

// ErrNewerSchema reports a store written by a newer sfnlocal.
var ErrNewerSchema = errors.New("storage: the data directory was written by a newer sfnlocal")

// Options tunes a store.
type Options struct {
	// NoSync skips fsync: faster, but a machine crash (not a process crash) may lose the
	// latest commits. For tests and benchmarks only.
	NoSync bool
	// MaxBatchDelay bounds how long a write waits for others to share its commit; 0 means
	// 2 ms. MaxBatchSize bounds how many share one; 0 means 1,000.
	MaxBatchDelay time.Duration
	MaxBatchSize  int
}

// DB is an open store.
type DB struct {
	bolt *bolt.DB
	dir  string
	// scope is "" for the store itself, else the scope of a view (Scoped): every bucket
	// name used through the view is suffixed with ScopeSep and scope.
	scope string
}

// Open opens (creating if need be) the store in dir.
func Open(dir string, opts Options) (*DB, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("storage: data directory %s: %w", dir, err)
	}
	path := filepath.Join(dir, FileName)
	if err := preflight(path); err != nil {
		return nil, err
	}
	//nolint:forbidigo // the file lock's wait is a real-time bound, not execution time
	b, err := openBolt(path, &bolt.Options{Timeout: time.Second, NoSync: opts.NoSync, FreelistType: bolt.FreelistMapType, NoFreelistSync: true})
	if err != nil {
		switch {
		case errors.Is(err, bolterrors.ErrTimeout):
			return nil, fmt.Errorf("storage: data directory %s is in use by another sfnlocal process", dir)
		case errors.Is(err, bolterrors.ErrInvalid), errors.Is(err, bolterrors.ErrChecksum), errors.Is(err, bolterrors.ErrVersionMismatch):
			return nil, fmt.Errorf("storage: %s is damaged or not an sfnlocal store (%v); move it aside to start with an empty store", path, err)
		}
		return nil, fmt.Errorf("storage: open %s: %w", path, err)
	}
	b.MaxBatchDelay = opts.MaxBatchDelay
	if b.MaxBatchDelay == 0 {
		b.MaxBatchDelay = 2 * time.Millisecond
	}
	b.MaxBatchSize = opts.MaxBatchSize
	if b.MaxBatchSize == 0 {
		b.MaxBatchSize = 1000
	}
	db := &DB{bolt: b, dir: dir}
	if err := db.checkSchema(); err != nil {
		b.Close()
		return nil, err
	}
	return db, nil
}

// openBolt is bolt.Open with its assertion panics (how bbolt reports some damage) as errors.
func openBolt(path string, o *bolt.Options) (db *bolt.DB, err error) {
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, fmt.Errorf("storage: %s is damaged (%v); move it aside to start with an empty store", path, r)
		}
	}()
	return bolt.Open(path, 0o644, o)
}

// preflight reads the store's two meta pages and refuses a file shorter than its newest valid
// commit needs (a torn or truncated write), which bbolt itself would only notice by panicking
// later. A missing or empty file is a new store.
func preflight(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("storage: open %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.Size() == 0 {
		return err
	}
	damaged := func(why string, args ...any) error {
		return fmt.Errorf("storage: %s is damaged (%s); move it aside to start with an empty store", path, fmt.Sprintf(why, args...))
	}
	// A meta page: 16-byte page header, then magic, version, pageSize, flags (uint32 each),
	// root bucket (16), freelist pgid, high-water pgid, txid, checksum (uint64 each); the
	// checksum is FNV-64a over the meta before it.
	const metaOff, metaLen = 16, 4*4 + 16 + 8*3
	var best *struct{ pgid, txid uint64 }
	pageSize := int64(0)
	for i := range 2 {
		buf := make([]byte, metaOff+metaLen+8)
		off := int64(0)
		if i == 1 {
			if pageSize == 0 {
				pageSize = int64(os.Getpagesize())
			}
			off = pageSize
		}
		if _, err := f.ReadAt(buf, off); err != nil {
			continue
		}
		m := buf[metaOff:]
		if binary.LittleEndian.Uint32(m[0:]) != 0xED0CDAED {
			continue
		}
		h := fnv.New64a()
		h.Write(m[:metaLen])
		if h.Sum64() != binary.LittleEndian.Uint64(m[metaLen:]) {
			continue
		}
		if i == 0 {
			pageSize = int64(binary.LittleEndian.Uint32(m[8:]))
		}
		pgid, txid := binary.LittleEndian.Uint64(m[40:]), binary.LittleEndian.Uint64(m[48:])
		if best == nil || txid > best.txid {
			best = &struct{ pgid, txid uint64 }{pgid, txid}
		}
	}
	if best == nil {
		return damaged("no valid meta page")
	}
	if need := int64(best.pgid) * pageSize; st.Size() < need {
		return damaged("truncated: %d bytes, its last commit needs %d", st.Size(), need)
	}
	return nil
}

// checkSchema stamps a new store with SchemaVersion and refuses a newer one.
func (db *DB) checkSchema() error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists([]byte(metaBucket))
		if err != nil {
			return err
		}
		v := meta.Get([]byte("schema"))
		if v == nil {
			return meta.Put([]byte("schema"), []byte(strconv.Itoa(SchemaVersion)))
		}
		n, err := strconv.Atoi(string(v))
		if err != nil {
			return fmt.Errorf("storage: %s: unreadable schema version %q; move the directory aside to start with an empty store", db.dir, v)
		}
		if n > SchemaVersion {
			return fmt.Errorf("%w (schema %d; this build reads up to %d): upgrade sfnlocal or use another --data-dir", ErrNewerSchema, n, SchemaVersion)
		}
		return nil
	})
}

// Dir is the data directory.
func (db *DB) Dir() string {
	if db == nil {
		return ""
	}
	return db.dir
}

// Close closes the store. Pending group commits finish first. Closing a view (Scoped) does
// nothing: the store stays open for its owner to close.
func (db *DB) Close() error {
	if db == nil || db.scope != "" {
		return nil
	}
	return db.bolt.Close()
}

// Update runs fn in a write transaction group-committed with concurrent writers; it returns
// once the transaction is durable (or fn's error, which rolls fn's writes back). fn may run
// more than once and must be idempotent. On a nil DB fn is not run.
func (db *DB) Update(fn func(*Tx) error) error {
	if db == nil {
		return nil
	}
	return db.bolt.Batch(func(tx *bolt.Tx) error { return fn(&Tx{tx: tx, scope: db.scope}) })
}

// UpdateNow is Update without waiting for other writers: for rare, large writes (migrations,
// retention sweeps) that should not hold a batch up.
func (db *DB) UpdateNow(fn func(*Tx) error) error {
	if db == nil {
		return nil
	}
	return db.bolt.Update(func(tx *bolt.Tx) error { return fn(&Tx{tx: tx, scope: db.scope}) })
}

// View runs fn in a read transaction, which sees one consistent snapshot.
func (db *DB) View(fn func(*Tx) error) error {
	if db == nil {
		return nil
	}
	return db.bolt.View(func(tx *bolt.Tx) error { return fn(&Tx{tx: tx, ro: true, scope: db.scope}) })
}

// Tx is a transaction. Values it returns are copies, safe to keep after it ends.
type Tx struct {
	tx    *bolt.Tx
	ro    bool
	scope string // the view's (DB.scope)
}

func (t *Tx) bucket(name string, create bool) (*bolt.Bucket, error) {
	key, err := scopedName(name, t.scope)
	if err != nil {
		return nil, err
	}
	if b := t.tx.Bucket(key); b != nil || !create {
		return b, nil
	}
	return t.tx.CreateBucket(key)
}

// Put sets bucket[key] = val.
func (t *Tx) Put(bucket, key string, val []byte) error {
	b, err := t.bucket(bucket, true)
	if err != nil {
		return err
	}
	return b.Put([]byte(key), val)
}

// PutJSON sets bucket[key] to v encoded as JSON.
func (t *Tx) PutJSON(bucket, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("storage: encode %s/%s: %w", bucket, key, err)
	}
	return t.Put(bucket, key, data)
}

// Delete removes bucket[key]; a missing key is not an error.
func (t *Tx) Delete(bucket, key string) error {
	b, err := t.bucket(bucket, false)
	if err != nil || b == nil {
		return err
	}
	return b.Delete([]byte(key))
}

// DeletePrefix removes every key of bucket that starts with prefix.
func (t *Tx) DeletePrefix(bucket, prefix string) error {
	b, err := t.bucket(bucket, false)
	if err != nil || b == nil {
		return err
	}
	c := b.Cursor()
	p := []byte(prefix)
	for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Seek(p) {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

// DropBucket removes a bucket and everything in it.
func (t *Tx) DropBucket(bucket string) error {
	key, err := scopedName(bucket, t.scope)
	if err != nil {
		return err
	}
	err = t.tx.DeleteBucket(key)
	if errors.Is(err, bolterrors.ErrBucketNotFound) {
		return nil
	}
	return err
}

// Get returns a copy of bucket[key], or nil when there is none.
func (t *Tx) Get(bucket, key string) []byte {
	b, _ := t.bucket(bucket, false)
	if b == nil {
		return nil
	}
	v := b.Get([]byte(key))
	if v == nil {
		return nil
	}
	return bytes.Clone(v)
}

// LastKey returns the last key of bucket in key order ("" when it is empty).
func (t *Tx) LastKey(bucket string) string {
	b, _ := t.bucket(bucket, false)
	if b == nil {
		return ""
	}
	k, _ := b.Cursor().Last()
	return string(k)
}

// ForEach calls fn for every key of bucket in key order, with a value it may keep.
func (t *Tx) ForEach(bucket string, fn func(key string, val []byte) error) error {
	return t.ForEachPrefix(bucket, "", fn)
}

// ForEachPrefix calls fn for every key of bucket that starts with prefix, in key order.
func (t *Tx) ForEachPrefix(bucket, prefix string, fn func(key string, val []byte) error) error {
	b, _ := t.bucket(bucket, false)
	if b == nil {
		return nil
	}
	c := b.Cursor()
	p := []byte(prefix)
	for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
		if err := fn(string(k), bytes.Clone(v)); err != nil {
			return err
		}
	}
	return nil
}

// Bucket is a handle on one bucket for code that writes one record at a time. Each method is
// its own group-committed transaction. A nil Bucket (from a nil DB) does nothing.
type Bucket struct {
	db   *DB
	name string
}

// Bucket returns a handle on the named bucket, or nil for a nil DB.
func (db *DB) Bucket(name string) *Bucket {
	if db == nil {
		return nil
	}
	return &Bucket{db: db, name: name}
}

// Put durably sets key to val.
func (b *Bucket) Put(key string, val []byte) error {
	if b == nil {
		return nil
	}
	return b.db.Update(func(tx *Tx) error { return tx.Put(b.name, key, val) })
}

// PutJSON durably sets key to v encoded as JSON.
func (b *Bucket) PutJSON(key string, v any) error {
	if b == nil {
		return nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("storage: encode %s/%s: %w", b.name, key, err)
	}
	return b.Put(key, data)
}

// Delete durably removes key.
func (b *Bucket) Delete(key string) error {
	if b == nil {
		return nil
	}
	return b.db.Update(func(tx *Tx) error { return tx.Delete(b.name, key) })
}

// DeletePrefix durably removes every key starting with prefix.
func (b *Bucket) DeletePrefix(prefix string) error {
	if b == nil {
		return nil
	}
	return b.db.Update(func(tx *Tx) error { return tx.DeletePrefix(b.name, prefix) })
}

// Get returns key's value, or nil.
func (b *Bucket) Get(key string) ([]byte, error) {
	if b == nil {
		return nil, nil
	}
	var v []byte
	err := b.db.View(func(tx *Tx) error { v = tx.Get(b.name, key); return nil })
	return v, err
}

// ForEach calls fn for every record in key order (one read snapshot).
func (b *Bucket) ForEach(fn func(key string, val []byte) error) error {
	if b == nil {
		return nil
	}
	return b.db.View(func(tx *Tx) error { return tx.ForEach(b.name, fn) })
}

// LoadJSON decodes every record of bucket into a T and calls fn with it, in key order: how a
// service rebuilds its in-memory indexes at start.
func LoadJSON[T any](b *Bucket, fn func(key string, v T) error) error {
	return b.ForEach(func(key string, val []byte) error {
		var v T
		if err := json.Unmarshal(val, &v); err != nil {
			return fmt.Errorf("storage: decode %s/%s: %w", b.name, key, err)
		}
		return fn(key, v)
	})
}
