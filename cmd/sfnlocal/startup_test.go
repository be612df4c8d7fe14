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
// server's time plus 2 ms.
func BenchmarkStartup(b *testing.B) {
	bare := filepath.Join(b.TempDir(), "bareserver")
	if out, err := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bare, "./testdata/bareserver").CombinedOutput(); err != nil {
		b.Fatalf("%v: %s", err, out)
	}
	sfnlocal := binary(b)
	// measure returns the median over the iterations (a shared machine has outliers).
	measure := func(b *testing.B, bin string, args ...string) time.Duration {
		var all []time.Duration
		for b.Loop() {
			addr := freeAddr(b)
			cmd := exec.Command(bin, append(args, "--addr", addr)...)
			cmd.Env = append(os.Environ(), "TMPDIR="+b.TempDir())
			cmd.SysProcAttr = childAttr()
			req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/", strings.NewReader(`{}`))
			req.Header.Set("X-Amz-Target", "AWSStepFunctions.ListStateMachines")
			req.Header.Set("Content-Type", "application/x-amz-json-1.0")
			hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
			t0 := time.Now()
			if err := cmd.Start(); err != nil {
				b.Fatal(err)
			}
			for {
				req.Body, _ = req.GetBody()
				resp, err := hc.Do(req)
				if err == nil {
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Fatalf("status %d", resp.StatusCode)
					}
					break
				}
			}
			all = append(all, time.Since(t0))
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		slices.Sort(all)
		return all[len(all)/2]
	}
	var bareMedian time.Duration
	b.Run("bare", func(b *testing.B) {
		bareMedian = measure(b, bare)
		b.ReportMetric(float64(bareMedian.Microseconds())/1000, "ms/first-answer")
	})
	b.Run("sfnlocal", func(b *testing.B) {
		median := measure(b, sfnlocal, "serve", "--log-level", "error")
		b.ReportMetric(float64(median.Microseconds())/1000, "ms/first-answer")
		if bareMedian > 0 {
			b.ReportMetric(float64(median)/float64(bareMedian), "x-bare")
			target := bareMedian*3/2 + 2*time.Millisecond
			b.ReportMetric(float64(target.Microseconds())/1000, "ms-target")
		}
	})
}
