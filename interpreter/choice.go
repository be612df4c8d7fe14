package interpreter

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/sfnlocal/sfnlocal/internal/value"

	"github.com/sfnlocal/sfnlocal/interpreter/payload"
	"github.com/sfnlocal/sfnlocal/jsonpath"
)

type ruleKind int

const (
	ruleCompare ruleKind = iota
	ruleAnd
	ruleOr
	ruleNot
	ruleJSONata // a JSONata Condition rule, never evaluated here
)

type cmpType int

const (
	cmpString cmpType = iota
	cmpNumeric
	cmpBoolean
	cmpTimestamp
	cmpMatches
	cmpIsNull
	cmpIsPresent
	cmpIsNumeric
	cmpIsString
	cmpIsBoolean
	cmpIsTimestamp
)

type cmpOp int

const (
	opEq cmpOp = iota
	opLt
	opGt
	opLe
	opGe
)

// choiceRule is one parsed Choice rule: a boolean combination or a data test.
type choiceRule struct {
	next     string
	kind     ruleKind
	children []*choiceRule

	variable *jsonpath.Path
	typ      cmpType
	op       cmpOp
	operand  any            // string, *big.Float, bool, time.Time (constant operand)
	path     *jsonpath.Path // *Path operand
	pattern  string         // StringMatches
	flag     bool           // Is* expected value
	assign   *payload.Template
	// JSONata rules: Condition, and the rule's own Output and Assign.
	jCond, jOutput, jAssign *jnode
}

// comparisons maps each comparison operator to its type and operation (built on first use:
// start-up time).
var comparisons = sync.OnceValue(func() map[string]struct {
	typ cmpType
	op  cmpOp
} {
	m := map[string]struct {
		typ cmpType
		op  cmpOp
	}{}
	for prefix, typ := range map[string]cmpType{"String": cmpString, "Numeric": cmpNumeric, "Timestamp": cmpTimestamp} {
		for suffix, op := range map[string]cmpOp{"Equals": opEq, "LessThan": opLt, "GreaterThan": opGt, "LessThanEquals": opLe, "GreaterThanEquals": opGe} {
			m[prefix+suffix] = struct {
				typ cmpType
				op  cmpOp
			}{typ, op}
		}
	}
	m["BooleanEquals"] = struct {
		typ cmpType
		op  cmpOp
	}{cmpBoolean, opEq}
	return m
})

var isOperators = map[string]cmpType{
	"IsNull": cmpIsNull, "IsPresent": cmpIsPresent, "IsNumeric": cmpIsNumeric,
	"IsString": cmpIsString, "IsBoolean": cmpIsBoolean, "IsTimestamp": cmpIsTimestamp,
}

func (p *parser) choice(st *state, obj map[string]any, loc string) {
	v, ok := obj["Choices"]
	arr, isArr := v.([]any)
	if !ok || !isArr || len(arr) == 0 {
		p.add(CodeSchema, loc+"/Choices", "The value for the field 'Choices' must be a non-empty ARRAY")
		return
	}
	if d, ok := obj["Default"]; ok {
		s, ok := d.(string)
		if !ok || s == "" {
			p.add(CodeSchema, loc+"/Default", "The value for the field 'Default' must be a non-empty STRING")
		}
		st.defaultNext = s
	}
	for i, rv := range arr {
		rloc := fmt.Sprintf("%s/Choices[%d]", loc, i)
		robj, ok := value.AsMap(rv)
		if !ok {
			p.add(CodeSchema, rloc, "Each choice rule must be an OBJECT")
			continue
		}
		if st.jsonata {
			// JSONata rules ({Condition, Next, Assign, Output}) are evaluated by the JSONata
			// engine; here only their transitions matter.
			if _, ok := robj["Condition"]; !ok {
				p.add(CodeSchema, rloc, "These fields are required: [Condition]")
			}
			p.checkFields(robj, rloc, set("Condition", "Next", "Assign", "Output", "Comment"))
			n, ok := robj["Next"].(string)
			if !ok || n == "" {
				p.add(CodeSchema, rloc, "These fields are required: [Next]")
			}
			r := &choiceRule{next: n, kind: ruleJSONata}
			r.jCond = p.jfield(robj, "Condition", rloc, false, false)
			r.jOutput = p.jfield(robj, "Output", rloc, false, false)
			r.jAssign = p.jassign(robj, rloc, false, false)
			st.choices = append(st.choices, r)
			continue
		}
		r := p.rule(robj, rloc, st.name, true)
		if r == nil {
			continue
		}
		n, ok := robj["Next"].(string)
		if !ok || n == "" {
			p.add(CodeSchema, rloc, "These fields are required: [Next]")
		}
		r.next = n
		st.choices = append(st.choices, r)
	}
}

// maxChoiceRuleDepth bounds how deeply And, Or and Not may nest in one choice rule. AWS
// documents no limit; this one is far beyond any written rule and keeps the recursive parse
// and evaluation, and the location strings they build, small.
const maxChoiceRuleDepth = 1000

func (p *parser) rule(obj map[string]any, loc, stateName string, top bool) *choiceRule {
	if top {
		p.ruleDepth, p.ruleTop = 0, loc
	}
	p.ruleDepth++
	defer func() { p.ruleDepth-- }()
	if p.ruleDepth > maxChoiceRuleDepth {
		p.add(CodeSchema, p.ruleTop, "Choice rules are nested too deeply: more than %d levels of And, Or and Not", maxChoiceRuleDepth)
		return nil
	}
	r := &choiceRule{}
	if !top {
		if _, ok := obj["Next"]; ok {
			p.add(CodeSchema, loc+"/Next", "Nested choice rules must not have a 'Next' field")
		}
	} else {
		r.assign = p.template(obj, "Assign", loc, stateName)
	}
	var ops []string
	for k := range obj {
		switch k {
		case "Next", "Comment", "Variable", "Assign":
		default:
			ops = append(ops, k)
		}
	}
	if len(ops) != 1 {
		p.add(CodeSchema, loc, "A choice rule must have exactly one comparison operator or one of And, Or, Not")
		return nil
	}
	op := ops[0]
	switch op {
	case "And", "Or":
		if _, ok := obj["Variable"]; ok {
			p.add(CodeSchema, loc+"/Variable", "A boolean choice rule must not have a 'Variable' field")
		}
		arr, ok := obj[op].([]any)
		if !ok || len(arr) == 0 {
			p.add(CodeSchema, loc+"/"+op, "The value for the field '%s' must be a non-empty ARRAY", op)
			return nil
		}
		r.kind = ruleAnd
		if op == "Or" {
			r.kind = ruleOr
		}
		for i, c := range arr {
			cobj, ok := value.AsMap(c)
			if !ok {
				p.add(CodeSchema, fmt.Sprintf("%s/%s[%d]", loc, op, i), "Each choice rule must be an OBJECT")
				return nil
			}
			child := p.rule(cobj, fmt.Sprintf("%s/%s[%d]", loc, op, i), stateName, false)
			if child == nil {
				return nil
			}
			r.children = append(r.children, child)
		}
		return r
	case "Not":
		cobj, ok := value.AsMap(obj["Not"])
		if !ok {
			p.add(CodeSchema, loc+"/Not", "The value for the field 'Not' must be an OBJECT")
			return nil
		}
		child := p.rule(cobj, loc+"/Not", stateName, false)
		if child == nil {
			return nil
		}
		r.kind = ruleNot
		r.children = []*choiceRule{child}
		return r
	}
	vs, ok := obj["Variable"].(string)
	if !ok {
		p.add(CodeSchema, loc, "These fields are required: [Variable]")
		return nil
	}
	variable, err := jsonpath.Parse(vs)
	if err != nil {
		p.add(CodeInvalidPath, loc+"/Variable", "The value for the field 'Variable' must be a valid JSONPath: %s", vs)
		return nil
	}
	r.variable = variable
	if variable.Root() == jsonpath.RootVariable {
		p.addVarRef(stateName, variable.Variable())
	}
	val := obj[op]
	if t, ok := isOperators[op]; ok {
		b, ok := val.(bool)
		if !ok {
			p.add(CodeSchema, loc+"/"+op, "The value for the field '%s' must be a BOOLEAN", op)
			return nil
		}
		r.typ, r.flag = t, b
		return r
	}
	if op == "StringMatches" {
		s, ok := val.(string)
		if !ok {
			p.add(CodeSchema, loc+"/"+op, "The value for the field '%s' must be a STRING", op)
			return nil
		}
		r.typ, r.pattern = cmpMatches, s
		return r
	}
	if strings.HasSuffix(op, "Path") {
		base := strings.TrimSuffix(op, "Path")
		c, ok := comparisons()[base]
		if !ok {
			p.add(CodeSchema, loc, "Field '%s' is not a supported comparison operator", op)
			return nil
		}
		s, ok := val.(string)
		if !ok {
			p.add(CodeSchema, loc+"/"+op, "The value for the field '%s' must be a STRING", op)
			return nil
		}
		path, err := jsonpath.Parse(s)
		if err != nil {
			p.add(CodeInvalidPath, loc+"/"+op, "The value for the field '%s' must be a valid JSONPath: %s", op, s)
			return nil
		}
		if path.Root() == jsonpath.RootVariable {
			p.addVarRef(stateName, path.Variable())
		}
		r.typ, r.op, r.path = c.typ, c.op, path
		return r
	}
	c, ok := comparisons()[op]
	if !ok {
		p.add(CodeSchema, loc, "Field '%s' is not a supported comparison operator", op)
		return nil
	}
	r.typ, r.op = c.typ, c.op
	bad := func(kind string) *choiceRule {
		p.add(CodeSchema, loc+"/"+op, "The value for the field '%s' must be a %s", op, kind)
		return nil
	}
	switch c.typ {
	case cmpString:
		s, ok := val.(string)
		if !ok {
			return bad("STRING")
		}
		r.operand = s
	case cmpNumeric:
		n, ok := numeric(val)
		if !ok {
			return bad("NUMBER")
		}
		r.operand = n
	case cmpBoolean:
		b, ok := val.(bool)
		if !ok {
			return bad("BOOLEAN")
		}
		r.operand = b
	case cmpTimestamp:
		s, _ := val.(string)
		t, ok := parseTimestamp(s)
		if !ok {
			return bad("valid ISO-8601 TIMESTAMP")
		}
		r.operand = t
	}
	return r
}

func numeric(v any) (*big.Float, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return nil, false
	}
	f, _, err := big.ParseFloat(string(n), 10, 200, big.ToNearestEven)
	if err != nil {
		return nil, false
	}
	return f, true
}

// eval evaluates the rule against the state's effective input.
func (r *choiceRule) eval(x *frame, input any) (bool, error) {
	switch r.kind {
	case ruleAnd:
		for _, c := range r.children {
			ok, err := c.eval(x, input)
			if err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case ruleOr:
		for _, c := range r.children {
			ok, err := c.eval(x, input)
			if err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	case ruleNot:
		ok, err := r.children[0].eval(x, input)
		return !ok, err
	case ruleJSONata:
		return false, errors.New("a JSONata Condition cannot be evaluated in a JSONPath state")
	}
	v, err := x.selectPath(r.variable, input)
	if r.typ == cmpIsPresent {
		return (err == nil) == r.flag, nil
	}
	if err != nil {
		return false, err
	}
	switch r.typ {
	case cmpIsNull:
		return (v == nil) == r.flag, nil
	case cmpIsNumeric:
		_, ok := v.(json.Number)
		return ok == r.flag, nil
	case cmpIsString:
		_, ok := v.(string)
		return ok == r.flag, nil
	case cmpIsBoolean:
		_, ok := v.(bool)
		return ok == r.flag, nil
	case cmpIsTimestamp:
		s, ok := v.(string)
		if ok {
			_, ok = parseTimestamp(s)
		}
		return ok == r.flag, nil
	case cmpMatches:
		s, ok := v.(string)
		return ok && stringMatches(r.pattern, s), nil
	}
	operand := r.operand
	if r.path != nil {
		ov, err := x.selectPath(r.path, input)
		if err != nil {
			return false, err
		}
		switch r.typ {
		case cmpString:
			s, ok := ov.(string)
			if !ok {
				return false, nil
			}
			operand = s
		case cmpNumeric:
			n, ok := numeric(ov)
			if !ok {
				return false, nil
			}
			operand = n
		case cmpBoolean:
			b, ok := ov.(bool)
			if !ok {
				return false, nil
			}
			operand = b
		case cmpTimestamp:
			s, _ := ov.(string)
			t, ok := parseTimestamp(s)
			if !ok {
				return false, nil
			}
			operand = t
		}
	}
	var c int
	switch r.typ {
	case cmpString:
		s, ok := v.(string)
		if !ok {
			return false, nil
		}
		c = strings.Compare(s, operand.(string))
	case cmpNumeric:
		n, ok := numeric(v)
		if !ok {
			return false, nil
		}
		c = n.Cmp(operand.(*big.Float))
	case cmpBoolean:
		b, ok := v.(bool)
		return ok && b == operand.(bool), nil
	case cmpTimestamp:
		s, ok := v.(string)
		if !ok {
			return false, nil
		}
		t, ok := parseTimestamp(s)
		if !ok {
			return false, nil
		}
		c = t.Compare(operand.(time.Time))
	}
	switch r.op {
	case opEq:
		return c == 0, nil
	case opLt:
		return c < 0, nil
	case opGt:
		return c > 0, nil
	case opLe:
		return c <= 0, nil
	default:
		return c >= 0, nil
	}
}

// stringMatches reports whether s matches pattern, where * matches any run of characters and
// \* and \\ stand for a literal * and \.
func stringMatches(pattern, s string) bool {
	type tok struct {
		lit  rune
		star bool
	}
	var toks []tok
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		switch {
		case rs[i] == '\\' && i+1 < len(rs):
			i++
			toks = append(toks, tok{lit: rs[i]})
		case rs[i] == '*':
			toks = append(toks, tok{star: true})
		default:
			toks = append(toks, tok{lit: rs[i]})
		}
	}
	in := []rune(s)
	// Iterative wildcard matching with backtracking to the last star.
	pi, si, starP, starS := 0, 0, -1, 0
	for si < len(in) {
		switch {
		case pi < len(toks) && !toks[pi].star && toks[pi].lit == in[si]:
			pi++
			si++
		case pi < len(toks) && toks[pi].star:
			starP, starS = pi, si
			pi++
		case starP >= 0:
			pi = starP + 1
			starS++
			si = starS
		default:
			return false
		}
	}
	for pi < len(toks) && toks[pi].star {
		pi++
	}
	return pi == len(toks)
}
