package interpreter

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestValidateGolden checks the full diagnostics of each testdata/validate/*.json definition
// against its .golden file (go test -run TestValidateGolden -update rewrites them).
func TestValidateGolden(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "validate", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			def, err := os.ReadFile(file)
			require.NoError(t, err)
			got, err := json.MarshalIndent(Validate(string(def)), "", "  ")
			require.NoError(t, err)
			golden := strings.TrimSuffix(file, ".json") + ".golden"
			if *update {
				require.NoError(t, os.WriteFile(golden, append(got, '\n'), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			require.Equal(t, strings.TrimSpace(string(want)), string(got))
		})
	}
}

func TestParseDiagnostics(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		def  string
		want []Diagnostic // nil: valid
	}{
		{name: "minimal", def: `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`},
		{name: "missing StartAt", def: `{"States":{"A":{"Type":"Pass","End":true}}}`,
			want: []Diagnostic{{SeverityError, CodeSchema, "These fields are required: [StartAt]", "/"}}},
		{name: "StartAt unknown", def: `{"StartAt":"B","States":{"A":{"Type":"Pass","End":true}}}`,
			want: []Diagnostic{
				{SeverityError, CodeMissingTarget, "Missing 'Next' target: B", "/StartAt"},
				{SeverityError, CodeMissingTarget, `State "A" is not reachable.`, "/States/A"},
			}},
		{name: "dangling StartAt reports only unreferenced states", def: `{"StartAt":"Not sure","States":{"Pass One":{"Type":"Pass","Next":"Success"},"Success":{"Type":"Succeed"}}}`,
			want: []Diagnostic{
				{SeverityError, CodeMissingTarget, "Missing 'Next' target: Not sure", "/StartAt"},
				{SeverityError, CodeMissingTarget, `State "Pass One" is not reachable.`, "/States/Pass One"},
			}},
		{name: "unreachable", def: `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true},"B":{"Type":"Pass","End":true}}}`,
			want: []Diagnostic{{SeverityError, CodeMissingTarget, `State "B" is not reachable.`, "/States/B"}}},
		{name: "no terminal state", def: `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Next":"A"},"D":{"Type":"Pass","Next":"A"}}}`,
			want: []Diagnostic{{SeverityError, CodeMissingEnd, "Workflow has no terminal state", ""}}},
		{name: "dangling Next and no terminal state", def: `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"NOPE"}}}`,
			want: []Diagnostic{
				{SeverityError, CodeMissingTarget, "Missing 'Next' target: NOPE", "/States/A/Next"},
				{SeverityError, CodeMissingEnd, "Workflow has no terminal state", ""},
			}},
		{name: "TimeoutSeconds on Map", def: `{"StartAt":"M","States":{"M":{"Type":"Map","TimeoutSeconds":5,"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`,
			want: []Diagnostic{{SeverityError, CodeSchema, "Field 'TimeoutSeconds' is not supported", "/States/M"}}},
		{name: "dangling catch target", def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Catch":[{"ErrorEquals":["States.ALL"],"Next":"X"}],"End":true}}}`,
			want: []Diagnostic{{SeverityError, CodeMissingTarget, "Missing 'Next' target: X", "/States/T/Catch[0]/Next"}}},
		{name: "not JSON", def: `not a definition`,
			want: []Diagnostic{{SeverityError, CodeInvalidJSON, "Unrecognized token 'not': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: (String)\"not a definition\"; line: 1, column: 4]", "[Source: (String)\"not a definition\"; line: 1, column: 4]"}}},
		{name: "colon for a comma (Jackson's wording, raw source)", def: "{\"StartAt\":\"P\":\"x\"}",
			want: []Diagnostic{{SeverityError, CodeInvalidJSON, "Unexpected character (':' (code 58)): was expecting comma to separate Object entries\n at [Source: (String)\"{\"StartAt\":\"P\":\"x\"}\"; line: 1, column: 16]", "[Source: (String)\"{\"StartAt\":\"P\":\"x\"}\"; line: 1, column: 16]"}}},
		{name: "Credentials not an object", def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Credentials":"arn:aws:iam::1:role/r","End":true}}}`,
			want: []Diagnostic{{SeverityError, CodeSchema, "The value for the field 'Credentials' must be an OBJECT", "/States/T/Credentials"}}},
		{name: "Credentials without RoleArn", def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Credentials":{"Role":"r","RoleArn.$":5},"End":true}}}`,
			want: []Diagnostic{
				{SeverityError, CodeSchema, "Field 'Role' is not supported", "/States/T/Credentials"},
				{SeverityError, CodeSchema, "The value for the field 'RoleArn.$' must be a valid JSONPath or a valid intrinsic function call", "/States/T/Credentials"},
			}},
		{name: "Credentials in JSONata", def: `{"QueryLanguage":"JSONata","StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Credentials":{"RoleArn.$":"$.r"},"End":true}}}`,
			want: []Diagnostic{
				{SeverityError, CodeSchema, "Field 'RoleArn.$' is not supported", "/States/T/Credentials"},
				{SeverityError, CodeSchema, "These fields are required: [RoleArn]", "/States/T/Credentials"},
			}},
		{name: "unknown type", def: `{"StartAt":"A","States":{"A":{"Type":"Nope","End":true}}}`,
			want: []Diagnostic{{SeverityError, CodeSchema, "The value for the field 'Type' must be one of [Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map]", "/States/A/Type"}}},
		{name: "no transition", def: `{"StartAt":"A","States":{"A":{"Type":"Pass"}}}`,
			want: []Diagnostic{{SeverityError, CodeMissingTarget, "No 'Next' target or 'End' field", "/States/A"}}},
		{name: "bad input path", def: `{"StartAt":"A","States":{"A":{"Type":"Pass","InputPath":"not a path","End":true}}}`,
			want: []Diagnostic{{SeverityError, CodeInvalidPath, "The value for the field 'InputPath' must be a valid JSONPath: not a path", "/States/A/InputPath"}}},
		{name: "duplicate after .$", def: `{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"x":1,"x.$":"$.y"},"End":true}}}`,
			want: []Diagnostic{{SeverityError, CodeSchema, "The field 'x.$' duplicates the field 'x'", "/States/A/Parameters"}}},
		{name: "States.ALL not last", def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Retry":[{"ErrorEquals":["States.ALL"]},{"ErrorEquals":["X"]}],"End":true}}}`,
			want: []Diagnostic{{SeverityError, CodeSchema, "States.ALL must appear in the last retrier or catcher", "/States/T/Retry[0]/ErrorEquals"}}},
		{name: "wait needs one field", def: `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"SecondsPath":"$.s","End":true}}}`,
			want: []Diagnostic{{SeverityError, CodeSchema, "Exactly one of 'Seconds', 'Timestamp', 'SecondsPath' or 'TimestampPath' must be present", "/States/W"}}},
		{name: "JSONPath under JSONata", def: `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","QueryLanguage":"JSONPath","End":true}}}`,
			want: []Diagnostic{{SeverityError, CodeSchema, "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine", "/States/P"}}},
		{name: "duplicate state names across branches", def: `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}],"End":true}}}`,
			want: []Diagnostic{{SeverityError, CodeDuplicateKey, "Duplicate State name: 'P' (also at /States/P)", "/States/P/Branches[0]/States/P"}}},
		{name: "empty", def: ``, want: []Diagnostic{{SeverityError, CodeSchema, "Definition must be a valid JSON object", ""}}},
		{name: "array", def: `[]`, want: []Diagnostic{{SeverityError, CodeSchema, "Definition must be a valid JSON object", ""}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sm, err := Parse(tc.def)
			if tc.want == nil {
				require.NoError(t, err)
				require.NotNil(t, sm)
				require.Empty(t, Validate(tc.def))
				return
			}
			var de *DefinitionError
			require.True(t, errors.As(err, &de), "want a *DefinitionError, got %v", err)
			require.Equal(t, tc.want, de.Diagnostics)
			require.Equal(t, tc.want, Validate(tc.def))
			require.True(t, strings.HasPrefix(err.Error(), "Invalid State Machine Definition: '"+tc.want[0].Code+": "), err.Error())
		})
	}
}

func TestDefinitionErrorMessage(t *testing.T) {
	t.Parallel()
	err := &DefinitionError{Diagnostics: []Diagnostic{
		{SeverityError, CodeMissingTarget, "Missing 'Next' target: X", "/States/A/Next"},
		{SeverityWarning, "SOME_WARNING", "ignored", "/"},
		{SeverityError, CodeSchema, "These fields are required: [StartAt]", "/"},
		{SeverityError, CodeMissingEnd, "Workflow has no terminal state", ""},
	}}
	require.Equal(t, "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: X at /States/A/Next, SCHEMA_VALIDATION_FAILED: These fields are required: [StartAt] at /, MISSING_END_STATE: Workflow has no terminal state at null'", err.Error())
}

func TestVariableReferences(t *testing.T) {
	t.Parallel()
	sm, err := Parse(`{"StartAt":"A","States":{
		"A":{"Type":"Pass","Assign":{"x":1,"y":2},"Next":"B"},
		"B":{"Type":"Pass","Parameters":{"v.$":"$x","w.$":"States.Format('{}', $y)"},"Next":"C"},
		"C":{"Type":"Choice","Choices":[{"Variable":"$x","NumericEquals":1,"Next":"D"}],"Default":"D"},
		"D":{"Type":"Succeed"}}}`)
	require.NoError(t, err)
	refs := sm.VariableReferences()
	require.ElementsMatch(t, []string{"x", "y"}, refs["B"])
	require.Equal(t, []string{"x"}, refs["C"])
	require.NotContains(t, refs, "A")
	refs["B"][0] = "mutated"
	require.NotEqual(t, "mutated", sm.VariableReferences()["B"][0], "VariableReferences returns a copy")
}
