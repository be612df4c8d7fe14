package itemio

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"unicode/utf16"

	"github.com/sfnlocal/sfnlocal/internal/value"
)

// delimiter maps a CSVDelimiter name to its character.
func delimiter(name string) (rune, error) {
	switch name {
	case "", "COMMA":
		return ',', nil
	case "PIPE":
		return '|', nil
	case "SEMICOLON":
		return ';', nil
	case "SPACE":
		return ' ', nil
	case "TAB":
		return '\t', nil
	}
	return 0, ReaderFailed(fmt.Sprintf("Invalid CSVDelimiter: %s", name))
}

// csvShape is the fixed shape of the items of one CSV object: the member names in the order
// AWS emits them and, for each, the column it is read from.
type csvShape struct {
	keys []string
	cols []int
}

func newCSVShape(headers []string) csvShape {
	order := javaHashOrder(headers)
	s := csvShape{keys: make([]string, len(order)), cols: order}
	for i, col := range order {
		s.keys[i] = headers[col]
	}
	return s
}

// item builds the item of one record: missing fields are "", extra fields are dropped.
func (s csvShape) item(rec []string) *value.Object {
	vals := make([]any, len(s.cols))
	for i, col := range s.cols {
		if col < len(rec) {
			vals[i] = rec[col]
		} else {
			vals[i] = ""
		}
	}
	return value.ObjectFrom(s.keys, vals)
}

func decodeCSV(cfg ReaderConfig, body []byte, yield func(any) error) error {
	comma, err := delimiter(cfg.CSVDelimiter)
	if err != nil {
		return err
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, bom)))
	r.Comma = comma
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = true

	var shape csvShape
	if cfg.CSVHeaderLocation == HeaderGiven {
		shape = newCSVShape(cfg.CSVHeaders)
	} else {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return csvFailure(err)
		}
		headers := slices.Clone(rec)
		if hasDuplicate(headers) {
			return ReaderFailed(CauseDuplicateHeaders)
		}
		shape = newCSVShape(headers)
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return csvFailure(err)
		}
		if err := yield(shape.item(rec)); err != nil {
			return err
		}
	}
}

func csvFailure(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return ReaderFailed(fmt.Sprintf("CSV parse error at line %d, column %d: %v", pe.Line, pe.Column, pe.Err))
	}
	return ReaderFailed(err.Error())
}

// javaHashOrder returns the positions of keys in the order a java.util.HashMap built by
// putting them in order (default capacity 16, load factor 0.75) iterates them: by bucket
// (String.hashCode spread as HashMap.hash does, masked by the table size), then by
// insertion within a bucket. keys must be distinct.
//
// AWS builds CSV items that way: the recorded case test_map_item_reader_csv_headers_first_
// row_typed_headers reads the header row 0,True,{} and emits {"0","{}","True"}.
func javaHashOrder(keys []string) []int {
	n := len(keys)
	size := 16
	for n > size*3/4 {
		size *= 2
	}
	mask := uint32(size - 1)
	bucket := make([]uint32, n)
	order := make([]int, n)
	for i, k := range keys {
		h := javaStringHash(k)
		bucket[i] = (h ^ h>>16) & mask
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case bucket[a] < bucket[b]:
			return -1
		case bucket[a] > bucket[b]:
			return 1
		}
		return 0
	})
	return order
}

// javaStringHash is Java's String.hashCode: s[0]*31^(n-1) + ... over UTF-16 code units.
func javaStringHash(s string) uint32 {
	var h uint32
	for _, r := range s {
		if r >= 0x10000 {
			hi, lo := utf16.EncodeRune(r)
			h = 31*h + uint32(hi)
			h = 31*h + uint32(lo)
			continue
		}
		h = 31*h + uint32(r)
	}
	return h
}
