// Package jackson describes JSON syntax errors the way AWS Step Functions does. AWS parses
// definitions, execution input and task output with Jackson (Java), and its error text is
// Jackson's: "Unexpected character (':' (code 58)): was expecting comma to separate Object
// entries\n at [Source: (String)"..."; line: 1, column: 9]". Go's encoding/json words its
// errors differently and counts bytes, so Step Functions' answers must not carry them.
//
// Check scans a text with Jackson's grammar (strict JSON, as Jackson's defaults are) and, at
// the first error, reports Jackson's message and location: line and column are 1-based and
// point just after the offending character, as Jackson's current location does, and columns
// count characters, not bytes. It is a scanner only; decoding stays with encoding/json. It uses
// only the standard library: no Go JSON library reproduces Jackson's wording.
package jackson

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxSnippet is how much of the source Jackson quotes in a location (its
// MAX_CONTENT_SNIPPET).
const maxSnippet = 500

// validValues is Jackson's list of what may start a JSON value.
const validValues = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"

// Error is a JSON syntax error as Jackson reports it.
type Error struct {
	// Message is Jackson's original message, without the location.
	Message string
	// Line and Column are 1-based; Column counts characters.
	Line, Column int
	// Location is "[Source: (String)"<source>"; line: N, column: M]".
	Location string
}

// Error is Jackson's full message: Message, a newline, " at " and the Location.
func (e *Error) Error() string { return e.Message + "\n at " + e.Location }

// Check returns nil when src is one JSON value (trailing content after it is ignored, as
// Jackson's ObjectMapper ignores it by default), else Jackson's description of the first
// syntax error.
func Check(src string) *Error {
	s := &scanner{src: src}
	s.ws()
	if s.eof() {
		return s.fail("No content to map due to end-of-input")
	}
	if err := s.value(); err != nil {
		return err
	}
	return nil
}

type scanner struct {
	src string
	pos int // byte offset of the next character
}

func (s *scanner) eof() bool { return s.pos >= len(s.src) }

func (s *scanner) peek() rune {
	r, _ := utf8.DecodeRuneInString(s.src[s.pos:])
	return r
}

func (s *scanner) next() rune {
	r, n := utf8.DecodeRuneInString(s.src[s.pos:])
	s.pos += n
	return r
}

func (s *scanner) ws() {
	for !s.eof() {
		switch s.src[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// location renders the location of byte offset at (just after the character read last).
func (s *scanner) location(at int) (line, col int, loc string) {
	line, col = 1, 1
	for _, r := range s.src[:min(at, len(s.src))] {
		if r == '\n' {
			line++
			col = 1
		} else {
			col += utf16Len(r)
		}
	}
	return line, col, "[Source: " + source(s.src) + "; line: " + fmt.Sprint(line) + ", column: " + fmt.Sprint(col) + "]"
}

func utf16Len(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// source is Jackson's description of a String source: the text, raw, cut at 500 characters.
func source(src string) string {
	n := 0
	for i := range src {
		if n == maxSnippet {
			return `(String)"` + src[:i] + fmt.Sprintf(`"[truncated %d chars]`, utf8.RuneCountInString(src[i:]))
		}
		n++
	}
	return `(String)"` + src + `"`
}

func (s *scanner) fail(format string, args ...any) *Error {
	line, col, loc := s.location(s.pos)
	return &Error{Message: fmt.Sprintf(format, args...), Line: line, Column: col, Location: loc}
}

// charDesc is Jackson's _getCharDesc.
func charDesc(r rune) string {
	switch {
	case unicode.IsControl(r):
		return fmt.Sprintf("(CTRL-CHAR, code %d)", r)
	case r > 255:
		return fmt.Sprintf("'%c' (code %d / 0x%x)", r, r, r)
	}
	return fmt.Sprintf("'%c' (code %d)", r, r)
}

// unexpected reports the character just read.
func (s *scanner) unexpected(r rune, comment string) *Error {
	return s.fail("Unexpected character (%s): %s", charDesc(r), comment)
}

// context is an open array or object, for close-marker messages.
type context struct {
	kind string // "ARRAY" or "OBJECT"
	at   int    // byte offset of its opening bracket
}

// startMarker is the location of c's opening bracket (Jackson's start location is the
// bracket's own column).
func (s *scanner) startMarker(c context) string {
	_, _, loc := s.location(c.at)
	return loc
}

func (s *scanner) eofIn(c context) *Error {
	return s.fail("Unexpected end-of-input: expected close marker for %s (start marker at %s)", c.kind, s.startMarker(c))
}

func (s *scanner) value() *Error { return s.valueIn(context{}) }

// valueIn scans one value inside c (the zero context at the root).
func (s *scanner) valueIn(c context) *Error {
	if s.eof() {
		if c.kind != "" {
			return s.eofIn(c)
		}
		return s.fail("No content to map due to end-of-input")
	}
	at := s.pos
	r := s.next()
	switch {
	case r == '{':
		return s.object(context{"OBJECT", at})
	case r == '[':
		return s.array(context{"ARRAY", at})
	case r == '"':
		return s.str(false)
	case r == '-' || r >= '0' && r <= '9':
		s.pos = at
		return s.number()
	case r == ']' || r == '}':
		if c.kind == "" || (r == ']') != (c.kind == "ARRAY") {
			return s.closeMismatch(r, c)
		}
		return s.unexpected(r, "expected a valid value "+validValues)
	case isIdentStart(r):
		for !s.eof() && isIdentPart(s.peek()) {
			s.next()
		}
		word := s.src[at:s.pos]
		if word == "true" || word == "false" || word == "null" {
			return nil
		}
		return s.fail("Unrecognized token '%s': was expecting %s", word, validValues)
	}
	return s.unexpected(r, "expected a valid value "+validValues)
}

func (s *scanner) closeMismatch(r rune, c context) *Error {
	if c.kind == "" {
		return s.fail("Unexpected close marker '%c': expected '%c' (for root starting at %s)", r, r, s.startMarker(context{at: 0}))
	}
	want, name := '}', "Object"
	if c.kind == "ARRAY" {
		want, name = ']', "Array"
	}
	return s.fail("Unexpected close marker '%c': expected '%c' (for %s starting at %s)", r, want, name, s.startMarker(c))
}

func isIdentStart(r rune) bool {
	return unicode.IsLetter(r) || r == '_' || r == '$'
}

func isIdentPart(r rune) bool {
	return isIdentStart(r) || unicode.IsDigit(r)
}

func (s *scanner) object(c context) *Error {
	s.ws()
	if s.eof() {
		return s.eofIn(c)
	}
	if s.peek() == '}' {
		s.next()
		return nil
	}
	for {
		s.ws()
		if s.eof() {
			return s.eofIn(c)
		}
		r := s.next()
		if r != '"' {
			if r == ']' {
				return s.closeMismatch(r, c)
			}
			return s.unexpected(r, "was expecting double-quote to start field name")
		}
		if err := s.str(true); err != nil {
			return err
		}
		s.ws()
		if s.eof() {
			return s.fail("Unexpected end-of-input within/between OBJECT entries")
		}
		if r := s.next(); r != ':' {
			return s.unexpected(r, "was expecting a colon to separate field name and value")
		}
		s.ws()
		if s.eof() {
			return s.fail("Unexpected end-of-input within/between OBJECT entries")
		}
		if err := s.valueIn(c); err != nil {
			return err
		}
		s.ws()
		if s.eof() {
			return s.eofIn(c)
		}
		switch r := s.next(); r {
		case ',':
		case '}':
			return nil
		case ']':
			return s.closeMismatch(r, c)
		default:
			return s.unexpected(r, "was expecting comma to separate Object entries")
		}
	}
}

func (s *scanner) array(c context) *Error {
	s.ws()
	if s.eof() {
		return s.eofIn(c)
	}
	if s.peek() == ']' {
		s.next()
		return nil
	}
	for {
		s.ws()
		if err := s.valueIn(c); err != nil {
			return err
		}
		s.ws()
		if s.eof() {
			return s.eofIn(c)
		}
		switch r := s.next(); r {
		case ',':
		case ']':
			return nil
		case '}':
			return s.closeMismatch(r, c)
		default:
			return s.unexpected(r, "was expecting comma to separate Array entries")
		}
	}
}

// str scans a string after its opening quote.
func (s *scanner) str(name bool) *Error {
	for {
		if s.eof() {
			if name {
				return s.fail("Unexpected end-of-input in field name")
			}
			return s.fail("Unexpected end-of-input: was expecting closing quote for a string value")
		}
		r := s.next()
		switch {
		case r == '"':
			return nil
		case r < 0x20:
			what := "string value"
			if name {
				what = "name"
			}
			return s.fail("Illegal unquoted character (%s): has to be escaped using backslash to be included in %s", charDesc(r), what)
		case r == '\\':
			if s.eof() {
				return s.fail("Unexpected end-of-input in character escape sequence")
			}
			e := s.next()
			switch e {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				for i := 0; i < 4; i++ {
					if s.eof() {
						return s.fail("Unexpected end-of-input in character escape sequence")
					}
					h := s.next()
					if !strings.ContainsRune("0123456789abcdefABCDEF", h) {
						return s.unexpected(h, "expected a hex-digit for character escape sequence")
					}
				}
			default:
				return s.fail("Unrecognized character escape %s", charDesc(e))
			}
		}
	}
}

func (s *scanner) number() *Error {
	if s.peek() == '-' {
		s.next()
		if s.eof() {
			return s.fail("Unexpected end-of-input in a Number value")
		}
		if r := s.peek(); r < '0' || r > '9' {
			s.next()
			return s.fail("Unexpected character (%s) in numeric value: expected digit (0-9) to follow minus sign, for valid numeric value", charDesc(r))
		}
	}
	digits := func() int {
		n := 0
		for !s.eof() && s.src[s.pos] >= '0' && s.src[s.pos] <= '9' {
			s.pos++
			n++
		}
		return n
	}
	intStart := s.pos
	n := digits()
	if n > 1 && s.src[intStart] == '0' {
		s.pos = intStart + 2
		return s.fail("Invalid numeric value: Leading zeroes not allowed")
	}
	if !s.eof() && s.src[s.pos] == '.' {
		s.pos++
		if digits() == 0 {
			if s.eof() {
				return s.fail("Unexpected end-of-input in a Number value")
			}
			r := s.next()
			return s.fail("Unexpected character (%s) in numeric value: Decimal point not followed by a digit", charDesc(r))
		}
	}
	if !s.eof() && (s.src[s.pos] == 'e' || s.src[s.pos] == 'E') {
		s.pos++
		if !s.eof() && (s.src[s.pos] == '+' || s.src[s.pos] == '-') {
			s.pos++
		}
		if digits() == 0 {
			if s.eof() {
				return s.fail("Unexpected end-of-input in a Number value")
			}
			r := s.next()
			return s.fail("Unexpected character (%s) in numeric value: Exponent indicator not followed by a digit", charDesc(r))
		}
	}
	return nil
}

// At builds an Error with message at byte offset of src, for errors Jackson's grammar does not
// cover (content a caller refuses after a complete value).
func At(src string, offset int, message string) *Error {
	s := &scanner{src: src, pos: max(0, min(offset, len(src)))}
	return s.fail("%s", message)
}
