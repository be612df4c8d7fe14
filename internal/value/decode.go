package value

import (
	"encoding/json"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/sfnlocal/sfnlocal/internal/jsoncheck"
)

// MaxDepth is the deepest nesting of arrays and objects that Decode accepts: jsoncheck's limit
// for all JSON text users send.
const MaxDepth = jsoncheck.MaxDepth

// SyntaxError is JSON text that Decode rejects.
type SyntaxError struct {
	Msg    string
	Offset int // byte offset of the problem
}

func (e *SyntaxError) Error() string { return e.Msg }

// Decode parses one JSON value, keeping object keys in document order and numbers as
// json.Number. Trailing data after the value (other than whitespace) is an error, as are
// invalid UTF-8, unpaired surrogate escapes and nesting deeper than MaxDepth (reported as
// *jsoncheck.Error, as internal/jsoncheck would before decoding). A repeated key keeps its
// first position and its last value, as Jackson's ObjectNode does.
//
// Other errors for malformed text carry encoding/json's wording, which the callers' messages
// are written for. The checks run inside the one decoding pass; only a failing text is
// scanned again, to word its error.
func Decode(data []byte) (any, error) { return DecodeString(string(data)) }

// DecodeString is Decode for a string. Strings and numbers of the result share the text's
// memory (no copies), so the text stays alive while any of them does.
func DecodeString(text string) (any, error) {
	d := decoder{data: text}
	v, err := d.value(0)
	if err == nil {
		d.ws()
		if d.pos < len(d.data) {
			err = d.fail("invalid character " + quoteChar(d.data[d.pos]) + " after top-level value")
		}
	}
	if err != nil {
		return nil, stdError(text, err)
	}
	return v, nil
}

// stdError words a failure as jsoncheck and then encoding/json would have: jsoncheck's error
// first (its problems come before syntax), then encoding/json's text for malformed JSON.
func stdError(text string, err error) error {
	if cerr := jsoncheck.CheckString(text, MaxDepth); cerr != nil {
		return cerr
	}
	var v any
	if jerr := json.Unmarshal([]byte(text), &v); jerr != nil {
		return jerr
	}
	return err
}

// slabSize is how many objects, keys and values the decoder allocates at a time. Decoded
// values are carved out of shared slabs (capacity-limited, so a later append copies), which
// makes a document of many small objects cost a few allocations instead of three per object.
const slabSize = 256

type decoder struct {
	data string
	pos  int

	// scratch stacks for the members of the objects and arrays being decoded
	keys []string
	vals []any

	objSlab []Object
	keySlab []string
	valSlab []any
	chunk   int // the next slab's size: doubles from 8 to slabSize
}

// grow returns the size of the next slab, so small documents stay small.
func (d *decoder) grow() int {
	switch {
	case d.chunk == 0:
		d.chunk = 8
	case d.chunk < slabSize:
		d.chunk *= 2
	}
	return d.chunk
}

func (d *decoder) newObject() *Object {
	if len(d.objSlab) == 0 {
		d.objSlab = make([]Object, d.grow())
	}
	o := &d.objSlab[0]
	d.objSlab = d.objSlab[1:]
	return o
}

func (d *decoder) takeKeys(src []string) []string {
	n := len(src)
	if n > len(d.keySlab) {
		size := d.grow()
		if n > size/4 {
			return append(make([]string, 0, n), src...)
		}
		d.keySlab = make([]string, size)
	}
	out := d.keySlab[:n:n]
	d.keySlab = d.keySlab[n:]
	copy(out, src)
	return out
}

func (d *decoder) takeVals(src []any) []any {
	n := len(src)
	if n > len(d.valSlab) {
		size := d.grow()
		if n > size/4 {
			return append(make([]any, 0, n), src...)
		}
		d.valSlab = make([]any, size)
	}
	out := d.valSlab[:n:n]
	d.valSlab = d.valSlab[n:]
	copy(out, src)
	return out
}

func (d *decoder) fail(msg string) error { return &SyntaxError{Msg: msg, Offset: d.pos} }

func quoteChar(c byte) string {
	if c == '\'' {
		return `'\''`
	}
	if c == '"' {
		return `'"'`
	}
	s := strconv.Quote(string(rune(c)))
	return "'" + s[1:len(s)-1] + "'"
}

func (d *decoder) ws() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *decoder) value(depth int) (any, error) {
	d.ws()
	if d.pos >= len(d.data) {
		return nil, d.fail("unexpected end of JSON input")
	}
	switch c := d.data[d.pos]; c {
	case '{':
		if depth >= MaxDepth {
			return nil, &jsoncheck.Error{Offset: d.pos, Kind: jsoncheck.TooDeep}
		}
		return d.object(depth + 1)
	case '[':
		if depth >= MaxDepth {
			return nil, &jsoncheck.Error{Offset: d.pos, Kind: jsoncheck.TooDeep}
		}
		return d.array(depth + 1)
	case '"':
		return d.str()
	case 't':
		return d.lit("true", true)
	case 'f':
		return d.lit("false", false)
	case 'n':
		return d.lit("null", nil)
	default:
		if c == '-' || (c >= '0' && c <= '9') {
			return d.number()
		}
		return nil, d.fail("invalid character " + quoteChar(c) + " looking for beginning of value")
	}
}

func (d *decoder) lit(word string, v any) (any, error) {
	if len(d.data)-d.pos < len(word) || d.data[d.pos:d.pos+len(word)] != word {
		return nil, d.fail("invalid literal")
	}
	d.pos += len(word)
	return v, nil
}

func (d *decoder) object(depth int) (any, error) {
	d.pos++ // '{'
	// Members collect on the scratch stacks from kbase and vbase (an enclosing array has
	// values on the stack without keys).
	kbase, vbase := len(d.keys), len(d.vals)
	defer func() { d.keys, d.vals = d.keys[:kbase], d.vals[:vbase] }()
	d.ws()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		return d.newObject(), nil
	}
	var seen map[string]int // for the duplicate check of large objects
	for {
		d.ws()
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			return nil, d.fail("expected object key")
		}
		k, err := d.str()
		if err != nil {
			return nil, err
		}
		d.ws()
		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			return nil, d.fail("expected ':'")
		}
		d.pos++
		v, err := d.value(depth)
		if err != nil {
			return nil, err
		}
		// A repeated key keeps its first place and takes the last value.
		dup := -1
		if n := len(d.keys) - kbase; n <= indexAfter {
			for i := kbase; i < len(d.keys); i++ {
				if d.keys[i] == k {
					dup = i
					break
				}
			}
		} else {
			if seen == nil {
				seen = make(map[string]int, 2*n)
				for i := kbase; i < len(d.keys); i++ {
					seen[d.keys[i]] = i
				}
			}
			if i, ok := seen[k]; ok {
				dup = i
			} else {
				seen[k] = len(d.keys)
			}
		}
		if dup >= 0 {
			d.vals[vbase+dup-kbase] = v
		} else {
			d.keys = append(d.keys, k)
			d.vals = append(d.vals, v)
		}
		d.ws()
		if d.pos >= len(d.data) {
			return nil, d.fail("unexpected end of JSON input")
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case '}':
			d.pos++
			o := d.newObject()
			o.keys = d.takeKeys(d.keys[kbase:])
			o.vals = d.takeVals(d.vals[vbase:])
			return o, nil
		default:
			return nil, d.fail("expected ',' or '}'")
		}
	}
}

func (d *decoder) array(depth int) (any, error) {
	d.pos++ // '['
	base := len(d.vals)
	defer func() { d.vals = d.vals[:base] }()
	d.ws()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		return []any{}, nil
	}
	for {
		v, err := d.value(depth)
		if err != nil {
			return nil, err
		}
		d.vals = append(d.vals, v)
		d.ws()
		if d.pos >= len(d.data) {
			return nil, d.fail("unexpected end of JSON input")
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case ']':
			d.pos++
			return d.takeVals(d.vals[base:]), nil
		default:
			return nil, d.fail("expected ',' or ']'")
		}
	}
}

func (d *decoder) number() (any, error) {
	start := d.pos
	p := d.pos
	data := d.data
	if p < len(data) && data[p] == '-' {
		p++
	}
	switch {
	case p < len(data) && data[p] == '0':
		p++
	case p < len(data) && data[p] >= '1' && data[p] <= '9':
		for p < len(data) && data[p] >= '0' && data[p] <= '9' {
			p++
		}
	default:
		d.pos = p
		return nil, d.fail("invalid number")
	}
	if p < len(data) && data[p] == '.' {
		p++
		if p >= len(data) || data[p] < '0' || data[p] > '9' {
			d.pos = p
			return nil, d.fail("invalid number")
		}
		for p < len(data) && data[p] >= '0' && data[p] <= '9' {
			p++
		}
	}
	if p < len(data) && (data[p] == 'e' || data[p] == 'E') {
		p++
		if p < len(data) && (data[p] == '+' || data[p] == '-') {
			p++
		}
		if p >= len(data) || data[p] < '0' || data[p] > '9' {
			d.pos = p
			return nil, d.fail("invalid number")
		}
		for p < len(data) && data[p] >= '0' && data[p] <= '9' {
			p++
		}
	}
	d.pos = p
	return json.Number(data[start:p]), nil
}

// str decodes a string at d.pos (which is '"').
func (d *decoder) str() (string, error) {
	d.pos++
	start := d.pos
	data := d.data
	// Fast path: no escapes, ASCII only.
	for p := start; p < len(data); p++ {
		c := data[p]
		if c == '"' {
			d.pos = p + 1
			return data[start:p], nil
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
	}
	var buf []byte
	p := start
	for {
		if p >= len(data) {
			d.pos = p
			return "", d.fail("unexpected end of JSON input")
		}
		c := data[p]
		switch {
		case c == '"':
			d.pos = p + 1
			if buf == nil {
				return data[start:p], nil
			}
			return string(buf), nil
		case c < 0x20:
			d.pos = p
			return "", d.fail("invalid character in string literal")
		case c == '\\':
			if buf == nil {
				buf = append(make([]byte, 0, p-start+16), data[start:p]...)
			}
			p++
			if p >= len(data) {
				d.pos = p
				return "", d.fail("unexpected end of JSON input")
			}
			switch e := data[p]; e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, ok := hex4(data, p+1)
				if !ok {
					d.pos = p
					return "", d.fail("invalid escape in string literal")
				}
				esc := p - 1
				p += 4
				if utf16.IsSurrogate(r) {
					// A high surrogate must be followed by an escaped low one.
					r2, ok2 := rune(-1), false
					if p+6 < len(data) && data[p+1] == '\\' && data[p+2] == 'u' {
						r2, ok2 = hex4(data, p+3)
					}
					dec := utf16.DecodeRune(r, r2)
					if !ok2 || dec == utf8.RuneError {
						return "", &jsoncheck.Error{Offset: esc, Kind: jsoncheck.LoneSurrogate}
					}
					r = dec
					p += 6
				}
				buf = utf8.AppendRune(buf, r)
			default:
				d.pos = p
				return "", d.fail("invalid escape in string literal")
			}
			p++
		case c < utf8.RuneSelf:
			if buf != nil {
				buf = append(buf, c)
			}
			p++
		default:
			r, size := utf8.DecodeRuneInString(data[p:])
			if r == utf8.RuneError && size == 1 {
				return "", &jsoncheck.Error{Offset: p, Kind: jsoncheck.InvalidUTF8}
			}
			if buf != nil {
				buf = append(buf, data[p:p+size]...)
			}
			p += size
		}
	}
}

func hex4(data string, p int) (rune, bool) {
	if p+4 > len(data) {
		return 0, false
	}
	var r rune
	for i := p; i < p+4; i++ {
		c := data[i]
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
