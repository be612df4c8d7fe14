package jsonata

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sfnlocal/sfnlocal/internal/value"

	"github.com/stretchr/testify/require"
)

func decodeGeneric(t testing.TB, s string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v))
	return v
}

func TestEval(t *testing.T) {
	t.Parallel()
	input := `{"items":[{"name":"a","price":1.5,"qty":2},{"name":"b","price":2,"qty":1}],"n":null,"big":12345678901}`
	tests := []struct {
		name string
		expr string
		vars map[string]any
		want string // JSON text of the expected result
	}{
		{"sum", `$sum(items.price)`, nil, `3.5`},
		{"object", `{"total": $sum(items.(price*qty)), "names": items.name}`, nil, `{"total":5,"names":["a","b"]}`},
		{"integers stay integers", `items[1].price * 3`, nil, `6`},
		{"json.Number input keeps value", `big + 1`, nil, `12345678902`},
		{"null input field", `n`, nil, `null`},
		{"singleton array", `items[name="a"].name[]`, nil, `["a"]`},
		{"variables", `$x & "-" & $y.z`, map[string]any{"x": "p", "y": map[string]any{"z": json.Number("3")}}, `"p-3"`},
		{"sort", `items^(>price).name`, nil, `["b","a"]`},
		{"group", `items{name: qty}`, nil, `{"a":2,"b":1}`},
		{"lambda", `($f := function($v){$v*2}; $map(items.qty, $f))`, nil, `[4,2]`},
		{"regex", `$replace("hello world", /o/, "0")`, nil, `"hell0 w0rld"`},
		{"transform", `items[0] ~> |$|{"qty": 9}, ["price"]|`, nil, `{"name":"a","qty":9}`},
		{"string of object", `$string({"a":[1,2.5]})`, nil, `"{\"a\":[1,2.5]}"`},
		{"conditional", `$count(items) > 1 ? "many" : "one"`, nil, `"many"`},
		{"range", `[1..3]`, nil, `[1,2,3]`},
		{"coalesce", `missing ?? "dflt"`, nil, `"dflt"`},
		{"formatNumber", `$formatNumber(1234.5, "#,##0.00")`, nil, `"1,234.50"`},
		{"fromMillis", `$fromMillis(1521801216617)`, nil, `"2018-03-23T10:33:36.617Z"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, err := Compile(tc.expr)
			require.NoError(t, err)
			got, err := e.Eval(decodeGeneric(t, input), tc.vars)
			require.NoError(t, err)
			b, err := json.Marshal(got)
			require.NoError(t, err)
			require.JSONEq(t, tc.want, string(b))
			requireFloatNumbers(t, got)
		})
	}
}

// requireFloatNumbers checks results use float64 for every number.
func requireFloatNumbers(t *testing.T, v any) {
	t.Helper()
	switch x := v.(type) {
	case *value.Object:
		for _, vv := range x.All() {
			requireFloatNumbers(t, vv)
		}
	case []any:
		for _, vv := range x {
			requireFloatNumbers(t, vv)
		}
	case nil, string, bool, float64:
	default:
		t.Fatalf("unexpected result type %T", v)
	}
}

func TestUndefined(t *testing.T) {
	t.Parallel()
	for _, expr := range []string{`missing`, `items[price > 100]`, `$lookup({}, "x")`, `()`} {
		t.Run(expr, func(t *testing.T) {
			t.Parallel()
			e, err := Compile(expr)
			require.NoError(t, err)
			got, err := e.Eval(map[string]any{"items": []any{map[string]any{"price": 1.0}}}, nil)
			require.ErrorIs(t, err, ErrUndefined)
			require.Nil(t, got)
		})
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, expr string
		code       string
		msg        string
		pos        int
	}{
		{"syntax", `(1 + `, "S0207", "Unexpected end of expression", 5},
		{"unterminated string", `"abc`, "S0101", "String literal must be terminated by a matching quote", 4},
		{"expected token", `[1,2)`, "S0202", `Expected "]", got ")"`, 5},
		{"expected token, got a number", `[1,2 3]`, "S0202", `Expected "]", got 3`, 6},
		{"expected token, got null", `{"a":1 null}`, "S0202", `Expected "}", got null`, 11},
		{"expected token, got a string", `[1 "x"]`, "S0202", `Expected "]", got "x"`, 6},
		{"expected before end", `[1,2`, "S0203", `Expected "]" before end of expression`, 4},
		{"syntax error token", `1 2`, "S0201", `Syntax error: 2`, 3},
		{"unary symbol", `{"a":}`, "S0211", `The symbol "}" cannot be used as a unary operator`, 6},
		{"lambda parameter", `function($a, b){1}`, "S0208", `Parameter 2 of function definition must be a variable name (start with $)`, 0},
		{"type", `"s" - 1`, "T2001", `The left side of the "-" operator must evaluate to a number`, 5},
		{"compare types", `1 < "a"`, "T2009", `The values 1 and "a" either side of operator "<" must be of the same data type`, 0},
		{"cast", `$number("abc")`, "D3030", `Unable to cast value to a number: "abc"`, 0},
		{"signature mismatch", `$abs("x")`, "T0410", `Argument 1 of function "abs" does not match function signature`, 0},
		{"invoke non-function hint", `sum([1])`, "T1005", "Attempted to invoke a non-function. Did you mean $sum?", 0},
		{"non-function", `$foo()`, "T1006", "Attempted to invoke a non-function", 5},
		{"signature", `$sum("x")`, "T0412", `Argument 1 of function "sum" must be an array of "numbers"`, 5},
		{"error function", `$error("boom")`, "D3137", "boom", 7},
		{"infinite result", `1/0`, "D1001", "Number out of range: null", 0}, // JSON.stringify(Infinity)
		{"depth", `($f := function($n){$n = 0 ? 0 : 1 + $f($n-1)}; $f(100000))`, "U1001", "Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive.", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, err := Compile(tc.expr)
			if err == nil {
				_, err = e.Eval(nil, nil)
			}
			var je *Error
			require.True(t, errors.As(err, &je), "got %v", err)
			require.Equal(t, tc.code, je.Code)
			require.Equal(t, tc.msg, je.Message)
			if tc.pos > 0 {
				require.Equal(t, tc.pos, je.Position)
			}
			require.Equal(t, tc.code+": "+tc.msg, je.Error())
		})
	}
}

func TestTailCallsDoNotGrowDepth(t *testing.T) {
	t.Parallel()
	e, err := Compile(`($loop := function($n, $acc){$n = 0 ? $acc : $loop($n - 1, $acc + 1)}; $loop(50000, 0))`)
	require.NoError(t, err)
	got, err := e.EvalEnv(nil, &Env{MaxDepth: 200})
	require.NoError(t, err)
	require.Equal(t, 50000.0, got)
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	e, err := Compile(`($f := function(){$f()}; $f())`)
	require.NoError(t, err)
	_, err = e.EvalEnv(nil, &Env{Timeout: 20 * time.Millisecond})
	var je *Error
	require.ErrorAs(t, err, &je)
	require.Equal(t, "U1001", je.Code)
	require.Equal(t, "Expression evaluation timeout: Check for infinite loop", je.Message)
}

func TestFixedNow(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 5, 6, 7, 8, 9, 10e6, time.UTC)
	e, err := Compile(`[$now(), $millis(), $now() = $now()]`)
	require.NoError(t, err)
	got, err := e.EvalEnv(nil, &Env{Now: now})
	require.NoError(t, err)
	require.Equal(t, []any{"2024-05-06T07:08:09.010Z", float64(now.UnixMilli()), true}, got)
}

func TestEncodeURLLoneSurrogate(t *testing.T) {
	t.Parallel()
	e, err := Compile(`$encodeUrlComponent('\uD800')`)
	require.NoError(t, err)
	_, err = e.Eval(nil, nil)
	var je *Error
	require.ErrorAs(t, err, &je)
	require.Equal(t, "D3140", je.Code)
}

func TestAWSFunctions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr string
		want string
	}{
		// vectors recorded against AWS (../shared/conformance/cases/jsonata)
		{`$partition([0, 1, 2, 3], 3)`, `[[0,1,2],[3]]`},
		{`$partition([0, 1, 2], 5)`, `[[0,1,2]]`},
		{`$partition([0], 1)`, `[[0]]`},
		{`$range(0, 10, 3)`, `[0,3,6,9]`},
		{`$parse("[1, 2, \"HelloWorld\"]")`, `[1,2,"HelloWorld"]`},
		{`$parse("{\"Arg1\": 1, \"Arg2\": []}")`, `{"Arg1":1,"Arg2":[]}`},
		{`$parse("true")`, `true`},
		{`$parse("null")`, `null`},
		// documented behaviour (aws-api-notes §2.4)
		{`$range(1, 9, 3)`, `[1,4,7]`},
		{`$range(5, 1, -2)`, `[5,3,1]`},
		{`$hash("abc", "SHA-256")`, `"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"`},
		{`$hash("abc", "MD5")`, `"900150983cd24fb0d6963f7d28e17f72"`},
		{`$random(42) = $random(42)`, `true`},
		{`$random() >= 0 and $random() < 1`, `true`},
		{`$length($uuid())`, `36`},
		{`$substring($uuid(), 14, 1)`, `"4"`},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			t.Parallel()
			e, err := Compile(tc.expr)
			require.NoError(t, err)
			got, err := e.EvalWith(map[string]any{}, nil, AWSFunctions())
			require.NoError(t, err)
			b, err := json.Marshal(got)
			require.NoError(t, err)
			require.JSONEq(t, tc.want, string(b))
		})
	}
}

func TestAWSFunctionErrors(t *testing.T) {
	t.Parallel()
	for _, expr := range []string{`$eval("1")`, `$partition([1], 0)`, `$range(1, 2, 0)`, `$hash("a", "CRC32")`, `$parse("{")`, `$range(0, 1e9, 1)`, `$partition("x")`} {
		t.Run(expr, func(t *testing.T) {
			t.Parallel()
			e, err := Compile(expr)
			require.NoError(t, err)
			_, err = e.EvalWith(nil, nil, AWSFunctions())
			var je *Error
			require.ErrorAs(t, err, &je)
		})
	}
}

func TestCustomFunction(t *testing.T) {
	t.Parallel()
	fns := map[string]Function{
		"greet": {Signature: "<s-:s>", Fn: func(args []any) (any, error) { return "hi " + args[0].(string), nil }},
		"fail":  {Fn: func([]any) (any, error) { return nil, errors.New("nope") }},
	}
	e := MustCompile(`name.$greet()`)
	got, err := e.EvalWith(map[string]any{"name": "bob"}, nil, fns)
	require.NoError(t, err)
	require.Equal(t, "hi bob", got)

	_, err = MustCompile(`$fail()`).EvalWith(nil, nil, fns)
	var je *Error
	require.ErrorAs(t, err, &je)
	require.Equal(t, "nope", je.Message)

	_, err = MustCompile(`$greet(1)`).EvalWith(nil, nil, fns)
	require.ErrorAs(t, err, &je)
	require.Equal(t, "T0410", je.Code)
}

func TestConcurrentEval(t *testing.T) {
	t.Parallel()
	e := MustCompile(`$sum(a.b) & $join(a.c, ",")`)
	in := map[string]any{"a": []any{map[string]any{"b": 1.0, "c": "x"}, map[string]any{"b": 2.0, "c": "y"}}}
	done := make(chan error, 8)
	for i := 0; i < 8; i++ {
		go func() {
			for j := 0; j < 200; j++ {
				got, err := e.Eval(in, nil)
				if err != nil || got != "3x,y" {
					done <- fmt.Errorf("got %v, %v", got, err)
					return
				}
			}
			done <- nil
		}()
	}
	for i := 0; i < 8; i++ {
		require.NoError(t, <-done)
	}
}

func ExampleExpr_Eval() {
	e, err := Compile(`{"total": $sum(items.price), "names": items.name}`)
	if err != nil {
		panic(err)
	}
	out, err := e.Eval(map[string]any{"items": []any{
		map[string]any{"name": "a", "price": 2.5},
		map[string]any{"name": "b", "price": 1.5},
	}}, nil)
	if err != nil {
		panic(err)
	}
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
	// Output: {"total":4,"names":["a","b"]}
}

func ExampleExpr_EvalWith() {
	e := MustCompile(`$partition($range(1, 5, 1), 2)`)
	out, _ := e.EvalWith(nil, nil, AWSFunctions())
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
	// Output: [[1,2],[3,4],[5]]
}

func ExampleError() {
	_, err := MustCompile(`"a" + 1`).Eval(nil, nil)
	var je *Error
	if errors.As(err, &je) {
		fmt.Println(je.Code, je.Position)
		fmt.Println(je)
	}
	// Output: T2001 5
	// T2001: The left side of the "+" operator must evaluate to a number
}

func TestPreparedValueShared(t *testing.T) {
	t.Parallel()
	in := Prepare(map[string]any{"a": []any{json.Number("1"), json.Number("2")}, "b": []any{"x"}})
	exprs := []*Expr{MustCompile(`a[]`), MustCompile(`b[]`), MustCompile(`$sum(a)`), MustCompile(`$ ~> |$|{"c": 1}|`)}
	want := []string{`[1,2]`, `["x"]`, `3`, `{"a":[1,2],"b":["x"],"c":1}`}
	done := make(chan error, 4)
	for w := 0; w < 4; w++ {
		go func() {
			for j := 0; j < 100; j++ {
				for i, e := range exprs {
					got, err := e.Eval(in, map[string]any{"v": in})
					if err != nil {
						done <- err
						return
					}
					b, _ := json.Marshal(got)
					if string(b) != want[i] {
						done <- fmt.Errorf("%s: got %s, want %s", e, b, want[i])
						return
					}
				}
			}
			done <- nil
		}()
	}
	for w := 0; w < 4; w++ {
		require.NoError(t, <-done)
	}
}

func TestDecodeOrderedKeepsKeyOrder(t *testing.T) {
	t.Parallel()
	in, err := DecodeOrdered([]byte(`{"z":1,"a":2,"m":{"y":1,"b":2}}`))
	require.NoError(t, err)
	got, err := MustCompile(`[[$keys($)], [$keys(m)], $string($)]`).Eval(in, nil)
	require.NoError(t, err)
	require.Equal(t, []any{[]any{"z", "a", "m"}, []any{"y", "b"}, `{"z":1,"a":2,"m":{"y":1,"b":2}}`}, got)
	_, err = DecodeOrdered([]byte(`{"a":`))
	require.Error(t, err)
}

func TestFunctionResult(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, expr string
		want       any // nil: ErrFunctionResult
	}{
		{"built-in", `$sum`, nil},
		{"lambda", `function($x){$x}`, nil},
		{"bound lambda", `($f := function($x){$x}; $f)`, nil},
		{"partial application", `$substring(?, 1)`, nil},
		{"function chain", `$trim ~> $uppercase`, nil},
		{"regex", `/ab+/`, nil},
		{"extension function", `$greet`, nil},
		{"function applied", `$sum([1, 2])`, 3.0},
		{"empty string", `""`, ""},
		{"inside an array", `[1, $sum]`, []any{1.0, nil}},
		{"inside an object", `{"a": 1, "f": $sum}`, value.ObjectOf("a", 1.0)},
	}
	lib, err := NewLibrary(map[string]Function{"greet": {Signature: "<s:s>", Fn: func(args []any) (any, error) { return args[0], nil }}})
	require.NoError(t, err)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := MustCompile(tc.expr).EvalEnv(UndefinedInput, &Env{Library: lib})
			if tc.want == nil {
				require.ErrorIs(t, err, ErrFunctionResult)
				require.Nil(t, got)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestLibrary(t *testing.T) {
	t.Parallel()
	lib, err := NewLibrary(AWSFunctions())
	require.NoError(t, err)
	require.True(t, lib.Has("partition"))
	require.True(t, lib.Has("eval"))
	require.False(t, lib.Has("sum"))
	tests := []struct {
		name, expr string
		fns        map[string]Function
		want       any
		code       string
	}{
		{name: "AWS function", expr: `$partition([1, 2, 3], 2)`, want: []any{[]any{1.0, 2.0}, []any{3.0}}},
		{name: "built-ins still visible", expr: `$sum([1, 2])`, want: 3.0},
		{name: "signature checked", expr: `$partition([1], "x")`, code: "T0410"},
		{name: "eval hidden", expr: `$eval("1")`, code: "T1006"},
		{name: "local binding shadows", expr: `($partition := function($a, $n){"mine"}; $partition([1], 1))`, want: "mine"},
		{name: "Functions override Library", expr: `$uuid()`, fns: map[string]Function{"uuid": {Fn: func([]any) (any, error) { return "fixed", nil }}}, want: "fixed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := MustCompile(tc.expr).EvalEnv(UndefinedInput, &Env{Library: lib, Functions: tc.fns})
			if tc.code != "" {
				var je *Error
				require.ErrorAs(t, err, &je)
				require.Equal(t, tc.code, je.Code)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
	// the library is unchanged by the evaluations above
	got, err := MustCompile(`$partition([1], 1)`).EvalEnv(UndefinedInput, &Env{Library: lib})
	require.NoError(t, err)
	require.Equal(t, []any{[]any{1.0}}, got)
}

func TestNewLibraryBadSignature(t *testing.T) {
	t.Parallel()
	for _, sig := range []string{"<q:s>", "<-s>", "<s<n>>", "<(s<n>):s>"} {
		t.Run(sig, func(t *testing.T) {
			t.Parallel()
			_, err := NewLibrary(map[string]Function{"f": {Signature: sig, Fn: func([]any) (any, error) { return nil, nil }}})
			require.ErrorContains(t, err, "function f: bad signature")
		})
	}
}

func TestLibraryConcurrent(t *testing.T) {
	t.Parallel()
	lib, err := NewLibrary(AWSFunctions())
	require.NoError(t, err)
	e := MustCompile(`($x := $range(1, 4); $partition($x, 2))`)
	done := make(chan error, 4)
	for w := 0; w < 4; w++ {
		go func() {
			for j := 0; j < 100; j++ {
				got, err := e.EvalEnv(UndefinedInput, &Env{Library: lib})
				if err == nil && len(got.([]any)) != 2 {
					err = fmt.Errorf("got %v", got)
				}
				if err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for w := 0; w < 4; w++ {
		require.NoError(t, <-done)
	}
}

// TestObjectOrder checks that objects keep AWS's (Jackson's and jsonata-js's) insertion order:
// constructors in the order written, input objects in document order, $merge appending new
// keys and replacing others in place.
func TestObjectOrder(t *testing.T) {
	t.Parallel()
	in, err := value.DecodeString(`{"z":1,"a":{"y":true,"b":null},"m":[{"k2":1,"k1":2}]}`)
	require.NoError(t, err)
	tests := []struct{ name, expr, want string }{
		{"constructor", `{"zeta": 1, "alpha": 2, "mid": 3}`, `{"zeta":1,"alpha":2,"mid":3}`},
		{"input passes through", `$`, `{"z":1,"a":{"y":true,"b":null},"m":[{"k2":1,"k1":2}]}`},
		{"merge", `$merge([a, {"b": 1, "c": 2}])`, `{"y":true,"b":1,"c":2}`},
		{"keys", `$keys($)`, `["z","a","m"]`},
		{"string", `$string(m[0])`, `"{\"k2\":1,\"k1\":2}"`},
		{"transform", `a ~> |$|{"new": 1, "y": false}|`, `{"y":false,"b":null,"new":1}`},
		{"group by", `m.{"second": k1, "first": k2}`, `{"second":2,"first":1}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := MustCompile(tc.expr).Eval(in, nil)
			require.NoError(t, err)
			b, err := value.Encode(got)
			require.NoError(t, err)
			require.Equal(t, tc.want, string(b))
		})
	}
}
