package mockcfg

import (
	"errors"
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAWSGuideExample(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/aws-guide-example.json")
	require.NoError(t, err)
	f, err := Parse(data)
	require.NoError(t, err)
	require.Equal(t, []string{"LambdaSQSIntegration"}, f.StateMachines())
	require.Equal(t, []string{"HappyPath", "HybridPath", "RetryPath"}, f.TestCases("LambdaSQSIntegration"))

	retry, err := f.Case("LambdaSQSIntegration", "RetryPath")
	require.NoError(t, err)
	require.True(t, retry.Mocks("LambdaState"))
	require.True(t, retry.Mocks("SQSState"))
	require.Equal(t, "MockedLambdaRetry", retry.ResponseName("LambdaState"))
	for n, want := range []string{"Lambda.ResourceNotReadyException", "Lambda.TimeoutException", "Lambda.TimeoutException", ""} {
		st, ok := retry.Outcome("LambdaState", n)
		require.True(t, ok, n)
		if want == "" {
			require.Nil(t, st.Throw)
			require.JSONEq(t, `{"StatusCode":200,"Payload":{"StatusCode":200,"body":"Hello from Lambda!"}}`, string(st.Return))
			continue
		}
		require.Equal(t, want, st.Throw.Error, n)
	}
	_, ok := retry.Outcome("LambdaState", 4)
	require.False(t, ok, "no invocation 4")

	hybrid, err := f.Case("LambdaSQSIntegration", "HybridPath")
	require.NoError(t, err)
	require.False(t, hybrid.Mocks("SQSState"), "hybrid: SQSState calls the service")

	_, err = f.Case("LambdaSQSIntegration", "Nope")
	var ue *UnknownTestCaseError
	require.ErrorAs(t, err, &ue)
	require.True(t, ue.KnownStateMachine)
	_, err = f.Case("Other", "HappyPath")
	require.ErrorAs(t, err, &ue)
	require.False(t, ue.KnownStateMachine)
}

func TestParseProblems(t *testing.T) {
	t.Parallel()
	ok := `{"StateMachines":{},"MockedResponses":{}}`
	tests := []struct {
		name, file string
		want       []Problem
	}{
		{name: "empty config", file: ok},
		{name: "not json", file: `{"StateMachines":`, want: []Problem{{"$", "not a JSON object: unexpected end of JSON input"}}},
		{name: "not an object", file: `[]`, want: []Problem{{"$", "not a JSON object: expected an object"}}},
		{name: "missing sections", file: `{}`, want: []Problem{{"$", "missing field MockedResponses"}, {"$", "missing field StateMachines"}}},
		{name: "singular MockedResponse", file: `{"StateMachines":{},"MockedResponse":{}}`, want: []Problem{
			{"$", "missing field MockedResponses"},
			{`$["MockedResponse"]`, "unknown field; field names are case-sensitive: StateMachines and MockedResponses"}}},
		{name: "both return and throw", file: `{"StateMachines":{},"MockedResponses":{"R":{"0":{"Return":1,"Throw":{"Error":"E","Cause":"c"}}}}}`,
			want: []Problem{{`$.MockedResponses["R"]["0"]`, "has both Return and Throw; give exactly one"}}},
		{name: "neither", file: `{"StateMachines":{},"MockedResponses":{"R":{"0":{}}}}`,
			want: []Problem{{`$.MockedResponses["R"]["0"]`, "has neither Return nor Throw; give exactly one"}}},
		{name: "gap", file: `{"StateMachines":{},"MockedResponses":{"R":{"0":{"Return":1},"2":{"Return":2}}}}`,
			want: []Problem{{`$.MockedResponses["R"]["2"]`, `invocations must be numbered consecutively from 0: "1" is missing`}}},
		{name: "not from zero", file: `{"StateMachines":{},"MockedResponses":{"R":{"2-3":{"Return":1}}}}`,
			want: []Problem{{`$.MockedResponses["R"]["2-3"]`, `invocations must be numbered consecutively from 0: "0-1" is missing`}}},
		{name: "overlap", file: `{"StateMachines":{},"MockedResponses":{"R":{"0-2":{"Return":1},"2":{"Return":2}}}}`,
			want: []Problem{{`$.MockedResponses["R"]["2"]`, "overlaps invocation 2, which an earlier entry covers"}}},
		{name: "bad keys", file: `{"StateMachines":{},"MockedResponses":{"R":{"0":{"Return":1},"x":{"Return":1},"3-1":{"Return":1},"-1":{"Return":1}}}}`,
			want: []Problem{
				{`$.MockedResponses["R"]["-1"]`, `invocation numbers are a number such as "0" or an inclusive range such as "1-2"`},
				{`$.MockedResponses["R"]["3-1"]`, `invocation numbers are a number such as "0" or an inclusive range such as "1-2"`},
				{`$.MockedResponses["R"]["x"]`, `invocation numbers are a number such as "0" or an inclusive range such as "1-2"`}}},
		{name: "unknown response", file: `{"StateMachines":{"SM":{"TestCases":{"T":{"S":"Nope"}}}},"MockedResponses":{}}`,
			want: []Problem{{`$.StateMachines["SM"].TestCases["T"]["S"]`, `names the mocked response "Nope", which MockedResponses does not define`}}},
		{name: "bad throw", file: `{"StateMachines":{},"MockedResponses":{"R":{"0":{"Throw":{"Cause":3,"Extra":"x"}}}}}`,
			want: []Problem{
				{`$.MockedResponses["R"]["0"].Throw`, "missing field Error"},
				{`$.MockedResponses["R"]["0"].Throw.Cause`, "must be a string"},
				{`$.MockedResponses["R"]["0"].Throw["Extra"]`, "unknown field; Throw has Error and Cause"}}},
		{name: "shapes", file: `{"StateMachines":{"A":[],"B":{"TestCases":{"T":"x"},"Other":1},"C":{}},"MockedResponses":{"R":[],"Q":{"0":"x"}}}`,
			want: []Problem{
				{`$.MockedResponses["Q"]["0"]`, "must be an object with exactly one of Return or Throw"},
				{`$.MockedResponses["R"]`, `must be an object of invocation numbers ("0", "1-2", ...)`},
				{`$.StateMachines["A"]`, "must be an object with a TestCases field"},
				{`$.StateMachines["B"].TestCases["T"]`, "must be an object mapping state names to mocked response names"},
				{`$.StateMachines["B"]["Other"]`, "unknown field; a state machine has only TestCases"},
				{`$.StateMachines["C"]`, "missing field TestCases"}}},
		{name: "no invocations", file: `{"StateMachines":{},"MockedResponses":{"R":{}}}`,
			want: []Problem{{`$.MockedResponses["R"]`, `defines no invocation; give at least "0"`}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, err := Parse([]byte(tc.file))
			if tc.want == nil {
				require.NoError(t, err)
				require.NotNil(t, f)
				return
			}
			var pe *Error
			require.True(t, errors.As(err, &pe), "%v", err)
			require.Equal(t, tc.want, pe.Problems)
			require.Nil(t, f)
		})
	}
}

func FuzzParse(f *testing.F) {
	data, err := os.ReadFile("testdata/aws-guide-example.json")
	require.NoError(f, err)
	f.Add(data)
	f.Add([]byte(`{"StateMachines":{"S":{"TestCases":{"T":{"A":"R"}}}},"MockedResponses":{"R":{"0-999999999":{"Throw":{"Error":"E"}}}}}`))
	f.Add([]byte(`{"StateMachines":null,"MockedResponses":{"R":{"00":{"Return":null}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse(data)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || len(pe.Problems) == 0 {
				t.Fatalf("error without problems: %v", err)
			}
			return
		}
		for _, sm := range file.StateMachines() {
			for _, name := range file.TestCases(sm) {
				c, err := file.Case(sm, name)
				if err != nil {
					t.Fatal(err)
				}
				for state := range c.states {
					// Every mocked state answers invocation 0, and numbering has no gaps.
					if _, ok := c.Outcome(state, 0); !ok {
						t.Fatalf("%s/%s/%s: no invocation 0", sm, name, state)
					}
				}
			}
		}
	})
}
