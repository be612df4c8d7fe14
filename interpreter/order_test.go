package interpreter

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// TestKeyOrder checks AWS's key order end to end, on the output text: Result keeps the
// definition's order, ResultPath appends a new key and replaces one in place, templates put
// their constants first and their ".$" fields in HashMap order (payload.awsFieldOrder, from the
// recordings), States.JsonToString keeps order, States.JsonMerge gives HashMap order (as
// recorded), JSONata constructors keep theirs, and a Task's parameters reach the integration in
// the template's order.
func TestKeyOrder(t *testing.T) {
	t.Parallel()
	var seen []byte
	tasks := task.Registry{"svc": task.HandlerFunc(func(_ context.Context, r *task.Request) (any, error) {
		seen, _ = task.Encode(r.Parameters)
		return r.Parameters, nil
	})}
	tests := []struct{ name, def, input, want string }{
		{"Result and ResultPath append", `{"StartAt":"P","States":{"P":{"Type":"Pass",
			"Result":{"zeta":1,"alpha":{"y":2,"b":3}},"ResultPath":"$.res","End":true}}}`,
			`{"z":0,"a":0}`, `{"z":0,"a":0,"res":{"zeta":1,"alpha":{"y":2,"b":3}}}`},
		{"ResultPath replaces in place", `{"StartAt":"P","States":{"P":{"Type":"Pass",
			"Result":"new","ResultPath":"$.m","End":true}}}`,
			`{"z":0,"m":1,"a":0}`, `{"z":0,"m":"new","a":0}`},
		{"templates and intrinsics", `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{
			"z.$":"$.res","s.$":"States.JsonToString($.res)","m.$":"States.JsonMerge($.res, $.extra, false)","a":1},"End":true}}}`,
			`{"extra":{"alpha":0,"new":1},"res":{"zeta":1,"alpha":{"y":2,"b":3}}}`,
			`{"a":1,"s":"{\"zeta\":1,\"alpha\":{\"y\":2,\"b\":3}}","z":{"zeta":1,"alpha":{"y":2,"b":3}},"m":{"zeta":1,"new":1,"alpha":0}}`},
		{"JSONata constructor", `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass",
			"Output":{"k":"{% {'zeta': 1, 'alpha': $states.input.o} %}","b":"{% $merge([$states.input.o, {'new': 1, 'y': 0}]) %}"},"End":true}}}`,
			`{"o":{"y":true,"b":null}}`, `{"k":{"zeta":1,"alpha":{"y":true,"b":null}},"b":{"y":0,"b":null,"new":1}}`},
		{"Task parameters", `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::svc:call",
			"Parameters":{"zeta.$":"$.o","alpha":1},"End":true}}}`,
			`{"o":{"y":true,"b":null}}`, `{"alpha":1,"zeta":{"y":true,"b":null}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := instantEngine(t, tasks)
			x := start(t, e, tc.def, tc.input)
			wait(t, x)
			require.Equal(t, StatusSucceeded, x.Status())
			out, _ := x.Output()
			require.Equal(t, tc.want, out)
		})
	}
	require.Equal(t, `{"alpha":1,"zeta":{"y":true,"b":null}}`, string(seen), "the integration sees the template's order")
}
