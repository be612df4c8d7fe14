package testrunner

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, want, got string
		subset          bool
		ok              bool
		why             string
	}{
		{"equal objects in another order", `{"a":1,"b":[1,2]}`, `{"b":[1,2],"a":1}`, false, true, ""},
		{"numbers by value", `{"a":1,"b":2.50,"c":1e2}`, `{"a":1.0,"b":2.5,"c":100}`, false, true, ""},
		{"big integers exactly", `12345678901234567890`, `12345678901234567891`, false, false, "$: want 12345678901234567890, got 12345678901234567891"},
		{"extra member fails equality", `{"a":1}`, `{"a":1,"z":2}`, false, false, `$: unexpected member "z"`},
		{"extra member is fine in a subset", `{"a":1}`, `{"a":1,"z":2}`, true, true, ""},
		{"nested subset", `{"a":{"b":{"c":true}}}`, `{"a":{"b":{"c":true,"d":1},"e":2}}`, true, true, ""},
		{"missing member", `{"a":{"x":1}}`, `{"a":{"y":1}}`, true, false, `$.a: missing member "x"`},
		{"arrays exactly, even in a subset", `[1,2]`, `[1,2,3]`, true, false, "$: want 2 elements, got 3: [1,2,3]"},
		{"array elements by subset", `[{"a":1}]`, `[{"a":1,"b":2}]`, true, true, ""},
		{"array element differs", `{"l":[1,{"k":"v"}]}`, `{"l":[1,{"k":"w"}]}`, true, false, `$.l[1].k: want "v", got "w"`},
		{"type mismatch", `{"a":{}}`, `{"a":[]}`, true, false, "$.a: want an object, got []"},
		{"null", `{"a":null}`, `{"a":null}`, true, true, ""},
		{"null against a value", `null`, `0`, false, false, "$: want null, got 0"},
		{"string is not a number", `"1"`, `1`, false, false, `$: want "1", got 1`},
		{"odd member names are quoted", `{"a b":1}`, `{"a b":2}`, true, false, `$["a b"]: want 1, got 2`},
		{"booleans", `true`, `false`, false, false, "$: want true, got false"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			want, err := decodeJSON(tc.want)
			require.NoError(t, err)
			got, err := decodeJSON(tc.got)
			require.NoError(t, err)
			var ok bool
			var why string
			if tc.subset {
				ok, why = Contains(want, got)
			} else {
				ok, why = Equal(want, got)
			}
			require.Equal(t, tc.ok, ok, why)
			require.Equal(t, tc.why, why)
		})
	}
}

func TestSubsequence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		want, got []string
		missing   string
		ok        bool
	}{
		{"empty", nil, []string{"A"}, "", true},
		{"in order with gaps", []string{"A", "C"}, []string{"A", "B", "C"}, "", true},
		{"repeats", []string{"A", "A"}, []string{"A", "B", "A"}, "", true},
		{"out of order", []string{"C", "A"}, []string{"A", "B", "C"}, "A", false},
		{"absent", []string{"Z"}, []string{"A"}, "Z", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			missing, ok := subsequence(tc.want, tc.got)
			require.Equal(t, tc.ok, ok)
			require.Equal(t, tc.missing, missing)
		})
	}
}
