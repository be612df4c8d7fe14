package intrinsics_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/sfnlocal/sfnlocal/interpreter/intrinsics"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
	"github.com/sfnlocal/sfnlocal/jsonpath"
)

// FuzzParseEval parses arbitrary calls and evaluates them on arbitrary input. Allowed failures:
// *SyntaxError from Parse, *task.Failure or the resolver's *jsonpath.Error from Eval.
func FuzzParseEval(f *testing.F) {
	for _, seed := range [][2]string{
		{`States.Format('Hello {} \{\}', $.name)`, `{"name":"ann"}`},
		{`States.ArrayGetItem(States.StringSplit($.s, '-'), States.MathAdd(States.ArrayLength(States.StringSplit($.s, '-')), -1))`, `{"s":"a-b-c"}`},
		{`States.ArrayRange($.a, $.b, $.c)`, `{"a":1,"b":9,"c":2}`},
		{`States.ArrayPartition($.a, 2.5)`, `{"a":[1,2,3]}`},
		{`States.JsonMerge($.x, States.StringToJson($.y), false)`, `{"x":{"a":1},"y":"{\"b\":2}"}`},
		{`States.Hash($.d, 'SHA-256')`, `{"d":"data"}`},
		{`States.Base64Decode(States.Base64Encode($.d))`, `{"d":"hi"}`},
		{`States.MathRandom(1, 100, 7)`, `{}`},
		{`States.ArrayUnique(States.Array(1, 1.0, null, 'a', $.o, $.o))`, `{"o":{"k":[1]}}`},
		{`States.JsonToString($.o)`, `{"o":[1,{"a":null}]}`},
		{`States.UUID()`, `{}`},
		// issue 17: pathological nesting
		{strings.Repeat("States.Array(", 50000) + "1" + strings.Repeat(")", 50000), `{}`},
		{"States.Format('{}', " + strings.Repeat("States.JsonToString(", 11) + "$" + strings.Repeat(")", 11) + ")", `{}`},
		{`States.StringToJson($.s)`, `{"s":"` + strings.Repeat("[", 20000) + `"}`},
		{`States.JsonToString($)`, strings.Repeat("[", 9000) + strings.Repeat("]", 9000)},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, expr, docText string) {
		c, err := intrinsics.Parse(expr)
		if err != nil {
			var se *intrinsics.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q): unexpected error %T: %v", expr, err, err)
			}
			return
		}
		doc, err := task.Decode([]byte(docText))
		if err != nil {
			return
		}
		v, err := c.Eval(func(p *jsonpath.Path) (any, error) { return p.Select(doc) })
		if err != nil {
			var tf *task.Failure
			var pe *jsonpath.Error
			if !errors.As(err, &tf) && !errors.As(err, &pe) {
				t.Fatalf("Eval(%q): unexpected error %T: %v", expr, err, err)
			}
			return
		}
		if _, err := task.Encode(v); err != nil {
			t.Fatalf("Eval(%q) returned a value that does not encode: %v", expr, err)
		}
	})
}
