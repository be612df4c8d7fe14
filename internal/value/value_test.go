package value

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/sfnlocal/sfnlocal/internal/jsoncheck"

	"github.com/stretchr/testify/require"
)

func TestDecodeKeepsOrder(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, in, want string }{
		{"object order", `{"z":1,"a":2,"m":{"y":true,"b":null}}`, `{"z":1,"a":2,"m":{"y":true,"b":null}}`},
		{"whitespace", " { \"b\" : [ 1 , 2.50 , -0 , 1e3 ] , \"a\" : \"x\" } ", `{"b":[1,2.50,-0,1e3],"a":"x"}`},
		{"duplicate keeps first place, last value", `{"a":1,"b":2,"a":3}`, `{"a":3,"b":2}`},
		{"numbers keep text", `[1.0,100000000000000000001,1E+2]`, `[1.0,100000000000000000001,1E+2]`},
		{"escapes", `"a\"\\\/\b\f\n\r\t\u0001\u00e9\ud83d\ude00<>&\u2028"`, "\"a\\\"\\\\/\\b\\f\\n\\r\\t\\u0001é😀<>&\u2028\""},
		{"empty containers", `{"a":{},"b":[]}`, `{"a":{},"b":[]}`},
		{"many keys", `{"k9":9,"k8":8,"k7":7,"k6":6,"k5":5,"k4":4,"k3":3,"k2":2,"k1":1,"k0":0,"k8":"x"}`,
			`{"k9":9,"k8":"x","k7":7,"k6":6,"k5":5,"k4":4,"k3":3,"k2":2,"k1":1,"k0":0}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v, err := DecodeString(tc.in)
			require.NoError(t, err)
			out, err := EncodeString(v)
			require.NoError(t, err)
			require.Equal(t, tc.want, out)
		})
	}
}

func TestDecodeRejects(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, in, want string }{
		{"trailing", `{} x`, "invalid character 'x' after top-level value"},
		{"empty", ``, "unexpected end of JSON input"},
		{"bad start", `?`, "invalid character '?' looking for beginning of value"},
		{"missing comma", `{"a":1 "b":2}`, "invalid character '\"' after object key:value pair"},
		{"invalid UTF-8", "\"a\xffb\"", "Invalid UTF-8 byte sequence"},
		{"invalid UTF-8 key", "{\"\xc3\":1}", "Invalid UTF-8 byte sequence"},
		{"lone high surrogate", `"\ud800x"`, "Invalid UTF-16 surrogate: an unpaired \\u escape"},
		{"lone low surrogate", `["\udc00"]`, "Invalid UTF-16 surrogate: an unpaired \\u escape"},
		{"too deep", strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1), "Document nesting depth exceeds the maximum allowed (10000)"},
		{"too deep inside", `{"a":` + strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth) + `}`, "Document nesting depth exceeds"},
		{"leading zero", `01`, "invalid character '1' after top-level value"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := DecodeString(tc.in)
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.want)
		})
	}
	_, err := DecodeString(strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth))
	require.NoError(t, err, "MaxDepth levels are fine")
}

func TestEncode(t *testing.T) {
	t.Parallel()
	o := ObjectOf("b", 1, "a", []any{json.Number("2.0"), "<&>", nil, true},
		"m", map[string]any{"z": 1.5, "c": int64(3)}, "f", 1e21, "g", 1e-7)
	out, err := EncodeString(o)
	require.NoError(t, err)
	require.Equal(t, `{"b":1,"a":[2.0,"<&>",null,true],"m":{"c":3,"z":1.5},"f":1e+21,"g":1e-7}`, out)
	b, err := json.Marshal(map[string]any{"o": o})
	require.NoError(t, err)
	require.Equal(t, `{"o":{"b":1,"a":[2.0,"\u003c\u0026\u003e",null,true],"m":{"c":3,"z":1.5},"f":1e+21,"g":1e-7}}`, string(b),
		"encoding/json keeps our order")
	_, err = Encode(ObjectOf("nan", nan()))
	require.Error(t, err)
}

func nan() float64 { var z float64; return z / z }

func TestObjectCopyOnWrite(t *testing.T) {
	t.Parallel()
	o := ObjectOf("a", 1, "b", 2)
	w := o.With("a", 9).With("c", 3)
	require.Equal(t, `{"a":1,"b":2}`, MustEncode(o))
	require.Equal(t, `{"a":9,"b":2,"c":3}`, MustEncode(w), "replaced keys keep their place, new keys go last")
	require.Equal(t, `{"a":9,"c":3}`, MustEncode(w.Without("b")))
	require.Same(t, w, w.Without("nope"))
	big := NewObject(0)
	for i := range 20 {
		big.Set(string(rune('a'+i)), i)
	}
	v, ok := big.Get("s")
	require.True(t, ok)
	require.Equal(t, 18, v)
	big.Set("zz", 1)
	v, _ = big.Get("zz")
	require.Equal(t, 1, v, "the index follows Set")
	big.Delete("a")
	v, _ = big.Get("b")
	require.Equal(t, 1, v, "the index follows Delete")
	require.False(t, big.Has("a"))
}

func TestFromPlainAndEqual(t *testing.T) {
	t.Parallel()
	plain := map[string]any{"b": []any{1, map[string]any{"y": 2.5, "x": nil}}, "a": "s"}
	v := FromPlain(plain)
	require.Equal(t, `{"a":"s","b":[1,{"x":null,"y":2.5}]}`, MustEncode(v))
	require.True(t, Equal(v, plain))
	require.True(t, Equal(ObjectOf("a", json.Number("1.0")), ObjectOf("a", json.Number("1"))))
	require.False(t, Equal(ObjectOf("a", json.Number("1")), ObjectOf("b", json.Number("1"))))
	ordered := ObjectOf("z", json.Number("1"))
	require.Same(t, ordered, FromPlain(ordered), "values already in the model are shared")
	require.Equal(t, map[string]any{"z": json.Number("1")}, ToPlain(ordered))
	m, ok := AsMap(ordered)
	require.True(t, ok)
	require.Equal(t, json.Number("1"), m["z"])
	require.Equal(t, "object", TypeName(ordered))
}

func TestUnmarshalJSON(t *testing.T) {
	t.Parallel()
	var s struct{ O *Object }
	require.NoError(t, json.Unmarshal([]byte(`{"O":{"y":1,"x":2}}`), &s))
	require.Equal(t, []string{"y", "x"}, s.O.Keys())
}

// FuzzDecode checks the decoder against encoding/json: the same texts are accepted (valid
// UTF-8, bounded depth) and give the same data; encoding what we decoded decodes again to it.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"a":1,"b":[true,null,"x"]}`, `[1.5e3,-0,"\u00e9"]`, `"\ud83d\ude00"`, `{"a":1,"a":2}`, `{`, `[1,]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Decode(data)
		var std any
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var stdErr error
		if !json.Valid(data) {
			stdErr = errors.New("invalid JSON")
		} else {
			require.NoError(t, dec.Decode(&std)) // UseNumber: any number text decodes
		}
		if err != nil {
			var ce *jsoncheck.Error
			if stdErr == nil && !errors.As(err, &ce) {
				t.Fatalf("rejected what encoding/json accepts: %v", err)
			}
			return
		}
		if stdErr != nil {
			t.Fatalf("accepted what encoding/json rejects: %v", stdErr)
		}
		require.True(t, Equal(v, std))
		out, err := Encode(v)
		require.NoError(t, err)
		v2, err := Decode(out)
		require.NoError(t, err)
		out2, err := Encode(v2)
		require.NoError(t, err)
		require.Equal(t, string(out), string(out2))
	})
}

var benchDoc = []byte(`{"order":{"id":"o-123","customer":{"name":"Ada","email":"ada@example.com","tier":"gold"},` +
	`"items":[{"sku":"A1","qty":2,"price":9.99},{"sku":"B2","qty":1,"price":19.5},{"sku":"C3","qty":5,"price":0.25}],` +
	`"total":40.73,"paid":true,"notes":null,"tags":["x","y","z"]},"meta":{"source":"web","ts":"2024-03-01T12:00:00Z"}}`)

func BenchmarkDecode(b *testing.B) {
	b.SetBytes(int64(len(benchDoc)))
	for b.Loop() {
		if _, err := Decode(benchDoc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeStdlib(b *testing.B) {
	b.SetBytes(int64(len(benchDoc)))
	for b.Loop() {
		dec := json.NewDecoder(bytes.NewReader(benchDoc))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	v, _ := Decode(benchDoc)
	b.SetBytes(int64(len(benchDoc)))
	buf := make([]byte, 0, 1024)
	for b.Loop() {
		buf, _ = Append(buf[:0], v)
	}
}

func BenchmarkEncodeStdlibMap(b *testing.B) {
	v := ToPlain(must(Decode(benchDoc)))
	b.SetBytes(int64(len(benchDoc)))
	for b.Loop() {
		if _, err := json.Marshal(v); err != nil {
			b.Fatal(err)
		}
	}
}

func must(v any, err error) any {
	if err != nil {
		panic(err)
	}
	return v
}

// TestDecodedObjectsDoNotShareGrowth: decoded objects are carved out of shared slabs; growing
// one (Set, Append) must never write into its neighbour.
func TestDecodedObjectsDoNotShareGrowth(t *testing.T) {
	t.Parallel()
	v, err := DecodeString(`[{"a":1},{"b":2},[3,4],[5]]`)
	require.NoError(t, err)
	a := v.([]any)
	first := a[0].(*Object)
	first.Set("x", "new")
	first.Append("y", "new")
	require.Equal(t, `[{"a":1,"x":"new","y":"new"},{"b":2},[3,4],[5]]`, MustEncode(a))
	arr := a[2].([]any)
	_ = append(arr, "grown")
	require.Equal(t, `[5]`, MustEncode(a[3]), "arrays are capacity-limited too")
	shared := []string{"k1", "k2"}
	o1 := ObjectFrom(shared, []any{1, 2})
	o2 := ObjectFrom(shared, []any{3, 4})
	o1.Append("k3", 5)
	o1.Delete("k1")
	o1.SetAt(0, 9)
	require.Equal(t, `{"k2":9,"k3":5}`, MustEncode(o1))
	require.Equal(t, `{"k1":3,"k2":4}`, MustEncode(o2), "shared keys are never written in place")
	require.Equal(t, []string{"k1", "k2"}, shared)
}
