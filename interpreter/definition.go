package interpreter

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sfnlocal/sfnlocal/internal/jackson"
	"github.com/sfnlocal/sfnlocal/internal/jsoncheck"
	"github.com/sfnlocal/sfnlocal/internal/value"
	"github.com/sfnlocal/sfnlocal/interpreter/intrinsics"
	"github.com/sfnlocal/sfnlocal/interpreter/payload"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
	"github.com/sfnlocal/sfnlocal/jsonpath"
)

// Diagnostic is one problem found in a definition, as ValidateStateMachineDefinition returns it.
type Diagnostic struct {
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Message  string `json:"message"`
	Location string `json:"location,omitempty"`
}

// Diagnostic severities.
const (
	SeverityError   = "ERROR"
	SeverityWarning = "WARNING"
)

// Diagnostic codes, as AWS reports them.
const (
	CodeSchema          = "SCHEMA_VALIDATION_FAILED"
	CodeInvalidJSON     = "INVALID_JSON_DESCRIPTION"
	CodeMissingTarget   = "MISSING_TRANSITION_TARGET"
	CodeMissingEnd      = "MISSING_END_STATE"
	CodeDuplicateKey    = "DUPLICATE_STATE_NAME"
	CodeInvalidPath     = "INVALID_JSON_PATH"
	CodeInvalidResource = "INVALID_RESOURCE"
	// CodeInvalidJSONata is a JSONata expression that does not parse; CodeUnsupportedJSONata
	// one that uses what its field does not offer ($states.result outside Output/Assign of a
	// Task, Map or Parallel; $states.errorOutput outside a Catcher).
	CodeInvalidJSONata     = "INVALID_JSONATA_EXPRESSION"
	CodeUnsupportedJSONata = "UNSUPPORTED_JSONATA_EXPRESSION"
	maxDefinitionBytes     = 1048576
	maxStateNameRunes      = 80
	maxIntervalSeconds     = 99999999
	maxMaxDelaySeconds     = 31622400
	maxTimeoutSecondsSpec  = 99999999
)

// DefinitionError is the error Parse returns for an invalid definition.
type DefinitionError struct {
	Diagnostics []Diagnostic
}

// Error renders AWS's InvalidDefinition message text.
func (e *DefinitionError) Error() string {
	var parts []string
	for _, d := range e.Diagnostics {
		if d.Severity != SeverityError {
			continue
		}
		loc := d.Location
		if loc == "" {
			loc = "null" // AWS: "MISSING_END_STATE: Workflow has no terminal state at null"
		}
		parts = append(parts, d.Code+": "+d.Message+" at "+loc)
	}
	return "Invalid State Machine Definition: '" + strings.Join(parts, ", ") + "'"
}

// Query languages.
const (
	langJSONPath = "JSONPath"
	langJSONata  = "JSONata"
)

// StateMachine is a parsed, validated definition. It is immutable and safe for concurrent use.
type StateMachine struct {
	top         *program
	timeout     time.Duration
	queryLang   string
	usesJSONata bool
	varRefs     map[string][]string
	stateCount  int
}

// UsesJSONata reports whether any state of the machine is in JSONata mode.
func (sm *StateMachine) UsesJSONata() bool { return sm.usesJSONata }

// VariableReferences returns, per state name, the workflow variables the state's JSONPath
// fields reference, as DescribeStateMachine reports them. The result is a fresh copy.
func (sm *StateMachine) VariableReferences() map[string][]string {
	out := make(map[string][]string, len(sm.varRefs))
	for k, v := range sm.varRefs {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// program is a StartAt/States pair: the top level, a Parallel branch or a Map processor.
type program struct {
	startAt string
	states  map[string]*state
	// blocking is set when a state of the program may wait (Task, Wait, or a nested
	// Map/Parallel that may), so branches must run concurrently.
	blocking bool
}

// optPath is an InputPath/OutputPath field: unset (identity), null ({}), or a path.
type optPath struct {
	null bool
	path *jsonpath.Path // nil when identity
}

// resultPath is a ResultPath field: unset/"$" (replace), null (discard) or a reference path.
type resultPath struct {
	discard bool
	path    *jsonpath.Path // nil when replacing the whole input
}

// valueOrPath is a field that is either a constant or a *Path variant.
type intOrPath struct {
	jx   *jnode // a JSONata expression
	set  bool
	val  int64
	path *jsonpath.Path
}

type stringOrPath struct {
	jx        *jnode
	set       bool
	val       string
	path      *jsonpath.Path
	intrinsic *intrinsics.Call
}

type state struct {
	name      string
	typ       string
	next      string
	end       bool
	jsonata   bool
	inputPath optPath
	outPath   optPath
	resPath   resultPath

	parameters     *payload.Template
	resultSelector *payload.Template
	assign         *payload.Template
	result         any
	hasResult      bool

	// Task
	resource    string
	service     string
	action      string
	pattern     task.Pattern
	legacy      bool
	activity    bool
	resourceOK  bool
	timeout     intOrPath
	heartbeat   intOrPath
	credentials *payload.Template
	retry       []*retrier
	catch       []*catcher

	// Choice
	choices     []*choiceRule
	defaultNext string

	// Wait
	waitSeconds   intOrPath
	waitTimestamp time.Time
	hasTimestamp  bool
	timestampPath *jsonpath.Path

	// Fail
	failError stringOrPath
	failCause stringOrPath

	// Parallel
	branches []*program

	// Map
	processor      *program
	itemsPath      *jsonpath.Path
	itemSelector   *payload.Template
	maxConcurrency intOrPath
	toleratedPct   floatOrPath
	toleratedCount intOrPath
	distributed    bool
	label          string
	// dist is a Distributed Map's reader, batcher, writer and execution type (distmap.go).
	dist *distConfig

	// JSONata mode: Arguments, Output, Assign, Map Items/ItemSelector, Wait Timestamp.
	jArgs, jOutput, jAssign *jnode
	jItems, jItemSelector   *jnode
	jTimestamp              *jnode
	jCredentials            *jnode
}

type floatOrPath struct {
	jx   *jnode
	set  bool
	val  float64
	path *jsonpath.Path
}

type retrier struct {
	errorEquals []string
	interval    float64 // seconds
	maxAttempts int64
	backoffRate float64
	maxDelay    float64 // seconds, when hasMaxDelay
	hasMaxDelay bool
	jitterFull  bool
}

type catcher struct {
	errorEquals []string
	next        string
	resPath     resultPath
	assign      *payload.Template
	// JSONata mode
	jOutput, jAssign *jnode
}

// Parse parses and validates a definition. On any ERROR diagnostic it returns a
// *DefinitionError holding every diagnostic.
func Parse(definition string) (*StateMachine, error) {
	sm, diags := parse(definition)
	for _, d := range diags {
		if d.Severity == SeverityError {
			return nil, &DefinitionError{Diagnostics: diags}
		}
	}
	return sm, nil
}

// Validate returns every problem in the definition, errors and warnings, sorted by location,
// then code, then message.
func Validate(definition string) []Diagnostic {
	_, diags := parse(definition)
	if diags == nil {
		diags = []Diagnostic{}
	}
	return diags
}

type parser struct {
	// graphs are the transition checks of every program, run after the schema checks.
	graphs []func()
	// jsonata is set while the fields of a JSONata state are parsed: numbers and
	// timestamps may then be "{% ... %}" expressions.
	jsonata bool
	diags   []Diagnostic
	names   map[string]string
	topLang string
	sm      *StateMachine
	// cur is the name of the state being parsed (for variable references).
	cur string
	// ruleDepth counts the And/Or/Not levels above the choice rule being parsed;
	// ruleTop is the location of its top-level rule.
	ruleDepth int
	ruleTop   string
	// progDepth counts the programs (the top one, Map processors, Parallel branches) above
	// the one being parsed.
	progDepth int
}

func (p *parser) add(code, loc, format string, args ...any) {
	p.diags = append(p.diags, Diagnostic{Severity: SeverityError, Code: code, Message: fmt.Sprintf(format, args...), Location: loc})
}

func (p *parser) warn(code, loc, format string, args ...any) {
	p.diags = append(p.diags, Diagnostic{Severity: SeverityWarning, Code: code, Message: fmt.Sprintf(format, args...), Location: loc})
}

func parse(definition string) (sm *StateMachine, diags []Diagnostic) {
	defer func() {
		// Parsing must never crash on user input; an unexpected panic is a bug, reported
		// as a definition problem rather than taking the server down.
		if r := recover(); r != nil {
			sm = nil
			diags = []Diagnostic{{Severity: SeverityError, Code: CodeSchema, Message: fmt.Sprintf("internal error while parsing the definition: %v", r), Location: "/"}}
		}
	}()
	p := &parser{names: map[string]string{}, sm: &StateMachine{varRefs: map[string][]string{}}}
	if len(definition) > maxDefinitionBytes {
		p.add(CodeSchema, "/", "Definition exceeds the maximum size of %d bytes", maxDefinitionBytes)
		return nil, p.diags
	}
	if strings.TrimSpace(definition) == "" {
		p.add(CodeSchema, "", "Definition must be a valid JSON object")
		return nil, p.diags
	}
	// Invalid UTF-8, unpaired surrogate escapes and nesting past jsoncheck.MaxDepth are
	// refused before decoding (encoding/json would replace the first two with U+FFFD).
	if err := jsoncheck.CheckString(definition, 0); err != nil {
		p.diags = append(p.diags, jsonDiagnostic(definition, err))
		return nil, p.diags
	}
	v, err := task.Decode([]byte(definition))
	if err != nil {
		p.diags = append(p.diags, jsonDiagnostic(definition, err))
		return nil, p.diags
	}
	obj, ok := value.AsMap(v)
	if !ok {
		p.add(CodeSchema, "", "Definition must be a valid JSON object")
		return nil, p.diags
	}
	p.topLang = langJSONPath
	if ql, ok := obj["QueryLanguage"]; ok {
		s, _ := ql.(string)
		if s != langJSONPath && s != langJSONata {
			p.add(CodeSchema, "/QueryLanguage", "The value for the field 'QueryLanguage' must be one of [JSONPath, JSONata]")
		} else {
			p.topLang = s
		}
	}
	p.sm.queryLang = p.topLang
	p.checkFields(obj, "", topFields)
	if vs, ok := obj["Version"]; ok {
		if s, _ := vs.(string); s != "1.0" {
			p.add(CodeSchema, "/Version", "The value for the field 'Version' must be '1.0'")
		}
	}
	if c, ok := obj["Comment"]; ok {
		if _, ok := c.(string); !ok {
			p.add(CodeSchema, "/Comment", "The value for the field 'Comment' must be a STRING")
		}
	}
	if t, ok := obj["TimeoutSeconds"]; ok {
		n, ok := intValue(t)
		if !ok || n < 0 || n > maxTimeoutSecondsSpec {
			p.add(CodeSchema, "/TimeoutSeconds", "The value for the field 'TimeoutSeconds' must be a non-negative INTEGER")
		} else {
			p.sm.timeout = time.Duration(n) * time.Second
		}
	}
	p.sm.top = p.program(obj, "")
	if !p.hasSchemaErrors() {
		for _, g := range p.graphs {
			g()
		}
	}
	diags = p.diags
	sortDiagnostics(diags)
	if p.sm.top == nil {
		return nil, diags
	}
	return p.sm, diags
}

var topFields = set("Comment", "StartAt", "States", "TimeoutSeconds", "Version", "QueryLanguage")

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

func sortDiagnostics(d []Diagnostic) {
	sort.SliceStable(d, func(i, j int) bool {
		if d[i].Severity != d[j].Severity {
			return d[i].Severity == SeverityError
		}
		if d[i].Location != d[j].Location {
			// Problems without a location (MISSING_END_STATE) come after the located ones,
			// as AWS lists them.
			if d[i].Location == "" || d[j].Location == "" {
				return d[j].Location == ""
			}
			return d[i].Location < d[j].Location
		}
		if d[i].Code != d[j].Code {
			return d[i].Code < d[j].Code
		}
		return d[i].Message < d[j].Message
	})
}

// jsonDiagnostic reports a JSON syntax error in the form AWS (Jackson) uses: Jackson's
// message and "[Source: (String)"..."; line: N, column: M]" location (internal/jackson).
func jsonDiagnostic(def string, err error) Diagnostic {
	je := jackson.Check(def)
	if je == nil {
		// Valid JSON followed by more content, which Go's decoder refuses.
		je = jackson.At(def, len(def), "Unexpected content after the end of the JSON value")
	}
	if ce, ok := err.(*jsoncheck.Error); ok {
		// Text that Jackson would read but we refuse (invalid UTF-8, nesting too deep).
		je = jackson.At(def, ce.Offset, ce.Error())
	}
	return Diagnostic{Severity: SeverityError, Code: CodeInvalidJSON, Message: je.Error(), Location: je.Location}
}

func (p *parser) checkFields(obj map[string]any, loc string, allowed map[string]bool) {
	for k := range obj {
		if !allowed[k] {
			p.add(CodeSchema, loc, "Field '%s' is not supported", k)
		}
	}
}

// program parses a StartAt/States object at loc ("" for the top level).
// maxProgramNesting bounds how deeply Map and Parallel states may nest. AWS documents no
// limit; this one is far beyond any written machine, and without it a 200 KB definition
// nesting 2,500 Maps (JSON's depth limit) made the parser build 250 MB of locations.
const maxProgramNesting = 100

func (p *parser) program(obj map[string]any, loc string) *program {
	p.progDepth++
	defer func() { p.progDepth-- }()
	if p.progDepth > maxProgramNesting+1 {
		p.add(CodeSchema, loc, "Map and Parallel states are nested too deeply: more than %d levels", maxProgramNesting)
		return nil
	}
	prog := &program{states: map[string]*state{}}
	missing := []string{}
	start, hasStart := obj["StartAt"]
	if !hasStart {
		missing = append(missing, "StartAt")
	}
	statesV, hasStates := obj["States"]
	if !hasStates {
		missing = append(missing, "States")
	}
	if len(missing) > 0 {
		p.add(CodeSchema, locOr(loc), "These fields are required: [%s]", strings.Join(missing, ", "))
	}
	if hasStart {
		s, ok := start.(string)
		if !ok {
			p.add(CodeSchema, loc+"/StartAt", "The value for the field 'StartAt' must be a STRING")
		}
		prog.startAt = s
	}
	if !hasStates {
		return nil
	}
	states, ok := value.AsMap(statesV)
	if !ok {
		p.add(CodeSchema, loc+"/States", "The value for the field 'States' must be an OBJECT")
		return nil
	}
	if len(states) == 0 {
		p.add(CodeSchema, loc+"/States", "The field 'States' must contain at least one state")
	}
	names := make([]string, 0, len(states))
	for n := range states {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		sloc := loc + "/States/" + pointerEscape(name)
		if prev, dup := p.names[name]; dup {
			p.add(CodeDuplicateKey, sloc, "Duplicate State name: '%s' (also at %s)", name, prev)
		}
		p.names[name] = sloc
		if name == "" || len([]rune(name)) > maxStateNameRunes {
			p.add(CodeSchema, sloc, "State names must be between 1 and %d characters long", maxStateNameRunes)
		}
		sobj, ok := value.AsMap(states[name])
		if !ok {
			p.add(CodeSchema, sloc, "The value for the state '%s' must be an OBJECT", name)
			continue
		}
		st := p.state(name, sobj, sloc)
		if st != nil {
			prog.states[name] = st
			p.sm.stateCount++
			if st.blocks() {
				prog.blocking = true
			}
		}
	}
	// Transition targets and reachability are checked once the whole definition is known
	// to be well-formed (AWS reports no graph problems alongside schema errors).
	p.graphs = append(p.graphs, func() { p.checkGraph(prog, loc, names, states) })
	return prog
}

// checkGraph reports dangling transition targets, unreachable states and a missing terminal
// state of one program.
func (p *parser) checkGraph(prog *program, loc string, names []string, states map[string]any) {
	if prog.startAt != "" {
		if _, ok := states[prog.startAt]; !ok {
			p.add(CodeMissingTarget, loc+"/StartAt", "Missing 'Next' target: %s", prog.startAt)
		}
	}
	for _, name := range names {
		st := prog.states[name]
		if st == nil {
			continue
		}
		sloc := loc + "/States/" + pointerEscape(name)
		check := func(target, field string) {
			if target == "" {
				return
			}
			if _, ok := states[target]; !ok {
				p.add(CodeMissingTarget, sloc+"/"+field, "Missing 'Next' target: %s", target)
			}
		}
		check(st.next, "Next")
		check(st.defaultNext, "Default")
		for i, c := range st.choices {
			check(c.next, fmt.Sprintf("Choices[%d]/Next", i))
		}
		for i, c := range st.catch {
			check(c.next, fmt.Sprintf("Catch[%d]/Next", i))
		}
	}
	// A program needs a terminal state (End, Succeed or Fail); AWS reports its absence
	// instead of unreachable states. Otherwise every state must be the target of StartAt or
	// of some transition (AWS checks references, not a walk from StartAt: with a dangling
	// StartAt, only the states nothing points at are reported).
	terminal := false
	referenced := map[string]bool{prog.startAt: true}
	for _, name := range names {
		st := prog.states[name]
		if st == nil {
			terminal = true // unknown shape: do not pile up diagnostics
			continue
		}
		if st.end || st.typ == "Succeed" || st.typ == "Fail" {
			terminal = true
		}
		for _, t := range st.targets() {
			if t != name {
				referenced[t] = true
			}
		}
	}
	if len(names) > 0 && !terminal {
		p.add(CodeMissingEnd, "", "Workflow has no terminal state")
	} else {
		for _, name := range names {
			if !referenced[name] && prog.states[name] != nil {
				p.add(CodeMissingTarget, loc+"/States/"+pointerEscape(name), "State \"%s\" is not reachable.", name)
			}
		}
	}
}

func (p *parser) hasSchemaErrors() bool {
	for _, d := range p.diags {
		if d.Severity == SeverityError {
			return true
		}
	}
	return false
}

func locOr(loc string) string {
	if loc == "" {
		return "/"
	}
	return loc
}

func pointerEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func (st *state) targets() []string {
	var t []string
	if st.next != "" {
		t = append(t, st.next)
	}
	if st.defaultNext != "" {
		t = append(t, st.defaultNext)
	}
	for _, c := range st.choices {
		t = append(t, c.next)
	}
	for _, c := range st.catch {
		t = append(t, c.next)
	}
	return t
}

func (st *state) blocks() bool {
	switch st.typ {
	case "Task", "Wait":
		return true
	case "Parallel":
		for _, b := range st.branches {
			if b != nil && b.blocking {
				return true
			}
		}
	case "Map":
		return st.processor != nil && st.processor.blocking
	}
	return false
}

var commonFields = set("Type", "Comment", "QueryLanguage")

// stateFields are the fields each state type allows (built on first use: start-up time).
var stateFields = sync.OnceValue(func() map[string]map[string]bool {
	return map[string]map[string]bool{
		"Pass":     set("Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "Result", "Assign", "Output"),
		"Task":     set("Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Retry", "Catch", "Resource", "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath", "Credentials", "Assign", "Output", "Arguments"),
		"Choice":   set("InputPath", "OutputPath", "Choices", "Default", "Assign", "Output"),
		"Wait":     set("Next", "End", "InputPath", "OutputPath", "Seconds", "Timestamp", "SecondsPath", "TimestampPath", "Assign", "Output"),
		"Succeed":  set("InputPath", "OutputPath", "Output"),
		"Fail":     set("Error", "Cause", "ErrorPath", "CausePath"),
		"Parallel": set("Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Retry", "Catch", "Branches", "Assign", "Output", "Arguments"),
		"Map": set("Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Retry", "Catch", "Iterator", "ItemProcessor",
			"ItemsPath", "ItemSelector", "MaxConcurrency", "MaxConcurrencyPath", "ToleratedFailurePercentage", "ToleratedFailurePercentagePath",
			"ToleratedFailureCount", "ToleratedFailureCountPath", "Label", "ItemReader", "ItemBatcher", "ResultWriter", "Assign", "Output", "Items"),
	}
})

var jsonPathOnly = []string{"InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Result", "ItemsPath", "ItemSelector_PATH", "SecondsPath", "TimestampPath", "ErrorPath", "CausePath", "TimeoutSecondsPath", "HeartbeatSecondsPath", "MaxConcurrencyPath", "ToleratedFailurePercentagePath", "ToleratedFailureCountPath"}
var jsonataOnly = []string{"Output", "Arguments", "Items"}

func (p *parser) state(name string, obj map[string]any, loc string) *state {
	st := &state{name: name}
	savedCur := p.cur
	p.cur = name
	defer func() { p.cur = savedCur }()
	typ, ok := obj["Type"].(string)
	if !ok {
		if _, has := obj["Type"]; has {
			p.add(CodeSchema, loc+"/Type", "The value for the field 'Type' must be a STRING")
		} else {
			p.add(CodeSchema, loc, "These fields are required: [Type]")
		}
		return nil
	}
	allowed, known := stateFields()[typ]
	if !known {
		p.add(CodeSchema, loc+"/Type", "The value for the field 'Type' must be one of [Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map]")
		return nil
	}
	st.typ = typ
	for k := range obj {
		if !allowed[k] && !commonFields[k] {
			p.add(CodeSchema, loc, "Field '%s' is not supported", k)
		}
	}
	lang := p.topLang
	if ql, ok := obj["QueryLanguage"]; ok {
		s, _ := ql.(string)
		switch {
		case s != langJSONPath && s != langJSONata:
			p.add(CodeSchema, loc+"/QueryLanguage", "The value for the field 'QueryLanguage' must be one of [JSONPath, JSONata]")
		case s == langJSONPath && p.topLang == langJSONata:
			p.add(CodeSchema, loc, "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine")
		default:
			lang = s
		}
	}
	if c, ok := obj["Comment"]; ok {
		if _, ok := c.(string); !ok {
			p.add(CodeSchema, loc+"/Comment", "The value for the field 'Comment' must be a STRING")
		}
	}
	st.jsonata = lang == langJSONata
	saved := p.jsonata
	p.jsonata = st.jsonata
	defer func() { p.jsonata = saved }()
	if st.jsonata {
		p.sm.usesJSONata = true
		for _, f := range jsonPathOnly {
			if _, ok := obj[f]; ok {
				p.add(CodeSchema, loc, "The QueryLanguage is set to 'JSONata', but field '%s' is only supported for the 'JSONPath' QueryLanguage", f)
			}
		}
	} else {
		for _, f := range jsonataOnly {
			if _, ok := obj[f]; ok {
				p.add(CodeSchema, loc, "The QueryLanguage is set to 'JSONPath', but field '%s' is only supported for the 'JSONata' QueryLanguage", f)
			}
		}
	}

	// Transitions.
	next, hasNext := obj["Next"]
	end, hasEnd := obj["End"]
	switch typ {
	case "Choice", "Succeed", "Fail":
	default:
		if hasNext {
			s, ok := next.(string)
			if !ok || s == "" {
				p.add(CodeSchema, loc+"/Next", "The value for the field 'Next' must be a non-empty STRING")
			}
			st.next = s
		}
		if hasEnd {
			b, ok := end.(bool)
			if !ok {
				p.add(CodeSchema, loc+"/End", "The value for the field 'End' must be a BOOLEAN")
			}
			st.end = b
		}
		switch {
		case hasNext && st.end:
			p.add(CodeSchema, loc, "Only one of 'Next' or 'End' can be present")
		case !hasNext && !st.end:
			p.add(CodeMissingTarget, loc, "No 'Next' target or 'End' field")
		}
	}

	if !st.jsonata {
		st.inputPath = p.optPath(obj, "InputPath", loc)
		st.outPath = p.optPath(obj, "OutputPath", loc)
		st.resPath = p.resultPath(obj, "ResultPath", loc)
		st.parameters = p.template(obj, "Parameters", loc, name)
		st.resultSelector = p.template(obj, "ResultSelector", loc, name)
		st.assign = p.template(obj, "Assign", loc, name)
	} else {
		resultOK := typ == "Task" || typ == "Map" || typ == "Parallel"
		st.jOutput = p.jfield(obj, "Output", loc, resultOK, false)
		st.jAssign = p.jassign(obj, loc, resultOK, false)
		st.jArgs = p.jfield(obj, "Arguments", loc, false, false)
	}
	if r, ok := obj["Result"]; ok {
		st.result, st.hasResult = r, true
	}

	switch typ {
	case "Task":
		p.task(st, obj, loc)
		st.retry = p.retriers(obj, loc)
		st.catch = p.catchers(obj, loc, name, st.jsonata)
	case "Parallel":
		p.parallel(st, obj, loc)
		st.retry = p.retriers(obj, loc)
		st.catch = p.catchers(obj, loc, name, st.jsonata)
	case "Map":
		p.mapState(st, obj, loc)
		st.retry = p.retriers(obj, loc)
		st.catch = p.catchers(obj, loc, name, st.jsonata)
	case "Choice":
		p.choice(st, obj, loc)
	case "Wait":
		p.wait(st, obj, loc)
	case "Fail":
		st.failError = p.stringOrPath(obj, "Error", "ErrorPath", loc, st.jsonata)
		st.failCause = p.stringOrPath(obj, "Cause", "CausePath", loc, st.jsonata)
	}
	return st
}

func (p *parser) optPath(obj map[string]any, field, loc string) optPath {
	v, ok := obj[field]
	if !ok {
		return optPath{}
	}
	if v == nil {
		return optPath{null: true}
	}
	s, ok := v.(string)
	if !ok {
		p.add(CodeSchema, loc+"/"+field, "The value for the field '%s' must be a STRING", field)
		return optPath{}
	}
	path, err := jsonpath.Parse(s)
	if err != nil {
		p.add(CodeInvalidPath, loc+"/"+field, "The value for the field '%s' must be a valid JSONPath: %s", field, s)
		return optPath{}
	}
	p.noteVar(path, loc)
	if s == "$" {
		return optPath{}
	}
	return optPath{path: path}
}

func (p *parser) resultPath(obj map[string]any, field, loc string) resultPath {
	v, ok := obj[field]
	if !ok {
		return resultPath{}
	}
	if v == nil {
		return resultPath{discard: true}
	}
	s, ok := v.(string)
	if !ok {
		p.add(CodeSchema, loc+"/"+field, "The value for the field '%s' must be a STRING", field)
		return resultPath{}
	}
	path, err := jsonpath.ParseReference(s)
	if err != nil || path.Root() != jsonpath.RootInput {
		p.add(CodeInvalidPath, loc+"/"+field, "The value for the field '%s' must be a valid ReferencePath: %s", field, s)
		return resultPath{}
	}
	if s == "$" {
		return resultPath{}
	}
	return resultPath{path: path}
}

func (p *parser) refPath(obj map[string]any, field, loc string) *jsonpath.Path {
	v, ok := obj[field]
	if !ok {
		return nil
	}
	s, ok := v.(string)
	if !ok {
		p.add(CodeSchema, loc+"/"+field, "The value for the field '%s' must be a STRING", field)
		return nil
	}
	path, err := jsonpath.ParseReference(s)
	if err != nil {
		p.add(CodeInvalidPath, loc+"/"+field, "The value for the field '%s' must be a valid ReferencePath: %s", field, s)
		return nil
	}
	p.noteVar(path, loc)
	return path
}

func (p *parser) template(obj map[string]any, field, loc, stateName string) *payload.Template {
	v, ok := obj[field]
	if !ok {
		return nil
	}
	if field == "Assign" {
		m, ok := value.AsMap(v)
		if !ok {
			p.add(CodeSchema, loc+"/"+field, "The value for the field '%s' must be an OBJECT", field)
			return nil
		}
		names := make(map[string]any, len(m))
		for k := range m {
			names[strings.TrimSuffix(k, ".$")] = nil
		}
		p.checkVariableNames(names, loc)
	}
	t, err := payload.Compile(v)
	if err != nil {
		p.add(CodeSchema, loc+"/"+field, "%s", err.Error())
		return nil
	}
	for _, path := range t.Paths() {
		if path.Root() == jsonpath.RootVariable {
			p.addVarRef(stateName, path.Variable())
		}
	}
	return t
}

func (p *parser) noteVar(path *jsonpath.Path, loc string) {
	if path == nil || path.Root() != jsonpath.RootVariable {
		return
	}
	// loc is the state's location; the last segment is its name.
	name := loc[strings.LastIndexByte(loc, '/')+1:]
	name = strings.ReplaceAll(strings.ReplaceAll(name, "~1", "/"), "~0", "~")
	p.addVarRef(name, path.Variable())
}

func (p *parser) addVarRef(stateName, variable string) {
	for _, v := range p.sm.varRefs[stateName] {
		if v == variable {
			return
		}
	}
	p.sm.varRefs[stateName] = append(p.sm.varRefs[stateName], variable)
}

// isExpression reports whether v is a JSONata "{% ... %}" expression in a JSONata state.
func (p *parser) isExpression(v any) bool {
	s, ok := v.(string)
	return ok && p.jsonata && strings.HasPrefix(s, "{%") && strings.HasSuffix(s, "%}")
}

func intValue(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(string(n), 64)
		if ferr != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return 0, false
		}
		return int64(f), true
	}
	return i, true
}

func floatValue(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(n), 64)
	return f, err == nil
}

func (p *parser) intOrPath(obj map[string]any, field, pathField, loc string, min, max int64) intOrPath {
	v, has := obj[field]
	_, hasPath := obj[pathField]
	if has && hasPath {
		p.add(CodeSchema, loc, "Only one of '%s' or '%s' can be present", field, pathField)
	}
	if has {
		if p.isExpression(v) {
			if jx := p.jfield(obj, field, loc, false, false); jx != nil {
				return intOrPath{set: true, jx: jx}
			}
			return intOrPath{}
		}
		n, ok := intValue(v)
		if !ok || n < min || n > max {
			p.add(CodeSchema, loc+"/"+field, "The value for the field '%s' must be an INTEGER between %d and %d", field, min, max)
			return intOrPath{}
		}
		return intOrPath{set: true, val: n}
	}
	if hasPath {
		if path := p.refPath(obj, pathField, loc); path != nil {
			return intOrPath{set: true, path: path}
		}
	}
	return intOrPath{}
}

func (p *parser) stringOrPath(obj map[string]any, field, pathField, loc string, jsonata bool) stringOrPath {
	v, has := obj[field]
	pv, hasPath := obj[pathField]
	if has && hasPath {
		p.add(CodeSchema, loc, "Only one of '%s' or '%s' can be present", field, pathField)
	}
	if has {
		s, ok := v.(string)
		if !ok {
			p.add(CodeSchema, loc+"/"+field, "The value for the field '%s' must be a STRING", field)
			return stringOrPath{}
		}
		if p.isExpression(s) {
			if jx := p.jfield(obj, field, loc, false, false); jx != nil {
				return stringOrPath{set: true, jx: jx}
			}
			return stringOrPath{}
		}
		return stringOrPath{set: true, val: s}
	}
	if hasPath {
		s, ok := pv.(string)
		if !ok {
			p.add(CodeSchema, loc+"/"+pathField, "The value for the field '%s' must be a STRING", pathField)
			return stringOrPath{}
		}
		if intrinsics.IsIntrinsic(s) {
			c, err := intrinsics.Parse(s)
			if err != nil {
				p.add(CodeSchema, loc+"/"+pathField, "The value for the field '%s' must be a valid JSONPath or intrinsic function: %s", pathField, err.Error())
				return stringOrPath{}
			}
			return stringOrPath{set: true, intrinsic: c}
		}
		path, err := jsonpath.Parse(s)
		if err != nil {
			p.add(CodeInvalidPath, loc+"/"+pathField, "The value for the field '%s' must be a valid JSONPath: %s", pathField, s)
			return stringOrPath{}
		}
		p.noteVar(path, loc)
		return stringOrPath{set: true, path: path}
	}
	return stringOrPath{}
}

func (p *parser) task(st *state, obj map[string]any, loc string) {
	r, ok := obj["Resource"]
	if !ok {
		p.add(CodeSchema, loc, "These fields are required: [Resource]")
		return
	}
	s, ok := r.(string)
	if !ok {
		p.add(CodeSchema, loc+"/Resource", "The value for the field 'Resource' must be a STRING")
		return
	}
	st.resource = s
	if isActivityArn(s) {
		st.activity, st.resourceOK = true, true
	} else if service, action, pattern, legacy, ok := task.ParseResource(s); ok {
		st.service, st.action, st.pattern, st.legacy, st.resourceOK = service, action, pattern, legacy, true
	} else if !strings.HasPrefix(s, "arn:") {
		p.add(CodeInvalidResource, loc+"/Resource", "Value is not a valid resource ARN")
	}
	st.timeout = p.intOrPath(obj, "TimeoutSeconds", "TimeoutSecondsPath", loc, 1, maxTimeoutSecondsSpec)
	st.heartbeat = p.intOrPath(obj, "HeartbeatSeconds", "HeartbeatSecondsPath", loc, 1, maxTimeoutSecondsSpec)
	if st.timeout.set && st.heartbeat.set && st.timeout.path == nil && st.heartbeat.path == nil &&
		st.timeout.jx == nil && st.heartbeat.jx == nil && st.heartbeat.val >= st.timeout.val {
		p.add(CodeSchema, loc+"/HeartbeatSeconds", "The value for the field 'HeartbeatSeconds' must be smaller than the value for the field 'TimeoutSeconds'")
	}
	p.checkCredentials(obj, loc, st.jsonata)
	if st.jsonata {
		st.jCredentials = p.jfield(obj, "Credentials", loc, false, false)
	} else {
		st.credentials = p.template(obj, "Credentials", loc, st.name)
	}
}

// isActivityArn reports whether s is arn:<partition>:states:<region>:<account>:activity:<name>.
func isActivityArn(s string) bool {
	parts := strings.Split(s, ":")
	return len(parts) == 7 && parts[0] == "arn" && parts[2] == "states" && parts[5] == "activity" && parts[6] != ""
}

func (p *parser) parallel(st *state, obj map[string]any, loc string) {
	b, ok := obj["Branches"]
	if !ok {
		p.add(CodeSchema, loc, "These fields are required: [Branches]")
		return
	}
	arr, ok := b.([]any)
	if !ok || len(arr) == 0 {
		p.add(CodeSchema, loc+"/Branches", "The value for the field 'Branches' must be a non-empty ARRAY")
		return
	}
	for i, br := range arr {
		bloc := fmt.Sprintf("%s/Branches[%d]", loc, i)
		bobj, ok := value.AsMap(br)
		if !ok {
			p.add(CodeSchema, bloc, "Each branch must be an OBJECT")
			continue
		}
		p.checkFields(bobj, bloc, set("StartAt", "States", "Comment"))
		prog := p.program(bobj, bloc)
		if prog != nil {
			st.branches = append(st.branches, prog)
		}
	}
}

func (p *parser) mapState(st *state, obj map[string]any, loc string) {
	procV, hasProc := obj["ItemProcessor"]
	itV, hasIt := obj["Iterator"]
	field := "ItemProcessor"
	switch {
	case hasProc && hasIt:
		p.add(CodeSchema, loc, "Only one of 'ItemProcessor' or 'Iterator' can be present")
	case hasIt:
		procV, field = itV, "Iterator"
	case !hasProc:
		p.add(CodeSchema, loc, "These fields are required: [ItemProcessor]")
	}
	var procObj map[string]any
	if hasProc || hasIt {
		ploc := loc + "/" + field
		pobj, ok := value.AsMap(procV)
		procObj = pobj
		if !ok {
			p.add(CodeSchema, ploc, "The value for the field '%s' must be an OBJECT", field)
		} else {
			p.checkFields(pobj, ploc, set("StartAt", "States", "Comment", "ProcessorConfig"))
			if pc, ok := value.AsMap(pobj["ProcessorConfig"]); ok {
				if mode, ok := pc["Mode"]; ok {
					switch mode {
					case "INLINE":
					case "DISTRIBUTED":
						st.distributed = true
					default:
						p.add(CodeSchema, ploc+"/ProcessorConfig/Mode", "The value for the field 'Mode' must be one of [INLINE, DISTRIBUTED]")
					}
				}
			}
			st.processor = p.program(pobj, ploc)
		}
	}
	if st.jsonata {
		st.jItems = p.jfield(obj, "Items", loc, false, false)
		st.jItemSelector = p.jfield(obj, "ItemSelector", loc, false, false)
	} else {
		st.itemsPath = p.refPath(obj, "ItemsPath", loc)
		_, hasSel := obj["ItemSelector"]
		_, hasParams := obj["Parameters"]
		if hasSel && hasParams {
			p.add(CodeSchema, loc, "Only one of 'ItemSelector' or 'Parameters' can be present")
		}
		st.itemSelector = p.template(obj, "ItemSelector", loc, st.name)
		if st.itemSelector == nil && st.parameters != nil {
			st.itemSelector, st.parameters = st.parameters, nil
		}
	}
	st.maxConcurrency = p.intOrPath(obj, "MaxConcurrency", "MaxConcurrencyPath", loc, 0, math.MaxInt32)
	st.toleratedCount = p.intOrPath(obj, "ToleratedFailureCount", "ToleratedFailureCountPath", loc, 0, math.MaxInt32)
	if v, ok := obj["ToleratedFailurePercentage"]; ok && p.isExpression(v) {
		if jx := p.jfield(obj, "ToleratedFailurePercentage", loc, false, false); jx != nil {
			st.toleratedPct = floatOrPath{set: true, jx: jx}
		}
	} else if v, ok := obj["ToleratedFailurePercentage"]; ok {
		f, ok := floatValue(v)
		if !ok || f < 0 || f > 100 {
			p.add(CodeSchema, loc+"/ToleratedFailurePercentage", "The value for the field 'ToleratedFailurePercentage' must be a NUMBER between 0 and 100")
		} else {
			st.toleratedPct = floatOrPath{set: true, val: f}
		}
		if _, ok := obj["ToleratedFailurePercentagePath"]; ok {
			p.add(CodeSchema, loc, "Only one of 'ToleratedFailurePercentage' or 'ToleratedFailurePercentagePath' can be present")
		}
	} else if path := p.refPath(obj, "ToleratedFailurePercentagePath", loc); path != nil {
		st.toleratedPct = floatOrPath{set: true, path: path}
	}
	if l, ok := obj["Label"]; ok {
		s, ok := l.(string)
		if !ok || len([]rune(s)) > 40 || strings.ContainsAny(s, " <>{}[]?*\"#%\\^|~`$&,;:/") {
			p.add(CodeSchema, loc+"/Label", "The value for the field 'Label' must be a STRING of at most 40 characters without special characters")
		}
		st.label = s
	}
	p.distFields(st, obj, procObj, loc)
}

func (p *parser) wait(st *state, obj map[string]any, loc string) {
	n := 0
	for _, f := range []string{"Seconds", "Timestamp", "SecondsPath", "TimestampPath"} {
		if _, ok := obj[f]; ok {
			n++
		}
	}
	if n != 1 {
		p.add(CodeSchema, loc, "Exactly one of 'Seconds', 'Timestamp', 'SecondsPath' or 'TimestampPath' must be present")
	}
	if st.jsonata {
		if v, ok := obj["Seconds"]; ok && p.isExpression(v) {
			if jx := p.jfield(obj, "Seconds", loc, false, false); jx != nil {
				st.waitSeconds = intOrPath{set: true, jx: jx}
			}
			return
		}
		if v, ok := obj["Timestamp"]; ok && p.isExpression(v) {
			st.jTimestamp = p.jfield(obj, "Timestamp", loc, false, false)
			return
		}
	}
	if v, ok := obj["Seconds"]; ok {
		s, ok := intValue(v)
		if !ok || s < 0 || s > maxTimeoutSecondsSpec {
			p.add(CodeSchema, loc+"/Seconds", "The value for the field 'Seconds' must be a non-negative INTEGER")
		} else {
			st.waitSeconds = intOrPath{set: true, val: s}
		}
	}
	if path := p.refPath(obj, "SecondsPath", loc); path != nil {
		st.waitSeconds = intOrPath{set: true, path: path}
	}
	if v, ok := obj["Timestamp"]; ok {
		s, _ := v.(string)
		t, ok := parseTimestamp(s)
		if !ok {
			p.add(CodeSchema, loc+"/Timestamp", "The value for the field 'Timestamp' must be a valid ISO-8601 timestamp")
		}
		st.waitTimestamp, st.hasTimestamp = t, true
	}
	st.timestampPath = p.refPath(obj, "TimestampPath", loc)
}

// parseTimestamp parses an RFC 3339 timestamp as ASL requires: uppercase T, a Z or numeric
// offset, optional fractional seconds.
func parseTimestamp(s string) (time.Time, bool) {
	if len(s) < 20 || s[10] != 'T' {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

func (p *parser) retriers(obj map[string]any, loc string) []*retrier {
	v, ok := obj["Retry"]
	if !ok {
		return nil
	}
	arr, ok := v.([]any)
	if !ok {
		p.add(CodeSchema, loc+"/Retry", "The value for the field 'Retry' must be an ARRAY")
		return nil
	}
	var out []*retrier
	for i, rv := range arr {
		rloc := fmt.Sprintf("%s/Retry[%d]", loc, i)
		robj, ok := value.AsMap(rv)
		if !ok {
			p.add(CodeSchema, rloc, "Each retrier must be an OBJECT")
			continue
		}
		p.checkFields(robj, rloc, set("ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy", "Comment"))
		r := &retrier{interval: 1, maxAttempts: 3, backoffRate: 2}
		r.errorEquals = p.errorEquals(robj, rloc, i == len(arr)-1)
		if v, ok := robj["IntervalSeconds"]; ok {
			n, ok := intValue(v)
			if !ok || n < 1 || n > maxIntervalSeconds {
				p.add(CodeSchema, rloc+"/IntervalSeconds", "The value for the field 'IntervalSeconds' must be a positive INTEGER")
			} else {
				r.interval = float64(n)
			}
		}
		if v, ok := robj["MaxAttempts"]; ok {
			n, ok := intValue(v)
			if !ok || n < 0 || n > maxIntervalSeconds {
				p.add(CodeSchema, rloc+"/MaxAttempts", "The value for the field 'MaxAttempts' must be a non-negative INTEGER")
			} else {
				r.maxAttempts = n
			}
		}
		if v, ok := robj["BackoffRate"]; ok {
			f, ok := floatValue(v)
			if !ok || f < 1 {
				p.add(CodeSchema, rloc+"/BackoffRate", "The value for the field 'BackoffRate' must be a NUMBER greater than or equal to 1.0")
			} else {
				r.backoffRate = f
			}
		}
		if v, ok := robj["MaxDelaySeconds"]; ok {
			n, ok := intValue(v)
			if !ok || n < 1 || n > maxMaxDelaySeconds {
				p.add(CodeSchema, rloc+"/MaxDelaySeconds", "The value for the field 'MaxDelaySeconds' must be an INTEGER between 1 and %d", maxMaxDelaySeconds)
			} else {
				r.maxDelay, r.hasMaxDelay = float64(n), true
			}
		}
		if v, ok := robj["JitterStrategy"]; ok {
			switch v {
			case "FULL":
				r.jitterFull = true
			case "NONE":
			default:
				p.add(CodeSchema, rloc+"/JitterStrategy", "The value for the field 'JitterStrategy' must be one of [FULL, NONE]")
			}
		}
		out = append(out, r)
	}
	return out
}

func (p *parser) catchers(obj map[string]any, loc, stateName string, jsonata bool) []*catcher {
	v, ok := obj["Catch"]
	if !ok {
		return nil
	}
	arr, ok := v.([]any)
	if !ok {
		p.add(CodeSchema, loc+"/Catch", "The value for the field 'Catch' must be an ARRAY")
		return nil
	}
	var out []*catcher
	for i, cv := range arr {
		cloc := fmt.Sprintf("%s/Catch[%d]", loc, i)
		cobj, ok := value.AsMap(cv)
		if !ok {
			p.add(CodeSchema, cloc, "Each catcher must be an OBJECT")
			continue
		}
		p.checkFields(cobj, cloc, set("ErrorEquals", "Next", "ResultPath", "Comment", "Assign", "Output"))
		c := &catcher{errorEquals: p.errorEquals(cobj, cloc, i == len(arr)-1)}
		n, ok := cobj["Next"].(string)
		if !ok || n == "" {
			p.add(CodeSchema, cloc, "These fields are required: [Next]")
		}
		c.next = n
		if !jsonata {
			if _, ok := cobj["Output"]; ok {
				p.add(CodeSchema, cloc, "The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' QueryLanguage")
			}
			c.resPath = p.resultPath(cobj, "ResultPath", cloc)
			c.assign = p.template(cobj, "Assign", cloc, stateName)
		} else {
			if _, ok := cobj["ResultPath"]; ok {
				p.add(CodeSchema, cloc, "The QueryLanguage is set to 'JSONata', but field 'ResultPath' is only supported for the 'JSONPath' QueryLanguage")
			}
			c.jOutput = p.jfield(cobj, "Output", cloc, false, true)
			c.jAssign = p.jassign(cobj, cloc, false, true)
		}
		out = append(out, c)
	}
	return out
}

func (p *parser) errorEquals(obj map[string]any, loc string, last bool) []string {
	v, ok := obj["ErrorEquals"]
	if !ok {
		p.add(CodeSchema, loc, "These fields are required: [ErrorEquals]")
		return nil
	}
	arr, ok := v.([]any)
	if !ok || len(arr) == 0 {
		p.add(CodeSchema, loc+"/ErrorEquals", "The value for the field 'ErrorEquals' must be a non-empty ARRAY of STRING")
		return nil
	}
	out := make([]string, 0, len(arr))
	for _, e := range arr {
		s, ok := e.(string)
		if !ok {
			p.add(CodeSchema, loc+"/ErrorEquals", "The value for the field 'ErrorEquals' must be a non-empty ARRAY of STRING")
			continue
		}
		if s == errAll {
			if len(arr) != 1 {
				p.add(CodeSchema, loc+"/ErrorEquals", "States.ALL must appear alone in 'ErrorEquals'")
			} else if !last {
				p.add(CodeSchema, loc+"/ErrorEquals", "States.ALL must appear in the last retrier or catcher")
			}
		}
		out = append(out, s)
	}
	return out
}
