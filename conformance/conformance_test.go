package conformance

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/sfnlocal/sfnlocal/internal/clock"
)

// minPassRate is the share of pure cases (JSONPath and JSONata) that must pass; set just below what the
// interpreter reaches, so that a regression fails the test.
const minPassRate = 0.99

func TestConformance(t *testing.T) {
	dir, ok := Dir(os.Getenv)
	if !ok {
		t.Skipf("conformance cases not found (looked in %q); set SFNLOCAL_CONFORMANCE_DIR", dir)
	}
	cases, err := LoadCases(dir)
	if err != nil {
		t.Fatal(err)
	}
	s := RunSuite(cases, []string{"pure"}, Options{})
	for _, sk := range s.Skips {
		t.Log("skip " + sk)
	}
	for _, f := range s.Failures {
		if len(f) > 1500 {
			f = f[:1500] + "..."
		}
		t.Log("FAIL " + f)
	}
	t.Logf("conformance: %d/%d passed (JSONPath and JSONata, tier pure); %d skipped", s.Passed, s.Total, s.Skipped)
	fmt.Printf("conformance: %d/%d passed\n", s.Passed, s.Total)
	if len(s.Failures) > 0 {
		fmt.Printf("conformance failing: %s\n", strings.Join(names(s.Failures), ", "))
	}
	if s.Total == 0 {
		t.Fatal("no pure cases found")
	}
	if float64(s.Passed) < minPassRate*float64(s.Total) {
		t.Errorf("pass rate %.1f%% is under the %.0f%% threshold; failing: %s", 100*float64(s.Passed)/float64(s.Total), 100*minPassRate, strings.Join(names(s.Failures), ", "))
	}
}

func names(failures []string) []string {
	out := make([]string, len(failures))
	for i, f := range failures {
		out[i], _, _ = strings.Cut(f, ": ")
	}
	return out
}

// TestConformanceScaled runs the same cases on a scaled real clock (a thousand times faster)
// instead of instant time: waits and backoffs really sleep, briefly.
func TestConformanceScaled(t *testing.T) {
	dir, ok := Dir(os.Getenv)
	if !ok {
		t.Skipf("conformance cases not found (looked in %q)", dir)
	}
	cases, err := LoadCases(dir)
	if err != nil {
		t.Fatal(err)
	}
	scaled := clock.NewScaled(1000)
	s := RunSuite(cases, []string{"pure"}, Options{Clocks: func() clock.Clock { return scaled }})
	for _, f := range s.Failures {
		t.Log("FAIL " + f)
	}
	t.Logf("conformance (scaled clock): %d/%d passed", s.Passed, s.Total)
	if s.Total == 0 || float64(s.Passed) < minPassRate*float64(s.Total) {
		t.Errorf("scaled clock: %d/%d passed, under the %.0f%% threshold", s.Passed, s.Total, 100*minPassRate)
	}
}
