package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/value"
	"github.com/sfnlocal/sfnlocal/interpreter"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// outcome is one recorded integration result, replayed to the interpreter.
type outcome struct {
	callback    bool // answered with SendTaskSuccess/Failure (.waitForTaskToken)
	submitted   any
	hasSubmit   bool
	output      any
	failed      bool
	errName     string
	cause       string
	description string
}

// replayRegistry answers every Task with the outcomes recorded in the case's history, in
// order, so the interpreter's Task handling (events, Retry, Catch, result processing) can be
// checked against recordings of Lambda and other services without running them.
func replayRegistry(c *Case, engine func() *interpreter.Engine) (task.Registry, error) {
	var outs []outcome
	var pending *outcome
	ordered := orderedHistory(c)
	for i, ev := range c.HistoryEvents {
		typ, _ := ev["type"].(string)
		details := func(key string) map[string]any {
			m, _ := ev[key].(map[string]any)
			return m
		}
		// output is the recorded output of event i in the recording's own key order (AWS's):
		// c.HistoryEvents, decoded into maps, lost it.
		output := func(key string) any {
			if i < len(ordered) {
				if d, ok := ordered[i].Get(key); ok {
					if o, ok := d.(*value.Object); ok {
						if v, ok := o.Get("output"); ok {
							return v
						}
					}
				}
			}
			return details(key)["output"]
		}
		switch typ {
		case "TaskSubmitted":
			v, err := recordedValue(output("taskSubmittedEventDetails"))
			if err != nil {
				return nil, err
			}
			pending = &outcome{submitted: v, hasSubmit: true}
		case "TaskSucceeded", "LambdaFunctionSucceeded":
			key := "taskSucceededEventDetails"
			if typ == "LambdaFunctionSucceeded" {
				key = "lambdaFunctionSucceededEventDetails"
			}
			v, err := recordedValue(output(key))
			if err != nil {
				return nil, err
			}
			o := outcome{output: v}
			if pending != nil {
				o.submitted, o.hasSubmit = pending.submitted, true
			}
			outs, pending = append(outs, o), nil
		case "TaskFailed", "LambdaFunctionFailed":
			if d := details("taskFailedEventDetails"); d != nil {
				if _, hasErr := d["error"]; !hasErr {
					// A callback failed without error or cause: keep both absent.
					o := outcome{failed: true, errName: "", cause: ""}
					if pending != nil {
						o.submitted, o.hasSubmit = pending.submitted, true
					}
					outs, pending = append(outs, o), nil
					continue
				}
			}
			key := "taskFailedEventDetails"
			if typ == "LambdaFunctionFailed" {
				key = "lambdaFunctionFailedEventDetails"
			}
			d := details(key)
			o := outcome{failed: true}
			o.errName, _ = d["error"].(string)
			o.cause = recordedText(d["cause"])
			if pending != nil {
				o.submitted, o.hasSubmit = pending.submitted, true
			}
			outs, pending = append(outs, o), nil
		case "TaskTimedOut", "LambdaFunctionTimedOut", "TaskStartFailed", "TaskSubmitFailed", "LambdaFunctionStartFailed", "LambdaFunctionScheduleFailed":
			return nil, fmt.Errorf("cannot replay %s", typ)
		}
	}
	var mu sync.Mutex
	next := 0
	h := task.HandlerFunc(func(_ context.Context, req *task.Request) (any, error) {
		mu.Lock()
		defer mu.Unlock()
		if next >= len(outs) {
			return nil, &task.Failure{Name: "Replay.Exhausted", Cause: "no recorded outcome left"}
		}
		o := outs[next]
		next++
		if req.Pattern == task.WaitForTaskToken {
			// The call returns the submit response; the recorded result arrives by callback.
			e, token := engine(), req.TaskToken
			go func() {
				if o.failed {
					_ = e.SendTaskFailure(token, o.errName, o.cause)
					return
				}
				out, _ := task.Encode(o.output)
				_ = e.SendTaskSuccess(token, string(out))
			}()
			return o.submitted, nil
		}
		if o.hasSubmit {
			req.Submitted(o.submitted)
		}
		if o.failed {
			return nil, &task.Failure{Name: o.errName, Cause: o.cause}
		}
		return o.output, nil
	})
	reg := task.Registry{}
	for _, svc := range []string{"lambda", "sqs", "sns", "dynamodb", "events", "states", "ecs", "glue", "batch", "apigateway", "athena", "codebuild", "eks", "http", "bedrock"} {
		reg[svc] = h
	}
	for _, svc := range []string{"s3", "dynamodb", "secretsmanager", "sfn", "sqs", "sns", "lambda", "kms", "ec2", "iam", "cloudwatch"} {
		reg["aws-sdk:"+svc] = h
	}
	return reg, nil
}

// recordedValue turns a recorded payload (parsed by the snapshot, or JSON text) into the
// generic JSON form the interpreter uses.
func recordedValue(v any) (any, error) {
	text := recordedText(v)
	if text == "" {
		return nil, nil
	}
	out, err := task.Decode([]byte(text))
	if err != nil {
		return text, nil //nolint:nilerr // a raw string result
	}
	return out, nil
}

func recordedText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case *value.Object, []any:
		data, _ := value.Encode(v)
		return string(data)
	}
	data, _ := json.Marshal(v)
	return string(data)
}

// orderedHistory reads the case's history events in document order (nil when unreadable).
func orderedHistory(c *Case) []*value.Object {
	data, err := os.ReadFile(c.File)
	if err != nil {
		return nil
	}
	doc, err := value.Decode(data)
	if err != nil {
		return nil
	}
	obj, _ := doc.(*value.Object)
	if obj == nil {
		return nil
	}
	hv, _ := obj.Get("history_events")
	list, _ := hv.([]any)
	out := make([]*value.Object, len(list))
	for i, e := range list {
		out[i], _ = e.(*value.Object)
	}
	return out
}

// replaySkipped lists replayable recordings that no longer show what AWS does, with the reason.
var replaySkipped = map[string]string{
	"scenarios/test_base_scenarios::TestBaseScenarios.test_lambda_invoke_with_retry_extended_input":         preRedrive,
	"scenarios/test_base_scenarios::TestBaseScenarios.test_lambda_service_invoke_with_retry_extended_input": preRedrive,
}

const preRedrive = "recorded in Oct 2023, before AWS added $$.Execution.RedriveCount (redrive launched Nov 2023; every later recording has it)"

// TestReplayIntegrations runs the Lambda-tier and other-service recordings whose Task results
// can be replayed from their own history (no callbacks, activities, timeouts or concurrent
// branches), checking Task events, Retry/Catch and result processing against AWS.
func TestReplayIntegrations(t *testing.T) {
	dir := corpus(t)
	cases, err := LoadCases(dir)
	if err != nil {
		t.Fatal(err)
	}
	var passed, total, orderOK, orderTotal int
	var failures []string
	for _, c := range cases {
		def := string(c.Definition)
		if (c.Tier != "lambda" && c.Tier != "other-services") || c.HistoryEvents == nil ||
			strings.Contains(def, ":activity:") ||
			!sequentialMaps(c.Definition) || strings.Contains(def, "<fake:") ||
			c.Expected.Status == "RUNNING" || len(c.Definition) == 0 || string(c.Definition) == "null" {
			continue
		}
		if reason, ok := replaySkipped[c.Name]; ok {
			t.Logf("skip %s: %s", c.Name, reason)
			continue
		}
		var mu sync.Mutex
		var eng *interpreter.Engine
		reg, err := replayRegistry(c, func() *interpreter.Engine {
			mu.Lock()
			defer mu.Unlock()
			return eng
		})
		if err != nil {
			continue
		}
		total++
		r, err := RunCase(c, Options{Tasks: reg, OnEngine: func(e *interpreter.Engine) {
			mu.Lock()
			eng = e
			mu.Unlock()
		}})
		if err == nil {
			err = NewComparer(c).Compare(r)
		}
		if err != nil {
			failures = append(failures, fmt.Sprintf("%s: %v", c.Name, err))
			continue
		}
		passed++
		// The payloads we generate (templates, parameters, ResultPath merges; the replayed
		// results are AWS's own) must come in AWS's key order too.
		if !c.ParallelEventsSorted {
			if diffs, ok, kerr := keyOrderDiffs(c, r); kerr == nil && ok {
				orderTotal++
				if len(diffs) > 0 {
					if len(diffs) > 3 {
						diffs = diffs[:3]
					}
					t.Errorf("%s: key order differs from AWS's:\n   %s", c.Name, strings.Join(diffs, "\n   "))
				} else {
					orderOK++
				}
			}
		}
	}
	for _, f := range failures {
		if len(f) > 1200 {
			f = f[:1200] + "..."
		}
		t.Log("FAIL " + f)
	}
	t.Logf("replay key order: %d/%d cases in AWS's key order", orderOK, orderTotal)
	t.Logf("replay: %d/%d passed", passed, total)
	fmt.Printf("replay: %d/%d passed\n", passed, total)
	if total == 0 || passed != total {
		t.Errorf("replay: %d/%d passed; every replayed case must pass", passed, total)
	}
}

// sequentialMaps reports whether every Map state of the definition is an inline Map without
// ItemReader that runs its iterations one at a time (MaxConcurrency 1): then the iterations'
// Task results are in the parent history, in the order they are consumed. (A Distributed
// Map's children are executions of their own, not recorded in the parent history.)
func sequentialMaps(def json.RawMessage) bool {
	var v any
	if json.Unmarshal(def, &v) != nil {
		return false
	}
	ok := true
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if br, _ := v["Branches"].([]any); v["Type"] == "Parallel" && len(br) != 1 {
				ok = false
			}
			if v["Type"] == "Map" {
				mc, _ := v["MaxConcurrency"].(float64)
				_, reader := v["ItemReader"]
				_, batcher := v["ItemBatcher"]
				proc, _ := v["ItemProcessor"].(map[string]any)
				cfg, _ := proc["ProcessorConfig"].(map[string]any)
				if mc != 1 || reader || batcher || cfg["Mode"] == "DISTRIBUTED" {
					ok = false
				}
			}
			for _, c := range v {
				walk(c)
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		}
	}
	walk(v)
	return ok
}

// TestReplayActivities runs the activity recordings: the definition's activity placeholder
// becomes a local activity ARN, and a worker polls it with the recorded worker name and
// answers as recorded (success, failure, or no answer until the Task times out, with time
// moved on a fake clock).
func TestReplayActivities(t *testing.T) {
	dir := corpus(t)
	cases, err := LoadCases(dir)
	if err != nil {
		t.Fatal(err)
	}
	const arn = "arn:aws:states:us-east-1:111111111111:activity:replay"
	placeholder := regexp.MustCompile(`<fake:fixture:create_activity\(\)\[[^\]]*\]>`)
	var passed, total int
	for _, c := range cases {
		if c.Category != "activities" || c.HistoryEvents == nil || !placeholder.Match(c.Definition) {
			continue
		}
		total++
		cc := *c
		cc.Definition = placeholder.ReplaceAll(c.Definition, []byte(arn))
		worker := ""
		var reply func(e *interpreter.Engine, token string)
		exists := true
		for _, ev := range c.HistoryEvents {
			switch ev["type"] {
			case "ActivityStarted":
				d, _ := ev["activityStartedEventDetails"].(map[string]any)
				worker, _ = d["workerName"].(string)
			case "ActivitySucceeded":
				d, _ := ev["activitySucceededEventDetails"].(map[string]any)
				out := recordedText(d["output"])
				reply = func(e *interpreter.Engine, token string) { _ = e.SendTaskSuccess(token, out) }
			case "ActivityFailed":
				d, _ := ev["activityFailedEventDetails"].(map[string]any)
				errName, _ := d["error"].(string)
				cause := recordedText(d["cause"])
				reply = func(e *interpreter.Engine, token string) { _ = e.SendTaskFailure(token, errName, cause) }
			}
		}
		if strings.Contains(recordedText(c.Expected.Cause), "does not exist") {
			exists = false // recorded after the activity was deleted
		}
		fake := clock.NewFake(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
		var eng *interpreter.Engine
		o := Options{
			Clocks:         func() clock.Clock { return fake },
			ActivityExists: func(string) bool { return exists },
			OnEngine:       func(e *interpreter.Engine) { eng = e },
			AfterStart: func(x *interpreter.Execution) {
				if !exists {
					return
				}
				go func() {
					ctx, cancel := context.WithCancel(context.Background())
					defer cancel()
					go func() {
						<-x.Done()
						cancel()
					}()
					token, _, err := eng.GetActivityTask(ctx, arn, worker)
					if err != nil || token == "" {
						return
					}
					if reply != nil {
						reply(eng, token)
						return
					}
					// No recorded answer: let the Task time out.
					for {
						select {
						case <-x.Done():
							return
						case <-time.After(time.Millisecond):
							fake.Advance(time.Second)
						}
					}
				}()
			},
		}
		r, err := RunCase(&cc, o)
		if err == nil {
			err = NewComparer(c).Compare(r)
		}
		if err != nil {
			t.Errorf("%s: %v", c.Name, err)
			continue
		}
		passed++
	}
	t.Logf("activities replay: %d/%d passed", passed, total)
	if total == 0 {
		t.Fatal("no activity recordings found")
	}
}
