package sfnlocaltest_test

import (
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDeepExpressionEveryAPI sends issue 17's JSONata expression nested 520,000 levels deep (a
// definition just under 1 MB, which overflowed the goroutine stack in jsonata.Compile and
// killed the server) through every API that compiles a definition, and a 520,000-level
// execution input through StartExecution. Each is refused with AWS's error, the server keeps
// answering, and the memory it took is logged (runtime.MemStats: Sys is the high-water mark
// of memory obtained from the OS).
func TestDeepExpressionEveryAPI(t *testing.T) {
	f := newFixture(t)
	expr := strings.Repeat("-", 520_000) + "1"
	def := `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% ` + expr + ` %}","End":true}}}`
	state := `{"QueryLanguage":"JSONata","Type":"Pass","Output":"{% ` + expr + ` %}","End":true}`
	require.Less(t, len(def), 1<<20)
	parens := strings.Repeat("(", 260_000) + "1" + strings.Repeat(")", 260_000)
	deepInput := strings.Repeat("[", 520_000) + strings.Repeat("]", 520_000)
	cases := []struct {
		op, body, code string
	}{
		{"CreateStateMachine", `{"name":"deep","roleArn":"` + roleArn + `","definition":` + quote(def) + `}`, "InvalidDefinition"},
		{"UpdateStateMachine", `{"stateMachineArn":"` + f.sm + `","definition":` + quote(def) + `}`, "InvalidDefinition"},
		{"ValidateStateMachineDefinition", `{"definition":` + quote(def) + `}`, ""},
		{"TestState", `{"definition":` + quote(state) + `}`, "InvalidDefinition"},
		{"CreateStateMachine", `{"name":"deep","roleArn":"` + roleArn + `","definition":` + quote(strings.Replace(def, expr, parens, 1)) + `}`, "InvalidDefinition"},
		{"StartExecution", `{"stateMachineArn":"` + f.sm + `","input":` + quote(deepInput) + `}`, "ValidationException"},
		{"StartExecution", `{"stateMachineArn":"` + f.sm + `","input":` + quote(deepInput[:100_000]+deepInput[len(deepInput)-100_000:]) + `}`, "InvalidExecutionInput"},
		{"StartExecution", `{"stateMachineArn":"` + f.sm + `","input":` + deepInput + `}`, "SerializationException"},
	}
	before := f.snapshot(t)
	var m0 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	for _, tc := range cases {
		r := call(t, f.url, tc.op, []byte(tc.body))
		if tc.code == "" {
			require.Equal(t, 200, r.status, r.raw)
			require.Equal(t, "FAIL", r.body["result"])
			d := r.body["diagnostics"].([]any)[0].(map[string]any)
			require.Equal(t, "INVALID_JSONATA_EXPRESSION", d["code"])
			require.Contains(t, d["message"], "nested too deeply")
		} else {
			require.Equal(t, tc.code, r.code, "%s: %.300s", tc.op, r.raw)
			if tc.code == "InvalidDefinition" {
				require.Contains(t, r.body["message"], "nested too deeply")
			}
		}
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		t.Logf("%s (%d-byte request): %s; heap in use %d MiB, memory from the OS %d MiB (+%d MiB), stack in use %d MiB",
			tc.op, len(tc.body), r.code, m.HeapInuse>>20, m.Sys>>20, (m.Sys-m0.Sys)>>20, m.StackInuse>>20)
	}
	require.Equal(t, before, f.snapshot(t), "nothing changed")
	mustCall(t, f.url, "ListStateMachines", `{}`) // still answering
}
