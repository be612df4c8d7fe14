package payload_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/sfnlocal/sfnlocal/interpreter/payload"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// FuzzCompileEval compiles arbitrary templates and evaluates them on arbitrary input. Allowed
// failures: *CompileError from Compile and *task.Failure from Eval.
func FuzzCompileEval(f *testing.F) {
	for _, seed := range [][2]string{
		{`{"v.$":"$.a.b[0]","c":{"d.$":"$$.Execution.Id"}}`, `{"a":{"b":[1]}}`},
		{`{"s.$":"States.Format('{}-{}', $.x, $v)","l":[{"w.$":"$.x"}]}`, `{"x":"y"}`},
		{`{"v.$":"$.missing"}`, `{}`},
		{`{"v":1,"v.$":"$"}`, `{}`},
		{`[{"a.$":"$[*]"}, 1, "s"]`, `[1,2]`},
		{`{"x.$":"States.ArrayRange(1, $.n, 1)"}`, `{"n":5}`},
		// issue 17: pathological nesting
		{strings.Repeat(`{"a":`, 2000) + "1" + strings.Repeat("}", 2000), `{}`},
		{strings.Repeat(`[`, 9000) + strings.Repeat("]", 9000), `{}`},
		{`{"v.$":"$"}`, strings.Repeat(`[`, 9000) + strings.Repeat("]", 9000)},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, tmplText, inputText string) {
		tmplValue, err := task.Decode([]byte(tmplText))
		if err != nil {
			return
		}
		tmpl, err := payload.Compile(tmplValue)
		if err != nil {
			var ce *payload.CompileError
			if !errors.As(err, &ce) {
				t.Fatalf("Compile(%s): unexpected error %T: %v", tmplText, err, err)
			}
			return
		}
		input, err := task.Decode([]byte(inputText))
		if err != nil {
			return
		}
		env := payload.Env{
			Input:     input,
			Context:   map[string]any{"Execution": map[string]any{"Id": "arn"}},
			Variables: func(name string) (any, bool) { return input, name == "v" },
		}
		v, err := tmpl.Eval(env)
		if err != nil {
			var tf *task.Failure
			if !errors.As(err, &tf) {
				t.Fatalf("Eval(%s): unexpected error %T: %v", tmplText, err, err)
			}
			return
		}
		if _, err := task.Encode(v); err != nil {
			t.Fatalf("Eval(%s) returned a value that does not encode: %v", tmplText, err)
		}
	})
}
