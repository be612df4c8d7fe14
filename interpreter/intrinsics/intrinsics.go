// Package intrinsics implements the eighteen States.* intrinsic functions of the Amazon States
// Language (JSONPath mode). A call such as States.Format('Hi {}', $.name) is parsed once, when
// the state machine is created, so a malformed call is a definition error; at run time Eval
// walks the prepared call tree, resolving path arguments through a caller-supplied Resolver
// (input, Context object or variables) and validating arguments the way AWS does.
//
// Semantics follow the recorded AWS behaviour in the shared conformance suite: numbers that
// must be integers are rounded half up (Java Math.round: 1.5 → 2, -1.5 → -1), StringSplit
// drops empty tokens (Java StringTokenizer), Format prints objects and arrays the way Java's
// Map/List toString does ({a=1, b=[]}), and results keep json.Number text. Failures are
// *task.Failure values named States.Runtime, which is what AWS reports today for the
// spec's States.IntrinsicFailure.
package intrinsics

import (
	"encoding/json"
	"strings"

	"github.com/sfnlocal/sfnlocal/interpreter/task"
	"github.com/sfnlocal/sfnlocal/jsonpath"
)

// Call is a parsed intrinsic function call. It is immutable and safe for concurrent use.
type Call struct {
	src  string
	fn   *function
	args []arg
}

// Resolver resolves a path argument against the input, the Context object or the variables,
// according to the path's Root.
type Resolver func(p *jsonpath.Path) (any, error)

type argKind uint8

const (
	argString argKind = iota
	argNumber
	argBool
	argNull
	argPath
	argCall
)

// arg is one parsed argument. For string literals, str is the unescaped value and raw the
// text between the quotes (Format needs to know which braces were escaped).
type arg struct {
	kind argKind
	str  string
	raw  string
	num  json.Number
	b    bool
	path *jsonpath.Path
	call *Call
}

// FailureName is the error name of intrinsic failures. AWS reports them as States.Runtime.
const FailureName = "States.Runtime"

// MaxNesting is how deeply calls may nest (AWS documents 10).
const MaxNesting = 10

// IsIntrinsic reports whether s looks like an intrinsic call "States.Xxx(...)".
func IsIntrinsic(s string) bool {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "States.") || !strings.HasSuffix(s, ")") {
		return false
	}
	i := strings.IndexByte(s, '(')
	if i <= len("States.") {
		return false
	}
	for _, c := range s[:i] {
		if !(c == '.' || c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// Parse parses an intrinsic function call: nested calls, 'strings' with \' \{ \} \\ escapes,
// numbers, null, true/false and paths ($.x, $$.x, $var.x). The function name and the
// argument count are checked; argument values are checked at evaluation.
func Parse(expr string) (*Call, error) {
	p := &parser{src: expr}
	p.skipSpace()
	c, err := p.call(1)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if !p.eof() {
		return nil, p.errf("unexpected text after the call")
	}
	c.src = expr
	return c, nil
}

// String returns the call as written.
func (c *Call) String() string { return c.src }

// Name returns the function name, e.g. "States.Format".
func (c *Call) Name() string { return c.fn.name }

// Paths returns every path argument of the call and its nested calls, in order.
func (c *Call) Paths() []*jsonpath.Path {
	var out []*jsonpath.Path
	for _, a := range c.args {
		switch a.kind {
		case argPath:
			out = append(out, a.path)
		case argCall:
			out = append(out, a.call.Paths()...)
		}
	}
	return out
}

// Eval evaluates the call. Failures are *task.Failure values (States.Runtime) carrying the
// cause text; an error returned by resolve is passed through unchanged, so the caller decides
// how a missing path is reported.
func (c *Call) Eval(resolve Resolver) (any, error) {
	vals := make([]any, len(c.args))
	for i := range c.args {
		a := &c.args[i]
		switch a.kind {
		case argString:
			vals[i] = a.str
		case argNumber:
			vals[i] = a.num
		case argBool:
			vals[i] = a.b
		case argNull:
			vals[i] = nil
		case argPath:
			if resolve == nil {
				return nil, fail("The path '%s' cannot be resolved here", a.path.String())
			}
			v, err := resolve(a.path)
			if err != nil {
				return nil, err
			}
			vals[i] = v
		case argCall:
			v, err := a.call.Eval(resolve)
			if err != nil {
				return nil, err
			}
			vals[i] = v
		}
	}
	return c.fn.eval(c, vals)
}

func fail(format string, args ...any) *task.Failure {
	return &task.Failure{Name: FailureName, Cause: sprintf(format, args...)}
}
