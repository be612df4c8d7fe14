package jsonata

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzCompileEval feeds arbitrary expressions and inputs through Compile and
// Eval. Allowed outcomes are a result, ErrUndefined, ErrFunctionResult or a
// typed *Error;
// a panic (which the API converts into an "internal error") or an untyped
// error fails.
func FuzzCompileEval(f *testing.F) {
	seeds := []struct{ expr, data string }{
		{`foo.bar`, `{"foo":{"bar":42}}`},
		{`Account.Order.Product[Price > 30].{"n": $."Product Name"}`, `{"Account":{"Order":[{"Product":[{"Price":34.45,"Product Name":"Hat"}]}]}}`},
		{`$sum(items.price) & " " & $join(items.name, ",")`, `{"items":[{"price":1,"name":"a"}]}`},
		{`library.loans@$L.books@$B[$L.isbn=$B.isbn].{"t": $B.title, "p": %.name}`, `{"library":{"loans":[{"isbn":"1"}],"books":[{"isbn":"1","title":"x"}]}}`},
		{`($f := function($n){$n < 2 ? $n : $f($n-1) + $f($n-2)}; $f(10))`, `null`},
		{`$formatNumber(1234.5678, "#,##0.00")`, `{}`},
		{`$fromMillis(1521801216617, "[FNn], [D1o] [MNn] [Y]")`, `{}`},
		{`$toMillis("2018-03-27", "[Y]-[M]-[D]")`, `{}`},
		{`$replace("abc", /(b)/i, "[$1]")`, `{}`},
		{`[1..5]^(>$)#$i[$i < 3]`, `[]`},
		{`$ ~> |a|{"b": 1}, ["c"]|`, `{"a":{"c":2}}`},
		{`$formatInteger(1234, "w;o")`, `{}`},
		{`$match("ab12cd", /[0-9]+/)`, `{}`},
		{`{"a": [1,2,3]}.a[-1]`, `{}`},
		{`**.x`, `{"a":{"x":1,"b":[{"x":2}]}}`},
		{`$split("a,b", ",", 1) ~> $append(["z"])`, `{}`},
		{`$sort(items, function($a, $b){$a.v > $b.v})`, `{"items":[{"v":2},{"v":1}]}`},
		{`$string({"x": 1.5e300 * 10})`, `{}`},
		{`/[/`, `{}`},
		{`function($x)<n-:n>{$x}(?)`, `{}`},
	}
	for _, s := range seeds {
		f.Add(s.expr, s.data)
	}
	// issue 17: pathological nesting must fail with S0601, never exhaust the stack
	for _, build := range nestings {
		f.Add(build(MaxNesting+1), `{}`)
	}
	f.Add(`$parse($)`, `"`+strings.Repeat("[", 20000)+`"`)
	f.Fuzz(func(t *testing.T, expr, data string) {
		if len(expr) > 1<<17 || len(data) > 1<<17 {
			return
		}
		e, err := Compile(expr)
		if err != nil {
			checkFuzzErr(t, expr, err)
			return
		}
		if len(expr) > 2000 || len(data) > 10000 {
			return // deep expressions are for the parser; evaluation is bounded by MaxDepth
		}
		var input any = UndefinedInput
		if v, err := DecodeOrdered([]byte(data)); err == nil {
			input = v
		}
		_, err = e.EvalEnv(input, &Env{MaxDepth: 300, Timeout: 200 * time.Millisecond})
		if err != nil && !errors.Is(err, ErrUndefined) && !errors.Is(err, ErrFunctionResult) {
			checkFuzzErr(t, expr, err)
		}
		// the same through the generic Go form (lazily converted maps)
		var generic any
		if json.Unmarshal([]byte(data), &generic) == nil {
			_, err = e.EvalEnv(generic, &Env{MaxDepth: 300, Timeout: 200 * time.Millisecond, Vars: map[string]any{"v": generic}})
			if err != nil && !errors.Is(err, ErrUndefined) && !errors.Is(err, ErrFunctionResult) {
				checkFuzzErr(t, expr, err)
			}
		}
	})
}

func checkFuzzErr(t *testing.T, expr string, err error) {
	t.Helper()
	var je *Error
	if !errors.As(err, &je) {
		t.Fatalf("%q: untyped error %v", expr, err)
	}
	if je.Code == "" || strings.HasPrefix(je.Message, "internal error") {
		t.Fatalf("%q: %v", expr, err)
	}
}
