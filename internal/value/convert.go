package value

import (
	"encoding/json"
	"slices"
	"strconv"
)

// FromPlain converts a value that Go code built with map[string]any (and possibly float64 or
// integer numbers, []string, json.RawMessage) into the value model: maps become objects with
// sorted keys (the order encoding/json gives them), numbers become json.Number. Parts already in
// the model are shared, not copied; the result is v itself when nothing needed converting.
func FromPlain(v any) any {
	switch x := v.(type) {
	case nil, string, bool, json.Number:
		return v
	case *Object:
		var c *Object
		for i, e := range x.vals {
			n := FromPlain(e)
			if c == nil {
				if same(n, e) {
					continue
				}
				c = x.Clone()
			}
			c.vals[i] = n
		}
		if c == nil {
			return x
		}
		return c
	case []any:
		var c []any
		for i, e := range x {
			n := FromPlain(e)
			if c == nil {
				if same(n, e) {
					continue
				}
				c = slices.Clone(x)
			}
			c[i] = n
		}
		if c == nil {
			return x
		}
		return c
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		o := NewObject(len(keys))
		for _, k := range keys {
			o.keys = append(o.keys, k)
			o.vals = append(o.vals, FromPlain(x[k]))
		}
		return o
	case []string:
		a := make([]any, len(x))
		for i, s := range x {
			a[i] = s
		}
		return a
	case []map[string]any:
		a := make([]any, len(x))
		for i, m := range x {
			a[i] = FromPlain(m)
		}
		return a
	case float64:
		b, err := appendFloat(nil, x)
		if err != nil {
			return nil
		}
		return json.Number(b)
	case float32:
		return FromPlain(float64(x))
	case int:
		return json.Number(strconv.Itoa(x))
	case int64:
		return json.Number(strconv.FormatInt(x, 10))
	case int32:
		return json.Number(strconv.FormatInt(int64(x), 10))
	case uint64:
		return json.Number(strconv.FormatUint(x, 10))
	}
	// Anything else (a Go struct, json.RawMessage): through its JSON text.
	b, err := Append(nil, v)
	if err != nil {
		return nil
	}
	d, err := Decode(b)
	if err != nil {
		return nil
	}
	return d
}

// same reports whether two converted values are the identical value (no conversion happened).
func same(a, b any) bool {
	switch x := a.(type) {
	case *Object:
		y, ok := b.(*Object)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		return ok && len(x) == len(y) && (len(x) == 0 || &x[0] == &y[0])
	case map[string]any:
		return false
	case nil, string, bool, json.Number:
		return a == b
	}
	return false
}

// ToPlain converts a value into encoding/json's generic form (objects become map[string]any,
// losing their order), for code that navigates values with type switches on maps.
func ToPlain(v any) any {
	switch x := v.(type) {
	case *Object:
		m := make(map[string]any, x.Len())
		for i, k := range x.keys {
			m[k] = ToPlain(x.vals[i])
		}
		return m
	case []any:
		a := make([]any, len(x))
		for i, e := range x {
			a[i] = ToPlain(e)
		}
		return a
	case map[string]any: // a Go map may hold objects (a result built around decoded data)
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = ToPlain(e)
		}
		return m
	}
	return v
}

// AsMap returns the members of an object as a map (shallow: member values are not converted),
// accepting both *Object and map[string]any. ok is false for anything else.
func AsMap(v any) (map[string]any, bool) {
	switch x := v.(type) {
	case *Object:
		if x == nil {
			return nil, false
		}
		m := make(map[string]any, len(x.keys))
		for i, k := range x.keys {
			m[k] = x.vals[i]
		}
		return m, true
	case map[string]any:
		return x, true
	}
	return nil, false
}

// Equal reports whether two values are equal as JSON data: objects compare by members
// regardless of order, numbers by numeric value when their texts differ.
func Equal(a, b any) bool {
	switch x := a.(type) {
	case *Object:
		y, ok := b.(*Object)
		if !ok {
			if m, isMap := b.(map[string]any); isMap {
				return Equal(x, FromPlain(m))
			}
			return false
		}
		if x.Len() != y.Len() {
			return false
		}
		for i, k := range x.keys {
			yv, found := y.Get(k)
			if !found || !Equal(x.vals[i], yv) {
				return false
			}
		}
		return true
	case map[string]any:
		return Equal(FromPlain(x), b)
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !Equal(x[i], y[i]) {
				return false
			}
		}
		return true
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		if x == y {
			return true
		}
		fx, err1 := strconv.ParseFloat(string(x), 64)
		fy, err2 := strconv.ParseFloat(string(y), 64)
		return err1 == nil && err2 == nil && fx == fy
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case nil:
		return b == nil
	}
	return false
}

// TypeName is the JSON type of a value: "object", "array", "string", "number", "boolean" or
// "null".
func TypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case *Object, map[string]any:
		return "object"
	}
	return "number"
}
