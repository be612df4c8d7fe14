package main

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestValidateCommand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		def      string
		wantCode int
		want     string
		wantDiag []map[string]any
	}{
		{name: "valid", def: `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`, wantCode: 0, want: "OK", wantDiag: []map[string]any{}},
		{name: "missing StartAt", def: `{"States":{"StartState":{"Type":"Pass","End":true}}}`, wantCode: 1, want: "FAIL",
			wantDiag: []map[string]any{{"code": "SCHEMA_VALIDATION_FAILED", "location": "/", "message": "These fields are required: [StartAt]", "severity": "ERROR"}}},
		{name: "missing target", def: `{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"Nowhere"},"E":{"Type":"Succeed"}}}`, wantCode: 1, want: "FAIL",
			wantDiag: []map[string]any{
				{"code": "MISSING_TRANSITION_TARGET", "location": "/States/E", "message": "State \"E\" is not reachable.", "severity": "ERROR"},
				{"code": "MISSING_TRANSITION_TARGET", "location": "/States/P/Next", "message": "Missing 'Next' target: Nowhere", "severity": "ERROR"},
			}},
		{name: "empty", def: " ", wantCode: 1, want: "FAIL",
			wantDiag: []map[string]any{{"code": "SCHEMA_VALIDATION_FAILED", "message": "Definition must be a valid JSON object", "severity": "ERROR"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := validateCommand([]string{writeFile(t, "def.json", tc.def)}, func(string) string { return "" }, &stdout, &stderr)
			require.Equal(t, tc.wantCode, code, stderr.String())
			var got struct {
				Result      string           `json:"result"`
				Diagnostics []map[string]any `json:"diagnostics"`
				Truncated   bool             `json:"truncated"`
			}
			require.NoError(t, json.Unmarshal(stdout.Bytes(), &got))
			require.Equal(t, tc.want, got.Result)
			require.Equal(t, tc.wantDiag, got.Diagnostics)
			require.False(t, got.Truncated)
		})
	}
}

func TestValidateCommandUsage(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	require.Equal(t, 2, validateCommand(nil, func(string) string { return "" }, &stdout, &stderr))
	require.Equal(t, 2, validateCommand([]string{"/nonexistent/x.json"}, func(string) string { return "" }, &stdout, &stderr))
}
