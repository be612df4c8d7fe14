package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/api"
	"github.com/sfnlocal/sfnlocal/internal/clock"
)

// doneWaiter is an Observer that lets a test wait for executions to end without polling.
type doneWaiter struct {
	mu    sync.Mutex
	ended map[string]chan struct{}
	count int
	all   chan struct{}
	want  int
}

func newDoneWaiter(want int) *doneWaiter {
	return &doneWaiter{ended: map[string]chan struct{}{}, all: make(chan struct{}), want: want}
}

func (w *doneWaiter) ch(arn string) chan struct{} {
	c, ok := w.ended[arn]
	if !ok {
		c = make(chan struct{})
		w.ended[arn] = c
	}
	return c
}

func (w *doneWaiter) ExecutionStatusChanged(e api.ExecutionStatus) {
	if e.Status == "RUNNING" {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	close(w.ch(e.ExecutionArn))
	delete(w.ended, e.ExecutionArn) // a later wait finds nothing pending: it must come after
	w.count++
	if w.count == w.want {
		close(w.all)
	}
}

// TestRetentionEvictsOldestFinished: past MaxExecutions, the oldest finished executions are
// forgotten (ExecutionDoesNotExist everywhere), the kept ones answer Describe, List and the full
// history from their compact form, and a running one is never evicted.
func TestRetentionEvictsOldestFinished(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const n, keep = 7, 3
	w := newDoneWaiter(n)
	clocks, err := clock.ParseMode("instant")
	require.NoError(t, err)
	svc, err := api.New(api.Options{
		Engine:        api.InterpreterEngine(api.InterpreterConfig{Clock: clocks, Logger: zap.NewNop()}),
		Logger:        zap.NewNop(),
		MaxExecutions: keep,
		Observers:     []api.Observer{w},
	})
	require.NoError(t, err)
	t.Cleanup(svc.Close)
	c := sdkClient(svc)
	chain := createSM(t, c, "chain", passChain(10), "")
	act, err := c.CreateActivity(ctx, &sfn.CreateActivityInput{Name: aws.String("worker")})
	require.NoError(t, err)
	waiting := createSM(t, c, "waiting", `{"StartAt":"W","States":{"W":{"Type":"Task","Resource":"`+*act.ActivityArn+`","End":true}}}`, "")
	long, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &waiting, Name: aws.String("long")})
	require.NoError(t, err)

	var arns []string
	for i := range n {
		st, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &chain, Name: aws.String(fmt.Sprintf("e%d", i)), Input: aws.String(`{"i":` + fmt.Sprint(i) + `}`)})
		require.NoError(t, err)
		arns = append(arns, *st.ExecutionArn)
		waitDone(t, c, *st.ExecutionArn) // they end in start order
	}
	<-w.all
	for i, arn := range arns {
		_, derr := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: &arn})
		h, herr := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: &arn})
		if i < n-keep {
			requireCode(t, derr, "ExecutionDoesNotExist")
			requireCode(t, herr, "ExecutionDoesNotExist")
			continue
		}
		require.NoError(t, derr)
		require.NoError(t, herr)
		require.Len(t, h.Events, 22)
		require.Equal(t, fmt.Sprintf(`{"i":%d}`, i), *h.Events[21].ExecutionSucceededEventDetails.Output)
		require.Equal(t, "S9", *h.Events[20].StateExitedEventDetails.Name)
	}
	list, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: &chain})
	require.NoError(t, err)
	require.Len(t, list.Executions, keep)
	require.Equal(t, arns[n-1], *list.Executions[0].ExecutionArn)
	d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: long.ExecutionArn})
	require.NoError(t, err)
	require.Equal(t, "RUNNING", string(d.Status))

	// A reused name starts afresh once the old execution is gone.
	_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: &chain, Name: aws.String("e0")})
	require.NoError(t, err)
}

// BenchmarkFinishedExecutionMemory reports the heap a finished 10-state Pass-chain
// execution keeps (target: under 2 KB).
func BenchmarkFinishedExecutionMemory(b *testing.B) {
	const n = 20000
	for b.Loop() {
		b.StopTimer()
		w := newDoneWaiter(n)
		clocks, _ := clock.ParseMode("instant")
		svc, err := api.New(api.Options{
			Engine: api.InterpreterEngine(api.InterpreterConfig{Clock: clocks, Logger: zap.NewNop()}),
			Logger: zap.NewNop(), Observers: []api.Observer{w},
		})
		if err != nil {
			b.Fatal(err)
		}
		def, _ := json.Marshal(passChain(10))
		var sm api.CreateStateMachineInput
		_ = json.Unmarshal([]byte(`{"name":"chain","roleArn":"arn:aws:iam::123456789012:role/r","definition":`+string(def)+`}`), &sm)
		out, err := svc.CreateStateMachine(context.Background(), &sm)
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		b.StartTimer()
		for range n {
			input := `{"order":"12345"}`
			if _, err := svc.StartExecution(context.Background(), &api.StartExecutionInput{StateMachineArn: &out.StateMachineArn, Input: &input}); err != nil {
				b.Fatal(err)
			}
		}
		<-w.all
		b.StopTimer()
		svc.FlushObservers()
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "B/execution")
		svc.Close()
		b.StartTimer()
	}
}
