// Package payload compiles and evaluates ASL payload templates (JSONPath mode): Parameters,
// ItemSelector, ResultSelector, Assign and Credentials. Keys ending in ".$" hold a path or an
// intrinsic function call; they are compiled once, when the state machine is created, so a
// bad template fails as an invalid definition and evaluation only walks a prepared tree.
//
// Key order follows AWS's recordings: an object with ".$" fields puts its constant fields (and
// nested templates) first, in the order written, then its ".$" fields in java.util.HashMap
// order (awsFieldOrder); objects without ".$" fields keep the order written.
//
// Evaluation builds a new value and never mutates the input, but constant parts of the
// template and values selected from the input are shared, not copied: like every generic JSON
// value in sfnlocal, the result must be treated as immutable.
package payload

import (
	"slices"
	"strconv"
	"strings"

	"github.com/sfnlocal/sfnlocal/internal/value"
	"github.com/sfnlocal/sfnlocal/interpreter/intrinsics"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
	"github.com/sfnlocal/sfnlocal/jsonpath"
)

// Template is a compiled payload template. It is immutable and safe for concurrent use.
type Template struct {
	root  *node
	paths []*jsonpath.Path
}

// Env is what a template is evaluated against.
type Env struct {
	Input     any
	Context   any
	Variables func(name string) (any, bool)
}

type nodeKind uint8

const (
	nodeLiteral nodeKind = iota
	nodeObject
	nodeArray
	nodePath
	nodeCall
)

type field struct {
	name  string // output key, ".$" stripped
	key   string // key as written
	value *node
}

type node struct {
	kind   nodeKind
	lit    any
	fields []field
	items  []*node
	path   *jsonpath.Path
	call   *intrinsics.Call
}

// CompileError is a malformed template. Pointer is the JSON pointer of the offending field
// inside the template (e.g. "/a/b.$"); the message is AWS's validation text.
type CompileError struct {
	Pointer string
	Field   string
	Msg     string
}

func (e *CompileError) Error() string { return e.Msg }

// FailureName is the error name of evaluation failures; AWS reports States.Runtime (the spec's
// States.ParameterPathFailure and States.IntrinsicFailure are not used any more).
const FailureName = "States.Runtime"

// maxDepth bounds template nesting so hostile definitions cannot exhaust the stack.
const maxDepth = 512

// Compile compiles tmpl, the JSON value from the definition (a map[string]any tree is accepted
// and taken in sorted key order). The output keeps the template's key order. Errors are
// *CompileError values that name the field.
func Compile(tmpl any) (*Template, error) {
	tmpl = value.FromPlain(tmpl)
	t := &Template{}
	root, err := t.compile(tmpl, "", 0)
	if err != nil {
		return nil, err
	}
	t.root = root
	return t, nil
}

// MustCompile is Compile for constant templates in Go code; it panics on error, so it must
// never be given user input.
func MustCompile(tmpl any) *Template {
	t, err := Compile(tmpl)
	if err != nil {
		panic(err)
	}
	return t
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func (t *Template) compile(v any, ptr string, depth int) (*node, error) {
	if depth > maxDepth {
		return nil, &CompileError{Pointer: ptr, Msg: "The payload template is nested too deeply"}
	}
	switch x := v.(type) {
	case *value.Object:
		n := &node{kind: nodeObject, fields: make([]field, 0, x.Len())}
		dynamic := false
		seen := make(map[string]string, x.Len())
		for key, fv := range x.All() {
			fptr := ptr + "/" + escapePointer(key)
			name := key
			var child *node
			if strings.HasSuffix(key, ".$") {
				name = strings.TrimSuffix(key, ".$")
				var err error
				child, err = t.compileExpr(fv, key, fptr)
				if err != nil {
					return nil, err
				}
			} else {
				var err error
				child, err = t.compile(fv, fptr, depth+1)
				if err != nil {
					return nil, err
				}
			}
			if other, dup := seen[name]; dup {
				// Named in sorted order ("a.$" duplicates "a"), whichever was written first.
				first, second := other, key
				if second < first {
					first, second = second, first
				}
				return nil, &CompileError{Pointer: fptr, Field: key,
					Msg: "The field '" + second + "' duplicates the field '" + first + "'"}
			}
			seen[name] = key
			if child.kind != nodeLiteral {
				dynamic = true
			}
			n.fields = append(n.fields, field{name: name, key: key, value: child})
		}
		if !dynamic {
			return &node{kind: nodeLiteral, lit: v}, nil
		}
		n.fields = awsFieldOrder(n.fields)
		return n, nil
	case []any:
		n := &node{kind: nodeArray, items: make([]*node, len(x))}
		dynamic := false
		for i, e := range x {
			child, err := t.compile(e, ptr+"/"+strconv.Itoa(i), depth+1)
			if err != nil {
				return nil, err
			}
			if child.kind != nodeLiteral {
				dynamic = true
			}
			n.items[i] = child
		}
		if !dynamic {
			return &node{kind: nodeLiteral, lit: v}, nil
		}
		return n, nil
	}
	return &node{kind: nodeLiteral, lit: v}, nil
}

// awsFieldOrder orders the fields of a template object as AWS builds it: the fields written
// without ".$" (constants and nested templates) first, in the order written, then the ".$"
// fields in java.util.HashMap order of their names (value.JavaHashOrder) — as if the constant
// part were copied and the evaluated paths put into it from a HashMap. Every recorded JSONPath
// template output where the two orders differ follows it (conformance: the TaskScheduled
// parameters of states:startExecution tasks {Input, StateMachineArn, Name}, test_map_state_lambda
// {Values, Iterations}, test_map_state_item_selector_singleton {constant_value,
// iteration_input_value, from_input_constant, iteration_index, original_input},
// BASE_ASSIGN_FROM_INTRINSIC_FUNCTION's nested objects, VALID_ITEMS_PATH_FROM_PREVIOUS
// {from_previous, Bucket, Key}; 54 objects of 54 whose order tells).
func awsFieldOrder(fields []field) []field {
	out := make([]field, 0, len(fields))
	var names []string
	byName := map[string]field{}
	for _, f := range fields {
		if strings.HasSuffix(f.key, ".$") {
			names = append(names, f.name)
			byName[f.name] = f
			continue
		}
		out = append(out, f)
	}
	for _, name := range value.JavaHashOrder(names) {
		out = append(out, byName[name])
	}
	return out
}

func (t *Template) compileExpr(v any, key, ptr string) (*node, error) {
	invalid := &CompileError{Pointer: ptr, Field: key,
		Msg: "The value for the field '" + key + "' must be a valid JSONPath or a valid intrinsic function call"}
	s, ok := v.(string)
	if !ok {
		return nil, invalid
	}
	if intrinsics.IsIntrinsic(s) {
		c, err := intrinsics.Parse(s)
		if err != nil {
			return nil, invalid
		}
		t.paths = append(t.paths, c.Paths()...)
		return &node{kind: nodeCall, call: c}, nil
	}
	p, err := jsonpath.Parse(s)
	if err != nil {
		return nil, invalid
	}
	t.paths = append(t.paths, p)
	return &node{kind: nodePath, path: p}, nil
}

// Paths returns every path the template uses, including intrinsic arguments (for validation
// and variable references).
func (t *Template) Paths() []*jsonpath.Path { return t.paths }

// Variables returns the names of the variables the template reads, sorted, without
// duplicates.
func (t *Template) Variables() []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range t.paths {
		if p.Root() == jsonpath.RootVariable && !seen[p.Variable()] {
			seen[p.Variable()] = true
			out = append(out, p.Variable())
		}
	}
	sortStrings(out)
	return out
}

// Eval builds a new value from the template. Failures are *task.Failure values with AWS's
// messages, e.g. States.Runtime "The JSONPath '$.x' specified for the field 'value.$' could not
// be found in the input '<json>'".
func (t *Template) Eval(env Env) (any, error) {
	return t.eval(t.root, &env, "")
}

func (t *Template) eval(n *node, env *Env, key string) (any, error) {
	switch n.kind {
	case nodeLiteral:
		return n.lit, nil
	case nodeObject:
		out := value.NewObject(len(n.fields))
		for i := range n.fields {
			f := &n.fields[i]
			v, err := t.eval(f.value, env, f.key)
			if err != nil {
				return nil, err
			}
			out.Set(f.name, v)
		}
		return out, nil
	case nodeArray:
		out := make([]any, len(n.items))
		for i, item := range n.items {
			v, err := t.eval(item, env, key)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case nodePath:
		return resolve(n.path, env, key)
	default: // nodeCall
		return n.call.Eval(func(p *jsonpath.Path) (any, error) { return resolve(p, env, key) })
	}
}

// resolve evaluates a path against the document its root names.
func resolve(p *jsonpath.Path, env *Env, key string) (any, error) {
	var doc any
	switch p.Root() {
	case jsonpath.RootInput:
		doc = env.Input
	case jsonpath.RootContext:
		doc = env.Context
	case jsonpath.RootVariable:
		var ok bool
		if env.Variables != nil {
			doc, ok = env.Variables(p.Variable())
		}
		if !ok {
			return nil, notFound(p, env, key)
		}
	}
	v, err := p.Select(doc)
	if err != nil {
		return nil, notFound(p, env, key)
	}
	return v, nil
}

func notFound(p *jsonpath.Path, env *Env, key string) error {
	in, err := value.Encode(env.Input)
	if err != nil {
		in = []byte("?")
	}
	return &task.Failure{Name: FailureName, Cause: "The JSONPath '" + p.String() + "' specified for the field '" +
		key + "' could not be found in the input '" + string(in) + "'"}
}

func sortStrings(s []string) { slices.Sort(s) }

// Expr is a single path or intrinsic call that stands alone in a state field rather than in a
// template, such as a Fail state's ErrorPath and CausePath. Its failures name the field as
// given to CompileExpr (AWS: "... specified for the field 'ErrorPath' ...").
type Expr struct {
	field string
	n     *node
	paths []*jsonpath.Path
}

// CompileExpr compiles expr, a path or an intrinsic call, for the field named field.
func CompileExpr(field, expr string) (*Expr, error) {
	t := &Template{}
	n, err := t.compileExpr(expr, field, "")
	if err != nil {
		return nil, err
	}
	return &Expr{field: field, n: n, paths: t.paths}, nil
}

// Eval evaluates the expression; failures are *task.Failure values as for Template.Eval.
func (e *Expr) Eval(env Env) (any, error) {
	t := Template{}
	return t.eval(e.n, &env, e.field)
}

// String returns the expression as written.
func (e *Expr) String() string {
	if e.n.kind == nodePath {
		return e.n.path.String()
	}
	return e.n.call.String()
}

// Paths returns every path the expression uses.
func (e *Expr) Paths() []*jsonpath.Path { return e.paths }
