package jsonata

import "strconv"

// processor rewrites the raw parse tree into the evaluation tree: binary
// '.' chains become paths of steps, predicates attach to steps as stages,
// focus (@) and index (#) bindings turn steps into tuple steps, and parent
// (%) references are resolved to ancestor labels.
type processor struct {
	ancestorLabel int
	ancestorIndex int
	ancestry      []*node
}

func (pr *processor) seekParent(n *node, s *slot) (*slot, error) {
	switch n.kind {
	case nName, nWildcard:
		s.level--
		if s.level == 0 {
			if n.ancestor == nil {
				n.ancestor = s
			} else {
				pr.ancestry[s.index].slot.label = n.ancestor.label
				n.ancestor = s
			}
			n.tuple = true
		}
	case nParent:
		s.level++
	case nBlock:
		if len(n.exprs) > 0 {
			n.tuple = true
			return pr.seekParent(n.exprs[len(n.exprs)-1], s)
		}
	case nPath:
		n.tuple = true
		i := len(n.steps) - 1
		var err error
		s, err = pr.seekParent(n.steps[i], s)
		if err != nil {
			return nil, err
		}
		i--
		for s.level > 0 && i >= 0 {
			if s, err = pr.seekParent(n.steps[i], s); err != nil {
				return nil, err
			}
			i--
		}
	default:
		return nil, &Error{Code: "S0217", Position: n.pos, Token: kindName(n)}
	}
	return s, nil
}

func kindName(n *node) string {
	switch n.kind {
	case nString:
		return "string"
	case nNumber:
		return "number"
	case nValue:
		return "value"
	case nVariable:
		return "variable"
	case nFunction:
		return "function"
	case nLambda:
		return "lambda"
	case nCondition:
		return "condition"
	case nBinary:
		return "binary"
	case nArrayCons, nObjectCons, nUnaryNeg:
		return "unary"
	}
	return n.str
}

func pushAncestry(result, value *node) {
	if value.seekingParent != nil || value.kind == nParent {
		slots := value.seekingParent
		if value.kind == nParent {
			slots = append(slots, value.slot)
		}
		result.seekingParent = append(result.seekingParent, slots...)
	}
}

func (pr *processor) resolveAncestry(path *node) error {
	last := path.steps[len(path.steps)-1]
	slots := append([]*slot(nil), last.seekingParent...)
	if last.kind == nParent {
		slots = append(slots, last.slot)
	}
	for _, s := range slots {
		index := len(path.steps) - 2
		for s.level > 0 {
			if index < 0 {
				path.seekingParent = append(path.seekingParent, s)
				break
			}
			step := path.steps[index]
			index--
			for index >= 0 && step.focus != "" && path.steps[index].focus != "" {
				step = path.steps[index]
				index--
			}
			var err error
			if s, err = pr.seekParent(step, s); err != nil {
				return err
			}
		}
	}
	return nil
}

func (pr *processor) process(n *node) (*node, error) {
	var result *node
	var err error
	switch n.kind {
	case nDotRaw:
		lstep, err := pr.process(n.lhs)
		if err != nil {
			return nil, err
		}
		if lstep.kind == nPath {
			result = lstep
		} else {
			result = &node{kind: nPath, steps: []*node{lstep}, pos: n.pos}
		}
		if lstep.kind == nParent {
			result.seekingParent = []*slot{lstep.slot}
		}
		rest, err := pr.process(n.rhs)
		if err != nil {
			return nil, err
		}
		if rest.kind == nPath {
			result.steps = append(result.steps, rest.steps...)
		} else {
			if rest.predicate != nil {
				rest.stages = rest.predicate
				rest.predicate = nil
			}
			result.steps = append(result.steps, rest)
		}
		for _, st := range result.steps {
			if st.kind == nNumber || st.kind == nValue {
				var v any = st.val
				if st.kind == nNumber {
					v = st.num
				}
				return nil, &Error{Code: "S0213", Position: st.pos, Value: v}
			}
			if st.kind == nString {
				st.kind = nName
			}
			if st.keepArray {
				result.keepSingletonArray = true
			}
		}
		if first := result.steps[0]; first.kind == nArrayCons {
			first.consarray = true
		}
		if last := result.steps[len(result.steps)-1]; last.kind == nArrayCons {
			last.consarray = true
		}
		if err := pr.resolveAncestry(result); err != nil {
			return nil, err
		}
	case nFilterRaw:
		if result, err = pr.process(n.lhs); err != nil {
			return nil, err
		}
		step := result
		stages := false
		if result.kind == nPath {
			step = result.steps[len(result.steps)-1]
			stages = true
		}
		if step.group != nil {
			return nil, &Error{Code: "S0209", Position: n.pos}
		}
		pred, err := pr.process(n.rhs)
		if err != nil {
			return nil, err
		}
		if pred.seekingParent != nil {
			for _, s := range pred.seekingParent {
				if s.level == 1 {
					if _, err := pr.seekParent(step, s); err != nil {
						return nil, err
					}
				} else {
					s.level--
				}
			}
			pushAncestry(step, pred)
		}
		st := stage{filter: pred, pos: n.pos}
		if stages {
			step.stages = append(step.stages, st)
		} else {
			step.predicate = append(step.predicate, st)
		}
	case nGroupRaw:
		if result, err = pr.process(n.lhs); err != nil {
			return nil, err
		}
		if result.group != nil {
			return nil, &Error{Code: "S0210", Position: n.pos}
		}
		g := &groupExpr{pos: n.pos}
		for _, pair := range n.pairs {
			k, err := pr.process(pair[0])
			if err != nil {
				return nil, err
			}
			v, err := pr.process(pair[1])
			if err != nil {
				return nil, err
			}
			g.pairs = append(g.pairs, [2]*node{k, v})
		}
		result.group = g
	case nSortRaw:
		if result, err = pr.process(n.lhs); err != nil {
			return nil, err
		}
		if result.kind != nPath {
			result = &node{kind: nPath, steps: []*node{result}, pos: n.pos}
		}
		sortStep := &node{kind: nSort, pos: n.pos}
		for _, t := range n.terms {
			e, err := pr.process(t.expr)
			if err != nil {
				return nil, err
			}
			pushAncestry(sortStep, e)
			sortStep.terms = append(sortStep.terms, sortTerm{desc: t.desc, expr: e})
		}
		result.steps = append(result.steps, sortStep)
		if err := pr.resolveAncestry(result); err != nil {
			return nil, err
		}
	case nBind:
		result = &node{kind: nBind, pos: n.pos, lhs: n.lhs}
		if result.rhs, err = pr.process(n.rhs); err != nil {
			return nil, err
		}
		pushAncestry(result, result.rhs)
	case nFocusRaw:
		if result, err = pr.process(n.lhs); err != nil {
			return nil, err
		}
		step := result
		if result.kind == nPath {
			step = result.steps[len(result.steps)-1]
		}
		if step.stages != nil || step.predicate != nil {
			return nil, &Error{Code: "S0215", Position: n.pos}
		}
		if step.kind == nSort {
			return nil, &Error{Code: "S0216", Position: n.pos}
		}
		if n.keepArray {
			step.keepArray = true
		}
		step.focus = n.rhs.str
		step.tuple = true
	case nIndexRaw:
		if result, err = pr.process(n.lhs); err != nil {
			return nil, err
		}
		step := result
		if result.kind == nPath {
			step = result.steps[len(result.steps)-1]
		} else {
			result = &node{kind: nPath, steps: []*node{result}, pos: n.pos}
			if step.predicate != nil {
				step.stages = step.predicate
				step.predicate = nil
			}
		}
		if step.stages == nil {
			step.index = n.rhs.str
		} else {
			step.stages = append(step.stages, stage{index: n.rhs.str, pos: n.pos})
		}
		step.tuple = true
	case nApply:
		result = &node{kind: nApply, pos: n.pos}
		if result.lhs, err = pr.process(n.lhs); err != nil {
			return nil, err
		}
		if result.rhs, err = pr.process(n.rhs); err != nil {
			return nil, err
		}
		result.keepArray = result.lhs.keepArray || result.rhs.keepArray
	case nBinary, nCoalesce, nElvis:
		result = &node{kind: n.kind, str: n.str, pos: n.pos}
		if result.lhs, err = pr.process(n.lhs); err != nil {
			return nil, err
		}
		if result.rhs, err = pr.process(n.rhs); err != nil {
			return nil, err
		}
		pushAncestry(result, result.lhs)
		pushAncestry(result, result.rhs)
	case nUnaryNeg:
		e, err := pr.process(n.lhs)
		if err != nil {
			return nil, err
		}
		if e.kind == nNumber {
			result = e
			result.num = -result.num
		} else {
			result = &node{kind: nUnaryNeg, lhs: e, pos: n.pos}
			pushAncestry(result, e)
		}
	case nArrayCons:
		result = &node{kind: nArrayCons, pos: n.pos, exprs: make([]*node, 0, len(n.exprs))}
		for _, it := range n.exprs {
			v, err := pr.process(it)
			if err != nil {
				return nil, err
			}
			pushAncestry(result, v)
			result.exprs = append(result.exprs, v)
		}
	case nObjectCons:
		result = &node{kind: nObjectCons, pos: n.pos, pairs: make([][2]*node, 0, len(n.pairs))}
		for _, pair := range n.pairs {
			k, err := pr.process(pair[0])
			if err != nil {
				return nil, err
			}
			pushAncestry(result, k)
			v, err := pr.process(pair[1])
			if err != nil {
				return nil, err
			}
			pushAncestry(result, v)
			result.pairs = append(result.pairs, [2]*node{k, v})
		}
	case nFunction, nPartial:
		result = &node{kind: n.kind, pos: n.pos, exprs: make([]*node, 0, len(n.exprs))}
		for _, a := range n.exprs {
			v, err := pr.process(a)
			if err != nil {
				return nil, err
			}
			pushAncestry(result, v)
			result.exprs = append(result.exprs, v)
		}
		if result.proc, err = pr.process(n.proc); err != nil {
			return nil, err
		}
	case nLambda:
		result = &node{kind: nLambda, pos: n.pos, exprs: n.exprs, sig: n.sig}
		body, err := pr.process(n.body)
		if err != nil {
			return nil, err
		}
		result.body = tailCallOptimize(body)
	case nCondition:
		result = &node{kind: nCondition, pos: n.pos}
		if result.cond, err = pr.process(n.cond); err != nil {
			return nil, err
		}
		pushAncestry(result, result.cond)
		if result.then, err = pr.process(n.then); err != nil {
			return nil, err
		}
		pushAncestry(result, result.then)
		if n.els != nil {
			if result.els, err = pr.process(n.els); err != nil {
				return nil, err
			}
			pushAncestry(result, result.els)
		}
	case nTransform:
		result = &node{kind: nTransform, pos: n.pos}
		if result.pattern, err = pr.process(n.pattern); err != nil {
			return nil, err
		}
		if result.update, err = pr.process(n.update); err != nil {
			return nil, err
		}
		if n.del != nil {
			if result.del, err = pr.process(n.del); err != nil {
				return nil, err
			}
		}
	case nBlock:
		result = &node{kind: nBlock, pos: n.pos, exprs: make([]*node, 0, len(n.exprs))}
		for _, it := range n.exprs {
			part, err := pr.process(it)
			if err != nil {
				return nil, err
			}
			pushAncestry(result, part)
			if part.consarray || (part.kind == nPath && part.steps[0].consarray) {
				result.consarray = true
			}
			result.exprs = append(result.exprs, part)
		}
	case nName:
		result = &node{kind: nPath, steps: []*node{n}, pos: n.pos}
		if n.keepArray {
			result.keepSingletonArray = true
		}
	case nParent:
		result = &node{kind: nParent, pos: n.pos, slot: &slot{label: "!" + strconv.Itoa(pr.ancestorLabel), level: 1, index: pr.ancestorIndex}}
		pr.ancestorLabel++
		pr.ancestorIndex++
		pr.ancestry = append(pr.ancestry, result)
	case nString, nNumber, nValue, nWildcard, nDescendant, nVariable, nRegex, nPlaceholder:
		result = n
	default:
		return nil, &Error{Code: "S0206", Position: n.pos, Token: n.str}
	}
	if n.keepArray {
		result.keepArray = true
	}
	return result, nil
}

func tailCallOptimize(e *node) *node {
	switch e.kind {
	case nFunction:
		if e.predicate == nil {
			return &node{kind: nLambda, thunk: true, pos: e.pos, body: e}
		}
	case nCondition:
		e.then = tailCallOptimize(e.then)
		if e.els != nil {
			e.els = tailCallOptimize(e.els)
		}
	case nBlock:
		if len(e.exprs) > 0 {
			e.exprs[len(e.exprs)-1] = tailCallOptimize(e.exprs[len(e.exprs)-1])
		}
	}
	return e
}
