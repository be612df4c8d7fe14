package s3

import (
	"fmt"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMemoryStore(t *testing.T) {
	t.Parallel()
	st := NewMemoryStore()
	require.True(t, st.CreateBucket("bkt", zeroTime))
	require.False(t, st.CreateBucket("bkt", zeroTime))
	var want []string
	for i := range 2500 {
		k := fmt.Sprintf("k/%05d", (i*7919)%2500) // out of order
		want = append(want, k)
		require.True(t, st.Put("bkt", &Object{Key: k}))
	}
	require.True(t, st.Put("bkt", &Object{Key: "a"}))
	require.True(t, st.Put("bkt", &Object{Key: "z"}))
	sort.Strings(want)
	tests := []struct {
		name, prefix, after string
		stopAt              int
		want                []string
	}{
		{name: "all under prefix, across batches", prefix: "k/", want: want},
		{name: "after a key", prefix: "k/", after: "k/02000", want: want[2001:]},
		{name: "after before the prefix", prefix: "k/", after: "b", want: want},
		{name: "stop early", prefix: "k/", stopAt: 1500, want: want[:1500]},
		{name: "whole bucket", want: append(append([]string{"a"}, want...), "z")},
	}
	for _, tc := range tests {
		// Sequential: the store is changed below.
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			ok := st.Walk("bkt", tc.prefix, tc.after, func(o *Object) bool {
				got = append(got, o.Key)
				return tc.stopAt == 0 || len(got) < tc.stopAt
			})
			require.True(t, ok)
			require.Equal(t, tc.want, got)
		})
	}
	require.False(t, st.Walk("nope", "", "", func(*Object) bool { return true }))
	ok, empty := st.DeleteBucket("bkt")
	require.True(t, ok)
	require.False(t, empty)
	require.True(t, st.Delete("bkt", "a"))
	o, ok := st.Get("bkt", "a")
	require.True(t, ok)
	require.Nil(t, o)
}
