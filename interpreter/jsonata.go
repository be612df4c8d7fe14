package interpreter

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/sfnlocal/sfnlocal/internal/value"

	"github.com/sfnlocal/sfnlocal/jsonata"
)

// This file is the boundary between the interpreter and the JSONata engine: JSONata-mode field
// values ("{% ... %}" strings anywhere inside Arguments, Output, Assign, ItemSelector, ...) are
// compiled once at Parse into a jnode tree, and evaluated per state with $states and the
// workflow variables bound. Engine results come back with float64 numbers; they are turned
// into json.Number here, so integral values print as integers, as AWS prints them.

// errQueryEvaluation is the error AWS reports for a failed JSONata evaluation.
const errQueryEvaluation = "States.QueryEvaluationError"

// jsonataTimeout bounds one evaluation, as AWS does ("Expression evaluation timeout").
const jsonataTimeout = time.Second

// jexpr is one compiled "{% ... %}" expression.
type jexpr struct {
	src  string // the text between {% and %}, trimmed, as AWS quotes it in errors
	loc  string // the field location, as in jnode
	expr *jsonata.Expr
	// vars are the workflow variables the expression may reference ($name tokens that are
	// not bound inside it); only these are looked up and bound at evaluation.
	vars []string
	// path is set for a plain path over $states or a variable ("$states.input.a.b",
	// "$v.x"), which is looked up directly when every step meets an object.
	path []string
}

// jnode is a pre-parsed JSONata-mode value: a constant, an expression, or an object or array
// holding expressions somewhere inside.
type jnode struct {
	konst any
	expr  *jexpr
	keys  []string // object members, in the definition's order
	vals  []*jnode
	arr   []*jnode
	kind  jkind
	loc   string // field location in AWS's form: "Output/result", "Items"
}

type jkind uint8

const (
	jConst jkind = iota
	jExpr
	jObject
	jArray
)

// awsLibrary is the function set AWS offers every expression: the JSONata built-ins, the
// AWS additions ($partition, $range, $hash, $random, $uuid, $parse) and no $eval. Its
// signatures are parsed once, here, and it is shared by all evaluations.
var awsLibrary = mustLibrary(jsonata.AWSFunctions())

func mustLibrary(fns map[string]jsonata.Function) *jsonata.Library {
	lib, err := jsonata.NewLibrary(fns)
	if err != nil {
		panic(err) // the AWS signatures are constants, tested in package jsonata
	}
	return lib
}

// isJSONataString reports whether s is a "{% ... %}" expression.
func isJSONataString(s string) bool {
	return len(s) >= 4 && strings.HasPrefix(s, "{%") && strings.HasSuffix(s, "%}")
}

// compileJSONataValue pre-parses v at loc; it returns the first syntax error met.
func compileJSONataValue(v any, loc string) (*jnode, error) {
	switch x := v.(type) {
	case string:
		if !isJSONataString(x) {
			return &jnode{konst: x, loc: loc}, nil
		}
		e, err := compileExpr(x)
		if err != nil {
			err.loc = loc
			return nil, err
		}
		e.loc = loc
		return &jnode{kind: jExpr, expr: e, loc: loc}, nil
	case map[string]any:
		return compileJSONataValue(value.FromPlain(x), loc)
	case *value.Object:
		n := &jnode{kind: jObject, loc: loc, keys: make([]string, 0, x.Len())}
		n.keys = append(n.keys, x.Keys()...)
		dynamic := false
		for i, k := range n.keys {
			_, xv := x.At(i)
			c, err := compileJSONataValue(xv, loc+"/"+k)
			if err != nil {
				return nil, err
			}
			dynamic = dynamic || c.kind != jConst
			n.vals = append(n.vals, c)
		}
		if !dynamic {
			return &jnode{konst: x, loc: loc}, nil
		}
		return n, nil
	case []any:
		n := &jnode{kind: jArray, loc: loc}
		dynamic := false
		for i, it := range x {
			c, err := compileJSONataValue(it, loc+"["+strconv.Itoa(i)+"]")
			if err != nil {
				return nil, err
			}
			dynamic = dynamic || c.kind != jConst
			n.arr = append(n.arr, c)
		}
		if !dynamic {
			return &jnode{konst: x, loc: loc}, nil
		}
		return n, nil
	}
	return &jnode{konst: v, loc: loc}, nil
}

// jsonataSyntaxError is a JSONata expression that does not compile.
type jsonataSyntaxError struct {
	src, loc string
	err      error
}

func (e *jsonataSyntaxError) Error() string { return e.err.Error() }

func compileExpr(s string) (*jexpr, *jsonataSyntaxError) {
	src := strings.TrimSpace(s[2 : len(s)-2])
	e, err := jsonata.Compile(src)
	if err != nil {
		return nil, &jsonataSyntaxError{src: src, err: err}
	}
	return &jexpr{src: src, expr: e, path: plainPath(src), vars: scanVars(src)}, nil
}

// scanVars lists the $names an expression mentions outside string literals that are
// candidate workflow variables: not "states", not called as functions, and not bound by
// the expression itself with := or as function parameters.
func scanVars(src string) (vars []string) {
	seen := map[string]bool{}
	bound := map[string]bool{"states": true, "": true}
	type ref struct {
		name string
		call bool
	}
	var refs []ref
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '"' || c == '\'':
			for i++; i < len(src) && src[i] != c; i++ {
				if src[i] == '\\' {
					i++
				}
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return nil
			}
			i += end + 3
		case c == '`':
			for i++; i < len(src) && src[i] != '`'; i++ {
			}
		case c == '$':
			j := i + 1
			for j < len(src) && isNameByte(src[j]) {
				j++
			}
			name := src[i+1 : j]
			rest := strings.TrimLeft(src[j:], " \t\r\n")
			switch {
			case strings.HasPrefix(rest, ":="):
				bound[name] = true
			case strings.HasPrefix(rest, "("):
				refs = append(refs, ref{name, true})
			default:
				refs = append(refs, ref{name, false})
			}
			i = j - 1
		case c == 'f' && strings.HasPrefix(src[i:], "function") && (i == 0 || !isNameByte(src[i-1])):
			// function($a, $b) parameters are bound names.
			j := i + len("function")
			rest := strings.TrimLeft(src[j:], " \t\r\n")
			if strings.HasPrefix(rest, "(") {
				end := strings.IndexByte(rest, ')')
				if end > 0 {
					for _, p := range strings.Split(rest[1:end], ",") {
						p = strings.TrimSpace(p)
						if strings.HasPrefix(p, "$") {
							bound[p[1:]] = true
						}
					}
				}
			}
		}
	}
	for _, r := range refs {
		// Variables hold JSON values, never functions: a call names a function.
		if r.call || bound[r.name] || seen[r.name] {
			continue
		}
		seen[r.name] = true
		vars = append(vars, r.name)
	}
	return vars
}

func isNameByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// jenv is what one state's JSONata expressions see. Its engine environment is made on
// first use and shared by the expressions evaluated with it: variables are bound once, as
// the expressions need them.
type jenv struct {
	f      *frame
	states *value.Object // $states: input, context, and result or errorOutput
	vars   map[string]any
	env    jsonata.Env
}

// newJEnv binds $states.input and $states.context; result/errorOutput are added by callers.
func (f *frame) newJEnv(input any) *jenv {
	states := value.NewObject(3)
	states.Append("input", input)
	states.Append("context", f.contextObject())
	return &jenv{f: f, states: states}
}

func (e *jenv) with(key string, v any) *jenv {
	return &jenv{f: e.f, states: e.states.With(key, v)}
}

// queryError is a JSONata evaluation failure at a field location.
type queryError struct {
	loc, msg string
}

func (e *queryError) Error() string { return e.msg }

// eval evaluates the node.
func (n *jnode) eval(env *jenv) (any, *queryError) {
	switch n.kind {
	case jConst:
		return n.konst, nil
	case jExpr:
		return n.expr.eval(env, n.loc)
	case jObject:
		out := value.NewObject(len(n.keys))
		for i, k := range n.keys {
			v, err := n.vals[i].eval(env)
			if err != nil {
				return nil, err
			}
			out.Append(k, v)
		}
		return out, nil
	default:
		out := make([]any, len(n.arr))
		for i, c := range n.arr {
			v, err := c.eval(env)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
}

func (x *jexpr) eval(env *jenv, loc string) (any, *queryError) {
	if x.path != nil {
		if v, ok := env.lookupPath(x.path); ok {
			return v, nil
		}
	}
	if env.vars == nil {
		env.vars = make(map[string]any, len(x.vars)+1)
		env.vars["states"] = env.states
		env.env = jsonata.Env{Vars: env.vars, Library: awsLibrary, Timeout: jsonataTimeout, Now: env.f.now()}
	}
	for _, name := range x.vars {
		if _, bound := env.vars[name]; bound {
			continue
		}
		if v, ok := env.f.vars.lookup(name); ok {
			env.vars[name] = v
		}
	}
	res, err := x.expr.EvalEnv(jsonata.UndefinedInput, &env.env)
	switch {
	case err == nil:
		return fromJSONata(res), nil
	case errors.Is(err, jsonata.ErrUndefined):
		return nil, &queryError{loc: loc, msg: "The JSONata expression '" + x.src + "' specified for the field '" + loc + "' returned nothing (undefined)."}
	case errors.Is(err, jsonata.ErrFunctionResult):
		// As recorded (conformance map/test_map_state_items_eval_jsonata_fail[function]).
		return nil, &queryError{loc: loc, msg: "The JSONata expression '" + x.src + "' specified for the field '" + loc + "' returned an unsupported result type."}
	}
	return nil, &queryError{loc: loc, msg: "The JSONata expression '" + x.src + "' specified for the field '" + loc + "' threw an error during evaluation. " + err.Error()}
}

// plainPath splits "$states.input.a.b" or "$v.a" into its names ("states", "input", "a",
// "b"), or returns nil when src is anything else.
func plainPath(src string) []string {
	if !strings.HasPrefix(src, "$") {
		return nil
	}
	parts := strings.Split(src[1:], ".")
	for _, p := range parts {
		if p == "" {
			return nil
		}
		for i := 0; i < len(p); i++ {
			c := p[i]
			if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
				return nil
			}
		}
	}
	if parts[0] == "states" && len(parts) < 2 {
		return nil
	}
	return parts
}

// lookupPath evaluates a plain path without the engine. It reports false, leaving the
// expression to the engine, unless every step meets an object that has the field and the
// value found is not an array (whose path semantics the engine owns). Numbers are printed
// as the engine prints them.
func (e *jenv) lookupPath(path []string) (any, bool) {
	var cur any
	var ok bool
	rest := path[1:]
	if path[0] == "states" {
		cur, ok = e.states.Get(path[1])
		rest = path[2:]
	} else {
		cur, ok = e.f.vars.lookup(path[0])
	}
	if !ok {
		return nil, false
	}
	for _, name := range rest {
		m, isObj := cur.(*value.Object)
		if !isObj {
			return nil, false
		}
		if cur, ok = m.Get(name); !ok {
			return nil, false
		}
	}
	if _, isArr := cur.([]any); isArr {
		return nil, false
	}
	return engineNumbers(cur)
}

// engineNumbers returns v with its numbers printed as the engine would print them (1.0 as
// 1), copying only what changes; ok is false when a number is out of the engine's range.
func engineNumbers(v any) (out any, ok bool) {
	out, _, ok = normalizeNumbers(v)
	return out, ok
}

func normalizeNumbers(v any) (out any, changed, ok bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return nil, false, false
		}
		if s := formatNumber(f); s != string(x) {
			return json.Number(s), true, true
		}
		return x, false, true
	case *value.Object:
		var cp *value.Object
		for i := range x.Len() {
			_, c := x.At(i)
			n, ch, ok := normalizeNumbers(c)
			if !ok {
				return nil, false, false
			}
			if ch && cp == nil {
				cp = x.Clone()
			}
			if cp != nil {
				cp.SetAt(i, n)
			}
		}
		if cp != nil {
			return cp, true, true
		}
		return x, false, true
	case []any:
		var cp []any
		for i, c := range x {
			n, ch, ok := normalizeNumbers(c)
			if !ok {
				return nil, false, false
			}
			if ch && cp == nil {
				cp = append([]any(nil), x...)
			}
			if cp != nil {
				cp[i] = n
			}
		}
		if cp != nil {
			return cp, true, true
		}
		return x, false, true
	}
	return v, false, true
}

// fromJSONata converts an engine result to the interpreter's generic form (json.Number).
func fromJSONata(v any) any {
	switch x := v.(type) {
	case float64:
		return json.Number(formatNumber(x))
	case *value.Object: // made by the engine for this result: ours to fill in
		for i := range x.Len() {
			_, c := x.At(i)
			x.SetAt(i, fromJSONata(c))
		}
		return x
	case []any:
		for i, c := range x {
			x[i] = fromJSONata(c)
		}
		return x
	}
	return v
}

// formatNumber prints a number as JavaScript's JSON.stringify does (AWS's JSONata output):
// integers without a fraction, otherwise the shortest round-tripping form.
func formatNumber(f float64) string {
	if f == 0 {
		return "0" // no negative zero, as the engine
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	abs := math.Abs(f)
	if abs >= 1e-6 && abs < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	s := strconv.FormatFloat(f, 'e', -1, 64)
	// Go writes e-07 / e+21; JavaScript writes e-7 / e+21.
	mant, exp, _ := strings.Cut(s, "e")
	sign := exp[0]
	digits := strings.TrimLeft(exp[1:], "0")
	if digits == "" {
		digits = "0"
	}
	return mant + "e" + string(sign) + digits
}

// jsonataTypeName names a value's type as AWS does in "Expected 'array', but was 'object'".
func jsonataTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		return "number"
	case []any:
		return "array"
	}
	return "object"
}

// unexpectedType is the failure of a field whose expression returned the wrong type.
func (n *jnode) unexpectedType(want string, v any) *queryError {
	return &queryError{loc: n.loc, msg: "The JSONata expression '" + n.src() + "' specified for the field '" + n.loc + "' returned an unexpected result type. Expected '" + want + "', but was '" + jsonataTypeName(v) + "' for value: " + renderValue(v)}
}

// varRefs returns the workflow variables the node's expressions reference.
func (n *jnode) varRefs(add func(string)) {
	if n == nil {
		return
	}
	if n.expr != nil {
		for _, v := range n.expr.vars {
			add(v)
		}
	}
	for _, c := range n.vals {
		c.varRefs(add)
	}
	for _, c := range n.arr {
		c.varRefs(add)
	}
}

// mentions reports whether any expression in the node mentions s (e.g. "$states.result").
func (n *jnode) mentions(s string) bool {
	if n == nil {
		return false
	}
	if n.expr != nil && strings.Contains(n.expr.src, s) {
		return true
	}
	for _, c := range n.vals {
		if c.mentions(s) {
			return true
		}
	}
	for _, c := range n.arr {
		if c.mentions(s) {
			return true
		}
	}
	return false
}

// jfield pre-parses the JSONata-mode field of obj (at loc), reporting syntax errors and
// $states members the field does not offer. resultOK allows $states.result (top-level Output
// and Assign of Task, Map and Parallel), errorOK $states.errorOutput (a Catcher's fields).
func (p *parser) jfield(obj map[string]any, field, loc string, resultOK, errorOK bool) *jnode {
	v, ok := obj[field]
	if !ok {
		return nil
	}
	n, err := compileJSONataValue(v, field)
	if err != nil {
		var se *jsonataSyntaxError
		msg := err.Error()
		if errors.As(err, &se) {
			var je *jsonata.Error
			if errors.As(se.err, &je) {
				msg = je.Message // AWS reports the parser's message without its code
			}
			p.add(CodeInvalidJSONata, loc+"/"+se.loc, "%s", msg)
		} else {
			p.add(CodeInvalidJSONata, loc+"/"+field, "%s", msg)
		}
		return nil
	}
	n.walkExprs(func(x *jexpr, loc string) {
		if name := topLevelReference(x.src); name != "" {
			p.add(CodeUnsupportedJSONata, loc+"/"+x.loc, "Reference to '%s' at the top level is not supported.", name)
		}
	}, loc)
	if !resultOK && n.mentions("$states.result") {
		p.add(CodeUnsupportedJSONata, loc+"/"+field, "$states.result is not available in the field '%s': it can be used only in the top-level 'Output' and 'Assign' of Task, Map and Parallel states", field)
	}
	if !errorOK && n.mentions("$states.errorOutput") {
		p.add(CodeUnsupportedJSONata, loc+"/"+field, "$states.errorOutput is not available in the field '%s': it can be used only in the 'Output' and 'Assign' of a Catcher", field)
	}
	n.varRefs(func(v string) { p.addVarRef(p.cur, v) })
	return n
}

// maxVariableNameRunes is AWS's limit on a variable name's length.
const maxVariableNameRunes = 80

// jassign pre-parses a JSONata-mode Assign field, checking the variable names.
func (p *parser) jassign(obj map[string]any, loc string, resultOK, errorOK bool) *jnode {
	v, ok := obj["Assign"]
	if !ok {
		return nil
	}
	m, ok := value.AsMap(v)
	if !ok {
		p.add(CodeSchema, loc+"/Assign", "The value for the field 'Assign' must be an OBJECT")
		return nil
	}
	p.checkVariableNames(m, loc)
	return p.jfield(obj, "Assign", loc, resultOK, errorOK)
}

// checkVariableNames reports Assign keys that cannot name a variable.
func (p *parser) checkVariableNames(m map[string]any, loc string) {
	for name := range m {
		if !validVariableName(name) {
			p.add(CodeSchema, loc+"/Assign", "The variable name '%s' is invalid: it must start with a letter or '_', contain only letters, digits and '_', be at most %d characters long and not be 'states'", name, maxVariableNameRunes)
		}
	}
}

func validVariableName(name string) bool {
	if name == "" || name == "states" || len([]rune(name)) > maxVariableNameRunes {
		return false
	}
	for i, r := range name {
		switch {
		case r == '_' || unicode.IsLetter(r):
		case i > 0 && (unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r) || unicode.Is(unicode.Pc, r)):
		default:
			return false
		}
	}
	return true
}

// walkExprs calls fn with every expression of the node; loc is the owner's location.
func (n *jnode) walkExprs(fn func(x *jexpr, loc string), loc string) {
	if n.expr != nil {
		fn(n.expr, loc)
	}
	for _, c := range n.vals {
		c.walkExprs(fn, loc)
	}
	for _, c := range n.arr {
		c.walkExprs(fn, loc)
	}
}

// topLevelReference returns the name an expression starts with when its first step is a
// bare field name ("phone", "order.id"): with no input document in Step Functions, AWS
// refuses such a reference. Only the first token is examined, so nothing valid is refused.
func topLevelReference(src string) string {
	i := 0
	for i < len(src) && isNameByte(src[i]) {
		i++
	}
	if i == 0 {
		return ""
	}
	name := src[:i]
	if name[0] >= '0' && name[0] <= '9' {
		return "" // a number
	}
	switch name {
	case "true", "false", "null", "function", "and", "or", "in":
		return ""
	}
	rest := strings.TrimLeft(src[i:], " \t\r\n")
	if strings.HasPrefix(rest, "(") || strings.HasPrefix(rest, "{") {
		return "" // not a path step (λ shorthand or a syntax error the engine reports)
	}
	return name
}
