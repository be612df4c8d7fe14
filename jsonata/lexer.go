package jsonata

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

type tokKind uint8

const (
	tkEnd tokKind = iota
	tkOperator
	tkName
	tkVariable
	tkString
	tkNumber
	tkValue
	tkRegex
)

type token struct {
	kind tokKind
	op   string // operator text, name, variable name or string value
	num  float64
	val  any // true/false/null for tkValue
	re   *regexValue
	pos  int // offset just after the token, as the reference reports it
}

// regexValue is a compiled JSONata regex literal.
type regexValue struct {
	re     *regexp.Regexp
	source string
}

var singleOps = "[]{}(),@#;:?+-*/%|=<>^&!~."

var numRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([Ee][-+]?[0-9]+)?`) })

type lexer struct {
	src  string
	pos  int
	prev *token
}

func isOpChar(c byte) bool { return strings.IndexByte(singleOps, c) >= 0 }

// next scans one token. prefix says an operand is expected (so '/' starts
// a regex literal).
func (l *lexer) next(prefix bool) (*token, error) {
	src := l.src
	for {
		for l.pos < len(src) && strings.IndexByte(" \t\n\r\v\f", src[l.pos]) >= 0 {
			l.pos++
		}
		if l.pos+1 < len(src) && src[l.pos] == '/' && src[l.pos+1] == '*' {
			end := strings.Index(src[l.pos+2:], "*/")
			if end < 0 {
				l.pos = len(src)
				return nil, newError("S0106", l.pos, "", nil)
			}
			l.pos += end + 4
			continue
		}
		break
	}
	if l.pos >= len(src) {
		return &token{kind: tkEnd, pos: l.pos}, nil
	}
	c := src[l.pos]
	if prefix && c == '/' {
		return l.regex()
	}
	if l.pos+1 < len(src) {
		two := src[l.pos : l.pos+2]
		switch two {
		case "..", ":=", "!=", ">=", "<=", "**", "~>", "?:", "??":
			l.pos += 2
			return &token{kind: tkOperator, op: two, pos: l.pos}, nil
		}
	}
	if isOpChar(c) {
		l.pos++
		return &token{kind: tkOperator, op: string(c), pos: l.pos}, nil
	}
	if c == '"' || c == '\'' {
		return l.str(c)
	}
	if c >= '0' && c <= '9' {
		m := numRe().FindString(src[l.pos:])
		if m != "" {
			f, err := strconv.ParseFloat(m, 64)
			l.pos += len(m)
			if err != nil || math.IsInf(f, 0) {
				return nil, newError("S0102", l.pos, m, nil)
			}
			return &token{kind: tkNumber, num: f, pos: l.pos}, nil
		}
	}
	if c == '`' {
		end := strings.IndexByte(src[l.pos+1:], '`')
		if end < 0 {
			l.pos = len(src)
			return nil, newError("S0105", l.pos, "", nil)
		}
		name := src[l.pos+1 : l.pos+1+end]
		l.pos += end + 2
		return &token{kind: tkName, op: name, pos: l.pos}, nil
	}
	start := l.pos
	i := l.pos
	for i < len(src) {
		ch := src[i]
		if isOpChar(ch) || strings.IndexByte(" \t\n\r\v\f\"'`", ch) >= 0 {
			break
		}
		i++
	}
	if i == start { // unreachable in practice; defensive
		_, sz := utf8.DecodeRuneInString(src[i:])
		i += sz
	}
	word := src[start:i]
	l.pos = i
	if word[0] == '$' {
		return &token{kind: tkVariable, op: word[1:], pos: l.pos}, nil
	}
	switch word {
	case "and", "or", "in":
		return &token{kind: tkOperator, op: word, pos: l.pos}, nil
	case "true":
		return &token{kind: tkValue, val: true, op: word, pos: l.pos}, nil
	case "false":
		return &token{kind: tkValue, val: false, op: word, pos: l.pos}, nil
	case "null":
		return &token{kind: tkValue, val: null, op: word, pos: l.pos}, nil
	}
	return &token{kind: tkName, op: word, pos: l.pos}, nil
}

func (l *lexer) str(q byte) (*token, error) {
	src := l.src
	var sb strings.Builder
	i := l.pos + 1
	for i < len(src) {
		c := src[i]
		if c == '\\' {
			i++
			if i >= len(src) {
				break
			}
			switch e := src[i]; e {
			case '"', '\\', '/':
				sb.WriteByte(e)
			case 'b':
				sb.WriteByte('\b')
			case 'f':
				sb.WriteByte('\f')
			case 'n':
				sb.WriteByte('\n')
			case 'r':
				sb.WriteByte('\r')
			case 't':
				sb.WriteByte('\t')
			case 'u':
				if i+4 >= len(src)+0 && i+5 > len(src) {
					return nil, newError("S0104", i, "", nil)
				}
				code, err := strconv.ParseUint(src[i+1:i+5], 16, 32)
				if err != nil {
					return nil, newError("S0104", i, "", nil)
				}
				i += 4
				r := rune(code)
				if utf16IsSurrogate(r) && i+6 < len(src)+0 && src[i+1] == '\\' && src[i+2] == 'u' {
					if lo, err := strconv.ParseUint(src[i+3:i+7], 16, 32); err == nil {
						if r2 := decodeSurrogate(r, rune(lo)); r2 != utf8.RuneError {
							sb.WriteRune(r2)
							i += 6
							break
						}
					}
				}
				if utf16IsSurrogate(r) {
					// a lone surrogate: keep it as its WTF-8 bytes, as a
					// JavaScript string would keep the code unit
					sb.WriteByte(byte(0xE0 | r>>12))
					sb.WriteByte(byte(0x80 | (r>>6)&0x3F))
					sb.WriteByte(byte(0x80 | r&0x3F))
				} else {
					sb.WriteRune(r)
				}
			default:
				l.pos = i
				return nil, newError("S0103", i, string(e), nil)
			}
			i++
			continue
		}
		if c == q {
			l.pos = i + 1
			return &token{kind: tkString, op: sb.String(), pos: l.pos}, nil
		}
		sb.WriteByte(c)
		i++
	}
	l.pos = len(src)
	return nil, newError("S0101", l.pos, "", nil)
}

func utf16IsSurrogate(r rune) bool { return r >= 0xd800 && r < 0xe000 }

func decodeSurrogate(hi, lo rune) rune {
	if hi >= 0xd800 && hi < 0xdc00 && lo >= 0xdc00 && lo < 0xe000 {
		return (hi-0xd800)<<10 | (lo - 0xdc00) + 0x10000
	}
	return utf8.RuneError
}

func (l *lexer) regex() (*token, error) {
	src := l.src
	start := l.pos + 1
	i := start
	depth := 0
	for i < len(src) {
		c := src[i]
		if c == '\\' {
			i += 2
			continue
		}
		if c == '[' || c == '(' {
			depth++
		} else if c == ']' || c == ')' {
			depth--
		} else if c == '/' && depth <= 0 {
			pattern := src[start:i]
			if pattern == "" {
				return nil, newError("S0301", i, "", nil)
			}
			i++
			fstart := i
			for i < len(src) && (src[i] == 'i' || src[i] == 'm' || src[i] == 'g' || src[i] == 's' || src[i] == 'u' || src[i] == 'y') {
				i++
			}
			flags := src[fstart:i]
			l.pos = i
			re, err := compileJSRegex(pattern, flags)
			if err != nil {
				// JavaScript-only syntax (lookaround, backreferences) has
				// no RE2 equivalent
				e := newError("S0302", i, pattern, nil)
				e.Message = "Unsupported regular expression /" + pattern + "/: " + err.Error()
				return nil, e
			}
			return &token{kind: tkRegex, re: re, pos: l.pos}, nil
		}
		i++
	}
	l.pos = len(src)
	return nil, newError("S0302", l.pos, "", nil)
}

// compileJSRegex translates a JavaScript regex into Go's RE2 syntax as far
// as the two overlap (flags i and m; \d, \w, classes, groups).
func compileJSRegex(pattern, flags string) (*regexValue, error) {
	prefix := ""
	if strings.Contains(flags, "i") || strings.Contains(flags, "m") || strings.Contains(flags, "s") {
		prefix = "(?"
		for _, f := range "ims" {
			if strings.ContainsRune(flags, f) {
				prefix += string(f)
			}
		}
		prefix += ")"
	}
	p := translateJSPattern(pattern)
	re, err := regexp.Compile(prefix + p)
	if err != nil {
		return nil, err
	}
	return &regexValue{re: re, source: pattern}, nil
}

// translateJSPattern rewrites JavaScript-only escapes into RE2 ones.
func translateJSPattern(p string) string {
	if !strings.Contains(p, `\u`) && !strings.Contains(p, `\/`) {
		return p
	}
	var sb strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '\\' && i+1 < len(p) {
			switch p[i+1] {
			case 'u':
				if i+5 < len(p)+0 && i+6 <= len(p) {
					if _, err := strconv.ParseUint(p[i+2:i+6], 16, 32); err == nil {
						sb.WriteString(`\x{` + p[i+2:i+6] + `}`)
						i += 5
						continue
					}
				}
			case '/':
				sb.WriteByte('/')
				i++
				continue
			}
			sb.WriteByte(p[i])
			sb.WriteByte(p[i+1])
			i++
			continue
		}
		sb.WriteByte(p[i])
	}
	return sb.String()
}
