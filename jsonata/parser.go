package jsonata

var bindingPower = map[string]int{
	".": 75, "[": 80, "]": 0, "{": 70, "}": 0, "(": 80, ")": 0, ",": 0, "@": 80, "#": 80, ";": 80, ":": 80,
	"?": 20, "+": 50, "-": 50, "*": 60, "/": 60, "%": 60, "|": 20, "=": 40, "<": 40, ">": 40, "^": 40,
	"**": 60, "..": 20, ":=": 10, "!=": 40, "<=": 40, ">=": 40, "~>": 40, "?:": 40, "??": 40,
	"and": 30, "or": 25, "in": 40, "&": 50,
}

// MaxNesting bounds how deeply an expression may nest: each operand, bracket, block,
// function call and each operator of an operator chain counts one level. Parsing is
// recursive, so without a bound a 1 MB expression nesting ~500,000 levels exhausts the
// goroutine stack; and post-processing costs grow with the square of a path's length, so
// the bound is kept far below the evaluator's depth (DefaultMaxDepth) yet far above any
// written expression. Compile rejects a deeper expression with S0601 before descending.
const MaxNesting = 1000

type parser struct {
	lx  lexer
	tok *token
	// depth counts the levels of the expression being parsed (see MaxNesting).
	depth int
}

// deeper counts one more level and fails with S0601 past MaxNesting.
func (p *parser) deeper() error {
	p.depth++
	if p.depth > MaxNesting {
		return &Error{Code: "S0601", Position: p.tok.pos, Token: tokenText(p.tok), Value: MaxNesting}
	}
	return nil
}

func (p *parser) lbp(t *token) int {
	if t.kind != tkOperator {
		return 0
	}
	switch t.op {
	case ":", ";", ",", ")", "]", "}", "|", "!", "~", "**":
		return 0
	}
	return bindingPower[t.op]
}

// advance moves to the next token; prefix says an operand is expected.
func (p *parser) advance(prefix bool) error {
	t, err := p.lx.next(prefix)
	if err != nil {
		return err
	}
	if t.kind == tkOperator {
		if _, ok := bindingPower[t.op]; !ok {
			return newError("S0204", t.pos, t.op, nil)
		}
	}
	p.tok = t
	return nil
}

func (p *parser) is(op string) bool {
	return p.tok.kind == tkOperator && p.tok.op == op
}

// expect checks the current token is op and advances past it.
func (p *parser) expect(op string, prefix bool) error {
	if !p.is(op) {
		if p.tok.kind == tkEnd {
			return &Error{Code: "S0203", Position: p.tok.pos, Token: "(end)", Value: op}
		}
		return &Error{Code: "S0202", Position: p.tok.pos, Token: tokenText(p.tok), Value: op, extra: tokenInsert(p.tok)}
	}
	return p.advance(prefix)
}

// tokenInsert gives a number, true, false or null token its typed value
// as a message insert, so that it prints unquoted as the reference prints
// it (`Expected "]", got 3`); nil for the other tokens, whose text is used.
func tokenInsert(t *token) map[string]any {
	switch t.kind {
	case tkNumber:
		return map[string]any{"token": t.num}
	case tkValue:
		return map[string]any{"token": t.val}
	}
	return nil
}

func tokenText(t *token) string {
	switch t.kind {
	case tkNumber:
		return formatNumberJS(t.num)
	case tkEnd:
		return "(end)"
	case tkRegex:
		return t.re.source
	}
	return t.op
}

func (p *parser) expression(rbp int) (*node, error) {
	defer func(d int) { p.depth = d }(p.depth)
	if err := p.deeper(); err != nil {
		return nil, err
	}
	t := p.tok
	prefix := t.kind == tkOperator && t.op != "*" && t.op != "**" && t.op != "%" && t.op != "?"
	if err := p.advance(prefix); err != nil {
		return nil, err
	}
	left, err := p.nud(t)
	if err != nil {
		return nil, err
	}
	for rbp < p.lbp(p.tok) {
		// each operator of a chain adds a level to the tree (a+b+c is (a+b)+c)
		if err := p.deeper(); err != nil {
			return nil, err
		}
		t = p.tok
		if err := p.advance(true); err != nil {
			return nil, err
		}
		left, err = p.led(t, left)
		if err != nil {
			return nil, err
		}
	}
	return left, nil
}

// operandFollows reports whether the token just consumed (in nud position)
// leaves the lexer expecting an operand next. Used to decide regex lexing
// after nud: after an operand an operator is expected.
func (p *parser) nud(t *token) (*node, error) {
	switch t.kind {
	case tkEnd:
		return nil, &Error{Code: "S0207", Position: t.pos, Token: "(end)"}
	case tkString:
		return &node{kind: nString, str: t.op, pos: t.pos}, nil
	case tkNumber:
		return &node{kind: nNumber, num: t.num, pos: t.pos}, nil
	case tkValue:
		return &node{kind: nValue, val: t.val, str: t.op, pos: t.pos}, nil
	case tkName:
		return &node{kind: nName, str: t.op, pos: t.pos}, nil
	case tkVariable:
		return &node{kind: nVariable, str: t.op, pos: t.pos}, nil
	case tkRegex:
		return &node{kind: nRegex, re: t.re, pos: t.pos}, nil
	}
	// operators in prefix position
	switch t.op {
	case "and", "or", "in":
		return &node{kind: nName, str: t.op, pos: t.pos}, nil
	case "-":
		// the operand follows: re-lex with prefix semantics already done
		e, err := p.expression(70)
		if err != nil {
			return nil, err
		}
		return &node{kind: nUnaryNeg, lhs: e, pos: t.pos}, nil
	case "*":
		return &node{kind: nWildcard, str: "*", pos: t.pos}, nil
	case "**":
		return &node{kind: nDescendant, str: "**", pos: t.pos}, nil
	case "%":
		return &node{kind: nParent, str: "%", pos: t.pos}, nil
	case "?":
		return &node{kind: nPlaceholder, str: "?", pos: t.pos}, nil
	case "(":
		n := &node{kind: nBlock, pos: t.pos}
		for !p.is(")") {
			e, err := p.expression(0)
			if err != nil {
				return nil, err
			}
			n.exprs = append(n.exprs, e)
			if !p.is(";") {
				break
			}
			if err := p.advance(true); err != nil {
				return nil, err
			}
		}
		if err := p.expect(")", false); err != nil {
			return nil, err
		}
		return n, nil
	case "[":
		n := &node{kind: nArrayCons, pos: t.pos}
		if !p.is("]") {
			for {
				item, err := p.expression(0)
				if err != nil {
					return nil, err
				}
				if p.is("..") {
					pos := p.tok.pos
					if err := p.advance(true); err != nil {
						return nil, err
					}
					rhs, err := p.expression(0)
					if err != nil {
						return nil, err
					}
					item = &node{kind: nBinary, str: "..", lhs: item, rhs: rhs, pos: pos}
				}
				n.exprs = append(n.exprs, item)
				if !p.is(",") {
					break
				}
				if err := p.advance(true); err != nil {
					return nil, err
				}
			}
		}
		if err := p.expect("]", false); err != nil {
			return nil, err
		}
		return n, nil
	case "{":
		pairs, err := p.objectPairs()
		if err != nil {
			return nil, err
		}
		return &node{kind: nObjectCons, pairs: pairs, pos: t.pos}, nil
	case "|":
		n := &node{kind: nTransform, pos: t.pos}
		var err error
		if n.pattern, err = p.expression(0); err != nil {
			return nil, err
		}
		if err := p.expect("|", true); err != nil {
			return nil, err
		}
		if n.update, err = p.expression(0); err != nil {
			return nil, err
		}
		if p.is(",") {
			if err := p.advance(true); err != nil {
				return nil, err
			}
			if n.del, err = p.expression(0); err != nil {
				return nil, err
			}
		}
		if err := p.expect("|", false); err != nil {
			return nil, err
		}
		return n, nil
	}
	return nil, &Error{Code: "S0211", Position: t.pos, Token: t.op}
}

func (p *parser) objectPairs() ([][2]*node, error) {
	var pairs [][2]*node
	if !p.is("}") {
		for {
			k, err := p.expression(0)
			if err != nil {
				return nil, err
			}
			if err := p.expect(":", true); err != nil {
				return nil, err
			}
			v, err := p.expression(0)
			if err != nil {
				return nil, err
			}
			pairs = append(pairs, [2]*node{k, v})
			if !p.is(",") {
				break
			}
			if err := p.advance(true); err != nil {
				return nil, err
			}
		}
	}
	if err := p.expect("}", false); err != nil {
		return nil, err
	}
	if pairs == nil {
		pairs = [][2]*node{}
	}
	return pairs, nil
}

func (p *parser) led(t *token, left *node) (*node, error) {
	op := t.op
	switch op {
	case "+", "-", "*", "/", "%", "=", "<", ">", "!=", "<=", ">=", "&", "and", "or", "in", "..":
		rhs, err := p.expression(bindingPower[op])
		if err != nil {
			return nil, err
		}
		return &node{kind: nBinary, str: op, lhs: left, rhs: rhs, pos: t.pos}, nil
	case ".":
		rhs, err := p.expression(bindingPower[op])
		if err != nil {
			return nil, err
		}
		return &node{kind: nDotRaw, str: op, lhs: left, rhs: rhs, pos: t.pos}, nil
	case "??", "?:":
		rhs, err := p.expression(0)
		if err != nil {
			return nil, err
		}
		k := nCoalesce
		if op == "?:" {
			k = nElvis
		}
		return &node{kind: k, str: op, lhs: left, rhs: rhs, pos: t.pos}, nil
	case ":=":
		if left.kind != nVariable {
			return nil, &Error{Code: "S0212", Position: t.pos, Token: op}
		}
		rhs, err := p.expression(bindingPower[op] - 1)
		if err != nil {
			return nil, err
		}
		return &node{kind: nBind, str: op, lhs: left, rhs: rhs, pos: t.pos}, nil
	case "~>":
		rhs, err := p.expression(bindingPower[op])
		if err != nil {
			return nil, err
		}
		return &node{kind: nApply, str: op, lhs: left, rhs: rhs, pos: t.pos}, nil
	case "@", "#":
		rhs, err := p.expression(bindingPower[op])
		if err != nil {
			return nil, err
		}
		if rhs.kind != nVariable {
			return nil, &Error{Code: "S0214", Position: rhs.pos, Token: op}
		}
		k := nFocusRaw
		if op == "#" {
			k = nIndexRaw
		}
		return &node{kind: k, str: op, lhs: left, rhs: rhs, pos: t.pos}, nil
	case "?":
		n := &node{kind: nCondition, cond: left, pos: t.pos}
		var err error
		if n.then, err = p.expression(0); err != nil {
			return nil, err
		}
		if p.is(":") {
			if err := p.advance(true); err != nil {
				return nil, err
			}
			if n.els, err = p.expression(0); err != nil {
				return nil, err
			}
		}
		return n, nil
	case "[":
		if p.is("]") {
			step := left
			for step != nil && step.kind == nFilterRaw {
				step = step.lhs
			}
			step.keepArray = true
			if err := p.advance(false); err != nil {
				return nil, err
			}
			return left, nil
		}
		rhs, err := p.expression(0)
		if err != nil {
			return nil, err
		}
		if err := p.expect("]", false); err != nil {
			return nil, err
		}
		return &node{kind: nFilterRaw, str: op, lhs: left, rhs: rhs, pos: t.pos}, nil
	case "{":
		pairs, err := p.objectPairs()
		if err != nil {
			return nil, err
		}
		return &node{kind: nGroupRaw, str: op, lhs: left, pairs: pairs, pos: t.pos}, nil
	case "^":
		if err := p.expect("(", true); err != nil {
			return nil, err
		}
		n := &node{kind: nSortRaw, lhs: left, pos: t.pos}
		for {
			desc := false
			if p.is("<") {
				if err := p.advance(true); err != nil {
					return nil, err
				}
			} else if p.is(">") {
				desc = true
				if err := p.advance(true); err != nil {
					return nil, err
				}
			}
			e, err := p.expression(0)
			if err != nil {
				return nil, err
			}
			n.terms = append(n.terms, sortTerm{desc: desc, expr: e})
			if !p.is(",") {
				break
			}
			if err := p.advance(true); err != nil {
				return nil, err
			}
		}
		if err := p.expect(")", false); err != nil {
			return nil, err
		}
		return n, nil
	case "(":
		if left.kind == nName && (left.str == "function" || left.str == "λ") {
			return p.lambda(t)
		}
		n := &node{kind: nFunction, proc: left, pos: t.pos, exprs: []*node{}}
		if !p.is(")") {
			for {
				var arg *node
				if p.is("?") {
					n.kind = nPartial
					arg = &node{kind: nPlaceholder, str: "?", pos: p.tok.pos}
					if err := p.advance(false); err != nil {
						return nil, err
					}
				} else {
					var err error
					if arg, err = p.expression(0); err != nil {
						return nil, err
					}
				}
				n.exprs = append(n.exprs, arg)
				if !p.is(",") {
					break
				}
				if err := p.advance(true); err != nil {
					return nil, err
				}
			}
		}
		if err := p.expect(")", false); err != nil {
			return nil, err
		}
		return n, nil
	}
	return nil, &Error{Code: "S0201", Position: t.pos, Token: op}
}

func (p *parser) lambda(t *token) (*node, error) {
	n := &node{kind: nLambda, pos: t.pos, exprs: []*node{}}
	if !p.is(")") {
		for index := 1; ; index++ {
			if p.tok.kind != tkVariable {
				// the reference's insert is the parameter's position
				return nil, &Error{Code: "S0208", Position: p.tok.pos, Token: tokenText(p.tok), Value: float64(index)}
			}
			n.exprs = append(n.exprs, &node{kind: nVariable, str: p.tok.op, pos: p.tok.pos})
			if err := p.advance(false); err != nil {
				return nil, err
			}
			if !p.is(",") {
				break
			}
			if err := p.advance(true); err != nil {
				return nil, err
			}
		}
	}
	if !p.is(")") {
		return nil, &Error{Code: "S0202", Position: p.tok.pos, Token: tokenText(p.tok), Value: ")", extra: tokenInsert(p.tok)}
	}
	// the signature, if any, is scanned from the raw text
	if p.lx.pos < len(p.lx.src) {
		i := p.lx.pos
		for i < len(p.lx.src) && (p.lx.src[i] == ' ' || p.lx.src[i] == '\t' || p.lx.src[i] == '\n' || p.lx.src[i] == '\r') {
			i++
		}
		if i < len(p.lx.src) && p.lx.src[i] == '<' {
			depth := 0
			j := i
			for ; j < len(p.lx.src); j++ {
				if p.lx.src[j] == '<' {
					depth++
				} else if p.lx.src[j] == '>' {
					depth--
					if depth == 0 {
						break
					}
				} else if p.lx.src[j] == '{' {
					break
				}
			}
			if j >= len(p.lx.src) || p.lx.src[j] != '>' {
				return nil, &Error{Code: "S0202", Position: j, Token: "{", Value: ">"}
			}
			sig, err := parseSignature(p.lx.src[i : j+1])
			if err != nil {
				return nil, err
			}
			n.sig = sig
			p.lx.pos = j + 1
		}
	}
	if err := p.advance(false); err != nil { // past ')' (or the signature)
		return nil, err
	}
	if err := p.expect("{", true); err != nil {
		return nil, err
	}
	body, err := p.expression(0)
	if err != nil {
		return nil, err
	}
	n.body = body
	if err := p.expect("}", false); err != nil {
		return nil, err
	}
	return n, nil
}

func parse(src string) (*node, error) {
	p := &parser{lx: lexer{src: src}}
	if err := p.advance(true); err != nil {
		return nil, err
	}
	root, err := p.expression(0)
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tkEnd {
		return nil, &Error{Code: "S0201", Position: p.tok.pos, Token: tokenText(p.tok), extra: tokenInsert(p.tok)}
	}
	pr := &processor{}
	out, err := pr.process(root)
	if err != nil {
		return nil, err
	}
	if out.kind == nParent || out.seekingParent != nil {
		return nil, &Error{Code: "S0217", Position: out.pos, Token: kindName(out)}
	}
	return out, nil
}
