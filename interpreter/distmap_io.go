package interpreter

import (
	"strconv"

	"github.com/sfnlocal/sfnlocal/internal/value"
)

// The Distributed Map's reading, batching and writing: the calls into interpreter/itemio,
// which owns AWS's formats. Adapter functions only.

func parseFloat(s string) float64 { f, _ := strconv.ParseFloat(s, 64); return f }

func parseFloatOK(s string) (float64, bool) {
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// readItems runs an ItemReader: it evaluates its Parameters/Arguments and MaxItems(Path),
// reads through the "s3" handler and decodes the items.
func (f *frame) readItems(st *state, c *ioConfig, eff any) ([]any, *failure) {
	args, fl := f.ioArguments(c, eff)
	if fl != nil {
		return nil, fl
	}
	maxItems, fl := f.resolveCount(c.maxItems, eff, "MaxItemsPath")
	if fl != nil {
		return nil, fl
	}
	get := func(params any) (any, error) { return f.callS3(st, c.action, params) }
	items, err := decodeReader(c.action, args, c.config, maxItems, c.maxItems.set, get, func(bucket, key string) (any, error) {
		return f.callS3(st, "getObject", value.ObjectOf("Bucket", bucket, "Key", key))
	})
	if err != nil {
		return nil, ioFailure(errItemReaderFailed, err)
	}
	return items, nil
}
