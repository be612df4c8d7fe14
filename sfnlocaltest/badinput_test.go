package sfnlocaltest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/api"
	"github.com/sfnlocal/sfnlocal/sfnlocaltest"
)

// reply is one awsJson1_0 answer.
type reply struct {
	status int
	code   string
	body   map[string]any
	raw    string
}

// call sends one Step Functions request to the server.
func call(t testing.TB, url, op string, body []byte) reply {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("X-Amz-Target", "AWSStepFunctions."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err, "%s: the server must answer", op)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	r := reply{status: resp.StatusCode, code: resp.Header.Get("X-Amzn-ErrorType"), raw: string(b)}
	_ = json.Unmarshal(b, &r.body)
	return r
}

func mustCall(t testing.TB, url, op, body string) map[string]any {
	t.Helper()
	r := call(t, url, op, []byte(body))
	require.Equal(t, 200, r.status, "%s %s: %s", op, body, r.raw)
	return r.body
}

// operations maps every Step Functions operation to its input shape (api/types.go).
var operations = map[string]reflect.Type{
	"CreateStateMachine":               reflect.TypeFor[api.CreateStateMachineInput](),
	"DescribeStateMachine":             reflect.TypeFor[api.DescribeStateMachineInput](),
	"DescribeStateMachineForExecution": reflect.TypeFor[api.DescribeStateMachineForExecutionInput](),
	"UpdateStateMachine":               reflect.TypeFor[api.UpdateStateMachineInput](),
	"DeleteStateMachine":               reflect.TypeFor[api.DeleteStateMachineInput](),
	"ListStateMachines":                reflect.TypeFor[api.ListStateMachinesInput](),
	"ValidateStateMachineDefinition":   reflect.TypeFor[api.ValidateStateMachineDefinitionInput](),
	"PublishStateMachineVersion":       reflect.TypeFor[api.PublishStateMachineVersionInput](),
	"ListStateMachineVersions":         reflect.TypeFor[api.ListStateMachineVersionsInput](),
	"DeleteStateMachineVersion":        reflect.TypeFor[api.DeleteStateMachineVersionInput](),
	"CreateStateMachineAlias":          reflect.TypeFor[api.CreateStateMachineAliasInput](),
	"DescribeStateMachineAlias":        reflect.TypeFor[api.DescribeStateMachineAliasInput](),
	"UpdateStateMachineAlias":          reflect.TypeFor[api.UpdateStateMachineAliasInput](),
	"DeleteStateMachineAlias":          reflect.TypeFor[api.DeleteStateMachineAliasInput](),
	"ListStateMachineAliases":          reflect.TypeFor[api.ListStateMachineAliasesInput](),
	"StartExecution":                   reflect.TypeFor[api.StartExecutionInput](),
	"StartSyncExecution":               reflect.TypeFor[api.StartExecutionInput](),
	"StopExecution":                    reflect.TypeFor[api.StopExecutionInput](),
	"DescribeExecution":                reflect.TypeFor[api.DescribeExecutionInput](),
	"ListExecutions":                   reflect.TypeFor[api.ListExecutionsInput](),
	"GetExecutionHistory":              reflect.TypeFor[api.GetExecutionHistoryInput](),
	"RedriveExecution":                 reflect.TypeFor[api.RedriveExecutionInput](),
	"DescribeMapRun":                   reflect.TypeFor[api.DescribeMapRunInput](),
	"ListMapRuns":                      reflect.TypeFor[api.ListMapRunsInput](),
	"UpdateMapRun":                     reflect.TypeFor[api.UpdateMapRunInput](),
	"CreateActivity":                   reflect.TypeFor[api.CreateActivityInput](),
	"DescribeActivity":                 reflect.TypeFor[api.ActivityArnInput](),
	"DeleteActivity":                   reflect.TypeFor[api.ActivityArnInput](),
	"ListActivities":                   reflect.TypeFor[api.ListActivitiesInput](),
	"GetActivityTask":                  reflect.TypeFor[api.GetActivityTaskInput](),
	"SendTaskSuccess":                  reflect.TypeFor[api.SendTaskSuccessInput](),
	"SendTaskFailure":                  reflect.TypeFor[api.SendTaskFailureInput](),
	"SendTaskHeartbeat":                reflect.TypeFor[api.SendTaskHeartbeatInput](),
	"TagResource":                      reflect.TypeFor[api.TagResourceInput](),
	"UntagResource":                    reflect.TypeFor[api.UntagResourceInput](),
	"ListTagsForResource":              reflect.TypeFor[api.ListTagsForResourceInput](),
	"TestState":                        reflect.TypeFor[api.TestStateInput](),
}

// fixture is what the bad-input table runs against: one of each resource.
type fixture struct {
	url                                  string
	sm, version, alias, exec, activity   string
	missingActivity, mapRun, missingExec string
}

const (
	account  = "123456789012"
	roleArn  = "arn:aws:iam::123456789012:role/r"
	passDef  = `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	waitDef  = `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":99999999,"End":true}}}`
	smPrefix = "arn:aws:states:us-east-1:123456789012:"
)

func newFixture(t *testing.T) *fixture {
	srv := sfnlocaltest.New(t)
	f := &fixture{url: srv.URL}
	out := mustCall(t, f.url, "CreateStateMachine", `{"name":"sm","roleArn":"`+roleArn+`","definition":`+quote(passDef)+`,"publish":true,"tags":[{"key":"k","value":"v"}]}`)
	f.sm, f.version = out["stateMachineArn"].(string), out["stateMachineVersionArn"].(string)
	out = mustCall(t, f.url, "CreateStateMachineAlias", `{"name":"live","routingConfiguration":[{"stateMachineVersionArn":"`+f.version+`","weight":100}]}`)
	f.alias = out["stateMachineAliasArn"].(string)
	// an execution that stays RUNNING for the whole test, so the snapshot holds still
	out = mustCall(t, f.url, "UpdateStateMachine", `{"stateMachineArn":"`+f.sm+`","definition":`+quote(waitDef)+`}`)
	out = mustCall(t, f.url, "StartExecution", `{"stateMachineArn":"`+f.sm+`","name":"waiting"}`)
	f.exec = out["executionArn"].(string)
	out = mustCall(t, f.url, "CreateActivity", `{"name":"act"}`)
	f.activity = out["activityArn"].(string)
	f.missingActivity = smPrefix + "activity:nope"
	f.missingExec = smPrefix + "execution:sm:nope"
	f.mapRun = smPrefix + "mapRun:sm/m:11111111-1111-1111-1111-111111111111"
	return f
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// base is a request for op that is valid apart from what a row breaks: every required member
// set, pointing at the fixture's resources (or, for operations that would wait or change
// the fixture, at resources that do not exist).
func (f *fixture) base(op string) map[string]string {
	switch op {
	case "CreateStateMachine":
		return map[string]string{"name": `"fresh"`, "roleArn": quote(roleArn), "definition": quote(passDef)}
	case "CreateStateMachineAlias":
		return map[string]string{"name": `"fresh"`, "routingConfiguration": `[{"stateMachineVersionArn":"` + f.version + `","weight":100}]`}
	case "CreateActivity":
		return map[string]string{"name": `"fresh"`}
	case "DescribeStateMachineForExecution", "DescribeExecution", "GetExecutionHistory", "ListMapRuns":
		return map[string]string{"executionArn": quote(f.exec)}
	case "StopExecution", "RedriveExecution":
		return map[string]string{"executionArn": quote(f.missingExec)}
	case "UpdateStateMachine", "DescribeStateMachine", "PublishStateMachineVersion", "ListStateMachineVersions", "ListStateMachineAliases":
		return map[string]string{"stateMachineArn": quote(f.sm)}
	case "ListExecutions":
		return map[string]string{"stateMachineArn": quote(f.sm)}
	case "StartExecution", "StartSyncExecution":
		return map[string]string{"stateMachineArn": quote(smPrefix + "stateMachine:nope")}
	case "DeleteStateMachine":
		return map[string]string{"stateMachineArn": quote(smPrefix + "stateMachine:nope")}
	case "DeleteStateMachineVersion":
		return map[string]string{"stateMachineVersionArn": quote(smPrefix + "stateMachine:nope:1")}
	case "DescribeStateMachineAlias", "UpdateStateMachineAlias":
		return map[string]string{"stateMachineAliasArn": quote(f.alias)}
	case "DeleteStateMachineAlias":
		return map[string]string{"stateMachineAliasArn": quote(smPrefix + "stateMachine:sm:nope")}
	case "DescribeMapRun", "UpdateMapRun":
		return map[string]string{"mapRunArn": quote(f.mapRun)}
	case "DescribeActivity":
		return map[string]string{"activityArn": quote(f.activity)}
	case "DeleteActivity", "GetActivityTask":
		return map[string]string{"activityArn": quote(f.missingActivity)}
	case "SendTaskSuccess":
		return map[string]string{"taskToken": `"nope"`, "output": `"{}"`}
	case "SendTaskFailure", "SendTaskHeartbeat":
		return map[string]string{"taskToken": `"nope"`}
	case "TagResource":
		return map[string]string{"resourceArn": quote(smPrefix + "stateMachine:nope"), "tags": `[{"key":"k2","value":"v"}]`}
	case "UntagResource":
		return map[string]string{"resourceArn": quote(smPrefix + "stateMachine:nope"), "tagKeys": `["k"]`}
	case "ListTagsForResource":
		return map[string]string{"resourceArn": quote(f.sm)}
	case "TestState":
		return map[string]string{"definition": quote(`{"Type":"Pass","End":true}`)}
	}
	return map[string]string{}
}

// snapshot is everything a bad request must leave as it was.
func (f *fixture) snapshot(t *testing.T) string {
	var b strings.Builder
	for _, q := range [][2]string{
		{"ListStateMachines", `{}`},
		{"ListActivities", `{}`},
		{"ListExecutions", `{"stateMachineArn":"` + f.sm + `"}`},
		{"ListStateMachineVersions", `{"stateMachineArn":"` + f.sm + `"}`},
		{"ListStateMachineAliases", `{"stateMachineArn":"` + f.sm + `"}`},
		{"ListTagsForResource", `{"resourceArn":"` + f.sm + `"}`},
		{"DescribeStateMachine", `{"stateMachineArn":"` + f.sm + `"}`},
		{"DescribeStateMachineAlias", `{"stateMachineAliasArn":"` + f.alias + `"}`},
	} {
		r := call(t, f.url, q[0], []byte(q[1]))
		require.Equal(t, 200, r.status, r.raw)
		b.WriteString(r.raw)
	}
	return b.String()
}

// badRow is one bad input: the member it breaks, its raw JSON value, and the error codes
// AWS may answer with (the first is expected where it is the only one).
type badRow struct {
	kind, member, value string
	codes               []string
}

// stringMember reports whether f is a string member; kind names its JSON kind.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "bool"
	case reflect.Int, reflect.Int32, reflect.Int64:
		return "int"
	case reflect.Float32, reflect.Float64:
		return "float"
	case reflect.Slice:
		return "list"
	}
	return "object"
}

const ser = "SerializationException"

// rows generates the bad inputs for every member of an input shape.
func rows(shape reflect.Type) []badRow {
	deep := strings.Repeat("[", 10_001) + strings.Repeat("]", 10_001)
	var out []badRow
	for i := range shape.NumField() {
		fld := shape.Field(i)
		member, _, _ := strings.Cut(fld.Tag.Get("json"), ",")
		if member == "" || member == "-" {
			continue
		}
		kind := jsonKind(fld.Type)
		wrong := map[string]string{"string": `12`, "bool": `"yes"`, "int": `"ten"`, "float": `"ten"`, "list": `{"a":1}`, "object": `"x"`}[kind]
		out = append(out,
			badRow{"wrong type", member, wrong, []string{ser}},
			badRow{"deeply nested", member, deep, []string{ser}},
		)
		switch kind {
		case "string":
			long := 300_000
			if member == "definition" {
				long = 1_048_577
			}
			out = append(out,
				badRow{"too long", member, quote(strings.Repeat("a", long)), []string{"ValidationException"}},
				badRow{"invalid UTF-8", member, "\"a\xffb\"", []string{ser}},
				badRow{"unpaired surrogate", member, `"a\ud800b"`, surrogateCodes(member)},
			)
			if member == "input" || member == "output" || member == "definition" {
				// 174,763 three-byte characters: under the limit in characters, over it in bytes
				n := 262144/3 + 1
				if member == "definition" {
					n = 1048576/3 + 1
				}
				out = append(out, badRow{"too long in UTF-8 bytes", member, quote(strings.Repeat("€", n)), []string{"ValidationException"}})
			}
			if strings.HasSuffix(strings.ToLower(member), "arn") {
				out = append(out, badRow{"malformed ARN", member, `"arn:aws:states:us-east-1:123456789012"`, []string{"InvalidArn", "ValidationException"}})
			}
		case "int", "float":
			out = append(out,
				badRow{"out of range (negative)", member, `-1`, []string{"ValidationException"}},
				badRow{"out of range (huge)", member, `1099511627776`, []string{"ValidationException"}},
			)
		}
	}
	return out
}

// surrogateCodes are the answers to an unpaired surrogate in member: each member with its
// own check refuses it there, the others make the body unreadable.
func surrogateCodes(member string) []string {
	switch member {
	case "name":
		return []string{"InvalidName", "ValidationException"}
	case "input":
		return []string{"InvalidExecutionInput", "ValidationException"}
	case "definition":
		return []string{"InvalidDefinition"}
	case "output":
		return []string{"InvalidOutput", "InvalidToken"}
	case "variables", "context":
		return []string{"InvalidExecutionInput", "ValidationException", "InvalidDefinition"}
	}
	return []string{ser}
}

// accepted lists rows whose input AWS's model (botocore's stepfunctions-2016-11-23) does not
// constrain: the operation answers as for the base request, so only "nothing changed" is
// checked. Every other string member has a maximum length or an enum, and every other
// number a range.
var accepted = map[string]string{
	"PublishStateMachineVersion/revisionId/too long":         "RevisionId has no maximum length",
	"UpdateMapRun/maxConcurrency/out of range (huge)":        "MaxConcurrency has no maximum",
	"UpdateMapRun/toleratedFailureCount/out of range (huge)": "ToleratedFailureCount has no maximum",
	"StartExecution/includedData/too long":                   "includedData is a StartSyncExecution member only",
	"StartExecution/includedData/unpaired surrogate":         "includedData is a StartSyncExecution member only",
}

// TestBadInputTable sends every kind of bad input to every member of every Step Functions
// operation (issue 17: wrong JSON type, out of range, too long, too long in UTF-8 bytes,
// malformed ARN, deeply nested, invalid UTF-8, unpaired surrogate) and checks that each gets
// an AWS error code, that the server still answers, and that nothing changed.
func TestBadInputTable(t *testing.T) {
	if testing.Short() {
		t.Skip("sends about a thousand requests")
	}
	f := newFixture(t)
	before := f.snapshot(t)
	ops := make([]string, 0, len(operations))
	for op := range operations {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	total := 0
	for _, op := range ops {
		for _, row := range rows(operations[op]) {
			name := op + "/" + row.member + "/" + row.kind
			members := f.base(op)
			members[row.member] = row.value
			keys := make([]string, 0, len(members))
			for k := range members {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			var body bytes.Buffer
			body.WriteByte('{')
			for i, k := range keys {
				if i > 0 {
					body.WriteByte(',')
				}
				fmt.Fprintf(&body, "%q:%s", k, members[k])
			}
			body.WriteByte('}')
			total++
			t.Run(name, func(t *testing.T) {
				r := call(t, f.url, op, body.Bytes())
				if why, ok := accepted[name]; ok {
					t.Logf("accepted (%s): %d %s", why, r.status, r.code)
				} else if op == "ValidateStateMachineDefinition" && row.member == "definition" && r.status == 200 {
					require.Equal(t, "FAIL", r.body["result"], "%.300s", r.raw)
				} else {
					require.Contains(t, row.codes, r.code, "%d %.300s", r.status, r.raw)
					require.Equal(t, 400, r.status)
				}
				after := f.snapshot(t)
				if after != before {
					was := before
					before = after // report each change once
					t.Fatalf("changed something: before %s\nafter %s", was, after)
				}
			})
		}
	}
	t.Logf("%d bad inputs over %d operations", total, len(ops))
}
