package delivery

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestOrderPerKeyFlushAndBounds(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	got := map[string][]int{}
	started := make(chan struct{})
	release := make(chan struct{})
	q := New(2, func(key string, n int) {
		if key == "slow" && n == 0 {
			close(started)
			<-release
		}
		mu.Lock()
		got[key] = append(got[key], n)
		mu.Unlock()
	})
	require.True(t, q.Add("slow", 0))
	<-started // item 0 is in flight
	require.True(t, q.Add("slow", 1))
	require.True(t, q.Add("slow", 2))
	require.False(t, q.Add("slow", 3), "two queued behind the one in flight: full")
	for i := range 2 {
		require.True(t, q.Add("fast", i), "another key is not held up")
	}
	close(release)
	q.Flush()
	mu.Lock()
	require.Equal(t, []int{0, 1, 2}, got["slow"])
	require.Equal(t, []int{0, 1}, got["fast"])
	mu.Unlock()
	q.Close()
	q.Wait()
	require.False(t, q.Add("fast", 1), "closed")
}
