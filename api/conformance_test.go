package api_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/api"
	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// conformanceDir holds requests and the answers AWS gave, recorded by LocalStack's
// aws.validated snapshot tests.
const conformanceDir = "../../shared/conformance"

type recorded struct {
	Name             string          `json:"name"`
	Request          json.RawMessage `json:"request"`
	ExpectedResponse map[string]any  `json:"expected_response"`
	ExpectedFound    bool            `json:"expected_found"`
}

func loadRecorded(t *testing.T, dir string) []recorded {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(conformanceDir, dir, "*.json"))
	require.NoError(t, err)
	if len(files) == 0 {
		t.Skipf("no recorded cases under %s", filepath.Join(conformanceDir, dir))
	}
	sort.Strings(files)
	out := make([]recorded, 0, len(files))
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		var r recorded
		require.NoError(t, json.Unmarshal(b, &r), f)
		out = append(out, r)
	}
	return out
}

// realService is a Service on the interpreter with instant time.
func realService(t testing.TB, tasks task.Registry) *api.Service {
	t.Helper()
	clocks, err := clock.ParseMode("instant")
	require.NoError(t, err)
	svc, err := api.New(api.Options{
		Engine: api.InterpreterEngine(api.InterpreterConfig{Clock: clocks, Tasks: tasks, Logger: zap.NewNop()}),
		Logger: zap.NewNop(),
	})
	require.NoError(t, err)
	t.Cleanup(svc.Close)
	return svc
}

// TestValidateReplay sends every recorded ValidateStateMachineDefinition request through the
// handler and compares the whole answer with AWS's.
func TestValidateReplay(t *testing.T) {
	cases := loadRecorded(t, "validate")
	svc := realService(t, nil)
	passed := 0
	var failed []string
	for _, rc := range cases {
		status, _, got := post(t, svc.Handler(), "AWSStepFunctions.ValidateStateMachineDefinition", string(rc.Request))
		want := map[string]any{}
		for k, v := range rc.ExpectedResponse {
			if k != "ResponseMetadata" {
				want[k] = v
			}
		}
		if status == 200 && reflect.DeepEqual(want, got) {
			passed++
			continue
		}
		failed = append(failed, rc.Name)
		t.Logf("%s\n  want %v\n  got  %d %v", rc.Name, want, status, got)
	}
	t.Logf("validate replay: %d/%d passed", passed, len(cases))
	// Cases AWS answers with messages of its Java JSON parser (Jackson), which we do not
	// reproduce character for character.
	allowed := map[string]bool{
		"test_sfn_api_validation::TestSfnApiValidation::test_validate_state_machine_definition_not_a_definition[NOT_A_DEF]::validation_response": true,
	}
	for _, f := range failed {
		require.True(t, allowed[f], "unexpected failure: %s", f)
	}
}

// TestTestStateReplay sends every recorded TestState request through the handler and
// compares the whole answer with AWS's; it counts exact matches and fails below the floor.
// The misses are the cases calling real Lambda functions (no Lambda service is wired here).
func TestTestStateReplay(t *testing.T) {
	cases := loadRecorded(t, "test_state")
	svc := testStateService(t)
	passed := 0
	for _, rc := range cases {
		var req map[string]any
		require.NoError(t, json.Unmarshal(rc.Request, &req))
		// The recorder stored JSON members as objects; the API takes them as JSON text.
		for _, k := range []string{"definition", "input", "variables", "context"} {
			if v, ok := req[k]; ok {
				if _, isString := v.(string); !isString {
					b, _ := json.Marshal(v)
					req[k] = string(b)
				}
			}
		}
		if m, ok := req["mock"].(map[string]any); ok {
			if v, ok := m["result"]; ok {
				if _, isString := v.(string); !isString {
					b, _ := json.Marshal(v)
					m["result"] = string(b)
				}
			}
		}
		body, _ := json.Marshal(req)
		status, _, got := post(t, svc.Handler(), "AWSStepFunctions.TestState", string(body))
		require.Less(t, status, 500, "%s: %v", rc.Name, got)
		if status != 200 {
			require.Contains(t, got, "__type", rc.Name)
			if os.Getenv("SFNLOCAL_REPLAY_VERBOSE") != "" && !strings.Contains(fmt.Sprint(got["message"]), "not supported") {
				t.Logf("%s: %v", rc.Name, got)
			}
			continue
		}
		if testStateMatches(rc.ExpectedResponse, got) {
			passed++
		} else if os.Getenv("SFNLOCAL_REPLAY_VERBOSE") != "" {
			t.Logf("%s\n  want %v\n  got  %v", rc.Name, rc.ExpectedResponse, got)
		}
	}
	t.Logf("test_state replay: %d/%d passed", passed, len(cases))
	// This floor catches regressions.
	require.GreaterOrEqual(t, passed, testStateFloor)
}

const testStateFloor = 115

// testStateService is a Service on the interpreter in the recorder's account (its snapshot
// library replaced every account ID with 111111111111).
func testStateService(t testing.TB) *api.Service {
	t.Helper()
	clocks, err := clock.ParseMode("instant")
	require.NoError(t, err)
	svc, err := api.New(api.Options{
		Engine: api.InterpreterEngine(api.InterpreterConfig{Clock: clocks, Logger: zap.NewNop(), Region: "us-east-1", AccountID: "111111111111"}),
		Logger: zap.NewNop(),
	})
	require.NoError(t, err)
	t.Cleanup(svc.Close)
	return svc
}

// placeholder matches the recorder's placeholders inside a string: "<region>",
// "<resource:3>", "<partition>".
var placeholder = regexp.MustCompile(`<[a-zA-Z_:0-9-]+>`)

// matchEmbedded reports whether got matches want where want holds placeholders inside a
// longer string ("arn:<partition>:states:<region>:..."); each matches any text without
// ':' or '/'.
func matchEmbedded(want, got string) bool {
	if !placeholder.MatchString(want) {
		return false
	}
	parts := placeholder.Split(want, -1)
	for i := range parts {
		parts[i] = regexp.QuoteMeta(parts[i])
	}
	re, err := regexp.Compile("^" + strings.Join(parts, "[^:/]*") + "$")
	return err == nil && re.MatchString(got)
}

// testStateMatches compares a TestState answer with AWS's; the recorder parsed JSON-text
// members (output, inspectionData.*), so ours are parsed too.
func testStateMatches(want, got map[string]any) bool {
	norm := func(m map[string]any) map[string]any {
		out := map[string]any{}
		for k, v := range m {
			if k == "ResponseMetadata" {
				continue
			}
			out[k] = parseJSONStrings(v)
		}
		return out
	}
	return matchRecorded(norm(want), norm(got))
}

// matchRecorded compares values, treating the recorder's placeholders ("<name>", "date")
// in want as wildcards for any string.
func matchRecorded(want, got any) bool {
	switch w := want.(type) {
	case string:
		if g, ok := got.(string); ok && (w == "date" || (strings.HasPrefix(w, "<") && strings.HasSuffix(w, ">")) || matchEmbedded(w, g)) {
			return true
		}
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for k, v := range w {
			if !matchRecorded(v, g[k]) {
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
			if !matchRecorded(w[i], g[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(want, got)
}

func parseJSONStrings(v any) any {
	switch x := v.(type) {
	case string:
		s := strings.TrimSpace(x)
		if strings.HasPrefix(s, "{") || strings.HasPrefix(s, "[") {
			var p any
			if json.Unmarshal([]byte(s), &p) == nil {
				return p
			}
		}
		return x
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = parseJSONStrings(e)
		}
		return out
	}
	return v
}
