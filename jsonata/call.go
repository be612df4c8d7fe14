package jsonata

import (
	"math"
	"sync"
)

// call carries the context of a built-in function invocation.
type call struct {
	input any
	env   *frame
	name  string
}

// builtin is a native function.
type builtin struct {
	name  string
	sig   *signature
	arity int
	fn    func(ev *evaluator, c *call, args []any) (any, error)
}

func (ev *evaluator) binary(n *node, input any, env *frame) (any, error) {
	lhs, err := ev.eval(n.lhs, input, env)
	if err != nil {
		return nil, err
	}
	op := n.str
	switch op {
	case "and":
		if !toBool(lhs) {
			return false, nil
		}
		rhs, err := ev.eval(n.rhs, input, env)
		if err != nil {
			return nil, err
		}
		return toBool(rhs), nil
	case "or":
		if toBool(lhs) {
			return true, nil
		}
		rhs, err := ev.eval(n.rhs, input, env)
		if err != nil {
			return nil, err
		}
		return toBool(rhs), nil
	}
	rhs, err := ev.eval(n.rhs, input, env)
	if err != nil {
		return nil, err
	}
	switch op {
	case "+", "-", "*", "/", "%":
		lf, lok := lhs.(float64)
		if lhs != nil && !lok {
			return nil, &Error{Code: "T2001", Position: n.pos, Token: op, Value: lhs}
		}
		rf, rok := rhs.(float64)
		if rhs != nil && !rok {
			return nil, &Error{Code: "T2002", Position: n.pos, Token: op, Value: rhs}
		}
		if !lok || !rok {
			return nil, nil
		}
		if math.IsInf(lf, 0) {
			return nil, &Error{Code: "D1001", Position: n.pos, Value: lf}
		}
		if math.IsInf(rf, 0) {
			return nil, &Error{Code: "D1001", Position: n.pos, Value: rf}
		}
		var r float64
		switch op {
		case "+":
			r = lf + rf
		case "-":
			r = lf - rf
		case "*":
			r = lf * rf
		case "/":
			r = lf / rf
		case "%":
			r = math.Mod(lf, rf)
		}
		return r, nil
	case "=", "!=":
		if lhs == nil || rhs == nil {
			return false, nil
		}
		eq := deepEqual(lhs, rhs)
		if op == "!=" {
			return !eq, nil
		}
		return eq, nil
	case "<", "<=", ">", ">=":
		lc := comparable(lhs)
		rc := comparable(rhs)
		if !lc || !rc {
			v := rhs
			if !lc || lhs == nil && false {
				v = lhs
			}
			if _, ok := lhs.(string); !ok {
				if _, ok := lhs.(float64); !ok {
					v = lhs
				}
			}
			if lc && lhs != nil {
				v = rhs
			}
			return nil, &Error{Code: "T2010", Position: n.pos, Token: op, Value: v}
		}
		if lhs == nil || rhs == nil {
			return nil, nil
		}
		switch x := lhs.(type) {
		case float64:
			y, ok := rhs.(float64)
			if !ok {
				return nil, &Error{Code: "T2009", Position: n.pos, Token: op, Value: lhs, extra: map[string]any{"value2": rhs}}
			}
			switch op {
			case "<":
				return x < y, nil
			case "<=":
				return x <= y, nil
			case ">":
				return x > y, nil
			default:
				return x >= y, nil
			}
		case string:
			y, ok := rhs.(string)
			if !ok {
				return nil, &Error{Code: "T2009", Position: n.pos, Token: op, Value: lhs, extra: map[string]any{"value2": rhs}}
			}
			switch op {
			case "<":
				return x < y, nil
			case "<=":
				return x <= y, nil
			case ">":
				return x > y, nil
			default:
				return x >= y, nil
			}
		}
	case "&":
		ls, rs := "", ""
		if lhs != nil && lhs != any(null) {
			s, err := toJString(lhs, false)
			if err != nil {
				return nil, err
			}
			ls = s
		}
		if rhs != nil && rhs != any(null) {
			s, err := toJString(rhs, false)
			if err != nil {
				return nil, err
			}
			rs = s
		}
		return ls + rs, nil
	case "in":
		if lhs == nil || rhs == nil {
			return false, nil
		}
		ra, ok := rhs.(*array)
		if !ok {
			return strictEqual(lhs, rhs), nil
		}
		for _, it := range ra.a {
			if strictEqual(lhs, it) {
				return true, nil
			}
		}
		return false, nil
	case "..":
		lf, lok := lhs.(float64)
		if lhs != nil && (!lok || lf != math.Trunc(lf)) {
			return nil, &Error{Code: "T2003", Position: n.pos, Token: op, Value: lhs}
		}
		rf, rok := rhs.(float64)
		if rhs != nil && (!rok || rf != math.Trunc(rf)) {
			return nil, &Error{Code: "T2004", Position: n.pos, Token: op, Value: rhs}
		}
		if lhs == nil || rhs == nil || lf > rf {
			return nil, nil
		}
		size := rf - lf + 1
		if size > 1e7 {
			return nil, &Error{Code: "D2014", Position: n.pos, Value: size}
		}
		out := &array{a: make([]any, 0, int(size)), seq: true}
		for v := lf; v <= rf; v++ {
			out.a = append(out.a, v)
		}
		return out, nil
	}
	return nil, &Error{Code: "S0204", Position: n.pos, Token: op}
}

func comparable(v any) bool {
	switch v.(type) {
	case nil, string, float64:
		return true
	}
	return false
}

// strictEqual is JavaScript's ===: primitives by value, containers by
// identity.
func strictEqual(a, b any) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case nullT:
		_, ok := b.(nullT)
		return ok
	case *object:
		y, ok := b.(*object)
		return ok && x == y
	case *array:
		y, ok := b.(*array)
		return ok && x == y
	}
	return false
}

func procName(n *node) string {
	if n.kind == nPath && len(n.steps) > 0 {
		return n.steps[0].str
	}
	return n.str
}

func (ev *evaluator) function(n *node, input any, env *frame, applyTo any, hasApplyTo bool) (any, error) {
	proc, err := ev.eval(n.proc, input, env)
	if err != nil {
		return nil, err
	}
	if proc == nil && n.proc.kind == nPath && len(n.proc.steps) > 0 {
		if _, ok := env.lookup(n.proc.steps[0].str); ok {
			return nil, &Error{Code: "T1005", Position: n.pos, Token: n.proc.steps[0].str}
		}
	}
	args := make([]any, 0, len(n.exprs)+1)
	if hasApplyTo {
		args = append(args, applyTo)
	}
	for _, a := range n.exprs {
		v, err := ev.eval(a, input, env)
		if err != nil {
			return nil, err
		}
		args = append(args, v)
	}
	name := procName(n.proc)
	res, err := ev.apply(proc, args, input, env)
	if err != nil {
		if e, ok := err.(*Error); ok {
			if e.Position == 0 {
				e.Position = n.pos
			}
			if e.Token == "" {
				e.Token = name
			}
		}
		return nil, err
	}
	return res, nil
}

func (ev *evaluator) apply(proc any, args []any, input any, env *frame) (any, error) {
	res, err := ev.applyInner(proc, args, input, env)
	for err == nil {
		l, ok := res.(*lambda)
		if !ok || !l.n.thunk {
			break
		}
		body := l.n.body
		next, err2 := ev.eval(body.proc, l.input, l.env)
		if err2 != nil {
			return nil, err2
		}
		if next == nil && body.proc.kind == nPath && len(body.proc.steps) > 0 {
			if _, ok := l.env.lookup(body.proc.steps[0].str); ok {
				return nil, &Error{Code: "T1005", Position: body.pos, Token: body.proc.steps[0].str}
			}
		}
		nargs := make([]any, len(body.exprs))
		for i, a := range body.exprs {
			if nargs[i], err2 = ev.eval(a, l.input, l.env); err2 != nil {
				return nil, err2
			}
		}
		res, err = ev.applyInner(next, nargs, l.input, l.env)
		if err != nil {
			if e, ok := err.(*Error); ok {
				if e.Position == 0 {
					e.Position = body.pos
				}
				if e.Token == "" {
					e.Token = procName(body.proc)
				}
			}
		}
	}
	return res, err
}

func (ev *evaluator) applyInner(proc any, args []any, input any, env *frame) (any, error) {
	switch p := proc.(type) {
	case *lambda:
		if p.n.sig != nil {
			var err error
			if args, err = p.n.sig.validate(args, input); err != nil {
				return nil, err
			}
		}
		fr := newFrame(p.env)
		for i, param := range p.n.exprs {
			var v any
			if i < len(args) {
				v = args[i]
			}
			fr.bind(param.str, v)
		}
		return ev.eval(p.n.body, p.input, fr)
	case *builtin:
		if p.name != "string" {
			for _, a := range args {
				if f, ok := a.(float64); ok && (math.IsInf(f, 0) || math.IsNaN(f)) {
					return nil, &Error{Code: "D1001", Value: f}
				}
			}
		}
		if p.sig != nil {
			var err error
			if args, err = p.sig.validate(args, input); err != nil {
				return nil, err
			}
		}
		return p.fn(ev, &call{input: input, env: env, name: p.name}, args)
	case *partial:
		full := make([]any, 0, len(p.args)+len(args))
		j := 0
		for i, a := range p.args {
			if p.holes[i] {
				if j < len(args) {
					full = append(full, args[j])
				} else {
					full = append(full, nil)
				}
				j++
			} else {
				full = append(full, a)
			}
		}
		return ev.apply(p.fn, full, input, env)
	case *chain:
		var a0 any
		if len(args) > 0 {
			a0 = args[0]
		}
		r, err := ev.apply(p.f, []any{a0}, input, env)
		if err != nil {
			return nil, err
		}
		return ev.apply(p.g, []any{r}, input, env)
	case *regexValue:
		var a0 any
		if len(args) > 0 {
			a0 = args[0]
		}
		s, ok := a0.(string)
		if !ok {
			return nil, nil
		}
		return regexMatchObject(p, s), nil
	}
	return nil, &Error{Code: "T1006"}
}

// arity is the reference getFunctionArity.
func arity(f any) int {
	switch p := f.(type) {
	case *lambda:
		return len(p.n.exprs)
	case *builtin:
		return p.arity
	case *partial:
		return p.arity
	case *chain:
		return 1
	case *regexValue:
		return 1
	}
	return 0
}

func (ev *evaluator) partialApply(n *node, input any, env *frame) (any, error) {
	args := make([]any, len(n.exprs))
	holes := make([]bool, len(n.exprs))
	nh := 0
	for i, a := range n.exprs {
		if a.kind == nPlaceholder {
			holes[i] = true
			nh++
			continue
		}
		v, err := ev.eval(a, input, env)
		if err != nil {
			return nil, err
		}
		args[i] = v
	}
	proc, err := ev.eval(n.proc, input, env)
	if err != nil {
		return nil, err
	}
	if proc == nil && n.proc.kind == nPath && len(n.proc.steps) > 0 {
		if _, ok := env.lookup(n.proc.steps[0].str); ok {
			return nil, &Error{Code: "T1007", Position: n.pos, Token: n.proc.steps[0].str}
		}
	}
	if !isFunction(proc) {
		return nil, &Error{Code: "T1008", Position: n.pos, Token: procName(n.proc)}
	}
	return &partial{fn: proc, args: args, holes: holes, arity: nh}, nil
}

func (ev *evaluator) applyExpr(n *node, input any, env *frame) (any, error) {
	lhs, err := ev.eval(n.lhs, input, env)
	if err != nil {
		return nil, err
	}
	if n.rhs.kind == nFunction {
		return ev.function(n.rhs, input, env, lhs, true)
	}
	fn, err := ev.eval(n.rhs, input, env)
	if err != nil {
		return nil, err
	}
	if !isFunction(fn) {
		return nil, &Error{Code: "T2006", Position: n.pos, Value: fn}
	}
	if isFunction(lhs) {
		return &chain{f: lhs, g: fn}, nil
	}
	return ev.apply(fn, []any{lhs}, nil, env)
}

var transformSig = sync.OnceValue(func() *signature { return mustSignature("<(oa):o>") })

func (ev *evaluator) transform(n *node, obj any, env *frame) (any, error) {
	if obj == nil {
		return nil, nil
	}
	cl, _ := env.lookup("clone")
	if !isFunction(cl) {
		return nil, &Error{Code: "T2013", Position: n.pos}
	}
	result, err := ev.apply(cl, []any{obj}, nil, env)
	if err != nil {
		return nil, err
	}
	matches, err := ev.eval(n.pattern, result, env)
	if err != nil {
		return nil, err
	}
	if matches == nil {
		return result, nil
	}
	ma, ok := matches.(*array)
	if !ok {
		ma = &array{a: []any{matches}}
	}
	for _, match := range ma.a {
		upd, err := ev.eval(n.update, match, env)
		if err != nil {
			return nil, err
		}
		if upd != nil {
			uo, ok := upd.(*object)
			if !ok {
				return nil, &Error{Code: "T2011", Position: n.update.pos, Value: upd}
			}
			if mo, ok := match.(*object); ok {
				for _, k := range uo.ks() {
					mo.set(k, uo.val(k))
				}
			}
		}
		if n.del != nil {
			dels, err := ev.eval(n.del, match, env)
			if err != nil {
				return nil, err
			}
			if dels != nil {
				da, ok := dels.(*array)
				if !ok {
					da = &array{a: []any{dels}}
				}
				if !isArrayOfStrings(da) {
					return nil, &Error{Code: "T2012", Position: n.del.pos, Value: dels}
				}
				if mo, ok := match.(*object); ok {
					for _, d := range da.a {
						mo.del(d.(string))
					}
				}
			}
		}
	}
	return result, nil
}

// deepClone copies a JSON value (functions are dropped, as JSON would).
func deepClone(v any) any {
	switch x := v.(type) {
	case *object:
		o := newObject(len(x.ks()))
		for _, k := range x.ks() {
			vv := x.val(k)
			if vv == nil || isFunction(vv) {
				continue
			}
			o.set(k, deepClone(vv))
		}
		return o
	case *array:
		a := &array{a: make([]any, 0, len(x.a))}
		for _, it := range x.a {
			if it == nil || isFunction(it) {
				a.a = append(a.a, null)
				continue
			}
			a.a = append(a.a, deepClone(it))
		}
		return a
	}
	return v
}
