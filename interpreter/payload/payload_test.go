package payload_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/sfnlocal/sfnlocal/internal/value"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/interpreter/payload"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

func decode(t testing.TB, s string) any {
	t.Helper()
	v, err := task.Decode([]byte(s))
	require.NoError(t, err, s)
	return v
}

func encode(t testing.TB, v any) string {
	t.Helper()
	b, err := task.Encode(v)
	require.NoError(t, err)
	return string(b)
}

func env(t testing.TB) payload.Env {
	vars := map[string]any{"count": decode(t, "3"), "user": decode(t, `{"name":"ann"}`)}
	return payload.Env{
		Input:   decode(t, `{"a":{"b":[1,2]},"name":"x","n":null}`),
		Context: decode(t, `{"Execution":{"Id":"arn:exec"},"Map":{"Item":{"Index":4}}}`),
		Variables: func(name string) (any, bool) {
			v, ok := vars[name]
			return v, ok
		},
	}
}

func TestEval(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, tmpl, want string }{
		{"constant", `{"k":"v","n":[1,{"x":true}]}`, `{"k":"v","n":[1,{"x":true}]}`},
		{"path", `{"v.$":"$.a.b[1]"}`, `{"v":2}`},
		{"root path", `{"all.$":"$"}`, `{"all":{"a":{"b":[1,2]},"name":"x","n":null}}`},
		{"null value", `{"v.$":"$.n"}`, `{"v":null}`},
		{"indefinite path", `{"v.$":"$.a.b[*]"}`, `{"v":[1,2]}`},
		{"context", `{"id.$":"$$.Execution.Id","i.$":"$$.Map.Item.Index"}`, `{"i":4,"id":"arn:exec"}`}, // ".$" fields in HashMap order (awsFieldOrder)
		{"variables", `{"c.$":"$count","n.$":"$user.name"}`, `{"c":3,"n":"ann"}`},
		{"intrinsic", `{"s.$":"States.Format('{}-{}', $.name, $count)"}`, `{"s":"x-3"}`},
		{"nested objects", `{"outer":{"inner":{"v.$":"$.name"},"lit":1}}`, `{"outer":{"inner":{"v":"x"},"lit":1}}`},
		{"objects inside arrays", `{"list":[{"v.$":"$.name"},"lit",[{"w.$":"$count"}]]}`, `{"list":[{"v":"x"},"lit",[{"w":3}]]}`},
		{"dollar in a plain key is literal", `{"v":"$.name"}`, `{"v":"$.name"}`},
		{"top-level array", `[{"v.$":"$.name"}]`, `[{"v":"x"}]`},
		{"scalar template", `"just text"`, `"just text"`},
		{"empty", `{}`, `{}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tmpl, err := payload.Compile(decode(t, tc.tmpl))
			require.NoError(t, err)
			e := env(t)
			before := encode(t, e.Input)
			got, err := tmpl.Eval(e)
			require.NoError(t, err)
			require.Equal(t, tc.want, encode(t, got))
			require.Equal(t, before, encode(t, e.Input))
		})
	}
}

// TestEvalFailures pins the causes; the first is the form recorded against AWS.
func TestEvalFailures(t *testing.T) {
	t.Parallel()
	in := `{"a":{"b":[1,2]},"name":"x","n":null}`
	tests := []struct{ name, tmpl, want string }{
		{"missing input path", `{"value.$":"$.no_such_jsonpath"}`,
			"The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' could not be found in the input '" + in + "'"},
		{"missing context path", `{"value.$":"$$.Execution.Input.no_such_jsonpath"}`,
			"The JSONPath '$$.Execution.Input.no_such_jsonpath' specified for the field 'value.$' could not be found in the input '" + in + "'"},
		{"missing variable", `{"v.$":"$nope"}`,
			"The JSONPath '$nope' specified for the field 'v.$' could not be found in the input '" + in + "'"},
		{"missing nested field", `{"o":{"deep.$":"$.a.c"}}`,
			"The JSONPath '$.a.c' specified for the field 'deep.$' could not be found in the input '" + in + "'"},
		{"missing intrinsic argument", `{"s.$":"States.Format('{}', $.zzz)"}`,
			"The JSONPath '$.zzz' specified for the field 's.$' could not be found in the input '" + in + "'"},
		{"intrinsic failure", `{"s.$":"States.ArrayGetItem($.a.b, 9)"}`,
			"The index argument of the function States.ArrayGetItem is out of bounds: 9 for an array of length 2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tmpl, err := payload.Compile(decode(t, tc.tmpl))
			require.NoError(t, err)
			_, err = tmpl.Eval(env(t))
			var f *task.Failure
			require.True(t, errors.As(err, &f), "%v", err)
			require.Equal(t, "States.Runtime", f.Name)
			require.Equal(t, tc.want, f.Cause)
		})
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, tmpl, pointer, want string }{
		{"not a path", `{"v.$":"abc"}`, "/v.$",
			"The value for the field 'v.$' must be a valid JSONPath or a valid intrinsic function call"},
		{"not a string", `{"v.$":1}`, "/v.$",
			"The value for the field 'v.$' must be a valid JSONPath or a valid intrinsic function call"},
		{"bad path", `{"a":{"v.$":"$.a["}}`, "/a/v.$",
			"The value for the field 'v.$' must be a valid JSONPath or a valid intrinsic function call"},
		{"bad intrinsic", `{"v.$":"States.Nope()"}`, "/v.$",
			"The value for the field 'v.$' must be a valid JSONPath or a valid intrinsic function call"},
		{"bad arity", `{"v.$":"States.MathAdd(1)"}`, "/v.$",
			"The value for the field 'v.$' must be a valid JSONPath or a valid intrinsic function call"},
		{"inside array", `{"l":[0,{"x/y.$":"nope"}]}`, "/l/1/x~1y.$",
			"The value for the field 'x/y.$' must be a valid JSONPath or a valid intrinsic function call"},
		{"duplicate after stripping", `{"v":1,"v.$":"$.a"}`, "/v.$",
			"The field 'v.$' duplicates the field 'v'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := payload.Compile(decode(t, tc.tmpl))
			var ce *payload.CompileError
			require.True(t, errors.As(err, &ce), "%v", err)
			require.Equal(t, tc.pointer, ce.Pointer)
			require.EqualError(t, err, tc.want)
		})
	}
}

func TestPathsAndVariables(t *testing.T) {
	t.Parallel()
	tmpl, err := payload.Compile(decode(t, `{"a.$":"$.x","b":{"c.$":"States.Format('{} {}', $v1, $$.State.Name)"},"d.$":"$v2.f","e.$":"$v1"}`))
	require.NoError(t, err)
	var got []string
	for _, p := range tmpl.Paths() {
		got = append(got, p.String())
	}
	require.ElementsMatch(t, []string{"$.x", "$v1", "$$.State.Name", "$v2.f", "$v1"}, got)
	require.Equal(t, []string{"v1", "v2"}, tmpl.Variables())
}

func TestExpr(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, field, expr, want, wantErr string }{
		{"path", "CausePath", "$.name", `"x"`, ""},
		{"intrinsic", "ErrorPath", "States.Format('E-{}', $count)", `"E-3"`, ""},
		{"missing", "ErrorPath", "$.ErrorX", "",
			`The JSONPath '$.ErrorX' specified for the field 'ErrorPath' could not be found in the input '{"a":{"b":[1,2]},"name":"x","n":null}'`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, err := payload.CompileExpr(tc.field, tc.expr)
			require.NoError(t, err)
			require.Equal(t, tc.expr, e.String())
			require.NotEmpty(t, e.Paths())
			got, err := e.Eval(env(t))
			if tc.wantErr != "" {
				var f *task.Failure
				require.True(t, errors.As(err, &f))
				require.Equal(t, tc.wantErr, f.Cause)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, encode(t, got))
		})
	}
	_, err := payload.CompileExpr("CausePath", "not a path")
	require.EqualError(t, err, "The value for the field 'CausePath' must be a valid JSONPath or a valid intrinsic function call")
}

func TestTemplateIsReusable(t *testing.T) {
	t.Parallel()
	tmpl, err := payload.Compile(decode(t, `{"v.$":"$.k","fixed":{"x":1}}`))
	require.NoError(t, err)
	for i := range 3 {
		in := value.ObjectOf("k", fmt.Sprint(i))
		got, err := tmpl.Eval(payload.Env{Input: in})
		require.NoError(t, err)
		require.Equal(t, fmt.Sprintf(`{"fixed":{"x":1},"v":"%d"}`, i), encode(t, got)) // constants first (awsFieldOrder)
	}
}

func ExampleTemplate_Eval() {
	def, _ := task.Decode([]byte(`{"greeting.$":"States.Format('Hello {}', $.name)","id.$":"$$.Execution.Name","static":1}`))
	tmpl, err := payload.Compile(def)
	if err != nil {
		panic(err)
	}
	in, _ := task.Decode([]byte(`{"name":"Ann"}`))
	ctx, _ := task.Decode([]byte(`{"Execution":{"Name":"run-1"}}`))
	out, _ := tmpl.Eval(payload.Env{Input: in, Context: ctx})
	b, _ := task.Encode(out)
	fmt.Println(string(b))
	// Output: {"static":1,"greeting":"Hello Ann","id":"run-1"}
}

var sink any

func BenchmarkEval(b *testing.B) {
	tmpl, err := payload.Compile(decode(b, `{"FunctionName":"arn:aws:lambda:us-east-1:111111111111:function:f","Payload":{"id.$":"$.id","items.$":"$.items[0]","exec.$":"$$.Execution.Id","const":{"a":1}}}`))
	require.NoError(b, err)
	e := payload.Env{Input: decode(b, `{"id":7,"items":[{"a":1}]}`), Context: decode(b, `{"Execution":{"Id":"arn"}}`)}
	b.ReportAllocs()
	for b.Loop() {
		v, err := tmpl.Eval(e)
		if err != nil {
			b.Fatal(err)
		}
		sink = v
	}
}

// TestAWSFieldOrder pins the key order of template outputs to AWS's recordings: constants
// (and nested templates) in the order written, then the ".$" fields in java.util.HashMap order
// of their names. Each row is a recorded template and the order AWS recorded its output in.
func TestAWSFieldOrder(t *testing.T) {
	t.Parallel()
	ctx := decode(t, `{"Execution":{"Id":"e","Input":{}},"Map":{"Item":{"Value":"A","Index":0}}}`)
	in := decode(t, `{"Bucket":"b","Key":"k","Values":[0],"Iterations":3,"delivery-partner":"UQS","x":1}`)
	tests := []struct{ name, tmpl, want string }{
		// services-sfn and credentials cases: TaskScheduled parameters of states:startExecution.
		{"start execution", `{"StateMachineArn.$":"$.Key","Input.$":"$.x","Name.$":"$.Bucket"}`, `{"Input":1,"StateMachineArn":"k","Name":"b"}`},
		// scenarios test_map_state_lambda / test_map_state_legacy_reentrant.
		{"all dynamic", `{"Iterations.$":"States.MathAdd($.Iterations, -1)","Values.$":"$.Values"}`, `{"Values":[0],"Iterations":2}`},
		{"constant first", `{"Iterations":3,"Values.$":"States.ArrayRange(0, 3, 1)"}`, `{"Iterations":3,"Values":[0,1,2,3]}`},
		// map test_map_state_item_selector_singleton (and the legacy Parameters cases).
		{"item selector", `{"original_input.$":"$.x","iteration_input_value.$":"$$.Map.Item.Value","iteration_index.$":"$$.Map.Item.Index","from_input_constant.$":"$.delivery-partner","constant_value":"HelloWorld"}`,
			`{"constant_value":"HelloWorld","iteration_input_value":"A","from_input_constant":"UQS","iteration_index":0,"original_input":1}`},
		// map VALID_ITEMS_PATH_FROM_PREVIOUS: a constant array before the paths.
		{"constant array first", `{"Bucket.$":"$.Bucket","Key.$":"$.Key","from_previous":["x"]}`, `{"from_previous":["x"],"Bucket":"b","Key":"k"}`},
		// variables BASE_REFERENCE_IN_INTRINSIC_FUNCTION: nested templates keep their place,
		// their own ".$" fields are reordered.
		{"nested", `{"encodingOps":{"encoded.$":"States.Base64Encode('a')","decoded.$":"States.Base64Decode('YQ==')"},"hashOps":{"h.$":"$.x"}}`,
			`{"encodingOps":{"decoded":"a","encoded":"YQ=="},"hashOps":{"h":1}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tmpl, err := payload.Compile(decode(t, tc.tmpl))
			require.NoError(t, err)
			got, err := tmpl.Eval(payload.Env{Input: in, Context: ctx})
			require.NoError(t, err)
			require.Equal(t, tc.want, encode(t, got))
		})
	}
}
