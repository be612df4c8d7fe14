package conformance

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/interpreter"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
	"github.com/sfnlocal/sfnlocal/services/s3"
)

// BenchmarkDistributedMapCSV runs a 100,000-row CSV object through a Distributed Map with a
// Pass child, in batches of 100 (1,000 Standard child executions), and writes the results to
// S3 with a ResultWriter: the S3 simulator and the interpreter in process, instant time.
// It reports the heap in use as the run ends (end-heap-MB), when it holds the most.
func BenchmarkDistributedMapCSV(b *testing.B) {
	var csv strings.Builder
	csv.WriteString("id,name,email,amount\n")
	for i := 0; i < 100000; i++ {
		fmt.Fprintf(&csv, "%d,user%d,user%d@example.com,%d.%02d\n", i, i, i, i%1000, i%100)
	}
	body := []byte(csv.String())
	const def = `{"StartAt":"Map","States":{"Map":{"Type":"Map",
	  "ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV"},"Parameters":{"Bucket":"input","Key":"rows.csv"}},
	  "ItemBatcher":{"MaxItemsPerBatch":100},
	  "ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"output","Prefix":"results"}},
	  "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},
	  "End":true}}}`
	sm, err := interpreter.Parse(def)
	if err != nil {
		b.Fatal(err)
	}
	var peak uint64
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		svc := s3.New(s3.Config{Clock: clock.Real(), Logger: zap.NewNop(), Region: "us-east-1", AccountID: "111111111111"})
		_ = svc.CreateBucket("input", "")
		_ = svc.CreateBucket("output", "")
		if _, err := svc.PutObject("input", "rows.csv", body, s3.PutOptions{}); err != nil {
			b.Fatal(err)
		}
		e := interpreter.NewEngine(interpreter.Config{
			Clock: func() clock.Clock { return clock.NewInstant(clock.Real()) },
			Tasks: task.Registry{"s3": svc.ItemIntegration()}, Logger: zap.NewNop(),
		})
		b.StartTimer()
		x, err := e.Start(sm, interpreter.StartParams{ExecutionArn: "arn:aws:states:us-east-1:111111111111:execution:sm:run",
			Name: "run", StateMachineArn: "arn:aws:states:us-east-1:111111111111:stateMachine:sm", StateMachineName: "sm",
			// The heap holds the most as the run ends: every child, its history and the results.
			OnDone: func(*interpreter.Execution) {
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}})
		if err != nil {
			b.Fatal(err)
		}
		<-x.Done()
		b.StopTimer()
		if x.Status() != interpreter.StatusSucceeded {
			c, _ := x.Cause()
			b.Fatalf("%s: %s", x.Status(), c)
		}
		e.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(peak)/(1<<20), "end-heap-MB")
}
