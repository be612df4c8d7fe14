// Package storagetest opens throw-away stores for the durability tests of the services: Open
// gives a store in a test's temporary directory, Reopen closes it and opens the same directory
// again, as a restarted server would.
package storagetest

import (
	"testing"

	"github.com/sfnlocal/sfnlocal/internal/storage"
)

// Open opens a new store in a temporary directory, closed when the test ends. It skips fsync:
// the tests are about what a process keeps across a restart, not about power loss.
func Open(t testing.TB) *storage.DB {
	t.Helper()
	db, err := storage.Open(t.TempDir(), storage.Options{NoSync: true})
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
	db2, err := storage.Open(dir, storage.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db2.Close() })
	return db2
}
