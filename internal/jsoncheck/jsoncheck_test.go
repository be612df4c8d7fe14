package jsoncheck

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in string
		kind     Kind
		offset   int
	}{
		{"plain", `{"a":[1,"x",{"b":null}]}`, 0, 0},
		{"non-ASCII", `{"é":"日本語 🎉"}`, 0, 0},
		{"paired surrogates", `"\ud83c\udf89"`, 0, 0},
		{"escaped backslash then u", `"\\ud800"`, 0, 0},
		{"brackets in strings do not nest", `"` + strings.Repeat("[", 20000) + `"`, 0, 0},
		{"invalid byte", "{\"a\":\"\xff\"}", InvalidUTF8, 6},
		{"invalid byte outside strings", "\xc3", InvalidUTF8, 0},
		{"overlong", "\"\xc0\xaf\"", InvalidUTF8, 1},
		{"encoded surrogate", "\"\xed\xa0\x80\"", InvalidUTF8, 1},
		{"past U+10FFFF", "\"\xf4\x90\x80\x80\"", InvalidUTF8, 1},
		{"truncated", "\"\xe6\x97\"", InvalidUTF8, 1},
		{"lone high", `{"a":"x\ud800"}`, LoneSurrogate, 7},
		{"lone low", `"\udc00"`, LoneSurrogate, 1},
		{"high then other escape", `"\ud800\n"`, LoneSurrogate, 1},
		{"high then high", `"\ud800\ud800"`, LoneSurrogate, 1},
		{"high at end", `"\ud800`, LoneSurrogate, 1},
		{"too deep arrays", strings.Repeat("[", MaxDepth+1), TooDeep, MaxDepth},
		{"too deep objects", strings.Repeat(`{"a":`, MaxDepth+1), TooDeep, MaxDepth * 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, err := range []error{Check([]byte(tc.in), 0), CheckString(tc.in, 0)} {
				if tc.kind == 0 {
					require.NoError(t, err)
					continue
				}
				var e *Error
				require.True(t, errors.As(err, &e), "%v", err)
				require.Equal(t, tc.kind, e.Kind)
				require.Equal(t, tc.offset, e.Offset)
				require.NotEmpty(t, e.Error())
			}
		})
	}
	require.NoError(t, Check([]byte(strings.Repeat("[", MaxDepth)+strings.Repeat("]", MaxDepth)), 0))
	require.Error(t, Check([]byte("[[[]]]"), 2))
}

// FuzzCheck: Check agrees with utf8.Valid on raw bytes and never panics.
func FuzzCheck(f *testing.F) {
	f.Add([]byte(`{"a":"\ud83c\udf89"}`))
	f.Add([]byte("\"\xed\xa0\x80\""))
	f.Add([]byte(strings.Repeat("[", MaxDepth+1)))
	f.Fuzz(func(t *testing.T, data []byte) {
		err := Check(data, 0)
		var e *Error
		if err != nil && !errors.As(err, &e) {
			t.Fatalf("untyped error %v", err)
		}
		if !utf8.Valid(data) && err == nil || e != nil && e.Kind == InvalidUTF8 && utf8.Valid(data) {
			t.Fatalf("valid=%v but err=%v", utf8.Valid(data), err)
		}
	})
}

func TestEscapeLoneSurrogates(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`{"a":"x"}`:                      `{"a":"x"}`,
		`{"a":"\ud83c\udf89"}`:           `{"a":"\ud83c\udf89"}`,
		`{"name":"a\ud800b"}`:            `{"name":"a\\ud800b"}`,
		`{"a":"\udc00\ud800\ud800x"}`:    `{"a":"\\udc00\\ud800\\ud800x"}`,
		`{"a":"\\ud800"}`:                `{"a":"\\ud800"}`,
		`{"input":"{\"a\":\"\ud800\"}"}`: `{"input":"{\"a\":\"\\ud800\"}"}`,
	} {
		got := string(EscapeLoneSurrogates([]byte(in)))
		require.Equal(t, want, got, in)
		require.NoError(t, Check([]byte(got), 0))
	}
}

// BenchmarkCheck scans a 1 MiB definition-like text with non-ASCII strings.
func BenchmarkCheck(b *testing.B) {
	unit := `{"Type":"Pass","Comment":"déjà vu – 日本","Result":[1,2,{"a":"\ud83c\udf89"}]},`
	data := []byte("[" + strings.Repeat(unit, (1<<20)/len(unit)) + "1]")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if err := Check(data, 0); err != nil {
			b.Fatal(err)
		}
	}
}
