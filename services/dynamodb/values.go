package dynamodb

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"sort"
	"strings"

	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// An attribute value is kept in AWS's typed JSON form: a map with exactly one of the keys
// S, N, B, BOOL, NULL, M, L, SS, NS, BS. N values are strings; B values base64 strings.

// checkValue validates one attribute value and returns it with numbers canonicalised.
func checkValue(v any) (map[string]any, *Error) {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		if ok && len(m) == 0 {
			return nil, errValidation("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
		}
		if ok {
			return nil, errValidation("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
		}
		return nil, errValidation("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
	}
	for t, x := range m {
		switch t {
		case "S":
			if _, ok := x.(string); !ok {
				return nil, errValidation("Supplied AttributeValue has an invalid S value")
			}
			return m, nil
		case "N":
			n, ok := canonicalNumber(x)
			if !ok {
				return nil, errValidation("A value provided cannot be converted into a number")
			}
			return map[string]any{"N": n}, nil
		case "B":
			s, ok := x.(string)
			if !ok {
				return nil, errValidation("Supplied AttributeValue has an invalid B value")
			}
			if _, err := base64.StdEncoding.DecodeString(s); err != nil {
				return nil, errValidation("Invalid Binary value")
			}
			return m, nil
		case "BOOL":
			if _, ok := x.(bool); !ok {
				return nil, errValidation("Supplied AttributeValue has an invalid BOOL value")
			}
			return m, nil
		case "NULL":
			if b, ok := x.(bool); !ok || !b {
				return nil, errInvalidParam("Null attribute value types must have the value of true")
			}
			return m, nil
		case "M":
			mm, ok := x.(map[string]any)
			if !ok {
				return nil, errValidation("Supplied AttributeValue has an invalid M value")
			}
			out := make(map[string]any, len(mm))
			for k, e := range mm {
				c, err := checkValue(e)
				if err != nil {
					return nil, err
				}
				out[k] = c
			}
			return map[string]any{"M": out}, nil
		case "L":
			l, ok := x.([]any)
			if !ok {
				return nil, errValidation("Supplied AttributeValue has an invalid L value")
			}
			out := make([]any, len(l))
			for i, e := range l {
				c, err := checkValue(e)
				if err != nil {
					return nil, err
				}
				out[i] = c
			}
			return map[string]any{"L": out}, nil
		case "SS", "NS", "BS":
			return checkSet(t, x)
		default:
			return nil, errValidation("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
		}
	}
	return nil, errValidation("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
}

func checkSet(t string, x any) (map[string]any, *Error) {
	l, ok := x.([]any)
	if !ok {
		return nil, errValidation("Supplied AttributeValue has an invalid %s value", t)
	}
	if len(l) == 0 {
		switch t {
		case "SS":
			return nil, errInvalidParam("An string set  may not be empty")
		case "NS":
			return nil, errInvalidParam("An number set  may not be empty")
		}
		return nil, errInvalidParam("Binary sets should not be empty")
	}
	seen := make(map[string]bool, len(l))
	out := make([]any, 0, len(l))
	for _, e := range l {
		var s string
		switch t {
		case "NS":
			n, ok := canonicalNumber(e)
			if !ok {
				return nil, errValidation("A value provided cannot be converted into a number")
			}
			s = n
		default:
			str, ok := e.(string)
			if !ok {
				return nil, errValidation("Supplied AttributeValue has an invalid %s value", t)
			}
			if t == "BS" {
				if _, err := base64.StdEncoding.DecodeString(str); err != nil {
					return nil, errValidation("Invalid Binary value")
				}
			}
			s = str
		}
		if seen[s] {
			return nil, errInvalidParam("Input collection %s contains duplicates.", setText(l))
		}
		seen[s] = true
		out = append(out, s)
	}
	return map[string]any{t: out}, nil
}

func setText(l []any) string {
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = task.Text(e)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// canonicalNumber parses a DynamoDB number (a string, or a json.Number from a Task's
// parameters) and returns its canonical text: no leading zeros, no trailing fraction zeros.
func canonicalNumber(x any) (string, bool) {
	var s string
	switch v := x.(type) {
	case string:
		s = v
	case json.Number:
		s = string(v)
	default:
		return "", false
	}
	s = strings.TrimSpace(s)
	r, ok := parseNumber(s)
	if !ok {
		return "", false
	}
	return formatRat(r), true
}

// parseNumber parses s as a decimal number, refusing huge exponents (DynamoDB's range is
// 1E-130 to 1E+126) so that formatting stays bounded.
func parseNumber(s string) (*big.Rat, bool) {
	if s == "" || len(s) > 200 || strings.ContainsAny(s, "/xXpP_") || strings.EqualFold(s, "inf") {
		return nil, false
	}
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		exp := s[i+1:]
		if len(strings.TrimLeft(strings.TrimLeft(exp, "+-"), "0")) > 3 {
			return nil, false
		}
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, false
	}
	if r.Sign() != 0 {
		a := new(big.Rat).Abs(r)
		if a.Cmp(maxNumber) >= 0 || a.Cmp(minNumber) < 0 {
			return nil, false
		}
	}
	return r, true
}

var (
	maxNumber, _ = new(big.Rat).SetString("1e126")
	minNumber, _ = new(big.Rat).SetString("1e-130")
)

// formatRat writes r, a finite decimal, without exponent and without trailing zeros.
func formatRat(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	// The denominator of a finite decimal divides 10^k; find k.
	d := new(big.Int).Set(r.Denom())
	k := 0
	ten, two, five := big.NewInt(10), big.NewInt(2), big.NewInt(5)
	zero := new(big.Int)
	m := new(big.Int)
	for d.Cmp(big.NewInt(1)) != 0 && k < 400 {
		switch {
		case m.Mod(d, ten).Cmp(zero) == 0:
			d.Quo(d, ten)
		case m.Mod(d, two).Cmp(zero) == 0:
			d.Quo(d, two)
		case m.Mod(d, five).Cmp(zero) == 0:
			d.Quo(d, five)
		default:
			k = 400
			continue
		}
		k++
	}
	if k > 400 {
		k = 400
	}
	s := r.FloatString(k)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// typeOf returns the value's type key ("S", "N", ...), or "" for an invalid value.
func typeOf(v map[string]any) string {
	for t := range v {
		return t
	}
	return ""
}

// compare orders two scalar values of the same type (S, N or B). ok is false when they are not
// comparable.
func compare(a, b map[string]any) (int, bool) {
	ta, tb := typeOf(a), typeOf(b)
	if ta != tb {
		return 0, false
	}
	switch ta {
	case "S":
		return strings.Compare(task.Text(a["S"]), task.Text(b["S"])), true
	case "N":
		x, ok1 := parseNumber(task.Text(a["N"]))
		y, ok2 := parseNumber(task.Text(b["N"]))
		if !ok1 || !ok2 {
			return 0, false
		}
		return x.Cmp(y), true
	case "B":
		x, _ := base64.StdEncoding.DecodeString(task.Text(a["B"]))
		y, _ := base64.StdEncoding.DecodeString(task.Text(b["B"]))
		return bytes.Compare(x, y), true
	}
	return 0, false
}

// equal tells whether two attribute values are equal (sets regardless of order).
func equal(a, b map[string]any) bool {
	ta, tb := typeOf(a), typeOf(b)
	if ta != tb {
		return false
	}
	switch ta {
	case "S", "N", "B":
		c, ok := compare(a, b)
		return ok && c == 0
	case "BOOL", "NULL":
		return a[ta] == b[tb]
	case "SS", "NS", "BS":
		x, y := setKeys(a), setKeys(b)
		if len(x) != len(y) {
			return false
		}
		for k := range x {
			if !y[k] {
				return false
			}
		}
		return true
	case "L":
		x, _ := a["L"].([]any)
		y, _ := b["L"].([]any)
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			xm, _ := x[i].(map[string]any)
			ym, _ := y[i].(map[string]any)
			if !equal(xm, ym) {
				return false
			}
		}
		return true
	case "M":
		x, _ := a["M"].(map[string]any)
		y, _ := b["M"].(map[string]any)
		if len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok {
				return false
			}
			xm, _ := xv.(map[string]any)
			ym, _ := yv.(map[string]any)
			if !equal(xm, ym) {
				return false
			}
		}
		return true
	}
	return false
}

// setKeys returns the members of a set value, numbers canonicalised.
func setKeys(v map[string]any) map[string]bool {
	t := typeOf(v)
	l, _ := v[t].([]any)
	out := make(map[string]bool, len(l))
	for _, e := range l {
		s := task.Text(e)
		if t == "NS" {
			if n, ok := canonicalNumber(s); ok {
				s = n
			}
		}
		out[s] = true
	}
	return out
}

// keyString encodes a key attribute value for map lookup.
func keyString(v map[string]any) string {
	t := typeOf(v)
	return t + ":" + task.Text(v[t])
}

// sortedSet returns the set's members in a stable order, for output.
func sortedSet(members map[string]bool) []any {
	keys := make([]string, 0, len(members))
	for k := range members {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = k
	}
	return out
}

// copyValue deep-copies an attribute value so stored items never alias request data.
func copyValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = copyValue(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = copyValue(e)
		}
		return out
	default:
		return v
	}
}
