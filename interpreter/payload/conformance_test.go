package payload_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/sfnlocal/sfnlocal/internal/value"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/interpreter/payload"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
	"github.com/sfnlocal/sfnlocal/jsonpath"
)

// casesDir is the shared conformance corpus recorded against AWS (see its README.md).
var casesDir = filepath.Join("..", "..", "..", "shared", "conformance", "cases")

// knownFailures lists case files this package cannot pass on its own, each with the reason.
var knownFailures = map[string]string{
	"error_handling_test_states_errors_TestStatesErrors.test_start_large_input.json": "the 256 KiB input limit (States.DataLimitExceeded) is enforced by the interpreter, not by templates",
}

// conformanceCase is the subset of a case file the pass-chain runner reads.
type conformanceCase struct {
	file         string
	category     string
	definition   map[string]any
	input        any
	smName       string
	smRoleArn    string
	syncExpress  bool
	execName     string
	execArn      string
	status       string
	output       any
	hasOutput    bool
	errName      string
	cause        string
	replacements [][2]string
	wildcards    map[string]bool
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

func obj(m map[string]any, k string) map[string]any {
	o, _ := value.AsMap(m[k])
	return o
}

// loadPassChainCases returns every case whose definition holds only Pass, Succeed and Fail
// states in JSONPath mode: the cases that this package, plus a few lines of
// state plumbing, can run exactly as AWS did. JSONPath Assign is included: in a Pass state
// its $ is the state's result, and the values become visible from the next state on.
func loadPassChainCases(t *testing.T) []*conformanceCase {
	files, err := filepath.Glob(filepath.Join(casesDir, "*", "*.json"))
	require.NoError(t, err)
	if len(files) == 0 {
		t.Skipf("conformance corpus not found under %s", casesDir)
	}
	var out []*conformanceCase
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		raw, err := task.Decode(data)
		require.NoError(t, err, f)
		m, _ := value.AsMap(raw)
		def := obj(m, "definition")
		states := obj(def, "States")
		if states == nil {
			continue
		}
		simple := true
		for _, s := range states {
			st, _ := value.AsMap(s)
			switch str(st, "Type") {
			case "Pass", "Succeed", "Fail":
			default:
				simple = false
			}
			if _, ok := st["QueryLanguage"]; ok {
				simple = false
			}
		}
		if _, ok := def["QueryLanguage"]; ok || !simple {
			continue
		}
		c := &conformanceCase{file: f, category: filepath.Base(filepath.Dir(f)), definition: def,
			wildcards: map[string]bool{}}
		if in, ok := m["input"].(string); ok {
			c.input, err = task.Decode([]byte(in))
			require.NoError(t, err, f)
		} else {
			c.input = value.NewObject(0)
		}
		sm := obj(m, "state_machine")
		c.smName, c.smRoleArn = str(sm, "name"), str(sm, "role_arn")
		ex := obj(m, "execution")
		c.execName, c.execArn = str(ex, "name"), str(ex, "arn")
		c.syncExpress = str(ex, "api") == "StartSyncExecution"
		exp := obj(m, "expected")
		c.status, c.errName, c.cause = str(exp, "status"), str(exp, "error"), str(exp, "cause")
		c.output, c.hasOutput = exp["output"]
		norm := obj(m, "normalization")
		if rs, ok := norm["literal_regex_replacements"].([]any); ok {
			for _, r := range rs {
				rm, _ := value.AsMap(r)
				c.replacements = append(c.replacements, [2]string{str(rm, "regex"), str(rm, "replacement")})
			}
		}
		if ts, ok := norm["test_registered_transformers"].([]any); ok {
			for _, tr := range ts {
				tm, _ := value.AsMap(tr)
				// jsonpath transformers replace a value wherever it is; regex transformers over a
				// harness fake ("<fake:...>") stand for a generated value (a UUID).
				if str(tm, "type") == "jsonpath" || strings.HasPrefix(str(tm, "regex"), "<fake:") {
					c.wildcards[str(tm, "replacement")] = true
				}
			}
		}
		out = append(out, c)
	}
	return out
}

// runFailure is a state failure: Name/Cause as AWS reports them, runtime marks States.Runtime
// failures whose cause gets the "An error occurred while executing the state" prefix.
type runFailure struct {
	name, cause string
	runtime     bool
}

// run executes the Pass/Succeed/Fail chain: InputPath → Parameters/Result → ResultPath →
// OutputPath per state.
func (c *conformanceCase) run() (any, *runFailure, error) {
	states := obj(c.definition, "States")
	name := str(c.definition, "StartAt")
	doc := c.input
	execution := map[string]any{
		"Id": c.execArn, "Input": c.input, "Name": c.execName, "RoleArn": c.smRoleArn,
		"StartTime": "2026-01-01T00:00:00.000Z", "RedriveCount": json.Number("0"),
	}
	if c.syncExpress {
		delete(execution, "RedriveCount") // AWS gives StartSyncExecution executions no RedriveCount
	}
	stateMachine := map[string]any{
		"Id":   "arn:aws:states:us-east-1:111111111111:stateMachine:" + c.smName,
		"Name": c.smName,
	}
	vars := map[string]any{}
	lookup := func(name string) (any, bool) {
		v, ok := vars[name]
		return v, ok
	}
	for step := 0; step < 100; step++ {
		st := obj(states, name)
		if st == nil {
			return nil, nil, fmt.Errorf("no state %q", name)
		}
		eventID := 2 + 2*step
		ctx := value.FromPlain(map[string]any{
			"Execution":    execution,
			"StateMachine": stateMachine,
			"State":        map[string]any{"Name": name, "EnteredTime": "2026-01-01T00:00:00.000Z"},
		})
		prefix := fmt.Sprintf("An error occurred while executing the state '%s' (entered at the event id #%d). ", name, eventID)
		runtime := func(err error) *runFailure {
			var f *task.Failure
			if errors.As(err, &f) {
				return &runFailure{name: f.Name, cause: prefix + f.Cause, runtime: true}
			}
			return &runFailure{name: "States.Runtime", cause: prefix + err.Error(), runtime: true}
		}
		typ := str(st, "Type")
		if typ == "Fail" {
			errName, cause := str(st, "Error"), str(st, "Cause")
			for _, fp := range []struct {
				field string
				dst   *string
			}{{"ErrorPath", &errName}, {"CausePath", &cause}} {
				expr, ok := st[fp.field].(string)
				if !ok {
					continue
				}
				e, err := payload.CompileExpr(fp.field, expr)
				if err != nil {
					return nil, nil, err
				}
				v, err := e.Eval(payload.Env{Input: doc, Context: ctx, Variables: lookup})
				if err != nil {
					return nil, runtime(err), nil
				}
				s, ok := v.(string)
				if !ok {
					return nil, nil, fmt.Errorf("%s is not a string", fp.field)
				}
				*fp.dst = s
			}
			return nil, &runFailure{name: errName, cause: cause}, nil
		}
		raw := doc
		effective, err := applyPath(st, "InputPath", raw, ctx)
		if err != nil {
			return nil, runtime(err), nil
		}
		result := effective
		if typ == "Pass" {
			if params, ok := st["Parameters"]; ok {
				tmpl, err := payload.Compile(params)
				if err != nil {
					return nil, nil, err
				}
				result, err = tmpl.Eval(payload.Env{Input: effective, Context: ctx, Variables: lookup})
				if err != nil {
					return nil, runtime(err), nil
				}
			} else if r, ok := st["Result"]; ok {
				result = r
			}
			if a, ok := st["Assign"]; ok {
				tmpl, err := payload.Compile(a)
				if err != nil {
					return nil, nil, err
				}
				assigned, err := tmpl.Eval(payload.Env{Input: result, Context: ctx, Variables: lookup})
				if err != nil {
					return nil, runtime(err), nil
				}
				next := make(map[string]any, len(vars))
				for k, v := range vars {
					next[k] = v
				}
				am, _ := value.AsMap(assigned)
				for k, v := range am {
					next[k] = v
				}
				vars = next
			}
			if rp, present := st["ResultPath"]; !present {
				doc = result
			} else if rp == nil {
				doc = raw
			} else {
				p, err := jsonpath.ParseReference(rp.(string))
				if err != nil {
					return nil, nil, err
				}
				doc, err = p.Set(raw, result)
				if err != nil {
					return nil, &runFailure{name: "States.ResultPathMatchFailure", cause: err.Error()}, nil
				}
			}
		} else {
			doc = effective
		}
		doc, err = applyPath(st, "OutputPath", doc, ctx)
		if err != nil {
			return nil, runtime(err), nil
		}
		if typ == "Succeed" || st["End"] == true {
			return doc, nil, nil
		}
		name = str(st, "Next")
	}
	return nil, nil, errors.New("too many steps")
}

// applyPath applies InputPath or OutputPath: absent means $, null means {}.
func applyPath(st map[string]any, field string, doc, ctx any) (any, error) {
	v, present := st[field]
	if !present {
		return doc, nil
	}
	if v == nil {
		return value.NewObject(0), nil
	}
	p, err := jsonpath.Parse(v.(string))
	if err != nil {
		return nil, err
	}
	if p.Root() == jsonpath.RootContext {
		return p.Select(ctx)
	}
	return p.Select(doc)
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

var uuidPlaceholder = regexp.MustCompile(`^<uuid:\d+>$`)

var jsonInCause = regexp.MustCompile(`'[\[{].*[\]}]'`)

// normalize applies the case's literal replacements and the snapshot library's defaults.
func (c *conformanceCase) normalize(s string) string {
	for _, r := range c.replacements {
		re, err := regexp.Compile(r[0])
		if err != nil {
			continue
		}
		s = re.ReplaceAllLiteralString(s, r[1])
	}
	s = strings.ReplaceAll(s, "arn:aws:", "arn:<partition>:")
	return strings.ReplaceAll(s, "us-east-1", "<region>")
}

// matchJSON compares got with want; strings in want that are placeholders match anything.
func (c *conformanceCase) matchJSON(want, got any, at string) error {
	if s, ok := want.(string); ok && (c.wildcards[s] || s == "date" || s == "timestamp" || uuidPlaceholder.MatchString(s)) {
		if (s == "generated-uuid" || uuidPlaceholder.MatchString(s)) && !uuidV4.MatchString(fmt.Sprint(got)) {
			return fmt.Errorf("%s: want a v4 UUID, got %v", at, got)
		}
		return nil
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(w) {
			return fmt.Errorf("%s: want %v, got %v", at, want, got)
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				return fmt.Errorf("%s: missing key %q", at, k)
			}
			if err := c.matchJSON(wv, gv, at+"/"+k); err != nil {
				return err
			}
		}
		return nil
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Errorf("%s: want %v, got %v", at, want, got)
		}
		for i := range w {
			if err := c.matchJSON(w[i], g[i], fmt.Sprintf("%s/%d", at, i)); err != nil {
				return err
			}
		}
		return nil
	case json.Number:
		g, ok := got.(json.Number)
		if !ok || g != w {
			return fmt.Errorf("%s: want number %v, got %#v", at, w, got)
		}
		return nil
	}
	if want != got {
		return fmt.Errorf("%s: want %#v, got %#v", at, want, got)
	}
	return nil
}

func (c *conformanceCase) check() error {
	out, failure, err := c.run()
	if err != nil {
		return fmt.Errorf("runner: %w", err)
	}
	if c.status == "FAILED" {
		if failure == nil {
			return fmt.Errorf("want FAILED %s, got SUCCEEDED", c.errName)
		}
		if failure.name != c.errName {
			return fmt.Errorf("want error %q, got %q (%s)", c.errName, failure.name, failure.cause)
		}
		got := c.normalize(failure.cause)
		if strings.Contains(c.cause, "<json-input:") {
			got = jsonInCause.ReplaceAllLiteralString(got, "'<json-input:1>'")
		}
		if got != c.cause {
			return fmt.Errorf("cause\nwant %q\ngot  %q", c.cause, got)
		}
		return nil
	}
	if failure != nil {
		return fmt.Errorf("want %s, got failure %s: %s", c.status, failure.name, failure.cause)
	}
	if !c.hasOutput {
		return nil
	}
	text, err := task.Encode(out)
	if err != nil {
		return err
	}
	got, err := task.Decode([]byte(c.normalize(string(text))))
	if err != nil {
		return err
	}
	return c.matchJSON(value.ToPlain(c.output), value.ToPlain(got), "")
}

// TestConformancePassChains runs every Pass/Succeed/Fail-only case of the recorded AWS corpus
// through InputPath → Parameters → ResultPath → OutputPath and compares output, error and
// cause. The intrinsic category is the proof for the intrinsic functions.
func TestConformancePassChains(t *testing.T) {
	t.Parallel()
	cases := loadPassChainCases(t)
	passed := map[string]int{}
	total := map[string]int{}
	var failedNames []string
	for _, c := range cases {
		name := c.category + "/" + strings.TrimSuffix(filepath.Base(c.file), ".json")
		total[c.category]++
		t.Run(name, func(t *testing.T) {
			err := c.check()
			if reason, known := knownFailures[filepath.Base(c.file)]; known {
				require.Error(t, err, "listed as a known failure (%s) but passes; remove it", reason)
				t.Skip(reason)
			}
			if err != nil {
				failedNames = append(failedNames, name)
				t.Fatal(err)
			}
			passed[c.category]++
		})
	}
	all, allPassed := 0, 0
	cats := make([]string, 0, len(total))
	for k := range total {
		cats = append(cats, k)
		all += total[k]
		allPassed += passed[k]
	}
	sort.Strings(cats)
	t.Logf("intrinsic vectors: %d/%d passed", passed["intrinsic"], total["intrinsic"])
	fmt.Printf("intrinsic vectors: %d/%d passed\n", passed["intrinsic"], total["intrinsic"])
	for _, k := range cats {
		t.Logf("  %-16s %d/%d", k, passed[k], total[k])
	}
	fmt.Printf("pass-chain vectors (all categories): %d/%d passed, %d known failures\n", allPassed, all, len(knownFailures))
	require.Empty(t, failedNames)
	require.Positive(t, total["intrinsic"])
}
