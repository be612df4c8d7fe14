package conformance

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/interpreter"
)

// validateSkipped lists recorded ValidateStateMachineDefinition cases that Validate cannot
// reproduce, with the reason.
var validateSkipped = map[string]string{
	"ILLEGAL_WFTT": "depends on the state machine type (EXPRESS), which Validate does not take; the API server checks it",
}

// TestValidateRecorded compares Validate with the ValidateStateMachineDefinition responses
// recorded against AWS (../shared/conformance/validate).
func TestValidateRecorded(t *testing.T) {
	t.Parallel()
	dir := corpus(t)
	files, err := filepath.Glob(filepath.Join(dir, "validate", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			for key, reason := range validateSkipped {
				if strings.Contains(file, key) {
					t.Skip(reason)
				}
			}
			data, err := os.ReadFile(file)
			require.NoError(t, err)
			var rec struct {
				Request struct {
					Definition string `json:"definition"`
				} `json:"request"`
				Expected struct {
					Result      string                   `json:"result"`
					Diagnostics []interpreter.Diagnostic `json:"diagnostics"`
				} `json:"expected_response"`
			}
			require.NoError(t, json.Unmarshal(data, &rec))
			got := interpreter.Validate(rec.Request.Definition)
			result := "OK"
			for _, d := range got {
				if d.Severity == interpreter.SeverityError {
					result = "FAIL"
				}
			}
			require.Equal(t, rec.Expected.Result, result)
			require.Equal(t, rec.Expected.Diagnostics, got)
		})
	}
}

// TestParseRecordedDefinitions checks that every definition AWS accepted in the recordings
// (all tiers, JSONata included) parses: sfnlocal must not reject at creation what AWS runs.
// Definitions still holding a harness placeholder ("<fake:...>") are left out.
func TestParseRecordedDefinitions(t *testing.T) {
	t.Parallel()
	dir := corpus(t)
	cases, err := LoadCases(dir)
	require.NoError(t, err)
	seen := map[string]bool{}
	n := 0
	for _, c := range cases {
		def := string(c.Definition)
		if len(def) == 0 || def == "null" || strings.Contains(def, "<fake:") || seen[def] {
			continue
		}
		seen[def] = true
		n++
		_, err := interpreter.Parse(def)
		require.NoError(t, err, c.Name)
	}
	require.Greater(t, n, 300)
	t.Logf("%d distinct recorded definitions parse", n)
}
