package api

import (
	"encoding/json"
	"errors"
	"sync"

	"github.com/sfnlocal/sfnlocal/api/store"
)

// With a durable store, the Map Runs of a finished execution and their child executions are
// recorded with it (savedMapRuns), so that ListMapRuns, DescribeMapRun, ListExecutions
// --map-run-arn and the children's DescribeExecution, GetExecutionHistory and
// DescribeStateMachineForExecution answer the same after a restart. The engine keeps the live
// ones (MapRunner); mapRuns asks it first and the record second.

// savedMapRun is one Map Run as recorded: what DescribeMapRun reports, the children's
// definition and label once, and each child's record (outcome and compact history).
type savedMapRun struct {
	Info       MapRunInfo        `json:"info"`
	Definition string            `json:"definition"`
	Label      string            `json:"label"`
	Children   []store.Execution `json:"children"`
}

// savedMapRuns indexes the recorded Map Runs.
type savedMapRuns struct {
	d  *store.Durable
	hc HistoryCompactor

	mu      sync.Mutex
	byExec  map[string][]*savedMapRun
	byRun   map[string]*savedMapRun
	byChild map[string]childRef
}

type childRef struct {
	run *savedMapRun
	i   int
}

func newSavedMapRuns(d *store.Durable, hc HistoryCompactor) *savedMapRuns {
	return &savedMapRuns{d: d, hc: hc, byExec: map[string][]*savedMapRun{}, byRun: map[string]*savedMapRun{}, byChild: map[string]childRef{}}
}

// load reads every recorded Map Run (at start).
func (m *savedMapRuns) load() error {
	return m.d.ForEachMapRuns(func(execArn string, data []byte) error {
		var runs []*savedMapRun
		if err := json.Unmarshal(data, &runs); err != nil {
			return err
		}
		m.index(execArn, runs)
		return nil
	})
}

func (m *savedMapRuns) index(execArn string, runs []*savedMapRun) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.byExec[execArn] = runs
	for _, r := range runs {
		m.byRun[r.Info.Arn] = r
		for i, c := range r.Children {
			m.byChild[c.Arn] = childRef{r, i}
		}
	}
}

// record snapshots a finished execution's Map Runs from the engine and writes them.
func (m *savedMapRuns) record(live MapRunner, execArn string) error {
	infos := live.MapRuns(execArn)
	if len(infos) == 0 {
		return nil
	}
	runs := make([]*savedMapRun, 0, len(infos))
	for _, info := range infos {
		r := &savedMapRun{Info: info}
		kids, _ := live.MapRunChildren(info.Arn)
		for _, c := range kids {
			rec := childRecord(c)
			r.Definition, r.Label = rec.Definition, c.Label
			rec.Definition = ""
			if !c.Express {
				if h, err := m.hc.CompactHistory(c.Run); err == nil {
					rec.History = h
				}
			}
			r.Children = append(r.Children, rec)
		}
		runs = append(runs, r)
	}
	data, err := json.Marshal(runs)
	if err != nil {
		return err
	}
	m.d.PutMapRuns(execArn, data) // written with the execution's record, in the background
	m.index(execArn, runs)
	return nil
}

func (m *savedMapRuns) forget(execArns []string) {
	m.mu.Lock()
	for _, arn := range execArns {
		for _, r := range m.byExec[arn] {
			delete(m.byRun, r.Info.Arn)
			for _, c := range r.Children {
				delete(m.byChild, c.Arn)
			}
		}
		delete(m.byExec, arn)
	}
	m.mu.Unlock()
	m.d.DeleteMapRuns(execArns)
}

func (m *savedMapRuns) child(r *savedMapRun, i int) ChildRun {
	rec := r.Children[i]
	rec.Definition = r.Definition
	return ChildRun{Run: storedRun{rec: rec, hc: m.hc}, Arn: rec.Arn, Name: rec.Name, StateMachineArn: rec.StateMachineArn,
		MapRunArn: r.Info.Arn, Input: rec.Input, Definition: r.Definition, Label: r.Label, RoleArn: rec.RoleArn,
		Express: rec.Express, RedriveCount: rec.RedriveCount, RedriveDate: rec.RedriveDate}
}

// mapRuns is the engine's live Map Runs, then the recorded ones.
type mapRuns struct {
	live  MapRunner // nil for an engine without Distributed Maps
	saved *savedMapRuns
}

func (m mapRuns) MapRun(arn string) (MapRunInfo, bool) {
	if m.live != nil {
		if r, ok := m.live.MapRun(arn); ok {
			return r, true
		}
	}
	m.saved.mu.Lock()
	defer m.saved.mu.Unlock()
	if r, ok := m.saved.byRun[arn]; ok {
		return r.Info, true
	}
	return MapRunInfo{}, false
}

func (m mapRuns) MapRuns(executionArn string) []MapRunInfo {
	if m.live != nil {
		if rs := m.live.MapRuns(executionArn); len(rs) > 0 {
			return rs
		}
	}
	m.saved.mu.Lock()
	defer m.saved.mu.Unlock()
	var out []MapRunInfo
	for _, r := range m.saved.byExec[executionArn] {
		out = append(out, r.Info)
	}
	return out
}

func (m mapRuns) MapRunChildren(mapRunArn string) ([]ChildRun, bool) {
	if m.live != nil {
		if kids, ok := m.live.MapRunChildren(mapRunArn); ok {
			return kids, true
		}
	}
	m.saved.mu.Lock()
	defer m.saved.mu.Unlock()
	r, ok := m.saved.byRun[mapRunArn]
	if !ok {
		return nil, false
	}
	kids := make([]ChildRun, len(r.Children))
	for i := range r.Children {
		kids[i] = m.saved.child(r, i)
	}
	return kids, true
}

func (m mapRuns) ChildExecution(arn string) (ChildRun, bool) {
	if m.live != nil {
		if c, ok := m.live.ChildExecution(arn); ok {
			return c, true
		}
	}
	m.saved.mu.Lock()
	defer m.saved.mu.Unlock()
	ref, ok := m.saved.byChild[arn]
	if !ok || ref.run.Children[ref.i].Express {
		return ChildRun{}, false
	}
	return m.saved.child(ref.run, ref.i), true
}

// UpdateMapRun changes a live Map Run; a recorded one has ended, and AWS answers a finished
// Map Run's update without changing anything.
func (m mapRuns) UpdateMapRun(arn string, maxConcurrency *int64, toleratedPercentage *float64, toleratedCount *int64) error {
	if m.live != nil {
		err := m.live.UpdateMapRun(arn, maxConcurrency, toleratedPercentage, toleratedCount)
		if err == nil || !errors.Is(err, ErrMapRunNotFound) {
			return err
		}
	}
	m.saved.mu.Lock()
	defer m.saved.mu.Unlock()
	if _, ok := m.saved.byRun[arn]; ok {
		return nil
	}
	return ErrMapRunNotFound
}

func (m mapRuns) ForgetMapRuns(executionArn string) {
	if m.live != nil {
		m.live.ForgetMapRuns(executionArn)
	}
	m.saved.forget([]string{executionArn})
}
