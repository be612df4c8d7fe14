package jsonata

import (
	"math"
	"time"
)

// frame is one variable scope.
type frame struct {
	vars   map[string]any
	parent *frame
}

func newFrame(parent *frame) *frame {
	return &frame{parent: parent}
}

func (f *frame) bind(name string, v any) {
	if f.vars == nil {
		f.vars = make(map[string]any, 4)
	}
	f.vars[name] = v
}

func (f *frame) lookup(name string) (any, bool) {
	for ; f != nil; f = f.parent {
		if v, ok := f.vars[name]; ok {
			return v, true
		}
	}
	if b, ok := builtinTable()[name]; ok {
		return b, true
	}
	return nil, false
}

// evaluator holds the state of one evaluation.
type evaluator struct {
	depth    int
	maxDepth int
	deadline time.Time
	checks   int
	now      time.Time
	nowSet   bool
}

// lambda is a user-defined function closure.
type lambda struct {
	n     *node
	input any
	env   *frame
}

// partial is a partially applied function; nil entries of args are holes.
type partial struct {
	fn    any
	args  []any
	holes []bool
	arity int
}

// chain is function composition f ~> g.
type chain struct{ f, g any }

func (ev *evaluator) eval(n *node, input any, env *frame) (any, error) {
	ev.depth++
	if ev.depth > ev.maxDepth {
		ev.depth--
		return nil, &Error{Code: "U1001", Position: n.pos}
	}
	if !ev.deadline.IsZero() {
		ev.checks++
		if ev.checks&0xff == 0 && time.Now().After(ev.deadline) {
			ev.depth--
			return nil, &Error{Code: "U1001", Position: n.pos, Message: messages["U1002"]}
		}
	}
	res, err := ev.evalNode(n, input, env)
	ev.depth--
	if err != nil {
		return nil, err
	}
	if n.predicate != nil {
		for _, st := range n.predicate {
			if res, err = ev.filter(st.filter, res, env); err != nil {
				return nil, err
			}
		}
	}
	if n.kind != nPath && n.group != nil {
		if res, err = ev.group(n.group, res, env); err != nil {
			return nil, err
		}
	}
	if a, ok := res.(*array); ok && a.seq && !a.tupleStrm {
		if n.keepArray {
			a.keep = true
		}
		switch len(a.a) {
		case 0:
			return nil, nil
		case 1:
			if !a.keep {
				return a.a[0], nil
			}
		}
	}
	return res, nil
}

func (ev *evaluator) evalNode(n *node, input any, env *frame) (any, error) {
	switch n.kind {
	case nPath:
		return ev.path(n, input, env)
	case nBinary:
		return ev.binary(n, input, env)
	case nString:
		return n.str, nil
	case nNumber:
		return n.num, nil
	case nValue:
		return n.val, nil
	case nName:
		return lookupField(input, n.str), nil
	case nVariable:
		if n.str == "" {
			if a, ok := input.(*array); ok && a.outer && len(a.a) > 0 {
				return a.a[0], nil
			}
			return input, nil
		}
		v, _ := env.lookup(n.str)
		return v, nil
	case nUnaryNeg:
		v, err := ev.eval(n.lhs, input, env)
		if err != nil || v == nil {
			return nil, err
		}
		f, ok := v.(float64)
		if !ok {
			return nil, &Error{Code: "D1002", Position: n.pos, Token: "-", Value: v}
		}
		return -f, nil
	case nArrayCons:
		out := &array{a: make([]any, 0, len(n.exprs))}
		for _, it := range n.exprs {
			v, err := ev.eval(it, input, env)
			if err != nil {
				return nil, err
			}
			if v == nil {
				continue
			}
			if it.kind == nArrayCons {
				out.a = append(out.a, v)
			} else if va, ok := v.(*array); ok {
				if len(out.a) == 0 {
					// share the items; the full slice expression makes a
					// later append copy rather than write into va's array
					out.a = va.a[:len(va.a):len(va.a)]
					continue
				}
				out.a = append(out.a, va.a...)
			} else {
				out.a = append(out.a, v)
			}
		}
		if n.consarray {
			out.cons = true
		}
		return out, nil
	case nObjectCons:
		return ev.group(&groupExpr{pairs: n.pairs, pos: n.pos}, input, env)
	case nWildcard:
		return wildcard(input), nil
	case nDescendant:
		if input == nil {
			return nil, nil
		}
		res := newSeq()
		descendants(input, res)
		if len(res.a) == 1 {
			return res.a[0], nil
		}
		return res, nil
	case nParent:
		v, _ := env.lookup(n.slot.label)
		return v, nil
	case nCondition:
		c, err := ev.eval(n.cond, input, env)
		if err != nil {
			return nil, err
		}
		if toBool(c) {
			return ev.eval(n.then, input, env)
		}
		if n.els != nil {
			return ev.eval(n.els, input, env)
		}
		return nil, nil
	case nCoalesce:
		v, err := ev.eval(n.lhs, input, env)
		if err != nil {
			return nil, err
		}
		if v != nil {
			return v, nil
		}
		return ev.eval(n.rhs, input, env)
	case nElvis:
		v, err := ev.eval(n.lhs, input, env)
		if err != nil {
			return nil, err
		}
		if toBool(v) {
			return v, nil
		}
		return ev.eval(n.rhs, input, env)
	case nBlock:
		fr := newFrame(env)
		var res any
		for _, e := range n.exprs {
			var err error
			if res, err = ev.eval(e, input, fr); err != nil {
				return nil, err
			}
		}
		return res, nil
	case nBind:
		v, err := ev.eval(n.rhs, input, env)
		if err != nil {
			return nil, err
		}
		env.bind(n.lhs.str, v)
		return v, nil
	case nRegex:
		return n.re, nil
	case nFunction:
		return ev.function(n, input, env, nil, false)
	case nPartial:
		return ev.partialApply(n, input, env)
	case nLambda:
		return &lambda{n: n, input: input, env: env}, nil
	case nApply:
		return ev.applyExpr(n, input, env)
	case nTransform:
		return &builtin{name: "transform", sig: transformSig(), arity: 1, fn: func(ev *evaluator, c *call, args []any) (any, error) {
			return ev.transform(n, args[0], env)
		}}, nil
	case nSort:
		return ev.sortExpr(n, input, env)
	case nPlaceholder:
		return nil, nil
	}
	return nil, &Error{Code: "S0206", Position: n.pos, Token: n.str}
}

func lookupField(input any, key string) any {
	switch x := input.(type) {
	case *object:
		return x.val(key)
	case *array:
		res := newSeq()
		for _, it := range x.a {
			v := lookupField(it, key)
			if v == nil {
				continue
			}
			if va, ok := v.(*array); ok {
				res.a = append(res.a, va.a...)
			} else {
				res.a = append(res.a, v)
			}
		}
		return res
	}
	return nil
}

func flattenInto(v any, out []any) []any {
	if a, ok := v.(*array); ok {
		for _, it := range a.a {
			out = flattenInto(it, out)
		}
		return out
	}
	return append(out, v)
}

func wildcard(input any) any {
	res := newSeq()
	if a, ok := input.(*array); ok && a.outer && len(a.a) > 0 {
		input = a.a[0]
	}
	add := func(v any) {
		if va, ok := v.(*array); ok {
			res.a = flattenInto(va, res.a)
			res.seq = false
		} else {
			res.a = append(res.a, v)
		}
	}
	switch x := input.(type) {
	case *object:
		for _, k := range x.ks() {
			add(x.val(k))
		}
	case *array:
		for _, v := range x.a {
			add(v)
		}
	}
	return res
}

func descendants(input any, res *array) {
	a, isArr := input.(*array)
	if !isArr {
		res.a = append(res.a, input)
	}
	if isArr {
		for _, it := range a.a {
			descendants(it, res)
		}
	} else if o, ok := input.(*object); ok {
		for _, k := range o.ks() {
			descendants(o.val(k), res)
		}
	}
}

func (ev *evaluator) path(n *node, input any, env *frame) (any, error) {
	var inSeq *array
	if a, ok := input.(*array); ok && n.steps[0].kind != nVariable {
		inSeq = a
	} else {
		inSeq = newSeq(input)
	}
	var result *array
	var tuples *array
	isTuple := false
	for i, step := range n.steps {
		if step.tuple {
			isTuple = true
		}
		var err error
		if i == 0 && step.consarray {
			v, err := ev.eval(step, inSeq, env)
			if err != nil {
				return nil, err
			}
			result = asArray(v)
		} else if isTuple {
			if tuples, err = ev.tupleStep(step, inSeq, tuples, env); err != nil {
				return nil, err
			}
		} else {
			if result, err = ev.step(step, inSeq, env, i == len(n.steps)-1); err != nil {
				return nil, err
			}
		}
		if !isTuple && (result == nil || len(result.a) == 0) {
			break
		}
		if step.focus == "" {
			inSeq = result
		}
	}
	var out any
	if isTuple {
		if n.tuple {
			out = tuples
			if tuples == nil {
				out = nil
			}
		} else {
			rs := newSeq()
			if tuples != nil {
				for _, t := range tuples.a {
					rs.a = append(rs.a, asTuple(t)["@"])
				}
			}
			result = rs
			out = rs
		}
	} else if result != nil {
		out = result
	}
	if n.keepSingletonArray {
		if result == nil {
			result = newSeq()
		}
		if result.cons && !result.seq {
			result = newSeq(result)
		} else if !result.seq {
			// never flag an array that may be shared input
			cp := *result
			result = &cp
		}
		result.keep = true
		out = result
	}
	if n.group != nil {
		var gin any = result
		if isTuple {
			gin = tuples
		}
		if gin == (*array)(nil) {
			gin = nil
		}
		return ev.group(n.group, gin, env)
	}
	if out == (*array)(nil) {
		return nil, nil
	}
	return out, nil
}

// asArray returns v as an *array, wrapping a non-array in a sequence; nil
// stays nil.
func asArray(v any) *array {
	switch x := v.(type) {
	case nil:
		return nil
	case *array:
		return x
	}
	return newSeq(v)
}

func (ev *evaluator) step(n *node, input *array, env *frame, last bool) (*array, error) {
	if n.kind == nSort {
		res, err := ev.sortExpr(n, input, env)
		if err != nil {
			return nil, err
		}
		ra := asArray(res)
		if n.stages != nil {
			v, err := ev.stages(n.stages, ra, env)
			if err != nil {
				return nil, err
			}
			ra = asArray(v)
		}
		return ra, nil
	}
	out := &array{seq: true, a: make([]any, 0, len(input.a))}
	var first any
	count := 0
	for _, item := range input.a {
		res, err := ev.eval(n, item, env)
		if err != nil {
			return nil, err
		}
		for _, st := range n.stages {
			if st.filter != nil {
				if res, err = ev.filter(st.filter, res, env); err != nil {
					return nil, err
				}
			}
		}
		if res == nil {
			continue
		}
		if count == 0 {
			first = res
		}
		count++
		if a, ok := res.(*array); ok && !a.cons {
			out.a = append(out.a, a.a...)
		} else {
			out.a = append(out.a, res)
		}
	}
	if last && count == 1 {
		if a, ok := first.(*array); ok && !a.seq {
			return a, nil
		}
	}
	return out, nil
}

func frameFromTuple(env *frame, t tuple) *frame {
	f := &frame{parent: env, vars: make(map[string]any, len(t))}
	for k, v := range t {
		f.vars[k] = v
	}
	return f
}

func (ev *evaluator) tupleStep(n *node, input *array, tuples *array, env *frame) (*array, error) {
	if n.kind == nSort {
		var res *array
		if tuples != nil {
			v, err := ev.sortExpr(n, tuples, env)
			if err != nil {
				return nil, err
			}
			res = asArray(v)
		} else {
			v, err := ev.sortExpr(n, input, env)
			if err != nil {
				return nil, err
			}
			sorted := asArray(v)
			res = newSeq()
			res.tupleStrm = true
			if sorted != nil {
				for i, it := range sorted.a {
					t := tuple{"@": it}
					if n.index != "" {
						t[n.index] = float64(i)
					}
					res.a = append(res.a, t)
				}
			}
		}
		if n.stages != nil {
			v, err := ev.stages(n.stages, res, env)
			if err != nil {
				return nil, err
			}
			res = asArray(v)
		}
		return res, nil
	}
	result := newSeq()
	result.tupleStrm = true
	if tuples == nil {
		tuples = newSeq()
		if input != nil {
			for _, it := range input.a {
				tuples.a = append(tuples.a, tuple{"@": it})
			}
		}
	}
	for _, tv := range tuples.a {
		t := asTuple(tv)
		stepEnv := frameFromTuple(env, t)
		res, err := ev.eval(n, t["@"], stepEnv)
		if err != nil {
			return nil, err
		}
		if res == nil {
			continue
		}
		ra, ok := res.(*array)
		if !ok {
			ra = &array{a: []any{res}}
		}
		for bb, item := range ra.a {
			nt := make(tuple, len(t)+2)
			for k, v := range t {
				nt[k] = v
			}
			if ra.tupleStrm {
				for k, v := range asTuple(item) {
					nt[k] = v
				}
			} else {
				if n.focus != "" {
					nt[n.focus] = item
					nt["@"] = t["@"]
				} else {
					nt["@"] = item
				}
				if n.index != "" {
					nt[n.index] = float64(bb)
				}
				if n.ancestor != nil {
					nt[n.ancestor.label] = t["@"]
				}
			}
			result.a = append(result.a, nt)
		}
	}
	if n.stages != nil {
		v, err := ev.stages(n.stages, result, env)
		if err != nil {
			return nil, err
		}
		result = asArray(v)
		if result == nil {
			result = &array{seq: true, tupleStrm: true}
		}
	}
	return result, nil
}

func (ev *evaluator) stages(stages []stage, input *array, env *frame) (any, error) {
	var cur any = input
	for _, st := range stages {
		if st.filter != nil {
			var err error
			if cur, err = ev.filter(st.filter, cur, env); err != nil {
				return nil, err
			}
		} else if a, ok := cur.(*array); ok {
			for i, t := range a.a {
				if tt, ok := t.(tuple); ok {
					tt[st.index] = float64(i)
				}
			}
		}
	}
	return cur, nil
}

func (ev *evaluator) filter(pred *node, input any, env *frame) (any, error) {
	results := newSeq()
	in, ok := input.(*array)
	if ok && in.tupleStrm {
		results.tupleStrm = true
	}
	if !ok {
		if input == nil {
			in = newSeq()
		} else {
			in = newSeq(input)
		}
	}
	if pred.kind == nNumber {
		idx := int(math.Floor(pred.num))
		if pred.num < 0 {
			idx = len(in.a) + int(math.Floor(pred.num))
		}
		if idx >= 0 && idx < len(in.a) {
			item := in.a[idx]
			if item == nil {
				return results, nil
			}
			if a, ok := item.(*array); ok {
				return a, nil
			}
			results.a = append(results.a, item)
		}
		return results, nil
	}
	for index, item := range in.a {
		ctx := item
		fenv := env
		if in.tupleStrm {
			t := asTuple(item)
			ctx = t["@"]
			fenv = frameFromTuple(env, t)
		}
		res, err := ev.eval(pred, ctx, fenv)
		if err != nil {
			return nil, err
		}
		if isNumeric(res) {
			res = &array{a: []any{res}}
		}
		if ra, ok := res.(*array); ok && isArrayOfNumbers(ra) && len(ra.a) > 0 {
			for _, v := range ra.a {
				f := math.Floor(v.(float64))
				if f < 0 {
					f += float64(len(in.a))
				}
				if int(f) == index && f == math.Trunc(f) {
					results.a = append(results.a, item)
				}
			}
		} else if toBool(res) {
			results.a = append(results.a, item)
		}
	}
	return results, nil
}

// toBool is the reference $boolean casting (undefined → false).
func toBool(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case *array:
		if len(x.a) == 1 {
			return toBool(x.a[0])
		}
		for _, it := range x.a {
			if toBool(it) {
				return true
			}
		}
		return false
	case string:
		return x != ""
	case float64:
		return x != 0 && !math.IsNaN(x)
	case bool:
		return x
	case *object:
		return len(x.ks()) > 0
	}
	return false
}

func appendValues(a, b any) any {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	out := &array{}
	if aa, ok := a.(*array); ok {
		out.a = append(out.a, aa.a...)
	} else {
		out.a = append(out.a, a)
	}
	if ba, ok := b.(*array); ok {
		out.a = append(out.a, ba.a...)
	} else {
		out.a = append(out.a, b)
	}
	return out
}

func reduceTuples(v any) any {
	a, ok := v.(*array)
	if !ok {
		return v
	}
	res := tuple{}
	if len(a.a) == 0 {
		return res
	}
	acc := map[string]*groupEntry{}
	for k, val := range asTuple(a.a[0]) {
		acc[k] = &groupEntry{data: val}
	}
	for _, t := range a.a[1:] {
		for k, val := range asTuple(t) {
			if e, ok := acc[k]; ok && e.value() != nil {
				e.add(val)
			} else {
				acc[k] = &groupEntry{data: val}
			}
		}
	}
	for k, e := range acc {
		res[k] = e.value()
	}
	return res
}

type groupEntry struct {
	data      any
	items     []any // accumulated values once a second item joins the group
	exprIndex int
}

// add appends item as appendValues would, without quadratic copying.
func (e *groupEntry) add(item any) {
	if e.items == nil {
		if a, ok := e.data.(*array); ok {
			e.items = append([]any(nil), a.a...)
		} else {
			e.items = []any{e.data}
		}
	}
	if a, ok := item.(*array); ok {
		e.items = append(e.items, a.a...)
	} else if item != nil {
		e.items = append(e.items, item)
	}
	e.data = nil
}

func (e *groupEntry) value() any {
	if e.items != nil {
		return &array{a: e.items}
	}
	return e.data
}

func (ev *evaluator) group(g *groupExpr, input any, env *frame) (any, error) {
	result := newObject(len(g.pairs))
	in, ok := input.(*array)
	reduce := ok && in.tupleStrm
	if !ok {
		in = newSeq(input)
	}
	items := in.a
	if len(items) == 0 {
		items = []any{nil}
	}
	groups := map[string]*groupEntry{}
	var order []string
	for _, item := range items {
		ctx := item
		genv := env
		if reduce {
			t := asTuple(item)
			genv = frameFromTuple(env, t)
			ctx = t["@"]
		}
		for pi, pair := range g.pairs {
			k, err := ev.eval(pair[0], ctx, genv)
			if err != nil {
				return nil, err
			}
			if k == nil {
				continue
			}
			ks, ok := k.(string)
			if !ok {
				return nil, &Error{Code: "T1003", Position: g.pos, Value: k}
			}
			if e, ok := groups[ks]; ok {
				if e.exprIndex != pi {
					return nil, &Error{Code: "D1009", Position: g.pos, Value: ks}
				}
				e.add(item)
			} else {
				groups[ks] = &groupEntry{data: item, exprIndex: pi}
				order = append(order, ks)
			}
		}
	}
	for _, k := range order {
		e := groups[k]
		ctx := e.value()
		genv := env
		if reduce {
			t := asTuple(reduceTuples(ctx))
			ctx = t["@"]
			delete(t, "@")
			genv = frameFromTuple(env, t)
		}
		v, err := ev.eval(g.pairs[e.exprIndex][1], ctx, genv)
		if err != nil {
			return nil, err
		}
		if v != nil {
			result.set(k, v)
		}
	}
	return result, nil
}

func (ev *evaluator) sortExpr(n *node, input any, env *frame) (any, error) {
	in, ok := input.(*array)
	if !ok {
		if input == nil {
			return nil, nil
		}
		in = newSeq(input)
	}
	isTuple := in.tupleStrm
	var firstErr error
	greater := func(a, b any) bool {
		if firstErr != nil {
			return false
		}
		comp := 0
		for _, term := range n.terms {
			if comp != 0 {
				break
			}
			ca, cb := a, b
			ea, eb := env, env
			if isTuple {
				ca = asTuple(a)["@"]
				ea = frameFromTuple(env, asTuple(a))
				cb = asTuple(b)["@"]
				eb = frameFromTuple(env, asTuple(b))
			}
			aa, err := ev.eval(term.expr, ca, ea)
			if err != nil {
				firstErr = err
				return false
			}
			bb, err := ev.eval(term.expr, cb, eb)
			if err != nil {
				firstErr = err
				return false
			}
			if aa == nil {
				if bb == nil {
					comp = 0
				} else {
					comp = 1
				}
				continue
			}
			if bb == nil {
				comp = -1
				continue
			}
			c, err := compareSortable(aa, bb, n.pos)
			if err != nil {
				firstErr = err
				return false
			}
			if c == 0 {
				continue
			}
			comp = c
			if term.desc {
				comp = -comp
			}
		}
		return comp == 1
	}
	sorted := mergeSort(in.a, greater)
	if firstErr != nil {
		return nil, firstErr
	}
	out := &array{a: sorted, seq: true, tupleStrm: in.tupleStrm}
	return out, nil
}

func compareSortable(aa, bb any, pos int) (int, error) {
	switch x := aa.(type) {
	case float64:
		y, ok := bb.(float64)
		if !ok {
			if _, isS := bb.(string); isS {
				return 0, &Error{Code: "T2007", Position: pos, Value: aa, extra: map[string]any{"value2": bb}}
			}
			return 0, &Error{Code: "T2008", Position: pos, Value: bb}
		}
		if x < y {
			return -1, nil
		} else if x > y {
			return 1, nil
		}
		return 0, nil
	case string:
		y, ok := bb.(string)
		if !ok {
			if _, isN := bb.(float64); isN {
				return 0, &Error{Code: "T2007", Position: pos, Value: aa, extra: map[string]any{"value2": bb}}
			}
			return 0, &Error{Code: "T2008", Position: pos, Value: bb}
		}
		if x < y {
			return -1, nil
		} else if x > y {
			return 1, nil
		}
		return 0, nil
	}
	return 0, &Error{Code: "T2008", Position: pos, Value: aa}
}

// mergeSort is a stable merge sort; greater(a, b) reports a sorts after b.
func mergeSort(items []any, greater func(a, b any) bool) []any {
	if len(items) <= 1 {
		return append([]any(nil), items...)
	}
	mid := len(items) / 2
	left := mergeSort(items[:mid], greater)
	right := mergeSort(items[mid:], greater)
	out := make([]any, 0, len(items))
	i, j := 0, 0
	for i < len(left) && j < len(right) {
		if greater(left[i], right[j]) {
			out = append(out, right[j])
			j++
		} else {
			out = append(out, left[i])
			i++
		}
	}
	out = append(out, left[i:]...)
	return append(out, right[j:]...)
}

func asTuple(v any) tuple {
	t, _ := v.(tuple)
	if t == nil {
		return tuple{}
	}
	return t
}
