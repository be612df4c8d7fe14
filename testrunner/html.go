package testrunner

import (
	"fmt"
	"html"
	"io"
	"strconv"
	"strings"

	"github.com/sfnlocal/sfnlocal/interpreter"
)

// The HTML coverage page is one self-contained file: inline CSS and one SVG per state machine,
// laid out here in layers from top to bottom (a state's layer is its distance from StartAt;
// states nothing reaches go in a last layer). Parallel and Map states are boxes holding their
// branches' graphs side by side. Untested states and never-taken transitions are red.

const (
	leafW, leafH = 210.0, 46.0
	gapX, gapY   = 28.0, 46.0
	pad, header  = 12.0, 40.0
	margin       = 16.0
	backBend     = 46.0
)

type gnode struct {
	st       interpreter.GraphState
	cov      interpreter.StateCoverage
	x, y     float64
	w, h     float64
	branches []*glayout // positioned relative to the node
}

type glayout struct {
	x, y  float64
	w, h  float64
	nodes []*gnode
	by    map[string]*gnode
}

// layout places a program's states; path is its enclosing states, as in StateCoverage.Path.
func layout(g interpreter.Graph, path string, cov map[string]interpreter.StateCoverage) *glayout {
	l := &glayout{by: map[string]*gnode{}}
	for _, st := range g.States {
		n := &gnode{st: st, cov: cov[path+"\x00"+st.Name], w: leafW, h: leafH}
		inner := st.Name
		if path != "" {
			inner = path + "/" + st.Name
		}
		if len(st.Branches) > 0 {
			bw, bh := 0.0, 0.0
			for i, b := range st.Branches {
				bl := layout(b, inner, cov)
				bl.x, bl.y = pad+bw, header
				if i > 0 {
					bl.x += gapX
					bw += gapX
				}
				bw += bl.w
				bh = max(bh, bl.h)
				n.branches = append(n.branches, bl)
			}
			n.w = max(leafW, bw+2*pad)
			n.h = header + bh + pad
			off := (n.w - 2*pad - bw) / 2 // centre the branches
			for _, bl := range n.branches {
				bl.x += off
			}
		}
		l.nodes = append(l.nodes, n)
		l.by[st.Name] = n
	}
	// Layers by breadth-first distance from StartAt.
	layer := map[string]int{}
	var order [][]*gnode
	queue := []string{g.StartAt}
	if _, ok := l.by[g.StartAt]; ok {
		layer[g.StartAt] = 0
	}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		n, ok := l.by[name]
		if !ok {
			continue
		}
		d := layer[name]
		for len(order) <= d {
			order = append(order, nil)
		}
		order[d] = append(order[d], n)
		for _, e := range n.st.Edges {
			if _, seen := layer[e.To]; !seen && l.by[e.To] != nil {
				layer[e.To] = d + 1
				queue = append(queue, e.To)
			}
		}
	}
	var rest []*gnode
	for _, n := range l.nodes {
		if _, ok := layer[n.st.Name]; !ok {
			rest = append(rest, n)
		}
	}
	if len(rest) > 0 {
		order = append(order, rest)
	}
	widths := make([]float64, len(order))
	for i, row := range order {
		for j, n := range row {
			if j > 0 {
				widths[i] += gapX
			}
			widths[i] += n.w
		}
		l.w = max(l.w, widths[i])
	}
	l.w += 2*margin + backBend // room for edges that bend back on the right
	y := margin
	for i, row := range order {
		x := margin + (l.w-2*margin-backBend-widths[i])/2
		rowH := 0.0
		for _, n := range row {
			n.x, n.y = x, y
			x += n.w + gapX
			rowH = max(rowH, n.h)
		}
		y += rowH + gapY
	}
	l.h = y - gapY + margin
	return l
}

// covIndex keys a report's states by path and name.
func covIndex(r interpreter.CoverageReport) map[string]interpreter.StateCoverage {
	m := make(map[string]interpreter.StateCoverage, len(r.States))
	for _, s := range r.States {
		m[s.Path+"\x00"+s.Name] = s
	}
	return m
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

func esc(s string) string { return html.EscapeString(s) }

// edgeTaken reports whether a transition was exercised, as far as coverage tells: a Choice
// rule or Catch clause by its hits, a Next by its state having been entered.
func edgeTaken(n *gnode, e interpreter.GraphEdge) bool {
	var clauses []interpreter.ClauseCoverage
	prefix := e.Label + " "
	switch {
	case strings.HasPrefix(e.Label, "Choices["), e.Label == "Default":
		clauses = n.cov.Choices
	case strings.HasPrefix(e.Label, "Catch["):
		clauses = n.cov.Catch
	default:
		return n.cov.Entered > 0
	}
	for _, c := range clauses {
		if strings.HasPrefix(c.Label, prefix) {
			return c.Hits > 0
		}
	}
	return n.cov.Entered > 0
}

func (l *glayout) svg(b *strings.Builder) {
	fmt.Fprintf(b, `<g transform="translate(%s,%s)">`+"\n", num(l.x), num(l.y))
	for _, n := range l.nodes {
		for _, e := range n.st.Edges {
			t := l.by[e.To]
			if t == nil {
				continue
			}
			class := "edge"
			if !edgeTaken(n, e) {
				class = "edge untaken"
			}
			var d string
			var lx, ly float64
			if t.y > n.y {
				x1, y1, x2, y2 := n.x+n.w/2, n.y+n.h, t.x+t.w/2, t.y
				d = fmt.Sprintf("M%s,%s C%s,%s %s,%s %s,%s", num(x1), num(y1), num(x1), num(y1+gapY/2), num(x2), num(y2-gapY/2), num(x2), num(y2))
				lx, ly = (x1+x2)/2, (y1+y2)/2
			} else { // back or sideways: bend out on the right
				x1, y1, x2, y2 := n.x+n.w, n.y+n.h/2, t.x+t.w, t.y+t.h/2
				bx := max(x1, x2) + backBend
				d = fmt.Sprintf("M%s,%s C%s,%s %s,%s %s,%s", num(x1), num(y1), num(bx), num(y1), num(bx), num(y2), num(x2), num(y2))
				lx, ly = bx-6, (y1+y2)/2
			}
			fmt.Fprintf(b, `<path class="%s" d="%s" marker-end="url(#arrow)"/>`+"\n", class, d)
			if e.Label != "" {
				fmt.Fprintf(b, `<text class="label" x="%s" y="%s">%s</text>`+"\n", num(lx+4), num(ly), esc(e.Label))
			}
		}
	}
	for _, n := range l.nodes {
		class := "state"
		if n.cov.Entered == 0 {
			class = "state untested"
		}
		nt := neverTaken(n.cov)
		title := n.st.Name + " (" + n.st.Type + "), entered " + strconv.Itoa(n.cov.Entered)
		if len(nt) > 0 {
			title += "; never taken: " + strings.Join(nt, "; ")
			if n.cov.Entered > 0 {
				class += " partial"
			}
		}
		fmt.Fprintf(b, `<g class="%s"><title>%s</title>`, class, esc(title))
		fmt.Fprintf(b, `<rect x="%s" y="%s" width="%s" height="%s" rx="6"/>`, num(n.x), num(n.y), num(n.w), num(n.h))
		fmt.Fprintf(b, `<text class="name" x="%s" y="%s">%s</text>`, num(n.x+n.w/2), num(n.y+18), esc(clip(n.st.Name, int(n.w/7.5))))
		info := n.st.Type + " · entered " + strconv.Itoa(n.cov.Entered)
		if n.st.Type == "Map" {
			info += " · " + strconv.Itoa(n.cov.Iterations) + " iterations"
		}
		fmt.Fprintf(b, `<text class="info" x="%s" y="%s">%s</text></g>`+"\n", num(n.x+n.w/2), num(n.y+34), esc(info))
		if len(n.branches) > 0 {
			fmt.Fprintf(b, `<g transform="translate(%s,%s)">`+"\n", num(n.x), num(n.y))
			for i, bl := range n.branches {
				if n.st.Type == "Parallel" {
					runs := 0
					if i < len(n.cov.Branches) {
						runs = n.cov.Branches[i]
					}
					class := "branch"
					if runs == 0 {
						class = "branch untaken"
					}
					fmt.Fprintf(b, `<rect class="%s" x="%s" y="%s" width="%s" height="%s" rx="4"/>`+"\n", class, num(bl.x), num(bl.y), num(bl.w), num(bl.h))
				}
				bl.svg(b)
			}
			b.WriteString("</g>\n")
		}
	}
	b.WriteString("</g>\n")
}

const pageStyle = `body{font:14px system-ui,sans-serif;margin:24px;color:#222}
h1{font-size:20px}h2{font-size:17px;margin-top:32px}
.totals{color:#444}
svg{display:block;margin:12px 0;max-width:100%;height:auto}
.state rect{fill:#e8f5e9;stroke:#2e7d32;stroke-width:1.5}
.state.partial rect{fill:#fffde7;stroke:#f9a825}
.state.untested rect{fill:#ffebee;stroke:#c62828;stroke-width:2}
.state text{text-anchor:middle}
.name{font-weight:600;font-size:13px}.info{font-size:11px;fill:#555}
.branch{fill:none;stroke:#90a4ae;stroke-dasharray:3 3}
.branch.untaken{stroke:#c62828}
.edge{fill:none;stroke:#546e7a;stroke-width:1.4}
.edge.untaken{stroke:#c62828;stroke-dasharray:5 4}
.label{font-size:10px;fill:#37474f}
table{border-collapse:collapse;margin-top:8px}
th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f5f5f5}
.red{color:#c62828;font-weight:600}
`

// WriteCoverageHTML writes a self-contained HTML page with each state machine's graph and
// coverage table; untested states and never-taken clauses are red.
func WriteCoverageHTML(w io.Writer, title string, covs []MachineCoverage) error {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>")
	b.WriteString(esc("Coverage: " + title))
	b.WriteString("</title>\n<style>\n" + pageStyle + "</style></head><body>\n")
	b.WriteString("<h1>State coverage: " + esc(title) + "</h1>\n")
	if len(covs) == 0 {
		b.WriteString("<p>No cases ran.</p>\n")
	}
	for _, mc := range covs {
		t := mc.Coverage.Totals
		fmt.Fprintf(&b, "<h2>%s</h2>\n<p class=\"totals\">%s · states %s · choice rules %s · retriers %s · catchers %s · branches %s</p>\n",
			esc(mc.StateMachine), esc(mc.Definition), ratio(t.States), ratio(t.ChoiceRules), ratio(t.Retriers), ratio(t.Catchers), ratio(t.Branches))
		l := layout(mc.Graph, "", covIndex(mc.Coverage))
		fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="%s" viewBox="0 0 %s %s" role="img" aria-label="%s">`+"\n",
			num(l.w), num(l.h), num(l.w), num(l.h), esc(mc.StateMachine))
		b.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#546e7a"/></marker></defs>` + "\n")
		l.svg(&b)
		b.WriteString("</svg>\n<table><tr><th>State</th><th>Type</th><th>Entered</th><th>Never taken</th></tr>\n")
		for _, s := range mc.Coverage.States {
			entered := strconv.Itoa(s.Entered)
			if s.Entered == 0 {
				entered = `<span class="red">0</span>`
			}
			nt := neverTaken(s)
			cells := make([]string, len(nt))
			for i, c := range nt {
				cells[i] = `<span class="red">` + esc(c) + `</span>`
			}
			fmt.Fprintf(&b, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n", esc(statePath(s)), esc(s.Type), entered, strings.Join(cells, "<br>"))
		}
		b.WriteString("</table>\n")
	}
	b.WriteString("</body></html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}
