package server_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/sfnlocaltest"
)

// startAndWait starts an execution of sm with the aws CLI and waits for it to end; it returns
// DescribeExecution's answer.
func startAndWait(t *testing.T, srv *sfnlocaltest.Server, sm, input string) map[string]any {
	t.Helper()
	arn := mustCLI(t, srv, "stepfunctions", "start-execution", "--state-machine-arn", sm, "--input", input)["executionArn"].(string)
	return waitExecution(t, srv, arn)
}

func waitExecution(t *testing.T, srv *sfnlocaltest.Server, arn string) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	require.NoError(t, srv.WaitExecution(ctx, arn))
	return mustCLI(t, srv, "stepfunctions", "describe-execution", "--execution-arn", arn)
}

// s3CLI runs an `aws s3` command (whose output is text, not JSON).
func s3CLI(t *testing.T, srv *sfnlocaltest.Server, args ...string) {
	t.Helper()
	cmd := exec.Command("aws", append(append([]string{"s3"}, args...), "--endpoint-url", srv.URL)...)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION="+srv.Config.Region,
		"AWS_PAGER=", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
}

func createMachine(t *testing.T, srv *sfnlocaltest.Server, name, def string) string {
	t.Helper()
	return mustCLI(t, srv, "stepfunctions", "create-state-machine", "--name", name, "--role-arn", "arn:aws:iam::123456789012:role/sfn", "--definition", def)["stateMachineArn"].(string)
}

// TestDistributedMapCLI drives Distributed Maps with the real aws CLI: objects uploaded with
// aws s3 cp are read as CSV (header row), JSON, JSONL and a bucket listing, in batches, with
// a tolerated failure; the results written to S3 are copied back with aws s3 cp; the Map Run
// is listed, described and updated; its children are listed and described, and a failed Map
// Run is redriven.
func TestDistributedMapCLI(t *testing.T) {
	t.Parallel()
	srv := sfnlocaltest.New(t, sfnlocaltest.WithTime("instant"))
	dir := t.TempDir()
	files := map[string]string{
		"people.csv":   "name,age\nana,31\nbob,17\ncy,45\ndee,8\n",
		"items.json":   `[{"n":1},{"n":2},{"n":3}]`,
		"items.jsonl":  "{\"n\":1}\n{\"n\":2}\n",
		"logs/a.txt":   "a",
		"logs/b.txt":   "bb",
		"logs/c/d.txt": "ddd",
	}
	s3CLI(t, srv, "mb", "s3://data")
	s3CLI(t, srv, "mb", "s3://results")
	for k, body := range files {
		p := filepath.Join(dir, strings.ReplaceAll(k, "/", "_"))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
		s3CLI(t, srv, "cp", p, "s3://data/"+k)
	}

	// CSV with a header row, batches of 2, one tolerated failure (a minor), results in S3.
	csvDef := `{"StartAt":"Map","States":{"Map":{"Type":"Map","Label":"people",
	  "ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV","CSVHeaderLocation":"FIRST_ROW"},
	    "Parameters":{"Bucket":"data","Key.$":"$.key"}},
	  "ItemBatcher":{"MaxItemsPerBatch":2,"BatchInput":{"source.$":"$.key"}},
	  "ToleratedFailureCount":2,"MaxConcurrency":2,
	  "ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"results","Prefix":"people"}},
	  "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"Check","States":{
	    "Check":{"Type":"Choice","Choices":[{"Variable":"$.Items[1].age","StringEquals":"8","Next":"Minor"}],"Default":"Ok"},
	    "Minor":{"Type":"Fail","Error":"Minor","Cause":"under age"},
	    "Ok":{"Type":"Pass","End":true}}},
	  "End":true}}}`
	sm := createMachine(t, srv, "people", csvDef)
	d := startAndWait(t, srv, sm, `{"key":"people.csv"}`)
	require.Equal(t, "SUCCEEDED", d["status"], d["cause"])
	var out struct {
		MapRunArn           string
		ResultWriterDetails struct{ Bucket, Key string }
	}
	require.NoError(t, json.Unmarshal([]byte(d["output"].(string)), &out))
	require.Contains(t, out.MapRunArn, ":mapRun:people/people:")
	require.Equal(t, "results", out.ResultWriterDetails.Bucket)
	id := out.MapRunArn[strings.LastIndexByte(out.MapRunArn, ':')+1:]
	require.Equal(t, "people/"+id+"/manifest.json", out.ResultWriterDetails.Key)
	back := filepath.Join(dir, "manifest.json")
	s3CLI(t, srv, "cp", "s3://results/"+out.ResultWriterDetails.Key, back)
	var manifest map[string]any
	data, err := os.ReadFile(back)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &manifest))
	require.Equal(t, out.MapRunArn, manifest["MapRunArn"])
	s3CLI(t, srv, "cp", "s3://results/people/"+id+"/SUCCEEDED_0.json", filepath.Join(dir, "ok.json"))
	s3CLI(t, srv, "cp", "s3://results/people/"+id+"/FAILED_0.json", filepath.Join(dir, "failed.json"))
	var failed []map[string]any
	data, err = os.ReadFile(filepath.Join(dir, "failed.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &failed))
	require.Len(t, failed, 1)
	require.Equal(t, "Minor", failed[0]["Error"])

	runs := mustCLI(t, srv, "stepfunctions", "list-map-runs", "--execution-arn", d["executionArn"].(string))["mapRuns"].([]any)
	require.Len(t, runs, 1)
	require.Equal(t, out.MapRunArn, runs[0].(map[string]any)["mapRunArn"])
	mr := mustCLI(t, srv, "stepfunctions", "describe-map-run", "--map-run-arn", out.MapRunArn)
	require.Equal(t, "SUCCEEDED", mr["status"])
	require.EqualValues(t, 2, mr["maxConcurrency"])
	require.EqualValues(t, 2, mr["toleratedFailureCount"])
	items := mr["itemCounts"].(map[string]any)
	require.EqualValues(t, 4, items["total"])
	require.EqualValues(t, 2, items["succeeded"])
	require.EqualValues(t, 2, items["failed"])
	execs := mr["executionCounts"].(map[string]any)
	require.EqualValues(t, 2, execs["total"])
	require.EqualValues(t, 1, execs["failed"])
	mustCLI(t, srv, "stepfunctions", "update-map-run", "--map-run-arn", out.MapRunArn, "--max-concurrency", "5", "--tolerated-failure-percentage", "50")
	mr = mustCLI(t, srv, "stepfunctions", "describe-map-run", "--map-run-arn", out.MapRunArn)
	require.EqualValues(t, 5, mr["maxConcurrency"])
	require.EqualValues(t, 50, mr["toleratedFailurePercentage"])

	kids := mustCLI(t, srv, "stepfunctions", "list-executions", "--map-run-arn", out.MapRunArn)["executions"].([]any)
	require.Len(t, kids, 2)
	kid := kids[0].(map[string]any)
	require.Equal(t, out.MapRunArn, kid["mapRunArn"])
	require.Contains(t, kid["stateMachineArn"], ":stateMachine:people/people")
	cd := mustCLI(t, srv, "stepfunctions", "describe-execution", "--execution-arn", kid["executionArn"].(string))
	require.Equal(t, out.MapRunArn, cd["mapRunArn"])
	require.JSONEq(t, `{"BatchInput":{"source":"people.csv"},"Items":[{"name":"ana","age":"31"},{"name":"bob","age":"17"}]}`, cd["input"].(string))
	dsm := mustCLI(t, srv, "stepfunctions", "describe-state-machine-for-execution", "--execution-arn", kid["executionArn"].(string))
	require.Equal(t, out.MapRunArn, dsm["mapRunArn"])
	require.Equal(t, "people", dsm["label"])
	require.Contains(t, dsm["definition"], `"Minor"`)
	h := mustCLI(t, srv, "stepfunctions", "get-execution-history", "--execution-arn", kid["executionArn"].(string))["events"].([]any)
	require.Equal(t, "ExecutionStarted", h[0].(map[string]any)["type"])
	require.Equal(t, "ExecutionSucceeded", h[len(h)-1].(map[string]any)["type"])

	// JSON, JSONL and a listing, each with a one-state Pass child.
	for _, tc := range []struct{ name, reader, want string }{
		{"json", `"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"data","Key":"items.json"}`, `[{"n":1},{"n":2},{"n":3}]`},
		{"jsonl", `"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSONL","MaxItems":1},"Parameters":{"Bucket":"data","Key":"items.jsonl"}`, `[{"n":1}]`},
		{"listing", `"Resource":"arn:aws:states:::s3:listObjectsV2","Parameters":{"Bucket":"data","Prefix":"logs/"}`, `["logs/a.txt","logs/b.txt","logs/c/d.txt"]`},
	} {
		def := `{"StartAt":"Map","States":{"Map":{"Type":"Map","ItemReader":{` + tc.reader + `},` +
			`"ItemSelector":{"v.$":"$$.Map.Item.Value"},` +
			`"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},"StartAt":"P","States":{"P":{"Type":"Pass","OutputPath":"$.v","End":true}}},` +
			`"End":true}}}`
		if tc.name == "listing" {
			def = strings.Replace(def, `"OutputPath":"$.v"`, `"OutputPath":"$.v.Key"`, 1)
		}
		d := startAndWait(t, srv, createMachine(t, srv, tc.name, def), `{}`)
		require.Equal(t, "SUCCEEDED", d["status"], "%s: %v", tc.name, d["cause"])
		require.JSONEq(t, tc.want, d["output"].(string), tc.name)
	}

	// A child fails while a flag object is missing; once it is uploaded, a redrive of the
	// parent re-runs only that child.
	redriveDef := `{"StartAt":"Map","States":{"Map":{"Type":"Map","MaxConcurrency":1,
	  "ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"data","Key":"items.json"}},
	  "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"Which","States":{
	    "Which":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericEquals":2,"Next":"Flag"}],"Default":"Done"},
	    "Flag":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:headObject","Parameters":{"Bucket":"data","Key":"flag"},"ResultSelector":{"ok":true},"End":true},
	    "Done":{"Type":"Pass","End":true}}},
	  "End":true}}}`
	d = startAndWait(t, srv, createMachine(t, srv, "redrive", redriveDef), `{}`)
	require.Equal(t, "FAILED", d["status"])
	parent := d["executionArn"].(string)
	mrArn := mustCLI(t, srv, "stepfunctions", "list-map-runs", "--execution-arn", parent)["mapRuns"].([]any)[0].(map[string]any)["mapRunArn"].(string)
	mr = mustCLI(t, srv, "stepfunctions", "describe-map-run", "--map-run-arn", mrArn)
	require.Equal(t, "FAILED", mr["status"])
	require.EqualValues(t, 1, mr["itemCounts"].(map[string]any)["failed"])
	require.EqualValues(t, 1, mr["itemCounts"].(map[string]any)["pending"])
	failedKid := mustCLI(t, srv, "stepfunctions", "list-executions", "--map-run-arn", mrArn, "--status-filter", "FAILED")["executions"].([]any)
	require.Len(t, failedKid, 1)
	kd := mustCLI(t, srv, "stepfunctions", "describe-execution", "--execution-arn", failedKid[0].(map[string]any)["executionArn"].(string))
	require.Equal(t, "REDRIVABLE_BY_MAP_RUN", kd["redriveStatus"])
	require.NoError(t, os.WriteFile(filepath.Join(dir, "flag"), []byte("1"), 0o600))
	s3CLI(t, srv, "cp", filepath.Join(dir, "flag"), "s3://data/flag")
	mustCLI(t, srv, "stepfunctions", "redrive-execution", "--execution-arn", parent)
	d = waitExecution(t, srv, parent)
	require.Equal(t, "SUCCEEDED", d["status"], d["cause"])
	require.JSONEq(t, `[{"n":1},{"ok":true},{"n":3}]`, d["output"].(string))
	mr = mustCLI(t, srv, "stepfunctions", "describe-map-run", "--map-run-arn", mrArn)
	require.Equal(t, "SUCCEEDED", mr["status"])
	require.EqualValues(t, 1, mr["redriveCount"])
	require.EqualValues(t, 3, mr["executionCounts"].(map[string]any)["succeeded"])
	kd = mustCLI(t, srv, "stepfunctions", "describe-execution", "--execution-arn", failedKid[0].(map[string]any)["executionArn"].(string))
	require.Equal(t, "SUCCEEDED", kd["status"])
	require.EqualValues(t, 1, kd["redriveCount"])
}
