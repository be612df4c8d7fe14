package interpreter

import "strconv"

// Graph is a state machine's shape for drawing: its states in the order Coverage.Report lists
// them, each with its transitions, and the programs nested in Parallel and Map states.
type Graph struct {
	StartAt string       `json:"startAt"`
	States  []GraphState `json:"states"`
}

// GraphState is one state of a Graph.
type GraphState struct {
	Name string `json:"name"`
	Type string `json:"type"`
	// Edges are its transitions: Next, each Choice rule and the Default, each Catch clause.
	Edges []GraphEdge `json:"edges,omitempty"`
	// End is set for a state that ends its program (End, Succeed, Fail).
	End bool `json:"end,omitempty"`
	// Branches are a Parallel state's branches, or a Map state's item processor (one).
	Branches []Graph `json:"branches,omitempty"`
}

// GraphEdge is a transition; Label is "" for Next, else "Choices[i]", "Default" or
// "Catch[i]" (the index of the clause, as in the coverage labels).
type GraphEdge struct {
	To    string `json:"to"`
	Label string `json:"label,omitempty"`
}

// Graph returns the state machine's shape.
func (sm *StateMachine) Graph() Graph { return graphOf(sm.top) }

func graphOf(p *program) Graph {
	g := Graph{StartAt: p.startAt}
	for _, name := range programOrder(p) {
		st := p.states[name]
		gs := GraphState{Name: name, Type: st.typ, End: st.end || st.typ == "Succeed" || st.typ == "Fail"}
		if st.next != "" {
			gs.Edges = append(gs.Edges, GraphEdge{To: st.next})
		}
		for i, r := range st.choices {
			gs.Edges = append(gs.Edges, GraphEdge{To: r.next, Label: "Choices[" + strconv.Itoa(i) + "]"})
		}
		if st.typ == "Choice" && st.defaultNext != "" {
			gs.Edges = append(gs.Edges, GraphEdge{To: st.defaultNext, Label: "Default"})
		}
		for i, c := range st.catch {
			gs.Edges = append(gs.Edges, GraphEdge{To: c.next, Label: "Catch[" + strconv.Itoa(i) + "]"})
		}
		for _, b := range st.branches {
			gs.Branches = append(gs.Branches, graphOf(b))
		}
		if st.processor != nil {
			gs.Branches = append(gs.Branches, graphOf(st.processor))
		}
		g.States = append(g.States, gs)
	}
	return g
}
