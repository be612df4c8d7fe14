package journal

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/storagetest"
)

func TestNilJournalIsMemoryMode(t *testing.T) {
	t.Parallel()
	var j *Journal = New(nil)
	require.False(t, j.On())
	j.Put("b", "k", []byte("v"))
	j.PutJSON("b", "k", 1)
	j.Delete("b", "k")
	j.DeletePrefix("b", "k")
	j.SyncSoon()
	require.NoError(t, j.Sync())
	var err error
	j.SyncInto(&err)
	require.NoError(t, err)
	var mu sync.Mutex
	require.NoError(t, j.SyncAfter(&mu, func() { t.Fatal("memory mode queues nothing") }))
}

// TestSyncAfter: what fill queues, under the lock, is durable when SyncAfter returns.
func TestSyncAfter(t *testing.T) {
	t.Parallel()
	db := storagetest.Open(t)
	j := New(db)
	var mu sync.Mutex
	require.NoError(t, j.SyncAfter(&mu, func() {
		require.False(t, mu.TryLock(), "fill runs with the lock held")
		j.Put("b", "k", []byte("v"))
	}))
	require.True(t, mu.TryLock(), "the lock is released")
	mu.Unlock()
	v, err := db.Bucket("b").Get("k")
	require.NoError(t, err)
	require.Equal(t, []byte("v"), v)
}

// TestOrder: changes reach the store in the order they were queued, whatever the commits
// they share.
func TestOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ops  func(j *Journal)
		want map[string]string
	}{
		{"put then delete", func(j *Journal) { j.Put("b", "k", []byte("1")); j.Delete("b", "k") }, map[string]string{}},
		{"delete then put", func(j *Journal) { j.Delete("b", "k"); j.Put("b", "k", []byte("2")) }, map[string]string{"k": "2"}},
		{"last put wins", func(j *Journal) { j.Put("b", "k", []byte("1")); j.PutJSON("b", "k", "x") }, map[string]string{"k": `"x"`}},
		{"prefix delete spares later puts", func(j *Journal) {
			j.Put("b", "q/1", []byte("a"))
			j.Put("b", "q/2", []byte("b"))
			j.Put("b", "r/1", []byte("c"))
			j.DeletePrefix("b", "q/")
			j.Put("b", "q/3", []byte("d"))
		}, map[string]string{"q/3": "d", "r/1": "c"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := storagetest.Open(t)
			j := New(db)
			tc.ops(j)
			require.NoError(t, j.Sync())
			got := map[string]string{}
			require.NoError(t, db.Bucket("b").ForEach(func(k string, v []byte) error { got[k] = string(v); return nil }))
			require.Equal(t, tc.want, got)
		})
	}
}

// TestConcurrentSync: many writers each see their own change durable when Sync returns.
func TestConcurrentSync(t *testing.T) {
	t.Parallel()
	db := storagetest.Open(t)
	j := New(db)
	var mu sync.Mutex // the service's lock: queue order is lock order
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			mu.Lock()
			j.Put("b", fmt.Sprintf("%03d", i), []byte("v"))
			mu.Unlock()
			require.NoError(t, j.Sync())
			v, err := db.Bucket("b").Get(fmt.Sprintf("%03d", i))
			require.NoError(t, err)
			require.Equal(t, "v", string(v))
		})
	}
	wg.Wait()
}

// TestFailureSticks: after a failed commit every Sync fails, since memory is ahead of the
// store.
func TestFailureSticks(t *testing.T) {
	t.Parallel()
	db := storagetest.Open(t)
	j := New(db)
	j.Put("b", "", []byte("v")) // bbolt refuses an empty key
	require.Error(t, j.Sync())
	j.Put("b", "k", []byte("v"))
	require.Error(t, j.Sync())
}

func TestSyncSoon(t *testing.T) {
	t.Parallel()
	db := storagetest.Open(t)
	j := New(db)
	j.Put("b", "k", []byte("v"))
	j.SyncSoon()
	require.NoError(t, j.Sync()) // waits for what SyncSoon may still be writing
	v, err := db.Bucket("b").Get("k")
	require.NoError(t, err)
	require.Equal(t, "v", string(v))
}

// BenchmarkSync is one queued change made durable, from many goroutines sharing commits.
func BenchmarkSync(b *testing.B) {
	db, err := storage.Open(b.TempDir(), storage.Options{})
	require.NoError(b, err)
	defer db.Close()
	j := New(db)
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			j.Put("b", fmt.Sprint(i%100), []byte("value"))
			if err := j.Sync(); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
