// Package jsonata is sfnlocal's own JSONata 2.x engine: a lexer, a Pratt
// parser, an AST rewriting pass (paths, predicates, focus/index binding,
// parent resolution, tail calls) and a tree-walking evaluator with the
// standard function library.
//
// It exists because AWS Step Functions evaluates JSONata 2.x (with a few
// extra functions) in JSONata-mode states, and the available Go engines are
// either stuck at 1.x (blues/jsonata-go v1.5.4 passed 1258 of the 1686
// reference suite cases when measured, counting any error as a pass where
// one was expected) or not fetchable here. This engine passes 1684 of them. The reference implementation's test
// suite (../shared/jsonata-suite) is this package's acceptance test.
//
// Usage: Compile parses once; the resulting *Expr is immutable and safe for
// concurrent use, and Eval/EvalWith evaluate it against an input in generic
// JSON form (the internal/value model: *value.Object, []any, string,
// json.Number, bool, nil; map[string]any and float64 are accepted too, maps
// taken in sorted key order). Results come back in the value model with
// numbers as float64; objects keep JSONata's insertion order (constructors
// in the order written, input objects in document order), as AWS's do.
// An expression whose result is JSONata's `undefined` returns
// (nil, ErrUndefined), and one whose result is a function (`$sum`,
// `function($x){$x}`, a partial application, a regex) returns
// (nil, ErrFunctionResult): a function has no JSON form, and AWS fails such
// a field ("returned an unsupported result type."). Failures are *Error
// values carrying JSONata's error codes (S0xxx syntax, T0xxx/T1xxx/T2xxx
// type, D1xxx–D3xxx dynamic, U1001 depth) with the reference
// implementation's message texts, inserts rendered as it renders them:
// {{name}} as JSON.stringify would (`Expected "]", got ","`, `Argument 1 of
// function "sum" ...`), {{{name}}} as plain text. AWS reports these texts.
//
// Performance: Eval converts its input lazily (a Go map is wrapped and its
// values converted only when read), so a large state input costs only what
// the expression touches; Prepare converts a value once for reuse across
// evaluations and goroutines. Env bounds depth (MaxDepth, U1001) and time
// (Timeout), and fixes the clock for $now/$millis per evaluation.
//
// AWSFunctions supplies the functions AWS Step Functions adds ($partition,
// $range, $hash, $random, $uuid, $parse) and hides $eval, as AWS does.
// NewLibrary parses extension function signatures once into an immutable
// *Library that any number of evaluations bind through Env.Library at no
// per-evaluation cost; Env.Functions, the simpler form, parses them on every
// evaluation.
//
// Regular expressions are JavaScript regex literals run on Go's RE2 engine:
// lookaround and backreferences are rejected at compile time (S0302).
//
// Object key order: objects built by an expression keep their insertion
// order (as in JavaScript, and as AWS keeps them); *value.Object inputs are
// read in their order, Go maps in sorted order. Results are *value.Object,
// so the order survives the trip back. DecodeOrdered reads JSON text into
// the engine's own form, keeping document order.
//
// The package imports only the standard library and sfnlocal's leaf value
// model (internal/value, itself standard library only).
package jsonata
