package itemio

import (
	"errors"
	"strings"
	"testing"

	"github.com/sfnlocal/sfnlocal/internal/value"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// FuzzDecode feeds arbitrary objects to the CSV, JSON and JSONL readers. Nothing may panic;
// every error must be a States.ItemReaderFailed failure; CSV items are objects of strings
// sharing one shape; every item must encode; MaxItems must yield a prefix of the full
// decoding; and batching the items must keep them all, in order.
func FuzzDecode(f *testing.F) {
	f.Add(uint8(0), "Col1,Col2\nValue1,Value2\n,,,\n   \n")
	f.Add(uint8(1), "0,True,{}\n\"a,b\",\"c\"\"d\"\n\"open\n")
	f.Add(uint8(2), "\ufeffa|b\r\n1|2\r\n\n")
	f.Add(uint8(3), `[{"b":1,"a":[1,{"c":null}]},"x",1.0]`)
	f.Add(uint8(4), `{"Hello":"world"}`)
	f.Add(uint8(5), "{\"a\":1}\n\n[1,2]\r\n\"s\"\n{")
	f.Add(uint8(6), strings.Repeat("[", 5000)+strings.Repeat("]", 5000))
	f.Add(uint8(7), "\"\xff\xfe\",\"\\ud800\"\n\x00,\x01\n")
	f.Add(uint8(8), `{"data":{"rows":[1,2,3]}}`)
	f.Add(uint8(9), strings.Repeat("a,", 3000)+"\n"+strings.Repeat("\"\",", 100))
	f.Fuzz(func(t *testing.T, mode uint8, body string) {
		cfg := fuzzConfig(mode)
		all, err := DecodeAll(cfg, []byte(body))
		if err != nil {
			var fl *task.Failure
			if !errors.As(err, &fl) || fl.Name != ErrItemReaderFailed || fl.Cause == "" {
				t.Fatalf("unexpected error %T %v", err, err)
			}
			return
		}
		var shape []string
		for i, item := range all {
			if _, err := value.Encode(item); err != nil {
				t.Fatalf("item %d does not encode: %v", i, err)
			}
			if cfg.InputType != InputCSV {
				continue
			}
			obj, ok := item.(*value.Object)
			if !ok {
				t.Fatalf("CSV item %d is %T", i, item)
			}
			if i == 0 {
				shape = obj.Keys()
			} else if strings.Join(obj.Keys(), "\x00") != strings.Join(shape, "\x00") {
				t.Fatalf("CSV item %d has keys %q, item 0 %q", i, obj.Keys(), shape)
			}
			for _, k := range obj.Keys() {
				if v, _ := obj.Get(k); func() bool { _, ok := v.(string); return !ok }() {
					t.Fatalf("CSV value %q of item %d is %T", k, i, v)
				}
			}
		}
		max := int(mode%5) + 1
		cfg.MaxItems = max
		some, err := DecodeAll(cfg, []byte(body))
		if err != nil {
			t.Fatalf("MaxItems %d failed where the full decoding did not: %v", max, err)
		}
		want := min(max, len(all))
		if len(some) != want {
			t.Fatalf("MaxItems %d gave %d items of %d", max, len(some), len(all))
		}
		for i := range some {
			if !value.Equal(some[i], all[i]) {
				t.Fatalf("MaxItems item %d differs", i)
			}
		}
		batches, err := BatchAll(BatcherConfig{MaxItemsPerBatch: int(mode%3) + 1, MaxInputBytesPerBatch: MaxBatchBytes}, all)
		if err != nil {
			return // an item too large for a batch is a legitimate failure
		}
		n := 0
		for _, b := range batches {
			its, _ := b.(*value.Object).Get("Items")
			for _, it := range its.([]any) {
				if !value.Equal(it, all[n]) {
					t.Fatalf("batched item %d differs", n)
				}
				n++
			}
		}
		if n != len(all) {
			t.Fatalf("batches hold %d items of %d", n, len(all))
		}
	})
}

// fuzzConfig picks a reader configuration from the fuzzer's mode byte.
func fuzzConfig(mode uint8) ReaderConfig {
	delims := []string{"", "COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB"}
	switch mode % 4 {
	case 0, 1:
		cfg := ReaderConfig{InputType: InputCSV, CSVDelimiter: delims[int(mode/4)%len(delims)]}
		if mode%8 >= 4 {
			cfg.CSVHeaderLocation = HeaderGiven
			cfg.CSVHeaders = []string{"a", "b", "0", "{}"}[:1+int(mode/16)%4]
		}
		return cfg
	case 2:
		cfg := ReaderConfig{InputType: InputJSON}
		if mode%16 >= 8 {
			cfg.ItemsPointer = "/data/rows"
		}
		return cfg
	}
	return ReaderConfig{InputType: InputJSONL}
}
