package console

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// checkLayout verifies what makes a drawing readable: nodes of a machine do not overlap,
// forward edges point down, and compound nodes are big enough for their children.
func checkLayout(t *testing.T, s *sub) {
	t.Helper()
	var real []*gnode
	for _, n := range s.nodes {
		if n.kind != kindDummy {
			real = append(real, n)
		}
		require.GreaterOrEqual(t, n.x, 0.0)
		require.LessOrEqual(t, n.x+n.w, s.w+0.01)
		require.LessOrEqual(t, n.y+n.h, s.h+0.01)
	}
	for i, a := range real {
		for _, b := range real[i+1:] {
			overlap := a.x < b.x+b.w && b.x < a.x+a.w && a.y < b.y+b.h && b.y < a.y+a.h
			require.False(t, overlap, "%s overlaps %s", a.name, b.name)
		}
	}
	for _, e := range s.edges {
		if !e.back {
			require.Less(t, e.from.rank, e.to.rank, "%s -> %s", e.from.name, e.to.name)
		}
		require.GreaterOrEqual(t, len(e.points), 2)
	}
	for _, n := range real {
		w := 0.0
		for _, c := range n.children {
			w += c.w
			require.LessOrEqual(t, c.h+headerH, n.h)
			checkLayout(t, c)
		}
		require.LessOrEqual(t, w, n.w)
	}
}

func TestLayout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, def string
		back      int // back edges expected at the top level
		labels    []string
	}{
		{"chain", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","End":true}}}`, 0, nil},
		{"loop", `{"StartAt":"Poll","States":{"Poll":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Next":"Ready?"},
		  "Ready?":{"Type":"Choice","Choices":[{"Variable":"$.done","BooleanEquals":true,"Next":"Done"},{"And":[{"Variable":"$.n","NumericLessThan":3},{"Variable":"$.s","StringMatches":"a*"}],"Next":"Wait"}],"Default":"Done"},
		  "Wait":{"Type":"Wait","Seconds":1,"Next":"Poll"},"Done":{"Type":"Succeed"}}}`, 1,
			[]string{"$.done == true", "($.n &lt; 3 and $.s matches &#34;a*&#34;)", "Default"}},
		{"map and parallel", `{"StartAt":"M","States":{"M":{"Type":"Map","Iterator":{"StartAt":"X","States":{"X":{"Type":"Pass","Next":"Y"},"Y":{"Type":"Pass","End":true}}},
		  "Catch":[{"ErrorEquals":["A","B"],"Next":"F"}],"Next":"P"},"F":{"Type":"Fail"},
		  "P":{"Type":"Parallel","Branches":[{"StartAt":"P1","States":{"P1":{"Type":"Pass","End":true}}},{"StartAt":"P2","States":{"P2":{"Type":"Succeed"}}}],"End":true}}}`, 0,
			[]string{"Catch A, B"}},
		{"jsonata choice", `{"QueryLanguage":"JSONata","StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Condition":"{% $states.input.x > 1 %}","Next":"D"}],"Default":"D"},"D":{"Type":"Succeed"}}}`, 0,
			[]string{"{% $states.input.x &gt; 1 %}"}},
		{"unreachable and dangling", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"Missing"},"Orphan":{"Type":"Pass","Next":"A"}}}`, 0, nil},
		{"skip ranks", `{"StartAt":"A","States":{"A":{"Type":"Choice","Choices":[{"Variable":"$.x","IsPresent":true,"Next":"D"}],"Default":"B"},
		  "B":{"Type":"Pass","Next":"C"},"C":{"Type":"Pass","Next":"D"},"D":{"Type":"Succeed"}}}`, 0, []string{"$.x IsPresent true"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g, err := parseGraph(tc.def)
			require.NoError(t, err)
			checkLayout(t, g.root)
			back := 0
			for _, e := range g.root.edges {
				if e.back {
					back++
				}
			}
			require.Equal(t, tc.back, back)
			var b bytes.Buffer
			renderSVG(&b, g, svgView{})
			for _, l := range tc.labels {
				require.Contains(t, b.String(), ">"+l+"<")
			}
			for name := range g.types {
				require.Contains(t, b.String(), `data-state="`+name+`"`)
			}
		})
	}
}

func TestParseGraphErrors(t *testing.T) {
	t.Parallel()
	for _, def := range []string{``, `[]`, `{"States":3}`, `nope`} {
		g, err := parseGraph(def)
		if err == nil {
			var b bytes.Buffer
			renderSVG(&b, g, svgView{})
		}
	}
}

// FuzzGraph checks that no definition text crashes the drawing (the validate page draws what
// users paste).
func FuzzGraph(f *testing.F) {
	f.Add(`{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`)
	f.Add(`{"StartAt":"A","States":{"A":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","Next":"A"}}}],"Next":"A"}}}`)
	f.Add(`{"StartAt":"A","States":{"A":{"Type":"Map","ItemProcessor":{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}},"End":true}}}`)
	f.Add(`{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Not":{"Or":[]}}]}}}`)
	f.Fuzz(func(t *testing.T, def string) {
		if !json.Valid([]byte(def)) {
			return
		}
		g, err := parseGraph(def)
		if err != nil {
			return
		}
		var b bytes.Buffer
		renderSVG(&b, g, svgView{status: map[string]string{}, diags: map[string][]string{"A": {"x"}}})
		if strings.Contains(b.String(), "<script") {
			t.Fatal("unescaped markup")
		}
	})
}
