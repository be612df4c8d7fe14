package journal

import (
	"strings"
	"testing"

	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/storagetest"
)

// TestMirror: each pass writes only what changed and deletes what it no longer names.
func TestMirror(t *testing.T) {
	db := storagetest.Open(t)
	j := New(db)
	var m Mirror
	pass := func(recs map[string]string) int {
		t.Helper()
		m.Begin()
		for k, v := range recs {
			m.Put(j, "b", k, v)
		}
		m.End(j)
		n := len(j.pending)
		if err := j.Sync(); err != nil {
			t.Fatal(err)
		}
		return n
	}
	contents := func() string {
		var kv []string
		_ = db.View(func(tx *storage.Tx) error {
			return tx.ForEach("b", func(k string, v []byte) error { kv = append(kv, k+"="+string(v)); return nil })
		})
		return strings.Join(kv, ",")
	}
	for _, step := range []struct {
		recs   map[string]string
		queued int
		want   string
	}{
		{map[string]string{"a": "1", "b": "2"}, 2, `a="1",b="2"`},
		{map[string]string{"a": "1", "b": "2"}, 0, `a="1",b="2"`}, // nothing changed
		{map[string]string{"a": "1", "b": "3"}, 1, `a="1",b="3"`}, // one changed
		{map[string]string{"b": "3", "c": "4"}, 2, `b="3",c="4"`}, // a deleted, c added
		{map[string]string{}, 2, ``},
	} {
		if n := pass(step.recs); n != step.queued {
			t.Errorf("%v: queued %d ops, want %d", step.recs, n, step.queued)
		}
		if got := contents(); got != step.want {
			t.Errorf("%v: store holds %s, want %s", step.recs, got, step.want)
		}
	}
}
