package s3

import (
	"maps"
	"sort"
	"strings"
	"sync"
	"time"
)

// Store keeps buckets and objects. The Service does all of S3's logic (ETags, checksums,
// listing with delimiters, multipart assembly) on top of it, so a store only stores: the
// in-memory one here today, a durable one later. Objects handed to and returned by a Store
// are never modified afterwards; a store may keep and return them as they are.
type Store interface {
	// CreateBucket adds an empty bucket; it returns false when the bucket already exists.
	CreateBucket(name string, created time.Time) bool
	// DeleteBucket removes an empty bucket; ok is false when it does not exist, empty false
	// (and nothing removed) when it holds objects.
	DeleteBucket(name string) (ok, empty bool)
	// Bucket reports whether a bucket exists, and when it was created.
	Bucket(name string) (created time.Time, ok bool)
	// Buckets lists every bucket, sorted by name.
	Buckets() []BucketInfo
	// Put stores obj under obj.Key in bucket, replacing any object there; false when the
	// bucket does not exist.
	Put(bucket string, obj *Object) bool
	// Get returns the object at key; bucketOK is false when the bucket does not exist.
	Get(bucket, key string) (obj *Object, bucketOK bool)
	// Delete removes the object at key (no-op when absent); false when the bucket does not
	// exist.
	Delete(bucket, key string) bool
	// Walk calls fn with the bucket's objects whose keys start with prefix and sort after
	// after, in key order, until fn returns false; false when the bucket does not exist.
	Walk(bucket, prefix, after string, fn func(*Object) bool) bool
}

// BucketInfo is one bucket of a listing.
type BucketInfo struct {
	Name    string
	Created time.Time
}

// memStore is the in-memory Store: per bucket a map of objects and their keys in order.
type memStore struct {
	mu      sync.RWMutex
	buckets map[string]*memBucket
}

type memBucket struct {
	created time.Time
	objects map[string]*Object
	keys    []string // sorted
}

// NewMemoryStore returns an empty in-memory Store.
func NewMemoryStore() Store { return &memStore{buckets: map[string]*memBucket{}} }

func (m *memStore) CreateBucket(name string, created time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.buckets[name]; ok {
		return false
	}
	m.buckets[name] = &memBucket{created: created, objects: map[string]*Object{}}
	return true
}

func (m *memStore) DeleteBucket(name string) (ok, empty bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.buckets[name]
	if !ok {
		return false, false
	}
	if len(b.objects) > 0 {
		return true, false
	}
	delete(m.buckets, name)
	return true, true
}

func (m *memStore) Bucket(name string) (time.Time, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	b, ok := m.buckets[name]
	if !ok {
		return time.Time{}, false
	}
	return b.created, true
}

func (m *memStore) Buckets() []BucketInfo {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]BucketInfo, 0, len(m.buckets))
	for _, name := range sortedKeys(m.buckets) {
		out = append(out, BucketInfo{Name: name, Created: m.buckets[name].created})
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range maps.Keys(m) {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (m *memStore) Put(bucket string, obj *Object) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.putLocked(bucket, obj)
}

func (m *memStore) putLocked(bucket string, obj *Object) bool {
	b, ok := m.buckets[bucket]
	if !ok {
		return false
	}
	if _, exists := b.objects[obj.Key]; !exists {
		i := sort.SearchStrings(b.keys, obj.Key)
		b.keys = append(b.keys, "")
		copy(b.keys[i+1:], b.keys[i:])
		b.keys[i] = obj.Key
	}
	b.objects[obj.Key] = obj
	return true
}

func (m *memStore) Get(bucket, key string) (*Object, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	b, ok := m.buckets[bucket]
	if !ok {
		return nil, false
	}
	return b.objects[key], true
}

func (m *memStore) Delete(bucket, key string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.deleteLocked(bucket, key)
}

func (m *memStore) deleteLocked(bucket, key string) bool {
	b, ok := m.buckets[bucket]
	if !ok {
		return false
	}
	if _, exists := b.objects[key]; exists {
		delete(b.objects, key)
		i := sort.SearchStrings(b.keys, key)
		b.keys = append(b.keys[:i], b.keys[i+1:]...)
	}
	return true
}

func (m *memStore) Walk(bucket, prefix, after string, fn func(*Object) bool) bool {
	for {
		batch, more, ok := m.walkBatch(bucket, prefix, after)
		if !ok {
			return false
		}
		for _, o := range batch {
			if !fn(o) {
				return true
			}
		}
		if !more {
			return true
		}
		after = batch[len(batch)-1].Key
	}
}

// walkBatch copies up to 1024 objects of a Walk under the read lock, so that Walk's callback
// runs unlocked (it may be slow, or call the store).
func (m *memStore) walkBatch(bucket, prefix, after string) (batch []*Object, more, ok bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	b, ok := m.buckets[bucket]
	if !ok {
		return nil, false, false
	}
	start := prefix
	if after >= start {
		start = after + "\x00"
	}
	i := sort.SearchStrings(b.keys, start)
	for ; i < len(b.keys) && strings.HasPrefix(b.keys[i], prefix) && len(batch) < 1024; i++ {
		batch = append(batch, b.objects[b.keys[i]])
	}
	more = len(batch) > 0 && i < len(b.keys) && strings.HasPrefix(b.keys[i], prefix)
	return batch, more, true
}
