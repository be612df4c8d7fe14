package intrinsics

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/sfnlocal/sfnlocal/jsonpath"
)

var sprintf = fmt.Sprintf

// SyntaxError is a malformed intrinsic call, found when the definition is created.
type SyntaxError struct {
	Expr   string
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return "invalid intrinsic function call '" + e.Expr + "': " + e.Msg + " at offset " + strconv.Itoa(e.Offset)
}

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

func isNameChar(c byte) bool {
	return c == '.' || c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// call parses "States.Name(args)" at p.pos.
func (p *parser) call(depth int) (*Call, error) {
	if depth > MaxNesting {
		return nil, p.errf(fmt.Sprintf("intrinsic functions may be nested at most %d deep", MaxNesting))
	}
	start := p.pos
	for !p.eof() && isNameChar(p.peek()) {
		p.pos++
	}
	name := p.src[start:p.pos]
	fn, ok := functions[name]
	if !ok {
		p.pos = start
		if name == "" {
			return nil, p.errf("expected an intrinsic function name")
		}
		return nil, p.errf("unknown intrinsic function '" + name + "'")
	}
	p.skipSpace()
	if p.peek() != '(' {
		return nil, p.errf("expected '(' after " + name)
	}
	p.pos++
	c := &Call{fn: fn}
	p.skipSpace()
	if p.peek() == ')' {
		p.pos++
	} else {
		for {
			p.skipSpace()
			a, err := p.arg(depth)
			if err != nil {
				return nil, err
			}
			c.args = append(c.args, a)
			p.skipSpace()
			if p.peek() == ',' {
				p.pos++
				continue
			}
			if p.peek() == ')' {
				p.pos++
				break
			}
			return nil, p.errf("expected ',' or ')'")
		}
	}
	c.src = p.src[start:p.pos]
	if n := len(c.args); n < fn.minArgs || (fn.maxArgs >= 0 && n > fn.maxArgs) {
		return nil, &SyntaxError{Expr: p.src, Offset: start, Msg: fn.arity()}
	}
	if fn.pathOnly {
		for _, a := range c.args {
			if a.kind != argPath {
				return nil, &SyntaxError{Expr: p.src, Offset: start, Msg: name + " takes a path argument"}
			}
		}
	}
	return c, nil
}

func (p *parser) arg(depth int) (arg, error) {
	c := p.peek()
	switch {
	case c == '\'':
		return p.stringLit()
	case c == '$':
		return p.pathArg()
	case c == '-' || c >= '0' && c <= '9':
		start := p.pos
		p.pos++
		for !p.eof() && strings.IndexByte("0123456789.eE+-", p.peek()) >= 0 {
			p.pos++
		}
		text := p.src[start:p.pos]
		if !validNumber(text) {
			p.pos = start
			return arg{}, p.errf("invalid number")
		}
		return arg{kind: argNumber, num: json.Number(text)}, nil
	}
	rest := p.src[p.pos:]
	for _, kw := range []struct {
		word string
		a    arg
	}{{"null", arg{kind: argNull}}, {"true", arg{kind: argBool, b: true}}, {"false", arg{kind: argBool}}} {
		if strings.HasPrefix(rest, kw.word) && (len(rest) == len(kw.word) || !isNameChar(rest[len(kw.word)])) {
			p.pos += len(kw.word)
			return kw.a, nil
		}
	}
	if strings.HasPrefix(rest, "States.") {
		sub, err := p.call(depth + 1)
		if err != nil {
			return arg{}, err
		}
		return arg{kind: argCall, call: sub}, nil
	}
	return arg{}, p.errf("expected an argument")
}

// validNumber reports whether s is a JSON number.
func validNumber(s string) bool {
	return json.Valid([]byte(s)) && (s[0] == '-' || s[0] >= '0' && s[0] <= '9')
}

// stringLit parses a single-quoted literal; \' \{ \} \\ are escapes.
func (p *parser) stringLit() (arg, error) {
	p.pos++ // opening quote
	start := p.pos
	var b strings.Builder
	for !p.eof() {
		c := p.src[p.pos]
		switch c {
		case '\'':
			raw := p.src[start:p.pos]
			p.pos++
			return arg{kind: argString, str: b.String(), raw: raw}, nil
		case '\\':
			if p.pos+1 >= len(p.src) {
				return arg{}, p.errf("unterminated escape sequence")
			}
			n := p.src[p.pos+1]
			switch n {
			case '\'', '{', '}', '\\':
				b.WriteByte(n)
			default:
				// Not one of the reserved characters: the backslash is kept as written.
				b.WriteByte('\\')
				b.WriteByte(n)
			}
			p.pos += 2
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return arg{}, p.errf("unterminated string literal")
}

// pathArg scans a path up to the ',' or ')' that ends the argument (outside brackets,
// parentheses and quotes) and parses it.
func (p *parser) pathArg() (arg, error) {
	start := p.pos
	depth := 0
	var quote byte
scan:
	for !p.eof() {
		c := p.src[p.pos]
		switch {
		case quote != 0:
			if c == '\\' {
				p.pos++
			} else if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '[' || c == '(':
			depth++
		case c == ']' || (c == ')' && depth > 0):
			depth--
		case depth == 0 && (c == ',' || c == ')'):
			break scan
		}
		p.pos++
	}
	text := strings.TrimRight(p.src[start:min(p.pos, len(p.src))], " \t\r\n")
	path, err := jsonpath.Parse(text)
	if err != nil {
		p.pos = start
		return arg{}, p.errf("invalid path '" + text + "'")
	}
	return arg{kind: argPath, path: path}, nil
}
