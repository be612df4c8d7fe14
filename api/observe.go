package api

import (
	"sync"
	"time"
)

// ExecutionStatus is one change of an execution's status: RUNNING when it starts or is
// redriven, then SUCCEEDED, FAILED, TIMED_OUT or ABORTED when it ends. It carries what
// EventBridge's "Step Functions Execution Status Change" detail, metrics and the console need.
type ExecutionStatus struct {
	ExecutionArn    string
	StateMachineArn string
	Name            string
	Status          string
	Express         bool
	StartDate       time.Time
	StopDate        time.Time // zero while RUNNING
	Input           string
	Output          string // set when HasOutput
	HasOutput       bool
	Error, Cause    string
	RedriveCount    int
	// Run is the live execution (its History), nil for none.
	Run Run
}

// Observer hears about every execution status change, in order per execution and across the
// Service (a RUNNING change always comes before the same execution's terminal one).
//
// Calls come from one delivery goroutine, never with a Service lock held, so an Observer may
// call back into the Service (an EventBridge rule starting another execution); a slow Observer
// delays the ones after it but never an execution.
type Observer interface {
	ExecutionStatusChanged(ExecutionStatus)
}

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(ExecutionStatus)

func (f ObserverFunc) ExecutionStatusChanged(e ExecutionStatus) { f(e) }

// notifier queues status changes (in the order the Service records them, under its lock) and
// delivers them on one goroutine. The queue is unbounded: recording must never block on an
// observer.
type notifier struct {
	observers []Observer
	mu        sync.Mutex
	queue     []ExecutionStatus
	running   bool
	idle      *sync.Cond
}

func newNotifier(obs []Observer) *notifier {
	n := &notifier{observers: obs}
	n.idle = sync.NewCond(&n.mu)
	return n
}

func (n *notifier) post(e ExecutionStatus) {
	if n == nil || len(n.observers) == 0 {
		return
	}
	n.mu.Lock()
	n.queue = append(n.queue, e)
	if !n.running {
		n.running = true
		go n.deliver()
	}
	n.mu.Unlock()
}

func (n *notifier) deliver() {
	n.mu.Lock()
	for len(n.queue) > 0 {
		batch := n.queue
		n.queue = nil
		n.mu.Unlock()
		for _, e := range batch {
			for _, o := range n.observers {
				o.ExecutionStatusChanged(e)
			}
		}
		n.mu.Lock()
	}
	n.running = false
	n.idle.Broadcast()
	n.mu.Unlock()
}

// flush waits until every queued change has been delivered.
func (n *notifier) flush() {
	if n == nil {
		return
	}
	n.mu.Lock()
	for n.running {
		n.idle.Wait()
	}
	n.mu.Unlock()
}

// statusOf describes ex's current status for observers.
func statusOf(ex *execution) ExecutionStatus {
	rec := ex.rec
	fillOutcome(&rec, ex.run)
	return ExecutionStatus{
		ExecutionArn: rec.Arn, StateMachineArn: rec.StateMachineArn, Name: rec.Name,
		Status: rec.Status, Express: rec.Express, StartDate: rec.StartDate, StopDate: rec.StopDate,
		Input: rec.Input, Output: rec.Output, HasOutput: rec.HasOutput,
		Error: rec.Error, Cause: rec.Cause, RedriveCount: rec.RedriveCount, Run: ex.run,
	}
}
