// Package regional holds a simulator's per-region instances. AWS keeps most resources per
// region; the simulators that keep theirs in one instance of their Service (DynamoDB,
// EventBridge, ECS, Batch) make one more instance for each other region a request or an
// execution names, on first use, and find it here.
package regional

import (
	"sort"
	"sync"
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
