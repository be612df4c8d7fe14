// Package testrunner runs test suites of state machines (sfnlocal test): a YAML or JSON file
// lists state machine definitions, Step Functions Local mock files and cases with their
// expectations; the runner executes every case in process, in instant virtual time, and
// reports each result, JUnit XML, and the coverage of every state machine across the suite
// (states entered, Choice rules, Retry and Catch clauses, Parallel branches and Map
// iterations), as a table, JSON, or an HTML page with each state machine's graph.
//
// Suites are read with go.yaml.in/yaml/v3 (the YAML project's maintained v3; a JSON file is
// valid YAML), walking its node tree rather than decoding into structs so that every problem
// is reported with the file, line and field path, all at once.
package testrunner

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/sfnlocal/sfnlocal/internal/mockcfg"
	"github.com/sfnlocal/sfnlocal/interpreter"
)

// Suite is a parsed, checked test suite.
type Suite struct {
	// File is the suite file's path as given.
	File     string
	Machines []*Machine
}

// Machine is one state machine of a suite with its cases.
type Machine struct {
	Name string
	// DefinitionFile is the definition's path (relative to the working directory).
	DefinitionFile string
	SM             *interpreter.StateMachine
	// Mocks is the mock configuration of its cases (nil when it has none).
	Mocks *mockcfg.File
	Cases []*Case
}

// Case is one test case of a machine.
type Case struct {
	Machine *Machine
	// Name is unique within the machine; FullName is "machine/name".
	Name, FullName string
	// TestCase names the mock configuration's test case ("" runs unmocked).
	TestCase string
	Mocks    *mockcfg.Case
	// Input is the execution input as JSON text.
	Input  string
	Expect Expect
}

// Expect is what a case checks; unset fields check nothing.
type Expect struct {
	// Status is SUCCEEDED, FAILED, TIMED_OUT or ABORTED; it defaults to FAILED when an
	// error or cause is expected, else SUCCEEDED.
	Status string
	// Output is the exact output; OutputContains a subset of it (see Contains).
	Output, OutputContains      *JSON
	Error, Cause, CauseContains *string
	// States is the exact list of states entered, in order; StatesInclude a subsequence.
	States, StatesInclude []string
	// MaxTransitions bounds the states entered (AWS's state transitions).
	MaxTransitions *int
}

// JSON is an expected JSON value.
type JSON struct{ V any }

// Problem is one mistake in a suite file.
type Problem struct {
	File  string `json:"file"`
	Line  int    `json:"line,omitempty"`
	Field string `json:"field,omitempty"`
	Msg   string `json:"message"`
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		b.WriteString(":" + strconv.Itoa(p.Line))
	}
	if p.Field != "" {
		b.WriteString(": " + p.Field)
	}
	b.WriteString(": " + p.Msg)
	return b.String()
}

// Error lists every problem of a suite, in file order.
type Error struct{ Problems []Problem }

func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// ReadFile reads a file a suite names; paths are relative to the suite's directory already
// joined. Load passes os.ReadFile; tests and the fuzzer pass fakes.
type ReadFile func(path string) ([]byte, error)

// maxSuite bounds a suite file.
const maxSuite = 16 << 20

// yamlLine finds the line in the YAML parser's messages.
var yamlLine = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^line (\d+): (.*)$`) })

var statuses = []string{"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}

// Parse reads a suite from data; file is its path (for messages and to resolve the paths it
// names), read reads those files. The error is an *Error listing every problem.
func Parse(file string, data []byte, read ReadFile) (*Suite, error) {
	p := &parser{file: file, dir: filepath.Dir(file), read: read, mockFiles: map[string]*mockFile{},
		defs: map[string]*defFile{}, budget: maxNodes}
	s := &Suite{File: file}
	if len(data) > maxSuite {
		p.add(nil, "", "the file is larger than %d bytes", maxSuite)
		return nil, p.err()
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		pr := Problem{File: file, Msg: msg}
		if m := yamlLine().FindStringSubmatch(msg); m != nil {
			pr.Line, _ = strconv.Atoi(m[1])
			pr.Msg = m[2]
		}
		if errors.Is(err, io.EOF) {
			pr.Msg = "the file is empty"
		}
		return nil, &Error{Problems: []Problem{pr}}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	p.suite(s, root)
	if err := p.err(); err != nil {
		return nil, err
	}
	return s, nil
}

type parser struct {
	file      string
	dir       string
	read      ReadFile
	problems  []Problem
	mockFiles map[string]*mockFile
	defs      map[string]*defFile
	// budget counts down the nodes visited, aliases expanded: a small file whose aliases
	// repeat machines, cases and values (a "billion laughs") must not take forever.
	budget  int
	overrun bool
}

// maxNodes bounds the nodes of a suite, aliases expanded; larger inputs belong in an @file.
const maxNodes = 50_000

// spend takes a node from the budget; once it is spent it reports the problem once and
// returns false.
func (p *parser) spend(n *yaml.Node, field string) bool {
	if p.budget--; p.budget >= 0 {
		return true
	}
	if !p.overrun {
		p.overrun = true
		p.add(n, field, "the suite is too large (more than %d nodes, aliases counted each time they are used); put large inputs in an @file", maxNodes)
	}
	return false
}

type defFile struct {
	sm  *interpreter.StateMachine
	err error
}

type mockFile struct {
	f   *mockcfg.File
	err error
}

func (p *parser) add(n *yaml.Node, field, format string, args ...any) {
	pr := Problem{File: p.file, Field: field, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		pr.Line = n.Line
	}
	p.problems = append(p.problems, pr)
}

func (p *parser) err() error {
	if len(p.problems) == 0 {
		return nil
	}
	sort.SliceStable(p.problems, func(i, j int) bool { return p.problems[i].Line < p.problems[j].Line })
	return &Error{Problems: p.problems}
}

// fields checks that n is a mapping with only the allowed keys and returns its values.
func (p *parser) fields(n *yaml.Node, field string, allowed ...string) map[string]*yaml.Node {
	n = deref(n)
	if !p.spend(n, field) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		p.add(n, field, "must be a mapping (an object)")
		return nil
	}
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], deref(n.Content[i+1])
		name := k.Value
		if !contains(allowed, name) {
			p.add(k, join(field, name), "unknown field; expected one of %s", strings.Join(allowed, ", "))
			continue
		}
		if _, dup := out[name]; dup {
			p.add(k, join(field, name), "given twice")
			continue
		}
		out[name] = v
	}
	return out
}

// str reads a string; a plain scalar YAML would read as a number or boolean (a state named
// 404) is taken as its text.
func (p *parser) str(n *yaml.Node, field string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.add(n, field, "must be a string")
		return "", false
	}
	return n.Value, true
}

func (p *parser) suite(s *Suite, root *yaml.Node) {
	f := p.fields(root, "", "mockConfig", "stateMachines")
	if f == nil {
		return
	}
	defMock := ""
	if n, ok := f["mockConfig"]; ok {
		if v, ok := p.str(n, "mockConfig"); ok {
			defMock = v
			p.mocks(n, "mockConfig", v)
		}
	}
	sms, ok := f["stateMachines"]
	if !ok {
		p.add(root, "stateMachines", "required: the state machines to test")
		return
	}
	if sms.Kind != yaml.SequenceNode || len(sms.Content) == 0 {
		p.add(sms, "stateMachines", "must be a non-empty list")
		return
	}
	names := map[string]bool{}
	for i, n := range sms.Content {
		if p.overrun {
			break
		}
		m := p.machine(n, fmt.Sprintf("stateMachines[%d]", i), defMock)
		if m == nil {
			continue
		}
		if names[m.Name] {
			p.add(n, fmt.Sprintf("stateMachines[%d].name", i), "state machine %q is listed twice", m.Name)
		}
		names[m.Name] = true
		s.Machines = append(s.Machines, m)
	}
}

// mocks loads a mock file once.
func (p *parser) mocks(n *yaml.Node, field, path string) *mockcfg.File {
	full := p.path(path)
	mf, ok := p.mockFiles[full]
	if !ok {
		mf = &mockFile{}
		data, err := p.read(full)
		if err == nil {
			mf.f, err = mockcfg.Parse(data)
		}
		mf.err = err
		p.mockFiles[full] = mf
		if err != nil {
			p.add(n, field, "%s: %v", full, err)
		}
	}
	return mf.f
}

func (p *parser) path(rel string) string {
	if filepath.IsAbs(rel) {
		return rel
	}
	return filepath.Join(p.dir, rel)
}

func (p *parser) machine(n *yaml.Node, field, defMock string) *Machine {
	f := p.fields(n, field, "definition", "name", "mockConfig", "cases")
	if f == nil {
		return nil
	}
	m := &Machine{}
	ok := true
	if dn, has := f["definition"]; !has {
		p.add(n, field+".definition", "required: the definition file (ASL JSON)")
		ok = false
	} else if def, good := p.str(dn, field+".definition"); good {
		m.DefinitionFile = p.path(def)
		d, seen := p.defs[m.DefinitionFile]
		if !seen {
			d = &defFile{}
			data, err := p.read(m.DefinitionFile)
			if err == nil {
				d.sm, err = interpreter.Parse(string(data))
			}
			d.err = err
			p.defs[m.DefinitionFile] = d
		}
		m.SM = d.sm
		if d.err != nil {
			p.add(dn, field+".definition", "%s: %v", m.DefinitionFile, d.err)
			ok = false
		}
		base := filepath.Base(def)
		m.Name = strings.TrimSuffix(base, filepath.Ext(base))
	} else {
		ok = false
	}
	if nn, has := f["name"]; has {
		if v, good := p.str(nn, field+".name"); good && v != "" {
			m.Name = v
		} else if good {
			p.add(nn, field+".name", "must not be empty")
		}
	}
	mockPath := defMock
	if mn, has := f["mockConfig"]; has {
		if v, good := p.str(mn, field+".mockConfig"); good {
			mockPath = v
			m.Mocks = p.mocks(mn, field+".mockConfig", v)
		}
	} else if mf := p.mockFiles[p.path(defMock)]; defMock != "" && mf != nil {
		m.Mocks = mf.f // loaded (or reported) with the suite's mockConfig
	}
	cn, has := f["cases"]
	if !has {
		p.add(n, field+".cases", "required: the cases to run")
		return nil
	}
	if cn.Kind != yaml.SequenceNode || len(cn.Content) == 0 {
		p.add(cn, field+".cases", "must be a non-empty list")
		return nil
	}
	names := map[string]bool{}
	for i, c := range cn.Content {
		if p.overrun {
			break
		}
		tc := p.testCase(c, fmt.Sprintf("%s.cases[%d]", field, i), m, mockPath != "")
		if tc == nil {
			continue
		}
		if names[tc.Name] {
			p.add(c, fmt.Sprintf("%s.cases[%d].name", field, i), "case %q is listed twice for state machine %q", tc.Name, m.Name)
		}
		names[tc.Name] = true
		m.Cases = append(m.Cases, tc)
	}
	if !ok {
		return nil
	}
	return m
}

func (p *parser) testCase(n *yaml.Node, field string, m *Machine, haveMocks bool) *Case {
	f := p.fields(n, field, "name", "testCase", "input", "expect")
	if f == nil {
		return nil
	}
	c := &Case{Machine: m, Input: "{}"}
	if tn, has := f["testCase"]; has {
		if v, good := p.str(tn, field+".testCase"); good {
			c.TestCase = v
			switch {
			case v == "":
				p.add(tn, field+".testCase", "must not be empty")
			case !haveMocks:
				p.add(tn, field+".testCase", "no mock configuration: set mockConfig on the suite or the state machine")
			case m.Mocks != nil:
				mc, err := m.Mocks.Case(m.Name, v)
				if err != nil {
					p.add(tn, field+".testCase", "%v", err)
				}
				c.Mocks = mc
			}
		}
	}
	c.Name = c.TestCase
	if nn, has := f["name"]; has {
		if v, good := p.str(nn, field+".name"); good {
			c.Name = v
		}
	}
	if c.Name == "" {
		p.add(n, field+".name", "required when testCase is absent")
	}
	c.FullName = m.Name + "/" + c.Name
	if in, has := f["input"]; has {
		c.Input = p.input(in, field+".input")
	}
	if en, has := f["expect"]; has {
		p.expect(en, field+".expect", &c.Expect)
	}
	if c.Expect.Status == "" {
		c.Expect.Status = "SUCCEEDED"
		if c.Expect.Error != nil || c.Expect.Cause != nil || c.Expect.CauseContains != nil {
			c.Expect.Status = "FAILED"
		}
	}
	return c
}

// input is an inline value, or "@file" (a JSON file relative to the suite).
func (p *parser) input(n *yaml.Node, field string) string {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" && strings.HasPrefix(n.Value, "@") {
		path := p.path(n.Value[1:])
		data, err := p.read(path)
		if err != nil {
			p.add(n, field, "%v", err)
			return "{}"
		}
		var v any
		if err := json.Unmarshal(data, &v); err != nil {
			p.add(n, field, "%s is not JSON: %v", path, err)
			return "{}"
		}
		return string(bytes.TrimSpace(data))
	}
	v, ok := p.value(n, field)
	if !ok {
		return "{}"
	}
	b, err := marshal(v)
	if err != nil {
		p.add(n, field, "%v", err)
		return "{}"
	}
	return string(b)
}

func (p *parser) expect(n *yaml.Node, field string, e *Expect) {
	f := p.fields(n, field, "status", "output", "outputContains", "error", "cause", "causeContains", "states", "statesInclude", "maxTransitions")
	if f == nil {
		return
	}
	if sn, has := f["status"]; has {
		if v, good := p.str(sn, field+".status"); good {
			if contains(statuses, v) {
				e.Status = v
			} else {
				p.add(sn, field+".status", "%q is not one of %s", v, strings.Join(statuses, ", "))
			}
		}
	}
	json := func(name string) *JSON {
		jn, has := f[name]
		if !has {
			return nil
		}
		v, ok := p.value(jn, field+"."+name)
		if !ok {
			return nil
		}
		return &JSON{V: v}
	}
	e.Output, e.OutputContains = json("output"), json("outputContains")
	if e.Output != nil && e.OutputContains != nil {
		p.add(f["outputContains"], field+".outputContains", "give output or outputContains, not both")
	}
	str := func(name string) *string {
		sn, has := f[name]
		if !has {
			return nil
		}
		v, ok := p.str(sn, field+"."+name)
		if !ok {
			return nil
		}
		return &v
	}
	e.Error, e.Cause, e.CauseContains = str("error"), str("cause"), str("causeContains")
	if e.Cause != nil && e.CauseContains != nil {
		p.add(f["causeContains"], field+".causeContains", "give cause or causeContains, not both")
	}
	list := func(name string) []string {
		ln, has := f[name]
		if !has {
			return nil
		}
		if ln.Kind != yaml.SequenceNode {
			p.add(ln, field+"."+name, "must be a list of state names")
			return nil
		}
		out := []string{}
		for i, s := range ln.Content {
			if !p.spend(s, field+"."+name) {
				break
			}
			if v, ok := p.str(deref(s), fmt.Sprintf("%s.%s[%d]", field, name, i)); ok {
				out = append(out, v)
			}
		}
		return out
	}
	e.States, e.StatesInclude = list("states"), list("statesInclude")
	if _, has := f["states"]; has {
		if _, has := f["statesInclude"]; has {
			p.add(f["statesInclude"], field+".statesInclude", "give states or statesInclude, not both")
		}
	}
	if mn, has := f["maxTransitions"]; has {
		v, err := strconv.Atoi(mn.Value)
		if mn.Kind != yaml.ScalarNode || mn.Tag != "!!int" || err != nil || v < 1 {
			p.add(mn, field+".maxTransitions", "must be a positive integer")
		} else {
			e.MaxTransitions = &v
		}
	}
}

// value turns a YAML node into a JSON value: objects with string keys, arrays, strings,
// json.Number, booleans and null. YAML-only values (non-string keys, .inf, timestamps as
// tags) are reported.
func (p *parser) value(n *yaml.Node, field string) (any, bool) {
	c := converter{p: p, root: field}
	v := c.conv(n, &vpath{field: field}, 0)
	return v, c.ok()
}

// vpath is where a value sits ("input.a[2]"), spelled out only for a problem.
type vpath struct {
	parent *vpath
	field  string // the root's field, or a member name
	index  int    // an array index, when member is false and parent is set
	member bool
}

func (v *vpath) String() string {
	if v.parent == nil {
		return v.field
	}
	if v.member {
		return join(v.parent.String(), v.field)
	}
	return v.parent.String() + "[" + strconv.Itoa(v.index) + "]"
}

type converter struct {
	p      *parser
	root   string
	failed bool
}

func (c *converter) ok() bool { return !c.failed }

func (c *converter) fail(n *yaml.Node, path *vpath, format string, args ...any) any {
	c.p.add(n, path.String(), format, args...)
	c.failed = true
	return nil
}

// decimal is a YAML integer JSON can carry as is.
var decimal = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^-?(0|[1-9][0-9]*)$`) })

func (c *converter) conv(n *yaml.Node, path *vpath, depth int) any {
	if c.failed {
		return nil
	}
	if !c.p.spend(n, c.root) {
		c.failed = true
		return nil
	}
	if depth > 200 {
		return c.fail(n, path, "nested too deeply (more than 200 levels)")
	}
	n = deref(n)
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content) && !c.failed; i += 2 {
			k := deref(n.Content[i])
			if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
				return c.fail(k, path, "object keys must be strings")
			}
			sub := &vpath{parent: path, field: k.Value, member: true}
			if _, dup := m[k.Value]; dup {
				return c.fail(k, sub, "given twice")
			}
			m[k.Value] = c.conv(n.Content[i+1], sub, depth+1)
		}
		return m
	case yaml.SequenceNode:
		a := make([]any, 0, len(n.Content))
		for i, e := range n.Content {
			if c.failed {
				break
			}
			a = append(a, c.conv(e, &vpath{parent: path, index: i}, depth+1))
		}
		return a
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return nil
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return c.fail(n, path, "%v", err)
			}
			return b
		case "!!int":
			if i, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
				return json.Number(strconv.FormatInt(i, 10))
			}
			if decimal().MatchString(n.Value) {
				return json.Number(n.Value) // too large for int64: keep the digits
			}
			return c.fail(n, path, "%q is not a JSON number", n.Value)
		case "!!float":
			var f float64
			if err := n.Decode(&f); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
				return c.fail(n, path, "%q is not a JSON number", n.Value)
			}
			return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
		default: // !!str, !!timestamp, !!binary and custom tags: the text
			return n.Value
		}
	}
	return c.fail(n, path, "not a JSON value")
}

func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func join(field, name string) string {
	if field == "" {
		return name
	}
	return field + "." + name
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// marshal writes JSON without HTML escaping.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
