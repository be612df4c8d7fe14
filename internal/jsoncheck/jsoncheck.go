// Package jsoncheck is the cheap first look at JSON text that users send: it rejects invalid
// UTF-8, lone UTF-16 surrogate escapes ("\ud800") and nesting deeper than MaxDepth in one
// linear pass, before any decoder or parser descends into the text.
//
// Why it exists: encoding/json silently replaces invalid UTF-8 and lone surrogates with
// U+FFFD, so a name, an execution input or a definition would be changed rather than refused
// as AWS refuses it; and every recursive walk after decoding (payload templates, JSONPath,
// JSONata, encoding) is only as safe as the depth of the value it is given. The checks need
// no allocation and no recursion, so they are safe on any input; the standard library offers
// them only through encoding/json/v2, which is still an experiment in Go 1.26.
package jsoncheck

import (
	"fmt"
	"unicode/utf8"
)

// MaxDepth is how deeply arrays and objects may nest in JSON text that users send
// (definitions, execution inputs, task outputs). It is encoding/json's own limit, made explicit
// so that it is checked, and reported, before decoding.
const MaxDepth = 10000

// Error is a problem found in JSON text, at byte Offset (0-based).
type Error struct {
	Offset int
	Kind   Kind
}

// Kind says what is wrong.
type Kind int

const (
	// InvalidUTF8 is a byte sequence that is not UTF-8.
	InvalidUTF8 Kind = iota + 1
	// LoneSurrogate is a \uXXXX escape of a UTF-16 surrogate without its pair.
	LoneSurrogate
	// TooDeep is nesting past MaxDepth.
	TooDeep
)

func (e *Error) Error() string {
	switch e.Kind {
	case InvalidUTF8:
		return "Invalid UTF-8 byte sequence"
	case LoneSurrogate:
		return "Invalid UTF-16 surrogate: an unpaired \\u escape"
	}
	return fmt.Sprintf("Document nesting depth exceeds the maximum allowed (%d)", MaxDepth)
}

// Check scans JSON text (valid or not: syntax is left to the decoder) for invalid UTF-8,
// unpaired surrogate escapes inside strings and nesting deeper than maxDepth (MaxDepth when
// maxDepth <= 0). It returns the first problem as an *Error, or nil.
func Check(data []byte, maxDepth int) error { return check(data, maxDepth) }

// CheckString is Check for a string (without copying it).
func CheckString(s string, maxDepth int) error { return check(s, maxDepth) }

func check[T ~string | ~[]byte](data T, maxDepth int) error {
	if maxDepth <= 0 {
		maxDepth = MaxDepth
	}
	depth := 0
	for i := 0; i < len(data); {
		c := data[i]
		switch {
		case c >= utf8.RuneSelf:
			n := runeLen(data, i)
			if n == 0 {
				return &Error{Offset: i, Kind: InvalidUTF8}
			}
			i += n
			continue
		case c == '[' || c == '{':
			depth++
			if depth > maxDepth {
				return &Error{Offset: i, Kind: TooDeep}
			}
		case c == ']' || c == '}':
			depth--
		case c == '"':
			end, err := scanString(data, i+1)
			if err != nil {
				return err
			}
			i = end
			continue
		}
		i++
	}
	return nil
}

// scanString checks a string body starting after its opening quote and returns the offset
// after its closing quote (or the end of data).
func scanString[T ~string | ~[]byte](data T, i int) (int, error) {
	for i < len(data) {
		c := data[i]
		switch {
		case c == '"':
			return i + 1, nil
		case c == '\\':
			if i+1 < len(data) && data[i+1] == 'u' {
				r, ok := hex4(data, i+2)
				if ok && r >= 0xd800 && r < 0xe000 {
					// a high surrogate must be followed by an escaped low surrogate
					if r >= 0xdc00 {
						return 0, &Error{Offset: i, Kind: LoneSurrogate}
					}
					lo, ok := rune(0), false
					if i+7 < len(data) && data[i+6] == '\\' && data[i+7] == 'u' {
						lo, ok = hex4(data, i+8)
					}
					if !ok || lo < 0xdc00 || lo >= 0xe000 {
						return 0, &Error{Offset: i, Kind: LoneSurrogate}
					}
					i += 12
					continue
				}
			}
			if i+1 < len(data) && data[i+1] >= utf8.RuneSelf {
				i++ // not an escape; the byte is checked as UTF-8 next
				continue
			}
			i += 2
		case c >= utf8.RuneSelf:
			n := runeLen(data, i)
			if n == 0 {
				return 0, &Error{Offset: i, Kind: InvalidUTF8}
			}
			i += n
		default:
			i++
		}
	}
	return i, nil
}

func hex4[T ~string | ~[]byte](data T, i int) (rune, bool) {
	if i+4 > len(data) {
		return 0, false
	}
	var r rune
	for j := i; j < i+4; j++ {
		c := data[j]
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// runeLen returns the length of the well-formed UTF-8 sequence starting at data[i] (a byte
// >= 0x80), or 0 if it is not one: no overlong forms, no surrogates, nothing past U+10FFFF.
func runeLen[T ~string | ~[]byte](data T, i int) int {
	c := data[i]
	var n int
	var lo, hi byte = 0x80, 0xbf // range of the second byte
	switch {
	case c >= 0xc2 && c <= 0xdf:
		n = 2
	case c == 0xe0:
		n, lo = 3, 0xa0
	case c == 0xed:
		n, hi = 3, 0x9f
	case c >= 0xe1 && c <= 0xef:
		n = 3
	case c == 0xf0:
		n, lo = 4, 0x90
	case c >= 0xf1 && c <= 0xf3:
		n = 4
	case c == 0xf4:
		n, hi = 4, 0x8f
	default:
		return 0
	}
	if i+n > len(data) {
		return 0
	}
	if b := data[i+1]; b < lo || b > hi {
		return 0
	}
	for j := i + 2; j < i+n; j++ {
		if b := data[j]; b < 0x80 || b > 0xbf {
			return 0
		}
	}
	return n
}

// EscapeLoneSurrogates returns data with the backslash of every unpaired surrogate escape
// inside a string doubled ("\ud800" becomes "\\ud800"), so that a decoder keeps the six
// characters instead of replacing them with U+FFFD; the text stays valid JSON. A server uses
// it on a request body so that each member meets its own check: a name then holds a
// backslash (an invalid name), and JSON text held in a member (a definition, an execution
// input) still holds the unpaired escape, which Check reports. data is returned unchanged
// when there is nothing to escape.
func EscapeLoneSurrogates(data []byte) []byte {
	var out []byte
	last := 0
	inString := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		if !inString {
			inString = c == '"'
			continue
		}
		switch c {
		case '"':
			inString = false
		case '\\':
			if i+1 < len(data) && data[i+1] == 'u' {
				if r, ok := hex4(data, i+2); ok && r >= 0xd800 && r < 0xe000 {
					paired := false
					if r < 0xdc00 && i+7 < len(data) && data[i+6] == '\\' && data[i+7] == 'u' {
						lo, ok := hex4(data, i+8)
						paired = ok && lo >= 0xdc00 && lo < 0xe000
					}
					if paired {
						i += 11
						continue
					}
					out = append(out, data[last:i]...)
					out = append(out, '\\')
					last = i
				}
			}
			i++ // skip the escaped character
		}
	}
	if out == nil {
		return data
	}
	return append(out, data[last:]...)
}
