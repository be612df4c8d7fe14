// Package mockcfg reads Step Functions Local's mock configuration file (MockConfigFile.json):
// test cases that map a state machine's Task states to mocked responses, each a numbered
// list of Return or Throw outcomes. Users of Step Functions Local bring their files unchanged;
// the format is AWS's ("Using mocked service integrations for testing in Step Functions
// Local" and "Mock configuration file").
//
// A file is checked completely when it is read: every problem is reported with its JSON path,
// so that a server refuses to start on a file that would fail some test later. The package
// uses only the standard library; the file is small and its checks are ours to word.
package mockcfg

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// File is a parsed, valid mock configuration.
type File struct {
	stateMachines map[string]map[string]TestCase // state machine name → test case name → case
	responses     map[string]Response
}

// TestCase maps Task state names to mocked response names.
type TestCase map[string]string

// Response is a mocked response: outcomes by invocation number, from 0, without gaps.
type Response []Step

// Step is the outcome of invocations From..To (inclusive) of a mocked state.
type Step struct {
	From, To int
	// Return is the service result as JSON text, when the step succeeds.
	Return json.RawMessage
	// Throw is the failure, when the step fails.
	Throw *Throw
}

// Throw is a mocked failure.
type Throw struct {
	Error string
	Cause string
}

// Problem is one thing wrong with a file, at a JSON path such as
// $.MockedResponses["MockedLambdaRetry"]["1-2"].
type Problem struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

func (p Problem) String() string { return p.Path + ": " + p.Message }

// Error lists every problem of a file, sorted by path.
type Error struct {
	Problems []Problem
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("invalid mock configuration:")
	for _, p := range e.Problems {
		b.WriteString("\n  " + p.String())
	}
	return b.String()
}

// maxFile bounds what Parse reads: mock files are hand-written and small.
const maxFile = 64 << 20

// Parse reads and checks a mock configuration; the error is an *Error listing every problem.
func Parse(data []byte) (*File, error) {
	c := &checker{}
	if len(data) > maxFile {
		c.add("$", "the file is larger than %d bytes", maxFile)
		return nil, c.err()
	}
	var top map[string]json.RawMessage
	if err := strictObject(data, &top); err != nil {
		c.add("$", "not a JSON object: %v", err)
		return nil, c.err()
	}
	f := &File{stateMachines: map[string]map[string]TestCase{}, responses: map[string]Response{}}
	for _, k := range sortedKeys(top) {
		switch k {
		case "StateMachines", "MockedResponses":
		default:
			msg := "unknown field; the top level has StateMachines and MockedResponses"
			if strings.EqualFold(k, "MockedResponse") || strings.EqualFold(k, "MockedResponses") || strings.EqualFold(k, "StateMachines") {
				msg = "unknown field; field names are case-sensitive: StateMachines and MockedResponses"
			}
			c.add("$"+key(k), "%s", msg)
		}
	}
	if raw, ok := top["MockedResponses"]; ok {
		c.responses(f, raw)
	} else {
		c.add("$", "missing field MockedResponses")
	}
	if raw, ok := top["StateMachines"]; ok {
		c.stateMachines(f, raw)
	} else {
		c.add("$", "missing field StateMachines")
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	return f, nil
}

type checker struct{ problems []Problem }

func (c *checker) add(path, format string, args ...any) {
	c.problems = append(c.problems, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

func (c *checker) err() error {
	if len(c.problems) == 0 {
		return nil
	}
	sort.SliceStable(c.problems, func(i, j int) bool { return c.problems[i].Path < c.problems[j].Path })
	return &Error{Problems: c.problems}
}

func (c *checker) stateMachines(f *File, raw json.RawMessage) {
	const path = "$.StateMachines"
	var sms map[string]json.RawMessage
	if err := strictObject(raw, &sms); err != nil {
		c.add(path, "must be an object of state machine names")
		return
	}
	for _, name := range sortedKeys(sms) {
		smPath := path + key(name)
		var sm map[string]json.RawMessage
		if err := strictObject(sms[name], &sm); err != nil {
			c.add(smPath, "must be an object with a TestCases field")
			continue
		}
		for _, k := range sortedKeys(sm) {
			if k != "TestCases" {
				c.add(smPath+key(k), "unknown field; a state machine has only TestCases")
			}
		}
		rawCases, ok := sm["TestCases"]
		if !ok {
			c.add(smPath, "missing field TestCases")
			continue
		}
		var cases map[string]json.RawMessage
		if err := strictObject(rawCases, &cases); err != nil {
			c.add(smPath+".TestCases", "must be an object of test case names")
			continue
		}
		out := map[string]TestCase{}
		for _, tcName := range sortedKeys(cases) {
			tcPath := smPath + ".TestCases" + key(tcName)
			var states map[string]json.RawMessage
			if err := strictObject(cases[tcName], &states); err != nil {
				c.add(tcPath, "must be an object mapping state names to mocked response names")
				continue
			}
			tc := TestCase{}
			for _, state := range sortedKeys(states) {
				var resp string
				if err := json.Unmarshal(states[state], &resp); err != nil {
					c.add(tcPath+key(state), "must be the name of a mocked response (a string)")
					continue
				}
				if _, ok := f.responses[resp]; !ok {
					c.add(tcPath+key(state), "names the mocked response %q, which MockedResponses does not define", resp)
					continue
				}
				tc[state] = resp
			}
			out[tcName] = tc
		}
		f.stateMachines[name] = out
	}
}

func (c *checker) responses(f *File, raw json.RawMessage) {
	const path = "$.MockedResponses"
	var rs map[string]json.RawMessage
	if err := strictObject(raw, &rs); err != nil {
		c.add(path, "must be an object of mocked response names")
		return
	}
	for _, name := range sortedKeys(rs) {
		rPath := path + key(name)
		var steps map[string]json.RawMessage
		if err := strictObject(rs[name], &steps); err != nil {
			c.add(rPath, `must be an object of invocation numbers ("0", "1-2", ...)`)
			// Still known, so that test cases naming it report only this problem.
			f.responses[name] = nil
			continue
		}
		var resp Response
		for _, k := range sortedKeys(steps) {
			sPath := rPath + key(k)
			from, to, ok := parseRange(k)
			if !ok {
				c.add(sPath, `invocation numbers are a number such as "0" or an inclusive range such as "1-2"`)
				continue
			}
			st, ok := c.step(sPath, steps[k])
			if !ok {
				continue
			}
			st.From, st.To = from, to
			resp = append(resp, st)
		}
		if len(resp) == 0 && len(steps) == 0 {
			c.add(rPath, "defines no invocation; give at least \"0\"")
		}
		sort.Slice(resp, func(i, j int) bool { return resp[i].From < resp[j].From })
		next := 0
		for _, st := range resp {
			switch {
			case st.From < next:
				c.add(rPath+key(rangeKey(st)), "overlaps invocation %d, which an earlier entry covers", st.From)
			case st.From > next:
				c.add(rPath+key(rangeKey(st)), "invocations must be numbered consecutively from 0: %s is missing", missing(next, st.From-1))
			}
			next = max(next, st.To+1)
		}
		f.responses[name] = resp
	}
}

func missing(from, to int) string {
	if from == to {
		return strconv.Quote(strconv.Itoa(from))
	}
	return strconv.Quote(fmt.Sprintf("%d-%d", from, to))
}

func rangeKey(st Step) string {
	if st.From == st.To {
		return strconv.Itoa(st.From)
	}
	return fmt.Sprintf("%d-%d", st.From, st.To)
}

func (c *checker) step(path string, raw json.RawMessage) (Step, bool) {
	var obj map[string]json.RawMessage
	if err := strictObject(raw, &obj); err != nil {
		c.add(path, "must be an object with exactly one of Return or Throw")
		return Step{}, false
	}
	ok := true
	for _, k := range sortedKeys(obj) {
		if k != "Return" && k != "Throw" {
			c.add(path+key(k), "unknown field; a mocked response has exactly one of Return or Throw")
			ok = false
		}
	}
	ret, hasRet := obj["Return"]
	thr, hasThrow := obj["Throw"]
	switch {
	case hasRet && hasThrow:
		c.add(path, "has both Return and Throw; give exactly one")
		return Step{}, false
	case !hasRet && !hasThrow:
		c.add(path, "has neither Return nor Throw; give exactly one")
		return Step{}, false
	case hasRet:
		return Step{Return: ret}, ok
	}
	var t map[string]json.RawMessage
	if err := strictObject(thr, &t); err != nil {
		c.add(path+".Throw", "must be an object with Error and Cause strings")
		return Step{}, false
	}
	th := &Throw{}
	for _, k := range sortedKeys(t) {
		var s string
		switch k {
		case "Error":
			if json.Unmarshal(t[k], &s) != nil {
				c.add(path+".Throw.Error", "must be a string")
				ok = false
			}
			th.Error = s
		case "Cause":
			if json.Unmarshal(t[k], &s) != nil {
				c.add(path+".Throw.Cause", "must be a string")
				ok = false
			}
			th.Cause = s
		default:
			c.add(path+".Throw"+key(k), "unknown field; Throw has Error and Cause")
			ok = false
		}
	}
	if _, has := t["Error"]; !has {
		c.add(path+".Throw", "missing field Error")
		ok = false
	}
	return Step{Throw: th}, ok
}

// parseRange reads "N" or "N-M" (0 ≤ N ≤ M).
func parseRange(k string) (from, to int, ok bool) {
	num := func(s string) (int, bool) {
		if s == "" || len(s) > 9 || strings.TrimLeft(s, "0123456789") != "" {
			return 0, false
		}
		n, err := strconv.Atoi(s)
		return n, err == nil
	}
	a, b, isRange := strings.Cut(k, "-")
	from, ok = num(a)
	if !ok {
		return 0, 0, false
	}
	if !isRange {
		return from, from, true
	}
	to, ok = num(b)
	if !ok || to < from {
		return 0, 0, false
	}
	return from, to, true
}

// strictObject decodes a JSON object (and nothing else, such as null) into v.
func strictObject(data []byte, v *map[string]json.RawMessage) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return fmt.Errorf("expected an object")
	}
	return json.Unmarshal(data, v)
}

func key(k string) string { return "[" + strconv.Quote(k) + "]" }

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// UnknownTestCaseError is returned by Case for a state machine or test case the file lacks.
type UnknownTestCaseError struct {
	StateMachine, TestCase string
	// KnownStateMachine is set when the file has the state machine but not the test case.
	KnownStateMachine bool
}

func (e *UnknownTestCaseError) Error() string {
	if !e.KnownStateMachine {
		return fmt.Sprintf("the mock configuration has no state machine %q (test case %q)", e.StateMachine, e.TestCase)
	}
	return fmt.Sprintf("the mock configuration has no test case %q for state machine %q", e.TestCase, e.StateMachine)
}

// Case returns the test case of a state machine, by the state machine's name.
func (f *File) Case(stateMachine, testCase string) (*Case, error) {
	cases, ok := f.stateMachines[stateMachine]
	if !ok {
		return nil, &UnknownTestCaseError{StateMachine: stateMachine, TestCase: testCase}
	}
	tc, ok := cases[testCase]
	if !ok {
		return nil, &UnknownTestCaseError{StateMachine: stateMachine, TestCase: testCase, KnownStateMachine: true}
	}
	c := &Case{StateMachine: stateMachine, Name: testCase, states: map[string]Response{}, names: tc}
	for state, resp := range tc {
		c.states[state] = f.responses[resp]
	}
	return c, nil
}

// StateMachines lists the state machines the file configures, sorted.
func (f *File) StateMachines() []string { return sortedKeys(f.stateMachines) }

// TestCases lists a state machine's test cases, sorted.
func (f *File) TestCases(stateMachine string) []string {
	return sortedKeys(f.stateMachines[stateMachine])
}

// Case is one test case: the mocked states of an execution.
type Case struct {
	StateMachine, Name string
	states             map[string]Response
	names              TestCase
}

// Mocks reports whether the case mocks the state.
func (c *Case) Mocks(state string) bool {
	_, ok := c.states[state]
	return ok
}

// ResponseName is the mocked response the case gives the state.
func (c *Case) ResponseName(state string) string { return c.names[state] }

// Outcome returns the step for invocation n (from 0) of a mocked state; ok is false when the
// response has no step numbered n.
func (c *Case) Outcome(state string, n int) (Step, bool) {
	resp := c.states[state]
	i := sort.Search(len(resp), func(i int) bool { return resp[i].To >= n })
	if i < len(resp) && resp[i].From <= n {
		return resp[i], true
	}
	return Step{}, false
}
