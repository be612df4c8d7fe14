package itemio

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sfnlocal/sfnlocal/internal/value"
)

// csvRows builds a CSV object with a header row and n rows of five columns.
func csvRows(n int) []byte {
	var b strings.Builder
	b.WriteString("id,name,city,score,comment\n")
	for i := range n {
		fmt.Fprintf(&b, "%d,user-%d,\"City, %d\",%d.5,plain text %d\n", i, i, i%97, i%1000, i)
	}
	return []byte(b.String())
}

// BenchmarkDecodeCSV decodes a 100,000-row CSV object (about 5 MB), streaming the items.
func BenchmarkDecodeCSV(b *testing.B) {
	body := csvRows(100_000)
	cfg := ReaderConfig{InputType: InputCSV}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		if err := Decode(cfg, body, func(any) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		if n != 100_000 {
			b.Fatalf("%d items", n)
		}
	}
}

// BenchmarkDecodeJSONL decodes 100,000 JSON Lines.
func BenchmarkDecodeJSONL(b *testing.B) {
	var s strings.Builder
	for i := range 100_000 {
		fmt.Fprintf(&s, `{"id":%d,"name":"user-%d","tags":["a","b"]}`+"\n", i, i)
	}
	body := []byte(s.String())
	cfg := ReaderConfig{InputType: InputJSONL}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if err := Decode(cfg, body, func(any) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBatch groups 100,000 items into batches of 100, with the byte limit on (every
// item is measured).
func BenchmarkBatch(b *testing.B) {
	items, err := DecodeAll(ReaderConfig{InputType: InputCSV}, csvRows(100_000))
	if err != nil {
		b.Fatal(err)
	}
	cfg := BatcherConfig{MaxItemsPerBatch: 100, MaxInputBytesPerBatch: MaxBatchBytes, BatchInput: value.ObjectOf("run", "r1")}
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		if err := Batch(cfg, items, func(*value.Object) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		if n != 1000 {
			b.Fatalf("%d batches", n)
		}
	}
}
