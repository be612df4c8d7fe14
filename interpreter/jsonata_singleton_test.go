package interpreter

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestJSONataSingletonSequences pins how JSONata's sequences reach the fields AWS evaluates.
// The rules and where each comes from:
//   - A path yields a sequence; a sequence of one value is that value, of none is undefined
//     (jsonata docs "Path Operators"/"Sequences"; jsonata-suite groups flattening, e.g.
//     case000-case036). A path ending at an array value yields the array itself.
//   - "[]" on a step keeps a singleton sequence an array (jsonata docs "Predicate queries":
//     keepSingletonArray; jsonata-suite flattening case037/case038/case041).
//   - An array constructor always makes an array (jsonata-suite array-constructor;
//     conformance map test_map_state_items_eval_jsonata[singleton]: Items "{% [0] %}" runs one
//     iteration).
//   - $map of a one-item array collapses like a path (jsonata docs $map: "If the input
//     argument is an array with 1 element, returns the single result").
//   - AWS's functions return arrays that are not sequences, so one-item results stay arrays:
//     conformance jsonata test_array_partition_exec0 ([[0]]) and exec13 ([[0,1,2]]); and an
//     array parameter given a single value gets it wrapped, as JSONata's signature "a" does.
//   - Every field sees the collapsed value: Items then fails unless it is an array
//     (conformance map test_map_state_items_eval_jsonata_fail[*]), Assign stores it, a numeric
//     field needs a number, Condition a boolean.
func TestJSONataSingletonSequences(t *testing.T) {
	t.Parallel()
	const input = `{"orders":[{"id":1}],"many":[{"id":1},{"id":2}],"nested":[[1,2]],"flags":[true],"waits":[5],"s":"a,b"}`
	pass := func(expr string) string {
		return `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% ` + strings.ReplaceAll(expr, `"`, `\"`) + ` %}","End":true}}}`
	}
	tests := []struct {
		name, def, want, wantCauseSub string
	}{
		{"path to one value of an array of objects", pass(`$states.input.orders.id`), `1`, ""},
		{"path to several values", pass(`$states.input.many.id`), `[1,2]`, ""},
		{"path ending at an array value", pass(`$states.input.orders`), `[{"id":1}]`, ""},
		{"index into an array", pass(`$states.input.orders[0]`), `{"id":1}`, ""},
		{"index into an array of arrays", pass(`$states.input.nested[0]`), `[1,2]`, ""},
		{"filter matching one", pass(`$states.input.many[id=2]`), `{"id":2}`, ""},
		{"keep singleton array", pass(`$states.input.orders.id[]`), `[1]`, ""},
		{"keep singleton array on a filter", pass(`$states.input.many[id=2][]`), `[{"id":2}]`, ""},
		{"array constructor", pass(`[$states.input.orders.id]`), `[1]`, ""},
		{"literal singleton array", pass(`[0]`), `[0]`, ""},
		{"map of one item collapses", pass(`$map([2], function($v){$v*2})`), `4`, ""},
		{"filter function of one item collapses", pass(`$filter($states.input.many, function($v){$v.id=1})`), `{"id":1}`, ""},
		{"keys of a one-key object", pass(`$keys({'a':1})`), `"a"`, ""},
		{"split keeps its array", pass(`$split('a', ',')`), `["a"]`, ""},
		{"partition of a singleton array", pass(`$partition([0], 1)`), `[[0]]`, ""},
		{"partition into one chunk", pass(`$partition([0,1,2], 4)`), `[[0,1,2]]`, ""},
		{"partition of a singleton sequence", pass(`$partition($states.input.orders.id, 1)`), `[[1]]`, ""},
		{"range of one number", pass(`$range(1, 1)`), `[1]`, ""},
		{"range of one number with a step", pass(`$range(0, 2, 5)`), `[0]`, ""},
		{"parse of a one-item array", pass(`$parse('[1]')`), `[1]`, ""},
		{"hash of a path to one string", pass(`$hash($states.input.s, 'MD5')`), `"b345e1dc09f20fdefdea469f09167892"`, ""},
		{"path to nothing", pass(`$states.input.orders.nope`), "", "returned nothing (undefined)"},
		{"items from a path to one value", `{"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map","Items":"{% $states.input.orders.id %}","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`,
			"", "Expected 'array', but was 'number' for value: 1"},
		{"items kept an array", `{"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map","Items":"{% $states.input.orders.id[] %}","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`,
			`[1]`, ""},
		{"items of an array value", `{"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map","Items":"{% $states.input.orders %}","ItemSelector":{"v":"{% $states.context.Map.Item.Value.id %}"},"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`,
			`[{"v":1}]`, ""},
		{"assign stores the collapsed value", `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"v":"{% $states.input.orders.id %}","w":"{% $states.input.orders.id[] %}"},"Next":"B"},"B":{"Type":"Pass","Output":{"v":"{% $v %}","w":"{% $w %}"},"End":true}}}`,
			`{"v":1,"w":[1]}`, ""},
		{"condition of a singleton boolean", `{"QueryLanguage":"JSONata","StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Condition":"{% $states.input.flags[0] %}","Next":"Y"}],"Default":"N"},"Y":{"Type":"Pass","Output":"yes","End":true},"N":{"Type":"Pass","Output":"no","End":true}}}`,
			`"yes"`, ""},
		{"condition of a one-boolean array", `{"QueryLanguage":"JSONata","StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Condition":"{% $states.input.flags %}","Next":"Y"}],"Default":"N"},"Y":{"Type":"Pass","End":true},"N":{"Type":"Pass","End":true}}}`,
			"", "Expected 'boolean', but was 'array'"},
		{"numeric field from a path to one number", `{"QueryLanguage":"JSONata","StartAt":"W","States":{"W":{"Type":"Wait","Seconds":"{% $states.input.waits[0] %}","Next":"P"},"P":{"Type":"Pass","Output":"waited","End":true}}}`,
			`"waited"`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			x := start(t, instantEngine(t, nil), tc.def, input)
			wait(t, x)
			if tc.wantCauseSub != "" {
				require.Equal(t, StatusFailed, x.Status())
				got, _ := x.Error()
				require.Equal(t, errQueryEvaluation, got)
				cause, _ := x.Cause()
				require.Contains(t, cause, tc.wantCauseSub)
				return
			}
			require.Equal(t, StatusSucceeded, x.Status())
			out, ok := x.Output()
			require.True(t, ok)
			require.JSONEq(t, tc.want, out)
		})
	}
}
