package main

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// BenchmarkStartup measures process start to first answered request (a ListStateMachines)
// for sfnlocal and for a bare Go HTTP server started the same way, built the same way
// (-trimpath; `make build` also strips symbols). Target: sfnlocal within 1.5x the bare
// server's time plus 2 ms. Each iteration starts both, one after the other, so that the two
// medians see the same machine load (a shared machine's load changes by the second).
func BenchmarkStartup(b *testing.B) {
	bare := filepath.Join(b.TempDir(), "bareserver")
	if out, err := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bare, "./testdata/bareserver").CombinedOutput(); err != nil {
		b.Fatalf("%v: %s", err, out)
	}
	sfnlocal := binary(b)
	req, _ := http.NewRequest(http.MethodPost, "/", strings.NewReader(`{}`))
	req.Header.Set("X-Amz-Target", "AWSStepFunctions.ListStateMachines")
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	// firstAnswer starts bin and returns how long its first answer took.
	firstAnswer := func(bin string, args ...string) time.Duration {
		addr := freeAddr(b)
		cmd := exec.Command(bin, append(args, "--addr", addr)...)
		cmd.Env = append(os.Environ(), "TMPDIR="+b.TempDir())
		cmd.SysProcAttr = childAttr()
		r := req.Clone(req.Context())
		r.URL.Scheme, r.URL.Host, r.Host = "http", addr, addr
		t0 := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		for {
			r.Body, _ = req.GetBody()
			resp, err := hc.Do(r)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("status %d", resp.StatusCode)
				}
				break
			}
		}
		d := time.Since(t0)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return d
	}
	var bareTimes, times []time.Duration
	for b.Loop() {
		bareTimes = append(bareTimes, firstAnswer(bare))
		times = append(times, firstAnswer(sfnlocal, "serve", "--log-level", "error"))
	}
	// Medians: a shared machine has outliers.
	median := func(ds []time.Duration) time.Duration {
		slices.Sort(ds)
		return ds[len(ds)/2]
	}
	bareMedian, sfnMedian := median(bareTimes), median(times)
	target := bareMedian*3/2 + 2*time.Millisecond
	b.ReportMetric(float64(bareMedian.Microseconds())/1000, "ms/bare-first-answer")
	b.ReportMetric(float64(sfnMedian.Microseconds())/1000, "ms/first-answer")
	b.ReportMetric(float64(sfnMedian)/float64(bareMedian), "x-bare")
	b.ReportMetric(float64(target.Microseconds())/1000, "ms-target")
}
