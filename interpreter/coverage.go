package interpreter

import (
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Coverage collects which parts of a state machine its executions exercised: the states
// entered, the Choice rules taken (and the Default), the Retry and Catch clauses that matched
// an error, and the Parallel branches and Map iterations run. A test runner (sfnlocal test)
// shares one Coverage among the executions of a suite; the API keeps one per state machine.
// It is safe for concurrent use.
type Coverage struct {
	mu   sync.Mutex
	hits map[covKey]int
}

type covKey struct {
	kind  covKind
	state string
	index int
}

type covKind uint8

const (
	covEntered covKind = iota
	covChoice          // index: the rule, -1 for Default
	covRetry
	covCatch
	covBranch
	covIteration
)

// NewCoverage returns an empty collector.
func NewCoverage() *Coverage { return &Coverage{hits: map[covKey]int{}} }

func (c *Coverage) hit(kind covKind, state string, index int) {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.hits[covKey{kind, state, index}]++
	c.mu.Unlock()
}

func (c *Coverage) count(kind covKind, state string, index int) int {
	return c.hits[covKey{kind, state, index}]
}

// CoverageReport is what a Coverage shows of one state machine.
type CoverageReport struct {
	States []StateCoverage `json:"states"`
	Totals CoverageTotals  `json:"totals"`
}

// CoverageTotals counts what was exercised against what there is.
type CoverageTotals struct {
	States      Ratio `json:"states"`
	ChoiceRules Ratio `json:"choiceRules"`
	Retriers    Ratio `json:"retriers"`
	Catchers    Ratio `json:"catchers"`
	Branches    Ratio `json:"branches"`
}

// Ratio is Covered out of Total.
type Ratio struct {
	Covered int `json:"covered"`
	Total   int `json:"total"`
}

func (r *Ratio) add(hits int) {
	r.Total++
	if hits > 0 {
		r.Covered++
	}
}

// StateCoverage is one state's coverage; Path names its enclosing Parallel or Map states
// ("Outer/Inner"), empty at the top level.
type StateCoverage struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	Path    string `json:"path,omitempty"`
	Entered int    `json:"entered"`
	// Choices counts each rule taken, in order, then the Default (when there is one).
	Choices  []ClauseCoverage `json:"choices,omitempty"`
	Retry    []ClauseCoverage `json:"retry,omitempty"`
	Catch    []ClauseCoverage `json:"catch,omitempty"`
	Branches []int            `json:"branches,omitempty"` // Parallel: runs of each branch
	// Iterations counts a Map's iterations.
	Iterations int `json:"iterations,omitempty"`
}

// ClauseCoverage is how often one Choice rule, Retry or Catch clause was taken.
type ClauseCoverage struct {
	// Label describes the clause: "Choices[0] → Next", "Default → Next",
	// "Retry[1] States.Timeout", "Catch[0] States.ALL → Next".
	Label string `json:"label"`
	Hits  int    `json:"hits"`
}

// Report describes sm's coverage, states in definition order (reachable states first, from
// StartAt, then branches and iterators after the state that holds them).
func (c *Coverage) Report(sm *StateMachine) CoverageReport {
	c.mu.Lock()
	defer c.mu.Unlock()
	var r CoverageReport
	c.program(&r, sm.top, "")
	return r
}

func (c *Coverage) program(r *CoverageReport, p *program, path string) {
	for _, name := range programOrder(p) {
		st := p.states[name]
		sc := StateCoverage{Name: name, Type: st.typ, Path: path, Entered: c.count(covEntered, name, 0)}
		r.Totals.States.add(sc.Entered)
		for i, rule := range st.choices {
			h := c.count(covChoice, name, i)
			sc.Choices = append(sc.Choices, ClauseCoverage{Label: "Choices[" + strconv.Itoa(i) + "] → " + rule.next, Hits: h})
			r.Totals.ChoiceRules.add(h)
		}
		if st.typ == "Choice" && st.defaultNext != "" {
			h := c.count(covChoice, name, -1)
			sc.Choices = append(sc.Choices, ClauseCoverage{Label: "Default → " + st.defaultNext, Hits: h})
			r.Totals.ChoiceRules.add(h)
		}
		for i, rt := range st.retry {
			h := c.count(covRetry, name, i)
			sc.Retry = append(sc.Retry, ClauseCoverage{Label: "Retry[" + strconv.Itoa(i) + "] " + strings.Join(rt.errorEquals, ","), Hits: h})
			r.Totals.Retriers.add(h)
		}
		for i, ct := range st.catch {
			h := c.count(covCatch, name, i)
			sc.Catch = append(sc.Catch, ClauseCoverage{Label: "Catch[" + strconv.Itoa(i) + "] " + strings.Join(ct.errorEquals, ",") + " → " + ct.next, Hits: h})
			r.Totals.Catchers.add(h)
		}
		for i := range st.branches {
			h := c.count(covBranch, name, i)
			sc.Branches = append(sc.Branches, h)
			r.Totals.Branches.add(h)
		}
		if st.processor != nil {
			sc.Iterations = c.count(covIteration, name, 0)
		}
		r.States = append(r.States, sc)
		inner := name
		if path != "" {
			inner = path + "/" + name
		}
		for _, b := range st.branches {
			c.program(r, b, inner)
		}
		if st.processor != nil {
			c.program(r, st.processor, inner)
		}
	}
}

// programOrder lists a program's states from StartAt along their transitions, then any the
// transitions do not reach, by name.
func programOrder(p *program) []string {
	seen := map[string]bool{}
	var order []string
	queue := []string{p.startAt}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		st, ok := p.states[name]
		if !ok || seen[name] {
			continue
		}
		seen[name] = true
		order = append(order, name)
		queue = append(queue, st.next)
		for _, r := range st.choices {
			queue = append(queue, r.next)
		}
		queue = append(queue, st.defaultNext)
		for _, ct := range st.catch {
			queue = append(queue, ct.next)
		}
	}
	var rest []string
	for name := range p.states {
		if !seen[name] {
			rest = append(rest, name)
		}
	}
	sort.Strings(rest)
	return append(order, rest...)
}
