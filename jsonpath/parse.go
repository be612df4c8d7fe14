package jsonpath

import (
	"github.com/sfnlocal/sfnlocal/internal/value"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

type segKind uint8

const (
	segName     segKind = iota // .name or ['name']
	segIndex                   // [n]
	segWildcard                // .* or [*]
	segNames                   // ['a','b']
	segIndexes                 // [1,2]
	segSlice                   // [a:b]
	segFilter                  // [?(...)]
	segScript                  // [(@.length-n)]: an index computed from the array's length
)

// segment is one step of a path. deep marks a ".." scan: the selector applies to the node
// and every descendant.
type segment struct {
	kind     segKind
	deep     bool
	name     string
	index    int
	names    []string
	indexes  []int
	start    int
	end      int
	hasStart bool
	hasEnd   bool
	filter   filterExpr
}

func (s *segment) writeNormalized(b *strings.Builder) {
	if s.deep {
		b.WriteString("..")
	}
	switch s.kind {
	case segName:
		b.WriteString("['")
		b.WriteString(s.name)
		b.WriteString("']")
	case segIndex:
		b.WriteByte('[')
		b.WriteString(strconv.Itoa(s.index))
		b.WriteByte(']')
	case segWildcard:
		b.WriteString("[*]")
	case segNames:
		b.WriteByte('[')
		for i, n := range s.names {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("'" + n + "'")
		}
		b.WriteByte(']')
	case segIndexes:
		b.WriteByte('[')
		for i, n := range s.indexes {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(n))
		}
		b.WriteByte(']')
	case segSlice:
		b.WriteByte('[')
		if s.hasStart {
			b.WriteString(strconv.Itoa(s.start))
		}
		b.WriteByte(':')
		if s.hasEnd {
			b.WriteString(strconv.Itoa(s.end))
		}
		b.WriteByte(']')
	case segFilter:
		b.WriteString("[?]")
	case segScript:
		b.WriteString("[(@.length")
		if s.index >= 0 {
			b.WriteByte('+')
		}
		b.WriteString(strconv.Itoa(s.index))
		b.WriteString(")]")
	}
}

// apply appends the nodes s selects from n to out (indefinite evaluation: no errors).
func (s *segment) apply(n, root any, out []any) []any {
	switch s.kind {
	case segName:
		if m, ok := n.(*value.Object); ok {
			if v, found := m.Get(s.name); found {
				out = append(out, v)
			}
		}
	case segNames:
		if m, ok := n.(*value.Object); ok {
			for _, name := range s.names {
				if v, found := m.Get(name); found {
					out = append(out, v)
				}
			}
		}
	case segIndex:
		if a, ok := n.([]any); ok {
			if i := normIndex(s.index, len(a)); i >= 0 {
				out = append(out, a[i])
			}
		}
	case segIndexes:
		if a, ok := n.([]any); ok {
			for _, idx := range s.indexes {
				if i := normIndex(idx, len(a)); i >= 0 {
					out = append(out, a[i])
				}
			}
		}
	case segWildcard:
		switch t := n.(type) {
		case *value.Object:
			for _, v := range t.All() {
				out = append(out, v)
			}
		case []any:
			out = append(out, t...)
		}
	case segSlice:
		if a, ok := n.([]any); ok {
			from, to := 0, len(a)
			if s.hasStart {
				from = clampSlice(s.start, len(a))
			}
			if s.hasEnd {
				to = clampSlice(s.end, len(a))
			}
			for i := from; i < to; i++ {
				out = append(out, a[i])
			}
		}
	case segScript:
		if a, ok := n.([]any); ok {
			if i := len(a) + s.index; i >= 0 && i < len(a) {
				out = append(out, a[i])
			}
		}
	case segFilter:
		switch t := n.(type) {
		case []any:
			for _, v := range t {
				if s.filter.test(v, root) {
					out = append(out, v)
				}
			}
		case *value.Object:
			if s.filter.test(t, root) {
				out = append(out, t)
			}
		}
	}
	return out
}

func normIndex(i, n int) int {
	if i < 0 {
		i += n
	}
	if i < 0 || i >= n {
		return -1
	}
	return i
}

func clampSlice(i, n int) int {
	if i < 0 {
		i += n
	}
	if i < 0 {
		return 0
	}
	if i > n {
		return n
	}
	return i
}

// parser is a recursive-descent parser over a path or filter expression.
type parser struct {
	src string
	pos int
}

func (p *parser) errf(msg string) error {
	return &SyntaxError{Expr: p.src, Offset: p.pos, Msg: msg}
}

func (p *parser) eof() bool { return p.pos >= len(p.src) }

func (p *parser) peek() byte {
	if p.eof() {
		return 0
	}
	return p.src[p.pos]
}

func (p *parser) skipSpace() {
	for !p.eof() && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t' || p.src[p.pos] == '\n' || p.src[p.pos] == '\r') {
		p.pos++
	}
}

const maxPathLen = 1 << 16

func parse(expr string, reference bool) (*Path, error) {
	if len(expr) > maxPathLen {
		return nil, &SyntaxError{Expr: expr[:64] + "...", Msg: "path too long"}
	}
	p := &parser{src: expr}
	path := &Path{src: expr}
	if !strings.HasPrefix(expr, "$") {
		return nil, p.errf("a path must start with '$'")
	}
	p.pos = 1
	switch {
	case strings.HasPrefix(expr, "$$"):
		path.root = RootContext
		p.pos = 2
	case len(expr) > 1 && isIdentStart(expr[1:]):
		path.root = RootVariable
		start := p.pos
		for !p.eof() {
			r, size := utf8.DecodeRuneInString(p.src[p.pos:])
			if !(r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r) || unicode.Is(unicode.Pc, r)) {
				break
			}
			p.pos += size
		}
		path.variable = expr[start:p.pos]
	}
	segs, err := p.segments(false, 0)
	if err != nil {
		return nil, err
	}
	if !p.eof() {
		return nil, p.errf("unexpected character " + strconv.QuoteRune(rune(p.peek())))
	}
	path.segs = segs
	path.definite = true
	for i := range segs {
		if segs[i].deep || (segs[i].kind != segName && segs[i].kind != segIndex) {
			path.definite = false
		}
	}
	if reference && !path.definite {
		return nil, &SyntaxError{Expr: expr, Msg: "a reference path must select a single node (no wildcards, slices, filters or deep scans)"}
	}
	return path, nil
}

func isIdentStart(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return r == '_' || unicode.IsLetter(r)
}

// maxDepth bounds filter nesting, so hostile input cannot exhaust the stack.
const maxDepth = 32

// segments parses steps until the end of input or, inside a filter, a character that cannot
// continue a path.
func (p *parser) segments(inFilter bool, depth int) ([]segment, error) {
	var segs []segment
	for !p.eof() {
		c := p.peek()
		switch c {
		case '.':
			p.pos++
			deep := false
			if p.peek() == '.' {
				deep = true
				p.pos++
			}
			if p.peek() == '[' {
				// "$.abc.['def ghi']" is accepted by AWS (documented) and means $.abc['def ghi'].
				seg, err := p.bracket(depth)
				if err != nil {
					return nil, err
				}
				seg.deep = deep
				segs = append(segs, seg)
				continue
			}
			if p.peek() == '*' {
				p.pos++
				segs = append(segs, segment{kind: segWildcard, deep: deep})
				continue
			}
			start := p.pos
			for !p.eof() && !isNameStop(p.src[p.pos], inFilter) {
				p.pos++
			}
			if p.pos == start {
				return nil, p.errf("expected a property name")
			}
			segs = append(segs, segment{kind: segName, name: p.src[start:p.pos], deep: deep})
		case '[':
			seg, err := p.bracket(depth)
			if err != nil {
				return nil, err
			}
			segs = append(segs, seg)
		default:
			if inFilter {
				return segs, nil
			}
			return nil, p.errf("unexpected character " + strconv.QuoteRune(rune(c)))
		}
	}
	return segs, nil
}

func isNameStop(c byte, inFilter bool) bool {
	switch c {
	case '.', '[':
		return true
	case ' ', '\t', '\n', '\r', '\'', '"', '(', ')', ']', ',':
		return true
	}
	if inFilter {
		switch c {
		case '=', '!', '<', '>', '&', '|', '~':
			return true
		}
	}
	return false
}

// bracket parses "[...]" at p.pos.
func (p *parser) bracket(depth int) (segment, error) {
	p.pos++ // '['
	p.skipSpace()
	var seg segment
	switch c := p.peek(); {
	case c == '*':
		p.pos++
		seg.kind = segWildcard
	case c == '\'' || c == '"':
		var names []string
		for {
			p.skipSpace()
			s, err := p.quoted()
			if err != nil {
				return seg, err
			}
			names = append(names, s)
			p.skipSpace()
			if p.peek() != ',' {
				break
			}
			p.pos++
		}
		if len(names) == 1 {
			seg.kind, seg.name = segName, names[0]
		} else {
			seg.kind, seg.names = segNames, names
		}
	case c == '?':
		p.pos++
		p.skipSpace()
		if p.peek() != '(' {
			return seg, p.errf("expected '(' after '?'")
		}
		p.pos++
		f, err := p.filterOr(depth + 1)
		if err != nil {
			return seg, err
		}
		p.skipSpace()
		if p.peek() != ')' {
			return seg, p.errf("expected ')' to close the filter")
		}
		p.pos++
		seg.kind, seg.filter = segFilter, f
	case c == '(':
		// A script index, as Jayway reads it: (@.length), (@.length-n) or (@.length+n).
		p.pos++
		p.skipSpace()
		if !strings.HasPrefix(p.src[p.pos:], "@.length") {
			return seg, p.errf("expected '@.length' in a script index")
		}
		p.pos += len("@.length")
		p.skipSpace()
		off := 0
		if c := p.peek(); c == '-' || c == '+' {
			p.pos++
			p.skipSpace()
			n, err := p.integer()
			if err != nil {
				return seg, err
			}
			if n < 0 {
				return seg, p.errf("invalid script index")
			}
			off = n
			if c == '-' {
				off = -n
			}
			p.skipSpace()
		}
		if p.peek() != ')' {
			return seg, p.errf("expected ')' to close the script index")
		}
		p.pos++
		seg.kind, seg.index = segScript, off
	case c == ':' || c == '-' || (c >= '0' && c <= '9'):
		var first int
		hasFirst := false
		if c != ':' {
			n, err := p.integer()
			if err != nil {
				return seg, err
			}
			first, hasFirst = n, true
		}
		p.skipSpace()
		switch p.peek() {
		case ':':
			p.pos++
			p.skipSpace()
			seg.kind = segSlice
			seg.start, seg.hasStart = first, hasFirst
			if c := p.peek(); c == '-' || (c >= '0' && c <= '9') {
				n, err := p.integer()
				if err != nil {
					return seg, err
				}
				seg.end, seg.hasEnd = n, true
			}
		case ',':
			seg.kind = segIndexes
			seg.indexes = []int{first}
			for p.peek() == ',' {
				p.pos++
				p.skipSpace()
				n, err := p.integer()
				if err != nil {
					return seg, err
				}
				seg.indexes = append(seg.indexes, n)
				p.skipSpace()
			}
		default:
			seg.kind, seg.index = segIndex, first
		}
	default:
		return seg, p.errf("unexpected character in brackets")
	}
	p.skipSpace()
	if p.peek() != ']' {
		return seg, p.errf("expected ']'")
	}
	p.pos++
	return seg, nil
}

func (p *parser) integer() (int, error) {
	start := p.pos
	if p.peek() == '-' {
		p.pos++
	}
	for !p.eof() && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
		p.pos++
	}
	n, err := strconv.Atoi(p.src[start:p.pos])
	if err != nil || p.pos-start > 10 {
		p.pos = start
		return 0, p.errf("expected an integer")
	}
	return n, nil
}

// quoted parses a '...' or "..." string; a backslash escapes the next character.
func (p *parser) quoted() (string, error) {
	q := p.peek()
	if q != '\'' && q != '"' {
		return "", p.errf("expected a quoted string")
	}
	p.pos++
	var b strings.Builder
	for !p.eof() {
		c := p.src[p.pos]
		switch {
		case c == q:
			p.pos++
			return b.String(), nil
		case c == '\\' && p.pos+1 < len(p.src):
			// Java escapes, as Jayway unescapes quoted names and filter strings:
			// \n \t \r \f \b \uXXXX, and any other escaped character stands for itself.
			e := p.src[p.pos+1]
			p.pos += 2
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'f':
				b.WriteByte('\f')
			case 'b':
				b.WriteByte('\b')
			case 'u':
				if p.pos+4 > len(p.src) {
					return "", p.errf("invalid unicode escape")
				}
				n, err := strconv.ParseUint(p.src[p.pos:p.pos+4], 16, 16)
				if err != nil {
					return "", p.errf("invalid unicode escape")
				}
				r := rune(n)
				p.pos += 4
				// A surrogate pair written as two escapes is one character.
				if utf16.IsSurrogate(r) && p.pos+6 <= len(p.src) && p.src[p.pos] == '\\' && p.src[p.pos+1] == 'u' {
					if n2, err := strconv.ParseUint(p.src[p.pos+2:p.pos+6], 16, 16); err == nil {
						if d := utf16.DecodeRune(r, rune(n2)); d != utf8.RuneError {
							r = d
							p.pos += 6
						}
					}
				}
				b.WriteRune(r)
			default:
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return "", p.errf("unterminated string")
}
