package itemio

import (
	"fmt"

	"github.com/sfnlocal/sfnlocal/internal/value"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// MaxBatchBytes is the largest MaxInputBytesPerBatch AWS accepts (256 KiB, the payload quota).
const MaxBatchBytes = 256 * 1024

// ErrBatchItemTooLarge is the error name reported when one item alone does not fit in
// MaxInputBytesPerBatch. AWS's recorded cases do not show this failure; the Map Run fails
// while it prepares its children's inputs, as for the reader's failures.
const ErrBatchItemTooLarge = ErrItemReaderFailed

// BatcherConfig is an ItemBatcher after its paths are evaluated.
type BatcherConfig struct {
	// MaxItemsPerBatch is the largest number of items in a batch; 0: no item limit.
	MaxItemsPerBatch int
	// MaxInputBytesPerBatch is the largest size of a batch, counted as the UTF-8 length of
	// its compact JSON ({"BatchInput":...,"Items":[...]}); 0: no byte limit.
	MaxInputBytesPerBatch int
	// BatchInput is the evaluated BatchInput, or nil when the ItemBatcher has none.
	BatchInput any
}

// Validate checks the limits as AWS does when the Map Run starts.
func (c *BatcherConfig) Validate() error {
	if c.MaxItemsPerBatch < 0 {
		return &task.Failure{Name: "States.Runtime", Cause: "field MaxItemsPerBatch must be positive"}
	}
	if c.MaxInputBytesPerBatch < 0 {
		return &task.Failure{Name: "States.Runtime", Cause: "field MaxInputBytesPerBatch must be positive"}
	}
	return nil
}

var (
	batchKeys      = []string{"BatchInput", "Items"}
	batchItemsOnly = []string{"Items"}
)

// newBatch builds one batch object: {"BatchInput": in, "Items": items}, BatchInput only when
// given (the "ItemBatcher (Map)" page; recorded case test_map_item_batching_base_json_max_
// per_batch_jsonata).
func newBatch(batchInput any, items []any) *value.Object {
	if batchInput == nil {
		return value.ObjectFrom(batchItemsOnly, []any{items})
	}
	return value.ObjectFrom(batchKeys, []any{batchInput, items})
}

// Batch groups items, in order, into batches under cfg and calls yield with each. A batch
// holds at most MaxItemsPerBatch items and its JSON at most MaxInputBytesPerBatch bytes; an
// item that does not fit in an empty batch fails with ErrBatchItemTooLarge.
func Batch(cfg BatcherConfig, items []any, yield func(batch *value.Object) error) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	// Size of the empty batch: {"Items":[]} plus "BatchInput":<json>, when given.
	base := len(`{"Items":[]}`)
	if cfg.BatchInput != nil {
		enc, err := value.Encode(cfg.BatchInput)
		if err != nil {
			return fmt.Errorf("itemio: encoding BatchInput: %w", err)
		}
		base += len(`"BatchInput":,`) + len(enc)
	}
	var (
		cur   []any
		size  = base
		start = 0
	)
	flush := func() error {
		if len(cur) == 0 {
			return nil
		}
		b := newBatch(cfg.BatchInput, cur)
		cur, size = nil, base
		return yield(b)
	}
	var scratch []byte
	for i, item := range items {
		if cfg.MaxItemsPerBatch > 0 && len(cur) == cfg.MaxItemsPerBatch {
			if err := flush(); err != nil {
				return err
			}
			start = i
		}
		if cfg.MaxInputBytesPerBatch > 0 {
			var err error
			scratch, err = value.Append(scratch[:0], item)
			if err != nil {
				return fmt.Errorf("itemio: encoding item %d: %w", i, err)
			}
			add := len(scratch)
			if len(cur) > 0 {
				add++ // the comma
			}
			if size+add > cfg.MaxInputBytesPerBatch {
				if len(cur) == 0 || base+len(scratch) > cfg.MaxInputBytesPerBatch {
					return &task.Failure{Name: ErrBatchItemTooLarge, Cause: fmt.Sprintf(
						"The item at index %d is %d bytes, too large for a batch of at most %d bytes (MaxInputBytesPerBatch).",
						i, len(scratch), cfg.MaxInputBytesPerBatch)}
				}
				if err := flush(); err != nil {
					return err
				}
				start = i
				add = len(scratch)
			}
			size += add
		}
		if cur == nil {
			n := cfg.MaxItemsPerBatch
			if n <= 0 || n > len(items)-start {
				n = len(items) - start
			}
			cur = make([]any, 0, n)
		}
		cur = append(cur, item)
	}
	return flush()
}

// BatchAll is Batch collecting the batches.
func BatchAll(cfg BatcherConfig, items []any) ([]any, error) {
	out := []any{}
	err := Batch(cfg, items, func(b *value.Object) error {
		out = append(out, b)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
