package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"time"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/testrunner"
)

func init() { commands["test"] = testCommand }

// testNow is the wall clock for case durations (tests fix it).
var testNow = time.Now

// testCommand runs a test suite (package testrunner): exit 0 when every case passed, 1 when
// one failed, 2 on a bad suite or flags.
func testCommand(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sfnlocal test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	junit := fs.String("junit", "", "write JUnit XML results to FILE")
	runRE := fs.String("run", "", "run only the cases whose \"state machine/case\" name matches this regular expression")
	covJSON := fs.String("coverage", "", "write the coverage of each state machine as JSON to FILE")
	covHTML := fs.String("coverage-html", "", "write the coverage as an HTML page with each state machine's graph to FILE")
	noTable := fs.Bool("no-coverage-table", false, "do not print the coverage table")
	parallel := fs.Int("parallel", 0, "cases run at once (default GOMAXPROCS)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: sfnlocal test [--run REGEX] [--junit FILE] [--coverage FILE] [--coverage-html FILE] SUITE")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	file := fs.Arg(0)
	var filter *regexp.Regexp
	if *runRE != "" {
		re, err := regexp.Compile(*runRE)
		if err != nil {
			fmt.Fprintf(stderr, "sfnlocal test: --run: %v\n", err)
			return 2
		}
		filter = re
	}
	data, err := os.ReadFile(file)
	if err != nil {
		fmt.Fprintf(stderr, "sfnlocal test: %v\n", err)
		return 2
	}
	suite, err := testrunner.Parse(file, data, os.ReadFile)
	if err != nil {
		fmt.Fprintf(stderr, "sfnlocal test: invalid suite:\n%v\n", err)
		return 2
	}
	region := firstNonEmpty(getenv("SFNLOCAL_REGION"), getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION"), "us-east-1")
	account := firstNonEmpty(getenv("AWS_ACCOUNT_ID"), getenv("SFNLOCAL_ACCOUNT_ID"), "123456789012")
	logger := zap.NewNop()
	rep := testrunner.Run(suite, testrunner.Options{
		Run: filter, Parallel: *parallel, Now: testNow, Tasks: runTasks(logger),
		Region: region, AccountID: account, Logger: logger,
	}, func(r testrunner.Result) {
		if r.Passed() {
			fmt.Fprintf(stdout, "PASS %s (%s)\n", r.Case.FullName, ms(r.Duration))
			return
		}
		fmt.Fprintf(stdout, "FAIL %s: %s\n", r.Case.FullName, oneLine(r.Failures))
	})
	status := 0
	if len(rep.Coverage) > 0 && !*noTable {
		fmt.Fprintln(stdout)
		if err := testrunner.WriteCoverageTable(stdout, rep.Coverage); err != nil {
			status = 2
		}
		fmt.Fprintln(stdout)
	}
	write := func(path string, w func(io.Writer) error) {
		if path == "" {
			return
		}
		var buf bytes.Buffer
		err := w(&buf)
		if err == nil {
			err = os.WriteFile(path, buf.Bytes(), 0o644)
		}
		if err != nil {
			fmt.Fprintf(stderr, "sfnlocal test: %v\n", err)
			status = 2
		}
	}
	write(*junit, func(w io.Writer) error { return testrunner.WriteJUnit(w, file, rep) })
	write(*covJSON, func(w io.Writer) error { return testrunner.WriteCoverageJSON(w, rep.Coverage) })
	write(*covHTML, func(w io.Writer) error { return testrunner.WriteCoverageHTML(w, file, rep.Coverage) })
	passed, failed := rep.Counts()
	fmt.Fprintf(stdout, "%d passed, %d failed\n", passed, failed)
	if passed+failed == 0 && filter != nil {
		fmt.Fprintf(stderr, "sfnlocal test: no case matches --run %q\n", *runRE)
	}
	if status != 0 {
		return status
	}
	if failed > 0 {
		return 1
	}
	return 0
}

// ms shows a duration in whole milliseconds.
func ms(d time.Duration) string { return fmt.Sprintf("%dms", d.Milliseconds()) }

// oneLine joins a case's failures on one line.
func oneLine(fails []string) string {
	var b bytes.Buffer
	for i, f := range fails {
		if i > 0 {
			b.WriteString("; ")
		}
		for _, r := range f {
			if r == '\n' || r == '\r' {
				r = ' '
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}
