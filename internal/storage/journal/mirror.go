package journal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Mirror keeps a journal in step with a small in-memory collection that a service rewrites
// as a whole after each change (ECS clusters and tasks, Batch compute environments and
// queues): a pass Puts every record, and Mirror queues only those whose encoding changed since
// the last pass and deletes the ones the pass no longer named. It is for collections of
// hundreds of records, not millions (each pass encodes them all). The zero Mirror is ready;
// the caller serialises passes (its own lock).
type Mirror struct {
	written map[string][]byte // bucket "\x00" key → the encoding last queued
	seen    map[string]bool
}

// Begin starts a pass.
func (m *Mirror) Begin() {
	if m.written == nil {
		m.written = map[string][]byte{}
	}
	m.seen = map[string]bool{}
}

// Put names bucket/key with value v in this pass and queues it on j when it changed. A value
// that cannot be encoded is a programming error (records are plain structs) and panics.
func (m *Mirror) Put(j *Journal, bucket, key string, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("journal: encode %s/%s: %v", bucket, key, err))
	}
	k := bucket + "\x00" + key
	m.seen[k] = true
	if !bytes.Equal(m.written[k], data) {
		j.Put(bucket, key, data)
		m.written[k] = data
	}
}

// End queues the deletion of every record the pass did not name.
func (m *Mirror) End(j *Journal) {
	for k := range m.written {
		if !m.seen[k] {
			bucket, key, _ := strings.Cut(k, "\x00")
			j.Delete(bucket, key)
			delete(m.written, k)
		}
	}
	m.seen = nil
}
