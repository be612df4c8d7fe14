package dynamodb

import (
	"fmt"
	"strconv"
	"strings"
)

// This file parses DynamoDB's expression languages (condition, filter and key-condition
// expressions, update expressions and projection expressions) into a small AST. Attribute
// name (#n) and value (:v) placeholders are resolved while parsing, so evaluation never fails
// on them and unused placeholders can be reported as AWS does.

// pathElem is one step of a document path: a map key or a list index.
type pathElem struct {
	name    string
	index   int
	isIndex bool
}

type docPath []pathElem

func (p docPath) String() string {
	var b strings.Builder
	for i, e := range p {
		switch {
		case e.isIndex:
			fmt.Fprintf(&b, "[%d]", e.index)
		case i > 0:
			b.WriteString(", " + e.name)
		default:
			b.WriteString(e.name)
		}
	}
	return "[" + b.String() + "]"
}

type operand interface{ isOperand() }

type (
	pathOperand  struct{ path docPath }
	valueOperand struct{ value map[string]any }
	sizeOperand  struct{ path docPath }
	ifNotExists  struct {
		path docPath
		def  operand
	}
	listAppend struct{ a, b operand }
	arith      struct {
		op   byte // '+' or '-'
		a, b operand
	}
)

func (*pathOperand) isOperand()  {}
func (*valueOperand) isOperand() {}
func (*sizeOperand) isOperand()  {}
func (*ifNotExists) isOperand()  {}
func (*listAppend) isOperand()   {}
func (*arith) isOperand()        {}

type cond interface{ isCond() }

type (
	andCond struct{ a, b cond }
	orCond  struct{ a, b cond }
	notCond struct{ c cond }
	cmpCond struct {
		op   string // = <> < <= > >=
		a, b operand
	}
	betweenCond struct{ a, lo, hi operand }
	inCond      struct {
		a    operand
		list []operand
	}
	funcCond struct {
		name string // attribute_exists, attribute_not_exists, attribute_type, begins_with, contains
		path docPath
		a    operand // the first argument for begins_with/contains when it is not a path
		arg  operand
	}
)

func (*andCond) isCond()     {}
func (*orCond) isCond()      {}
func (*notCond) isCond()     {}
func (*cmpCond) isCond()     {}
func (*betweenCond) isCond() {}
func (*inCond) isCond()      {}
func (*funcCond) isCond()    {}

// update is a parsed UpdateExpression.
type update struct {
	set    []setAction
	remove []docPath
	add    []addAction
	del    []addAction
}

type setAction struct {
	path  docPath
	value operand
}

type addAction struct {
	path  docPath
	value map[string]any
}

type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tName  // #name
	tValue // :value
	tNumber
	tPunct
)

type token struct {
	kind tokKind
	text string
	pos  int
}

// exprEnv holds a request's ExpressionAttributeNames/Values and records which were used.
type exprEnv struct {
	names      map[string]any
	values     map[string]any
	usedNames  map[string]bool
	usedValues map[string]bool
}

func newEnv(names, values map[string]any) *exprEnv {
	return &exprEnv{names: names, values: values, usedNames: map[string]bool{}, usedValues: map[string]bool{}}
}

type parser struct {
	kind string // "ConditionExpression", "UpdateExpression", ...
	src  string
	toks []token
	pos  int
	env  *exprEnv
}

const maxExprLen = 4096

func newParser(kind, src string, env *exprEnv) (*parser, *Error) {
	p := &parser{kind: kind, src: src, env: env}
	if strings.TrimSpace(src) == "" {
		return nil, errValidation("Invalid %s: The expression can not be empty;", kind)
	}
	if len(src) > maxExprLen {
		return nil, errValidation("Invalid %s: Expression size has exceeded the maximum allowed size; expression size: %d", kind, len(src))
	}
	if err := p.lex(); err != nil {
		return nil, err
	}
	return p, nil
}

func isIdentChar(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func (p *parser) lex() *Error {
	s := p.src
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '#' || c == ':':
			j := i + 1
			for j < len(s) && isIdentChar(s[j]) {
				j++
			}
			if j == i+1 {
				return p.syntaxAt(string(c), i)
			}
			k := tName
			if c == ':' {
				k = tValue
			}
			p.toks = append(p.toks, token{k, s[i:j], i})
			i = j
		case c >= '0' && c <= '9':
			j := i
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			if j < len(s) && isIdentChar(s[j]) {
				for j < len(s) && isIdentChar(s[j]) {
					j++
				}
				p.toks = append(p.toks, token{tIdent, s[i:j], i})
			} else {
				p.toks = append(p.toks, token{tNumber, s[i:j], i})
			}
			i = j
		case isIdentChar(c):
			j := i
			for j < len(s) && isIdentChar(s[j]) {
				j++
			}
			p.toks = append(p.toks, token{tIdent, s[i:j], i})
			i = j
		case c == '<' && i+1 < len(s) && (s[i+1] == '>' || s[i+1] == '='), c == '>' && i+1 < len(s) && s[i+1] == '=':
			p.toks = append(p.toks, token{tPunct, s[i : i+2], i})
			i += 2
		case strings.IndexByte("()[],.=<>+-", c) >= 0:
			p.toks = append(p.toks, token{tPunct, s[i : i+1], i})
			i++
		default:
			return p.syntaxAt(string(c), i)
		}
	}
	p.toks = append(p.toks, token{tEOF, "<EOF>", len(s)})
	return nil
}

func (p *parser) syntaxAt(tok string, at int) *Error {
	lo, hi := max(at-5, 0), min(at+len(tok)+5, len(p.src))
	if tok == "<EOF>" {
		lo, hi = max(len(p.src)-10, 0), len(p.src)
	}
	return errValidation("Invalid %s: Syntax error; token: \"%s\", near: \"%s\"", p.kind, tok, p.src[lo:hi])
}

func (p *parser) peek() token { return p.toks[p.pos] }

func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tEOF {
		p.pos++
	}
	return t
}

func (p *parser) syntax() *Error {
	t := p.peek()
	return p.syntaxAt(t.text, t.pos)
}

func (p *parser) isKeyword(kw string) bool {
	t := p.peek()
	return t.kind == tIdent && strings.EqualFold(t.text, kw)
}

func (p *parser) isPunct(s string) bool {
	t := p.peek()
	return t.kind == tPunct && t.text == s
}

func (p *parser) expect(s string) *Error {
	if !p.isPunct(s) {
		return p.syntax()
	}
	p.next()
	return nil
}

func (p *parser) nameElem() (string, *Error) {
	t := p.next()
	switch t.kind {
	case tIdent:
		if reserved()[strings.ToUpper(t.text)] {
			return "", errValidation("Invalid %s: Attribute name is a reserved keyword; reserved keyword: %s", p.kind, t.text)
		}
		return t.text, nil
	case tName:
		v, ok := p.env.names[t.text]
		if !ok {
			return "", errValidation("Invalid %s: An expression attribute name used in the document path is not defined; attribute name: %s", p.kind, t.text)
		}
		s, ok := v.(string)
		if !ok {
			return "", errValidation("ExpressionAttributeNames contains invalid value: The attribute name must be a string for key %s", t.text)
		}
		p.env.usedNames[t.text] = true
		return s, nil
	}
	return "", p.syntaxAt(t.text, t.pos)
}

func (p *parser) path() (docPath, *Error) {
	name, err := p.nameElem()
	if err != nil {
		return nil, err
	}
	path := docPath{{name: name}}
	for len(path) < 64 {
		switch {
		case p.isPunct("."):
			p.next()
			name, err := p.nameElem()
			if err != nil {
				return nil, err
			}
			path = append(path, pathElem{name: name})
		case p.isPunct("["):
			p.next()
			t := p.next()
			if t.kind != tNumber {
				return nil, p.syntaxAt(t.text, t.pos)
			}
			n, convErr := strconv.Atoi(t.text)
			if convErr != nil || n > 1<<20 {
				return nil, errValidation("Invalid %s: List index is not within the allowable range; index: [%s]", p.kind, t.text)
			}
			if err := p.expect("]"); err != nil {
				return nil, err
			}
			path = append(path, pathElem{index: n, isIndex: true})
		default:
			return path, nil
		}
	}
	return path, nil
}

func (p *parser) value() (map[string]any, *Error) {
	t := p.next()
	if t.kind != tValue {
		return nil, p.syntaxAt(t.text, t.pos)
	}
	v, ok := p.env.values[t.text]
	if !ok {
		return nil, errValidation("Invalid %s: An expression attribute value used in expression is not defined; attribute value: %s", p.kind, t.text)
	}
	p.env.usedValues[t.text] = true
	m, _ := v.(map[string]any)
	return m, nil
}

// operand parses a path, a :value, or size(path) (and, in update expressions, the functions
// if_not_exists and list_append).
func (p *parser) operand(update bool) (operand, *Error) {
	t := p.peek()
	switch t.kind {
	case tValue:
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		return &valueOperand{v}, nil
	case tIdent:
		if p.toks[p.pos+1].kind == tPunct && p.toks[p.pos+1].text == "(" {
			return p.function(update)
		}
		fallthrough
	case tName:
		path, err := p.path()
		if err != nil {
			return nil, err
		}
		return &pathOperand{path}, nil
	}
	return nil, p.syntax()
}

func (p *parser) function(update bool) (operand, *Error) {
	t := p.next()
	p.next() // (
	switch {
	case t.text == "size" && !update:
		path, err := p.path()
		if err != nil {
			return nil, err
		}
		return &sizeOperand{path}, p.expect(")")
	case t.text == "if_not_exists" && update:
		path, err := p.path()
		if err != nil {
			return nil, err
		}
		if err := p.expect(","); err != nil {
			return nil, err
		}
		def, err := p.updateValue()
		if err != nil {
			return nil, err
		}
		return &ifNotExists{path, def}, p.expect(")")
	case t.text == "list_append" && update:
		a, err := p.updateValue()
		if err != nil {
			return nil, err
		}
		if err := p.expect(","); err != nil {
			return nil, err
		}
		b, err := p.updateValue()
		if err != nil {
			return nil, err
		}
		return &listAppend{a, b}, p.expect(")")
	}
	return nil, errValidation("Invalid %s: Invalid function name; function: %s", p.kind, t.text)
}

// parseCondition parses a condition (also filter and key-condition) expression.
func parseCondition(kind, src string, env *exprEnv) (cond, *Error) {
	p, err := newParser(kind, src, env)
	if err != nil {
		return nil, err
	}
	c, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if p.peek().kind != tEOF {
		return nil, p.syntax()
	}
	return c, nil
}

const maxDepth = 100

func (p *parser) or(depth int) (cond, *Error) {
	a, err := p.and(depth)
	if err != nil {
		return nil, err
	}
	for p.isKeyword("OR") {
		p.next()
		b, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		a = &orCond{a, b}
	}
	return a, nil
}

func (p *parser) and(depth int) (cond, *Error) {
	a, err := p.not(depth)
	if err != nil {
		return nil, err
	}
	for p.isKeyword("AND") {
		p.next()
		b, err := p.not(depth)
		if err != nil {
			return nil, err
		}
		a = &andCond{a, b}
	}
	return a, nil
}

func (p *parser) not(depth int) (cond, *Error) {
	if depth > maxDepth {
		return nil, errValidation("Invalid %s: The expression has too many nested levels", p.kind)
	}
	if p.isKeyword("NOT") {
		p.next()
		c, err := p.not(depth + 1)
		if err != nil {
			return nil, err
		}
		return &notCond{c}, nil
	}
	return p.primary(depth)
}

var comparators = map[string]bool{"=": true, "<>": true, "<": true, "<=": true, ">": true, ">=": true}

var condFuncs = map[string]int{
	"attribute_exists": 1, "attribute_not_exists": 1, "attribute_type": 2, "begins_with": 2, "contains": 2,
}

func (p *parser) primary(depth int) (cond, *Error) {
	if p.isPunct("(") {
		p.next()
		c, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		return c, p.expect(")")
	}
	t := p.peek()
	if n, ok := condFuncs[t.text]; ok && t.kind == tIdent && p.toks[p.pos+1].text == "(" {
		p.next()
		p.next()
		f := &funcCond{name: t.text}
		first, err := p.operand(false)
		if err != nil {
			return nil, err
		}
		po, isPath := first.(*pathOperand)
		switch {
		case isPath:
			f.path = po.path
		case n == 2 && t.text != "attribute_type":
			f.a = first
		default:
			return nil, errValidation("Invalid %s: Incorrect operand type for operator or function; operator or function: %s, operand type: %s", p.kind, t.text, operandType(first))
		}
		if n == 2 {
			if err := p.expect(","); err != nil {
				return nil, err
			}
			if f.arg, err = p.operand(false); err != nil {
				return nil, err
			}
		}
		return f, p.expect(")")
	}
	a, err := p.operand(false)
	if err != nil {
		return nil, err
	}
	switch {
	case p.peek().kind == tPunct && comparators[p.peek().text]:
		op := p.next().text
		b, err := p.operand(false)
		if err != nil {
			return nil, err
		}
		return &cmpCond{op, a, b}, nil
	case p.isKeyword("BETWEEN"):
		p.next()
		lo, err := p.operand(false)
		if err != nil {
			return nil, err
		}
		if !p.isKeyword("AND") {
			return nil, p.syntax()
		}
		p.next()
		hi, err := p.operand(false)
		if err != nil {
			return nil, err
		}
		return &betweenCond{a, lo, hi}, nil
	case p.isKeyword("IN"):
		p.next()
		if err := p.expect("("); err != nil {
			return nil, err
		}
		in := &inCond{a: a}
		for {
			o, err := p.operand(false)
			if err != nil {
				return nil, err
			}
			in.list = append(in.list, o)
			if len(in.list) > 100 {
				return nil, errValidation("Invalid %s: The IN operator is provided with too many operands; number of operands: %d", p.kind, len(in.list))
			}
			if !p.isPunct(",") {
				break
			}
			p.next()
		}
		return in, p.expect(")")
	}
	return nil, p.syntax()
}

func operandType(o operand) string {
	if v, ok := o.(*valueOperand); ok {
		return typeName(typeOf(v.value))
	}
	return "ATTRIBUTE"
}

func typeName(t string) string {
	switch t {
	case "S":
		return "STRING"
	case "N":
		return "NUMBER"
	case "B":
		return "BINARY"
	case "BOOL":
		return "BOOLEAN"
	case "SS":
		return "STRING_SET"
	case "NS":
		return "NUMBER_SET"
	case "BS":
		return "BINARY_SET"
	case "L":
		return "LIST"
	case "M":
		return "MAP"
	}
	return t
}

// updateValue parses the right-hand side of a SET action: operand [(+|-) operand].
func (p *parser) updateValue() (operand, *Error) {
	a, err := p.operand(true)
	if err != nil {
		return nil, err
	}
	if p.isPunct("+") || p.isPunct("-") {
		op := p.next().text[0]
		b, err := p.operand(true)
		if err != nil {
			return nil, err
		}
		return &arith{op, a, b}, nil
	}
	return a, nil
}

// parseUpdate parses an UpdateExpression.
func parseUpdate(src string, env *exprEnv) (*update, *Error) {
	p, err := newParser("UpdateExpression", src, env)
	if err != nil {
		return nil, err
	}
	u := &update{}
	seen := map[string]bool{}
	for p.peek().kind != tEOF {
		t := p.next()
		kw := strings.ToUpper(t.text)
		if t.kind != tIdent || (kw != "SET" && kw != "REMOVE" && kw != "ADD" && kw != "DELETE") {
			return nil, p.syntaxAt(t.text, t.pos)
		}
		if seen[kw] {
			return nil, errValidation("Invalid UpdateExpression: The \"%s\" section can only be used once in an update expression;", kw)
		}
		seen[kw] = true
		for {
			path, err := p.path()
			if err != nil {
				return nil, err
			}
			switch kw {
			case "SET":
				if err := p.expect("="); err != nil {
					return nil, err
				}
				v, err := p.updateValue()
				if err != nil {
					return nil, err
				}
				u.set = append(u.set, setAction{path, v})
			case "REMOVE":
				u.remove = append(u.remove, path)
			default:
				v, err := p.value()
				if err != nil {
					return nil, err
				}
				if kw == "ADD" {
					u.add = append(u.add, addAction{path, v})
				} else {
					u.del = append(u.del, addAction{path, v})
				}
			}
			if !p.isPunct(",") {
				break
			}
			p.next()
		}
	}
	if err := u.checkOverlap(); err != nil {
		return nil, err
	}
	return u, nil
}

func (u *update) paths() []docPath {
	var out []docPath
	for _, s := range u.set {
		out = append(out, s.path)
	}
	out = append(out, u.remove...)
	for _, a := range u.add {
		out = append(out, a.path)
	}
	for _, a := range u.del {
		out = append(out, a.path)
	}
	return out
}

func (u *update) checkOverlap() *Error {
	ps := u.paths()
	for i := range ps {
		for j := i + 1; j < len(ps); j++ {
			a, b := ps[i], ps[j]
			n := min(len(a), len(b))
			same := true
			for k := 0; k < n; k++ {
				if a[k] != b[k] {
					same = false
					break
				}
			}
			if same {
				if len(a) == len(b) {
					return errValidation("Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: %s, path two: %s", a, b)
				}
				return errValidation("Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: %s, path two: %s", a, b)
			}
		}
	}
	return nil
}

// parseProjection parses a ProjectionExpression: comma-separated paths.
func parseProjection(src string, env *exprEnv) ([]docPath, *Error) {
	p, err := newParser("ProjectionExpression", src, env)
	if err != nil {
		return nil, err
	}
	var out []docPath
	for {
		path, err := p.path()
		if err != nil {
			return nil, err
		}
		out = append(out, path)
		if !p.isPunct(",") {
			break
		}
		p.next()
	}
	if p.peek().kind != tEOF {
		return nil, p.syntax()
	}
	return out, nil
}
