package jsonata

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// DefaultMaxDepth bounds evaluation nesting (each nested expression node
// counts one). Deep non-tail recursion fails with U1001 instead of
// exhausting the stack; tail calls do not accumulate depth.
const DefaultMaxDepth = 10000

// Expr is a compiled JSONata expression. It is immutable and safe for
// concurrent use.
type Expr struct {
	src  string
	root *node
}

// Compile parses expr. Syntax errors are *Error values with the reference
// implementation's codes (S0xxx) and positions.
func Compile(expr string) (e *Expr, err error) {
	defer func() {
		if r := recover(); r != nil {
			e, err = nil, &Error{Code: "S0500", Message: fmt.Sprint("internal error: ", r)}
		}
	}()
	root, err := parse(expr)
	if err != nil {
		return nil, finish(err)
	}
	return &Expr{src: expr, root: root}, nil
}

// MustCompile is Compile that panics on error, for expressions known at
// build time.
func MustCompile(expr string) *Expr {
	e, err := Compile(expr)
	if err != nil {
		panic(err)
	}
	return e
}

// String returns the source text.
func (e *Expr) String() string { return e.src }

// Function is an extension function callable from expressions as $name.
// Signature is a JSONata signature such as "<n-n?:a<n>>" used to validate
// (and, with '-', default from the context) the arguments; empty means no
// validation. A Function with a nil Fn hides the built-in of that name
// (calling it then fails with T1006, as calling any non-function does).
// Fn receives the arguments in generic Go JSON form (nil for
// undefined as well as null) and returns a result in the same form; a nil
// result with a nil error is undefined, and Null is JSON null. An *Error returned by Fn is passed
// through; other errors are wrapped.
type Function struct {
	Signature string
	Fn        func(args []any) (any, error)
}

// Env configures one evaluation.
type Env struct {
	// Vars are bound as $name.
	Vars map[string]any
	// Library is a set of extension functions prepared once with
	// NewLibrary, bound as $name (overriding built-ins). It costs nothing
	// per evaluation: prefer it to Functions for repeated evaluations.
	Library *Library
	// Functions are extra functions, bound as $name (overriding built-ins
	// and Library). Their signatures are parsed on every evaluation; a bad
	// signature fails the evaluation.
	Functions map[string]Function
	// MaxDepth bounds nesting; 0 means DefaultMaxDepth.
	MaxDepth int
	// Timeout bounds evaluation time; 0 means none.
	Timeout time.Duration
	// Now is the evaluation's timestamp for $now() and $millis(); zero
	// means the time at the start of evaluation.
	Now time.Time
}

// Eval evaluates the expression against input with variables vars. The
// result is in the value model (objects are *value.Object, in order) with
// numbers as float64; an undefined
// result returns (nil, ErrUndefined) and a function result (a lambda, a
// built-in, a partial application or a regex) returns
// (nil, ErrFunctionResult).
func (e *Expr) Eval(input any, vars map[string]any) (any, error) {
	return e.EvalEnv(input, &Env{Vars: vars})
}

// EvalWith is Eval with extra functions.
func (e *Expr) EvalWith(input any, vars map[string]any, fns map[string]Function) (any, error) {
	return e.EvalEnv(input, &Env{Vars: vars, Functions: fns})
}

// EvalEnv evaluates with full control over the environment.
func (e *Expr) EvalEnv(input any, env *Env) (res any, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, &Error{Code: "D3121", Message: fmt.Sprint("internal error: ", r)}
		}
	}()
	if env == nil {
		env = &Env{}
	}
	ev := &evaluator{maxDepth: env.MaxDepth}
	if ev.maxDepth <= 0 {
		ev.maxDepth = DefaultMaxDepth
	}
	if env.Timeout > 0 {
		ev.deadline = time.Now().Add(env.Timeout)
	}
	if !env.Now.IsZero() {
		ev.now, ev.nowSet = env.Now, true
	}
	in := toInternalLazy(input)
	if a, ok := in.(*array); ok && !a.seq {
		w := newSeq(a)
		w.outer = true
		in = w
	}
	root := &frame{vars: make(map[string]any, len(env.Vars)+len(env.Functions)+1)}
	if env.Library != nil {
		root.parent = env.Library.frame
	}
	root.vars["$"] = in
	for name, f := range env.Functions {
		if f.Fn == nil {
			root.vars[name] = nil // hides the built-in of that name
			continue
		}
		b, err := wrapFunction(name, f)
		if err != nil {
			return nil, err
		}
		root.vars[name] = b
	}
	for k, v := range env.Vars {
		root.vars[k] = toInternalLazy(v)
	}
	out, err := ev.eval(e.root, in, root)
	if err != nil {
		return nil, finish(err)
	}
	if out == nil {
		return nil, ErrUndefined
	}
	if a, ok := out.(*array); ok && a.seq && len(a.a) == 0 && !a.keep {
		return nil, ErrUndefined
	}
	if isFunction(out) {
		return nil, ErrFunctionResult
	}
	if err := checkFinite(out); err != nil {
		return nil, finish(err)
	}
	return toExternal(out), nil
}

// Null is returned by a Function to mean JSON null (nil means undefined).
var Null any = null

// UndefinedInput can be passed as Eval's input to evaluate with no input
// at all (JSONata undefined), as distinct from JSON null.
var UndefinedInput any = undefinedInput{}

type undefinedInput struct{}

// checkFinite rejects results JSON cannot carry (Infinity, NaN).
func checkFinite(v any) error {
	switch x := v.(type) {
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return &Error{Code: "D1001", Value: x}
		}
	case *array:
		for _, it := range x.a {
			if err := checkFinite(it); err != nil {
				return err
			}
		}
	case *object:
		if x.raw != nil {
			return nil // untouched input: converted from finite JSON numbers
		}
		for _, k := range x.keys {
			if err := checkFinite(x.m[k]); err != nil {
				return err
			}
		}
	}
	return nil
}

func finish(err error) error {
	var e *Error
	if errors.As(err, &e) {
		e.render(e.extra)
		return e
	}
	return err
}

// Library is a set of extension functions whose signatures were parsed
// once, by NewLibrary. It is immutable and safe for concurrent use by any
// number of evaluations (Env.Library).
type Library struct {
	frame *frame
}

// NewLibrary prepares fns for binding through Env.Library: each signature
// is parsed here, once, and a bad one is reported as an error naming the
// function. A Function with a nil Fn hides the built-in of that name.
func NewLibrary(fns map[string]Function) (*Library, error) {
	f := &frame{vars: make(map[string]any, len(fns))}
	for name, fn := range fns {
		if fn.Fn == nil {
			f.vars[name] = nil // hides the built-in of that name
			continue
		}
		b, err := wrapFunction(name, fn)
		if err != nil {
			return nil, err
		}
		f.vars[name] = b
	}
	return &Library{frame: f}, nil
}

// Has reports whether the library binds name (as a function or as a hidden
// built-in).
func (l *Library) Has(name string) bool {
	_, ok := l.frame.vars[name]
	return ok
}

func wrapFunction(name string, f Function) (*builtin, error) {
	var sig *signature
	if f.Signature != "" {
		s, err := parseSignature(f.Signature)
		if err != nil {
			return nil, fmt.Errorf("jsonata: function %s: bad signature %q: %w", name, f.Signature, finish(err))
		}
		sig = s
	}
	ar := 0
	if sig != nil {
		ar = len(sig.params)
	}
	fn := f.Fn
	return &builtin{name: name, sig: sig, arity: ar, fn: func(_ *evaluator, _ *call, args []any) (any, error) {
		ext := make([]any, len(args))
		for i, a := range args {
			if a != nil {
				ext[i] = toExternal(a)
			}
		}
		r, err := fn(ext)
		if err != nil {
			var je *Error
			if errors.As(err, &je) {
				return nil, je
			}
			return nil, &Error{Code: "D3137", Message: err.Error()}
		}
		if r == nil {
			return nil, nil
		}
		return toInternalLazy(r), nil
	}}, nil
}
