package interpreter

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCoverage(t *testing.T) {
	t.Parallel()
	def := `{"StartAt":"C","States":{
		"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericEquals":1,"Next":"T"},{"Variable":"$.n","NumericEquals":2,"Next":"P"}],"Default":"Done"},
		"T":{"Type":"Task","Resource":"arn:aws:states:::boom:go","Next":"Done",
			"Retry":[{"ErrorEquals":["Boom"],"MaxAttempts":1},{"ErrorEquals":["Other"]}],
			"Catch":[{"ErrorEquals":["Other"],"Next":"Done"},{"ErrorEquals":["States.ALL"],"Next":"Done"}]},
		"P":{"Type":"Parallel","Next":"M","Branches":[
			{"StartAt":"B1","States":{"B1":{"Type":"Pass","End":true}}},
			{"StartAt":"B2","States":{"B2":{"Type":"Pass","End":true}}}]},
		"M":{"Type":"Map","ItemsPath":"$[0].items","Next":"Done","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}}},
		"Done":{"Type":"Succeed"}}}`
	sm, err := Parse(def)
	require.NoError(t, err)
	cov := NewCoverage()
	e := instantEngine(t, boomTasks())
	for _, in := range []string{`{"n":1}`, `{"n":2,"items":[1,2,3]}`} {
		x, err := e.Start(sm, StartParams{ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:sm:" + in, Input: in, Coverage: cov})
		require.NoError(t, err)
		<-x.Done()
		require.Equal(t, StatusSucceeded, x.Status(), "%v", types(x))
	}
	r := cov.Report(sm)
	var names []string
	byName := map[string]StateCoverage{}
	for _, s := range r.States {
		names = append(names, s.Path+":"+s.Name)
		byName[s.Name] = s
	}
	require.Equal(t, []string{":C", ":T", ":P", "P:B1", "P:B2", ":Done", ":M", "M:I"}, names)
	require.Equal(t, []ClauseCoverage{{"Choices[0] → T", 1}, {"Choices[1] → P", 1}, {"Default → Done", 0}}, byName["C"].Choices)
	require.Equal(t, []ClauseCoverage{{"Retry[0] Boom", 1}, {"Retry[1] Other", 0}}, byName["T"].Retry)
	require.Equal(t, []ClauseCoverage{{"Catch[0] Other → Done", 0}, {"Catch[1] States.ALL → Done", 1}}, byName["T"].Catch)
	require.Equal(t, []int{1, 1}, byName["P"].Branches)
	require.Equal(t, 3, byName["M"].Iterations)
	require.Equal(t, 3, byName["I"].Entered)
	require.Equal(t, CoverageTotals{
		States: Ratio{8, 8}, ChoiceRules: Ratio{2, 3}, Retriers: Ratio{1, 2}, Catchers: Ratio{1, 2}, Branches: Ratio{2, 2},
	}, r.Totals)
}
