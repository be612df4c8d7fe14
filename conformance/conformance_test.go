package conformance

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/sfnlocal/sfnlocal/internal/clock"
)

// corpus returns the recorded cases' folder. Without it the test is skipped on a developer's
// machine but fails in CI (CI=true), where a missing corpus must not pass as green.
func corpus(t *testing.T) string {
	t.Helper()
	dir, ok := Dir(os.Getenv)
	if !ok {
		if os.Getenv("CI") == "true" {
			t.Fatalf("conformance cases not found (looked in %q; set SFNLOCAL_CONFORMANCE_DIR)", dir)
		}
		t.Skipf("conformance cases not found (looked in %q); set SFNLOCAL_CONFORMANCE_DIR", dir)
	}
	return dir
}

func TestConformance(t *testing.T) {
	dir := corpus(t)
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
	// Exact: every case passes or sits on the skip list with its reason.
	if len(s.Failures) > 0 {
		t.Errorf("%d/%d passed; failing (fix them or add them to the skip list with a reason): %s", s.Passed, s.Total, strings.Join(names(s.Failures), ", "))
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
	dir := corpus(t)
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
	if s.Total == 0 || len(s.Failures) > 0 {
		t.Errorf("scaled clock: %d/%d passed; failing: %s", s.Passed, s.Total, strings.Join(names(s.Failures), ", "))
	}
}
