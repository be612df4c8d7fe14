package interpreter

import (
	"fmt"

	"github.com/sfnlocal/sfnlocal/internal/value"
	"github.com/sfnlocal/sfnlocal/interpreter/itemio"
)

// The calls into interpreter/itemio, which owns AWS's formats: the ItemReader's decoding,
// the ItemBatcher's batches and the ResultWriter's files. The "s3" handler
// (services/s3's ItemReader/ResultWriter integration) answers getObject with the object's
// body as a string and listObjectsV2 with the listing's items.

// readerConfig converts a ReaderConfig object (MaxItems taken out) into itemio's.
func readerConfig(o *value.Object, maxItems int64) (itemio.ReaderConfig, error) {
	c := itemio.ReaderConfig{MaxItems: int(maxItems)}
	if o == nil {
		return c, nil
	}
	str := func(k string) string { v, _ := o.Get(k); s, _ := v.(string); return s }
	c.InputType, c.CSVHeaderLocation, c.CSVDelimiter = str("InputType"), str("CSVHeaderLocation"), str("CSVDelimiter")
	c.ItemsPointer, c.Transformation, c.ManifestType = str("ItemsPointer"), str("Transformation"), str("ManifestType")
	if v, ok := o.Get("CSVHeaders"); ok {
		arr, ok := v.([]any)
		if !ok {
			return c, itemio.ReaderFailed("CSVHeaders must be an array of strings.")
		}
		for _, h := range arr {
			s, ok := h.(string)
			if !ok {
				return c, itemio.ReaderFailed("CSVHeaders must be an array of strings.")
			}
			c.CSVHeaders = append(c.CSVHeaders, s)
		}
	}
	return c, nil
}

// bodyOf is the bytes of a getObject result: the body string (or an object's Body member).
func bodyOf(res any) ([]byte, error) {
	switch v := res.(type) {
	case string:
		return []byte(v), nil
	case *value.Object:
		if b, ok := v.Get("Body"); ok {
			if s, ok := b.(string); ok {
				return []byte(s), nil
			}
		}
	}
	return nil, fmt.Errorf("the s3 integration answered getObject with %s, not the object's body", value.TypeName(res))
}

// listingOf is the items of a listObjectsV2 result: its array, or an object's Contents.
func listingOf(res any) ([]any, error) {
	switch v := res.(type) {
	case []any:
		return v, nil
	case *value.Object:
		for _, k := range []string{"Contents", "Items"} {
			if c, ok := v.Get(k); ok {
				if arr, ok := c.([]any); ok {
					return arr, nil
				}
			}
		}
		if v.Len() == 0 || !v.Has("Contents") {
			return []any{}, nil
		}
	}
	return nil, fmt.Errorf("the s3 integration answered listObjectsV2 with %s, not a listing", value.TypeName(res))
}

// decodeReader reads and decodes an ItemReader's items. read calls the reader's resource
// with its arguments; get reads one object.
func decodeReader(action string, args any, cfgObj *value.Object, maxItems int64, hasMax bool,
	read func(params any) (any, error), get func(bucket, key string) (any, error)) ([]any, error) {
	cfg, err := readerConfig(cfgObj, maxItems)
	if err != nil {
		return nil, err
	}
	if cfg.MaxItems < 0 {
		return nil, itemio.ReaderFailed(itemio.CauseMaxItemsNegative)
	}
	if action == "getObject" || cfg.Transformation == itemio.TransformLoadAndFlatten {
		if err := cfg.Validate(); err != nil {
			return nil, err
		}
	}
	items := []any{}
	yield := func(it any) error { items = append(items, it); return nil }
	res, err := read(args)
	if err != nil {
		return nil, err
	}
	load := func(bucket, key string) ([]byte, error) {
		r, err := get(bucket, key)
		if err != nil {
			return nil, err
		}
		return bodyOf(r)
	}
	if action == "listObjectsV2" {
		listing, err := listingOf(res)
		if err != nil {
			return nil, err
		}
		if cfg.Transformation != itemio.TransformLoadAndFlatten {
			if cfg.MaxItems > 0 && len(listing) > cfg.MaxItems {
				listing = listing[:cfg.MaxItems]
			}
			return listing, nil
		}
		bucket := ""
		if m, ok := value.AsMap(args); ok {
			bucket, _ = m["Bucket"].(string)
		}
		err = itemio.LoadAndFlatten(cfg, listing, func(key string) ([]byte, error) { return load(bucket, key) }, yield)
		return items, err
	}
	body, err := bodyOf(res)
	if err != nil {
		return nil, err
	}
	if cfg.InputType == itemio.InputManifest {
		m, err := itemio.ParseManifest(body)
		if err != nil {
			return nil, err
		}
		err = m.Items(cfg.MaxItems, load, yield)
		return items, err
	}
	err = itemio.Decode(cfg, body, yield)
	return items, err
}

// batchItems groups the selected items into ItemBatcher batches; counts[i] is the number of
// items of batch i.
func batchItems(items []any, maxItems, maxBytes int64, batchInput any, hasBatchInput bool) ([]any, []int, error) {
	cfg := itemio.BatcherConfig{MaxItemsPerBatch: int(maxItems), MaxInputBytesPerBatch: int(maxBytes)}
	if hasBatchInput {
		cfg.BatchInput = batchInput
	}
	var out []any
	var counts []int
	err := itemio.Batch(cfg, items, func(b *value.Object) error {
		out = append(out, b)
		n := 0
		if v, ok := b.Get("Items"); ok {
			arr, _ := v.([]any)
			n = len(arr)
		}
		counts = append(counts, n)
		return nil
	})
	return out, counts, err
}

// childResults describes the Map Run's children for the ResultWriter.
func childResults(run *mapRun) []itemio.ChildResult {
	run.mu.Lock()
	units := append([]*mapUnit(nil), run.units...)
	run.mu.Unlock()
	out := make([]itemio.ChildResult, len(units))
	for i, u := range units {
		r := itemio.ChildResult{StateMachineArn: run.childSmArn, Status: itemio.StatusPending}
		if cx := u.x; cx != nil {
			r.Input = cx.Input()
			r.ExecutionArn, r.Name, r.Status = cx.p.ExecutionArn, cx.p.Name, cx.Status()
			r.StartDate = cx.StartDate()
			r.StopDate, _ = cx.StopDate()
			r.Output, _ = cx.Output()
			r.Error, _ = cx.Error()
			r.Cause, _ = cx.Cause()
			r.RedriveCount = cx.RedriveCount()
		} else if text, err := EncodeValue(u.input); err == nil {
			r.Input = text
		}
		out[i] = r
	}
	return out
}

// writeResults runs a ResultWriter: it lays out the result files of the finished Map Run and
// stores them through the "s3" handler's putObject; its result is the Map's output. A
// ResultWriter without a Resource only transforms the results (WriterConfig).
func (f *frame) writeResults(st *state, c *ioConfig, eff any, run *mapRun, results []any) (any, *failure) {
	var wc itemio.WriterConfig
	if c.config != nil {
		if v, ok := c.config.Get("OutputType"); ok {
			wc.OutputType, _ = v.(string)
		}
		if v, ok := c.config.Get("Transformation"); ok {
			wc.Transformation, _ = v.(string)
		}
	}
	children := childResults(run)
	if c.resource == "" {
		out, err := itemio.Transform(wc, children)
		if err != nil {
			return nil, ioFailure(errResultWriterFailed, err)
		}
		return out, nil
	}
	args, fl := f.ioArguments(c, eff)
	if fl != nil {
		return nil, fl
	}
	var dst itemio.Destination
	if m, ok := value.AsMap(args); ok {
		dst.Bucket, _ = m["Bucket"].(string)
		dst.Prefix, _ = m["Prefix"].(string)
	}
	set, err := itemio.WriteResults(dst, run.arn, wc, children, 0)
	if err != nil {
		return nil, ioFailure(errResultWriterFailed, err)
	}
	for _, file := range set.Files {
		params := value.ObjectOf("Bucket", dst.Bucket, "Key", file.Key, "Body", string(file.Body))
		if _, err := f.callS3(st, "putObject", params); err != nil {
			return nil, ioFailure(errResultWriterFailed, err)
		}
	}
	run.mu.Lock()
	run.written = 0
	for _, u := range run.units {
		if u.x != nil {
			run.written += int64(u.items)
		}
	}
	run.mu.Unlock()
	return set.Output, nil
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
