// Package storagetest opens throw-away stores for the durability tests of the services: Open
// gives a store in a test's temporary directory, Reopen closes it and opens the same directory
// again, as a restarted server would, and CrashCopy opens a copy of a store that is still open,
// as a killed server leaves it.
package storagetest

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/sfnlocal/sfnlocal/internal/storage"
)

// Open opens a new store in a temporary directory, closed when the test ends. It skips fsync:
// the tests are about what a process keeps across a restart, not about power loss.
func Open(t testing.TB) *storage.DB { return open(t, t.TempDir()) }

func open(t testing.TB, dir string) *storage.DB {
	t.Helper()
	db, err := storage.Open(dir, storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Reopen closes db and opens its directory again.
func Reopen(t testing.TB, db *storage.DB) *storage.DB {
	t.Helper()
	dir := db.Dir()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return open(t, dir)
}

// CrashCopy opens a copy of db's file taken while db is still open and its services still
// running, as a process killed without closing anything would leave it.
func CrashCopy(t testing.TB, db *storage.DB) *storage.DB {
	t.Helper()
	src, err := os.Open(filepath.Join(db.Dir(), storage.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dir := t.TempDir()
	dst, err := os.Create(filepath.Join(dir, storage.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	return open(t, dir)
}
