package itemio

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sfnlocal/sfnlocal/internal/value"
	"github.com/stretchr/testify/require"
)

// batchCase is testdata/batch/<name>.json.
type batchCase struct {
	Source string `json:"source"`
	Config struct {
		MaxItemsPerBatch      int
		MaxInputBytesPerBatch int
		BatchInput            json.RawMessage
	} `json:"config"`
	Items json.RawMessage `json:"items"`
}

func TestBatchGolden(t *testing.T) {
	t.Parallel()
	eachGolden(t, "testdata/batch", func(t *testing.T, file string, tc batchCase) {
		cfg := BatcherConfig{MaxItemsPerBatch: tc.Config.MaxItemsPerBatch, MaxInputBytesPerBatch: tc.Config.MaxInputBytesPerBatch}
		var err error
		if len(tc.Config.BatchInput) > 0 {
			cfg.BatchInput, err = value.Decode(tc.Config.BatchInput)
			require.NoError(t, err)
		}
		items, err := value.Decode(tc.Items)
		require.NoError(t, err)
		batches, err := BatchAll(cfg, items.([]any))
		got := render(t, batches, err)
		checkGolden(t, strings.TrimSuffix(file, ".json")+".want", got, strings.HasPrefix(tc.Source, "aws"))
	})
}

// TestBatchBytesProperty checks the byte rule on random items: every batch's JSON fits in
// MaxInputBytesPerBatch, and no batch could have taken the first item of the next one.
func TestBatchBytesProperty(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		items := make([]any, r.IntN(60))
		for i := range items {
			items[i] = strings.Repeat(string(rune('a'+r.IntN(3))), r.IntN(40)) + strings.Repeat("é\"", r.IntN(3))
		}
		cfg := BatcherConfig{MaxInputBytesPerBatch: 100 + r.IntN(200), MaxItemsPerBatch: r.IntN(6)}
		if round%2 == 0 {
			cfg.BatchInput = value.ObjectOf("n", json.Number(fmt.Sprint(round)))
		}
		batches, err := BatchAll(cfg, items)
		require.NoError(t, err)
		var flat []any
		for i, b := range batches {
			obj := b.(*value.Object)
			enc := value.MustEncode(obj)
			require.LessOrEqual(t, len(enc), cfg.MaxInputBytesPerBatch, "batch %d: %s", i, enc)
			got, _ := obj.Get("Items")
			its := got.([]any)
			require.NotEmpty(t, its)
			if cfg.MaxItemsPerBatch > 0 {
				require.LessOrEqual(t, len(its), cfg.MaxItemsPerBatch)
			}
			flat = append(flat, its...)
			if i+1 < len(batches) && (cfg.MaxItemsPerBatch == 0 || len(its) < cfg.MaxItemsPerBatch) {
				next, _ := batches[i+1].(*value.Object).Get("Items")
				bigger := newBatch(cfg.BatchInput, append(append([]any{}, its...), next.([]any)[0]))
				require.Greater(t, len(value.MustEncode(bigger)), cfg.MaxInputBytesPerBatch)
			}
		}
		require.Equal(t, len(items), len(flat))
		for i := range items {
			require.Equal(t, items[i], flat[i])
		}
	}
}
