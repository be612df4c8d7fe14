// Package conformance runs the executions recorded against real AWS Step Functions
// (../shared/conformance, see its README) through sfnlocal and compares the results.
//
// This file holds the loading and comparison helpers, exported so that other test suites (the
// API server's end-to-end tests) can check their own results against the same recordings with
// the same rules: the case's literal regex replacements applied to our serialized result,
// placeholders in the expectation (<...>, 'date', 'timestamp' and the transformers'
// replacement strings) treated as wildcards, strings holding JSON objects parsed, and the
// branch events of Parallel states compared as a multiset when the recording sorted them.
//
// The suites: TestConformance runs the tier "pure" cases (JSONPath and JSONata) in instant
// time, TestConformanceScaled the same on a scaled clock, TestReplayIntegrations replays the
// recorded integration results of the Lambda and other-services cases, and
// TestConformanceLambda runs the tier "lambda" cases end to end against services/lambda's
// python executor (it needs python3).
package conformance

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
)

// Case is one recorded execution (the fields the comparison needs).
type Case struct {
	Name         string `json:"name"`
	File         string `json:"-"`
	Category     string `json:"dir_category"`
	Tier         string `json:"tier"`
	SelfContain  bool   `json:"self_contained"`
	StateMachine struct {
		Name    string `json:"name"`
		Type    string `json:"type"`
		RoleArn string `json:"role_arn"`
	} `json:"state_machine"`
	Execution struct {
		API  string `json:"api"`
		Name string `json:"name"`
		Arn  string `json:"arn"`
	} `json:"execution"`
	Definition json.RawMessage `json:"definition"`
	Input      *string         `json:"input"`
	Expected   struct {
		Status         string `json:"status"`
		Output         any    `json:"output"`
		Error          any    `json:"error"`
		Cause          any    `json:"cause"`
		Source         string `json:"source"`
		OutputEncoding string `json:"output_encoding_in_snapshot"`
		CauseEncoding  string `json:"cause_encoding_in_snapshot"`
	} `json:"expected"`
	// LambdaFunctions are the functions the recording's test created (tier lambda).
	LambdaFunctions []struct {
		Name        string `json:"name"`
		Runtime     string `json:"runtime"`
		Handler     string `json:"handler"`
		HandlerFile string `json:"handler_file"`
	} `json:"lambda_functions"`
	HistoryEvents        []map[string]any `json:"history_events"`
	ParallelEventsSorted bool             `json:"history_parallel_branch_events_sorted"`
	Normalization        struct {
		Transformers []struct {
			Replacement string `json:"replacement"`
		} `json:"test_registered_transformers"`
		Literal []struct {
			Regex       string `json:"regex"`
			Replacement string `json:"replacement"`
		} `json:"literal_regex_replacements"`
	} `json:"normalization"`
}

// IsJSONata reports whether the case's definition uses JSONata anywhere.
func (c *Case) IsJSONata() bool {
	return strings.Contains(string(c.Definition), `"JSONata"`)
}

// InputText is the execution input as given to StartExecution ("" when none was given).
func (c *Case) InputText() string {
	if c.Input == nil {
		return ""
	}
	return *c.Input
}

// StateMachineArn is the ARN the recording's state machine had.
func (c *Case) StateMachineArn() string {
	return "arn:aws:states:us-east-1:111111111111:stateMachine:" + c.StateMachine.Name
}

// Dir locates the recorded cases: $SFNLOCAL_CONFORMANCE_DIR, else ../shared/conformance
// relative to the repository root (found from the working directory upwards).
func Dir(getenv func(string) string) (string, bool) {
	if d := getenv("SFNLOCAL_CONFORMANCE_DIR"); d != "" {
		if st, err := os.Stat(filepath.Join(d, "cases")); err == nil && st.IsDir() {
			return d, true
		}
		return d, false
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			d := filepath.Join(dir, "..", "shared", "conformance")
			if st, err := os.Stat(filepath.Join(d, "cases")); err == nil && st.IsDir() {
				return d, true
			}
			return d, false
		}
		if filepath.Dir(dir) == dir {
			return "", false
		}
	}
}

// LoadCases reads every cases/<category>/*.json file under dir, sorted by file name.
func LoadCases(dir string) ([]*Case, error) {
	files, err := filepath.Glob(filepath.Join(dir, "cases", "*", "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	out := make([]*Case, 0, len(files))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		c := &Case{}
		if err := json.Unmarshal(data, c); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		c.File = f
		out = append(out, c)
	}
	return out, nil
}

// Result is what an emulator produced for a case.
type Result struct {
	Status    string
	Output    string
	HasOutput bool
	Error     string
	HasError  bool
	Cause     string
	HasCause  bool
	// Events are the history events as GetExecutionHistory returns them.
	Events []json.RawMessage
}

// Comparer compares results with one case's expectation.
type Comparer struct {
	c            *Case
	replacements []replacement
	wildcards    []string
}

type replacement struct {
	re   *regexp.Regexp
	with string
}

// NewComparer prepares the case's normalization rules.
func NewComparer(c *Case) *Comparer {
	c = mapRunLinkedToStart(c)
	cmp := &Comparer{c: c}
	for _, t := range c.Normalization.Transformers {
		if t.Replacement != "" {
			cmp.wildcards = append(cmp.wildcards, t.Replacement)
		}
	}
	for _, r := range c.Normalization.Literal {
		re, err := regexp.Compile(r.Regex)
		if err != nil {
			continue // a Python-only regex: its replacement still acts as a wildcard
		}
		cmp.replacements = append(cmp.replacements, replacement{re: re, with: r.Replacement})
		cmp.wildcards = append(cmp.wildcards, r.Replacement)
	}
	return cmp
}

var placeholderRe = regexp.MustCompile(`<[^<>"]+>`)

// isoRe matches ISO-8601 timestamps with a zone, which the snapshot library replaces by 'date'.
var isoRe = regexp.MustCompile(`\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]\d{2}:?\d{2})`)

// normalizeText applies the case's replacements to serialized JSON.
func (cmp *Comparer) normalizeText(s string) string {
	for _, r := range cmp.replacements {
		s = r.re.ReplaceAllLiteralString(s, r.with)
	}
	return isoRe.ReplaceAllLiteralString(s, "date")
}

// normalizeValue round-trips v through JSON text with the replacements applied, and parses
// strings that hold JSON objects, as the snapshot library does.
func (cmp *Comparer) normalizeValue(v any) (any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	if err := json.Unmarshal([]byte(cmp.normalizeText(string(data))), &out); err != nil {
		return nil, err
	}
	return parseObjectStrings(out), nil
}

func parseObjectStrings(v any) any {
	switch v := v.(type) {
	case string:
		if strings.HasPrefix(v, "{") {
			var obj map[string]any
			if err := json.Unmarshal([]byte(v), &obj); err == nil {
				return parseObjectStrings(obj)
			}
		}
		return v
	case map[string]any:
		for k, c := range v {
			v[k] = parseObjectStrings(c)
		}
		return v
	case []any:
		for i, c := range v {
			v[i] = parseObjectStrings(c)
		}
		return v
	}
	return v
}

// Match reports whether actual matches expected, treating placeholders in expected as
// wildcards; path names the first difference otherwise.
func (cmp *Comparer) Match(expected, actual any) (bool, string) {
	return cmp.match(expected, actual, "$")
}

func (cmp *Comparer) isWildcard(s string) bool {
	if s == "date" || s == "timestamp" || s == "datetime" {
		return true
	}
	if placeholderRe.MatchString(s) {
		// Placeholders may nest ("<<task_token>:1>"): strip them innermost first.
		rest := s
		for placeholderRe.MatchString(rest) {
			rest = placeholderRe.ReplaceAllString(rest, "")
		}
		if rest == "" {
			return true
		}
	}
	for _, w := range cmp.wildcards {
		if s == w {
			return true
		}
	}
	return false
}

// stringPattern turns an expected string into a regexp in which every placeholder, and
// every transformer replacement word (e.g. "activity_arn"), matches any text.
func (cmp *Comparer) stringPattern(s string) *regexp.Regexp {
	tokens := placeholderRe.FindAllStringIndex(s, -1)
	for _, w := range cmp.wildcards {
		if len(w) < 4 || placeholderRe.MatchString(w) {
			continue
		}
		for _, t := range regexp.MustCompile(regexp.QuoteMeta(w)).FindAllStringIndex(s, -1) {
			overlaps := false
			for _, u := range tokens {
				if t[0] < u[1] && u[0] < t[1] {
					overlaps = true
				}
			}
			if !overlaps {
				tokens = append(tokens, t)
			}
		}
	}
	sort.Slice(tokens, func(i, j int) bool { return tokens[i][0] < tokens[j][0] })
	var b strings.Builder
	b.WriteString("^(?s)")
	last := 0
	for _, t := range tokens {
		b.WriteString(regexp.QuoteMeta(s[last:t[0]]))
		b.WriteString(".*")
		last = t[1]
	}
	b.WriteString(regexp.QuoteMeta(s[last:]))
	b.WriteString("$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil
	}
	return re
}

func (cmp *Comparer) match(expected, actual any, path string) (bool, string) {
	switch e := expected.(type) {
	case string:
		if cmp.isWildcard(e) || sdkMetadataPlaceholder(path, e) {
			return true, ""
		}
		a, ok := actual.(string)
		if a == e && ok {
			return true, ""
		}
		// JSON text on one side and its value (or other JSON text) on the other: the
		// snapshot library parsed some strings and re-serialized others.
		if ev, err := jsonText(e); err == nil {
			av := actual
			if ok {
				if v, err := jsonText(a); err == nil {
					av = v
				}
			}
			if _, isStr := ev.(string); !isStr || !ok {
				if m, _ := cmp.match(ev, av, path); m {
					return true, ""
				}
			}
		}
		if !ok {
			return false, fmt.Sprintf("%s: want %q, got %s", path, e, short(actual))
		}
		if re := cmp.stringPattern(e); re != nil && re.MatchString(a) {
			return true, ""
		}
		if placeholderRe.MatchString(e) {
			// Both sides normalized away: ours by one of the case's replacements, theirs
			// by a placeholder.
			if cmp.isWildcard(a) {
				return true, ""
			}
		}
		return false, fmt.Sprintf("%s: want %q, got %q", path, e, a)
	case map[string]any:
		if s, isStr := actual.(string); isStr {
			if v, err := jsonText(s); err == nil {
				actual = v
			}
		}
		a, ok := actual.(map[string]any)
		if !ok {
			return false, fmt.Sprintf("%s: want object, got %s", path, short(actual))
		}
		for k, ev := range e {
			if strings.EqualFold(k, "timestamp") {
				continue
			}
			av, ok := a[k]
			if !ok {
				return false, fmt.Sprintf("%s: missing key %q", path, k)
			}
			if ok, why := cmp.match(ev, av, path+"."+k); !ok {
				return false, why
			}
		}
		for k := range a {
			if _, ok := e[k]; !ok && !strings.EqualFold(k, "timestamp") {
				return false, fmt.Sprintf("%s: unexpected key %q", path, k)
			}
		}
		return true, ""
	case []any:
		if s, isStr := actual.(string); isStr {
			if v, err := jsonText(s); err == nil {
				actual = v
			}
		}
		a, ok := actual.([]any)
		if !ok || len(a) != len(e) {
			return false, fmt.Sprintf("%s: want array of %d, got %s", path, len(e), short(actual))
		}
		for i := range e {
			if ok, why := cmp.match(e[i], a[i], fmt.Sprintf("%s[%d]", path, i)); !ok {
				return false, why
			}
		}
		return true, ""
	}
	if reflect.DeepEqual(expected, actual) {
		return true, ""
	}
	if s, ok := actual.(string); ok {
		var v any
		if err := json.Unmarshal([]byte(s), &v); err == nil && reflect.DeepEqual(expected, v) {
			return true, ""
		}
	}
	return false, fmt.Sprintf("%s: want %s, got %s", path, short(expected), short(actual))
}

// jsonText parses s when it is JSON text of an object, array or string.
func jsonText(s string) (any, error) {
	t := strings.TrimSpace(s)
	if t == "" || (t[0] != '{' && t[0] != '[' && t[0] != '"') {
		return nil, fmt.Errorf("not JSON text")
	}
	var v any
	if err := json.Unmarshal([]byte(t), &v); err != nil {
		return nil, err
	}
	return v, nil
}

func short(v any) string {
	data, _ := json.Marshal(v)
	if len(data) > 300 {
		return string(data[:300]) + "..."
	}
	return string(data)
}

// expectedValue turns an expected output/cause back into the value to compare: JSON text kept
// by the snapshot ("json_text") is already decoded by the extractor.
func decodeResultText(s string) any {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return s
	}
	return v
}

// Compare checks a result against the case; it returns nil when they match.
func (cmp *Comparer) Compare(r *Result) error {
	c := cmp.c
	if r.Status != c.Expected.Status {
		return fmt.Errorf("status: want %s, got %s (error %q, cause %q)", c.Expected.Status, r.Status, r.Error, r.Cause)
	}
	if c.Expected.Output != nil || c.Expected.OutputEncoding != "" {
		var got any = nil
		if r.HasOutput {
			text := cmp.normalizeText(r.Output)
			if c.Expected.OutputEncoding == "raw_string_not_json" {
				got = text
			} else {
				got = parseObjectStrings(decodeResultText(text))
			}
		}
		if ok, why := cmp.match(c.Expected.Output, got, "output"); !ok {
			return fmt.Errorf("output: %s", why)
		}
	}
	if c.Expected.Error != nil {
		got, _ := cmp.normalizeValue(r.Error)
		if ok, why := cmp.match(c.Expected.Error, got, "error"); !ok {
			return fmt.Errorf("error: %s", why)
		}
	}
	if c.Expected.Cause != nil {
		got, _ := cmp.normalizeValue(r.Cause)
		if ok, why := cmp.match(c.Expected.Cause, got, "cause"); !ok {
			return fmt.Errorf("cause: %s", why)
		}
	}
	if c.HistoryEvents == nil {
		return nil
	}
	return cmp.compareHistory(r.Events)
}

func (cmp *Comparer) compareHistory(raw []json.RawMessage) error {
	want := make([]any, len(cmp.c.HistoryEvents))
	for i, e := range cmp.c.HistoryEvents {
		want[i] = e
	}
	var got []any
	hasParallelSucceeded, hasParallelFailed := false, false
	recordedIDs := map[string]bool{}
	for _, e := range cmp.c.HistoryEvents {
		switch e["type"] {
		case "ParallelStateSucceeded":
			hasParallelSucceeded = true
		case "ParallelStateFailed":
			hasParallelFailed = true
		}
		recordedIDs[fmt.Sprint(e["id"])] = true
	}
	for _, r := range raw {
		var ev map[string]any
		if err := json.Unmarshal([]byte(cmp.normalizeText(string(r))), &ev); err != nil {
			return fmt.Errorf("history: %w", err)
		}
		if ev["type"] == "ParallelStateSucceeded" && !hasParallelSucceeded {
			continue
		}
		// A recording whose Parallel branch events were sorted (the snapshot transformer)
		// can lose the ParallelStateFailed event that ends them: its id is then missing
		// from the recording, though the next event points at it.
		if ev["type"] == "ParallelStateFailed" && !hasParallelFailed && cmp.c.ParallelEventsSorted && !recordedIDs[fmt.Sprint(ev["id"])] {
			continue
		}
		delete(ev, "timestamp")
		got = append(got, parseObjectStrings(ev))
	}
	if !cmp.c.ParallelEventsSorted {
		if len(want) != len(got) {
			return fmt.Errorf("history: want %d events %s, got %d %s", len(want), eventTypes(want), len(got), eventTypes(got))
		}
		for i := range want {
			if ok, why := cmp.match(want[i], got[i], fmt.Sprintf("history[%d]", i)); !ok {
				return fmt.Errorf("history: %s", why)
			}
		}
		return nil
	}
	ws, gs := branchSegments(want), branchSegments(got)
	if len(ws) != len(gs) {
		return fmt.Errorf("history: want %d events %s, got %d %s", len(want), eventTypes(want), len(got), eventTypes(got))
	}
	for i := range ws {
		if len(ws[i].evs) != len(gs[i].evs) || ws[i].multi != gs[i].multi {
			return fmt.Errorf("history: want %d events %s, got %d %s", len(want), eventTypes(want), len(got), eventTypes(got))
		}
		if !ws[i].multi {
			if ok, why := cmp.match(ws[i].evs[0], gs[i].evs[0], fmt.Sprintf("history[%d]", i)); !ok {
				return fmt.Errorf("history: %s", why)
			}
			continue
		}
		// A sorted Parallel segment: match as a multiset, ignoring ids.
		used := make([]bool, len(gs[i].evs))
		for _, w := range ws[i].evs {
			found := false
			for j, g := range gs[i].evs {
				if !used[j] {
					if ok, _ := cmp.match(w, g, "history"); ok {
						used[j], found = true, true
						break
					}
				}
			}
			if !found {
				return fmt.Errorf("history: no event matches %s among the Parallel branch events %s", short(w), short(gs[i].evs))
			}
		}
	}
	return nil
}

type segment struct {
	evs   []any
	multi bool
}

// branchSegments splits events into single events and the runs of Parallel branch events
// (between ParallelStateStarted and the Parallel state's end), with ids zeroed in the runs.
func branchSegments(evs []any) []segment {
	var out []segment
	for i := 0; i < len(evs); i++ {
		out = append(out, segment{evs: []any{evs[i]}})
		m, _ := evs[i].(map[string]any)
		if m == nil || m["type"] != "ParallelStateStarted" {
			continue
		}
		seg := []any{}
		j := i + 1
		for ; j < len(evs); j++ {
			t, _ := evs[j].(map[string]any)["type"].(string)
			if t == "ParallelStateSucceeded" || t == "ParallelStateFailed" || t == "ParallelStateAborted" || t == "ParallelStateExited" {
				break
			}
			e := map[string]any{}
			for k, v := range evs[j].(map[string]any) {
				e[k] = v
			}
			delete(e, "id")
			delete(e, "previousEventId")
			seg = append(seg, e)
		}
		if len(seg) > 0 {
			out = append(out, segment{evs: seg, multi: true})
		}
		i = j - 1
	}
	return out
}

func eventTypes(evs []any) string {
	var b strings.Builder
	for i, e := range evs {
		if i > 0 {
			b.WriteString(" ")
		}
		if m, ok := e.(map[string]any); ok {
			fmt.Fprint(&b, m["type"])
		}
	}
	return b.String()
}

// sdkMetadataPlaceholders are the keys the snapshot fixture's stepfunctions_api()
// transformers replace by their own name wherever they appear (request ids, trace ids and
// checksums of the SDK response metadata a lambda:invoke result carries).
var sdkMetadataPlaceholders = map[string]bool{"x-amzn-RequestId": true, "X-Amzn-Trace-Id": true, "x-amz-crc32": true, "RequestId": true}

// sdkMetadataPlaceholder reports whether want is the placeholder of the key that ends path.
func sdkMetadataPlaceholder(path, want string) bool {
	key := path[strings.LastIndexByte(path, '.')+1:]
	return key == want && sdkMetadataPlaceholders[key]
}

// mapRunLinkedToStart returns the case with the recorded MapStateExited of a Map Run linked
// to MapRunStarted. Until late 2024 AWS linked it to MapRunSucceeded; every recording since
// (e.g. test_map_state_nested_config_distributed, Dec 2024) links it to MapRunStarted, as
// sfnlocal does. Nothing else of the recording changes.
func mapRunLinkedToStart(c *Case) *Case {
	if !strings.Contains(string(c.Definition), "DISTRIBUTED") || c.HistoryEvents == nil {
		return c
	}
	types := map[float64]string{}
	for _, e := range c.HistoryEvents {
		if id, ok := e["id"].(float64); ok {
			types[id], _ = e["type"].(string)
		}
	}
	var started float64
	out := *c
	out.HistoryEvents = make([]map[string]any, len(c.HistoryEvents))
	for i, e := range c.HistoryEvents {
		out.HistoryEvents[i] = e
		switch e["type"] {
		case "MapRunStarted":
			started, _ = e["id"].(float64)
		case "MapStateExited":
			if prev, ok := e["previousEventId"].(float64); ok && types[prev] == "MapRunSucceeded" && started > 0 {
				cp := make(map[string]any, len(e))
				for k, v := range e {
					cp[k] = v
				}
				cp["previousEventId"] = started
				out.HistoryEvents[i] = cp
			}
		}
	}
	return &out
}
