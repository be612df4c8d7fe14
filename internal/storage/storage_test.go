package storage

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func open(t testing.TB, dir string) *DB {
	t.Helper()
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestReopenKeepsRecords(t *testing.T) {
	dir := t.TempDir()
	db := open(t, dir)
	b := db.Bucket("sqs.queues")
	for i := range 3 {
		if err := b.PutJSON(fmt.Sprintf("q%d", i), map[string]int{"n": i}); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Delete("q1"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = open(t, dir)
	defer db.Close()
	var got []string
	err := LoadJSON(db.Bucket("sqs.queues"), func(k string, v map[string]int) error {
		got = append(got, fmt.Sprintf("%s=%d", k, v["n"]))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "q0=0,q2=2" {
		t.Fatalf("got %v", got)
	}
}

func TestNilIsMemoryMode(t *testing.T) {
	var db *DB
	b := db.Bucket("x")
	if b != nil {
		t.Fatal("nil DB gave a bucket")
	}
	if err := b.Put("k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if v, err := b.Get("k"); v != nil || err != nil {
		t.Fatalf("Get = %q, %v", v, err)
	}
	if err := b.ForEach(func(string, []byte) error { return errors.New("called") }); err != nil {
		t.Fatal(err)
	}
	ran := false
	if err := db.Update(func(*Tx) error { ran = true; return nil }); err != nil || ran {
		t.Fatalf("Update on nil DB ran=%v err=%v", ran, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestPrefixes(t *testing.T) {
	db := open(t, t.TempDir())
	defer db.Close()
	err := db.Update(func(tx *Tx) error {
		for _, k := range []string{"a/1", "a/2", "ab/1", "b/1"} {
			if err := tx.Put("h", k, []byte(k)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	keys := func(prefix string) string {
		var ks []string
		_ = db.View(func(tx *Tx) error {
			return tx.ForEachPrefix("h", prefix, func(k string, _ []byte) error { ks = append(ks, k); return nil })
		})
		return strings.Join(ks, ",")
	}
	if got := keys("a/"); got != "a/1,a/2" {
		t.Fatalf("a/ = %s", got)
	}
	if err := db.Bucket("h").DeletePrefix("a/"); err != nil {
		t.Fatal(err)
	}
	if got := keys(""); got != "ab/1,b/1" {
		t.Fatalf("after DeletePrefix: %s", got)
	}
	var last, none string
	_ = db.View(func(tx *Tx) error { last, none = tx.LastKey("h"), tx.LastKey("missing"); return nil })
	if last != "b/1" || none != "" {
		t.Fatalf("LastKey = %q, %q", last, none)
	}
	if err := db.Update(func(tx *Tx) error { return tx.DropBucket("h") }); err != nil {
		t.Fatal(err)
	}
	if got := keys(""); got != "" {
		t.Fatalf("after DropBucket: %s", got)
	}
}

func TestFnErrorRollsBack(t *testing.T) {
	db := open(t, t.TempDir())
	defer db.Close()
	boom := errors.New("boom")
	err := db.Update(func(tx *Tx) error {
		if err := tx.Put("b", "k", []byte("v")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if v, _ := db.Bucket("b").Get("k"); v != nil {
		t.Fatalf("rolled-back write visible: %q", v)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	dir := t.TempDir()
	db := open(t, dir)
	if err := db.UpdateNow(func(tx *Tx) error { return tx.Put(metaBucket, "schema", []byte("99")) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err := Open(dir, Options{})
	if !errors.Is(err, ErrNewerSchema) || !strings.Contains(err.Error(), "schema 99") {
		t.Fatalf("err = %v", err)
	}
}

func TestSecondOpenRefused(t *testing.T) {
	dir := t.TempDir()
	db := open(t, dir)
	defer db.Close()
	_, err := Open(dir, Options{})
	if err == nil || !strings.Contains(err.Error(), "in use by another sfnlocal") {
		t.Fatalf("err = %v", err)
	}
}

// TestTornWrite cuts the file at every page boundary past the first commit and at odd offsets:
// Open must either recover a consistent store (the records it returns are whole) or refuse with
// a message naming the damage — never serve garbage or panic.
func TestTornWrite(t *testing.T) {
	src := t.TempDir()
	db := open(t, src)
	for i := range 200 {
		if err := db.Bucket("r").Put(fmt.Sprintf("k%04d", i), []byte(strings.Repeat("v", 100+i))); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	data, err := os.ReadFile(filepath.Join(src, FileName))
	if err != nil {
		t.Fatal(err)
	}
	page := os.Getpagesize()
	var cuts []int
	for n := 0; n < len(data); n += page {
		cuts = append(cuts, n, n+page/2)
	}
	recovered, refused := 0, 0
	for _, n := range cuts {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, FileName), data[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		db, err := Open(dir, Options{})
		if err != nil {
			if !strings.Contains(err.Error(), "damaged") && !strings.Contains(err.Error(), "storage:") {
				t.Fatalf("cut at %d: unclear error %v", n, err)
			}
			refused++
			continue
		}
		err = db.Bucket("r").ForEach(func(k string, v []byte) error {
			var i int
			if _, err := fmt.Sscanf(k, "k%04d", &i); err != nil || len(v) != 100+i {
				return fmt.Errorf("record %q has %d bytes", k, len(v))
			}
			return nil
		})
		db.Close()
		if err != nil {
			t.Fatalf("cut at %d: served corrupt state: %v", n, err)
		}
		recovered++
	}
	t.Logf("torn writes: %d recovered, %d refused", recovered, refused)
}

func TestConcurrentWritersShareCommits(t *testing.T) {
	db := open(t, t.TempDir())
	defer db.Close()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 50 {
				if err := db.Bucket("c").Put(fmt.Sprintf("%d/%d", w, i), []byte("x")); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	n := 0
	_ = db.Bucket("c").ForEach(func(string, []byte) error { n++; return nil })
	if n != 400 {
		t.Fatalf("%d records, want 400", n)
	}
}

// BenchmarkGroupCommit measures durable single-record writes from concurrent writers (the
// shape of history appends from many executions).
func BenchmarkGroupCommit(b *testing.B) {
	db := open(b, b.TempDir())
	defer db.Close()
	val := []byte(strings.Repeat("e", 300))
	b.SetParallelism(64)
	var n sync.Mutex
	i := 0
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n.Lock()
			i++
			k := fmt.Sprintf("%012d", i)
			n.Unlock()
			if err := db.Bucket("h").Put(k, val); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
