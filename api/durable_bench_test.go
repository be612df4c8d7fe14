package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/api"
	"github.com/sfnlocal/sfnlocal/api/store"
	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/interpreter"
)

func durableService(b testing.TB, db *storage.DB) *api.Service {
	clocks, err := clock.ParseMode("real")
	if err != nil {
		b.Fatal(err)
	}
	svc, err := api.New(api.Options{Engine: api.InterpreterEngine(api.InterpreterConfig{Clock: clocks, Logger: zap.NewNop()}), Logger: zap.NewNop(), DB: db})
	if err != nil {
		b.Fatal(err)
	}
	if err := svc.Recover(); err != nil {
		b.Fatal(err)
	}
	return svc
}

// BenchmarkExecutionsPerSecondDurable: BenchmarkExecutionsPerSecond with a durable store
// (fsync on): concurrent clients run a 10-state Pass chain to the end over HTTP.
func BenchmarkExecutionsPerSecondDurable(b *testing.B) {
	db, err := storage.Open(b.TempDir(), storage.Options{NoSync: os.Getenv("BENCH_NOSYNC") != ""})
	if err != nil {
		b.Fatal(err)
	}
	svc := durableService(b, db)
	hs := httptest.NewServer(svc.Handler())
	b.Cleanup(func() { hs.Close(); svc.Close(); db.Close() })
	c := rawClient{url: hs.URL, hc: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 512}}}
	def, _ := json.Marshal(passChain(10))
	smArn := c.call(b, "CreateStateMachine", `{"name":"chain","roleArn":"arn:aws:iam::123456789012:role/r","definition":`+string(def)+`}`)["stateMachineArn"].(string)
	b.SetParallelism(64)
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

// BenchmarkRestartDurable: the time from opening a store holding 100,000 finished and 1,000
// running executions to the first answered request (DescribeExecution of a finished one),
// with every running execution resumed.
func BenchmarkRestartDurable(b *testing.B) {
	const finished, running = 100000, 1000
	dir := b.TempDir()
	db, err := storage.Open(dir, storage.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	d, err := store.OpenDurable(db)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC()
	smArn := "arn:aws:states:us-east-1:123456789012:stateMachine:big"
	waitDef := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`
	d.PutStateMachine(store.StateMachine{Arn: smArn, Name: "big", Type: "STANDARD", RoleArn: "arn:aws:iam::123456789012:role/r", Definition: waitDef, CreationDate: now})
	hist, _ := interpreter.EncodeHistory([]interpreter.Event{
		{ID: 1, Timestamp: now, Type: interpreter.EvExecutionStarted, Input: interpreter.RawJSON(`{}`), Details: &interpreter.Details{RoleArn: "arn:aws:iam::123456789012:role/r"}},
		{ID: 2, Timestamp: now, Type: "PassStateEntered", Name: "P", Input: interpreter.RawJSON(`{}`)},
		{ID: 3, PreviousEventID: 2, Timestamp: now, Type: "PassStateExited", Name: "P", Output: interpreter.RawJSON(`{}`)},
		{ID: 4, PreviousEventID: 3, Timestamp: now, Type: interpreter.EvExecutionSucceeded, Output: interpreter.RawJSON(`{}`)},
	})
	var waits []func() error
	for i := range finished + running {
		rec := store.Execution{Arn: fmt.Sprintf("arn:aws:states:us-east-1:123456789012:execution:big:e%d", i), StateMachineArn: smArn,
			Name: fmt.Sprintf("e%d", i), Input: "{}", StartDate: now, Status: "RUNNING", Definition: waitDef,
			RoleArn: "arn:aws:iam::123456789012:role/r", DefinitionDate: now, Seq: uint64(i + 1)}
		if i < finished {
			rec.Status, rec.StopDate, rec.Output, rec.HasOutput = "SUCCEEDED", now, "{}", true
			rec.History, rec.Finished = hist, uint64(i+1)
		}
		waits = append(waits, d.PutExecutionAsync(rec))
		if len(waits) == 2000 {
			for _, w := range waits {
				if err := w(); err != nil {
					b.Fatal(err)
				}
			}
			waits = waits[:0]
		}
	}
	for _, w := range waits {
		if err := w(); err != nil {
			b.Fatal(err)
		}
	}
	db.Close()
	for b.Loop() {
		t0 := time.Now()
		db, err := storage.Open(dir, storage.Options{})
		if err != nil {
			b.Fatal(err)
		}
		svc := durableService(b, db)
		hs := httptest.NewServer(svc.Handler())
		c := rawClient{url: hs.URL, hc: &http.Client{}}
		out := c.call(b, "DescribeExecution", `{"executionArn":"arn:aws:states:us-east-1:123456789012:execution:big:e7"}`)
		b.ReportMetric(float64(time.Since(t0).Milliseconds()), "ms-to-serve")
		if out["status"] != "SUCCEEDED" {
			b.Fatalf("status %v", out["status"])
		}
		out = c.call(b, "DescribeExecution", fmt.Sprintf(`{"executionArn":"arn:aws:states:us-east-1:123456789012:execution:big:e%d"}`, finished+running-1))
		if out["status"] != "RUNNING" {
			b.Fatalf("status %v", out["status"])
		}
		hs.Close()
		svc.Close()
		db.Close()
	}
}
