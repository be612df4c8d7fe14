package interpreter

import (
	"errors"

	"github.com/sfnlocal/sfnlocal/internal/value"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// TEMPORARY stand-ins for interpreter/itemio until it is merged (JSON arrays only).

func decodeReader(action string, args any, cfg *value.Object, maxItems int64, hasMax bool,
	read func(params any) (any, error), get func(bucket, key string) (any, error)) ([]any, error) {
	res, err := read(args)
	if err != nil {
		return nil, err
	}
	s, _ := res.(string)
	v, err := task.Decode([]byte(s))
	if err != nil {
		return nil, err
	}
	items, ok := v.([]any)
	if !ok {
		return nil, &task.Failure{Name: errItemReaderFailed, Cause: "Attempting to map over non-iterable node."}
	}
	if hasMax && maxItems < 0 {
		return nil, &task.Failure{Name: errItemReaderFailed, Cause: "field MaxItems must be positive"}
	}
	if maxItems > 0 && int64(len(items)) > maxItems {
		items = items[:maxItems]
	}
	return items, nil
}

func batchItems(items []any, maxItems, maxBytes int64, batchInput any, hasBatchInput bool) ([]any, []int, error) {
	if maxItems <= 0 {
		maxItems = int64(len(items))
	}
	var out []any
	var counts []int
	for i := 0; i < len(items); i += int(maxItems) {
		j := min(len(items), i+int(maxItems))
		b := value.NewObject(2)
		if hasBatchInput {
			b.Append("BatchInput", batchInput)
		}
		b.Append("Items", items[i:j])
		out = append(out, b)
		counts = append(counts, j-i)
	}
	return out, counts, nil
}

func (f *frame) writeResults(st *state, c *ioConfig, eff any, run *mapRun, results []any) (any, *failure) {
	return nil, newFailure(errResultWriterFailed, errors.New("not yet").Error())
}
