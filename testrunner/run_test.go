package testrunner

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create it")
	require.Equal(t, string(want), string(got), "%s differs; run go test -update and review the diff", path)
}

// runRich runs testdata/rich/suite.yaml with durations fixed for golden files.
func runRich(t *testing.T, opts Options) (*Report, []string) {
	t.Helper()
	data, err := os.ReadFile("testdata/rich/suite.yaml")
	require.NoError(t, err)
	s, err := Parse("testdata/rich/suite.yaml", data, os.ReadFile)
	require.NoError(t, err)
	epoch := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	opts.Now = func() time.Time { return epoch }
	var order []string
	rep := Run(s, opts, func(r Result) { order = append(order, r.Case.FullName) })
	for i := range rep.Results {
		rep.Results[i].Duration = time.Duration(i+1) * 7 * time.Millisecond
	}
	return rep, order
}

func TestRun(t *testing.T) {
	t.Parallel()
	for _, parallel := range []int{1, 0} {
		rep, order := runRich(t, Options{Parallel: parallel})
		require.Equal(t, []string{"order/InStock", "order/Backorder", "order/Throttled", "order/wrong expectations"}, order, "results come in suite order")
		passed, failed := rep.Counts()
		require.Equal(t, 3, passed)
		require.Equal(t, 1, failed)
		require.Equal(t, []string{
			"status: want FAILED, got SUCCEEDED",
			"output: $: want an object, got [1,2,3]",
			`states: want ["Check stock"], got ["Check stock","In stock?","Ship","Label","Invoice","Pack items","Pack","Pack","Pack","Done"]`,
			"maxTransitions: 10 states entered, more than 3",
		}, rep.Results[3].Failures)
		require.Len(t, rep.Coverage, 1)
		require.Equal(t, 5, rep.Coverage[0].Coverage.States[0].Entered, "Check stock: 2 + 2 (a loop) + 1 across the suite")
	}
}

func TestRunFilter(t *testing.T) {
	t.Parallel()
	rep, order := runRich(t, Options{Run: regexp.MustCompile(`Throttled`)})
	require.Equal(t, []string{"order/Throttled"}, order)
	require.Equal(t, 1, rep.Coverage[0].Coverage.Totals.Catchers.Covered)
	require.Equal(t, 0, rep.Coverage[0].Coverage.Totals.Branches.Covered, "coverage counts only the cases run")

	rep, order = runRich(t, Options{Run: regexp.MustCompile(`nothing`)})
	require.Empty(t, order)
	require.Empty(t, rep.Coverage)
}

func TestOutputs(t *testing.T) {
	t.Parallel()
	rep, _ := runRich(t, Options{})
	var b bytes.Buffer
	require.NoError(t, WriteJUnit(&b, "testdata/rich/suite.yaml", rep))
	golden(t, "rich/junit.golden.xml", b.Bytes())

	b.Reset()
	require.NoError(t, WriteCoverageTable(&b, rep.Coverage))
	golden(t, "rich/coverage.golden.txt", b.Bytes())
	for _, line := range strings.Split(b.String(), "\n") {
		require.Equal(t, strings.TrimRight(line, " "), line, "no trailing spaces")
	}

	b.Reset()
	require.NoError(t, WriteCoverageJSON(&b, rep.Coverage))
	golden(t, "rich/coverage.golden.json", b.Bytes())

	b.Reset()
	require.NoError(t, WriteCoverageHTML(&b, "testdata/rich/suite.yaml", rep.Coverage))
	golden(t, "rich/coverage.golden.html", b.Bytes())
	page := b.String()
	// Structure: self-contained, one graph, the untested state and the never-taken Default red.
	for _, banned := range []string{"<script", "<link", "src=", "href=", "@import", "url(http"} {
		require.NotContains(t, page, banned, "the page loads nothing")
	}
	require.Equal(t, 1, strings.Count(page, "<svg "))
	require.Regexp(t, `<g class="state untested"><title>Out of stock \(Fail\), entered 0; never taken: never entered</title>`, page)
	require.Regexp(t, `<path class="edge untaken" d="[^"]*" marker-end="url\(#arrow\)"/>\s*<text class="label" [^>]*>Default</text>`, page)
	require.Contains(t, page, `<g class="state partial"><title>Check stock (Task), entered 5; never taken: Retry[1] States.Timeout</title>`)
	require.Contains(t, page, `<span class="red">Default → Out of stock</span>`)
	require.Contains(t, page, "Pack items/Pack")
}
