package testrunner

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const passDef = `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Next":"B"},"B":{"Type":"Pass","End":true}}}`

const mockText = `{"StateMachines":{"flow":{"TestCases":{"Happy":{"A":"Ok"}}}},"MockedResponses":{"Ok":{"0":{"Return":{"Payload":1}}}}}`

// files is an in-memory ReadFile over the suite's directory "s".
func files(m map[string]string) ReadFile {
	return func(path string) ([]byte, error) {
		if v, ok := m[filepath.ToSlash(path)]; ok {
			return []byte(v), nil
		}
		return nil, &fs.PathError{Op: "open", Path: path, Err: fs.ErrNotExist}
	}
}

var testFiles = files(map[string]string{
	"s/flow.json":    passDef,
	"s/mocks.json":   mockText,
	"s/in.json":      `{"from":"file"}`,
	"s/bad.json":     `{"StartAt":"X","States":{}}`,
	"s/badmock.json": `{"StateMachines":{}, "MockedResponses":{"R":{"1":{"Return":1}}}}`,
	"s/notjson.txt":  `{nope`,
})

func TestParseGood(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, suite string
		check       func(t *testing.T, s *Suite)
	}{
		{"minimal unmocked", "stateMachines:\n  - definition: flow.json\n    cases:\n      - name: plain\n", func(t *testing.T, s *Suite) {
			m := s.Machines[0]
			require.Equal(t, "flow", m.Name, "the name defaults to the file's base name")
			require.Equal(t, filepath.Join("s", "flow.json"), m.DefinitionFile)
			c := m.Cases[0]
			require.Equal(t, "flow/plain", c.FullName)
			require.Equal(t, "{}", c.Input)
			require.Nil(t, c.Mocks)
			require.Equal(t, "SUCCEEDED", c.Expect.Status)
		}},
		{"mocked, inline YAML input, every expectation", `
mockConfig: mocks.json
stateMachines:
  - definition: flow.json
    cases:
      - testCase: Happy
        input: {a: 1, b: [true, null, 2.5, "x"], c: 12345678901234567890}
        expect:
          outputContains: {Payload: 1}
          error: E
          causeContains: boom
          statesInclude: [A]
          maxTransitions: 4
`, func(t *testing.T, s *Suite) {
			c := s.Machines[0].Cases[0]
			require.Equal(t, "Happy", c.Name, "the name defaults to the test case")
			require.NotNil(t, c.Mocks)
			require.True(t, c.Mocks.Mocks("A"))
			require.JSONEq(t, `{"a":1,"b":[true,null,2.5,"x"],"c":12345678901234567890}`, c.Input)
			require.Contains(t, c.Input, "12345678901234567890", "big integers keep their digits")
			require.Equal(t, "FAILED", c.Expect.Status, "an expected error implies FAILED")
			require.Equal(t, "E", *c.Expect.Error)
			require.Equal(t, []string{"A"}, c.Expect.StatesInclude)
			require.Equal(t, 4, *c.Expect.MaxTransitions)
		}},
		{"JSON suite, input from a file, machine-level mock file and name", `{"stateMachines":[{"definition":"flow.json","name":"flow","mockConfig":"mocks.json",
			"cases":[{"name":"one","testCase":"Happy","input":"@in.json","expect":{"status":"SUCCEEDED","output":{"Payload":1},"states":["A","B"]}}]}]}`,
			func(t *testing.T, s *Suite) {
				c := s.Machines[0].Cases[0]
				require.Equal(t, `{"from":"file"}`, c.Input)
				require.Equal(t, []string{"A", "B"}, c.Expect.States)
				require.NotNil(t, c.Expect.Output)
			}},
		{"scalars read as text where names are expected", "stateMachines:\n  - definition: flow.json\n    cases:\n      - name: 404\n        expect: {error: true, states: [1, 2.5]}\n", func(t *testing.T, s *Suite) {
			c := s.Machines[0].Cases[0]
			require.Equal(t, "404", c.Name)
			require.Equal(t, "true", *c.Expect.Error)
			require.Equal(t, []string{"1", "2.5"}, c.Expect.States)
		}},
		{"a string input that is not a file", "stateMachines:\n  - definition: flow.json\n    cases:\n      - name: s\n        input: hello\n", func(t *testing.T, s *Suite) {
			require.Equal(t, `"hello"`, s.Machines[0].Cases[0].Input)
		}},
		{"anchors and aliases", "x: &in {a: 1}\n", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.check == nil {
				_, err := Parse("s/suite.yaml", []byte(tc.suite), testFiles)
				require.Error(t, err) // unknown top-level field x
				return
			}
			s, err := Parse("s/suite.yaml", []byte(tc.suite), testFiles)
			require.NoError(t, err)
			tc.check(t, s)
		})
	}
}

func TestParseBad(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, suite string
		want        []string // every problem, in file order
	}{
		{"empty", "", []string{"s/suite.yaml: the file is empty"}},
		{"syntax", "stateMachines: [\n", []string{"s/suite.yaml:1: did not find expected node content"}},
		{"not a mapping", "[1, 2]", []string{"s/suite.yaml:1: must be a mapping (an object)"}},
		{"no state machines", "mockConfig: mocks.json\n", []string{"s/suite.yaml:1: stateMachines: required: the state machines to test"}},
		{"unknown fields", "stateMachines:\n  - definition: flow.json\n    nme: x\n    cases:\n      - name: a\n        expect: {stauts: FAILED}\n", []string{
			"s/suite.yaml:3: stateMachines[0].nme: unknown field; expected one of definition, name, mockConfig, cases",
			"s/suite.yaml:6: stateMachines[0].cases[0].expect.stauts: unknown field; expected one of status, output, outputContains, error, cause, causeContains, states, statesInclude, maxTransitions",
		}},
		{"missing files", "mockConfig: nope.json\nstateMachines:\n  - definition: gone.json\n    cases:\n      - name: a\n        input: '@none.json'\n", []string{
			"s/suite.yaml:1: mockConfig: s/nope.json: open s/nope.json: file does not exist",
			"s/suite.yaml:3: stateMachines[0].definition: s/gone.json: open s/gone.json: file does not exist",
			"s/suite.yaml:6: stateMachines[0].cases[0].input: open s/none.json: file does not exist",
		}},
		{"bad definition, mock file and input file", "stateMachines:\n  - definition: bad.json\n    mockConfig: badmock.json\n    cases:\n      - name: a\n        input: '@notjson.txt'\n", []string{
			"s/suite.yaml:2: stateMachines[0].definition: s/bad.json: ",
			"s/suite.yaml:3: stateMachines[0].mockConfig: s/badmock.json: invalid mock configuration:",
			"s/suite.yaml:6: stateMachines[0].cases[0].input: s/notjson.txt is not JSON: ",
		}},
		{"test case without mocks", "stateMachines:\n  - definition: flow.json\n    cases:\n      - testCase: Happy\n", []string{
			"s/suite.yaml:4: stateMachines[0].cases[0].testCase: no mock configuration: set mockConfig on the suite or the state machine",
		}},
		{"unknown test case", "mockConfig: mocks.json\nstateMachines:\n  - definition: flow.json\n    cases:\n      - testCase: Sad\n", []string{
			`s/suite.yaml:5: stateMachines[0].cases[0].testCase: the mock configuration has no test case "Sad" for state machine "flow"`,
		}},
		{"unknown state machine in the mock file", "mockConfig: mocks.json\nstateMachines:\n  - definition: flow.json\n    name: other\n    cases:\n      - testCase: Happy\n", []string{
			`s/suite.yaml:6: stateMachines[0].cases[0].testCase: the mock configuration has no state machine "other" (test case "Happy")`,
		}},
		{"bad expectations", `stateMachines:
  - definition: flow.json
    cases:
      - name: a
        expect:
          status: DONE
          output: 1
          outputContains: 1
          cause: x
          causeContains: y
          states: [A]
          statesInclude: A
          maxTransitions: 0
          error: [E]
          cause: ~
`, []string{
			`s/suite.yaml:6: stateMachines[0].cases[0].expect.status: "DONE" is not one of SUCCEEDED, FAILED, TIMED_OUT, ABORTED`,
			"s/suite.yaml:8: stateMachines[0].cases[0].expect.outputContains: give output or outputContains, not both",
			"s/suite.yaml:10: stateMachines[0].cases[0].expect.causeContains: give cause or causeContains, not both",
			"s/suite.yaml:12: stateMachines[0].cases[0].expect.statesInclude: must be a list of state names",
			"s/suite.yaml:12: stateMachines[0].cases[0].expect.statesInclude: give states or statesInclude, not both",
			"s/suite.yaml:13: stateMachines[0].cases[0].expect.maxTransitions: must be a positive integer",
			"s/suite.yaml:14: stateMachines[0].cases[0].expect.error: must be a string",
			"s/suite.yaml:15: stateMachines[0].cases[0].expect.cause: given twice",
		}},
		{"duplicates and names", "stateMachines:\n  - definition: flow.json\n    cases:\n      - name: a\n      - name: a\n      - input: {}\n  - definition: flow.json\n    cases: []\n", []string{
			`s/suite.yaml:5: stateMachines[0].cases[1].name: case "a" is listed twice for state machine "flow"`,
			"s/suite.yaml:6: stateMachines[0].cases[2].name: required when testCase is absent",
			"s/suite.yaml:8: stateMachines[1].cases: must be a non-empty list",
		}},
		{"values that are not JSON", "stateMachines:\n  - definition: flow.json\n    cases:\n      - name: a\n        input: {? [1]: 2, n: .inf}\n", []string{
			"s/suite.yaml:5: stateMachines[0].cases[0].input: object keys must be strings",
		}},
		{"not a JSON number", "stateMachines:\n  - definition: flow.json\n    cases:\n      - name: a\n        input: {n: .inf}\n", []string{
			`s/suite.yaml:5: stateMachines[0].cases[0].input.n: ".inf" is not a JSON number`,
		}},
		{"billion laughs", "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\nstateMachines:\n  - definition: flow.json\n    cases:\n      - name: a\n        input: *g\n", []string{
			"s/suite.yaml:1: a: unknown field; expected one of mockConfig, stateMachines",
			"s/suite.yaml:1: stateMachines[0].cases[0].input: the suite is too large (more than 50000 nodes",
			"s/suite.yaml:2: b: unknown field",
			"s/suite.yaml:3: c: unknown field",
			"s/suite.yaml:4: d: unknown field",
			"s/suite.yaml:5: e: unknown field",
			"s/suite.yaml:6: f: unknown field",
			"s/suite.yaml:7: g: unknown field",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("s/suite.yaml", []byte(tc.suite), testFiles)
			require.Error(t, err)
			var se *Error
			require.True(t, errors.As(err, &se), "%v", err)
			var got []string
			for _, p := range se.Problems {
				got = append(got, filepath.ToSlash(p.String()))
			}
			require.Len(t, got, len(tc.want), "%s", strings.Join(got, "\n"))
			for i, w := range tc.want {
				require.Contains(t, got[i], w)
			}
		})
	}
}

// FuzzParse: no suite file crashes the parser; every failure is an *Error with problems.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"stateMachines:\n  - definition: flow.json\n    cases:\n      - name: plain\n",
		"mockConfig: mocks.json\nstateMachines:\n  - definition: flow.json\n    cases:\n      - testCase: Happy\n        input: {a: [1, 2.5, null, true]}\n        expect: {outputContains: {Payload: 1}, states: [A, B], maxTransitions: 3}\n",
		`{"stateMachines":[{"definition":"flow.json","cases":[{"name":"x","input":"@in.json","expect":{"status":"FAILED","error":"E","causeContains":"c"}}]}]}`,
		"a: &a [x, x]\nb: [*a, *a]\n",
		"stateMachines: &m [{definition: flow.json, cases: &c [{name: a, input: &i [1, 2, 3]}, {name: b, input: [*i, *i]}]}, {definition: flow.json, cases: [*c, *c]}]\n",
		"stateMachines: [\n",
		"- 1\n- 2\n",
		"? [1]\n: 2\n",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		s, err := Parse("s/suite.yaml", []byte(data), testFiles)
		if err != nil {
			var se *Error
			if !errors.As(err, &se) || len(se.Problems) == 0 {
				t.Fatalf("error %T %v is not a list of problems", err, err)
			}
			return
		}
		if len(s.Machines) == 0 {
			t.Fatalf("a valid suite with no state machine")
		}
	})
}
