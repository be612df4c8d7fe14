package storage

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// ScopeSep separates a bucket's base name from its scope: through a view made by
// db.Scoped(scope), bucket "dynamodb.tables" is stored as "dynamodb.tables@" + scope.
//
// Base names never contain ScopeSep (a view refuses them), so the stored name splits at its
// first ScopeSep into the base and the scope, and two scopes (regions) can never reach each
// other's buckets nor the store's own (unscoped) ones. The scheme needs no schema version:
// an older build that opens the store does not know the scoped buckets and leaves them
// alone, and the unscoped buckets keep their names.
const ScopeSep = "@"

// Scoped returns a view of the store in which every bucket name is scoped with scope (see
// ScopeSep); scope "" returns db itself. A view shares the store's transactions and group
// commits; closing it does nothing. Scoped on a view scopes within the view's scope. A nil
// DB gives nil (memory mode).
func (db *DB) Scoped(scope string) *DB {
	if db == nil || scope == "" {
		return db
	}
	v := *db
	if v.scope != "" {
		scope = v.scope + ScopeSep + scope
	}
	v.scope = scope
	return &v
}

// Scope is the view's scope ("" for the store itself).
func (db *DB) Scope() string {
	if db == nil {
		return ""
	}
	return db.scope
}

// scopedName is the stored name of bucket name in scope.
func scopedName(name, scope string) ([]byte, error) {
	if scope == "" {
		return []byte(name), nil
	}
	if strings.Contains(name, ScopeSep) {
		return nil, fmt.Errorf("storage: bucket name %q contains %q, which separates scopes", name, ScopeSep)
	}
	return []byte(name + ScopeSep + scope), nil
}

// Scopes lists, in order, the scopes that hold at least one record in a bucket whose base name
// starts with prefix (e.g. "dynamodb." for the regions DynamoDB has state in), each as Scoped
// takes it back. On a view, it lists the scopes within the view's scope.
func (db *DB) Scopes(prefix string) ([]string, error) {
	if db == nil {
		return nil, nil
	}
	seen := map[string]bool{}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			base, scope, ok := bytes.Cut(name, []byte(ScopeSep))
			if !ok || !bytes.HasPrefix(base, []byte(prefix)) {
				return nil
			}
			if db.scope != "" {
				rest, ok := bytes.CutPrefix(scope, []byte(db.scope+ScopeSep))
				if !ok {
					return nil
				}
				scope = rest
			}
			if k, _ := b.Cursor().First(); k != nil && len(scope) > 0 {
				seen[string(scope)] = true
			}
			return nil
		})
	})
	scopes := make([]string, 0, len(seen))
	for s := range seen {
		scopes = append(scopes, s)
	}
	sort.Strings(scopes)
	return scopes, err
}
