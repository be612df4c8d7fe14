package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// The AWS-recorded cases of tier "lambda" (../shared/conformance): every Lambda Task they
// record (TaskScheduled/LambdaFunctionScheduled and its outcome event) is replayed through
// Integration with the case's real Python handlers, and the result or failure is compared
// with what AWS recorded, after the corpus' normalisation. Running whole executions is the
// interpreter's conformance runner's job; this checks the Lambda side exactly.

// conformanceSkips are cases not replayed here, each with its reason.
var conformanceSkips = map[string]string{
	"wait_60_seconds.py": "the Task's TimeoutSeconds (States.Timeout) is enforced by the interpreter through ctx; the function Timeout is covered by TestPythonRuntime/timeout",
}

func conformanceDir(t *testing.T) string {
	dir := os.Getenv("SFNLOCAL_CONFORMANCE_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "conformance")
	}
	if _, err := os.Stat(filepath.Join(dir, "index.json")); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("conformance corpus not found at %s", dir)
		}
		t.Skipf("conformance corpus not found at %s", dir)
	}
	return dir
}

func readJSONFile(t *testing.T, path string) any {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	v, err := task.DecodePlain(b)
	require.NoError(t, err)
	return v
}

type lambdaCase struct {
	name, file string
}

func TestConformanceLambdaTier(t *testing.T) {
	dir := conformanceDir(t)
	idx, _ := readJSONFile(t, filepath.Join(dir, "index.json")).([]any)
	code, _ := readJSONFile(t, filepath.Join(dir, "lambda_functions", "index.json")).(map[string]any)
	var cases []lambdaCase
	for _, e := range idx {
		m, _ := e.(map[string]any)
		if m["tier"] == "lambda" {
			cases = append(cases, lambdaCase{name: m["name"].(string), file: m["file"].(string)})
		}
	}
	require.NotEmpty(t, cases)
	var mu sync.Mutex
	passed, checked, invocations := 0, 0, 0
	var failed, skipped []string
	count := func(t *testing.T, n int, reason string) {
		switch {
		case reason != "":
			skipped = append(skipped, t.Name()+": "+reason)
		case t.Failed():
			checked++
			failed = append(failed, t.Name())
		default:
			checked++
			passed++
			invocations += n
		}
	}
	t.Run("cases", func(t *testing.T) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				n, reason := 0, ""
				// Counted in a defer: a failed require ends the subtest with runtime.Goexit.
				defer func() {
					mu.Lock()
					defer mu.Unlock()
					count(t, n, reason)
				}()
				n, reason = runLambdaCase(t, dir, c, code)
			})
		}
	})
	sort.Strings(failed)
	sort.Strings(skipped)
	t.Logf("lambda conformance: %d/%d cases passed (%d Lambda invocations compared), %d skipped", passed, checked, invocations, len(skipped))
	for _, s := range skipped {
		t.Logf("skipped %s", s)
	}
	for _, f := range failed {
		t.Logf("failed %s", f)
	}
	require.GreaterOrEqual(t, float64(passed), 0.95*float64(checked), "pass rate below 95%%")
}

// runLambdaCase replays one case's Lambda Tasks; it returns how many it compared, or why the
// case is skipped.
func runLambdaCase(t *testing.T, dir string, c lambdaCase, code map[string]any) (int, string) {
	cs, _ := readJSONFile(t, filepath.Join(dir, c.file)).(map[string]any)
	if cs["self_contained"] != true {
		reasons, _ := task.Encode(cs["not_self_contained_reasons"])
		return 0, "not self-contained: " + string(reasons)
	}
	fns, _ := cs["lambda_functions"].([]any)
	for _, f := range fns {
		hf, _ := f.(map[string]any)["handler_file"].(string)
		if r, ok := conformanceSkips[filepath.Base(hf)]; ok {
			return 0, r
		}
	}
	norm := caseNormalizer(cs)
	s := newTestService(t, Config{})
	for _, f := range fns {
		m := f.(map[string]any)
		hf := m["handler_file"].(string)
		src, ok := code[hf].(string)
		require.True(t, ok, "no code for %s", hf)
		runtime, _ := m["runtime"].(string)
		if runtime == "" {
			runtime = "python3.12"
		}
		spec := fnSpec{name: m["name"].(string), runtime: runtime, handler: m["handler"].(string), files: map[string][]byte{"handler.py": []byte(src)}}
		createFn(t, s, spec)
	}
	events, _ := cs["history_events"].([]any)
	byPrev := map[string][]map[string]any{}
	for _, e := range events {
		m := e.(map[string]any)
		prev := fmt.Sprint(m["previousEventId"])
		byPrev[prev] = append(byPrev[prev], m)
	}
	n := 0
	for _, e := range events {
		ev := e.(map[string]any)
		req := norm.request(t, ev)
		if req == nil {
			continue
		}
		outcome := followOutcome(byPrev, ev)
		if outcome == nil {
			continue
		}
		typ := outcome["type"].(string)
		if strings.HasSuffix(typ, "TimedOut") {
			continue
		}
		n++
		ctx, cancel := clock.WithTimeout(context.Background(), clock.Real(), time.Minute, nil)
		res, err := plainInvoke(s.Integration(), ctx, req)
		cancel()
		details := eventDetails(outcome)
		switch typ {
		case "TaskSucceeded", "LambdaFunctionSucceeded":
			require.NoError(t, err, "event %v", ev["id"])
			want := jsonText(details["output"])
			got := norm.actual(t, res)
			require.True(t, matches(want, got, ""), "event %v output\nwant %s\ngot  %s", ev["id"], enc(want), enc(got))
		case "TaskFailed", "LambdaFunctionFailed":
			var f *task.Failure
			require.True(t, errors.As(err, &f), "event %v: want a failure, got %v / %s", ev["id"], err, enc(res))
			require.Equal(t, details["error"], f.Name)
			wantCause := details["cause"]
			gotCause := norm.text(f.Cause)
			if _, isObj := wantCause.(map[string]any); isObj {
				parsed, perr := task.DecodePlain([]byte(gotCause))
				require.NoError(t, perr, "cause %s", gotCause)
				require.True(t, matches(wantCause, parsed, ""), "cause\nwant %s\ngot  %s", enc(wantCause), gotCause)
			} else {
				require.Equal(t, wantCause, gotCause)
			}
		default:
			t.Fatalf("unexpected outcome %s", typ)
		}
	}
	return n, ""
}

func followOutcome(byPrev map[string][]map[string]any, sched map[string]any) map[string]any {
	cur := sched
	for range 3 {
		next := byPrev[fmt.Sprint(cur["id"])]
		if len(next) != 1 {
			return nil
		}
		cur = next[0]
		switch cur["type"] {
		case "TaskStarted", "LambdaFunctionStarted", "TaskSubmitted":
			continue
		case "TaskSucceeded", "TaskFailed", "TaskTimedOut", "LambdaFunctionSucceeded", "LambdaFunctionFailed", "LambdaFunctionTimedOut":
			return cur
		default:
			return nil
		}
	}
	return nil
}

func eventDetails(ev map[string]any) map[string]any {
	for k, v := range ev {
		if strings.HasSuffix(k, "EventDetails") {
			m, _ := v.(map[string]any)
			return m
		}
	}
	return map[string]any{}
}

// jsonText decodes a history field that the snapshot kept as JSON text.
func jsonText(v any) any {
	if s, ok := v.(string); ok {
		if d, err := task.DecodePlain([]byte(s)); err == nil {
			return d
		}
	}
	return v
}

func enc(v any) string {
	b, _ := task.Encode(v)
	return string(b)
}

type normalizer struct {
	replace []struct {
		re  *regexp.Regexp
		rep string
	}
	reverse *strings.Replacer // placeholder → recorded literal, to rebuild inputs
}

var literalRE = regexp.MustCompile(`^[A-Za-z0-9_\-:/.]+$`)

func caseNormalizer(cs map[string]any) *normalizer {
	n := &normalizer{}
	nm, _ := cs["normalization"].(map[string]any)
	reps, _ := nm["literal_regex_replacements"].([]any)
	var pairs []string
	type pair struct{ from, to string }
	var rev []pair
	for _, r := range reps {
		m := r.(map[string]any)
		re, err := regexp.Compile(m["regex"].(string))
		if err != nil {
			continue
		}
		rep := m["replacement"].(string)
		n.replace = append(n.replace, struct {
			re  *regexp.Regexp
			rep string
		}{re, rep})
		if literalRE.MatchString(m["regex"].(string)) {
			rev = append(rev, pair{rep, m["regex"].(string)})
		}
	}
	sort.Slice(rev, func(i, j int) bool { return len(rev[i].from) > len(rev[j].from) })
	for _, p := range rev {
		pairs = append(pairs, p.from, p.to)
	}
	pairs = append(pairs, "arn:<partition>:", "arn:aws:", "<region>", testRegion)
	n.reverse = strings.NewReplacer(pairs...)
	return n
}

// text normalises actual output text as the corpus' snapshot fixture does.
func (n *normalizer) text(s string) string {
	for _, r := range n.replace {
		s = r.re.ReplaceAllLiteralString(s, r.rep)
	}
	s = strings.ReplaceAll(s, "arn:aws:", "arn:<partition>:")
	return strings.ReplaceAll(s, testRegion, "<region>")
}

func (n *normalizer) actual(t *testing.T, v any) any {
	b, err := task.Encode(v)
	require.NoError(t, err)
	d, err := task.DecodePlain([]byte(n.text(string(b))))
	require.NoError(t, err)
	return d
}

func (n *normalizer) denorm(t *testing.T, v any) any {
	b, err := task.Encode(v)
	require.NoError(t, err)
	d, err := task.DecodePlain([]byte(n.reverse.Replace(string(b))))
	require.NoError(t, err)
	return d
}

// request rebuilds the task.Request of a scheduled Lambda event, or returns nil.
func (n *normalizer) request(t *testing.T, ev map[string]any) *task.Request {
	d := eventDetails(ev)
	switch ev["type"] {
	case "TaskScheduled":
		if d["resourceType"] != "lambda" {
			return nil
		}
		res := d["resource"].(string)
		req := &task.Request{Resource: "arn:aws:states:::lambda:" + res, Service: "lambda", Action: "invoke"}
		if strings.HasSuffix(res, ".waitForTaskToken") {
			req.Pattern = task.WaitForTaskToken
		}
		req.Parameters = n.denorm(t, jsonText(d["parameters"]))
		return req
	case "LambdaFunctionScheduled":
		resource := n.reverse.Replace(d["resource"].(string))
		return &task.Request{Resource: resource, Service: "lambda", Action: "invoke", Legacy: true, Parameters: n.denorm(t, jsonText(d["input"]))}
	}
	return nil
}

var placeholderRE = regexp.MustCompile(`^<[A-Za-z0-9_:\-]+>$`)

// matches compares want (recorded, normalised) with got; placeholders in want match anything.
func matches(want, got any, key string) bool {
	switch w := want.(type) {
	case string:
		if s, ok := got.(string); ok && s == w {
			return true
		}
		return w == key || w == "date" || w == "timestamp" || w == "datetime" || placeholderRE.MatchString(w)
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok || !matches(wv, gv, k) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !matches(w[i], g[i], key) {
				return false
			}
		}
		return true
	case json.Number:
		g, ok := got.(json.Number)
		return ok && (g == w || g.String() == w.String())
	default:
		return fmt.Sprint(want) == fmt.Sprint(got)
	}
}
