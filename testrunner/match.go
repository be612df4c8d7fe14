package testrunner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"sort"
	"strconv"
)

// decodeJSON reads JSON text with numbers kept as json.Number.
func decodeJSON(text string) (any, error) {
	dec := json.NewDecoder(bytes.NewReader([]byte(text)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// Equal reports whether got is exactly want (numbers compare by value: 1, 1.0 and 1e0 are
// equal); when not, it says where they first differ.
func Equal(want, got any) (bool, string) { return match(want, got, "$", false) }

// Contains reports whether got contains want: an object matches when each of want's
// members is in got and matches recursively (got may have more); arrays, strings, numbers,
// booleans and null must be equal (arrays element by element, each element by these rules).
// When not, it says where.
func Contains(want, got any) (bool, string) { return match(want, got, "$", true) }

func match(want, got any, path string, subset bool) (bool, string) {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false, fmt.Sprintf("%s: want an object, got %s", path, show(got))
		}
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			gv, ok := g[k]
			if !ok {
				return false, fmt.Sprintf("%s: missing member %s", path, strconv.Quote(k))
			}
			if ok, why := match(w[k], gv, memberPath(path, k), subset); !ok {
				return false, why
			}
		}
		if !subset && len(g) != len(w) {
			extra := make([]string, 0)
			for k := range g {
				if _, ok := w[k]; !ok {
					extra = append(extra, k)
				}
			}
			sort.Strings(extra)
			return false, fmt.Sprintf("%s: unexpected member %s", path, strconv.Quote(extra[0]))
		}
		return true, ""
	case []any:
		g, ok := got.([]any)
		if !ok {
			return false, fmt.Sprintf("%s: want an array, got %s", path, show(got))
		}
		if len(g) != len(w) {
			return false, fmt.Sprintf("%s: want %d elements, got %d: %s", path, len(w), len(g), show(got))
		}
		for i := range w {
			if ok, why := match(w[i], g[i], fmt.Sprintf("%s[%d]", path, i), subset); !ok {
				return false, why
			}
		}
		return true, ""
	case json.Number:
		if g, ok := got.(json.Number); ok && numEqual(w, g) {
			return true, ""
		}
	default:
		if want == got {
			return true, ""
		}
	}
	return false, fmt.Sprintf("%s: want %s, got %s", path, show(want), show(got))
}

func numEqual(a, b json.Number) bool {
	if a == b {
		return true
	}
	// big.Float, not big.Rat: a huge exponent must not take huge memory.
	x, ok1 := new(big.Float).SetPrec(256).SetString(string(a))
	y, ok2 := new(big.Float).SetPrec(256).SetString(string(b))
	return ok1 && ok2 && x.Cmp(y) == 0
}

func memberPath(path, k string) string {
	for i, r := range k {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return path + "[" + strconv.Quote(k) + "]"
		}
	}
	if k == "" {
		return path + `[""]`
	}
	return path + "." + k
}

// show writes a value as short JSON for a message.
func show(v any) string {
	b, err := marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return clip(string(b), 120)
}

// clip shortens s to about n bytes, on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
