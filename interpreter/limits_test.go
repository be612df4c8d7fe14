package interpreter

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// jsonataPass is a JSONata machine whose Pass state outputs expr.
func jsonataPass(expr string) string {
	q, _ := json.Marshal("{% " + expr + " %}")
	return `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":` + string(q) + `,"End":true}}}`
}

// jsonPathPass is a JSONPath machine whose Pass state has Parameters {"v.$": expr}.
func jsonPathPass(expr string) string {
	q, _ := json.Marshal(expr)
	return `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"v.$":` + string(q) + `},"End":true}}}`
}

// Deep520k is the issue-17 expression: 520,000 levels of unary minus, inside a definition
// under the 1 MB limit. Before the limits it overflowed the goroutine stack in jsonata.Compile.
var deep520k = strings.Repeat("-", 520_000) + "1"

// TestDefinitionLimits: every parser a definition reaches refuses pathological nesting and
// size with a diagnostic at the field's location, before recursing (issue 17).
func TestDefinitionLimits(t *testing.T) {
	t.Parallel()
	notN := func(n int) string {
		return strings.Repeat(`{"Not":`, n) + `{"Variable":"$.a","IsPresent":true}` + strings.Repeat("}", n)
	}
	choice := func(rule string) string {
		return `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[` + rule[:len(rule)-1] + `,"Next":"S"}` + `],"Default":"S"},"S":{"Type":"Succeed"}}}`
	}
	nestedMaps := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, `{"StartAt":"M%d","States":{"M%d":{"Type":"Map","ItemProcessor":`, i, i)
		}
		return b.String() + `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}` + strings.Repeat(`,"End":true}}}`, n)
	}
	template := func(n int) string {
		return `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":` + strings.Repeat(`{"a":`, n) + `1` + strings.Repeat("}", n) + `,"End":true}}}`
	}
	cases := []struct {
		name, def, code, loc, msg string
	}{
		{"JSONata 520k unary", jsonataPass(deep520k), CodeInvalidJSONata, "/States/P/Output", "nested too deeply"},
		{"JSONata 250k parens", jsonataPass(strings.Repeat("(", 250_000) + "1" + strings.Repeat(")", 250_000)), CodeInvalidJSONata, "/States/P/Output", "nested too deeply"},
		{"JSONata 300k chain", jsonataPass("1" + strings.Repeat("+1", 300_000)), CodeInvalidJSONata, "/States/P/Output", "nested too deeply"},
		{"JSONata condition", `{"QueryLanguage":"JSONata","StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Condition":"{% ` + strings.Repeat("(", 20000) + `true` + strings.Repeat(")", 20000) + ` %}","Next":"S"}],"Default":"S"},"S":{"Type":"Succeed"}}}`, CodeInvalidJSONata, "/States/C/Choices[0]/Condition", "nested too deeply"},
		{"JSONPath filter", jsonPathPass("$.a[?(" + strings.Repeat("(", 1000) + "@.b" + strings.Repeat(")", 1000) + ")]"), "", "/States/P/Parameters", "must be a valid JSONPath"},
		{"JSONPath too long", jsonPathPass("$" + strings.Repeat(".a", 40_000)), "", "/States/P/Parameters", "must be a valid JSONPath"},
		{"intrinsic nesting", jsonPathPass(strings.Repeat("States.Array(", 50_000) + "1" + strings.Repeat(")", 50_000)), "", "/States/P/Parameters", ""},
		{"payload template", template(600), "", "/States/P/Parameters", "nested too deeply"},
		{"nested Maps", nestedMaps(2490), CodeSchema, "/States/M0/ItemProcessor", "nested too deeply: more than 100 levels"},
		{"choice Not", choice(notN(1001)), CodeSchema, "/States/C/Choices[0]", "nested too deeply"},
		{"definition depth", `{"StartAt":"P","Comment":` + strings.Repeat("[", 10_001) + strings.Repeat("]", 10_001) + `,"States":{}}`, CodeInvalidJSON, "", "nesting depth"},
		{"definition size", `{"StartAt":"P","Comment":"` + strings.Repeat("é", 524_288) + `","States":{"P":{"Type":"Succeed"}}}`, CodeSchema, "/", "maximum size of 1048576 bytes"},
		{"definition invalid UTF-8", "{\"StartAt\":\"P\",\"Comment\":\"\xff\",\"States\":{\"P\":{\"Type\":\"Succeed\"}}}", CodeInvalidJSON, "", "Invalid UTF-8"},
		{"definition lone surrogate", `{"StartAt":"P","Comment":"\ud800","States":{"P":{"Type":"Succeed"}}}`, CodeInvalidJSON, "", "surrogate"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(tc.def)
			require.Error(t, err)
			var found bool
			for _, d := range Validate(tc.def) {
				if d.Severity != SeverityError || (tc.code != "" && d.Code != tc.code) || !strings.Contains(d.Message, tc.msg) {
					continue
				}
				if tc.code == CodeInvalidJSON || strings.HasPrefix(d.Location, tc.loc) {
					found = true
				}
			}
			require.True(t, found, "%.2000v", Validate(tc.def))
		})
	}
	// at modest depths every parser still accepts
	for _, def := range []string{
		jsonataPass(strings.Repeat("-", 500) + "1"),
		jsonPathPass("$.a[?(" + strings.Repeat("(", 10) + "@.b" + strings.Repeat(")", 10) + ")]"),
		choice(notN(100)),
		template(100),
		nestedMaps(100),
	} {
		_, err := Parse(def)
		require.NoError(t, err)
	}
}

// TestDeepJSONataMemory parses the 520k-level definition and logs the heap it took; the
// figure is for the README's "Limits and safety" table, not an assertion on time.
func TestDeepJSONataMemory(t *testing.T) {
	def := jsonataPass(deep520k)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := Parse(def)
	require.Error(t, err)
	runtime.ReadMemStats(&after)
	t.Logf("520k-level JSONata definition: %d bytes allocated while parsing, stack in use %d bytes", after.TotalAlloc-before.TotalAlloc, after.StackInuse)
}

// BenchmarkRejectDeepJSONata is the cost of refusing issue 17's 520,000-level expression.
func BenchmarkRejectDeepJSONata(b *testing.B) {
	def := jsonataPass(deep520k)
	b.SetBytes(int64(len(def)))
	for b.Loop() {
		if _, err := Parse(def); err == nil {
			b.Fatal("accepted")
		}
	}
}
