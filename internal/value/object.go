package value

import (
	"sync/atomic"
)

// indexAfter is the size past which Get builds a hash index instead of scanning keys.
const indexAfter = 8

// Object is a JSON object whose keys keep their insertion order. The zero value is an empty
// object ready for Set. See the package doc for ownership rules.
type Object struct {
	keys  []string
	vals  []any
	index atomic.Pointer[map[string]int] // built lazily by Get past indexAfter keys
}

// NewObject returns an empty object with room for n members.
func NewObject(n int) *Object {
	return &Object{keys: make([]string, 0, n), vals: make([]any, 0, n)}
}

// ObjectOf builds an object from alternating keys and values, in that order; a repeated key
// replaces the earlier value in place. It is meant for Go code that builds fixed shapes.
func ObjectOf(kv ...any) *Object {
	o := NewObject(len(kv) / 2)
	for i := 0; i+1 < len(kv); i += 2 {
		o.Set(kv[i].(string), kv[i+1])
	}
	return o
}

// ObjectFrom builds an object over keys and vals (same length, keys unique), taking both
// slices without copying. keys may be shared between objects (a fixed shape such as the Map
// state's {"Index", "Value"}): an object never writes to its keys in place.
func ObjectFrom(keys []string, vals []any) *Object {
	return &Object{keys: keys[:len(keys):len(keys)], vals: vals}
}

// Len returns the number of members (0 for a nil object).
func (o *Object) Len() int {
	if o == nil {
		return 0
	}
	return len(o.keys)
}

// Keys returns the keys in order. The slice belongs to the object: do not modify it.
func (o *Object) Keys() []string {
	if o == nil {
		return nil
	}
	return o.keys
}

// At returns the i-th member.
func (o *Object) At(i int) (string, any) { return o.keys[i], o.vals[i] }

// All iterates over the members in order.
func (o *Object) All() func(yield func(string, any) bool) {
	return func(yield func(string, any) bool) {
		if o == nil {
			return
		}
		for i, k := range o.keys {
			if !yield(k, o.vals[i]) {
				return
			}
		}
	}
}

// find returns the position of k, or -1.
func (o *Object) find(k string) int {
	if o == nil {
		return -1
	}
	n := len(o.keys)
	if n <= indexAfter {
		for i, kk := range o.keys {
			if kk == k {
				return i
			}
		}
		return -1
	}
	idx := o.index.Load()
	if idx == nil || len(*idx) != n {
		m := make(map[string]int, n)
		for i, kk := range o.keys {
			m[kk] = i
		}
		o.index.Store(&m)
		idx = &m
	}
	if i, ok := (*idx)[k]; ok {
		return i
	}
	return -1
}

// Get returns the value of k and whether it is present.
func (o *Object) Get(k string) (any, bool) {
	i := o.find(k)
	if i < 0 {
		return nil, false
	}
	return o.vals[i], true
}

// Has reports whether k is present.
func (o *Object) Has(k string) bool { return o.find(k) >= 0 }

// Set puts k: v, replacing the value in place when k is present and appending it otherwise.
// Only the object's maker may call Set, before publishing it.
func (o *Object) Set(k string, v any) {
	if i := o.find(k); i >= 0 {
		o.vals[i] = v
		return
	}
	o.keys = append(o.keys, k)
	o.vals = append(o.vals, v)
	if idx := o.index.Load(); idx != nil {
		if len(*idx) == len(o.keys)-1 {
			(*idx)[k] = len(o.keys) - 1
		} else {
			o.index.Store(nil)
		}
	}
}

// SetAt replaces the value of the i-th member. Only the object's maker may call it.
func (o *Object) SetAt(i int, v any) { o.vals[i] = v }

// Append adds k: v at the end without looking for k: the caller guarantees k is not present
// (a builder over unique keys). Only the object's maker may call it.
func (o *Object) Append(k string, v any) {
	o.keys = append(o.keys, k)
	o.vals = append(o.vals, v)
	if o.index.Load() != nil {
		o.index.Store(nil)
	}
}

// Delete removes k, keeping the order of the others. Only the object's maker may call it.
func (o *Object) Delete(k string) {
	i := o.find(k)
	if i < 0 {
		return
	}
	// New slices: keys may be shared with other objects (ObjectFrom).
	o.keys = append(append(make([]string, 0, len(o.keys)-1), o.keys[:i]...), o.keys[i+1:]...)
	o.vals = append(append(make([]any, 0, len(o.vals)-1), o.vals[:i]...), o.vals[i+1:]...)
	o.index.Store(nil)
}

// Clone returns a shallow copy that the caller owns.
func (o *Object) Clone() *Object {
	return o.cloneCap(0)
}

func (o *Object) cloneCap(extra int) *Object {
	n := o.Len()
	c := &Object{keys: make([]string, n, n+extra), vals: make([]any, n, n+extra)}
	if n > 0 {
		copy(c.keys, o.keys)
		copy(c.vals, o.vals)
	}
	return c
}

// With returns a copy of o with k set to v: in place when k is present (Jackson's
// ObjectNode.set), appended otherwise. o is not modified.
func (o *Object) With(k string, v any) *Object {
	c := o.cloneCap(1)
	c.Set(k, v)
	return c
}

// Without returns a copy of o without k (o itself when k is absent).
func (o *Object) Without(k string) *Object {
	if !o.Has(k) {
		return o
	}
	c := o.Clone()
	c.Delete(k)
	return c
}

// MarshalJSON writes the object with its keys in order (so encoding/json callers keep order).
func (o *Object) MarshalJSON() ([]byte, error) {
	return Append(nil, o)
}

// UnmarshalJSON decodes a JSON object into o, keeping the document's order.
func (o *Object) UnmarshalJSON(data []byte) error {
	v, err := Decode(data)
	if err != nil {
		return err
	}
	src, ok := v.(*Object)
	if !ok {
		return &SyntaxError{Msg: "value is not an object"}
	}
	o.keys, o.vals = src.keys, src.vals
	o.index.Store(nil)
	return nil
}
