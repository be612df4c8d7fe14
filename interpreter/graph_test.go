package interpreter

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGraph(t *testing.T) {
	t.Parallel()
	sm, err := Parse(`{"StartAt":"C","States":{
		"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericEquals":1,"Next":"T"}],"Default":"P"},
		"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true,
			"Catch":[{"ErrorEquals":["States.ALL"],"Next":"F"}]},
		"F":{"Type":"Fail"},
		"P":{"Type":"Parallel","End":true,"Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}]}}}`)
	require.NoError(t, err)
	require.Equal(t, Graph{StartAt: "C", States: []GraphState{
		{Name: "C", Type: "Choice", Edges: []GraphEdge{{"T", "Choices[0]"}, {"P", "Default"}}},
		{Name: "T", Type: "Task", End: true, Edges: []GraphEdge{{"F", "Catch[0]"}}},
		{Name: "P", Type: "Parallel", End: true, Branches: []Graph{{StartAt: "B", States: []GraphState{{Name: "B", Type: "Pass", End: true}}}}},
		{Name: "F", Type: "Fail", End: true},
	}}, sm.Graph())
}
