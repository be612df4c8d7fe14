package interpreter

// Map Runs: the record of a Distributed Map's run (settings, children, counts) and the
// Engine's Go API over them (MapRun, MapRuns, UpdateMapRun, MapRunExecutions,
// ChildExecution, ForgetMapRuns), which the API layer serves as DescribeMapRun, ListMapRuns,
// UpdateMapRun and the execution operations on children. How a Map Run runs is distmap.go.

import (
	"fmt"
	"sync"
	"time"
)

// Map Run statuses.
const (
	MapRunRunning   = "RUNNING"
	MapRunSucceeded = "SUCCEEDED"
	MapRunFailed    = "FAILED"
	MapRunAborted   = "ABORTED"
)

// maxMapRunRedrives is AWS's hard limit on the redrives of one Map Run.
const maxMapRunRedrives = 1000

// mapRun is one Map Run: its settings, its children and their outcomes. Guarded by mu; the
// Map state's goroutine is the only writer of units' inputs and executions.
type mapRun struct {
	arn        string
	execArn    string // the parent execution
	smArn      string // the parent's state machine
	childSmArn string // <state machine ARN>/<label>
	childName  string // <state machine name>/<label>
	label      string
	definition string // the children's definition (the ItemProcessor)
	idPart     string // the Map Run id (the ARN's last part)
	express    bool
	// jkey is the parent's journal key ("" when it is not journaled): the children's
	// journals go under it (durable.go).
	jkey string
	// recovered marks a Map Run that a recovered execution replays: its children resume
	// from their journals (distmap_durable.go).
	recovered bool

	mu          sync.Mutex
	status      string
	start, stop time.Time
	maxConc     int64
	tolPct      float64
	tolCount    int64
	tolPctSet   bool
	tolCountSet bool
	units       []*mapUnit
	items       int64
	written     int64
	redrives    int
	redriveDate time.Time
	// doneQ holds the indexes of children that ended since the dispatcher last looked;
	// notify is closed (and replaced) when one is added.
	doneQ  []int
	notify chan struct{}
}

// mapUnit is one child: an item or a batch.
type mapUnit struct {
	input  any
	items  int
	arn    string
	x      *Execution
	status string // "" until started, then the child's status
	// counted is set once the dispatcher has taken the child's end into account.
	counted bool
	// cpRedrives is the child's redrive count in the checkpoint a restored Map Run came
	// from (distmap_durable.go).
	cpRedrives int
	// resumed marks a child of a restored Map Run that was running at the crash: resumed
	// and launched by restoreMapRun, its end reaches the dispatcher's queue.
	resumed bool
}

// MapRunCounts are DescribeMapRun's itemCounts or executionCounts.
type MapRunCounts struct {
	Pending, Running, Succeeded, Failed, TimedOut, Aborted, Total, ResultsWritten int64
	FailuresNotRedrivable, PendingRedrive                                         int64
}

// MapRunInfo is a Map Run as DescribeMapRun and ListMapRuns report it.
type MapRunInfo struct {
	Arn, ExecutionArn, StateMachineArn string
	Status                             string
	StartDate                          time.Time
	StopDate                           time.Time // zero while running
	MaxConcurrency                     int64
	ToleratedFailurePercentage         float64
	ToleratedFailureCount              int64
	ItemCounts, ExecutionCounts        MapRunCounts
	RedriveCount                       int
	RedriveDate                        time.Time
}

// MapRunUpdate is UpdateMapRun's request; nil members are left as they are.
type MapRunUpdate struct {
	MaxConcurrency             *int64
	ToleratedFailurePercentage *float64
	ToleratedFailureCount      *int64
}

// ErrMapRunNotFound is returned for an unknown Map Run ARN.
var ErrMapRunNotFound = fmt.Errorf("map run does not exist")

// distRegistry is the engine's table of Map Runs and their children.
type distRegistry struct {
	mu       sync.Mutex
	runs     map[string]*mapRun
	byExec   map[string][]*mapRun
	children map[string]*Execution
}

// addRun registers a Map Run.
func (d *distRegistry) addRun(r *mapRun) {
	d.mu.Lock()
	d.runs[r.arn] = r
	d.byExec[r.execArn] = append(d.byExec[r.execArn], r)
	d.mu.Unlock()
}

// addChild registers cx, named arn, as child i of Map Run r, running.
func (d *distRegistry) addChild(r *mapRun, i int, arn string, cx *Execution) {
	d.mu.Lock()
	d.children[arn] = cx
	d.mu.Unlock()
	r.mu.Lock()
	u := r.units[i]
	u.x, u.arn, u.status = cx, arn, StatusRunning
	r.mu.Unlock()
}

func (e *Engine) dist() *distRegistry {
	e.distOnce.Do(func() {
		e.distReg = &distRegistry{runs: map[string]*mapRun{}, byExec: map[string][]*mapRun{}, children: map[string]*Execution{}}
	})
	return e.distReg
}

func (r *mapRun) info() MapRunInfo {
	r.mu.Lock()
	defer r.mu.Unlock()
	in := MapRunInfo{Arn: r.arn, ExecutionArn: r.execArn, StateMachineArn: r.smArn, Status: r.status,
		StartDate: r.start, StopDate: r.stop, MaxConcurrency: r.maxConc, ToleratedFailurePercentage: r.tolPct,
		ToleratedFailureCount: r.tolCount, RedriveCount: r.redrives, RedriveDate: r.redriveDate}
	for _, u := range r.units {
		status := u.status
		if u.x != nil && status == StatusRunning {
			status = u.x.Status()
		}
		var c *int64
		switch status {
		case "":
			in.ItemCounts.Pending += int64(u.items)
			in.ExecutionCounts.Pending++
			continue
		case StatusRunning:
			c = &in.ItemCounts.Running
			in.ExecutionCounts.Running++
		case StatusSucceeded:
			c = &in.ItemCounts.Succeeded
			in.ExecutionCounts.Succeeded++
		case StatusFailed:
			c = &in.ItemCounts.Failed
			in.ExecutionCounts.Failed++
		case StatusTimedOut:
			c = &in.ItemCounts.TimedOut
			in.ExecutionCounts.TimedOut++
		case StatusAborted:
			c = &in.ItemCounts.Aborted
			in.ExecutionCounts.Aborted++
		}
		*c += int64(u.items)
	}
	in.ItemCounts.Total = r.items
	in.ExecutionCounts.Total = int64(len(r.units))
	in.ItemCounts.ResultsWritten = r.written
	in.ExecutionCounts.ResultsWritten = r.writtenExecs()
	if r.status == MapRunFailed || r.status == MapRunAborted {
		ic, ec := in.ItemCounts, in.ExecutionCounts
		in.ItemCounts.PendingRedrive = ic.Pending + ic.Failed + ic.TimedOut + ic.Aborted
		in.ExecutionCounts.PendingRedrive = ec.Pending + ec.Failed + ec.TimedOut + ec.Aborted
	}
	return in
}

// writtenExecs counts the children whose results were written (all ended ones once
// results are written).
func (r *mapRun) writtenExecs() int64 {
	if r.written == 0 {
		return 0
	}
	n := int64(0)
	for _, u := range r.units {
		if u.status != "" && u.status != StatusRunning {
			n++
		}
	}
	return n
}

// MapRun returns a Map Run by ARN.
func (e *Engine) MapRun(arn string) (MapRunInfo, bool) {
	d := e.dist()
	d.mu.Lock()
	r := d.runs[arn]
	d.mu.Unlock()
	if r == nil {
		return MapRunInfo{}, false
	}
	return r.info(), true
}

// MapRuns returns the Map Runs an execution started, oldest first.
func (e *Engine) MapRuns(executionArn string) []MapRunInfo {
	d := e.dist()
	d.mu.Lock()
	runs := append([]*mapRun(nil), d.byExec[executionArn]...)
	d.mu.Unlock()
	out := make([]MapRunInfo, len(runs))
	for i, r := range runs {
		out[i] = r.info()
	}
	return out
}

// MapRunExecutions returns the child executions a Map Run started, in item order.
func (e *Engine) MapRunExecutions(arn string) ([]*Execution, bool) {
	d := e.dist()
	d.mu.Lock()
	r := d.runs[arn]
	d.mu.Unlock()
	if r == nil {
		return nil, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*Execution, 0, len(r.units))
	for _, u := range r.units {
		if u.x != nil {
			out = append(out, u.x)
		}
	}
	return out, true
}

// ChildExecution returns a Map Run's child execution by ARN.
func (e *Engine) ChildExecution(arn string) (*Execution, bool) {
	d := e.dist()
	d.mu.Lock()
	defer d.mu.Unlock()
	x, ok := d.children[arn]
	return x, ok
}

// UpdateMapRun changes a Map Run's concurrency and failure tolerance; a running one takes
// the new values into account as its next child ends.
func (e *Engine) UpdateMapRun(arn string, u MapRunUpdate) error {
	d := e.dist()
	d.mu.Lock()
	r := d.runs[arn]
	d.mu.Unlock()
	if r == nil {
		return ErrMapRunNotFound
	}
	r.mu.Lock()
	if u.MaxConcurrency != nil {
		r.maxConc = *u.MaxConcurrency
	}
	if u.ToleratedFailurePercentage != nil {
		r.tolPct, r.tolPctSet = *u.ToleratedFailurePercentage, true
	}
	if u.ToleratedFailureCount != nil {
		r.tolCount, r.tolCountSet = *u.ToleratedFailureCount, true
	}
	settings, running := r.settingsLocked(), r.status == MapRunRunning
	r.mu.Unlock()
	if !running {
		return nil // nothing will read them: the Map Run has ended
	}
	return e.keepSettings(r, settings)
}

// ForgetMapRuns drops the Map Runs of an execution and their children (the API evicted the
// execution): they are no longer found.
func (e *Engine) ForgetMapRuns(executionArn string) {
	d := e.dist()
	d.mu.Lock()
	runs := d.byExec[executionArn]
	delete(d.byExec, executionArn)
	for _, r := range runs {
		delete(d.runs, r.arn)
		r.mu.Lock()
		for _, u := range r.units {
			if u.arn != "" {
				delete(d.children, u.arn)
			}
		}
		r.mu.Unlock()
	}
	d.mu.Unlock()
}

// MapRunArn returns the Map Run that started this execution ("" for a top-level one).
func (x *Execution) MapRunArn() string {
	if x.p.mapRun == nil {
		return ""
	}
	return x.p.mapRun.arn
}

// MapRunDefinition returns, for a Map Run's child, its definition (the Distributed Map's
// ItemProcessor) and the Map's label.
func (x *Execution) MapRunDefinition() (definition, label string, ok bool) {
	if x.p.mapRun == nil {
		return "", "", false
	}
	return x.p.mapRun.definition, x.p.mapRun.label, true
}

// StateMachineArn returns the ARN of the execution's state machine (for a Map Run's child,
// <parent state machine ARN>/<label>).
func (x *Execution) StateMachineArn() string { return x.p.StateMachineArn }

// RoleArn returns the execution's role.
func (x *Execution) RoleArn() string { return x.p.RoleArn }

// Name returns the execution's name.
func (x *Execution) Name() string { return x.p.Name }

// IsExpress reports whether the execution is an Express one.
func (x *Execution) IsExpress() bool { return x.p.Express }

// outputValue returns a succeeded execution's output value.
func (x *Execution) outputValue() any {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.outVal
}
