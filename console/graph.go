package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"sort"
	"strconv"
	"strings"
)

// graph is a state machine definition read for drawing: every state's type and enclosing
// Parallel or Map, and the laid-out diagram.
type graph struct {
	root   *sub
	parent map[string]string // state -> enclosing Parallel/Map state ("" at top level)
	types  map[string]string // state -> Type
	states map[string]*aslState
	order  []string // states in definition order, depth first
}

// inside reports whether state n is nested (at any depth) in the Parallel or Map outer.
func (g *graph) inside(n, outer string) bool {
	for p := g.parent[n]; p != ""; p = g.parent[p] {
		if p == outer {
			return true
		}
	}
	return false
}

// state returns the named state's definition (nil when unknown or g is nil).
func (g *graph) state(name string) *aslState {
	if g == nil {
		return nil
	}
	return g.states[name]
}

// aslState holds the fields of a state that the drawing needs.
type aslState struct {
	Type          string            `json:"Type"`
	Next          string            `json:"Next"`
	End           bool              `json:"End"`
	Default       string            `json:"Default"`
	Resource      string            `json:"Resource"`
	Error         string            `json:"Error"` // a Fail state's
	Cause         string            `json:"Cause"`
	Choices       []json.RawMessage `json:"Choices"`
	Catch         []aslCatch        `json:"Catch"`
	Retry         []json.RawMessage `json:"Retry"`
	Branches      []json.RawMessage `json:"Branches"`
	Iterator      json.RawMessage   `json:"Iterator"`
	ItemProcessor json.RawMessage   `json:"ItemProcessor"`
}

type aslCatch struct {
	ErrorEquals []string `json:"ErrorEquals"`
	Next        string   `json:"Next"`
}

// Node kinds.
const (
	kindState = iota
	kindStart
	kindEnd
	kindDummy
)

// sub is one laid-out machine: the top level, a Parallel branch or a Map's iterator.
type sub struct {
	nodes []*gnode
	edges []*gedge
	w, h  float64
}

type gnode struct {
	name       string
	kind       int
	typ        string
	x, y, w, h float64
	rank       int
	order      float64
	children   []*sub // Parallel branches, a Map's processor
	in, out    []*gedge
}

func (n *gnode) cx() float64 { return n.x + n.w/2 }

type gedge struct {
	from, to *gnode
	label    string
	catch    bool
	back     bool
	points   [][2]float64
}

// Layout constants, in SVG user units (pixels).
const (
	nodeH     = 42.0
	rankGap   = 52.0
	nodeGap   = 36.0
	margin    = 16.0
	headerH   = 30.0
	padInside = 14.0
)

// parseGraph reads a definition and lays it out. It never fails on a definition that is
// JSON: what it cannot read is left out of the drawing (validation reports it).
func parseGraph(definition string) (*graph, error) {
	g := &graph{parent: map[string]string{}, types: map[string]string{}, states: map[string]*aslState{}}
	root, err := g.parseMachine(json.RawMessage(definition), "")
	if err != nil {
		return nil, err
	}
	g.root = root
	return g, nil
}

func (g *graph) parseMachine(raw json.RawMessage, parent string) (*sub, error) {
	var m struct {
		StartAt string          `json:"StartAt"`
		States  json.RawMessage `json:"States"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("definition: %w", err)
	}
	s := &sub{}
	// Only the top level has Start and End pills; branches and processors begin at their
	// StartAt state and stop at their last, as in AWS's console.
	nested := parent != ""
	start := &gnode{name: "Start", kind: kindStart, w: 64, h: 28}
	end := &gnode{name: "End", kind: kindEnd, w: 64, h: 28}
	if !nested {
		s.nodes = append(s.nodes, start)
	}
	byName := map[string]*gnode{}
	keys := orderedKeys(m.States)
	var raws map[string]json.RawMessage
	_ = json.Unmarshal(m.States, &raws)
	for _, name := range keys {
		var st aslState
		if json.Unmarshal(raws[name], &st) != nil {
			continue
		}
		if _, dup := g.types[name]; dup {
			continue
		}
		g.types[name], g.parent[name], g.states[name] = st.Type, parent, &st
		g.order = append(g.order, name)
		n := &gnode{name: name, kind: kindState, typ: st.Type}
		switch st.Type {
		case "Parallel":
			for _, b := range st.Branches {
				if c, err := g.parseMachine(b, name); err == nil {
					n.children = append(n.children, c)
				}
			}
		case "Map":
			proc := st.ItemProcessor
			if len(proc) == 0 {
				proc = st.Iterator
			}
			if len(proc) > 0 {
				if c, err := g.parseMachine(proc, name); err == nil {
					n.children = append(n.children, c)
				}
			}
		}
		sizeNode(n)
		byName[name] = n
		s.nodes = append(s.nodes, n)
	}
	if !nested {
		s.nodes = append(s.nodes, end)
	}
	link := func(from *gnode, to string, label string, catch bool) {
		t := byName[to]
		if t == nil {
			return
		}
		s.edges = append(s.edges, &gedge{from: from, to: t, label: label, catch: catch})
	}
	if t := byName[m.StartAt]; t != nil && !nested {
		s.edges = append(s.edges, &gedge{from: start, to: t})
	}
	for _, name := range keys {
		n := byName[name]
		if n == nil {
			continue
		}
		st := g.states[name]
		switch {
		case st.Type == "Choice":
			for i, c := range st.Choices {
				var rule struct {
					Next string `json:"Next"`
				}
				_ = json.Unmarshal(c, &rule)
				link(n, rule.Next, choiceLabel(c, i), false)
			}
			if st.Default != "" {
				link(n, st.Default, "Default", false)
			}
		case st.Next != "":
			link(n, st.Next, "", false)
		}
		for _, c := range st.Catch {
			link(n, c.Next, "Catch "+strings.Join(c.ErrorEquals, ", "), true)
		}
		if (st.End || st.Type == "Succeed" || st.Type == "Fail") && !nested {
			s.edges = append(s.edges, &gedge{from: n, to: end})
		}
	}
	layout(s)
	return s, nil
}

// orderedKeys lists a JSON object's keys in the order they are written.
func orderedKeys(raw json.RawMessage) []string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return keys
		}
		k, _ := t.(string)
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return keys
		}
		keys = append(keys, k)
	}
	return keys
}

// choiceLabel summarises a Choice rule, e.g. `$.n > 3` or the JSONata Condition.
func choiceLabel(raw json.RawMessage, i int) string {
	var rule map[string]json.RawMessage
	if json.Unmarshal(raw, &rule) != nil {
		return "Rule #" + strconv.Itoa(i+1)
	}
	label := ruleText(rule)
	if label == "" {
		label = "Rule #" + strconv.Itoa(i+1)
	}
	if r := []rune(label); len(r) > 40 {
		label = string(r[:39]) + "…"
	}
	return label
}

var ops = map[string]string{
	"Equals": "==", "LessThan": "<", "GreaterThan": ">", "LessThanEquals": "<=", "GreaterThanEquals": ">=",
	"Matches": "matches",
}

func ruleText(rule map[string]json.RawMessage) string {
	if c, ok := rule["Condition"]; ok {
		return unquote(c)
	}
	for _, k := range []string{"And", "Or"} {
		if v, ok := rule[k]; ok {
			var subs []map[string]json.RawMessage
			_ = json.Unmarshal(v, &subs)
			parts := make([]string, len(subs))
			for i, s := range subs {
				parts[i] = ruleText(s)
			}
			return "(" + strings.Join(parts, " "+strings.ToLower(k)+" ") + ")"
		}
	}
	if v, ok := rule["Not"]; ok {
		var s map[string]json.RawMessage
		_ = json.Unmarshal(v, &s)
		return "not " + ruleText(s)
	}
	variable := unquote(rule["Variable"])
	for k, v := range rule {
		if k == "Variable" || k == "Next" || k == "Comment" || k == "Assign" || k == "Output" {
			continue
		}
		op := k
		for _, typ := range []string{"String", "Numeric", "Boolean", "Timestamp"} {
			if strings.HasPrefix(op, typ) {
				op = strings.TrimPrefix(op, typ)
				break
			}
		}
		path := strings.HasSuffix(op, "Path")
		op = strings.TrimSuffix(op, "Path")
		if sym, ok := ops[op]; ok {
			op = sym
		}
		val := string(v)
		if path {
			val = unquote(v)
		}
		return strings.TrimSpace(variable + " " + op + " " + val)
	}
	return variable
}

func sizeNode(n *gnode) {
	if len(n.children) == 0 {
		n.w = min(max(float64(len([]rune(n.name)))*7.4+32, 120), 280)
		n.h = nodeH
		return
	}
	w, h := 0.0, 0.0
	for i, c := range n.children {
		if i > 0 {
			w += padInside
		}
		w += c.w
		h = max(h, c.h)
	}
	n.w = max(w+2*padInside, float64(len([]rune(n.name)))*7.4+40)
	n.h = headerH + h + padInside
}

// layout places s's nodes in ranks top to bottom (a Sugiyama-style layered layout: back
// edges found by depth-first search, longest-path ranks, dummy nodes on long edges,
// barycentre ordering sweeps, then coordinates centred under the parents).
func layout(s *sub) {
	for _, e := range s.edges {
		e.from.out = append(e.from.out, e)
		e.to.in = append(e.to.in, e)
	}
	// Back edges: those closing a cycle in a depth-first walk from Start.
	state := map[*gnode]int{}
	var dfs func(n *gnode)
	dfs = func(n *gnode) {
		state[n] = 1
		for _, e := range n.out {
			switch state[e.to] {
			case 0:
				dfs(e.to)
			case 1:
				e.back = true
			}
		}
		state[n] = 2
	}
	for _, n := range s.nodes {
		if state[n] == 0 {
			dfs(n)
		}
	}
	// Longest-path ranks over the forward edges, in topological order.
	indeg := map[*gnode]int{}
	for _, e := range s.edges {
		if !e.back {
			indeg[e.to]++
		}
	}
	var queue []*gnode
	for _, n := range s.nodes {
		if indeg[n] == 0 {
			queue = append(queue, n)
		}
	}
	maxRank := 0
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, e := range n.out {
			if e.back {
				continue
			}
			e.to.rank = max(e.to.rank, n.rank+1)
			indeg[e.to]--
			if indeg[e.to] == 0 {
				queue = append(queue, e.to)
			}
		}
		maxRank = max(maxRank, n.rank)
	}
	// End sits alone at the bottom.
	for _, n := range s.nodes {
		if n.kind == kindEnd {
			n.rank = maxRank
			if len(n.in) == 0 || hasNonEndAt(s, maxRank) {
				n.rank = maxRank + 1
			}
			maxRank = n.rank
		}
	}
	// Dummy nodes on edges that skip ranks, so that lines go around nodes.
	var chains = map[*gedge][]*gnode{}
	for _, e := range s.edges {
		if e.back || e.to.rank-e.from.rank <= 1 {
			continue
		}
		for r := e.from.rank + 1; r < e.to.rank; r++ {
			d := &gnode{kind: kindDummy, rank: r, w: 12, h: nodeH}
			s.nodes = append(s.nodes, d)
			chains[e] = append(chains[e], d)
		}
	}
	ranks := make([][]*gnode, maxRank+1)
	for _, n := range s.nodes {
		n.order = float64(len(ranks[n.rank]))
		ranks[n.rank] = append(ranks[n.rank], n)
	}
	// preds/succs through dummies.
	preds := map[*gnode][]*gnode{}
	succs := map[*gnode][]*gnode{}
	for _, e := range s.edges {
		if e.back {
			continue
		}
		path := append(append([]*gnode{e.from}, chains[e]...), e.to)
		for i := 1; i < len(path); i++ {
			preds[path[i]] = append(preds[path[i]], path[i-1])
			succs[path[i-1]] = append(succs[path[i-1]], path[i])
		}
	}
	bary := func(ns []*gnode) float64 {
		if len(ns) == 0 {
			return -1
		}
		t := 0.0
		for _, n := range ns {
			t += n.order
		}
		return t / float64(len(ns))
	}
	sortRank := func(rk []*gnode, nb map[*gnode][]*gnode) {
		keys := map[*gnode]float64{}
		for _, n := range rk {
			if b := bary(nb[n]); b >= 0 {
				keys[n] = b
			} else {
				keys[n] = n.order
			}
		}
		sort.SliceStable(rk, func(i, j int) bool { return keys[rk[i]] < keys[rk[j]] })
		for i, n := range rk {
			n.order = float64(i)
		}
	}
	for it := 0; it < 4; it++ {
		for r := 1; r <= maxRank; r++ {
			sortRank(ranks[r], preds)
		}
		for r := maxRank - 1; r >= 0; r-- {
			sortRank(ranks[r], succs)
		}
	}
	// Coordinates.
	y := margin
	for _, rk := range ranks {
		h := 0.0
		for _, n := range rk {
			h = max(h, n.h)
		}
		// Nodes hang from the top of their rank, so that edges into a small node beside a
		// tall Parallel or Map box do not cross the box.
		for _, n := range rk {
			n.y = y
			if n.kind == kindDummy {
				n.h = h
			}
		}
		y += h + rankGap
	}
	s.h = y - rankGap + margin
	for r, rk := range ranks {
		desired := make([]float64, len(rk))
		for i, n := range rk {
			desired[i] = 0
			if ps := preds[n]; r > 0 && len(ps) > 0 {
				t := 0.0
				for _, p := range ps {
					t += p.cx()
				}
				desired[i] = t / float64(len(ps))
			}
		}
		right := -1e18
		shift := 0.0
		for i, n := range rk {
			x := desired[i] - n.w/2
			gap := nodeGap
			if n.kind == kindDummy {
				gap = nodeGap / 2
			}
			if x < right+gap {
				x = right + gap
			}
			n.x = x
			right = x + n.w
			shift += n.cx() - desired[i]
		}
		if len(rk) > 0 {
			shift /= float64(len(rk))
			for _, n := range rk {
				n.x -= shift
			}
		}
	}
	minX, maxX := 1e18, -1e18
	for _, n := range s.nodes {
		minX, maxX = min(minX, n.x), max(maxX, n.x+n.w)
	}
	for _, n := range s.nodes {
		n.x += margin - minX
	}
	s.w = maxX - minX + 2*margin
	// Edge routes.
	// Back edges (loops) go around the side of the drawing nearer their source.
	left, right := 0, 0
	for _, e := range s.edges {
		if e.back && e.from.cx() < s.w/2 {
			left++
		}
	}
	shift := float64(left) * 14
	if shift > 0 {
		for _, n := range s.nodes {
			n.x += shift
		}
		s.w += shift
	}
	l := 0
	for _, e := range s.edges {
		if !e.back {
			continue
		}
		fy, ty := e.from.y+e.from.h/2, e.to.y+e.to.h/2
		if e.from.cx() < (s.w+shift)/2 && left > 0 {
			l++
			x := shift + margin/2 - float64(l)*14 + 14
			e.points = [][2]float64{{e.from.x, fy}, {x, fy}, {x, ty}, {e.to.x, ty}}
			continue
		}
		right++
		x := s.w - margin + float64(right)*14
		e.points = [][2]float64{{e.from.x + e.from.w, fy}, {x, fy}, {x, ty}, {e.to.x + e.to.w, ty}}
	}
	for _, e := range s.edges {
		if e.back {
			continue
		}
		e.points = [][2]float64{{e.from.cx(), e.from.y + e.from.h}}
		for _, d := range chains[e] {
			e.points = append(e.points, [2]float64{d.cx(), d.y}, [2]float64{d.cx(), d.y + d.h})
		}
		e.points = append(e.points, [2]float64{e.to.cx(), e.to.y})
	}
	if right > 0 {
		s.w += float64(right)*14 + margin
	}
}

func hasNonEndAt(s *sub, r int) bool {
	for _, n := range s.nodes {
		if n.rank == r && n.kind != kindEnd {
			return true
		}
	}
	return false
}

// svgView is what the SVG drawing shows besides the layout.
type svgView struct {
	status map[string]string   // state -> status; nil: no execution
	diags  map[string][]string // state -> diagnostics
	href   func(state string) string
}

// renderSVG draws g as inline SVG.
func renderSVG(b *bytes.Buffer, g *graph, v svgView) {
	fmt.Fprintf(b, `<svg class="graph" xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f">`, g.root.w, g.root.h, g.root.w, g.root.h)
	b.WriteString(`<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#687078"/></marker></defs>`)
	renderSub(b, g.root, 0, 0, v)
	b.WriteString(`</svg>`)
}

func renderSub(b *bytes.Buffer, s *sub, ox, oy float64, v svgView) {
	for _, e := range s.edges {
		cls := "edge"
		if e.catch {
			cls += " catch"
		}
		b.WriteString(`<path class="` + cls + `" marker-end="url(#arrow)" d="`)
		for i, p := range e.points {
			if i == 0 {
				b.WriteByte('M')
			} else {
				b.WriteByte('L')
			}
			fmt.Fprintf(b, "%.1f,%.1f", p[0]+ox, p[1]+oy)
		}
		b.WriteString(`"/>`)
		if e.label != "" && len(e.points) >= 2 {
			// Past the middle of the first segment, where edges leaving one node have spread.
			p, q := e.points[0], e.points[1]
			x, y := p[0]+0.6*(q[0]-p[0])+ox, p[1]+0.6*(q[1]-p[1])+oy
			w := float64(len([]rune(e.label)))*6 + 8
			fmt.Fprintf(b, `<g class="elabel"><rect x="%.1f" y="%.1f" width="%.0f" height="16" rx="3"/><text x="%.1f" y="%.1f">%s</text></g>`,
				x-w/2, y-8, w, x, y+4, html.EscapeString(e.label))
		}
	}
	for _, n := range s.nodes {
		x, y := n.x+ox, n.y+oy
		switch n.kind {
		case kindDummy:
			continue
		case kindStart, kindEnd:
			fmt.Fprintf(b, `<g class="terminal"><rect x="%.1f" y="%.1f" width="%.0f" height="%.0f" rx="14"/><text x="%.1f" y="%.1f">%s</text></g>`,
				x, y, n.w, n.h, x+n.w/2, y+n.h/2+4, n.name)
			continue
		}
		status := ""
		if v.status != nil {
			status = v.status[n.name]
			if status == "" {
				status = StatusNotRun
			}
		}
		cls := "node"
		if len(n.children) > 0 {
			cls += " compound"
		}
		if len(v.diags[n.name]) > 0 {
			cls += " diag"
		}
		name := html.EscapeString(n.name)
		fmt.Fprintf(b, `<g class="%s" data-state="%s" data-type="%s"`, cls, name, html.EscapeString(n.typ))
		if status != "" {
			fmt.Fprintf(b, ` data-status="%s"`, status)
		}
		b.WriteString(`>`)
		if v.href != nil {
			fmt.Fprintf(b, `<a href="%s">`, html.EscapeString(v.href(n.name)))
		}
		if d := v.diags[n.name]; len(d) > 0 {
			b.WriteString(`<title>` + html.EscapeString(strings.Join(d, "\n")) + `</title>`)
		}
		if len(n.children) > 0 {
			fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.0f" height="%.0f" rx="6"/><text class="name" x="%.1f" y="%.1f">%s</text><text class="type" x="%.1f" y="%.1f">%s</text>`,
				x, y, n.w, n.h, x+10, y+19, name, x+n.w-10, y+19, html.EscapeString(n.typ))
		} else {
			fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.0f" height="%.0f" rx="6"/><text class="name" x="%.1f" y="%.1f">%s</text><text class="type" x="%.1f" y="%.1f">%s</text>`,
				x, y, n.w, n.h, x+n.w/2, y+18, name, x+n.w/2, y+33, html.EscapeString(n.typ))
		}
		if len(v.diags[n.name]) > 0 {
			fmt.Fprintf(b, `<circle class="badge" cx="%.1f" cy="%.1f" r="8"/><text class="badge" x="%.1f" y="%.1f">!</text>`, x+n.w, y, x+n.w, y+4)
		}
		if v.href != nil {
			b.WriteString(`</a>`)
		}
		b.WriteString(`</g>`)
		cx := x + padInside
		for _, c := range n.children {
			fmt.Fprintf(b, `<rect class="branch" x="%.1f" y="%.1f" width="%.0f" height="%.0f" rx="4"/>`, cx, y+headerH, c.w, c.h)
			renderSub(b, c, cx, y+headerH, v)
			cx += c.w + padInside
		}
	}
}
