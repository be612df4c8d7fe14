package testrunner

import (
	"io"
	"os"
	"testing"
)

// BenchmarkParse reads the rich suite (its definition and mock file included).
func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile("testdata/rich/suite.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("testdata/rich/suite.yaml", data, os.ReadFile); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRun runs the rich suite's four cases (a day-long Wait, retries, Parallel, Map) in
// instant time, then renders the coverage page.
func BenchmarkRun(b *testing.B) {
	data, err := os.ReadFile("testdata/rich/suite.yaml")
	if err != nil {
		b.Fatal(err)
	}
	s, err := Parse("testdata/rich/suite.yaml", data, os.ReadFile)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		rep := Run(s, Options{}, nil)
		if err := WriteCoverageHTML(io.Discard, "suite", rep.Coverage); err != nil {
			b.Fatal(err)
		}
	}
}
