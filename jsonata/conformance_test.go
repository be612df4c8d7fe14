package jsonata

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sfnlocal/sfnlocal/internal/value"

	"github.com/stretchr/testify/require"
)

// collectJSONata gathers every {% … %} expression inside v.
func collectJSONata(v any, out *[]string) {
	switch x := v.(type) {
	case string:
		s := x
		if strings.HasPrefix(s, "{%") && strings.HasSuffix(s, "%}") && len(s) >= 4 {
			*out = append(*out, s[2:len(s)-2])
		}
	case map[string]any:
		for _, vv := range x {
			collectJSONata(vv, out)
		}
	case []any:
		for _, vv := range x {
			collectJSONata(vv, out)
		}
	}
}

// TestConformanceExpressionsCompile compiles every JSONata expression found
// in the state machine definitions of the recorded AWS executions
// (../shared/conformance/cases): AWS accepted all of them.
func TestConformanceExpressionsCompile(t *testing.T) {
	root := filepath.Join("..", "..", "shared", "conformance", "cases")
	if _, err := os.Stat(root); err != nil {
		t.Skipf("conformance corpus not found at %s", root)
	}
	files, err := filepath.Glob(filepath.Join(root, "*", "*.json"))
	require.NoError(t, err)
	var exprs []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		var c struct {
			Definition any `json:"definition"`
		}
		if json.Unmarshal(b, &c) != nil {
			continue
		}
		collectJSONata(c.Definition, &exprs)
	}
	failed := 0
	for _, e := range exprs {
		if _, err := Compile(e); err != nil {
			failed++
			t.Errorf("%q: %v", e, err)
		}
	}
	t.Logf("conformance JSONata expressions: %d/%d compile", len(exprs)-failed, len(exprs))
}

// evalTemplate evaluates an ASL JSONata-mode field: strings of the form
// {% expr %} are expressions, everything else is literal.
func evalTemplate(t *testing.T, v any, vars map[string]any) (any, error) {
	switch x := v.(type) {
	case string:
		if strings.HasPrefix(x, "{%") && strings.HasSuffix(x, "%}") {
			e, err := Compile(x[2 : len(x)-2])
			if err != nil {
				return nil, err
			}
			return e.EvalWith(nil, vars, AWSFunctions())
		}
		return x, nil
	case map[string]any:
		out := map[string]any{}
		for k, vv := range x {
			r, err := evalTemplate(t, vv, vars)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, vv := range x {
			r, err := evalTemplate(t, vv, vars)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	}
	return v, nil
}

// TestConformancePassOutput replays the recorded single-state JSONata Pass
// executions: Output evaluated with $states.input must give AWS's output,
// and recorded failures must fail.
func TestConformancePassOutput(t *testing.T) {
	root := filepath.Join("..", "..", "shared", "conformance", "cases")
	if _, err := os.Stat(root); err != nil {
		t.Skipf("conformance corpus not found at %s", root)
	}
	files, err := filepath.Glob(filepath.Join(root, "*", "*.json"))
	require.NoError(t, err)
	total, passed := 0, 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		var c struct {
			Definition struct {
				QueryLanguage string
				States        map[string]map[string]any
			} `json:"definition"`
			Input    *string `json:"input"`
			Expected struct {
				Status string `json:"status"`
				Output any    `json:"output"`
			} `json:"expected"`
		}
		if json.Unmarshal(b, &c) != nil || len(c.Definition.States) != 1 {
			continue
		}
		var st map[string]any
		for _, s := range c.Definition.States {
			st = s
		}
		ql, _ := st["QueryLanguage"].(string)
		if ql == "" {
			ql = c.Definition.QueryLanguage
		}
		out, hasOut := st["Output"]
		if ql != "JSONata" || st["Type"] != "Pass" || !hasOut || st["Assign"] != nil {
			continue
		}
		total++
		in := "{}"
		if c.Input != nil {
			in = *c.Input
		}
		var input any
		require.NoError(t, json.Unmarshal([]byte(in), &input))
		got, err := evalTemplate(t, out, map[string]any{"states": map[string]any{"input": input}})
		name := filepath.Base(f)
		switch c.Expected.Status {
		case "SUCCEEDED":
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			// The recordings were saved with sorted keys: compare parsed values.
			gb, _ := json.Marshal(got)
			wb, _ := json.Marshal(c.Expected.Output)
			gv, _ := value.Decode(gb)
			wv, _ := value.Decode(wb)
			if !value.Equal(gv, wv) {
				t.Errorf("%s: got %s, want %s", name, gb, wb)
				continue
			}
		case "FAILED":
			if err == nil {
				t.Errorf("%s: want failure, got %v", name, got)
				continue
			}
		}
		passed++
	}
	t.Logf("conformance JSONata Pass outputs: %d/%d", passed, total)
	require.Positive(t, total)
}
