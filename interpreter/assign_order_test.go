package interpreter

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// TestAssignEvaluationOrder pins what each Assign sees and which failure is reported first.
// Sources: the Amazon States Language spec, "State Machine Variables" ("All references to a
// state machine variable in a state refer to the same value, which is the value it had at
// state entry"; "each variable's new value only takes effect in the next state"; JSONPath
// "Using Assign": "$" is the result in Task, Map and Parallel, the Error Output in a Catcher,
// the effective input in Choice and Wait, the result in Pass), AWS's "Passing data between
// states with variables" (all of a state's Assign
// expressions see the variables as they were when the state was entered, new values are
// visible from the next state on; in JSONPath states Assign reads the state's result as
// ResultSelector does, before ResultPath/OutputPath; a Catcher's Assign reads the error
// output and replaces the state's Assign; a Choice rule's Assign applies when the rule
// matches) and the recorded variables cases (conformance variables/*: BASE_ASSIGN_FROM_RESULT,
// BASE_ASSIGN_FROM_PARAMETERS, test_assign_in_catch_state, test_assign_in_choice).
func TestAssignEvaluationOrder(t *testing.T) {
	t.Parallel()
	echo := task.HandlerFunc(func(_ context.Context, req *task.Request) (any, error) {
		return map[string]any{"raw": req.Parameters}, nil
	})
	fail := task.HandlerFunc(func(_ context.Context, req *task.Request) (any, error) {
		return nil, &task.Failure{Name: "Boom", Cause: "it broke"}
	})
	tests := []struct {
		name, def, input        string
		wantStatus, wantOutput  string
		wantError, wantCauseSub string
	}{
		{name: "jsonpath assign sees entry values",
			def:        `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"x":1,"y":2},"Next":"B"},"B":{"Type":"Pass","Assign":{"x.$":"$y","y.$":"$x"},"Next":"C"},"C":{"Type":"Pass","Parameters":{"x.$":"$x","y.$":"$y"},"End":true}}}`,
			wantStatus: StatusSucceeded, wantOutput: `{"x":2,"y":1}`},
		{name: "jsonata assign sees entry values, output too",
			def:        `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"x":1,"y":2},"Next":"B"},"B":{"Type":"Pass","Assign":{"x":"{% $y %}","y":"{% $x %}"},"Output":{"x":"{% $x %}"},"Next":"C"},"C":{"Type":"Pass","Output":{"before":"{% $states.input.x %}","x":"{% $x %}","y":"{% $y %}"},"End":true}}}`,
			wantStatus: StatusSucceeded, wantOutput: `{"before":1,"x":2,"y":1}`},
		{name: "jsonpath task assign reads the raw result, not ResultSelector's nor ResultPath's",
			def:        `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::echo:call","Parameters":{"v":1},"ResultSelector":{"sel.$":"$.raw.v"},"ResultPath":"$.r","Assign":{"a.$":"$.raw.v","b.$":"$.sel"},"Next":"N"},"N":{"Type":"Pass","Parameters":{"a.$":"$a","b.$":"$b","in.$":"$"},"End":true}}}`,
			input:      `{"k":0}`,
			wantStatus: StatusFailed, wantError: "States.Runtime", wantCauseSub: "$.sel"},
		{name: "jsonpath task assign of the raw result",
			def:        `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::echo:call","Parameters":{"v":1},"ResultSelector":{"sel.$":"$.raw.v"},"ResultPath":"$.r","Assign":{"a.$":"$.raw.v"},"Next":"N"},"N":{"Type":"Pass","Parameters":{"a.$":"$a","in.$":"$"},"End":true}}}`,
			input:      `{"k":0}`,
			wantStatus: StatusSucceeded, wantOutput: `{"a":1,"in":{"k":0,"r":{"sel":1}}}`},
		{name: "jsonpath pass assign reads Parameters' output",
			def:        `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"p.$":"$.k"},"ResultPath":"$.r","Assign":{"a.$":"$.p"},"Next":"N"},"N":{"Type":"Pass","Parameters":{"a.$":"$a"},"End":true}}}`,
			input:      `{"k":5}`,
			wantStatus: StatusSucceeded, wantOutput: `{"a":5}`},
		{name: "jsonata assign failure is reported before output failure",
			def:        `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $states.input.nope %}","Assign":{"v":"{% $states.input.missing %}"},"End":true}}}`,
			wantStatus: StatusFailed, wantError: errQueryEvaluation, wantCauseSub: "'Assign/v'"},
		{name: "catcher assign reads the error output and replaces the state's",
			def:        `{"QueryLanguage":"JSONata","StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::fail:call","Assign":{"s":"state"},"Catch":[{"ErrorEquals":["States.ALL"],"Assign":{"e":"{% $states.errorOutput.Error %}"},"Next":"N"}],"End":true},"N":{"Type":"Pass","Output":{"e":"{% $e %}","s":"{% $exists($s) %}"},"End":true}}}`,
			wantStatus: StatusSucceeded, wantOutput: `{"e":"Boom","s":false}`},
		{name: "jsonpath catcher assign reads the error output",
			def:        `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::fail:call","Assign":{"s":"state"},"Catch":[{"ErrorEquals":["States.ALL"],"Assign":{"e.$":"$.Cause"},"ResultPath":"$.err","Next":"N"}],"End":true},"N":{"Type":"Pass","Parameters":{"e.$":"$e","in.$":"$"},"End":true}}}`,
			input:      `{"k":0}`,
			wantStatus: StatusSucceeded, wantOutput: `{"e":"it broke","in":{"k":0,"err":{"Error":"Boom","Cause":"it broke"}}}`},
		{name: "jsonpath pass outputpath sees the entry value",
			def:        `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"x":"old"},"Next":"B"},"B":{"Type":"Pass","Assign":{"x":"new"},"OutputPath":"$x","Next":"C"},"C":{"Type":"Pass","Parameters":{"in.$":"$","x.$":"$x"},"End":true}}}`,
			wantStatus: StatusSucceeded, wantOutput: `{"in":"old","x":"new"}`},
		{name: "jsonpath task outputpath sees the entry value",
			def:        `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"x":"old"},"Next":"T"},"T":{"Type":"Task","Resource":"arn:aws:states:::echo:call","Parameters":{"v":1},"Assign":{"x":"new"},"OutputPath":"$x","End":true}}}`,
			wantStatus: StatusSucceeded, wantOutput: `"old"`},
		{name: "jsonpath task resultselector sees the entry value",
			def:        `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"x":"old"},"Next":"T"},"T":{"Type":"Task","Resource":"arn:aws:states:::echo:call","Parameters":{"v":1},"Assign":{"x":"new"},"ResultSelector":{"x.$":"$x"},"End":true}}}`,
			wantStatus: StatusSucceeded, wantOutput: `{"x":"old"}`},
		{name: "jsonpath wait outputpath sees the entry value",
			def:        `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"x":"old"},"Next":"W"},"W":{"Type":"Wait","Seconds":1,"Assign":{"x":"new"},"OutputPath":"$x","End":true}}}`,
			wantStatus: StatusSucceeded, wantOutput: `"old"`},
		{name: "jsonpath choice outputpath sees the entry value",
			def:        `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"x":"old"},"Next":"C"},"C":{"Type":"Choice","Choices":[{"Variable":"$x","StringEquals":"old","Assign":{"x":"new"},"Next":"S"}],"OutputPath":"$x"},"S":{"Type":"Pass","Parameters":{"in.$":"$","x.$":"$x"},"End":true}}}`,
			wantStatus: StatusSucceeded, wantOutput: `{"in":"old","x":"new"}`},
		{name: "choice rule assign applies, with entry values",
			def:        `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"n":1},"Next":"C"},"C":{"Type":"Choice","Choices":[{"Condition":"{% $n = 1 %}","Assign":{"n":"{% $n + 1 %}","was":"{% $n %}"},"Next":"S"}],"Default":"S"},"S":{"Type":"Pass","Output":{"n":"{% $n %}","was":"{% $was %}"},"End":true}}}`,
			wantStatus: StatusSucceeded, wantOutput: `{"n":2,"was":1}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := instantEngine(t, task.Registry{"echo": echo, "fail": fail})
			in := tc.input
			if in == "" {
				in = "{}"
			}
			x := start(t, e, tc.def, in)
			wait(t, x)
			require.Equal(t, tc.wantStatus, x.Status())
			if tc.wantOutput != "" {
				out, _ := x.Output()
				require.JSONEq(t, tc.wantOutput, out)
			}
			if tc.wantError != "" {
				got, _ := x.Error()
				require.Equal(t, tc.wantError, got)
				cause, _ := x.Cause()
				require.Contains(t, cause, tc.wantCauseSub)
			}
		})
	}
}

// TestAssignedVariablesSorted: StateExited lists the assigned variables sorted by name, as
// every recorded StateExited event with several variables does (conformance variables/*,
// map/*variable_sampling*), whatever the order they were written in.
func TestAssignedVariablesSorted(t *testing.T) {
	t.Parallel()
	def := `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"zeta":1,"alpha":"{% 2 %}","mid":[3]},"End":true}}}`
	x := start(t, instantEngine(t, nil), def, `{}`)
	wait(t, x)
	found := false
	for _, ev := range x.History() {
		if ev.Type != "PassStateExited" {
			continue
		}
		b, err := ev.MarshalJSON()
		require.NoError(t, err)
		require.Contains(t, string(b), `"assignedVariables":{"alpha":"2","mid":"[3]","zeta":"1"}`)
		found = true
	}
	require.True(t, found)
}
