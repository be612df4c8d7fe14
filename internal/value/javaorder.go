package value

import (
	"sort"
	"unicode/utf16"
)

// JavaHashOrder returns keys (given in insertion order) in the order a java.util.HashMap of
// default capacity iterates them: by bucket, (h ^ h>>>16) & (n-1) with h the String's
// hashCode and n the table size (16, doubled while more than 3/4 full), and in insertion order
// within a bucket.
func JavaHashOrder(keys []string) []string {
	n := 16
	for len(keys) > n*3/4 {
		n *= 2
	}
	type kb struct {
		k string
		b uint32
		i int
	}
	list := make([]kb, len(keys))
	for i, k := range keys {
		var h uint32
		for _, c := range utf16.Encode([]rune(k)) {
			h = 31*h + uint32(c)
		}
		list[i] = kb{k, (h ^ h>>16) & uint32(n-1), i}
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].b < list[j].b })
	out := make([]string, len(list))
	for i, e := range list {
		out[i] = e.k
	}
	return out
}
