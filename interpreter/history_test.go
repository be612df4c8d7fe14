package interpreter

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// TestHistoryGolden pins the exact GetExecutionHistory wire form of a few executions
// (go test -run TestHistoryGolden -update rewrites testdata/history/*.golden).
func TestHistoryGolden(t *testing.T) {
	t.Parallel()
	failing := task.HandlerFunc(func(_ context.Context, r *task.Request) (any, error) {
		return nil, &task.Failure{Name: "Svc.Error", Cause: "it <broke> & stayed broken"}
	})
	tests := []struct {
		name  string
		def   string
		input string
		tasks task.Registry
	}{
		{name: "pass_choice_wait", input: `{"n":3,"when":"2024-01-02T03:04:10Z"}`, def: `{"StartAt":"P","States":{
			"P":{"Type":"Pass","Parameters":{"n.$":"$.n","when.$":"$.when"},"Next":"C"},
			"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":2,"Next":"W"}],"Default":"S"},
			"W":{"Type":"Wait","TimestampPath":"$.when","Next":"S"},
			"S":{"Type":"Succeed"}}}`},
		{name: "task_retry_catch", input: `{}`, tasks: task.Registry{"svc": failing}, def: `{"StartAt":"T","States":{
			"T":{"Type":"Task","Resource":"arn:aws:states:::svc:doIt","TimeoutSeconds":30,
				"Retry":[{"ErrorEquals":["Svc.Error"],"MaxAttempts":1,"IntervalSeconds":3}],
				"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"F"}],"End":true},
			"F":{"Type":"Fail","ErrorPath":"$.error.Error","CausePath":"$.error.Cause"}}}`},
		{name: "map_parallel", input: `{"items":[1,2]}`, def: `{"StartAt":"M","States":{
			"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":1,"ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"ResultPath":"$.out","Next":"P"},
			"P":{"Type":"Parallel","Branches":[{"StartAt":"A","States":{"A":{"Type":"Pass","Result":"a","End":true}}},{"StartAt":"B","States":{"B":{"Type":"Pass","Result":"b","End":true}}}],"End":true}}}`},
		{name: "jsonata_variables", input: `{"items":[1,2],"n":1.50}`, tasks: task.Registry{"svc": failing}, def: `{"QueryLanguage":"JSONata","StartAt":"A","States":{
			"A":{"Type":"Pass","Assign":{"total":"{% $sum($states.input.items) * $states.input.n %}","seen":[]},"Output":"{% $states.input.items %}","Next":"M"},
			"M":{"Type":"Map","MaxConcurrency":1,"ItemSelector":{"v":"{% $states.context.Map.Item.Value %}","t":"{% $total %}"},
				"ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","Assign":{"inner":"{% $states.input.v %}"},"End":true}}},
				"Assign":{"count":"{% $count($states.result) %}"},"Output":{"r":"{% $states.result %}"},"Next":"T"},
			"T":{"Type":"Task","Resource":"arn:aws:states:::svc:doIt","Arguments":{"c":"{% $count %}"},
				"Catch":[{"ErrorEquals":["States.ALL"],"Assign":{"err":"{% $states.errorOutput.Error %}"},"Output":"{% $states.errorOutput %}","Next":"F"}],"End":true},
			"F":{"Type":"Fail","Error":"{% $err %}","Cause":"{% $string($count) %}"}}}`},
		{name: "jsonata_evaluation_failed", input: `{"xs":"nope"}`, def: `{"QueryLanguage":"JSONata","StartAt":"M","States":{
			"M":{"Type":"Map","Items":"{% $states.input.xs %}","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"End":true}}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := instantEngine(t, tc.tasks)
			x := start(t, e, tc.def, tc.input)
			wait(t, x)
			var pretty bytes.Buffer
			enc := json.NewEncoder(&pretty)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			require.NoError(t, enc.Encode(x.History()))
			pretty.Truncate(pretty.Len() - 1)
			golden := filepath.Join("testdata", "history", tc.name+".golden")
			if *update {
				require.NoError(t, os.WriteFile(golden, append(pretty.Bytes(), '\n'), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			require.Equal(t, string(bytes.TrimSpace(want)), pretty.String())

			// The compact form of a finished execution answers the same history.
			compact, err := x.CompactHistory()
			require.NoError(t, err)
			back, err := DecodeHistory(compact)
			require.NoError(t, err)
			var again bytes.Buffer
			enc = json.NewEncoder(&again)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			require.NoError(t, enc.Encode(back))
			again.Truncate(again.Len() - 1)
			require.Equal(t, pretty.String(), again.String())
		})
	}
}
