package eventpattern

import (
	"encoding/json"
	"net/netip"
	"sort"
	"strconv"
	"strings"
)

// Pattern is a compiled event pattern. Compile it once (PutRule does) and Match many events.
//
// Matching follows EventBridge's rules: every field of a pattern object must match (AND); the
// values of a leaf array are alternatives (OR); a field whose event value is an array matches
// when any element matches; an object nested in an array matches when one element matches all
// of the pattern's fields there (no mixing of fields across elements); `$or` holds alternative
// sub-patterns; a string literal matches only a string, a number literal a number of the same
// value (300 matches 300.0), null only null, and booleans only booleans.
type Pattern struct{ root *pnode }

type pnode struct {
	fields []pfield
	ors    [][]*pnode
}

type pfield struct {
	key  string
	sub  *pnode    // a nested pattern object
	leaf []matcher // or the alternatives of a leaf array
}

// matcher matches one leaf value of the event. Absent fields are matched by leafAbsent.
type matcher interface{ match(v any) bool }

// Compile checks and compiles an event pattern; errors are *Error.
func Compile(text string) (*Pattern, error) {
	if err := Validate(text); err != nil {
		return nil, err
	}
	v, _ := decode([]byte(text))
	root, err := compileNode(v.(map[string]any))
	if err != nil {
		return nil, err
	}
	return &Pattern{root: root}, nil
}

func compileNode(m map[string]any) (*pnode, error) {
	n := &pnode{}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch x := m[k].(type) {
		case map[string]any:
			sub, err := compileNode(x)
			if err != nil {
				return nil, err
			}
			n.fields = append(n.fields, pfield{key: k, sub: sub})
		case []any:
			if k == "$or" {
				var alts []*pnode
				for _, c := range x {
					sub, err := compileNode(c.(map[string]any))
					if err != nil {
						return nil, err
					}
					alts = append(alts, sub)
				}
				n.ors = append(n.ors, alts)
				continue
			}
			f := pfield{key: k, leaf: []matcher{}}
			for _, item := range x {
				mt, err := compileMatcher(item)
				if err != nil {
					return nil, err
				}
				f.leaf = append(f.leaf, mt)
			}
			n.fields = append(n.fields, f)
		}
	}
	return n, nil
}

// Match tells whether the event (decoded with json.Number numbers) matches the pattern.
func (p *Pattern) Match(event map[string]any) bool {
	return p != nil && p.root.match(event)
}

// MatchJSON decodes event text and matches it.
func (p *Pattern) MatchJSON(event []byte) bool {
	v, err := decode(event)
	m, ok := v.(map[string]any)
	return err == nil && ok && p.Match(m)
}

func (n *pnode) match(obj map[string]any) bool {
	for _, f := range n.fields {
		v, present := obj[f.key]
		if f.sub != nil {
			if !present || !matchSub(f.sub, v) {
				return false
			}
			continue
		}
		if !matchLeaf(f.leaf, v, present) {
			return false
		}
	}
	for _, alts := range n.ors {
		ok := false
		for _, a := range alts {
			if a.match(obj) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// matchSub matches a nested pattern object against an event value: an object, or an array
// one of whose (nested) elements matches.
func matchSub(n *pnode, v any) bool {
	switch x := v.(type) {
	case map[string]any:
		return n.match(x)
	case []any:
		for _, e := range x {
			if matchSub(n, e) {
				return true
			}
		}
	}
	return false
}

// leaves flattens an event value into its leaf values (arrays are flattened, objects are not
// leaves).
func leaves(v any, out []any) []any {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			out = leaves(e, out)
		}
	case map[string]any:
	default:
		out = append(out, x)
	}
	return out
}

func matchLeaf(ms []matcher, v any, present bool) bool {
	var vals []any
	if present {
		vals = leaves(v, nil)
	}
	for _, m := range ms {
		if e, ok := m.(existsMatcher); ok {
			if bool(e) == (len(vals) > 0) {
				return true
			}
			continue
		}
		for _, x := range vals {
			if m.match(x) {
				return true
			}
		}
	}
	return false
}

func compileMatcher(item any) (matcher, error) {
	switch x := item.(type) {
	case nil:
		return nullMatcher{}, nil
	case bool:
		return boolMatcher(x), nil
	case string:
		return stringMatcher(x), nil
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return nil, errPattern("Value is not a valid number")
		}
		return numberMatcher(f), nil
	case map[string]any:
		for op, arg := range x {
			return compileOperator(op, arg)
		}
	}
	return nil, errPattern("Match value must be String, number, true, false, or null")
}

func compileOperator(op string, arg any) (matcher, error) {
	switch op {
	case "prefix", "suffix":
		s, fold := stringOrFold(arg)
		return affixMatcher{s: s, suffix: op == "suffix", fold: fold}, nil
	case "equals-ignore-case":
		s, _ := arg.(string)
		return foldMatcher(s), nil
	case "wildcard":
		s, _ := arg.(string)
		return wildcardMatcher(s), nil
	case "exists":
		b, _ := arg.(bool)
		return existsMatcher(b), nil
	case "cidr":
		s, _ := arg.(string)
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, errPattern("Malformed CIDR, one '/' required")
		}
		return cidrMatcher(p.Masked()), nil
	case "numeric":
		a, _ := arg.([]any)
		var m numericMatcher
		for i := 0; i+1 < len(a); i += 2 {
			opName, _ := a[i].(string)
			f, err := strconv.ParseFloat(string(a[i+1].(json.Number)), 64)
			if err != nil {
				return nil, errPattern("Value of " + opName + " must be numeric")
			}
			m = append(m, numericBound{op: opName, v: f})
		}
		return m, nil
	case "anything-but":
		return compileAnythingBut(arg)
	}
	return nil, errPattern("Unrecognized match type " + op)
}

// stringOrFold reads the argument of prefix or suffix: a string, or {"equals-ignore-case": s}.
func stringOrFold(arg any) (string, bool) {
	if s, ok := arg.(string); ok {
		return s, false
	}
	m, _ := arg.(map[string]any)
	s, _ := m["equals-ignore-case"].(string)
	return s, true
}

func compileAnythingBut(arg any) (matcher, error) {
	ab := anythingBut{strs: map[string]bool{}}
	add := func(v any) {
		switch x := v.(type) {
		case string:
			ab.strs[x] = true
		case json.Number:
			if f, err := strconv.ParseFloat(string(x), 64); err == nil {
				ab.nums = append(ab.nums, f)
			}
		}
	}
	switch a := arg.(type) {
	case string, json.Number:
		add(a)
	case []any:
		for _, e := range a {
			add(e)
		}
	case map[string]any:
		for k, v := range a {
			var list []string
			switch x := v.(type) {
			case string:
				list = []string{x}
			case []any:
				for _, e := range x {
					s, ok := e.(string)
					if !ok {
						return nil, errPattern("Inside anything-but/" + k + " list, number|start|null|boolean is not supported.")
					}
					list = append(list, s)
				}
			default:
				return nil, errPattern("Value of anything-but/" + k + " must be a string or an array of strings")
			}
			var ms []matcher
			for _, s := range list {
				switch k {
				case "prefix":
					ms = append(ms, affixMatcher{s: s})
				case "suffix":
					ms = append(ms, affixMatcher{s: s, suffix: true})
				case "equals-ignore-case":
					ms = append(ms, foldMatcher(s))
				case "wildcard":
					ms = append(ms, wildcardMatcher(s))
				}
			}
			// anything-but with an operator matches strings that none of ms matches.
			return notStrings(ms), nil
		}
	}
	return ab, nil
}

type nullMatcher struct{}

func (nullMatcher) match(v any) bool { return v == nil }

type boolMatcher bool

func (m boolMatcher) match(v any) bool { b, ok := v.(bool); return ok && b == bool(m) }

type stringMatcher string

func (m stringMatcher) match(v any) bool { s, ok := v.(string); return ok && s == string(m) }

type numberMatcher float64

func (m numberMatcher) match(v any) bool { f, ok := number(v); return ok && f == float64(m) }

func number(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(n), 64)
	return f, err == nil
}

type affixMatcher struct {
	s            string
	suffix, fold bool
}

func (m affixMatcher) match(v any) bool {
	s, ok := v.(string)
	if !ok || len(s) < len(m.s) {
		return false
	}
	part := s[:len(m.s)]
	if m.suffix {
		part = s[len(s)-len(m.s):]
	}
	if m.fold {
		return strings.EqualFold(part, m.s)
	}
	return part == m.s
}

type foldMatcher string

func (m foldMatcher) match(v any) bool {
	s, ok := v.(string)
	return ok && strings.EqualFold(s, string(m))
}

type existsMatcher bool

func (existsMatcher) match(any) bool { return false } // handled in matchLeaf

type cidrMatcher netip.Prefix

func (m cidrMatcher) match(v any) bool {
	s, ok := v.(string)
	if !ok {
		return false
	}
	a, err := netip.ParseAddr(s)
	return err == nil && netip.Prefix(m).Contains(a)
}

type numericBound struct {
	op string
	v  float64
}

type numericMatcher []numericBound

func (m numericMatcher) match(v any) bool {
	f, ok := number(v)
	if !ok {
		return false
	}
	for _, b := range m {
		var ok bool
		switch b.op {
		case "=":
			ok = f == b.v
		case "<":
			ok = f < b.v
		case "<=":
			ok = f <= b.v
		case ">":
			ok = f > b.v
		case ">=":
			ok = f >= b.v
		}
		if !ok {
			return false
		}
	}
	return true
}

type anythingBut struct {
	strs map[string]bool
	nums []float64
}

func (m anythingBut) match(v any) bool {
	switch x := v.(type) {
	case string:
		return !m.strs[x]
	case json.Number:
		f, ok := number(x)
		if !ok {
			return false
		}
		for _, n := range m.nums {
			if n == f {
				return false
			}
		}
		return true
	}
	return true
}

// notStrings matches a string that none of its matchers matches.
type notStrings []matcher

func (m notStrings) match(v any) bool {
	if _, ok := v.(string); !ok {
		return false
	}
	for _, x := range m {
		if x.match(v) {
			return false
		}
	}
	return true
}

// wildcardMatcher matches a string against a pattern where * is any run of characters and \*
// a literal star (\\ a literal backslash).
type wildcardMatcher string

func (m wildcardMatcher) match(v any) bool {
	s, ok := v.(string)
	return ok && globMatch(wildcardParts(string(m)), s)
}

// wildcardParts splits a wildcard pattern at its unescaped stars.
func wildcardParts(p string) []string {
	var parts []string
	var cur strings.Builder
	for i := 0; i < len(p); i++ {
		switch {
		case p[i] == '\\' && i+1 < len(p) && (p[i+1] == '*' || p[i+1] == '\\'):
			cur.WriteByte(p[i+1])
			i++
		case p[i] == '*':
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(p[i])
		}
	}
	return append(parts, cur.String())
}

// globMatch: parts[0] is a prefix, the last part a suffix, the ones between appear in order.
func globMatch(parts []string, s string) bool {
	if len(parts) == 1 {
		return s == parts[0]
	}
	first, last := parts[0], parts[len(parts)-1]
	if len(s) < len(first)+len(last) || !strings.HasPrefix(s, first) || !strings.HasSuffix(s, last) {
		return false
	}
	mid := s[len(first) : len(s)-len(last)]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(mid, p)
		if i < 0 {
			return false
		}
		mid = mid[i+len(p):]
	}
	return true
}
