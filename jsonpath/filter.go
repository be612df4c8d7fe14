package jsonpath

import (
	"encoding/json"
	"github.com/sfnlocal/sfnlocal/internal/value"
	"math/big"
	"reflect"
	"regexp"
	"strconv"
	"strings"
)

// filterExpr is a parsed filter predicate, [?(...)]. root is the document the whole path is
// evaluated on ($ inside a filter); at is the candidate node (@).
type filterExpr interface {
	test(at, root any) bool
}

type orExpr struct{ l, r filterExpr }

func (e orExpr) test(at, root any) bool { return e.l.test(at, root) || e.r.test(at, root) }

type andExpr struct{ l, r filterExpr }

func (e andExpr) test(at, root any) bool { return e.l.test(at, root) && e.r.test(at, root) }

type notExpr struct{ x filterExpr }

func (e notExpr) test(at, root any) bool { return !e.x.test(at, root) }

// existsExpr is a lone operand: true when a path selects something (or a literal is true).
type existsExpr struct{ o operand }

func (e existsExpr) test(at, root any) bool {
	v, ok := e.o.value(at, root)
	if !ok {
		return false
	}
	if b, isBool := v.(bool); isBool && e.o.path == nil {
		return b
	}
	return true
}

type cmpExpr struct {
	l, r operand
	op   string
}

// operand is a path relative to @ or $, a literal or a regular expression.
type operand struct {
	path    []segment
	fromAt  bool
	literal any
	re      *regexp.Regexp
}

// value evaluates the operand; ok is false when a definite path selects nothing.
func (o operand) value(at, root any) (any, bool) {
	if o.re != nil {
		return o.re, true
	}
	if o.path == nil && !o.fromAt && o.literal != nil {
		return o.literal, true
	}
	if o.path == nil && !o.fromAt {
		return nil, true // literal null
	}
	start := root
	if o.fromAt {
		start = at
	}
	definite := true
	for i := range o.path {
		if o.path[i].deep || (o.path[i].kind != segName && o.path[i].kind != segIndex) {
			definite = false
		}
	}
	if definite {
		cur := start
		for i := range o.path {
			out := o.path[i].apply(cur, root, nil)
			if len(out) == 0 {
				return nil, false
			}
			cur = out[0]
		}
		return cur, true
	}
	cur := []any{start}
	for i := range o.path {
		s := &o.path[i]
		var next []any
		for _, n := range cur {
			if s.deep {
				walk(n, func(d any) { next = s.apply(d, root, next) })
			} else {
				next = s.apply(n, root, next)
			}
		}
		cur = next
	}
	if cur == nil {
		cur = []any{}
	}
	return cur, true
}

func (e cmpExpr) test(at, root any) bool {
	l, lok := e.l.value(at, root)
	r, rok := e.r.value(at, root)
	switch e.op {
	case "==":
		return lok && rok && equalJSON(l, r)
	case "!=":
		return lok && rok && !equalJSON(l, r)
	case "<", "<=", ">", ">=":
		if !lok || !rok {
			return false
		}
		c, ok := compare(l, r)
		if !ok {
			return false
		}
		switch e.op {
		case "<":
			return c < 0
		case "<=":
			return c <= 0
		case ">":
			return c > 0
		default:
			return c >= 0
		}
	case "=~":
		s, isStr := l.(string)
		re, isRe := r.(*regexp.Regexp)
		return lok && isStr && isRe && re.MatchString(s)
	case "in", "nin":
		list, isList := r.([]any)
		if !lok || !rok || !isList {
			return e.op == "nin" && lok
		}
		found := false
		for _, v := range list {
			if equalJSON(l, v) {
				found = true
				break
			}
		}
		return found == (e.op == "in")
	case "size":
		n, ok := toInt(r)
		if !lok || !ok {
			return false
		}
		switch t := l.(type) {
		case string:
			return len([]rune(t)) == n
		case []any:
			return len(t) == n
		}
		return false
	case "empty":
		want, ok := r.(bool)
		if !lok || !ok {
			return false
		}
		switch t := l.(type) {
		case string:
			return (len(t) == 0) == want
		case []any:
			return (len(t) == 0) == want
		}
		return false
	case "contains":
		switch t := l.(type) {
		case string:
			s, ok := r.(string)
			return lok && ok && strings.Contains(t, s)
		case []any:
			for _, v := range t {
				if equalJSON(v, r) {
					return true
				}
			}
		}
		return false
	case "anyof", "noneof", "subsetof":
		la, lIsList := l.([]any)
		ra, rIsList := r.([]any)
		if !lok || !rok || !lIsList || !rIsList {
			return false
		}
		in := func(v any) bool {
			for _, w := range ra {
				if equalJSON(v, w) {
					return true
				}
			}
			return false
		}
		switch e.op {
		case "subsetof":
			for _, v := range la {
				if !in(v) {
					return false
				}
			}
			return true
		case "anyof":
			for _, v := range la {
				if in(v) {
					return true
				}
			}
			return false
		default:
			for _, v := range la {
				if in(v) {
					return false
				}
			}
			return true
		}
	}
	return false
}

func toInt(v any) (int, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(string(n))
	return i, err == nil
}

// equalJSON compares generic JSON values; numbers compare by value (1 == 1.0).
func equalJSON(a, b any) bool {
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		c, ok := compareNumbers(x, y)
		return ok && c == 0
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalJSON(x[i], y[i]) {
				return false
			}
		}
		return true
	case *value.Object:
		y, ok := b.(*value.Object)
		if !ok || x.Len() != y.Len() {
			return false
		}
		for k, v := range x.All() {
			w, found := y.Get(k)
			if !found || !equalJSON(v, w) {
				return false
			}
		}
		return true
	case *regexp.Regexp:
		return false
	}
	if _, ok := b.(json.Number); ok {
		return false
	}
	return reflect.TypeOf(a) == reflect.TypeOf(b) && a == b
}

// Equal reports whether two generic JSON values are equal, comparing numbers by value.
func Equal(a, b any) bool { return equalJSON(a, b) }

// compare orders two numbers or two strings.
func compare(a, b any) (int, bool) {
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return 0, false
		}
		return compareNumbers(x, y)
	case string:
		y, ok := b.(string)
		if !ok {
			return 0, false
		}
		return strings.Compare(x, y), true
	}
	return 0, false
}

// compareNumbers compares two JSON numbers exactly.
func compareNumbers(a, b json.Number) (int, bool) {
	if ai, err := strconv.ParseInt(string(a), 10, 64); err == nil {
		if bi, err := strconv.ParseInt(string(b), 10, 64); err == nil {
			switch {
			case ai < bi:
				return -1, true
			case ai > bi:
				return 1, true
			}
			return 0, true
		}
	}
	af, _, err := big.ParseFloat(string(a), 10, 256, big.ToNearestEven)
	if err != nil {
		return 0, false
	}
	bf, _, err := big.ParseFloat(string(b), 10, 256, big.ToNearestEven)
	if err != nil {
		return 0, false
	}
	return af.Cmp(bf), true
}

// CompareNumbers compares two JSON numbers by value; ok is false if either is malformed.
func CompareNumbers(a, b json.Number) (c int, ok bool) { return compareNumbers(a, b) }

func (p *parser) filterOr(depth int) (filterExpr, error) {
	if depth > maxDepth {
		return nil, p.errf("filter nested too deeply")
	}
	l, err := p.filterAnd(depth)
	if err != nil {
		return nil, err
	}
	for {
		p.skipSpace()
		if !strings.HasPrefix(p.src[p.pos:], "||") {
			return l, nil
		}
		p.pos += 2
		r, err := p.filterAnd(depth)
		if err != nil {
			return nil, err
		}
		l = orExpr{l, r}
	}
}

func (p *parser) filterAnd(depth int) (filterExpr, error) {
	l, err := p.filterUnary(depth)
	if err != nil {
		return nil, err
	}
	for {
		p.skipSpace()
		if !strings.HasPrefix(p.src[p.pos:], "&&") {
			return l, nil
		}
		p.pos += 2
		r, err := p.filterUnary(depth)
		if err != nil {
			return nil, err
		}
		l = andExpr{l, r}
	}
}

func (p *parser) filterUnary(depth int) (filterExpr, error) {
	if depth > maxDepth {
		return nil, p.errf("filter nested too deeply")
	}
	p.skipSpace()
	switch p.peek() {
	case '!':
		if !strings.HasPrefix(p.src[p.pos:], "!=") {
			p.pos++
			x, err := p.filterUnary(depth + 1)
			if err != nil {
				return nil, err
			}
			return notExpr{x}, nil
		}
	case '(':
		p.pos++
		x, err := p.filterOr(depth + 1)
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.peek() != ')' {
			return nil, p.errf("expected ')'")
		}
		p.pos++
		return x, nil
	}
	l, err := p.operand(depth)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	op := p.operator()
	if op == "" {
		return existsExpr{l}, nil
	}
	p.skipSpace()
	r, err := p.operand(depth)
	if err != nil {
		return nil, err
	}
	return cmpExpr{l: l, r: r, op: op}, nil
}

var wordOps = []string{"nin", "in", "subsetof", "anyof", "noneof", "size", "empty", "contains"}

func (p *parser) operator() string {
	rest := p.src[p.pos:]
	for _, op := range []string{"==", "!=", "<=", ">=", "=~", "<", ">"} {
		if strings.HasPrefix(rest, op) {
			p.pos += len(op)
			return op
		}
	}
	for _, op := range wordOps {
		if strings.HasPrefix(rest, op) && (len(rest) == len(op) || rest[len(op)] == ' ') {
			p.pos += len(op)
			return op
		}
	}
	return ""
}

func (p *parser) operand(depth int) (operand, error) {
	p.skipSpace()
	c := p.peek()
	switch {
	case c == '@' || c == '$':
		p.pos++
		segs, err := p.segments(true, depth)
		if err != nil {
			return operand{}, err
		}
		if segs == nil {
			segs = []segment{}
		}
		return operand{path: segs, fromAt: c == '@'}, nil
	case c == '\'' || c == '"':
		s, err := p.quoted()
		return operand{literal: s}, err
	case c == '/':
		start := p.pos + 1
		i := start
		for i < len(p.src) && p.src[i] != '/' {
			if p.src[i] == '\\' {
				i++
			}
			i++
		}
		if i >= len(p.src) {
			return operand{}, p.errf("unterminated regular expression")
		}
		pattern := p.src[start:i]
		p.pos = i + 1
		flags := ""
		for !p.eof() && strings.IndexByte("imsx", p.peek()) >= 0 {
			flags += string(p.peek())
			p.pos++
		}
		if strings.Contains(flags, "i") {
			pattern = "(?i)" + pattern
		}
		re, err := regexp.Compile(pattern)
		if err != nil {
			return operand{}, p.errf("invalid regular expression")
		}
		return operand{re: re}, nil
	case c == '[':
		p.pos++
		var list []any
		for {
			p.skipSpace()
			if p.peek() == ']' {
				p.pos++
				return operand{literal: list}, nil
			}
			o, err := p.operand(depth + 1)
			if err != nil {
				return operand{}, err
			}
			if o.path != nil || o.re != nil {
				return operand{}, p.errf("a list may only hold literals")
			}
			list = append(list, o.literal)
			p.skipSpace()
			if p.peek() == ',' {
				p.pos++
			}
		}
	case c == '-' || (c >= '0' && c <= '9'):
		start := p.pos
		p.pos++
		for !p.eof() && strings.IndexByte("0123456789.eE+-", p.peek()) >= 0 {
			p.pos++
		}
		num := p.src[start:p.pos]
		if _, err := strconv.ParseFloat(num, 64); err != nil {
			p.pos = start
			return operand{}, p.errf("invalid number")
		}
		return operand{literal: json.Number(num)}, nil
	}
	// A word: true, false, null, or a bare word that stands for the string it spells
	// ($.Labels[?(@.Name==Receipt)], as deployed workflows write and AWS accepts).
	start := p.pos
	for !p.eof() && isBareWordByte(p.peek()) {
		p.pos++
	}
	switch word := p.src[start:p.pos]; word {
	case "":
		return operand{}, p.errf("expected an operand")
	case "true":
		return operand{literal: true}, nil
	case "false":
		return operand{literal: false}, nil
	case "null":
		return operand{literal: nil}, nil
	default:
		return operand{literal: word}, nil
	}
}

func isBareWordByte(c byte) bool {
	return c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}
