package interpreter

import (
	"context"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/sfnlocal/sfnlocal/internal/value"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

func TestJSONataDefinitionDiagnostics(t *testing.T) {
	t.Parallel()
	pass := func(fields string) string {
		return `{"QueryLanguage":"JSONata","StartAt":"S","States":{"S":{"Type":"Pass",` + fields + `"End":true}}}`
	}
	tests := []struct {
		name     string
		def      string
		wantCode string
		wantLoc  string
		wantMsg  string // substring
	}{
		{name: "valid", def: pass(`"Output":{"a":"{% $states.input.x %}","b":[1,"{% $v %}"]},"Assign":{"v":"{% 1 %}"},`)},
		{name: "syntax error", def: pass(`"Output":"{% 1 + %}",`), wantCode: CodeInvalidJSONata, wantLoc: "/States/S/Output", wantMsg: "Unexpected end of expression"},
		{name: "nested syntax error", def: pass(`"Output":{"v":["{% a[1,2) %}"]},`), wantCode: CodeInvalidJSONata, wantLoc: "/States/S/Output/v[0]", wantMsg: `Expected "]", got ","`},
		// messages AWS reports for INVALID_JSONATA_EXPRESSION (third-party measurement, floci issue #2745)
		{name: "unterminated string", def: pass(`"Output":"{% \"unterminated %}",`), wantCode: CodeInvalidJSONata, wantLoc: "/States/S/Output", wantMsg: "String literal must be terminated by a matching quote"},
		{name: "unary symbol", def: pass(`"Output":"{% {\"a\":} %}",`), wantCode: CodeInvalidJSONata, wantLoc: "/States/S/Output", wantMsg: `The symbol "}" cannot be used as a unary operator`},
		{name: "unterminated regex", def: pass(`"Output":"{% $match(\"a\", /abc %}",`), wantCode: CodeInvalidJSONata, wantLoc: "/States/S/Output", wantMsg: "No terminating / in regular expression"},
		{name: "result in pass output", def: pass(`"Output":"{% $states.result %}",`), wantCode: CodeUnsupportedJSONata, wantLoc: "/States/S/Output", wantMsg: "$states.result"},
		{name: "error output outside catch", def: pass(`"Assign":{"e":"{% $states.errorOutput %}"},`), wantCode: CodeUnsupportedJSONata, wantLoc: "/States/S/Assign", wantMsg: "$states.errorOutput"},
		{name: "jsonpath field in jsonata state", def: pass(`"InputPath":"$.a",`), wantCode: CodeSchema, wantLoc: "/States/S", wantMsg: "The QueryLanguage is set to 'JSONata', but field 'InputPath' is only supported for the 'JSONPath' QueryLanguage"},
		{name: "jsonata field in jsonpath state", def: `{"StartAt":"S","States":{"S":{"Type":"Pass","Output":1,"End":true}}}`, wantCode: CodeSchema, wantLoc: "/States/S",
			wantMsg: "The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' QueryLanguage"},
		{name: "reserved variable name", def: pass(`"Assign":{"states":1},`), wantCode: CodeSchema, wantLoc: "/States/S/Assign", wantMsg: "'states' is invalid"},
		{name: "bad variable name jsonpath", def: `{"StartAt":"S","States":{"S":{"Type":"Pass","Assign":{"1x.$":"$"},"End":true}}}`, wantCode: CodeSchema, wantLoc: "/States/S/Assign", wantMsg: "'1x' is invalid"},
		{name: "result in task output is fine", def: `{"QueryLanguage":"JSONata","StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Arguments":{"FunctionName":"f"},"Output":"{% $states.result.Payload %}","Catch":[{"ErrorEquals":["States.ALL"],"Output":"{% $states.errorOutput %}","Next":"F"}],"End":true},"F":{"Type":"Fail"}}}`},
		{name: "result in arguments", def: `{"QueryLanguage":"JSONata","StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Arguments":"{% $states.result %}","End":true}}}`,
			wantCode: CodeUnsupportedJSONata, wantLoc: "/States/T/Arguments", wantMsg: "$states.result"},
		{name: "top level reference", def: pass(`"Output":{"v":"{% phone.number %}"},`), wantCode: CodeUnsupportedJSONata, wantLoc: "/States/S/Output/v",
			wantMsg: "Reference to 'phone' at the top level is not supported."},
		{name: "keywords and functions are not references", def: pass(`"Output":["{% true and $states.input.a %}","{% null %}","{% function($x){$x}($states.input) %}","{% 1e3 %}"],`)},
		{name: "choice condition syntax", def: `{"QueryLanguage":"JSONata","StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Condition":"{% ( %}","Next":"S"}]},"S":{"Type":"Succeed"}}}`,
			wantCode: CodeInvalidJSONata, wantLoc: "/States/C/Choices[0]/Condition"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			diags := Validate(tc.def)
			if tc.wantCode == "" {
				require.Empty(t, diags)
				_, err := Parse(tc.def)
				require.NoError(t, err)
				return
			}
			require.NotEmpty(t, diags)
			found := false
			for _, d := range diags {
				if d.Code == tc.wantCode && d.Location == tc.wantLoc && strings.Contains(d.Message, tc.wantMsg) {
					found = true
				}
			}
			require.True(t, found, "want %s at %s containing %q; got %+v", tc.wantCode, tc.wantLoc, tc.wantMsg, diags)
		})
	}
}

func TestJSONataExecutions(t *testing.T) {
	t.Parallel()
	echo := task.HandlerFunc(func(_ context.Context, req *task.Request) (any, error) { return req.Parameters, nil })
	fail := task.HandlerFunc(func(_ context.Context, req *task.Request) (any, error) {
		return nil, &task.Failure{Name: "Boom", Cause: "it broke"}
	})
	tests := []struct {
		name       string
		def        string
		input      string
		tasks      task.Registry
		wantStatus string
		wantOutput string
		wantError  string
		wantCause  string
		wantTypes  []string
	}{
		{name: "output numbers keep integers", def: `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":{"sum":"{% $sum($states.input.n) %}","half":"{% 1/2 %}","big":"{% 1e21 %}","tiny":"{% 1e-7 %}"},"End":true}}}`,
			input: `{"n":[1,2,3]}`, wantStatus: StatusSucceeded, wantOutput: `{"big":1e+21,"half":0.5,"sum":6,"tiny":1e-7}`},
		{name: "assign then read in next state", def: `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"x":"{% $states.input.v %}","y":"{% $x %}"},"Output":"{% $x %}","Next":"B"},"B":{"Type":"Pass","Output":{"x":"{% $x %}"},"End":true}}}`,
			input: `{"v":7}`, wantStatus: StatusFailed, wantError: errQueryEvaluation,
			wantCause: "An error occurred while executing the state 'A' (entered at the event id #2). The JSONata expression '$x' specified for the field 'Assign/y' returned nothing (undefined)."},
		{name: "assign visible after the state", def: `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"x":"{% $states.input.v %}"},"Next":"B"},"B":{"Type":"Pass","Output":{"x":"{% $x %}"},"End":true}}}`,
			input: `{"v":7}`, wantStatus: StatusSucceeded, wantOutput: `{"x":7}`},
		{name: "task arguments output and catch", tasks: task.Registry{"lambda": fail},
			def:   `{"QueryLanguage":"JSONata","StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Arguments":{"FunctionName":"f"},"Catch":[{"ErrorEquals":["States.ALL"],"Assign":{"err":"{% $states.errorOutput.Error %}"},"Output":{"in":"{% $states.input %}","e":"{% $states.errorOutput %}"},"Next":"N"}],"End":true},"N":{"Type":"Pass","Output":{"err":"{% $err %}","prev":"{% $states.input.e.Cause %}"},"End":true}}}`,
			input: `{"a":1}`, wantStatus: StatusSucceeded, wantOutput: `{"err":"Boom","prev":"it broke"}`},
		{name: "task result output", tasks: task.Registry{"lambda": echo},
			def:   `{"QueryLanguage":"JSONata","StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Arguments":{"FunctionName":"f","Payload":"{% $states.input %}"},"Output":"{% $states.result.Payload.a + 1 %}","End":true}}}`,
			input: `{"a":1}`, wantStatus: StatusSucceeded, wantOutput: `2`},
		{name: "choice condition must be boolean", def: `{"QueryLanguage":"JSONata","StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Condition":"{% 1 %}","Next":"S"}],"Default":"S"},"S":{"Type":"Succeed"}}}`,
			wantStatus: StatusFailed, wantError: errQueryEvaluation,
			wantCause: "An error occurred while executing the state 'C' (entered at the event id #2). The JSONata expression '1' specified for the field 'Condition' returned an unexpected result type. Expected 'boolean', but was 'number' for value: 1"},
		{name: "choice rule output and assign", def: `{"QueryLanguage":"JSONata","StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Condition":"{% $states.input.a > 0 %}","Assign":{"r":"pos"},"Output":{"got":"{% $states.input.a %}"},"Next":"S"}],"Default":"S"},"S":{"Type":"Succeed","Output":{"r":"{% $r %}","in":"{% $states.input %}"}}}}`,
			input: `{"a":3}`, wantStatus: StatusSucceeded, wantOutput: `{"in":{"got":3},"r":"pos"}`},
		{name: "fail error and cause expressions", def: `{"QueryLanguage":"JSONata","StartAt":"F","States":{"F":{"Type":"Fail","Error":"{% 'E' & $states.input.n %}","Cause":"{% $string($states.input) %}"}}}`,
			input: `{"n":1}`, wantStatus: StatusFailed, wantError: "E1", wantCause: `{"n":1}`},
		{name: "map items selector and concurrency", def: `{"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map","Items":"{% $states.input.xs %}","MaxConcurrency":"{% 1 %}","ItemSelector":{"i":"{% $states.context.Map.Item.Index %}","v":"{% $states.context.Map.Item.Value * 10 %}"},"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"Output":"{% $states.result.v %}","End":true}}}`,
			input: `{"xs":[1,2]}`, wantStatus: StatusSucceeded, wantOutput: `[10,20]`},
		{name: "parallel arguments and result", def: `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Parallel","Arguments":{"x":"{% $states.input.x %}"},"Branches":[{"StartAt":"A","States":{"A":{"Type":"Pass","Output":"{% $states.input.x %}","End":true}}}],"Output":"{% $states.result[0] %}","End":true}}}`,
			input: `{"x":"y"}`, wantStatus: StatusSucceeded, wantOutput: `"y"`},
		{name: "wait seconds expression", def: `{"QueryLanguage":"JSONata","StartAt":"W","States":{"W":{"Type":"Wait","Seconds":"{% $states.input.s %}","End":true}}}`,
			input: `{"s":5}`, wantStatus: StatusSucceeded, wantOutput: `{"s":5}`},
		{name: "wait seconds not integer", def: `{"QueryLanguage":"JSONata","StartAt":"W","States":{"W":{"Type":"Wait","Seconds":"{% 'x' %}","End":true}}}`,
			wantStatus: StatusFailed, wantError: errQueryEvaluation,
			wantTypes: []string{"ExecutionStarted", "WaitStateEntered", "EvaluationFailed", "ExecutionFailed"}},
		{name: "function result is unsupported", def: `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% function($x){$x} %}","End":true}}}`,
			wantStatus: StatusFailed, wantError: errQueryEvaluation,
			wantCause: "An error occurred while executing the state 'P' (entered at the event id #2). The JSONata expression 'function($x){$x}' specified for the field 'Output' returned an unsupported result type."},
		{name: "built-in function result is unsupported", def: `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":{"f":"{% $sum %}"},"End":true}}}`,
			wantStatus: StatusFailed, wantError: errQueryEvaluation,
			wantCause: "An error occurred while executing the state 'P' (entered at the event id #2). The JSONata expression '$sum' specified for the field 'Output/f' returned an unsupported result type."},
		{name: "partial application result is unsupported", def: `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Assign":{"f":"{% $partition(?, 2) %}"},"End":true}}}`,
			wantStatus: StatusFailed, wantError: errQueryEvaluation,
			wantCause: "An error occurred while executing the state 'P' (entered at the event id #2). The JSONata expression '$partition(?, 2)' specified for the field 'Assign/f' returned an unsupported result type."},
		{name: "aws function as a value", def: `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% ($p := $partition; [[1,2,3]] ~> $map(function($a){$p($a, 2)})) %}","End":true}}}`,
			wantStatus: StatusSucceeded, wantOutput: `[[1,2],[3]]`},
		{name: "type error message quotes its inserts", def: `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $sum('x') %}","End":true}}}`,
			wantStatus: StatusFailed, wantError: errQueryEvaluation,
			wantCause: "An error occurred while executing the state 'P' (entered at the event id #2). The JSONata expression '$sum('x')' specified for the field 'Output' threw an error during evaluation. T0412: Argument 1 of function \"sum\" must be an array of \"numbers\""},
		{name: "empty string is a string", def: `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% '' %}","End":true}}}`,
			wantStatus: StatusSucceeded, wantOutput: `""`},
		{name: "eval is hidden", def: `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $eval('1') %}","End":true}}}`,
			wantStatus: StatusFailed, wantError: errQueryEvaluation,
			wantCause: "An error occurred while executing the state 'P' (entered at the event id #2). The JSONata expression '$eval('1')' specified for the field 'Output' threw an error during evaluation. T1006: Attempted to invoke a non-function"},
		{name: "aws functions", def: `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":{"p":"{% $partition([1,2,3],2) %}","r":"{% $range(0,10,5) %}","h":"{% $hash('a','MD5') %}","j":"{% $parse('{\"a\":[1]}') %}","s":"{% $random(7) = $random(7) %}"},"End":true}}}`,
			wantStatus: StatusSucceeded, wantOutput: `{"h":"0cc175b9c0f1b6a831c399e269772661","j":{"a":[1]},"p":[[1,2],[3]],"r":[0,5,10],"s":true}`},
		{name: "mixed query languages share variables", def: `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"v.$":"$.x"},"Next":"B"},"B":{"Type":"Pass","QueryLanguage":"JSONata","Assign":{"w":"{% $v * 2 %}"},"Next":"C"},"C":{"Type":"Pass","Parameters":{"w.$":"$w"},"End":true}}}`,
			input: `{"x":4}`, wantStatus: StatusSucceeded, wantOutput: `{"w":8}`},
		{name: "distributed map cannot read outer variables", def: `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"v":1},"Next":"M"},"M":{"Type":"Map","Items":[1],"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $v %}","End":true}}},"End":true}}}`,
			wantStatus: StatusFailed, wantError: errQueryEvaluation},
		{name: "variable over the size limit", def: `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"v":"{% $pad('', 300000, 'x') %}"},"End":true}}}`,
			wantStatus: StatusFailed, wantError: errDataLimit},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := instantEngine(t, tc.tasks)
			in := tc.input
			if in == "" {
				in = "{}"
			}
			x := start(t, e, tc.def, in)
			wait(t, x)
			require.Equal(t, tc.wantStatus, x.Status())
			if tc.wantOutput != "" {
				out, ok := x.Output()
				require.True(t, ok)
				require.JSONEq(t, tc.wantOutput, out)
			}
			if tc.wantError != "" {
				got, _ := x.Error()
				require.Equal(t, tc.wantError, got)
			}
			if tc.wantCause != "" {
				got, _ := x.Cause()
				require.Equal(t, tc.wantCause, got)
			}
			if tc.wantTypes != nil {
				require.Equal(t, tc.wantTypes, types(x))
			}
		})
	}
}

// TestEvaluationFailedEvent checks the event AWS records before a JSONata failure.
func TestEvaluationFailedEvent(t *testing.T) {
	t.Parallel()
	e := instantEngine(t, nil)
	x := start(t, e, `{"QueryLanguage":"JSONata","StartAt":"S0","States":{"S0":{"Type":"Pass","Output":{"result":"{% $nope %}"},"End":true}}}`, `{}`)
	wait(t, x)
	h := x.History()
	require.Len(t, h, 4)
	data, err := json.Marshal(h[2])
	require.NoError(t, err)
	var ev map[string]any
	require.NoError(t, json.Unmarshal(data, &ev))
	require.Equal(t, "EvaluationFailed", ev["type"])
	require.EqualValues(t, 0, ev["previousEventId"])
	require.Equal(t, map[string]any{
		"error":    "States.QueryEvaluationError",
		"cause":    "An error occurred while executing the state 'S0' (entered at the event id #2). The JSONata expression '$nope' specified for the field 'Output/result' returned nothing (undefined).",
		"location": "Output/result",
		"state":    "S0",
	}, ev["evaluationFailedEventDetails"])
}

func TestJSONataVariableReferences(t *testing.T) {
	t.Parallel()
	sm, err := Parse(`{"QueryLanguage":"JSONata","StartAt":"A","States":{
		"A":{"Type":"Pass","Assign":{"x":1,"y":"{% $states.input %}"},"Next":"B"},
		"B":{"Type":"Pass","Output":{"a":"{% $x + $y.n %}","f":"{% ($f := function($p){$p}; $f($x)) %}","s":"{% '$notvar' %}"},"Next":"C"},
		"C":{"Type":"Choice","Choices":[{"Condition":"{% $z = 1 %}","Next":"D"}],"Default":"D"},
		"D":{"Type":"Succeed"}}}`)
	require.NoError(t, err)
	refs := sm.VariableReferences()
	require.ElementsMatch(t, []string{"x", "y"}, refs["B"])
	require.Equal(t, []string{"z"}, refs["C"])
	require.NotContains(t, refs, "A")
}

func TestFormatNumber(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"}, {7, "7"}, {-3, "-3"}, {0.1, "0.1"}, {1.5e-7, "1.5e-7"}, {1e21, "1e+21"},
		{123456789012, "123456789012"}, {0.000001, "0.000001"}, {math.MaxFloat64, "1.7976931348623157e+308"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, formatNumber(tc.in))
		})
	}
}

func TestScanVars(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src  string
		vars []string
	}{
		{src: "$states.input.a + $x", vars: []string{"x"}},
		{src: "$sum($a) & '$b' & \"$c\"", vars: []string{"a"}},
		{src: "($f := function($p, $q){$p + $q + $r}; $f(1, 2))", vars: []string{"r"}},
		{src: "/* $c */ $d", vars: []string{"d"}},
		{src: "/* unterminated $c", vars: nil},
		{src: "$$.a", vars: nil},
	}
	for _, tc := range tests {
		t.Run(tc.src, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.vars, scanVars(tc.src))
		})
	}
}

// jsonataFrame is a frame with a Context object, for evaluating nodes directly.
func jsonataFrame() *frame {
	x := &Execution{
		execCx: value.ObjectOf("Id", "arn:aws:states:us-east-1:123456789012:execution:sm:run", "Name", "run"),
		smCx:   value.ObjectOf("Id", "arn:aws:states:us-east-1:123456789012:stateMachine:sm", "Name", "sm"),
	}
	return &frame{x: x, clk: clock.NewFake(epoch), vars: &scope{vars: map[string]any{"limit": json.Number("10")}}}
}

// BenchmarkJSONataArguments measures a typical small Arguments evaluation: three expressions
// over the state input, a variable and the Context object, plus constants.
func BenchmarkJSONataArguments(b *testing.B) {
	n, err := compileJSONataValue(map[string]any{
		"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:f",
		"Payload": map[string]any{
			"id":    "{% $states.input.order.id %}",
			"total": "{% $states.input.order.qty * $states.input.order.price %}",
			"limit": "{% $limit %}",
			"name":  "{% $states.context.Execution.Name %}",
		},
	}, "Arguments")
	if err != nil {
		b.Fatal(err)
	}
	input, err := task.Decode([]byte(`{"order":{"id":"o-1","qty":3,"price":2.5}}`))
	if err != nil {
		b.Fatal(err)
	}
	f := jsonataFrame()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, qe := n.eval(f.newJEnv(input)); qe != nil {
			b.Fatal(qe.msg)
		}
	}
}

// BenchmarkJSONataOutput measures a one-expression Output over a Task result.
func BenchmarkJSONataOutput(b *testing.B) {
	n, err := compileJSONataValue("{% $states.result.Payload %}", "Output")
	if err != nil {
		b.Fatal(err)
	}
	result, err := task.Decode([]byte(`{"StatusCode":200,"Payload":{"ok":true,"n":1}}`))
	if err != nil {
		b.Fatal(err)
	}
	f := jsonataFrame()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, qe := n.eval(f.newJEnv(nil).with("result", result)); qe != nil {
			b.Fatal(qe.msg)
		}
	}
}

// TestPlainPathMatchesEngine checks that plain paths looked up without the engine give what
// the engine gives, numbers included.
func TestPlainPathMatchesEngine(t *testing.T) {
	t.Parallel()
	input, err := task.Decode([]byte(`{"a":{"b":1.0,"c":[1,2.50,{"d":1e2}],"e":null,"f":"s","g":true,"h":{"i":-0,"j":[]},"k":[7]},"n":12345678901234567890}`))
	require.NoError(t, err)
	srcs := []string{
		"$states.input", "$states.input.a", "$states.input.a.b", "$states.input.a.c", "$states.input.a.e",
		"$states.input.a.f", "$states.input.a.g", "$states.input.a.h", "$states.input.a.k", "$states.input.n",
		"$states.input.a.missing", "$states.input.a.f.x", "$v", "$v.b", "$nope", "$states.context.State.Name",
	}
	for _, src := range srcs {
		t.Run(src, func(t *testing.T) {
			t.Parallel()
			fast, err := compileExpr("{% " + src + " %}")
			require.Nil(t, err)
			require.NotNil(t, fast.path, "not a plain path")
			slow, err := compileExpr("{% " + src + " %}")
			require.Nil(t, err)
			slow.path = nil
			f := jsonataFrame()
			av, _ := input.(*value.Object).Get("a")
			f.vars.set("v", av)
			f.st = &state{name: "S", typ: "Pass"}
			gotFast, qeFast := fast.eval(f.newJEnv(input), "Output")
			gotSlow, qeSlow := slow.eval(f.newJEnv(input), "Output")
			require.Equal(t, qeSlow, qeFast)
			a, encErr := EncodeValue(gotFast)
			require.NoError(t, encErr)
			b, encErr := EncodeValue(gotSlow)
			require.NoError(t, encErr)
			require.JSONEq(t, b, a)
		})
	}
}

// BenchmarkJSONataPassTransitions measures whole transitions of JSONata Pass states that
// each assign a variable and compute their Output with the engine.
func BenchmarkJSONataPassTransitions(b *testing.B) {
	const states = 200
	var sb strings.Builder
	sb.WriteString(`{"QueryLanguage":"JSONata","StartAt":"S0","States":{`)
	for i := 0; i < states; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		next := `"End":true`
		if i < states-1 {
			next = `"Next":"S` + strconv.Itoa(i+1) + `"`
		}
		sb.WriteString(`"S` + strconv.Itoa(i) + `":{"Type":"Pass","Assign":{"n":"{% $states.input.n %}"},"Output":{"n":"{% $states.input.n + 1 %}"},` + next + `}`)
	}
	sb.WriteString(`}}`)
	sm, err := Parse(sb.String())
	if err != nil {
		b.Fatal(err)
	}
	e := benchEngine()
	defer e.Close()
	b.ReportAllocs()
	b.ResetTimer()
	transitions := 0
	for transitions < b.N {
		runToEnd(b, e, sm, `{"n":0}`)
		transitions += states
	}
	b.ReportMetric(float64(transitions)/b.Elapsed().Seconds(), "transitions/s")
}

// BenchmarkJSONataAWSFunction measures an Output expression that calls an AWS function
// ($partition), whose signature the shared function library parsed once.
func BenchmarkJSONataAWSFunction(b *testing.B) {
	n, err := compileJSONataValue("{% $partition($states.input.xs, 2) %}", "Output")
	if err != nil {
		b.Fatal(err)
	}
	input, err := task.Decode([]byte(`{"xs":[1,2,3]}`))
	if err != nil {
		b.Fatal(err)
	}
	f := jsonataFrame()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, qe := n.eval(f.newJEnv(input)); qe != nil {
			b.Fatal(qe.msg)
		}
	}
}
