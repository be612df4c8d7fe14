package jsonpath_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/sfnlocal/sfnlocal/internal/value"
	"github.com/sfnlocal/sfnlocal/jsonpath"
)

// FuzzParseSelect parses arbitrary paths and evaluates them on arbitrary documents. The only
// allowed failures are the package's typed errors; a panic or any other error fails.
func FuzzParseSelect(f *testing.F) {
	for _, seed := range [][2]string{
		{"$.a.b[0]", `{"a":{"b":[1]}}`},
		{"$..x", `{"x":1,"y":{"x":[{"x":2}]}}`},
		{"$.a[?(@.v > 1 && @.w =~ /a.*/i || !(@.z))]", `{"a":[{"v":2,"w":"ab"},{"z":1}]}`},
		{"$['a','b'][1:3]", `{"a":[1,2,3,4]}`},
		{"$$.Execution.Id", `{"Execution":{"Id":"x"}}`},
		{"$var.f[-1]", `{"f":[1,2]}`},
		{"$.a[?(@ in [1,'x',null])]", `{"a":[1,"x",null,true]}`},
		// issue 17: pathological nesting and length
		{"$.a[?(" + strings.Repeat("(", 5000) + "@.b" + strings.Repeat(")", 5000) + ")]", `{"a":[{"b":1}]}`},
		{"$.a[?(" + strings.Repeat("!", 5000) + "@.b)]", `{"a":[{"b":1}]}`},
		{"$.a[?(@.b" + strings.Repeat(" || @.b", 8000) + ")]", `{"a":[{"b":1}]}`},
		{"$" + strings.Repeat(".a", 40000), `{}`},
		{"$..a", strings.Repeat(`{"a":`, 9000) + "1" + strings.Repeat("}", 9000)},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, expr, docText string) {
		p, err := jsonpath.Parse(expr)
		if err != nil {
			var se *jsonpath.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q): unexpected error type %T: %v", expr, err, err)
			}
			return
		}
		if p.String() != expr {
			t.Fatalf("String() = %q, want %q", p.String(), expr)
		}
		_ = p.Normalized()
		doc, err := value.Decode([]byte(docText))
		if err != nil {
			return
		}
		v, err := p.Select(doc)
		if err != nil {
			var pe *jsonpath.Error
			if !errors.As(err, &pe) || !p.IsDefinite() {
				t.Fatalf("Select(%q): unexpected error %T: %v", expr, err, err)
			}
		} else if !p.IsDefinite() {
			if _, ok := v.([]any); !ok {
				t.Fatalf("indefinite Select(%q) returned %T", expr, v)
			}
		}
		if _, err := p.Set(doc, "value"); err != nil {
			var se *jsonpath.SetError
			if !errors.As(err, &se) {
				t.Fatalf("Set(%q): unexpected error %T: %v", expr, err, err)
			}
		}
	})
}
