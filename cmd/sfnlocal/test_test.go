package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTestCommand(t *testing.T) {
	t.Parallel()
	const example = "../../examples/batch-with-lambda/test/suite.yaml"
	const rich = "../../testrunner/testdata/rich/suite.yaml"
	bad := writeFile(t, "bad.yaml", "stateMachines:\n  - definition: missing.json\n    cases: [{name: a}]\n")
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantLast string // the last line of stdout
		wantOut  []string
		wantErr  string
	}{
		{"the example passes", []string{example}, 0, "4 passed, 0 failed",
			[]string{"PASS BatchJobWithLambda/HappyPath (", "PASS BatchJobWithLambda/FailedJob (", "coverage of BatchJobWithLambda", "Submit Batch Job"}, ""},
		{"a failing case", []string{rich}, 1, "3 passed, 1 failed",
			[]string{"FAIL order/wrong expectations: status: want FAILED, got SUCCEEDED; output: ", "In stock?        Choice    4        Default → Out of stock"}, ""},
		{"--run selects cases", []string{"--run", "InStock|Back", "--no-coverage-table", rich}, 0, "2 passed, 0 failed",
			[]string{"PASS order/InStock (", "PASS order/Backorder ("}, ""},
		{"--run matching nothing", []string{"--run", "^none$", rich}, 0, "0 passed, 0 failed", nil, `no case matches --run "^none$"`},
		{"bad suite", []string{bad}, 2, "", nil, "invalid suite:\n" + bad + ":2: stateMachines[0].definition: "},
		{"missing suite", []string{"nope.yaml"}, 2, "", nil, "nope.yaml"},
		{"bad --run", []string{"--run", "(", rich}, 2, "", nil, "--run: error parsing regexp"},
		{"no suite", nil, 2, "", nil, "usage: sfnlocal test"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"test"}, tc.args...), func(string) string { return "" }, &stdout, &stderr)
			require.Equal(t, tc.wantCode, code, "stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
			lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
			require.Equal(t, tc.wantLast, lines[len(lines)-1])
			for _, w := range tc.wantOut {
				require.Contains(t, stdout.String(), w)
			}
			require.Contains(t, stderr.String(), tc.wantErr)
		})
	}
}

func TestTestCommandFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	junit, cov, html := filepath.Join(dir, "junit.xml"), filepath.Join(dir, "cov.json"), filepath.Join(dir, "cov.html")
	var stdout, stderr bytes.Buffer
	code := run([]string{"test", "--junit", junit, "--coverage", cov, "--coverage-html", html, "../../testrunner/testdata/rich/suite.yaml"},
		func(string) string { return "" }, &stdout, &stderr)
	require.Equal(t, 1, code, "%s%s", stdout.String(), stderr.String())

	data, err := os.ReadFile(junit)
	require.NoError(t, err)
	var suites struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name    string  `xml:"name,attr"`
				Failure *string `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(data, &suites))
	require.Equal(t, 4, suites.Tests)
	require.Equal(t, 1, suites.Failures)
	require.Equal(t, "order", suites.Suites[0].Name)
	require.NotNil(t, suites.Suites[0].Cases[3].Failure)

	data, err = os.ReadFile(cov)
	require.NoError(t, err)
	var c struct {
		StateMachines []struct {
			StateMachine string `json:"stateMachine"`
			Coverage     struct {
				Totals map[string]map[string]int `json:"totals"`
			} `json:"coverage"`
		} `json:"stateMachines"`
	}
	require.NoError(t, json.Unmarshal(data, &c))
	require.Equal(t, map[string]int{"covered": 10, "total": 11}, c.StateMachines[0].Coverage.Totals["states"])

	data, err = os.ReadFile(html)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(data), "<!DOCTYPE html>"))
	require.Contains(t, string(data), `<svg xmlns="http://www.w3.org/2000/svg"`)
}
