package jackson

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCheck pins Jackson's messages and locations. The first case is AWS's recorded answer
// to ValidateStateMachineDefinition with "not a definition" (LocalStack snapshot
// test_validate_state_machine_definition_not_a_definition, aws.validated 2025-10-19); the
// others follow Jackson's ReaderBasedJsonParser wording.
func TestCheck(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, src, msg string
		line, col      int
	}{
		{"bare word (AWS recording)", "not a definition", "Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')", 1, 4},
		{"colon for comma", `{"a":1:2}`, "Unexpected character (':' (code 58)): was expecting comma to separate Object entries", 1, 8},
		{"unquoted field name", `{a:1}`, "Unexpected character ('a' (code 97)): was expecting double-quote to start field name", 1, 3},
		{"trailing comma", `{"a":1,}`, "Unexpected character ('}' (code 125)): was expecting double-quote to start field name", 1, 9},
		{"missing colon", `{"a" 1}`, "Unexpected character ('1' (code 49)): was expecting a colon to separate field name and value", 1, 7},
		{"array comma", `[1 2]`, "Unexpected character ('2' (code 50)): was expecting comma to separate Array entries", 1, 5},
		{"second line", "{\n  \"a\": 1\n  \"b\": 2\n}", "Unexpected character ('\"' (code 34)): was expecting comma to separate Object entries", 3, 4},
		{"unclosed object", `{"a":1`, `Unexpected end-of-input: expected close marker for OBJECT (start marker at [Source: (String)"{"a":1"; line: 1, column: 1])`, 1, 7},
		{"unclosed array", `[1,`, `Unexpected end-of-input: expected close marker for ARRAY (start marker at [Source: (String)"[1,"; line: 1, column: 1])`, 1, 4},
		{"close mismatch", `{"a":1]`, `Unexpected close marker ']': expected '}' (for Object starting at [Source: (String)"{"a":1]"; line: 1, column: 1])`, 1, 8},
		{"unterminated string", `{"a":"x`, "Unexpected end-of-input: was expecting closing quote for a string value", 1, 8},
		{"control character", "{\"a\":\"x\ny\"}", "Illegal unquoted character ((CTRL-CHAR, code 10)): has to be escaped using backslash to be included in string value", 2, 1},
		{"bad escape", `["\x"]`, "Unrecognized character escape 'x' (code 120)", 1, 5},
		{"bad word in object", `{"a":tru}`, "Unrecognized token 'tru': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')", 1, 9},
		{"leading zero", `[01]`, "Invalid numeric value: Leading zeroes not allowed", 1, 4},
		{"bare minus", `[-x]`, "Unexpected character ('x' (code 120)) in numeric value: expected digit (0-9) to follow minus sign, for valid numeric value", 1, 4},
		{"empty", "  ", "No content to map due to end-of-input", 1, 3},
		{"non-ASCII columns count characters", `{"é":1 2}`, "Unexpected character ('2' (code 50)): was expecting comma to separate Object entries", 1, 9},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := Check(tc.src)
			require.NotNil(t, err)
			require.Equal(t, tc.msg, err.Message)
			require.Equal(t, tc.line, err.Line, "line")
			require.Equal(t, tc.col, err.Column, "column")
			require.True(t, strings.HasPrefix(err.Location, `[Source: (String)"`+tc.src+`"; line: `), err.Location)
			require.Equal(t, tc.msg+"\n at "+err.Location, err.Error())
		})
	}
}

func TestCheckValid(t *testing.T) {
	t.Parallel()
	for _, src := range []string{`{}`, `[]`, `{"a":[1,-2.5e+3,true,false,null,"\u00e9\n"]}`, ` "x" `, `0`, `{"a":{}} trailing`} {
		require.Nil(t, Check(src), src)
	}
}

func TestTruncatedSource(t *testing.T) {
	t.Parallel()
	src := "[" + strings.Repeat("1,", 300) + "x]"
	err := Check(src)
	require.NotNil(t, err)
	require.Contains(t, err.Location, `(String)"`+src[:500]+`"[truncated 103 chars]; line: 1, column: 603]`)
}

// FuzzCheck: Check never panics and agrees with encoding/json on what is valid (Go rejects
// trailing content, which Jackson ignores).
func FuzzCheck(f *testing.F) {
	for _, s := range []string{`{"a":1:2}`, "not a definition", `[1,2`, `{"a":"\u12"}`, `-`, `1e`, `{"a":1}]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		err := Check(src)
		var v any
		goErr := json.Unmarshal([]byte(src), &v)
		if goErr == nil && err != nil {
			t.Fatalf("Check rejects valid JSON %q: %v", src, err)
		}
		if err == nil && goErr != nil {
			dec := json.NewDecoder(strings.NewReader(src))
			if dec.Decode(&v) == nil {
				return // a value, then trailing content
			}
			t.Fatalf("Check accepts invalid JSON %q (%v)", src, goErr)
		}
	})
}

// BenchmarkCheckDefinition scans a valid 40-state definition. Callers run Check only once Go's
// decoder has refused a text, so valid JSON never pays it; this bounds the cost of an error.
func BenchmarkCheckDefinition(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"StartAt":"S0","States":{`)
	for i := range 40 {
		if i > 0 {
			sb.WriteString(",")
		}
		sb.WriteString(`"S` + string(rune('0'+i%10)) + string(rune('a'+i/10)) + `":{"Type":"Pass","Result":{"a":[1,2.5,-3e2,true,null,"x\n"]},"Next":"S1"}`)
	}
	sb.WriteString(`}}`)
	src := sb.String()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		if Check(src) != nil {
			b.Fatal("invalid")
		}
	}
}
