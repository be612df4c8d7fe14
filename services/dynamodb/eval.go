package dynamodb

import (
	"encoding/base64"
	"math/big"
	"strconv"
	"strings"

	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// resolve returns the value at path in item, or nil when there is none.
func resolve(item map[string]any, path docPath) map[string]any {
	if len(path) == 0 || path[0].isIndex {
		return nil
	}
	cur, _ := item[path[0].name].(map[string]any)
	for _, e := range path[1:] {
		if cur == nil {
			return nil
		}
		if e.isIndex {
			l, ok := cur["L"].([]any)
			if !ok || e.index >= len(l) {
				return nil
			}
			cur, _ = l[e.index].(map[string]any)
		} else {
			m, ok := cur["M"].(map[string]any)
			if !ok {
				return nil
			}
			cur, _ = m[e.name].(map[string]any)
		}
	}
	return cur
}

// evalOperand returns an operand's value in a condition; nil when it refers to nothing.
func evalOperand(item map[string]any, o operand) map[string]any {
	switch x := o.(type) {
	case *pathOperand:
		return resolve(item, x.path)
	case *valueOperand:
		return x.value
	case *sizeOperand:
		v := resolve(item, x.path)
		n, ok := size(v)
		if !ok {
			return nil
		}
		return map[string]any{"N": strconv.Itoa(n)}
	}
	return nil
}

func size(v map[string]any) (int, bool) {
	t := typeOf(v)
	switch t {
	case "S":
		return len(task.Text(v["S"])), true
	case "B":
		b, _ := base64.StdEncoding.DecodeString(task.Text(v["B"]))
		return len(b), true
	case "SS", "NS", "BS", "L":
		l, _ := v[t].([]any)
		return len(l), true
	case "M":
		m, _ := v["M"].(map[string]any)
		return len(m), true
	}
	return 0, false
}

// evalCond evaluates a condition against item (nil for an item that does not exist).
func evalCond(item map[string]any, c cond) (bool, *Error) {
	switch x := c.(type) {
	case *andCond:
		a, err := evalCond(item, x.a)
		if err != nil || !a {
			return false, err
		}
		return evalCond(item, x.b)
	case *orCond:
		a, err := evalCond(item, x.a)
		if err != nil || a {
			return a, err
		}
		return evalCond(item, x.b)
	case *notCond:
		a, err := evalCond(item, x.c)
		return !a, err
	case *cmpCond:
		a, b := evalOperand(item, x.a), evalOperand(item, x.b)
		if x.op == "<>" {
			// a <> b is NOT (a = b): true when an operand is missing or of another type, as
			// DynamoDB answers (a conditional write guarded by "version <> :v" succeeds on a
			// new item).
			return a == nil || b == nil || !equal(a, b), nil
		}
		if a == nil || b == nil {
			return false, nil
		}
		if x.op == "=" {
			return equal(a, b), nil
		}
		n, ok := compare(a, b)
		if !ok {
			return false, nil
		}
		switch x.op {
		case "<":
			return n < 0, nil
		case "<=":
			return n <= 0, nil
		case ">":
			return n > 0, nil
		default:
			return n >= 0, nil
		}
	case *betweenCond:
		a, lo, hi := evalOperand(item, x.a), evalOperand(item, x.lo), evalOperand(item, x.hi)
		if a == nil || lo == nil || hi == nil {
			return false, nil
		}
		if c, ok := compare(lo, hi); ok && c > 0 {
			return false, errValidation("Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {%s:%s}, upper bound operand: AttributeValue: {%s:%s}", typeOf(lo), task.Text(lo[typeOf(lo)]), typeOf(hi), task.Text(hi[typeOf(hi)]))
		}
		c1, ok1 := compare(lo, a)
		c2, ok2 := compare(a, hi)
		return ok1 && ok2 && c1 <= 0 && c2 <= 0, nil
	case *inCond:
		a := evalOperand(item, x.a)
		if a == nil {
			return false, nil
		}
		for _, o := range x.list {
			if b := evalOperand(item, o); b != nil && equal(a, b) {
				return true, nil
			}
		}
		return false, nil
	case *funcCond:
		return evalFunc(item, x)
	}
	return false, nil
}

func evalFunc(item map[string]any, f *funcCond) (bool, *Error) {
	var v map[string]any
	if f.a != nil {
		v = evalOperand(item, f.a)
	} else {
		v = resolve(item, f.path)
	}
	var arg map[string]any
	if f.arg != nil {
		arg = evalOperand(item, f.arg)
	}
	switch f.name {
	case "attribute_exists":
		return v != nil, nil
	case "attribute_not_exists":
		return v == nil, nil
	case "attribute_type":
		want, _ := arg["S"].(string)
		if !validTypes[want] {
			return false, errValidation("Invalid ConditionExpression: Invalid attribute type name found; type: %s, valid types: { B,NULL,SS,BOOL,L,BS,N,NS,S,M }", want)
		}
		return v != nil && typeOf(v) == want, nil
	case "begins_with":
		if v == nil || arg == nil {
			return false, nil
		}
		switch {
		case typeOf(v) == "S" && typeOf(arg) == "S":
			return strings.HasPrefix(task.Text(v["S"]), task.Text(arg["S"])), nil
		case typeOf(v) == "B" && typeOf(arg) == "B":
			a, _ := base64.StdEncoding.DecodeString(task.Text(v["B"]))
			b, _ := base64.StdEncoding.DecodeString(task.Text(arg["B"]))
			return strings.HasPrefix(string(a), string(b)), nil
		}
		return false, nil
	case "contains":
		if v == nil || arg == nil {
			return false, nil
		}
		switch typeOf(v) {
		case "S":
			return typeOf(arg) == "S" && strings.Contains(task.Text(v["S"]), task.Text(arg["S"])), nil
		case "B":
			a, _ := base64.StdEncoding.DecodeString(task.Text(v["B"]))
			b, _ := base64.StdEncoding.DecodeString(task.Text(arg["B"]))
			return typeOf(arg) == "B" && strings.Contains(string(a), string(b)), nil
		case "SS", "NS", "BS":
			at := typeOf(arg)
			if string(typeOf(v)[0]) != at {
				return false, nil
			}
			s := task.Text(arg[at])
			if at == "N" {
				s, _ = canonicalNumber(s)
			}
			return setKeys(v)[s], nil
		case "L":
			l, _ := v["L"].([]any)
			for _, e := range l {
				if m, ok := e.(map[string]any); ok && equal(m, arg) {
					return true, nil
				}
			}
		}
		return false, nil
	}
	return false, nil
}

var validTypes = map[string]bool{"S": true, "N": true, "B": true, "BOOL": true, "NULL": true, "M": true, "L": true, "SS": true, "NS": true, "BS": true}

// evalUpdateValue computes the right-hand side of a SET action against the original item.
func evalUpdateValue(item map[string]any, o operand) (map[string]any, *Error) {
	switch x := o.(type) {
	case *pathOperand:
		v := resolve(item, x.path)
		if v == nil {
			return nil, errValidation("The provided expression refers to an attribute that does not exist in the item")
		}
		return v, nil
	case *valueOperand:
		return x.value, nil
	case *ifNotExists:
		if v := resolve(item, x.path); v != nil {
			return v, nil
		}
		return evalUpdateValue(item, x.def)
	case *listAppend:
		a, err := evalUpdateValue(item, x.a)
		if err != nil {
			return nil, err
		}
		b, err := evalUpdateValue(item, x.b)
		if err != nil {
			return nil, err
		}
		la, ok1 := a["L"].([]any)
		lb, ok2 := b["L"].([]any)
		if !ok1 || !ok2 {
			bad := a
			if ok1 {
				bad = b
			}
			return nil, errValidation("Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: %s", typeName(typeOf(bad)))
		}
		out := make([]any, 0, len(la)+len(lb))
		return map[string]any{"L": append(append(out, la...), lb...)}, nil
	case *arith:
		a, err := evalUpdateValue(item, x.a)
		if err != nil {
			return nil, err
		}
		b, err := evalUpdateValue(item, x.b)
		if err != nil {
			return nil, err
		}
		if typeOf(a) != "N" || typeOf(b) != "N" {
			return nil, errValidation("An operand in the update expression has an incorrect data type")
		}
		return addNumbers(task.Text(a["N"]), task.Text(b["N"]), x.op == '-')
	}
	return nil, errValidation("Invalid UpdateExpression: Syntax error")
}

func addNumbers(a, b string, sub bool) (map[string]any, *Error) {
	x, ok1 := parseNumber(a)
	y, ok2 := parseNumber(b)
	if !ok1 || !ok2 {
		return nil, errValidation("A value provided cannot be converted into a number")
	}
	r := new(big.Rat)
	if sub {
		r.Sub(x, y)
	} else {
		r.Add(x, y)
	}
	if r.Sign() != 0 {
		abs := new(big.Rat).Abs(r)
		if abs.Cmp(maxNumber) >= 0 || abs.Cmp(minNumber) < 0 {
			return nil, errValidation("Number overflow. Attempting to store a number with magnitude larger than supported range")
		}
	}
	return map[string]any{"N": formatRat(r)}, nil
}

// setPath stores v at path in item. Intermediate maps and lists must exist.
func setPath(item map[string]any, path docPath, v map[string]any) *Error {
	if len(path) == 1 {
		item[path[0].name] = v
		return nil
	}
	parent := resolve(item, path[:len(path)-1])
	last := path[len(path)-1]
	invalid := errValidation("The document path provided in the update expression is invalid for update")
	if parent == nil {
		return invalid
	}
	if last.isIndex {
		l, ok := parent["L"].([]any)
		if !ok {
			return invalid
		}
		if last.index >= len(l) {
			parent["L"] = append(l, v)
		} else {
			l[last.index] = v
		}
		return nil
	}
	m, ok := parent["M"].(map[string]any)
	if !ok {
		return invalid
	}
	m[last.name] = v
	return nil
}

// removePath deletes the value at path, if any.
func removePath(item map[string]any, path docPath) *Error {
	if len(path) == 1 {
		delete(item, path[0].name)
		return nil
	}
	parent := resolve(item, path[:len(path)-1])
	last := path[len(path)-1]
	if parent == nil {
		return nil
	}
	if last.isIndex {
		l, ok := parent["L"].([]any)
		if !ok {
			return errValidation("The document path provided in the update expression is invalid for update")
		}
		if last.index < len(l) {
			parent["L"] = append(l[:last.index:last.index], l[last.index+1:]...)
		}
		return nil
	}
	m, ok := parent["M"].(map[string]any)
	if !ok {
		return errValidation("The document path provided in the update expression is invalid for update")
	}
	delete(m, last.name)
	return nil
}

// applyUpdate runs u on a copy of item and returns the new item.
func applyUpdate(item map[string]any, u *update) (map[string]any, *Error) {
	vals := make([]map[string]any, len(u.set))
	for i, s := range u.set {
		v, err := evalUpdateValue(item, s.value)
		if err != nil {
			return nil, err
		}
		vals[i] = copyValue(v).(map[string]any)
	}
	next, _ := copyValue(item).(map[string]any)
	for i, s := range u.set {
		if err := setPath(next, s.path, vals[i]); err != nil {
			return nil, err
		}
	}
	for _, p := range u.remove {
		if err := removePath(next, p); err != nil {
			return nil, err
		}
	}
	for _, a := range u.add {
		cur := resolve(next, a.path)
		t := typeOf(a.value)
		var nv map[string]any
		switch {
		case t == "N" && cur == nil:
			nv = a.value
		case t == "N" && typeOf(cur) == "N":
			r, err := addNumbers(task.Text(cur["N"]), task.Text(a.value["N"]), false)
			if err != nil {
				return nil, err
			}
			nv = r
		case (t == "SS" || t == "NS" || t == "BS") && (cur == nil || typeOf(cur) == t):
			members := setKeys(a.value)
			if cur != nil {
				for k := range setKeys(cur) {
					members[k] = true
				}
			}
			nv = map[string]any{t: sortedSet(members)}
		case t != "N" && t != "SS" && t != "NS" && t != "BS":
			return nil, errValidation("Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: %s", typeName(t))
		default:
			return nil, errValidation("An operand in the update expression has an incorrect data type")
		}
		if err := setPath(next, a.path, copyValue(nv).(map[string]any)); err != nil {
			return nil, err
		}
	}
	for _, d := range u.del {
		t := typeOf(d.value)
		if t != "SS" && t != "NS" && t != "BS" {
			return nil, errValidation("Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: %s", typeName(t))
		}
		cur := resolve(next, d.path)
		if cur == nil {
			continue
		}
		if typeOf(cur) != t {
			return nil, errValidation("An operand in the update expression has an incorrect data type")
		}
		members := setKeys(cur)
		for k := range setKeys(d.value) {
			delete(members, k)
		}
		if len(members) == 0 {
			if err := removePath(next, d.path); err != nil {
				return nil, err
			}
			continue
		}
		if err := setPath(next, d.path, map[string]any{t: sortedSet(members)}); err != nil {
			return nil, err
		}
	}
	return next, nil
}

// project returns the parts of item that paths select. Nested map paths keep their map
// structure; a path through a list index selects the whole top-level attribute (AWS returns the
// selected list elements only; this fake returns more, never less).
func project(item map[string]any, paths []docPath) map[string]any {
	out := map[string]any{}
	for _, p := range paths {
		v := resolve(item, p)
		if v == nil {
			continue
		}
		if len(p) == 1 || hasIndex(p) {
			out[p[0].name] = copyValue(item[p[0].name])
			continue
		}
		cur := out
		for _, e := range p[:len(p)-1] {
			child, ok := cur[e.name].(map[string]any)
			if !ok {
				child = map[string]any{"M": map[string]any{}}
				cur[e.name] = child
			}
			m, ok := child["M"].(map[string]any)
			if !ok {
				cur = nil
				break
			}
			cur = m
		}
		if cur != nil {
			cur[p[len(p)-1].name] = copyValue(v)
		}
	}
	return out
}

func hasIndex(p docPath) bool {
	for _, e := range p {
		if e.isIndex {
			return true
		}
	}
	return false
}
