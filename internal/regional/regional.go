// Package regional holds a simulator's per-region instances. AWS keeps most resources per
// region; the simulators that keep theirs in one instance of their Service (DynamoDB,
// EventBridge, ECS, Batch) make one more instance for each other region a request or an
// execution names, on first use, and find it here.
//
// With a store (--data-dir) every region's instance keeps its state in the server's one store:
// the home region's in the service's buckets as named, each other region's through the view
// DB(db, region, home), whose buckets are named base@region (storage.ScopeSep). At start the home
// instance makes the instances of the regions Stored finds (so their background work resumes
// at once, as the home region's does); regions without state are still made on first use.
// The unscoped buckets are whichever region --region names: a store started again with
// another --region shows the earlier home region's state as the new one's, and ignores the
// scope named after the new home region (it is left untouched).
package regional

import (
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/sfnlocal/sfnlocal/internal/storage"
)

// Set is the instances of one simulator by region. The zero Set is ready to use.
type Set[T any] struct {
	mu sync.Mutex
	m  map[string]T
}

// In returns home's instance self for region "" or home, else region's instance, made by mk on
// first use (under the set's lock, so once). When mk fails, In returns self: the request then
// sees the home region's resources rather than none.
func (s *Set[T]) In(region, home string, self T, mk func(region string) (T, error)) T {
	if region == "" || region == home {
		return self
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.m[region]; ok {
		return v
	}
	v, err := mk(region)
	if err != nil {
		return self
	}
	if s.m == nil {
		s.m = map[string]T{}
	}
	s.m[region] = v
	return v
}

// Add makes region's instance with mk now, as In would on first use, unless it is made already;
// unlike In it reports mk's error (at start, a region whose state cannot be read stops the
// start as the home region's does). region must not be "" or the home region.
func (s *Set[T]) Add(region string, mk func(region string) (T, error)) (T, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.m[region]; ok {
		return v, nil
	}
	v, err := mk(region)
	if err != nil {
		return v, err
	}
	if s.m == nil {
		s.m = map[string]T{}
	}
	s.m[region] = v
	return v, nil
}

// Each calls fn for every instance made so far, in region order (e.g. to close them). fn must
// not call In.
func (s *Set[T]) Each(fn func(region string, v T)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	regions := make([]string, 0, len(s.m))
	for r := range s.m {
		regions = append(regions, r)
	}
	sort.Strings(regions)
	for _, r := range regions {
		fn(r, s.m[r])
	}
}

// DB is the store, or the view of it, that region's instance keeps its state in: db itself for
// home (and ""), else db scoped with region (nil in memory mode).
func DB(db *storage.DB, region, home string) *storage.DB {
	if region == home {
		return db
	}
	return db.Scoped(region)
}

// Stored lists, in order, the regions other than home that hold state in db's buckets whose
// names start with prefix (the service's, e.g. "dynamodb."): the instances to make at start.
func Stored(db *storage.DB, prefix, home string) ([]string, error) {
	regions, err := db.Scopes(prefix)
	return slices.DeleteFunc(regions, func(r string) bool { return r == home }), err
}

// AddStored makes, with mk, the instance of every region other than home that holds state in
// db's buckets whose names start with prefix (Stored), so that their background work (jobs,
// schedules, tasks) resumes at start as home's does. The first error stops it.
func (s *Set[T]) AddStored(db *storage.DB, prefix, home string, mk func(region string) (T, error)) error {
	regions, err := Stored(db, prefix, home)
	if err != nil {
		return fmt.Errorf("list the regions in the store: %w", err)
	}
	for _, region := range regions {
		if _, err := s.Add(region, mk); err != nil {
			return err
		}
	}
	return nil
}
