package interpreter

// The Distributed Map (AWS "Using Map state in Distributed mode"), as AWS runs it:
//
//   - the items come from the state input (ItemsPath/Items) or from an ItemReader, which
//     calls the "s3" task handler (arn:aws:states:::s3:getObject|listObjectsV2) through the
//     task registry and decodes what it read with interpreter/itemio; ItemsPath is then
//     ignored (the recorded AWS cases). MapStateStarted then records length 0 and the read
//     happens inside the Map Run: a reader failure is States.ItemReaderFailed, recorded as
//     MapRunFailed;
//   - ItemSelector shapes each item (seeing $$.Map.Item), then ItemBatcher groups them into
//     {"BatchInput", "Items"} batches (itemio.Batch);
//   - each item or batch runs as a child workflow execution of its own (a STANDARD one with
//     its own history, or an EXPRESS one), with its own ARN
//     arn:<partition>:states:<region>:<account>:execution:<machine>/<label>:<uuid> (express:
//     ...:express:<machine>/<label>:<map run id>:<uuid>), at most MaxConcurrency at a time
//     (0: up to 10,000), on the parent's scheduler so that virtual time is one;
//   - the Map Run (mapRun) counts items and executions as DescribeMapRun reports them;
//     UpdateMapRun changes its concurrency and tolerance while it runs; a concurrency change
//     takes effect as the next child ends;
//   - more failed items than ToleratedFailureCount/Percentage allow (none by default) end
//     the Map Run: running children are aborted, no more start, and the Map fails with
//     States.ExceedToleratedFailureThreshold (with a tolerance set) or the first child's
//     error (without one);
//   - a ResultWriter writes itemio's files (manifest.json, SUCCEEDED_n.json, ...) through
//     the "s3" handler's putObject, and the Map's result is then
//     {"MapRunArn", "ResultWriterDetails": {"Bucket", "Key"}};
//   - stopping the parent aborts the running children and records MapRunAborted;
//   - a redrive of the parent re-runs the Map state with the same Map Run (at most 1,000
//     times): children that succeeded keep their results, failed Standard children are
//     redriven (same ARN), and Express and never-started ones start anew (AWS "Redriving Map
//     Runs"). A Map Run that failed before starting children (its ItemReader) is replaced
//     by a new one. The parent records MapRunRedriven {mapRunArn, redriveCount} instead of
//     MapRunStarted [inference: no recording of a Map Run redrive is at hand].

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sfnlocal/sfnlocal/internal/value"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// AWS's error names of the Distributed Map.
const (
	errItemReaderFailed   = "States.ItemReaderFailed"
	errResultWriterFailed = "States.ResultWriterFailed"
)

// EvMapRunAborted ends a Map Run whose execution was stopped; EvMapRunRedriven starts a
// redriven one.
const (
	EvMapRunAborted  = "MapRunAborted"
	EvMapRunRedriven = "MapRunRedriven"
)

// childDone is called by a child as it ends (from its goroutine, under the scheduler).
func (r *mapRun) childDone(i int) {
	r.mu.Lock()
	r.doneQ = append(r.doneQ, i)
	close(r.notify)
	r.notify = make(chan struct{})
	r.mu.Unlock()
}

// newMapRun makes the Map Run of a Map state's attempt and registers it. rec is its
// MapRunStarted event when a recovered execution replays it: the Map Run keeps the ARN and
// the start it had.
func (f *frame) newMapRun(st *state, rec *Event) *mapRun {
	x := f.x
	smName := x.p.StateMachineName
	label := st.label
	id := newUUID()
	if label == "" {
		// AWS: "<stateMachineName>/<MapRunLabel or UUID>".
		label = newUUID()
	}
	arn := fmt.Sprintf("arn:%s:states:%s:%s:mapRun:%s/%s:%s", x.partition(), x.region(), x.e.cfg.AccountID, smName, label, id)
	start := f.clk.Now()
	if rec != nil {
		arn, start = rec.Details.MapRunArn, rec.Timestamp
	}
	r := x.mapRunOf(st, arn)
	r.status, r.start, r.recovered = MapRunRunning, start, rec != nil
	x.e.dist().addRun(r)
	return r
}

// mapRunOf makes the Map Run arn of x's Distributed Map state st, without its status,
// counts or children.
func (x *Execution) mapRunOf(st *state, arn string) *mapRun {
	// ...:mapRun:<state machine name>/<label>:<id>
	smName := x.p.StateMachineName
	rest := arn[strings.Index(arn, ":mapRun:")+len(":mapRun:"):]
	cut := strings.LastIndexByte(rest, ':')
	label := strings.TrimPrefix(rest[:cut], smName+"/")
	return &mapRun{
		arn: arn, execArn: x.p.ExecutionArn, smArn: x.p.StateMachineArn,
		childSmArn: x.p.StateMachineArn + "/" + label, childName: smName + "/" + label, label: label, definition: st.dist.definition,
		idPart: rest[cut+1:], express: st.dist.express, notify: make(chan struct{}), jkey: x.jkey,
	}
}

// childArn names child i of the Map Run. The name is a UUID drawn from the Map Run's ARN,
// the index and, for an Express child (a redrive starts it anew), the Map Run's redrives:
// a recovered Map Run finds each child's journal under the name it had (durable.go).
func (f *frame) childArn(r *mapRun, i int) string {
	x := f.x
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d", r.arn, i)
	if r.express {
		fmt.Fprintf(h, "\x00%d", r.redrives)
	}
	name := uuidOf(h.Sum(nil))
	if r.express {
		return fmt.Sprintf("arn:%s:states:%s:%s:express:%s:%s:%s", x.partition(), x.region(), x.e.cfg.AccountID, r.childName, r.idPart, name)
	}
	return fmt.Sprintf("arn:%s:states:%s:%s:execution:%s:%s", x.partition(), x.region(), x.e.cfg.AccountID, r.childName, name)
}

// newUUID returns a random version-4 UUID.
func newUUID() string {
	t := newToken() // "AQ" + base64 of 48 random bytes
	return uuidOf([]byte(t[2:34]))
}

// uuidOf lays out the first 32 bytes of b (each giving a hex digit) as a version-4 UUID.
func uuidOf(b []byte) string {
	if len(b) < 32 {
		b = append(b, make([]byte, 32-len(b))...)
	}
	const hex = "0123456789abcdef"
	out := make([]byte, 36)
	j := 0
	for i := 0; i < 32; i++ {
		if i == 8 || i == 12 || i == 16 || i == 20 {
			out[j] = '-'
			j++
		}
		c := hex[b[i]%16]
		switch i {
		case 12:
			c = '4'
		case 16:
			c = hex[8+b[i]%4]
		}
		out[j] = c
		j++
	}
	return string(out)
}

// distMapAttempt runs one attempt of a Distributed Map state.
func (f *frame) distMapAttempt(st *state, input any) (any, *failure) {
	d := st.dist
	eff, fl := f.applyInputPath(st, input)
	if fl != nil {
		return nil, fl
	}
	var items []any
	if d.reader == nil {
		if items, fl = f.mapItems(st, eff, nil); fl != nil {
			return nil, fl
		}
	}
	maxConc, fl := f.resolveCount(st.maxConcurrency, eff, "MaxConcurrencyPath")
	if fl != nil {
		return nil, fl
	}
	var inputs []any
	if d.reader == nil {
		if inputs, fl = f.selectItems(st, eff, items); fl != nil {
			return nil, fl
		}
	}
	f.emit(Event{Type: EvMapStateStarted, Length: len(items)}, -1, true)
	tolCount, tolPct, fl := f.resolveTolerances(st, eff)
	if fl != nil {
		return nil, fl
	}
	prev := f.rd.pendingRedo
	// This attempt's log (redrive.go) is started now, so that a failure before the children
	// start does not leave an earlier attempt's log in place; it is sized below.
	f.beginKids(st.name, 0)
	var run *mapRun
	var runID int64
	if prev != nil && prev.run != nil && prev.run.units != nil {
		// A redrive continues a Map Run that started children; one that failed before
		// (its ItemReader) starts anew (AWS "Redriving Map Runs").
		run = prev.run
		if run.redrives >= maxMapRunRedrives {
			return nil, f.runtimeFailuref("The Map Run %s has been redriven %d times, the most allowed.", run.arn, maxMapRunRedrives)
		}
		run.mu.Lock()
		run.redrives++
		run.redriveDate = f.clk.Now()
		run.status, run.stop = MapRunRunning, time.Time{}
		n := run.redrives
		run.mu.Unlock()
		runID = f.emit(Event{Type: EvMapRunRedriven, Index: n, Details: &Details{MapRunArn: run.arn}}, -1, true)
	} else {
		var rec *Event
		if ev, ok := f.peek(); ok && ev.Type == EvMapRunStarted && ev.Details != nil && ev.Details.MapRunArn != "" {
			rec = ev
		}
		run = f.newMapRun(st, rec)
		run.maxConc = maxConc
		run.tolCount, run.tolCountSet = tolCount, st.toleratedCount.set
		run.tolPct, run.tolPctSet = tolPct, st.toleratedPct.set
		f.recoverSettings(run)
		runID = f.emit(Event{Type: EvMapRunStarted, Details: &Details{MapRunArn: run.arn}}, -1, true)
		// Write-ahead: the Map Run's ARN, which names its children's journals, is durable
		// before any child starts.
		f.x.sync()
	}
	fail := func(fl *failure) (any, *failure) {
		run.finish(MapRunFailed, f.clk.Now())
		f.emit(Event{Type: EvMapRunFailed, Details: &Details{Error: fl.err, HasError: fl.hasErr, Cause: fl.cause, HasCause: fl.hasCause}}, runID, true)
		f.pendingFail = &Event{Type: EvMapStateFailed, PreviousEventID: f.getCursor()}
		return nil, fl
	}
	if run.units == nil {
		// First attempt: read, select and batch the items.
		if d.reader != nil {
			if items, fl = f.readItems(st, d.reader, eff); fl != nil {
				return fail(fl)
			}
			if inputs, fl = f.selectItems(st, eff, items); fl != nil {
				return fail(fl)
			}
		}
		units, fl := f.makeUnits(st, eff, inputs)
		if fl != nil {
			return fail(fl)
		}
		run.mu.Lock()
		run.units = units
		for _, u := range units {
			run.items += int64(u.items)
		}
		run.mu.Unlock()
	}
	if k := f.rd.kids; k != nil {
		k.slots, k.run = make([]kidOutcome, len(run.units)), run
	}
	results, fl := f.runChildren(st, run)
	if fl != nil && fl.canceled {
		run.finish(MapRunAborted, f.clk.Now())
		f.emit(Event{Type: EvMapRunAborted}, runID, false)
		return nil, canceledFailure
	}
	var out any = results
	if d.writer != nil {
		res, wfl := f.writeResults(st, d.writer, eff, run, results)
		if wfl != nil && fl == nil {
			return fail(wfl)
		}
		out = res
	}
	if fl != nil {
		return fail(fl)
	}
	run.finish(MapRunSucceeded, f.clk.Now())
	f.emit(Event{Type: EvMapRunSucceeded}, runID, false)
	f.emit(Event{Type: EvMapStateSucceeded}, f.lastID(), false)
	f.setCursor(runID)
	return out, nil
}

func (r *mapRun) finish(status string, at time.Time) {
	r.mu.Lock()
	r.status, r.stop = status, at
	r.mu.Unlock()
}

// mapItems selects the items of a Map without an ItemReader: ItemsPath (JSONPath) or Items
// (JSONata), which must give an array. Under TestState (t non-nil) a mocked ItemReader's items
// stand for the input, and a path to a non-array is worded as TestState words it.
func (f *frame) mapItems(st *state, eff any, t *testRun) ([]any, *failure) {
	itemsV := eff
	if t != nil && st.dist != nil && st.dist.reader != nil {
		// TestState: the mocked ItemReader read stateConfiguration.mapItemReaderData.
		itemsV = t.readerItems
	}
	if st.jsonata && st.jItems != nil {
		v, qe := st.jItems.eval(f.newJEnv(eff))
		if qe == nil {
			if _, ok := v.([]any); !ok {
				qe = st.jItems.unexpectedType("array", v)
			}
		}
		if qe != nil {
			return nil, f.queryFailure(qe)
		}
		itemsV = v
	}
	if st.itemsPath != nil {
		v, err := f.selectPath(st.itemsPath, eff)
		if err != nil {
			return nil, f.runtimeFailure(err)
		}
		if _, isArray := v.([]any); !isArray && t != nil {
			// TestState words it after the reference path, relative to its root.
			return nil, newFailure(errRuntime, "Reference path \""+strings.TrimPrefix(st.itemsPath.String(), "$")+"\" must point to array.")
		}
		itemsV = v
	}
	items, ok := itemsV.([]any)
	if !ok {
		if st.jsonata {
			return nil, f.queryFailure(&queryError{msg: "Map state input must be an array but was: " + renderValue(itemsV)})
		}
		return nil, f.runtimeFailuref("Map state input must be an array but was: %s", renderValue(itemsV))
	}
	return items, nil
}

// selectItems applies ItemSelector to each item (which sees $$.Map.Item).
func (f *frame) selectItems(st *state, eff any, items []any) ([]any, *failure) {
	if st.jItemSelector == nil && st.itemSelector == nil {
		return items, nil
	}
	inputs := make([]any, len(items))
	defer func() { f.mapItem, f.cx = nil, nil }()
	for i, it := range items {
		f.mapItem = value.ObjectFrom(mapItemKeys, []any{jsonInt(int64(i)), it})
		f.cx = nil
		if st.jItemSelector != nil {
			v, qe := st.jItemSelector.eval(f.newJEnv(eff))
			if qe != nil {
				return nil, f.queryFailure(qe)
			}
			inputs[i] = v
			continue
		}
		v, fl := f.evalTemplate(st.itemSelector, eff)
		if fl != nil {
			return nil, fl
		}
		inputs[i] = v
	}
	return inputs, nil
}

// resolveTolerances evaluates ToleratedFailureCount(Path) and ToleratedFailurePercentage(Path).
func (f *frame) resolveTolerances(st *state, eff any) (int64, float64, *failure) {
	tolCount, fl := f.resolveCount(st.toleratedCount, eff, "ToleratedFailureCountPath")
	if fl != nil {
		return 0, 0, fl
	}
	if tolCount < 0 {
		return 0, 0, f.runtimeFailuref("ToleratedFailureCount cannot be negative.")
	}
	tolPct := st.toleratedPct.val
	if st.toleratedPct.jx != nil {
		v, qe := st.toleratedPct.jx.eval(f.newJEnv(eff))
		if qe == nil {
			if _, ok := v.(json.Number); !ok {
				qe = st.toleratedPct.jx.unexpectedType("number", v)
			}
		}
		if qe != nil {
			return 0, 0, f.queryFailure(qe)
		}
		tolPct, _ = strconv.ParseFloat(string(v.(json.Number)), 64)
	}
	if st.toleratedPct.path != nil {
		v, err := f.selectPath(st.toleratedPct.path, eff)
		if err != nil {
			return 0, 0, f.runtimeFailure(err)
		}
		pf, err := strconv.ParseFloat(numberText(v), 64)
		if err != nil {
			return 0, 0, f.runtimeFailuref("The ToleratedFailurePercentagePath field refers to value \"%s\" which is not a valid float: %s", renderPlain(v), st.toleratedPct.path.String())
		}
		tolPct = pf
	}
	if tolPct < 0 || tolPct > 100 {
		return 0, 0, f.runtimeFailuref("ToleratedFailurePercentage must be between 0 and 100.")
	}
	return tolCount, tolPct, nil
}

// makeUnits turns the selected items into children: one per item, or one per ItemBatcher
// batch.
func (f *frame) makeUnits(st *state, eff any, inputs []any) ([]*mapUnit, *failure) {
	b := st.dist.batcher
	if b == nil {
		units := make([]*mapUnit, len(inputs))
		for i, in := range inputs {
			units[i] = &mapUnit{input: in, items: 1}
		}
		return units, nil
	}
	maxItems, fl := f.resolveCount(b.maxItems, eff, "MaxItemsPerBatchPath")
	if fl != nil {
		return nil, fl
	}
	maxBytes, fl := f.resolveCount(b.maxBytes, eff, "MaxInputBytesPerBatchPath")
	if fl != nil {
		return nil, fl
	}
	var batchInput any
	if b.hasBatchInput {
		if b.jBatchInput != nil {
			v, qe := b.jBatchInput.eval(f.newJEnv(eff))
			if qe != nil {
				return nil, f.queryFailure(qe)
			}
			batchInput = v
		} else if b.batchInput != nil {
			if batchInput, fl = f.evalTemplate(b.batchInput, eff); fl != nil {
				return nil, fl
			}
		}
	}
	batches, counts, err := batchItems(inputs, maxItems, maxBytes, batchInput, b.hasBatchInput)
	if err != nil {
		return nil, f.runtimeFailure(err)
	}
	units := make([]*mapUnit, len(batches))
	for i, bt := range batches {
		units[i] = &mapUnit{input: bt, items: counts[i]}
	}
	return units, nil
}

// childMachine is the state machine a Map Run's children run: the Map's ItemProcessor.
func childMachine(st *state) *StateMachine {
	return &StateMachine{top: st.processor}
}

// runChildren runs the Map Run's children that have not succeeded yet, at most its
// concurrency at a time, and returns their results in order. The failure is the Map Run's
// (threshold exceeded), or canceledFailure when the parent was stopped.
func (f *frame) runChildren(st *state, run *mapRun) ([]any, *failure) {
	n := len(run.units)
	results := make([]any, n)
	sm := childMachine(st)
	failedItems := int64(0)
	var firstFail *failure
	running := 0
	exceeded := false
	// Children that succeeded before a redrive keep their results.
	todo := make([]int, 0, n)
	for i, u := range run.units {
		if r, ok := f.reused(i); ok && u.status == StatusSucceeded {
			results[i] = r
			continue
		}
		todo = append(todo, i)
	}
	threshold := func() bool {
		run.mu.Lock()
		defer run.mu.Unlock()
		if !run.tolCountSet && !run.tolPctSet {
			return failedItems > 0
		}
		if run.tolCountSet && failedItems > run.tolCount {
			return true
		}
		return run.tolPctSet && run.items > 0 && float64(failedItems)*100/float64(run.items) > run.tolPct
	}
	limit := func() int {
		run.mu.Lock()
		c := run.maxConc
		run.mu.Unlock()
		if c <= 0 || c > maxDistributedConcurrency {
			return maxDistributedConcurrency
		}
		return int(c)
	}
	// settle takes the end of child i into account.
	settle := func(i int) {
		u := run.units[i]
		status := u.x.Status()
		run.mu.Lock()
		u.status = status
		run.mu.Unlock()
		f.x.p.Coverage.hit(covIteration, st.name, 0)
		if status == StatusSucceeded {
			results[i] = u.x.outputValue()
			if k := f.rd.kids; k != nil {
				k.slots[i] = kidOutcome{done: true, result: results[i]}
			}
			return
		}
		if exceeded && status == StatusAborted {
			return // aborted by the threshold, not a failure of its own
		}
		failedItems += int64(u.items)
		if firstFail == nil {
			e, _ := u.x.Error()
			c, _ := u.x.Cause()
			firstFail = newFailure(e, c)
			if e == "" {
				firstFail.hasErr = false
			}
			if c == "" {
				firstFail.hasCause = false
			}
		}
		if !exceeded && threshold() {
			exceeded = true
			f.abortRunning(run)
		}
	}
	if run.recovered {
		// A recovered execution: children that ran before the crash resume from their
		// journals (distmap_durable.go).
		var live int
		var err error
		run.recovered = false // a redrive of this Map Run later starts its children anew
		if todo, live, err = f.recoverChildren(sm, run, todo, settle); err != nil {
			f.abortChildren(run)
			return nil, canceledFailure
		}
		running += live
	}
	next := 0
	for {
		for !exceeded && next < len(todo) && running < limit() && f.ctx.Err() == nil {
			f.startChild(st, sm, run, todo[next])
			next++
			running++
		}
		if running == 0 {
			break
		}
		run.mu.Lock()
		q := run.doneQ
		run.doneQ = nil
		ch := run.notify
		run.mu.Unlock()
		if len(q) == 0 {
			if err := f.x.sched.Await(f.ctx, ch); err != nil {
				f.abortChildren(run)
				return nil, canceledFailure
			}
			continue
		}
		for _, i := range q {
			running--
			settle(i)
		}
	}
	if f.ctx.Err() != nil {
		return nil, canceledFailure
	}
	if exceeded || (firstFail != nil && threshold()) {
		run.mu.Lock()
		tolerant := run.tolCountSet || run.tolPctSet
		run.mu.Unlock()
		if tolerant {
			return results, newFailure(errToleratedFailure, "The specified tolerated failure threshold was exceeded")
		}
		return results, firstFail
	}
	return results, nil
}

// startChild starts child i of the Map Run (redriving it when it failed before).
func (f *frame) startChild(st *state, sm *StateMachine, run *mapRun, i int) {
	u := run.units[i]
	x := f.x
	if u.x != nil && !run.express {
		// A redrive: the failed child is redriven, keeping its ARN.
		if _, err := u.x.Redrive(); err == nil {
			run.mu.Lock()
			u.status = StatusRunning
			run.mu.Unlock()
			return
		}
	}
	arn := f.childArn(run, i)
	cx, err := x.e.Start(sm, f.childParams(run, i, arn))
	if err != nil {
		// The engine is closing: the child never ran.
		run.mu.Lock()
		u.status = StatusAborted
		run.mu.Unlock()
		run.childDone(i)
		return
	}
	x.e.dist().addChild(run, i, arn, cx)
}

// childParams are the StartParams of child i, named arn.
func (f *frame) childParams(run *mapRun, i int, arn string) StartParams {
	return f.x.childParams(run, i, arn)
}

// childParams are the StartParams of child i of x's Map Run run, named arn.
func (x *Execution) childParams(run *mapRun, i int, arn string) StartParams {
	u := run.units[i]
	text, err := EncodeValue(u.input)
	if err != nil {
		text = "null"
	}
	return StartParams{
		ExecutionArn: arn, Name: arn[strings.LastIndexByte(arn, ':')+1:], StateMachineArn: run.childSmArn, StateMachineName: run.childName,
		RoleArn: x.p.RoleArn, Input: text, Express: run.express, Sched: x.sched, Coverage: x.p.Coverage, Mocks: x.p.Mocks,
		OnDone: func(*Execution) { run.childDone(i) },
		mapRun: run, inputValue: u.input, hasInputValue: true,
	}
}

// abortRunning aborts the running children (the threshold was exceeded); their ends are
// still counted by the dispatcher.
func (f *frame) abortRunning(run *mapRun) {
	for _, u := range run.units {
		if u.x != nil && u.status == StatusRunning {
			u.x.Abort("", "")
		}
	}
}

// abortChildren aborts the running children of a stopped parent and waits for them.
func (f *frame) abortChildren(run *mapRun) {
	var xs []*Execution
	run.mu.Lock()
	for _, u := range run.units {
		if u.x != nil && u.status == StatusRunning {
			xs = append(xs, u.x)
		}
	}
	run.mu.Unlock()
	for _, cx := range xs {
		cx.Abort("", "")
	}
	for _, cx := range xs {
		_ = f.x.sched.Await(context.Background(), cx.Done())
	}
	run.mu.Lock()
	for _, u := range run.units {
		if u.x != nil && u.status == StatusRunning {
			u.status = u.x.Status()
		}
	}
	run.doneQ = nil
	run.mu.Unlock()
}

// callS3 calls the "s3" task handler (an ItemReader's or ResultWriter's resource).
func (f *frame) callS3(st *state, action string, params any) (any, error) {
	h := f.x.e.cfg.Tasks["s3"]
	if h == nil {
		return nil, fmt.Errorf("the resource arn:aws:states:::s3:%s is not available (no s3 integration)", action)
	}
	req := &task.Request{
		Resource: "arn:aws:states:::s3:" + action, Service: "s3", Action: action, Parameters: params,
		Region: f.x.region(), AccountID: f.x.e.cfg.AccountID, ExecutionArn: f.x.p.ExecutionArn,
		StateMachineArn: f.x.p.StateMachineArn, StateName: st.name, RoleArn: f.x.p.RoleArn,
		Submitted: func(any) {},
	}
	var res any
	var err error
	call := func() { res, err = f.invoke(f.ctx, h, req) }
	if _, ok := h.(task.Cooperative); ok {
		call()
	} else {
		f.x.sched.External(call)
	}
	return res, err
}

// ioArguments evaluates an ItemReader's or ResultWriter's Parameters or Arguments.
func (f *frame) ioArguments(c *ioConfig, eff any) (any, *failure) {
	switch {
	case c.jArgs != nil:
		v, qe := c.jArgs.eval(f.newJEnv(eff))
		if qe != nil {
			return nil, f.queryFailure(qe)
		}
		return v, nil
	case c.params != nil:
		return f.evalTemplate(c.params, eff)
	}
	return value.NewObject(0), nil
}

// ioFailure turns an error of the ItemReader or ResultWriter into its States.* failure.
func ioFailure(name string, err error) *failure {
	if tf, ok := err.(*task.Failure); ok {
		if strings.HasPrefix(tf.Name, "States.") {
			return newFailure(tf.Name, tf.Cause)
		}
		// The service's error (S3.NoSuchKey, ...): its message is the cause.
		return newFailure(name, tf.Cause)
	}
	return newFailure(name, err.Error())
}
