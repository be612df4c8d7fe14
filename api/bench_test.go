package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/api"
	"github.com/sfnlocal/sfnlocal/internal/clock"
)

// rawClient posts awsJson1_0 requests to a real listener, with keep-alive.
type rawClient struct {
	url string
	hc  *http.Client
}

func (c rawClient) call(b testing.TB, op, body string) map[string]any {
	req, _ := http.NewRequest(http.MethodPost, c.url, strings.NewReader(body))
	req.Header.Set("X-Amz-Target", "AWSStepFunctions."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	resp, err := c.hc.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatalf("%s: %d %s", op, resp.StatusCode, raw)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		b.Fatal(err)
	}
	return m
}

func benchServer(b *testing.B, mode string) (rawClient, string) {
	clocks, err := clock.ParseMode(mode)
	if err != nil {
		b.Fatal(err)
	}
	svc, err := api.New(api.Options{Engine: api.InterpreterEngine(api.InterpreterConfig{Clock: clocks, Logger: zap.NewNop()}), Logger: zap.NewNop()})
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(svc.Handler())
	b.Cleanup(func() { hs.Close(); svc.Close() })
	tr := &http.Transport{MaxIdleConnsPerHost: 256}
	c := rawClient{url: hs.URL, hc: &http.Client{Transport: tr}}
	def, _ := json.Marshal(passChain(10))
	out := c.call(b, "CreateStateMachine", `{"name":"chain","roleArn":"arn:aws:iam::123456789012:role/r","definition":`+string(def)+`}`)
	return c, out["stateMachineArn"].(string)
}

// runToEnd starts one execution over HTTP and polls DescribeExecution until it ends.
func runToEnd(b *testing.B, c rawClient, smArn string) {
	st := c.call(b, "StartExecution", `{"stateMachineArn":"`+smArn+`"}`)
	body := `{"executionArn":"` + st["executionArn"].(string) + `","includedData":"METADATA_ONLY"}`
	for {
		if d := c.call(b, "DescribeExecution", body); d["status"] != "RUNNING" {
			if d["status"] != "SUCCEEDED" {
				b.Fatalf("status %v", d["status"])
			}
			return
		}
		runtime.Gosched()
	}
}

// BenchmarkStartToTerminalHTTP: StartExecution of a 10-state Pass chain until
// DescribeExecution reports it terminal, over loopback HTTP; reports the median too.
func BenchmarkStartToTerminalHTTP(b *testing.B) {
	c, smArn := benchServer(b, "real")
	var lat []time.Duration
	for b.Loop() {
		t0 := time.Now()
		runToEnd(b, c, smArn)
		lat = append(lat, time.Since(t0))
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "ms-median")
}

// BenchmarkExecutionsPerSecond: concurrent clients each run executions to the end.
func BenchmarkExecutionsPerSecond(b *testing.B) {
	c, smArn := benchServer(b, "real")
	b.SetParallelism(8)
	var n atomic.Int64
	t0 := time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			runToEnd(b, c, smArn)
			n.Add(1)
		}
	})
	b.ReportMetric(float64(n.Load())/time.Since(t0).Seconds(), "executions/s")
}

// BenchmarkMemory10kWaiting: heap held by 10,000 executions waiting in a Wait state.
func BenchmarkMemory10kWaiting(b *testing.B) {
	const n = 10000
	for b.Loop() {
		b.StopTimer()
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		b.StartTimer()
		svc, err := api.New(api.Options{Engine: api.InterpreterEngine(api.InterpreterConfig{Clock: func() clock.Clock { return clock.Real() }, Logger: zap.NewNop()}), Logger: zap.NewNop()})
		if err != nil {
			b.Fatal(err)
		}
		h := svc.Handler()
		call := func(op, body string) map[string]any {
			req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
			req.Header.Set("X-Amz-Target", "AWSStepFunctions."+op)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != 200 {
				b.Fatalf("%s: %d %s", op, w.Code, w.Body)
			}
			var m map[string]any
			_ = json.Unmarshal(w.Body.Bytes(), &m)
			return m
		}
		def, _ := json.Marshal(`{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`)
		sm := call("CreateStateMachine", `{"name":"w","roleArn":"arn:aws:iam::123456789012:role/r","definition":`+string(def)+`}`)["stateMachineArn"].(string)
		body := []byte(`{"stateMachineArn":"` + sm + `","input":"{\"some\":\"input\"}"}`)
		for range n {
			req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
			req.Header.Set("X-Amz-Target", "AWSStepFunctions.StartExecution")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != 200 {
				b.Fatalf("start: %d %s", w.Code, w.Body)
			}
		}
		b.StopTimer()
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heap-MB")
		b.ReportMetric(float64(after.StackInuse-before.StackInuse)/(1<<20), "stack-MB")
		b.ReportMetric(float64(runtime.NumGoroutine()), "goroutines")
		svc.Close()
		b.StartTimer()
	}
}
