package jsonata

import (
	"encoding/base64"
	"math"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// builtins is the function library, built on first use: building it parses every signature
// (and compiles their regular expressions), which would otherwise cost every process that
// imports the package at start-up.
var builtins map[string]*builtin

var builtinsOnce sync.Once

func builtinTable() map[string]*builtin {
	builtinsOnce.Do(initBuiltins)
	return builtins
}

func def(name, sig string, ar int, fn func(ev *evaluator, c *call, args []any) (any, error)) {
	var s *signature
	if sig != "" {
		s = mustSignature(sig)
	}
	builtins[name] = &builtin{name: name, sig: s, arity: ar, fn: fn}
}

func arg(args []any, i int) any {
	if i < len(args) {
		return args[i]
	}
	return nil
}

func initBuiltins() {
	builtins = map[string]*builtin{}
	def("sum", "<a<n>:n>", 1, func(_ *evaluator, _ *call, a []any) (any, error) {
		arr, ok := arg(a, 0).(*array)
		if !ok {
			return nil, nil
		}
		t := 0.0
		for _, v := range arr.a {
			t += v.(float64)
		}
		return t, nil
	})
	def("count", "<a:n>", 1, func(_ *evaluator, _ *call, a []any) (any, error) {
		arr, ok := arg(a, 0).(*array)
		if !ok {
			return 0.0, nil
		}
		return float64(len(arr.a)), nil
	})
	minmax := func(max bool) func(*evaluator, *call, []any) (any, error) {
		return func(_ *evaluator, _ *call, a []any) (any, error) {
			arr, ok := arg(a, 0).(*array)
			if !ok || len(arr.a) == 0 {
				return nil, nil
			}
			r := arr.a[0].(float64)
			for _, v := range arr.a[1:] {
				f := v.(float64)
				if (max && f > r) || (!max && f < r) {
					r = f
				}
			}
			return r, nil
		}
	}
	def("max", "<a<n>:n>", 1, minmax(true))
	def("min", "<a<n>:n>", 1, minmax(false))
	def("average", "<a<n>:n>", 1, func(_ *evaluator, _ *call, a []any) (any, error) {
		arr, ok := arg(a, 0).(*array)
		if !ok || len(arr.a) == 0 {
			return nil, nil
		}
		t := 0.0
		for _, v := range arr.a {
			t += v.(float64)
		}
		return t / float64(len(arr.a)), nil
	})
	def("string", "<x-b?:s>", 1, func(_ *evaluator, _ *call, a []any) (any, error) {
		v := arg(a, 0)
		if v == nil {
			return nil, nil
		}
		pretty, _ := arg(a, 1).(bool)
		return toJString(v, pretty)
	})
	def("substring", "<s-nn?:s>", 3, func(_ *evaluator, _ *call, a []any) (any, error) {
		s, ok := arg(a, 0).(string)
		if !ok {
			return nil, nil
		}
		rs := []rune(s)
		n := float64(len(rs))
		start, _ := arg(a, 1).(float64)
		if n+start < 0 {
			start = 0
		}
		if l, ok := arg(a, 2).(float64); ok {
			if l <= 0 {
				return "", nil
			}
			var end float64
			if start >= 0 {
				end = start + l
			} else {
				end = n + start + l
			}
			return jsSliceRunes(rs, start, end), nil
		}
		return jsSliceRunes(rs, start, n), nil
	})
	def("substringBefore", "<s-s:s>", 2, func(_ *evaluator, _ *call, a []any) (any, error) {
		s, ok := arg(a, 0).(string)
		if !ok {
			return nil, nil
		}
		chars, _ := arg(a, 1).(string)
		if i := strings.Index(s, chars); i >= 0 {
			return s[:i], nil
		}
		return s, nil
	})
	def("substringAfter", "<s-s:s>", 2, func(_ *evaluator, _ *call, a []any) (any, error) {
		s, ok := arg(a, 0).(string)
		if !ok {
			return nil, nil
		}
		chars, _ := arg(a, 1).(string)
		if i := strings.Index(s, chars); i >= 0 {
			return s[i+len(chars):], nil
		}
		return s, nil
	})
	def("lowercase", "<s-:s>", 1, strFn(strings.ToLower))
	def("uppercase", "<s-:s>", 1, strFn(strings.ToUpper))
	def("length", "<s-:n>", 1, func(_ *evaluator, _ *call, a []any) (any, error) {
		s, ok := arg(a, 0).(string)
		if !ok {
			return nil, nil
		}
		return float64(utf8.RuneCountInString(s)), nil
	})
	def("trim", "<s-:s>", 1, strFn(jsTrim))
	def("pad", "<s-nx?:s>", 3, func(_ *evaluator, _ *call, a []any) (any, error) {
		s, ok := arg(a, 0).(string)
		if !ok {
			return nil, nil
		}
		width, ok := arg(a, 1).(float64)
		if !ok {
			return s, nil
		}
		ch, _ := arg(a, 2).(string)
		if ch == "" {
			ch = " "
		}
		if math.Abs(width) > maxStringBuild {
			return nil, &Error{Code: "D1001", Value: width}
		}
		padLen := int(math.Abs(width)) - utf8.RuneCountInString(s)
		if padLen <= 0 {
			return s, nil
		}
		padding := []rune(strings.Repeat(ch, padLen))
		padding = padding[:padLen]
		if width > 0 {
			return s + string(padding), nil
		}
		return string(padding) + s, nil
	})
	def("contains", "<s-(sf):b>", 2, func(ev *evaluator, c *call, a []any) (any, error) {
		s, ok := arg(a, 0).(string)
		if !ok {
			return nil, nil
		}
		switch t := arg(a, 1).(type) {
		case string:
			return strings.Contains(s, t), nil
		case *regexValue:
			return t.re.MatchString(s), nil
		case nil:
			return nil, nil
		}
		ms, err := ev.matchAll(c, arg(a, 1), s, 1, true)
		if err != nil {
			return nil, err
		}
		return len(ms) > 0, nil
	})
	def("match", "<s-f<s:o>n?:a<o>>", 3, func(ev *evaluator, c *call, a []any) (any, error) {
		s, ok := arg(a, 0).(string)
		if !ok {
			return nil, nil
		}
		limit, hasLimit := arg(a, 2).(float64)
		if hasLimit && limit < 0 {
			return nil, &Error{Code: "D3040", Value: limit}
		}
		res := newSeq()
		if hasLimit && limit == 0 {
			return res, nil
		}
		ms, err := ev.matchAll(c, arg(a, 1), s, limit, hasLimit)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			o := newObject(3)
			o.set("match", m.match)
			o.set("index", float64(m.start))
			o.set("groups", &array{a: m.groups})
			res.a = append(res.a, o)
		}
		return res, nil
	})
	def("replace", "<s-(sf)(sf)n?:s>", 4, fnReplace)
	def("split", "<s-(sf)n?:a<s>>", 3, fnSplit)
	def("join", "<a<s>s?:s>", 2, func(_ *evaluator, _ *call, a []any) (any, error) {
		arr, ok := arg(a, 0).(*array)
		if !ok {
			return nil, nil
		}
		sep, _ := arg(a, 1).(string)
		parts := make([]string, len(arr.a))
		for i, v := range arr.a {
			parts[i] = v.(string)
		}
		return strings.Join(parts, sep), nil
	})
	def("number", "<(nsb)-:n>", 1, func(_ *evaluator, _ *call, a []any) (any, error) {
		switch v := arg(a, 0).(type) {
		case nil:
			return nil, nil
		case float64:
			return v, nil
		case bool:
			if v {
				return 1.0, nil
			}
			return 0.0, nil
		case string:
			if numberRe().MatchString(v) {
				f, err := strconv.ParseFloat(v, 64)
				if err == nil && !math.IsInf(f, 0) {
					return f, nil
				}
			}
			if radixRe().MatchString(v) {
				base := 16
				switch v[1] {
				case 'o', 'O':
					base = 8
				case 'b', 'B':
					base = 2
				}
				if n, err := strconv.ParseUint(v[2:], base, 64); err == nil {
					return float64(n), nil
				}
			}
			return nil, &Error{Code: "D3030", Value: v, extra: map[string]any{"index": 1}}
		}
		return nil, &Error{Code: "D3030", Value: arg(a, 0)}
	})
	def("floor", "<n-:n>", 1, numFn(math.Floor))
	def("ceil", "<n-:n>", 1, numFn(math.Ceil))
	def("abs", "<n-:n>", 1, numFn(math.Abs))
	def("sqrt", "<n-:n>", 1, func(_ *evaluator, _ *call, a []any) (any, error) {
		v, ok := arg(a, 0).(float64)
		if !ok {
			return nil, nil
		}
		if v < 0 {
			return nil, &Error{Code: "D3060", Value: v, extra: map[string]any{"index": 1}}
		}
		return math.Sqrt(v), nil
	})
	def("power", "<n-n:n>", 2, func(_ *evaluator, _ *call, a []any) (any, error) {
		v, ok := arg(a, 0).(float64)
		if !ok {
			return nil, nil
		}
		e, ok := arg(a, 1).(float64)
		if !ok {
			e = math.NaN()
		}
		r := math.Pow(v, e)
		if math.IsInf(r, 0) || math.IsNaN(r) {
			return nil, &Error{Code: "D3061", Value: v, extra: map[string]any{"exp": e}}
		}
		return r, nil
	})
	def("round", "<n-n?:n>", 2, func(_ *evaluator, _ *call, a []any) (any, error) {
		v, ok := arg(a, 0).(float64)
		if !ok {
			return nil, nil
		}
		p, _ := arg(a, 1).(float64)
		return roundHalfEven(v, int(p)), nil
	})
	def("random", "<:n>", 0, func(_ *evaluator, _ *call, a []any) (any, error) {
		return rand.Float64(), nil
	})
	def("boolean", "<x-:b>", 1, func(_ *evaluator, _ *call, a []any) (any, error) {
		v := arg(a, 0)
		if v == nil {
			return nil, nil
		}
		if isFunction(v) {
			return false, nil
		}
		return toBool(v), nil
	})
	def("not", "<x-:b>", 1, func(_ *evaluator, _ *call, a []any) (any, error) {
		v := arg(a, 0)
		if v == nil {
			return nil, nil
		}
		if isFunction(v) {
			return true, nil
		}
		return !toBool(v), nil
	})
	def("exists", "<x:b>", 1, func(_ *evaluator, _ *call, a []any) (any, error) {
		return arg(a, 0) != nil, nil
	})
	def("map", "<af>", 2, func(ev *evaluator, c *call, a []any) (any, error) {
		arr, ok := arg(a, 0).(*array)
		if !ok {
			return nil, nil
		}
		fn := arg(a, 1)
		res := newSeq()
		for i, v := range arr.a {
			r, err := ev.apply(fn, hofArgs(fn, v, float64(i), arr), nil, c.env)
			if err != nil {
				return nil, err
			}
			if r != nil {
				res.a = append(res.a, r)
			}
		}
		return res, nil
	})
	def("filter", "<af>", 2, func(ev *evaluator, c *call, a []any) (any, error) {
		arr, ok := arg(a, 0).(*array)
		if !ok {
			return nil, nil
		}
		fn := arg(a, 1)
		res := newSeq()
		for i, v := range arr.a {
			r, err := ev.apply(fn, hofArgs(fn, v, float64(i), arr), nil, c.env)
			if err != nil {
				return nil, err
			}
			if toBool(r) {
				res.a = append(res.a, v)
			}
		}
		return res, nil
	})
	def("single", "<af?>", 2, func(ev *evaluator, c *call, a []any) (any, error) {
		arr, ok := arg(a, 0).(*array)
		if !ok {
			return nil, nil
		}
		fn := arg(a, 1)
		found := false
		var result any
		for i, v := range arr.a {
			pos := true
			if fn != nil {
				r, err := ev.apply(fn, hofArgs(fn, v, float64(i), arr), nil, c.env)
				if err != nil {
					return nil, err
				}
				pos = toBool(r)
			}
			if pos {
				if found {
					return nil, &Error{Code: "D3138", extra: map[string]any{"index": i}}
				}
				result = v
				found = true
			}
		}
		if !found {
			return nil, &Error{Code: "D3139"}
		}
		return result, nil
	})
	def("zip", "<a+>", 0, func(_ *evaluator, _ *call, a []any) (any, error) {
		res := &array{a: []any{}}
		n := math.MaxInt
		for _, v := range a {
			arr, ok := v.(*array)
			if !ok {
				n = 0
				break
			}
			n = min(n, len(arr.a))
		}
		if len(a) == 0 {
			n = 0
		}
		for i := 0; i < n; i++ {
			t := &array{a: make([]any, len(a))}
			for j, v := range a {
				t.a[j] = v.(*array).a[i]
			}
			res.a = append(res.a, t)
		}
		return res, nil
	})
	def("reduce", "<afj?:j>", 3, func(ev *evaluator, c *call, a []any) (any, error) {
		arr, ok := arg(a, 0).(*array)
		if !ok {
			return nil, nil
		}
		fn := arg(a, 1)
		ar := arity(fn)
		if ar < 2 {
			return nil, &Error{Code: "D3050", extra: map[string]any{"index": 1}}
		}
		var result any
		idx := 0
		init := arg(a, 2)
		if init == nil && len(arr.a) > 0 {
			result = arr.a[0]
			idx = 1
		} else {
			result = init
		}
		for ; idx < len(arr.a); idx++ {
			args := []any{result, arr.a[idx]}
			if ar >= 3 {
				args = append(args, float64(idx))
			}
			if ar >= 4 {
				args = append(args, arr)
			}
			r, err := ev.apply(fn, args, nil, c.env)
			if err != nil {
				return nil, err
			}
			result = r
		}
		return result, nil
	})
	def("sift", "<o-f?:o>", 2, func(ev *evaluator, c *call, a []any) (any, error) {
		o, ok := arg(a, 0).(*object)
		if !ok {
			return nil, nil
		}
		fn := arg(a, 1)
		res := newObject(len(o.ks()))
		for _, k := range o.ks() {
			v := o.val(k)
			r, err := ev.apply(fn, hofArgs(fn, v, k, o), nil, c.env)
			if err != nil {
				return nil, err
			}
			if toBool(r) {
				res.set(k, v)
			}
		}
		if len(res.ks()) == 0 {
			return nil, nil
		}
		return res, nil
	})
	def("keys", "<x-:a<s>>", 1, func(_ *evaluator, _ *call, a []any) (any, error) {
		return keysOf(arg(a, 0)), nil
	})
	def("lookup", "<x-s:x>", 2, func(_ *evaluator, _ *call, a []any) (any, error) {
		k, _ := arg(a, 1).(string)
		return lookupField(arg(a, 0), k), nil
	})
	def("append", "<xx:a>", 2, func(_ *evaluator, _ *call, a []any) (any, error) {
		return appendValues(arg(a, 0), arg(a, 1)), nil
	})
	def("spread", "<x-:a<o>>", 1, func(_ *evaluator, _ *call, a []any) (any, error) {
		return spread(arg(a, 0)), nil
	})
	def("merge", "<a<o>:o>", 1, func(_ *evaluator, _ *call, a []any) (any, error) {
		arr, ok := arg(a, 0).(*array)
		if !ok {
			return nil, nil
		}
		res := newObject(4)
		for _, v := range arr.a {
			o := v.(*object)
			for _, k := range o.ks() {
				res.set(k, o.val(k))
			}
		}
		return res, nil
	})
	def("reverse", "<a:a>", 1, func(_ *evaluator, _ *call, a []any) (any, error) {
		arr, ok := arg(a, 0).(*array)
		if !ok {
			return nil, nil
		}
		if len(arr.a) <= 1 {
			return arr, nil
		}
		out := &array{a: make([]any, len(arr.a))}
		for i, v := range arr.a {
			out.a[len(arr.a)-1-i] = v
		}
		return out, nil
	})
	def("each", "<o-f:a>", 2, func(ev *evaluator, c *call, a []any) (any, error) {
		o, ok := arg(a, 0).(*object)
		if !ok {
			return nil, nil
		}
		fn := arg(a, 1)
		res := newSeq()
		for _, k := range o.ks() {
			r, err := ev.apply(fn, hofArgs(fn, o.val(k), k, o), nil, c.env)
			if err != nil {
				return nil, err
			}
			if r != nil {
				res.a = append(res.a, r)
			}
		}
		return res, nil
	})
	def("error", "<s?:x>", 1, func(_ *evaluator, _ *call, a []any) (any, error) {
		msg, ok := arg(a, 0).(string)
		if !ok {
			msg = "$error() function evaluated"
		}
		return nil, &Error{Code: "D3137", Message: msg}
	})
	def("assert", "<bs?:x>", 2, func(_ *evaluator, _ *call, a []any) (any, error) {
		c, _ := arg(a, 0).(bool)
		if !c {
			msg, ok := arg(a, 1).(string)
			if !ok {
				msg = "$assert() statement failed"
			}
			return nil, &Error{Code: "D3141", Message: msg}
		}
		return nil, nil
	})
	def("type", "<x:s>", 1, func(_ *evaluator, _ *call, a []any) (any, error) {
		switch v := arg(a, 0).(type) {
		case nil:
			return nil, nil
		case nullT:
			return "null", nil
		case float64:
			return "number", nil
		case string:
			return "string", nil
		case bool:
			return "boolean", nil
		case *array:
			return "array", nil
		case *object:
			return "object", nil
		default:
			if isFunction(v) {
				return "function", nil
			}
		}
		return nil, nil
	})
	def("sort", "<af?:a>", 2, func(ev *evaluator, c *call, a []any) (any, error) {
		arr, ok := arg(a, 0).(*array)
		if !ok {
			return nil, nil
		}
		if len(arr.a) <= 1 {
			return arr, nil
		}
		fn := arg(a, 1)
		var firstErr error
		var greater func(x, y any) bool
		if fn == nil {
			if isArrayOfNumbers(arr) {
				greater = func(x, y any) bool { return x.(float64) > y.(float64) }
			} else if isArrayOfStrings(arr) {
				greater = func(x, y any) bool { return x.(string) > y.(string) }
			} else {
				return nil, &Error{Code: "D3070", extra: map[string]any{"index": 1}}
			}
		} else {
			greater = func(x, y any) bool {
				if firstErr != nil {
					return false
				}
				r, err := ev.apply(fn, []any{x, y}, nil, c.env)
				if err != nil {
					firstErr = err
					return false
				}
				return toBool(r)
			}
		}
		sorted := mergeSort(arr.a, greater)
		if firstErr != nil {
			return nil, firstErr
		}
		return &array{a: sorted}, nil
	})
	def("shuffle", "<a:a>", 1, func(_ *evaluator, _ *call, a []any) (any, error) {
		arr, ok := arg(a, 0).(*array)
		if !ok {
			return nil, nil
		}
		if len(arr.a) <= 1 {
			return arr, nil
		}
		out := &array{a: append([]any(nil), arr.a...)}
		rand.Shuffle(len(out.a), func(i, j int) { out.a[i], out.a[j] = out.a[j], out.a[i] })
		return out, nil
	})
	def("distinct", "<x:x>", 1, func(_ *evaluator, _ *call, a []any) (any, error) {
		arr, ok := arg(a, 0).(*array)
		if !ok || len(arr.a) <= 1 {
			return arg(a, 0), nil
		}
		res := &array{seq: arr.seq}
		seen := map[any]bool{}
		for _, v := range arr.a {
			switch v.(type) {
			case string, float64, bool, nullT:
				if seen[v] {
					continue
				}
				seen[v] = true
				res.a = append(res.a, v)
				continue
			}
			dup := false
			for _, r := range res.a {
				if deepEqual(v, r) {
					dup = true
					break
				}
			}
			if !dup {
				res.a = append(res.a, v)
			}
		}
		return res, nil
	})
	def("base64encode", "<s-:s>", 1, func(_ *evaluator, _ *call, a []any) (any, error) {
		s, ok := arg(a, 0).(string)
		if !ok {
			return nil, nil
		}
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	})
	def("base64decode", "<s-:s>", 1, func(_ *evaluator, _ *call, a []any) (any, error) {
		s, ok := arg(a, 0).(string)
		if !ok {
			return nil, nil
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
			if err != nil {
				return nil, &Error{Code: "D3137", Message: "Invalid base64 string"}
			}
		}
		return string(b), nil
	})
	def("encodeUrlComponent", "<s-:s>", 1, urlFn("encodeUrlComponent", func(s string) (string, bool) { return encodeURI(s, uriUnreservedComponent) }))
	def("encodeUrl", "<s-:s>", 1, urlFn("encodeUrl", func(s string) (string, bool) { return encodeURI(s, uriUnreservedFull) }))
	def("decodeUrlComponent", "<s-:s>", 1, urlFn("decodeUrlComponent", func(s string) (string, bool) { return decodeURI(s, "") }))
	def("decodeUrl", "<s-:s>", 1, urlFn("decodeUrl", func(s string) (string, bool) { return decodeURI(s, ";/?:@&=+$,#") }))
	def("eval", "<sx?:x>", 2, func(ev *evaluator, c *call, a []any) (any, error) {
		src, ok := arg(a, 0).(string)
		if !ok {
			return nil, nil
		}
		ast, err := parse(src)
		if err != nil {
			return nil, &Error{Code: "D3120", Value: err.Error()}
		}
		focus := c.input
		if len(a) > 1 && a[1] != nil {
			focus = a[1]
		}
		r, err := ev.eval(ast, focus, c.env)
		if err != nil {
			if e, ok := err.(*Error); ok {
				return nil, &Error{Code: "D3121", Value: e.render(e.extra).Message}
			}
			return nil, err
		}
		return r, nil
	})
	def("clone", "<(oa)-:o>", 1, func(_ *evaluator, _ *call, a []any) (any, error) {
		v := arg(a, 0)
		if v == nil {
			return nil, nil
		}
		return deepClone(v), nil
	})
	registerDateFunctions()
	registerFormatFunctions()
}

// maxStringBuild bounds strings a single call may build from a number
// (padding, roman numerals), so hostile numbers cannot exhaust memory.
const maxStringBuild = 1e7

var numberRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?([Ee][-+]?[0-9]+)?$`) })
var radixRe = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(0[xX][0-9A-Fa-f]+)$|^(0[oO][0-7]+)$|^(0[bB][01]+)$`)
})

func strFn(f func(string) string) func(*evaluator, *call, []any) (any, error) {
	return func(_ *evaluator, _ *call, a []any) (any, error) {
		s, ok := arg(a, 0).(string)
		if !ok {
			return nil, nil
		}
		return f(s), nil
	}
}

func numFn(f func(float64) float64) func(*evaluator, *call, []any) (any, error) {
	return func(_ *evaluator, _ *call, a []any) (any, error) {
		v, ok := arg(a, 0).(float64)
		if !ok {
			return nil, nil
		}
		r := f(v)
		if r == 0 {
			r = 0
		}
		return r, nil
	}
}

func hofArgs(fn any, v, i, all any) []any {
	n := arity(fn)
	args := []any{v}
	if n >= 2 {
		args = append(args, i)
	}
	if n >= 3 {
		args = append(args, all)
	}
	return args
}

func keysOf(v any) any {
	res := newSeq()
	switch x := v.(type) {
	case *array:
		seen := map[string]bool{}
		for _, it := range x.a {
			if ka, ok := keysOf(it).(*array); ok {
				for _, k := range ka.a {
					if !seen[k.(string)] {
						seen[k.(string)] = true
						res.a = append(res.a, k)
					}
				}
			}
		}
	case *object:
		for _, k := range x.ks() {
			res.a = append(res.a, k)
		}
	}
	return res
}

func spread(v any) any {
	switch x := v.(type) {
	case *array:
		res := &array{a: []any{}, seq: true}
		for _, it := range x.a {
			switch v := spread(it).(type) {
			case nil:
			case *array:
				res.a = append(res.a, v.a...)
				res.seq = false
			default:
				res.a = append(res.a, v)
				res.seq = false
			}
		}
		return res
	case *object:
		res := newSeq()
		for _, k := range x.ks() {
			o := newObject(1)
			o.set(k, x.val(k))
			res.a = append(res.a, o)
		}
		return res
	}
	return v
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// jsSliceRunes is Array.prototype.slice over code points.
func jsSliceRunes(rs []rune, start, end float64) string {
	n := float64(len(rs))
	norm := func(x float64) int {
		x = math.Trunc(x)
		if x < 0 {
			x += n
			if x < 0 {
				x = 0
			}
		}
		if x > n {
			x = n
		}
		return int(x)
	}
	s, e := norm(start), norm(end)
	if s >= e {
		return ""
	}
	return string(rs[s:e])
}

func jsTrim(s string) string {
	var sb strings.Builder
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			space = true
			continue
		}
		if space {
			sb.WriteByte(' ')
			space = false
		}
		sb.WriteByte(c)
	}
	if space {
		sb.WriteByte(' ')
	}
	r := sb.String()
	r = strings.TrimPrefix(r, " ")
	r = strings.TrimSuffix(r, " ")
	return r
}

// jsRound is JavaScript's Math.round (half up toward +Infinity).
func jsRound(x float64) float64 {
	r := math.Floor(x + 0.5)
	if x-math.Floor(x) < 0.5 && r > x { // guards 0.49999999999999994
		r = math.Floor(x)
	}
	return r
}

func roundHalfEven(arg float64, precision int) float64 {
	v := arg
	if precision != 0 {
		v = shiftDecimal(arg, precision)
	}
	r := jsRound(v)
	diff := r - v
	if math.Abs(diff) == 0.5 && math.Abs(math.Mod(r, 2)) == 1 {
		r--
	}
	if precision != 0 {
		r = shiftDecimal(r, -precision)
	}
	if r == 0 {
		r = 0
	}
	return r
}

// shiftDecimal multiplies by 10^p through the decimal text, as the
// reference does to avoid binary rounding error.
func shiftDecimal(v float64, p int) float64 {
	s := formatNumberJS(v)
	mant, exp, hasExp := strings.Cut(s, "e")
	e := 0
	if hasExp {
		e, _ = strconv.Atoi(strings.TrimPrefix(exp, "+"))
	}
	r, err := strconv.ParseFloat(mant+"e"+strconv.Itoa(e+p), 64)
	if err != nil {
		return v
	}
	return r
}

type reMatch struct {
	match      string
	start, end int // UTF-16 offsets
	bstart     int // byte offsets
	bend       int
	groups     []any
}

// regexAll returns the successive matches of re in s, raising D1004 where
// the reference would loop on an empty match.
func regexAll(re *regexValue, s string, limit float64, hasLimit bool) ([]reMatch, error) {
	idx := re.re.FindAllStringSubmatchIndex(s, -1)
	var out []reMatch
	for i, m := range idx {
		if hasLimit && float64(len(out)) >= limit {
			break
		}
		if m[0] == m[1] {
			if i > 0 || len(idx) > 1 || m[0] < len(s) {
				return nil, &Error{Code: "D1004", Value: re.source}
			}
		}
		out = append(out, toMatch(s, m))
	}
	return out, nil
}

func toMatch(s string, m []int) reMatch {
	r := reMatch{match: s[m[0]:m[1]], bstart: m[0], bend: m[1], start: utf16Len(s[:m[0]]), end: utf16Len(s[:m[1]])}
	r.groups = make([]any, 0, len(m)/2-1)
	for g := 2; g < len(m); g += 2 {
		if m[g] < 0 {
			r.groups = append(r.groups, "")
			continue
		}
		r.groups = append(r.groups, s[m[g]:m[g+1]])
	}
	return r
}

func regexMatchObject(re *regexValue, s string) any {
	m := re.re.FindStringSubmatchIndex(s)
	if m == nil {
		return nil
	}
	rm := toMatch(s, m)
	o := newObject(4)
	o.set("match", rm.match)
	o.set("start", float64(rm.start))
	o.set("end", float64(rm.end))
	o.set("groups", &array{a: rm.groups})
	return o
}

func fnReplace(ev *evaluator, c *call, a []any) (any, error) {
	s, ok := arg(a, 0).(string)
	if !ok {
		return nil, nil
	}
	pattern := arg(a, 1)
	if p, ok := pattern.(string); ok && p == "" {
		return nil, &Error{Code: "D3010", extra: map[string]any{"index": 2}}
	}
	limit, hasLimit := arg(a, 3).(float64)
	if hasLimit && limit < 0 {
		return nil, &Error{Code: "D3011", extra: map[string]any{"index": 4}}
	}
	repl := arg(a, 2)
	if hasLimit && limit == 0 {
		return s, nil
	}
	switch p := pattern.(type) {
	case string:
		rs, ok := repl.(string)
		if !ok {
			return nil, &Error{Code: "T0410", extra: map[string]any{"index": 3}}
		}
		n := -1
		if hasLimit {
			n = int(limit)
		}
		return strings.Replace(s, p, rs, n), nil
	default:
		ms, err := ev.matchAll(c, p, s, limit, hasLimit)
		if err != nil {
			return nil, err
		}
		if len(ms) == 0 {
			return s, nil
		}
		var sb strings.Builder
		pos := 0
		for _, m := range ms {
			sb.WriteString(s[pos:m.bstart])
			switch r := repl.(type) {
			case string:
				sb.WriteString(substituteGroups(r, m))
			default:
				o := newObject(4)
				o.set("match", m.match)
				o.set("index", float64(m.start))
				o.set("start", float64(m.start))
				o.set("end", float64(m.end))
				o.set("groups", &array{a: m.groups})
				v, err := ev.apply(r, []any{o}, nil, c.env)
				if err != nil {
					return nil, err
				}
				vs, ok := v.(string)
				if !ok {
					return nil, &Error{Code: "D3012", Value: v}
				}
				sb.WriteString(vs)
			}
			pos = m.bend
		}
		sb.WriteString(s[pos:])
		return sb.String(), nil
	}
}

func substituteGroups(repl string, m reMatch) string {
	var sb strings.Builder
	pos := 0
	for {
		idx := strings.IndexByte(repl[pos:], '$')
		if idx < 0 || pos >= len(repl) {
			break
		}
		idx += pos
		sb.WriteString(repl[pos:idx])
		pos = idx + 1
		if pos >= len(repl) {
			sb.WriteByte('$')
			break
		}
		d := repl[pos]
		if d == '$' {
			sb.WriteByte('$')
			pos++
			continue
		}
		if d == '0' {
			sb.WriteString(m.match)
			pos++
			continue
		}
		maxDigits := 1
		if len(m.groups) > 0 {
			maxDigits = int(math.Floor(math.Log10(float64(len(m.groups))))) + 1
		}
		end := min(pos+maxDigits, len(repl))
		n, err := strconv.Atoi(repl[pos:end])
		if err != nil || !isDigits(repl[pos:end]) {
			// take the leading digits only
			j := pos
			for j < end && repl[j] >= '0' && repl[j] <= '9' {
				j++
			}
			if j == pos {
				sb.WriteByte('$')
				continue
			}
			n, _ = strconv.Atoi(repl[pos:j])
			end = j
		}
		if maxDigits > 1 && n > len(m.groups) {
			end--
			n, _ = strconv.Atoi(repl[pos:end])
		}
		if len(m.groups) > 0 && n >= 1 && n <= len(m.groups) {
			if g, ok := m.groups[n-1].(string); ok {
				sb.WriteString(g)
			}
		}
		pos += len(strconv.Itoa(n))
	}
	if pos < len(repl) {
		sb.WriteString(repl[pos:])
	}
	return sb.String()
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func fnSplit(ev *evaluator, c *call, a []any) (any, error) {
	s, ok := arg(a, 0).(string)
	if !ok {
		return nil, nil
	}
	limit, hasLimit := arg(a, 2).(float64)
	if hasLimit && limit < 0 {
		return nil, &Error{Code: "D3020", Value: s}
	}
	res := &array{a: []any{}}
	if hasLimit && limit == 0 {
		return res, nil
	}
	switch sep := arg(a, 1).(type) {
	case string:
		var parts []string
		if sep == "" {
			for _, u := range utf16.Encode([]rune(s)) {
				parts = append(parts, string(utf16.Decode([]uint16{u})))
			}
			if s == "" {
				parts = []string{}
			}
		} else {
			parts = strings.Split(s, sep)
		}
		for _, p := range parts {
			if hasLimit && float64(len(res.a)) >= math.Floor(limit) {
				break
			}
			res.a = append(res.a, p)
		}
		return res, nil
	default:
		ms, err := ev.matchAll(c, sep, s, limit, hasLimit)
		if err != nil {
			return nil, err
		}
		start := 0
		for _, m := range ms {
			res.a = append(res.a, s[start:m.bstart])
			start = m.bend
		}
		if !hasLimit || float64(len(ms)) < limit {
			res.a = append(res.a, s[start:])
		}
		return res, nil
	}
}

const uriUnreservedComponent = "-_.!~*'()"
const uriUnreservedFull = "-_.!~*'();/?:@&=+$,#"

func urlFn(name string, f func(string) (string, bool)) func(*evaluator, *call, []any) (any, error) {
	return func(_ *evaluator, _ *call, a []any) (any, error) {
		s, ok := arg(a, 0).(string)
		if !ok {
			return nil, nil
		}
		r, ok := f(s)
		if !ok {
			return nil, &Error{Code: "D3140", Value: s, extra: map[string]any{"functionName": name}}
		}
		return r, nil
	}
}

func encodeURI(s string, keep string) (string, bool) {
	var sb strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(keep, c) >= 0) {
			sb.WriteByte(c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 || utf16IsSurrogate(r) {
			return "", false
		}
		for j := 0; j < size; j++ {
			sb.WriteString("%" + strings.ToUpper(strconv.FormatUint(uint64(s[i+j])|0x100, 16)[1:]))
		}
		i += size
	}
	return sb.String(), true
}

func decodeURI(s string, reserved string) (string, bool) {
	var out []byte
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			out = append(out, s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", false
		}
		b, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			return "", false
		}
		if b < 0x80 && strings.IndexByte(reserved, byte(b)) >= 0 {
			out = append(out, s[i:i+3]...)
		} else {
			out = append(out, byte(b))
		}
		i += 2
	}
	if !utf8.Valid(out) {
		return "", false
	}
	return string(out), true
}

// matchAll runs a regex or a custom matcher function (one returning
// {match, start, end, groups, next}) over s.
func (ev *evaluator) matchAll(c *call, pattern any, s string, limit float64, hasLimit bool) ([]reMatch, error) {
	if re, ok := pattern.(*regexValue); ok {
		return regexAll(re, s, limit, hasLimit)
	}
	if !isFunction(pattern) {
		return nil, &Error{Code: "T1010", Token: c.name}
	}
	var out []reMatch
	r, err := ev.apply(pattern, []any{s}, nil, c.env)
	if err != nil {
		return nil, err
	}
	runes := []rune(s)
	byteAt := func(i int) int {
		if i < 0 {
			return 0
		}
		if i > len(runes) {
			return len(s)
		}
		return len(string(runes[:i]))
	}
	for r != nil && (!hasLimit || float64(len(out)) < limit) {
		o, ok := r.(*object)
		if !ok {
			return nil, &Error{Code: "T1010", Token: c.name}
		}
		m, ok1 := o.val("match").(string)
		st, ok2 := o.val("start").(float64)
		en, ok3 := o.val("end").(float64)
		g, ok4 := o.val("groups").(*array)
		if !ok1 || !ok2 || !ok3 || !ok4 {
			return nil, &Error{Code: "T1010", Token: c.name}
		}
		out = append(out, reMatch{match: m, start: int(st), end: int(en), bstart: byteAt(int(st)), bend: byteAt(int(en)), groups: g.a})
		next := o.val("next")
		if !isFunction(next) {
			break
		}
		if r, err = ev.apply(next, nil, nil, c.env); err != nil {
			return nil, err
		}
	}
	return out, nil
}
