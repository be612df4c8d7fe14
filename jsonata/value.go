package jsonata

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"

	"github.com/sfnlocal/sfnlocal/internal/value"
)

// null is JSON null; Go nil inside the evaluator means JSONata undefined.
type nullT struct{}

var null = nullT{}

// object is an insertion-ordered JSON object. An object made from the
// caller's *value.Object during Eval starts lazy: raw holds it (never
// written), keys are copied on first listing and values are converted on
// first read, so a large input costs only what the expression touches.
type object struct {
	keys []string
	m    map[string]any
	raw  *value.Object
}

func newObject(n int) *object {
	return &object{keys: make([]string, 0, n), m: make(map[string]any, n)}
}

func lazyObject(raw *value.Object) *object { return &object{raw: raw} }

// ks lists the keys in order (the source object's order).
func (o *object) ks() []string {
	if o.raw != nil && o.keys == nil {
		o.keys = slices.Clone(o.raw.Keys())
		if o.keys == nil {
			o.keys = []string{}
		}
	}
	return o.keys
}

// val returns the value of k (nil when absent).
func (o *object) val(k string) any {
	if o.raw == nil {
		return o.m[k]
	}
	if v, ok := o.m[k]; ok {
		return v
	}
	rv, ok := o.raw.Get(k)
	if !ok {
		return nil
	}
	switch rv.(type) {
	case *value.Object, map[string]any, []any:
	default:
		// scalars convert without allocating; no need to cache them
		return toInternal(rv)
	}
	v := toInternalLazy(rv)
	if o.m == nil {
		o.m = make(map[string]any, o.raw.Len())
	}
	o.m[k] = v
	return v
}

// load converts every value, after which the object owns its data.
func (o *object) load() {
	if o.raw == nil {
		return
	}
	keys := o.ks()
	if o.m == nil {
		o.m = make(map[string]any, len(keys))
	}
	for i, k := range keys {
		if _, ok := o.m[k]; !ok {
			_, rv := o.raw.At(i)
			o.m[k] = toInternalLazy(rv)
		}
	}
	o.raw = nil
}

func (o *object) get(k string) (any, bool) {
	o.load()
	v, ok := o.m[k]
	return v, ok
}

func (o *object) set(k string, v any) {
	o.load()
	if _, ok := o.m[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.m[k] = v
}

func (o *object) del(k string) {
	o.load()
	if _, ok := o.m[k]; !ok {
		return
	}
	delete(o.m, k)
	for i, kk := range o.keys {
		if kk == k {
			o.keys = append(o.keys[:i:i], o.keys[i+1:]...)
			break
		}
	}
}

func (o *object) clone() *object {
	o.load()
	c := &object{keys: append([]string(nil), o.keys...), m: make(map[string]any, len(o.m))}
	for k, v := range o.m {
		c.m[k] = v
	}
	return c
}

// array is a JSON array or a JSONata sequence (with its flags).
type array struct {
	a         []any
	seq       bool // a sequence (result of path evaluation), collapses when singleton
	keep      bool // keep singleton sequences as arrays
	cons      bool // built by an array constructor, not flattened by paths
	outer     bool // outer wrapper of a singleton
	tupleStrm bool // a stream of tuple bindings
}

func newSeq(items ...any) *array {
	return &array{a: items, seq: true}
}

func newArr(items []any) *array { return &array{a: items} }

// tuple is a binding of names to values flowing through a tuple stream.
type tuple map[string]any

// Value is a JSON value already converted to the engine's form by Prepare.
// It may be passed as input or as a variable to any number of evaluations,
// concurrently, saving the conversion each time.
type Value struct{ v any }

// Prepare converts a generic JSON value (as Eval accepts) once, for reuse.
func Prepare(v any) Value { return Value{v: toInternal(v)} }

// DecodeOrdered parses JSON text into the engine's input form, keeping the
// document's key order (which Go maps cannot). The result may be passed to
// Eval as input or as a variable value; it is opaque otherwise.
func DecodeOrdered(data []byte) (any, error) {
	dec := json.NewDecoder(bytesReader(data))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, errTrailing
	}
	return v, nil
}

func decodeValue(dec *json.Decoder) (any, error) {
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch x := t.(type) {
	case json.Delim:
		switch x {
		case '{':
			o := newObject(4)
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, _ := kt.(string)
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				o.set(k, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return o, nil
		case '[':
			a := &array{a: []any{}}
			for dec.More() {
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				a.a = append(a.a, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return a, nil
		}
		return nil, errTrailing
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return nil, err
		}
		return f, nil
	case nil:
		return null, nil
	default:
		return x, nil
	}
}

// toInternalLazy converts a generic Go JSON value into the evaluator's
// form, leaving maps to be converted on access. The result must stay
// within one evaluation (lazy objects fill their caches on read).
func toInternalLazy(v any) any {
	switch x := v.(type) {
	case *value.Object:
		return lazyObject(x)
	case []any:
		a := &array{a: make([]any, len(x))}
		for i, vv := range x {
			a.a[i] = toInternalLazy(vv)
		}
		return a
	}
	return toInternal(v)
}

// toInternal converts a generic Go JSON value into the evaluator's form,
// completely (the result may be shared between evaluations).
func toInternal(v any) any {
	switch x := v.(type) {
	case nil:
		return null
	case string, bool, float64, nullT:
		return x
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return string(x)
		}
		return f
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case int32:
		return float64(x)
	case float32:
		return float64(x)
	case uint64:
		return float64(x)
	case *value.Object:
		o := &object{keys: slices.Clone(x.Keys()), m: make(map[string]any, x.Len())}
		if o.keys == nil {
			o.keys = []string{}
		}
		for k, vv := range x.All() {
			o.m[k] = toInternal(vv)
		}
		return o
	case map[string]any:
		o := &object{keys: make([]string, 0, len(x)), m: make(map[string]any, len(x))}
		for k := range x {
			o.keys = append(o.keys, k)
		}
		slices.Sort(o.keys)
		for k, vv := range x {
			o.m[k] = toInternal(vv)
		}
		return o
	case []any:
		a := &array{a: make([]any, len(x))}
		for i, vv := range x {
			a.a[i] = toInternal(vv)
		}
		return a
	case []string:
		a := &array{a: make([]any, len(x))}
		for i, vv := range x {
			a.a[i] = vv
		}
		return a
	case *object, *array, *lambda, *builtin, *partial, *chain, *regexValue:
		return x
	case undefinedInput:
		return nil
	case Value:
		return x.v
	}
	return nil
}

// toExternal converts an evaluator value into generic Go JSON form.
func toExternal(v any) any {
	switch x := v.(type) {
	case nullT:
		return nil
	case float64:
		if x == 0 {
			return float64(0) // no negative zero on the wire
		}
		return x
	case *object:
		keys := x.ks()
		m := value.NewObject(len(keys))
		for _, k := range keys {
			vv := x.val(k)
			if vv == nil || isFunction(vv) {
				continue
			}
			m.Set(k, toExternal(vv))
		}
		return m
	case *array:
		out := make([]any, 0, len(x.a))
		for _, vv := range x.a {
			if vv == nil {
				continue
			}
			if isFunction(vv) {
				out = append(out, nil)
				continue
			}
			out = append(out, toExternal(vv))
		}
		return out
	case tuple:
		return nil
	}
	if isFunction(v) {
		return ""
	}
	return v
}

func isFunction(v any) bool {
	switch v.(type) {
	case *lambda, *builtin, *partial, *chain, *regexValue:
		return true
	}
	return false
}

func isArray(v any) bool { _, ok := v.(*array); return ok }

func isNumeric(v any) bool {
	f, ok := v.(float64)
	return ok && !math.IsNaN(f) && !math.IsInf(f, 0)
}

func isArrayOfNumbers(v any) bool {
	a, ok := v.(*array)
	if !ok {
		return false
	}
	for _, x := range a.a {
		if !isNumeric(x) {
			return false
		}
	}
	return true
}

func isArrayOfStrings(v any) bool {
	a, ok := v.(*array)
	if !ok {
		return false
	}
	for _, x := range a.a {
		if _, ok := x.(string); !ok {
			return false
		}
	}
	return true
}

// deepEqual compares JSON values as the reference implementation's isDeepEqual.
func deepEqual(a, b any) bool {
	switch x := a.(type) {
	case *array:
		y, ok := b.(*array)
		if !ok || len(x.a) != len(y.a) {
			return false
		}
		for i := range x.a {
			if !deepEqual(x.a[i], y.a[i]) {
				return false
			}
		}
		return true
	case *object:
		y, ok := b.(*object)
		if !ok || len(x.ks()) != len(y.ks()) {
			return false
		}
		for _, k := range x.ks() {
			yv := y.val(k)
			if yv == nil || !deepEqual(x.val(k), yv) {
				return false
			}
		}
		return true
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
	case nil:
		return b == nil
	}
	return a == b
}
