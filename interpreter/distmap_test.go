package interpreter

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/internal/value"
	"github.com/sfnlocal/sfnlocal/interpreter/itemio"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// fakeS3 is an in-memory "s3" handler: getObject answers the body string, listObjectsV2 the
// listing's items, putObject stores the Body string.
type fakeS3 struct {
	mu      sync.Mutex
	objects map[string]string // bucket/key -> body
}

func newFakeS3(objs map[string]string) *fakeS3 {
	f := &fakeS3{objects: map[string]string{}}
	for k, v := range objs {
		f.objects[k] = v
	}
	return f
}

func (s *fakeS3) Invoke(_ context.Context, req *task.Request) (any, error) {
	m, _ := value.AsMap(req.Parameters)
	bucket, _ := m["Bucket"].(string)
	key, _ := m["Key"].(string)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch req.Action {
	case "getObject":
		body, ok := s.objects[bucket+"/"+key]
		if !ok {
			return nil, &task.Failure{Name: "S3.NoSuchKey", Cause: "The specified key does not exist."}
		}
		return body, nil
	case "putObject":
		s.objects[bucket+"/"+key], _ = m["Body"].(string)
		return value.ObjectOf("ETag", `"x"`), nil
	case "listObjectsV2":
		prefix, _ := m["Prefix"].(string)
		var keys []string
		for k := range s.objects {
			if strings.HasPrefix(k, bucket+"/"+prefix) {
				keys = append(keys, strings.TrimPrefix(k, bucket+"/"))
			}
		}
		sort.Strings(keys)
		out := []any{}
		for _, k := range keys {
			out = append(out, itemio.ObjectItem(itemio.Object{Key: k, ETag: `"e"`, Size: int64(len(s.objects[bucket+"/"+k])), LastModified: epoch}))
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown action %s", req.Action)
}

func (s *fakeS3) get(k string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.objects[k]
	return v, ok
}

func distMap(extra, processor string) string {
	if processor == "" {
		processor = `"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}`
	}
	return `{"StartAt":"M","States":{"M":{"Type":"Map",` + extra + `"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},` + processor + `},"End":true}}}`
}

const csvBody = "id,name\n1,a\n2,b\n3,c\n"

func TestDistributedMap(t *testing.T) {
	t.Parallel()
	failOdd := `"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.id","StringEquals":"2","Next":"F"}],"Default":"P"},"P":{"Type":"Pass","End":true},"F":{"Type":"Fail","Error":"Odd","Cause":"two"}}`
	tests := []struct {
		name       string
		def        string
		input      string
		wantStatus string
		wantOutput string
		wantError  string
		wantCause  string
		wantTypes  []string
		wantCounts MapRunCounts // items
		wantFiles  []string     // keys written
	}{
		{name: "csv first row", def: distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV"},"Parameters":{"Bucket":"b","Key":"f.csv"}},`, ""),
			wantStatus: StatusSucceeded, wantOutput: `[{"id":"1","name":"a"},{"id":"2","name":"b"},{"id":"3","name":"c"}]`,
			wantTypes:  []string{"ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapRunStarted", "MapRunSucceeded", "MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"},
			wantCounts: MapRunCounts{Succeeded: 3, Total: 3}},
		{name: "json max items path", def: distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON","MaxItemsPath":"$.n"},"Parameters":{"Bucket.$":"$.b","Key":"f.json"}},`, ""),
			input: `{"b":"b","n":2}`, wantStatus: StatusSucceeded, wantOutput: `[1,{"a":2}]`, wantCounts: MapRunCounts{Succeeded: 2, Total: 2}},
		{name: "jsonl jsonata", def: `{"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSONL"},"Arguments":{"Bucket":"b","Key":"{% $states.input.k %}"}},"ItemSelector":{"v":"{% $states.context.Map.Item.Value %}","i":"{% $states.context.Map.Item.Index %}"},"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`,
			input: `{"k":"f.jsonl"}`, wantStatus: StatusSucceeded, wantOutput: `[{"v":{"x":1},"i":0},{"v":{"x":2},"i":1}]`, wantCounts: MapRunCounts{Succeeded: 2, Total: 2}},
		{name: "listing", def: distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:listObjectsV2","Parameters":{"Bucket":"b","Prefix":"dir/"}},"ItemSelector":{"k.$":"$$.Map.Item.Value.Key"},`, ""),
			wantStatus: StatusSucceeded, wantOutput: `[{"k":"dir/1.json"},{"k":"dir/2.json"}]`, wantCounts: MapRunCounts{Succeeded: 2, Total: 2}},
		{name: "load and flatten", def: distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:listObjectsV2","ReaderConfig":{"InputType":"JSON","Transformation":"LOAD_AND_FLATTEN"},"Parameters":{"Bucket":"b","Prefix":"dir/"}},`, ""),
			wantStatus: StatusSucceeded, wantOutput: `[1,2,3]`, wantCounts: MapRunCounts{Succeeded: 3, Total: 3}},
		{name: "batches", def: distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV"},"Parameters":{"Bucket":"b","Key":"f.csv"}},"ItemBatcher":{"MaxItemsPerBatch":2,"BatchInput":{"x.$":"$.x"}},`, ""),
			input: `{"x":7}`, wantStatus: StatusSucceeded,
			wantOutput: `[{"BatchInput":{"x":7},"Items":[{"id":"1","name":"a"},{"id":"2","name":"b"}]},{"BatchInput":{"x":7},"Items":[{"id":"3","name":"c"}]}]`,
			wantCounts: MapRunCounts{Succeeded: 3, Total: 3}},
		{name: "failure without tolerance", def: distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV"},"Parameters":{"Bucket":"b","Key":"f.csv"}},"MaxConcurrency":1,`, failOdd),
			wantStatus: StatusFailed, wantError: "Odd", wantCause: "two",
			wantTypes:  []string{"ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapRunStarted", "MapRunFailed", "MapStateFailed", "ExecutionFailed"},
			wantCounts: MapRunCounts{Succeeded: 1, Failed: 1, Pending: 1, Total: 3, PendingRedrive: 2}},
		{name: "tolerated count", def: distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV"},"Parameters":{"Bucket":"b","Key":"f.csv"}},"ToleratedFailureCount":1,`, failOdd),
			wantStatus: StatusSucceeded, wantOutput: `[{"id":"1","name":"a"},null,{"id":"3","name":"c"}]`, wantCounts: MapRunCounts{Succeeded: 2, Failed: 1, Total: 3}},
		{name: "tolerated percentage exceeded", def: distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV"},"Parameters":{"Bucket":"b","Key":"f.csv"}},"ToleratedFailurePercentage":10,"MaxConcurrency":1,`, failOdd),
			wantStatus: StatusFailed, wantError: "States.ExceedToleratedFailureThreshold", wantCause: "The specified tolerated failure threshold was exceeded",
			wantCounts: MapRunCounts{Succeeded: 1, Failed: 1, Pending: 1, Total: 3, PendingRedrive: 2}},
		{name: "reader missing key", def: distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV"},"Parameters":{"Bucket":"b","Key":"nope"}},`, ""),
			wantStatus: StatusFailed, wantError: "States.ItemReaderFailed", wantCause: "The specified key does not exist."},
		{name: "max items negative", def: distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV","MaxItemsPath":"$.n"},"Parameters":{"Bucket":"b","Key":"f.csv"}},`, ""),
			input: `{"n":-1}`, wantStatus: StatusFailed, wantError: "States.ItemReaderFailed", wantCause: "field MaxItems must be positive"},
		{name: "result writer", def: distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV"},"Parameters":{"Bucket":"b","Key":"f.csv"}},"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"out","Prefix":"res"}},"ToleratedFailureCount":1,`, failOdd),
			wantStatus: StatusSucceeded, wantCounts: MapRunCounts{Succeeded: 2, Failed: 1, Total: 3, ResultsWritten: 3},
			wantFiles: []string{"manifest.json", "SUCCEEDED_0.json", "FAILED_0.json"}},
		{name: "writer config only", def: distMap(`"ItemsPath":"$.xs","ResultWriter":{"WriterConfig":{"Transformation":"FLATTEN"}},`, ""),
			input: `{"xs":[[1,2],[3]]}`, wantStatus: StatusSucceeded, wantOutput: `[1,2,3]`, wantCounts: MapRunCounts{Succeeded: 2, Total: 2}},
		{name: "items from input", def: distMap(`"ItemsPath":"$.xs","Label":"lbl",`, ""),
			input: `{"xs":[1,2]}`, wantStatus: StatusSucceeded, wantOutput: `[1,2]`,
			wantTypes:  []string{"ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapRunStarted", "MapRunSucceeded", "MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"},
			wantCounts: MapRunCounts{Succeeded: 2, Total: 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s3 := newFakeS3(map[string]string{
				"b/f.csv": csvBody, "b/f.json": `[1,{"a":2},3]`, "b/f.jsonl": "{\"x\":1}\n{\"x\":2}\n",
				"b/dir/1.json": `[1,2]`, "b/dir/2.json": `[3]`,
			})
			e := instantEngine(t, task.Registry{"s3": s3})
			input := tc.input
			if input == "" {
				input = "{}"
			}
			x := start(t, e, tc.def, input)
			wait(t, x)
			errName, _ := x.Error()
			cause, _ := x.Cause()
			require.Equal(t, tc.wantStatus, x.Status(), "%s: %s", errName, cause)
			if tc.wantOutput != "" {
				out, _ := x.Output()
				require.JSONEq(t, tc.wantOutput, out)
			}
			if tc.wantError != "" {
				require.Equal(t, tc.wantError, errName)
				require.Equal(t, tc.wantCause, cause)
			}
			if tc.wantTypes != nil {
				require.Equal(t, tc.wantTypes, types(x))
			}
			runs := e.MapRuns(x.Arn())
			require.Len(t, runs, 1)
			r := runs[0]
			require.True(t, strings.HasPrefix(r.Arn, "arn:aws:states:us-east-1:123456789012:mapRun:sm/"), r.Arn)
			if tc.wantCounts.Total > 0 {
				require.Equal(t, tc.wantCounts, r.ItemCounts)
			}
			for _, ev := range x.History() {
				if ev.Type == EvMapRunStarted {
					require.Equal(t, r.Arn, ev.MapRunArn)
				}
			}
			kids, ok := e.MapRunExecutions(r.Arn)
			require.True(t, ok)
			for _, k := range kids {
				require.Equal(t, r.Arn, k.MapRunArn())
				require.Contains(t, k.Arn(), ":sm/")
				if !k.IsExpress() {
					got, ok := e.ChildExecution(k.Arn())
					require.True(t, ok)
					require.Same(t, k, got)
					require.Equal(t, EvExecutionStarted, k.History()[0].Type)
				}
			}
			if tc.wantFiles != nil {
				out, _ := x.Output()
				var res struct {
					MapRunArn           string
					ResultWriterDetails struct{ Bucket, Key string }
				}
				require.NoError(t, json.Unmarshal([]byte(out), &res))
				require.Equal(t, r.Arn, res.MapRunArn)
				require.Equal(t, "out", res.ResultWriterDetails.Bucket)
				id := r.Arn[strings.LastIndexByte(r.Arn, ':')+1:]
				require.Equal(t, "res/"+id+"/manifest.json", res.ResultWriterDetails.Key)
				for _, f := range tc.wantFiles {
					_, ok := s3.get("out/res/" + id + "/" + f)
					require.True(t, ok, f)
				}
			}
		})
	}
}

// gateHandler reports each call on started and returns once released (or its context ends).
type gateHandler struct {
	started chan string
	release chan struct{}
}

func (g *gateHandler) Invoke(ctx context.Context, req *task.Request) (any, error) {
	m, _ := value.AsMap(req.Parameters)
	id, _ := m["id"].(string)
	g.started <- id
	select {
	case <-g.release:
		return req.Parameters, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

const gateProcessor = `"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::gate:call","End":true}}`

func TestDistributedMapStopAbortsRun(t *testing.T) {
	t.Parallel()
	g := &gateHandler{started: make(chan string, 10), release: make(chan struct{})}
	e := instantEngine(t, task.Registry{"s3": newFakeS3(map[string]string{"b/f.csv": csvBody}), "gate": g})
	x := start(t, e, distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV"},"Parameters":{"Bucket":"b","Key":"f.csv"}},"MaxConcurrency":2,`, gateProcessor), `{}`)
	<-g.started
	<-g.started
	require.NoError(t, x.Stop("", ""))
	require.Equal(t, StatusAborted, x.Status())
	got := types(x)
	require.Equal(t, []string{"ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapRunStarted", "MapRunAborted", "ExecutionAborted"}, got)
	r := e.MapRuns(x.Arn())[0]
	require.Equal(t, MapRunAborted, r.Status)
	require.Equal(t, MapRunCounts{Aborted: 2, Pending: 1, Total: 3, PendingRedrive: 3}, r.ItemCounts)
	kids, _ := e.MapRunExecutions(r.Arn)
	for _, k := range kids {
		<-k.Done()
		require.Equal(t, StatusAborted, k.Status())
	}
}

func TestDistributedMapUpdateConcurrency(t *testing.T) {
	t.Parallel()
	g := &gateHandler{started: make(chan string, 10), release: make(chan struct{})}
	e := instantEngine(t, task.Registry{"s3": newFakeS3(map[string]string{"b/f.csv": csvBody}), "gate": g})
	x := start(t, e, distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV"},"Parameters":{"Bucket":"b","Key":"f.csv"}},"MaxConcurrency":1,`, gateProcessor), `{}`)
	require.Equal(t, "1", <-g.started)
	r := e.MapRuns(x.Arn())[0]
	require.Equal(t, int64(1), r.MaxConcurrency)
	require.Equal(t, MapRunCounts{Running: 1, Pending: 2, Total: 3}, r.ItemCounts)
	three := int64(3)
	require.NoError(t, e.UpdateMapRun(r.Arn, MapRunUpdate{MaxConcurrency: &three}))
	require.ErrorIs(t, e.UpdateMapRun(r.Arn+"x", MapRunUpdate{}), ErrMapRunNotFound)
	g.release <- struct{}{}
	// Items 2 and 3 now run together: both start before either is released.
	require.Equal(t, "2", <-g.started)
	require.Equal(t, "3", <-g.started)
	close(g.release)
	wait(t, x)
	require.Equal(t, StatusSucceeded, x.Status())
	r, ok := e.MapRun(r.Arn)
	require.True(t, ok)
	require.Equal(t, MapRunSucceeded, r.Status)
	require.Equal(t, int64(3), r.MaxConcurrency)
	require.Equal(t, MapRunCounts{Succeeded: 3, Total: 3}, r.ExecutionCounts)
}

// firstFails fails the first call for each id in fail.
type firstFails struct {
	mu   sync.Mutex
	fail map[string]bool
}

func (f *firstFails) Invoke(_ context.Context, req *task.Request) (any, error) {
	m, _ := value.AsMap(req.Parameters)
	id, _ := m["id"].(string)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail[id] {
		delete(f.fail, id)
		return nil, &task.Failure{Name: "Flaky", Cause: "first try of " + id}
	}
	return id, nil
}

func TestDistributedMapRedrive(t *testing.T) {
	t.Parallel()
	fl := &firstFails{fail: map[string]bool{"2": true}}
	e := instantEngine(t, task.Registry{"s3": newFakeS3(map[string]string{"b/f.csv": csvBody}), "flaky": fl})
	x := start(t, e, distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV"},"Parameters":{"Bucket":"b","Key":"f.csv"}},"MaxConcurrency":1,`,
		`"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::flaky:call","End":true}}`), `{}`)
	wait(t, x)
	require.Equal(t, StatusFailed, x.Status())
	r := e.MapRuns(x.Arn())[0]
	require.Equal(t, MapRunFailed, r.Status)
	require.Equal(t, MapRunCounts{Succeeded: 1, Failed: 1, Pending: 1, Total: 3, PendingRedrive: 2}, r.ExecutionCounts)
	kids, _ := e.MapRunExecutions(r.Arn)
	require.Len(t, kids, 2)
	first := kids[0]
	_, err := x.Redrive()
	require.NoError(t, err)
	wait(t, x)
	require.Equal(t, StatusSucceeded, x.Status())
	out, _ := x.Output()
	require.JSONEq(t, `["1","2","3"]`, out)
	r, _ = e.MapRun(r.Arn)
	require.Equal(t, MapRunSucceeded, r.Status)
	require.Equal(t, 1, r.RedriveCount)
	require.Equal(t, MapRunCounts{Succeeded: 3, Total: 3}, r.ExecutionCounts)
	again, _ := e.MapRunExecutions(r.Arn)
	require.Len(t, again, 3)
	require.Same(t, first, again[0], "the succeeded child is not run again")
	require.Equal(t, 0, again[0].RedriveCount())
	require.Equal(t, 1, again[1].RedriveCount(), "the failed child is redriven")
	require.Len(t, e.MapRuns(x.Arn()), 1, "the redrive continues the Map Run")
	require.Contains(t, types(x), EvMapRunRedriven)
}

func TestDistributedMapValidation(t *testing.T) {
	t.Parallel()
	reader := func(cfg string) string {
		return `"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":` + cfg + `,"Parameters":{"Bucket":"b","Key":"k"}},`
	}
	tests := []struct {
		name, def, wantLoc, wantMsg string
	}{
		{"max items and path", distMap(reader(`{"InputType":"CSV","MaxItems":1,"MaxItemsPath":"$.n"}`), ""),
			"/States/M/ItemReader/ReaderConfig", "Only one of 'MaxItems' or 'MaxItemsPath' can be present"},
		{"max items negative", distMap(reader(`{"InputType":"CSV","MaxItems":-1}`), ""),
			"/States/M/ItemReader/ReaderConfig/MaxItems", "The value for the field 'MaxItems' must be an INTEGER between 0 and 100000000"},
		{"reader resource", distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"b","Key":"k"}},`, ""),
			"/States/M/ItemReader/Resource", "The value for the field 'Resource' must be one of [arn:aws:states:::s3:getObject, arn:aws:states:::s3:listObjectsV2]"},
		{"writer resource", distMap(`"ResultWriter":{"Resource":"arn:aws:states:::s3:getObject","Parameters":{"Bucket":"b"}},`, ""),
			"/States/M/ResultWriter/Resource", "The value for the field 'Resource' must be one of [arn:aws:states:::s3:putObject]"},
		{"batcher without limit", distMap(`"ItemBatcher":{"BatchInput":{}},`, ""),
			"/States/M/ItemBatcher", "At least one of 'MaxItemsPerBatch', 'MaxItemsPerBatchPath', 'MaxInputBytesPerBatch' or 'MaxInputBytesPerBatchPath' must be present"},
		{"batcher both", distMap(`"ItemBatcher":{"MaxItemsPerBatch":2,"MaxItemsPerBatchPath":"$.n"},`, ""),
			"/States/M/ItemBatcher", "Only one of 'MaxItemsPerBatch' or 'MaxItemsPerBatchPath' can be present"},
		{"reader in inline map", `{"StartAt":"M","States":{"M":{"Type":"Map",` + reader(`{"InputType":"CSV"}`) + `"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`,
			"/States/M/ItemReader", "The field 'ItemReader' is only supported when the ProcessorConfig Mode is DISTRIBUTED"},
		{"execution type", strings.Replace(distMap("", ""), `"STANDARD"`, `"SLOW"`, 1),
			"/States/M/ItemProcessor/ProcessorConfig/ExecutionType", "The value for the field 'ExecutionType' must be one of [STANDARD, EXPRESS]"},
		{"reader field", distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","Foo":1},`, ""),
			"/States/M/ItemReader", "Field 'Foo' is not supported"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ds := Validate(tc.def)
			found := false
			for _, d := range ds {
				found = found || (d.Location == tc.wantLoc && d.Message == tc.wantMsg)
			}
			require.True(t, found, "%+v", ds)
		})
	}
	// Valid: every field in both query languages.
	for _, def := range []string{
		distMap(reader(`{"InputType":"CSV","CSVHeaderLocation":"GIVEN","CSVHeaders":["a"],"MaxItemsPath":"$.n"}`)+`"ItemBatcher":{"MaxInputBytesPerBatchPath":"$.b","BatchInput":{"x.$":"$.x"}},"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"b","Prefix.$":"$.p"},"WriterConfig":{"OutputType":"JSONL","Transformation":"FLATTEN"}},`, ""),
		`{"QueryLanguage":"JSONata","StartAt":"M","States":{"M":{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:listObjectsV2","Arguments":{"Bucket":"{% $states.input.b %}"},"ReaderConfig":{"MaxItems":"{% 3 %}"}},"ItemBatcher":{"MaxItemsPerBatch":"{% 2 %}"},"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`,
	} {
		_, err := Parse(def)
		require.NoError(t, err, def)
	}
}

func TestForgetMapRuns(t *testing.T) {
	t.Parallel()
	e := instantEngine(t, nil)
	x := start(t, e, distMap(`"ItemsPath":"$.xs",`, ""), `{"xs":[1,2]}`)
	wait(t, x)
	runs := e.MapRuns(x.Arn())
	require.Len(t, runs, 1)
	kids, _ := e.MapRunExecutions(runs[0].Arn)
	require.Len(t, kids, 2)
	e.ForgetMapRuns(x.Arn())
	require.Empty(t, e.MapRuns(x.Arn()))
	_, ok := e.MapRun(runs[0].Arn)
	require.False(t, ok)
	_, ok = e.ChildExecution(kids[0].Arn())
	require.False(t, ok)
}

func TestDistributedMapRedriveAfterReaderFailure(t *testing.T) {
	t.Parallel()
	s3 := newFakeS3(nil)
	e := instantEngine(t, task.Registry{"s3": s3})
	x := start(t, e, distMap(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV"},"Parameters":{"Bucket":"b","Key":"f.csv"}},`, ""), `{}`)
	wait(t, x)
	require.Equal(t, StatusFailed, x.Status())
	errName, _ := x.Error()
	require.Equal(t, errItemReaderFailed, errName)
	s3.mu.Lock()
	s3.objects["b/f.csv"] = csvBody
	s3.mu.Unlock()
	_, err := x.Redrive()
	require.NoError(t, err)
	wait(t, x)
	require.Equal(t, StatusSucceeded, x.Status())
	// The first Map Run never started children: the redrive starts a new one.
	runs := e.MapRuns(x.Arn())
	require.Len(t, runs, 2)
	require.Equal(t, MapRunFailed, runs[0].Status)
	require.Equal(t, MapRunSucceeded, runs[1].Status)
	require.EqualValues(t, 3, runs[1].ItemCounts.Succeeded)
	require.Equal(t, []string{"ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapRunStarted", "MapRunFailed", "MapStateFailed", "ExecutionFailed",
		"ExecutionRedriven", "MapStateEntered", "MapStateStarted", "MapRunStarted", "MapRunSucceeded", "MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"}, types(x))
}
