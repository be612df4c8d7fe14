// Package jsonpath is sfnlocal's facade for the JSONPath dialect of the Amazon States Language:
// paths over JSON values of the internal/value model (*value.Object, []any, string, json.Number,
// bool, nil) rooted
// at the state input ($), the Context object ($$) or a workflow variable ($name).
//
// Behind the facade is a small hand-written parser and evaluator, not a general JSONPath
// library. AWS evaluates paths with Jayway JsonPath (Java); its semantics and error texts
// ("Missing property in path $['a']", "No results for path: $['a']['b']") are what state
// machines observe, and PaesslerAG/jsonpath (the design card's first choice) differs from
// them: it works on float64 (losing json.Number's literal text), reports different errors and
// treats missing nodes differently. A dedicated evaluator matches Jayway on the recorded
// cases, keeps numbers exact and evaluates definite paths such as $.a.b[0] without
// allocating.
//
// Semantics, following Jayway as AWS configures it:
//   - A definite path (only names and indexes) selects one node or fails with an *Error whose
//     text is AWS's: "Invalid path '<expr>' : Missing property in path $['a']" when an
//     intermediate property is missing, "... : No results for path: $['a']['b']" when the
//     leaf is missing or an index is out of range.
//   - An indefinite path (wildcards, slices, index lists, filters, deep scans) never fails: it
//     returns a []any of the matches, possibly empty.
//   - Object members are visited in their insertion order, as Jayway over Jackson does.
package jsonpath

import (
	"strconv"
	"strings"

	"github.com/sfnlocal/sfnlocal/internal/value"
)

// Root names the document a path is evaluated against.
type Root int

const (
	// RootInput is "$": the state's input (or the value the field applies to).
	RootInput Root = iota
	// RootContext is "$$": the Context object.
	RootContext
	// RootVariable is "$name": a workflow variable.
	RootVariable
)

func (r Root) String() string {
	switch r {
	case RootInput:
		return "input"
	case RootContext:
		return "context"
	case RootVariable:
		return "variable"
	}
	return "Root(" + strconv.Itoa(int(r)) + ")"
}

// Path is a parsed ASL JSONPath. It is immutable and safe for concurrent use.
type Path struct {
	src      string
	root     Root
	variable string
	segs     []segment
	definite bool
}

// Parse parses any ASL JSONPath: $, $.a.b, $['x y'], $.a[0], $.a[*], $.a[1:3], $..x,
// filters such as $.a[?(@.x > 1)], $$.Execution.Id and $myVar.field.
func Parse(expr string) (*Path, error) {
	return parse(expr, false)
}

// ParseReference parses a Reference Path: a path that selects a single node (no wildcards,
// filters, slices or deep scans), as required by ResultPath, ItemsPath and the *Path fields.
func ParseReference(expr string) (*Path, error) {
	return parse(expr, true)
}

// MustParse is Parse for constant paths in Go code; it panics on a malformed path, so it must
// never be given user input.
func MustParse(expr string) *Path {
	p, err := Parse(expr)
	if err != nil {
		panic(err)
	}
	return p
}

// String returns the path as written.
func (p *Path) String() string { return p.src }

// Root returns which document the path is evaluated against.
func (p *Path) Root() Root { return p.root }

// Variable returns the variable name when Root() is RootVariable, else "".
func (p *Path) Variable() string { return p.variable }

// IsDefinite reports whether the path selects at most one node.
func (p *Path) IsDefinite() bool { return p.definite }

// IsRoot reports whether the path is just its root ("$", "$$" or "$name").
func (p *Path) IsRoot() bool { return len(p.segs) == 0 }

// Normalized returns the path in Jayway's normalized form, e.g. $['a']['b'][0], the form
// AWS uses inside its error messages.
func (p *Path) Normalized() string {
	var b strings.Builder
	b.WriteByte('$')
	for i := range p.segs {
		p.segs[i].writeNormalized(&b)
	}
	return b.String()
}

// Error is a failed evaluation of a definite path. Its text is AWS's:
// "Invalid path '<Path>' : <Reason>".
type Error struct {
	Path   string // the path as written
	Reason string // Jayway's message, e.g. "No results for path: $['a']"
}

func (e *Error) Error() string { return "Invalid path '" + e.Path + "' : " + e.Reason }

// SetError is a failure to place a value at a path (AWS's States.ResultPathMatchFailure).
type SetError struct {
	Path   string // the path as written
	Reason string
}

func (e *SetError) Error() string {
	return "Unable to apply ResultPath '" + e.Path + "' : " + e.Reason
}

// SyntaxError is a malformed path.
type SyntaxError struct {
	Expr   string
	Offset int // byte offset of the problem in Expr
	Msg    string
}

func (e *SyntaxError) Error() string {
	return "invalid JSONPath '" + e.Expr + "': " + e.Msg + " at offset " + strconv.Itoa(e.Offset)
}

// Select evaluates the path on doc, which the caller picks according to Root(). A definite
// path returns the node; an indefinite one returns a []any of the matches. Errors are *Error
// values with AWS's messages, e.g. "Invalid path '$.no.such' : Missing property in path
// $['no']".
func (p *Path) Select(doc any) (any, error) {
	if !p.definite {
		return p.selectAll(doc), nil
	}
	cur := doc
	for i := range p.segs {
		s := &p.segs[i]
		switch s.kind {
		case segName:
			m, ok := cur.(*value.Object)
			if !ok {
				return nil, p.notObjectError(i, cur)
			}
			v, found := m.Get(s.name)
			if !found {
				if i == len(p.segs)-1 {
					return nil, &Error{Path: p.src, Reason: "No results for path: " + p.Normalized()}
				}
				return nil, &Error{Path: p.src, Reason: "Missing property in path " + p.prefix(i+1)}
			}
			cur = v
		case segIndex:
			a, ok := cur.([]any)
			if !ok {
				return nil, p.notArrayError(i, cur)
			}
			idx := s.index
			if idx < 0 {
				idx += len(a)
			}
			if idx < 0 || idx >= len(a) {
				return nil, &Error{Path: p.src, Reason: "No results for path: " + p.Normalized()}
			}
			cur = a[idx]
		}
	}
	return cur, nil
}

// Exists reports whether a definite path selects a node in doc, or an indefinite path
// selects at least one (Choice's IsPresent).
func (p *Path) Exists(doc any) bool {
	v, err := p.Select(doc)
	if err != nil {
		return false
	}
	if !p.definite {
		a, _ := v.([]any)
		return len(a) > 0
	}
	return true
}

func (p *Path) prefix(n int) string {
	var b strings.Builder
	b.WriteByte('$')
	for i := 0; i < n; i++ {
		p.segs[i].writeNormalized(&b)
	}
	return b.String()
}

func (p *Path) notObjectError(i int, cur any) error {
	var frag strings.Builder
	p.segs[i].writeNormalized(&frag)
	return &Error{Path: p.src, Reason: "Expected to find an object with property " + frag.String() +
		" in path " + p.prefix(i) + " but found '" + javaClass(cur) +
		"'. This is not a json object according to the JsonProvider: " +
		"'com.jayway.jsonpath.spi.json.JacksonJsonNodeJsonProvider'."}
}

func (p *Path) notArrayError(i int, cur any) error {
	if cur == nil {
		return &Error{Path: p.src, Reason: "The path " + p.prefix(i) + " is null"}
	}
	var frag strings.Builder
	p.segs[i].writeNormalized(&frag)
	return &Error{Path: p.src, Reason: "Filter: " + frag.String() +
		" can only be applied to arrays. Current context is: " + javaString(cur)}
}

// javaClass names the Java class Jayway reports for a value of the wrong type. The message
// shape is Jayway's; which JsonProvider AWS configures (and so these class names) is not in
// the recorded cases and is a best guess (Jackson tree nodes).
func javaClass(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "com.fasterxml.jackson.databind.node.TextNode"
	case bool:
		return "com.fasterxml.jackson.databind.node.BooleanNode"
	case []any:
		return "com.fasterxml.jackson.databind.node.ArrayNode"
	case *value.Object:
		return "com.fasterxml.jackson.databind.node.ObjectNode"
	default:
		return "com.fasterxml.jackson.databind.node.NumericNode"
	}
}

func javaString(v any) string {
	b, err := value.Encode(v)
	if err != nil {
		return "?"
	}
	return string(b)
}

// selectAll evaluates an indefinite path, collecting every match.
func (p *Path) selectAll(doc any) []any {
	cur := []any{doc}
	for i := range p.segs {
		s := &p.segs[i]
		next := make([]any, 0, len(cur))
		for _, n := range cur {
			if s.deep {
				walk(n, func(d any) { next = s.apply(d, doc, next) })
			} else {
				next = s.apply(n, doc, next)
			}
		}
		cur = next
	}
	return cur
}

// walk visits n and all its descendants, parents before children, members in key order.
func walk(n any, f func(any)) {
	f(n)
	switch t := n.(type) {
	case *value.Object:
		for _, v := range t.All() {
			walk(v, f)
		}
	case []any:
		for _, v := range t {
			walk(v, f)
		}
	}
}

// Set returns a new document with value placed at the path (ResultPath semantics), creating
// intermediate objects as needed. doc is never mutated; only the objects and arrays along
// the path are copied. The path must be a definite path rooted at "$".
func (p *Path) Set(doc any, v any) (any, error) {
	if p.root != RootInput {
		return nil, &SetError{Path: p.src, Reason: "the path must start with '$'"}
	}
	if !p.definite {
		return nil, &SetError{Path: p.src, Reason: "the path must be a reference path"}
	}
	return p.set(doc, 0, v)
}

func (p *Path) set(node any, i int, v any) (any, error) {
	if i == len(p.segs) {
		return v, nil
	}
	s := &p.segs[i]
	switch s.kind {
	case segName:
		var m *value.Object
		switch t := node.(type) {
		case *value.Object:
			m = t
		case nil:
			if i > 0 {
				m = value.NewObject(1)
				break
			}
			return nil, p.setMismatch(i, node)
		default:
			return nil, p.setMismatch(i, node)
		}
		old, _ := m.Get(s.name)
		child, err := p.set(old, i+1, v)
		if err != nil {
			return nil, err
		}
		// ResultPath merge, as Jackson's ObjectNode.set: a replaced key keeps its place, a new
		// one is appended. m is shared: With copies it.
		return m.With(s.name, child), nil
	default: // segIndex
		a, ok := node.([]any)
		if !ok {
			return nil, p.setMismatch(i, node)
		}
		idx := s.index
		if idx < 0 {
			idx += len(a)
		}
		if idx < 0 || idx >= len(a) {
			return nil, &SetError{Path: p.src, Reason: "index " + strconv.Itoa(s.index) +
				" is out of range in path " + p.prefix(i)}
		}
		c := make([]any, len(a))
		copy(c, a)
		child, err := p.set(a[idx], i+1, v)
		if err != nil {
			return nil, err
		}
		c[idx] = child
		return c, nil
	}
}

func (p *Path) setMismatch(i int, node any) error {
	want := "an object"
	if p.segs[i].kind == segIndex {
		want = "an array"
	}
	return &SetError{Path: p.src, Reason: "expected " + want + " at " + p.prefix(i) +
		" but found " + typeName(node)}
}

// typeName is the JSON type of a generic value.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case *value.Object:
		return "object"
	default:
		return "number"
	}
}
