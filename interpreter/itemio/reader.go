package itemio

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/sfnlocal/sfnlocal/internal/value"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// ReaderConfig input types.
const (
	InputCSV      = "CSV"
	InputJSON     = "JSON"
	InputJSONL    = "JSONL"
	InputManifest = "MANIFEST"
	InputParquet  = "PARQUET" // accepted in definitions; decoding it fails (not served)
)

// CSVHeaderLocation values.
const (
	HeaderFirstRow = "FIRST_ROW"
	HeaderGiven    = "GIVEN"
)

// ReaderConfig.Transformation values (s3:listObjectsV2 only).
const (
	TransformNone           = "NONE"
	TransformLoadAndFlatten = "LOAD_AND_FLATTEN"
)

// Error names of the Distributed Map's reader and writer.
const (
	ErrItemReaderFailed   = "States.ItemReaderFailed"
	ErrResultWriterFailed = "States.ResultWriterFailed"
)

// Causes AWS records (see the recorded cases named in the tests).
const (
	CauseDuplicateHeaders = "CSV headers cannot contain duplicates."
	CauseNotIterable      = "Attempting to map over non-iterable node."
	CauseMaxItemsNegative = "field MaxItems must be positive"
)

// ReaderConfig is an ItemReader's ReaderConfig after its paths are evaluated (MaxItemsPath
// resolved into MaxItems by the caller).
type ReaderConfig struct {
	// InputType is CSV, JSON, JSONL, MANIFEST or PARQUET; empty for an s3:listObjectsV2
	// reader without LOAD_AND_FLATTEN.
	InputType string
	// CSVHeaderLocation is FIRST_ROW (the default when empty) or GIVEN.
	CSVHeaderLocation string
	// CSVHeaders are the column names for GIVEN.
	CSVHeaders []string
	// CSVDelimiter is COMMA (the default when empty), PIPE, SEMICOLON, SPACE or TAB.
	CSVDelimiter string
	// MaxItems limits the number of items; 0 means no limit, negative is an error.
	MaxItems int
	// ItemsPointer is a JSON Pointer (RFC 6901) selecting the array inside a JSON object;
	// empty selects the whole document.
	ItemsPointer string
	// Transformation is NONE (default) or LOAD_AND_FLATTEN, for s3:listObjectsV2.
	Transformation string
	// ManifestType is S3_INVENTORY (the default when empty) for InputType MANIFEST.
	ManifestType string
}

// ReaderFailed is the failure AWS records when an ItemReader cannot produce its items.
func ReaderFailed(cause string) *task.Failure {
	return &task.Failure{Name: ErrItemReaderFailed, Cause: cause}
}

// Validate checks the parts of a ReaderConfig that do not depend on the data: AWS reports
// them as States.ItemReaderFailed when the Map Run starts.
func (c *ReaderConfig) Validate() error {
	if c.MaxItems < 0 {
		return ReaderFailed(CauseMaxItemsNegative)
	}
	switch c.InputType {
	case InputCSV:
		if _, err := delimiter(c.CSVDelimiter); err != nil {
			return err
		}
		switch c.CSVHeaderLocation {
		case "", HeaderFirstRow:
		case HeaderGiven:
			if len(c.CSVHeaders) == 0 {
				return ReaderFailed("CSVHeaders must be given when CSVHeaderLocation is GIVEN.")
			}
			if hasDuplicate(c.CSVHeaders) {
				return ReaderFailed(CauseDuplicateHeaders)
			}
		default:
			return ReaderFailed(fmt.Sprintf("Invalid CSVHeaderLocation: %s", c.CSVHeaderLocation))
		}
	case InputJSON, InputJSONL, InputManifest, InputParquet:
	case "":
		return ReaderFailed("ReaderConfig.InputType is required to read an object.")
	default:
		return ReaderFailed(fmt.Sprintf("Invalid InputType: %s", c.InputType))
	}
	switch c.Transformation {
	case "", TransformNone, TransformLoadAndFlatten:
	default:
		return ReaderFailed(fmt.Sprintf("Invalid Transformation: %s", c.Transformation))
	}
	return nil
}

// errStop ends a decoding loop once MaxItems items were yielded.
var errStop = errors.New("itemio: enough items")

// limit wraps yield so that it stops after max items (max 0: no limit).
func limit(max int, yield func(any) error) func(any) error {
	if max <= 0 {
		return yield
	}
	n := 0
	return func(item any) error {
		if err := yield(item); err != nil {
			return err
		}
		n++
		if n >= max {
			return errStop
		}
		return nil
	}
}

// Decode turns the bytes of one S3 object into items under cfg, calling yield with each
// item in order. It stops at the first error yield returns and returns it. Failures of the
// data or the configuration are *task.Failure values named States.ItemReaderFailed.
//
// InputType MANIFEST is not decoded here: the manifest names other objects, see
// ParseManifest and Manifest.DecodeFile.
func Decode(cfg ReaderConfig, body []byte, yield func(item any) error) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	err := decode(cfg, body, limit(cfg.MaxItems, yield))
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

func decode(cfg ReaderConfig, body []byte, yield func(any) error) error {
	switch cfg.InputType {
	case InputCSV:
		return decodeCSV(cfg, body, yield)
	case InputJSON:
		return decodeJSON(cfg, body, yield)
	case InputJSONL:
		return decodeJSONL(body, yield)
	case InputManifest:
		return ReaderFailed("A MANIFEST object lists other objects: read it with ParseManifest.")
	case InputParquet:
		return ReaderFailed("PARQUET input is not supported by sfnlocal.")
	}
	return ReaderFailed(fmt.Sprintf("Invalid InputType: %s", cfg.InputType))
}

// DecodeAll is Decode collecting the items.
func DecodeAll(cfg ReaderConfig, body []byte) ([]any, error) {
	var items []any
	err := Decode(cfg, body, func(item any) error {
		items = append(items, item)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if items == nil {
		items = []any{}
	}
	return items, nil
}

var bom = []byte{0xEF, 0xBB, 0xBF}

func decodeJSON(cfg ReaderConfig, body []byte, yield func(any) error) error {
	doc, err := value.Decode(bytes.TrimPrefix(body, bom))
	if err != nil {
		return ReaderFailed(jsonCause(err))
	}
	if cfg.ItemsPointer != "" {
		doc, err = pointer(doc, cfg.ItemsPointer)
		if err != nil {
			return err
		}
	}
	switch v := doc.(type) {
	case []any:
		for _, item := range v {
			if err := yield(item); err != nil {
				return err
			}
		}
		return nil
	case *value.Object:
		for i := range v.Len() {
			k, val := v.At(i)
			if err := yield(value.ObjectFrom(keyValueKeys, []any{k, val})); err != nil {
				return err
			}
		}
		return nil
	}
	return ReaderFailed(CauseNotIterable)
}

// keyValueKeys is the shape of the items of a JSON object dataset.
var keyValueKeys = []string{"Key", "Value"}

func decodeJSONL(body []byte, yield func(any) error) error {
	body = bytes.TrimPrefix(body, bom)
	line := 0
	for len(body) > 0 {
		var text []byte
		if i := bytes.IndexByte(body, '\n'); i >= 0 {
			text, body = body[:i], body[i+1:]
		} else {
			text, body = body, nil
		}
		line++
		text = bytes.TrimSpace(text)
		if len(text) == 0 {
			continue
		}
		item, err := value.Decode(text)
		if err != nil {
			return ReaderFailed(fmt.Sprintf("Line %d is not valid JSON: %s", line, jsonCause(err)))
		}
		if err := yield(item); err != nil {
			return err
		}
	}
	return nil
}

func jsonCause(err error) string {
	var se *value.SyntaxError
	if errors.As(err, &se) {
		return se.Msg
	}
	return err.Error()
}

// pointer resolves an RFC 6901 JSON Pointer in doc.
func pointer(doc any, ptr string) (any, error) {
	if ptr == "" {
		return doc, nil
	}
	if !strings.HasPrefix(ptr, "/") {
		return nil, ReaderFailed(fmt.Sprintf("Invalid ItemsPointer %q: a JSON Pointer starts with '/'.", ptr))
	}
	cur := doc
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch v := cur.(type) {
		case *value.Object:
			next, ok := v.Get(tok)
			if !ok {
				return nil, ReaderFailed(fmt.Sprintf("ItemsPointer %q does not match any node.", ptr))
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(v) || (len(tok) > 1 && tok[0] == '0') {
				return nil, ReaderFailed(fmt.Sprintf("ItemsPointer %q does not match any node.", ptr))
			}
			cur = v[i]
		default:
			return nil, ReaderFailed(fmt.Sprintf("ItemsPointer %q does not match any node.", ptr))
		}
	}
	return cur, nil
}

func hasDuplicate(names []string) bool {
	seen := make(map[string]struct{}, len(names))
	for _, n := range names {
		if _, ok := seen[n]; ok {
			return true
		}
		seen[n] = struct{}{}
	}
	return false
}
