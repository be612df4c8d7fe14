package itemio

import (
	"bytes"
	"fmt"
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
	sc := csvScanner{data: bytes.TrimPrefix(body, bom), comma: byte(comma)}
	var rec []string
	var shape csvShape
	if cfg.CSVHeaderLocation == HeaderGiven {
		shape = newCSVShape(cfg.CSVHeaders)
	} else {
		var ok bool
		if rec, ok = sc.next(rec); !ok {
			return nil
		}
		headers := slices.Clone(rec)
		if hasDuplicate(headers) {
			return ReaderFailed(CauseDuplicateHeaders)
		}
		shape = newCSVShape(headers)
	}
	for {
		var ok bool
		if rec, ok = sc.next(rec); !ok {
			return nil
		}
		if err := yield(shape.item(rec)); err != nil {
			return err
		}
	}
}

// csvScanner splits text delimited data into records by the rules of the "ItemReader (Map)"
// page: CSVDelimiter separates fields and newlines (LF or CRLF) records; a field that
// starts with a double quote may hold the delimiter and newlines up to its closing quote;
// a doubled quote stands for one quote, inside quotes and out; a backslash escapes the
// next character (a backslash, a quote, the delimiter) and is dropped before any other;
// a quote inside an unquoted field is kept. Empty lines hold no record. Malformed input
// never fails: an unclosed quote runs to the end of the data.
type csvScanner struct {
	data  []byte
	pos   int
	comma byte
	buf   []byte // the current record's unescaped fields, back to back
	ends  []int  // where each field ends in buf
}

// next returns the fields of the next record (reusing fields' array), or false at the end.
// The fields share one string per record.
func (s *csvScanner) next(fields []string) ([]string, bool) {
	d := s.data
	for s.pos < len(d) {
		switch {
		case d[s.pos] == '\n':
			s.pos++
		case d[s.pos] == '\r' && s.pos+1 < len(d) && d[s.pos+1] == '\n':
			s.pos += 2
		default:
			return s.record(fields), true
		}
	}
	return nil, false
}

func (s *csvScanner) record(fields []string) []string {
	d, i := s.data, s.pos
	s.buf, s.ends = s.buf[:0], s.ends[:0]
	quoted, atStart := false, true
scan:
	for i < len(d) {
		c := d[i]
		switch {
		case c == '\\':
			if i+1 < len(d) {
				s.buf = append(s.buf, d[i+1])
			}
			i += 2
		case c == '"':
			switch {
			case i+1 < len(d) && d[i+1] == '"' && !(atStart && !quoted):
				s.buf = append(s.buf, '"') // a doubled quote
				i += 2
			case quoted:
				quoted = false
				i++
			case atStart:
				quoted = true
				i++
			default:
				s.buf = append(s.buf, '"')
				i++
			}
		case quoted:
			s.buf = append(s.buf, c)
			i++
		case c == s.comma:
			s.ends = append(s.ends, len(s.buf))
			i++
			atStart = true
			continue
		case c == '\n':
			i++
			break scan
		case c == '\r' && i+1 < len(d) && d[i+1] == '\n':
			i += 2
			break scan
		default:
			s.buf = append(s.buf, c)
			i++
		}
		atStart = false
	}
	s.pos = min(i, len(d))
	s.ends = append(s.ends, len(s.buf))
	text := string(s.buf)
	fields = fields[:0]
	start := 0
	for _, end := range s.ends {
		fields = append(fields, text[start:end])
		start = end
	}
	return fields
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
