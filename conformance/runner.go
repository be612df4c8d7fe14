package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/interpreter"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// Skipped lists cases that cannot run in-process, each with the reason.
var Skipped = map[string]string{
	// Recorded in October 2023, before AWS added Execution.RedriveCount to the Context object
	// (redrive, November 2023); every later recording has it, as sfnlocal does.
	"scenarios/test_base_scenarios::TestBaseScenarios.test_lambda_invoke_with_retry_extended_input":         noRedriveCount,
	"scenarios/test_base_scenarios::TestBaseScenarios.test_lambda_service_invoke_with_retry_extended_input": noRedriveCount,
}

const noRedriveCount = "recorded in October 2023, before the Context object carried Execution.RedriveCount"

// Options configure how cases run.
type Options struct {
	// Tasks provides the integrations the cases need (nil for pure cases). It is the hook for
	// Lambda-tier cases: a registry with "lambda".
	Tasks task.Registry
	// Logger defaults to a no-op logger.
	Logger *zap.Logger
	// Clocks makes each execution's clock; nil means instant time.
	Clocks clock.Factory
	// OnEngine, when set, is called with each case's fresh engine before the execution
	// starts (to answer callbacks or activity polls).
	OnEngine func(*interpreter.Engine)
	// AfterStart, when set, is called with the started execution (to stop it, say).
	AfterStart func(*interpreter.Execution)
	// ActivityExists is passed to the engine (nil: every activity exists).
	ActivityExists func(arn string) bool
}

// RunCase runs one case through a fresh engine and returns its result.
func RunCase(c *Case, o Options) (*Result, error) {
	clocks, logger := o.Clocks, o.Logger
	if clocks == nil {
		clocks = func() clock.Clock { return clock.NewInstant(clock.Real()) }
	}
	if logger == nil {
		logger = zap.NewNop()
	}
	sm, err := interpreter.Parse(string(c.Definition))
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	e := interpreter.NewEngine(interpreter.Config{
		Clock:          clocks,
		Tasks:          o.Tasks,
		Logger:         logger,
		ActivityExists: o.ActivityExists,
		Region:         "us-east-1", AccountID: "111111111111",
	})
	defer e.Close()
	if o.OnEngine != nil {
		o.OnEngine(e)
	}
	x, err := e.Start(sm, interpreter.StartParams{
		ExecutionArn:     c.Execution.Arn,
		Name:             c.Execution.Name,
		StateMachineArn:  c.StateMachineArn(),
		StateMachineName: c.StateMachine.Name,
		RoleArn:          c.StateMachine.RoleArn,
		Input:            c.InputText(),
		Express:          c.StateMachine.Type == "EXPRESS",
		Sync:             c.Execution.API == "StartSyncExecution",
	})
	if err != nil {
		return nil, fmt.Errorf("start: %w", err)
	}
	if o.AfterStart != nil {
		o.AfterStart(x)
	}
	select {
	case <-x.Done():
	case <-time.After(20 * time.Second):
		_ = x.Stop("", "")
		return nil, fmt.Errorf("execution did not finish within 20s")
	}
	r := &Result{Status: x.Status()}
	r.Output, r.HasOutput = x.Output()
	r.Error, r.HasError = x.Error()
	r.Cause, r.HasCause = x.Cause()
	live := x.History()
	// A finished execution's history is served from its compact form: it must say the same.
	compact, err := x.CompactHistory()
	if err != nil {
		return nil, fmt.Errorf("compact history: %w", err)
	}
	stored, err := interpreter.DecodeHistory(compact)
	if err != nil {
		return nil, fmt.Errorf("decode compact history: %w", err)
	}
	if len(stored) != len(live) {
		return nil, fmt.Errorf("compact history holds %d events, not %d", len(stored), len(live))
	}
	for i, ev := range live {
		data, err := json.Marshal(ev)
		if err != nil {
			return nil, fmt.Errorf("marshal event %d: %w", ev.ID, err)
		}
		again, err := json.Marshal(stored[i])
		if err != nil || !bytes.Equal(data, again) {
			return nil, fmt.Errorf("compact history event %d differs: %s, want %s (%v)", ev.ID, again, data, err)
		}
		r.Events = append(r.Events, data)
	}
	return r, nil
}

// Summary is the outcome of running a set of cases.
type Summary struct {
	Passed, Total int
	// Skipped counts the cases in the skip list.
	Skipped int
	// Failures holds "name: reason" per failing case, sorted.
	Failures []string
	// Skips holds "name: reason" per skipped case.
	Skips []string
}

// RunSuite runs every self-contained case of the given tiers through RunCase.
func RunSuite(cases []*Case, tiers []string, o Options) Summary {
	var s Summary
	want := map[string]bool{}
	for _, t := range tiers {
		want[t] = true
	}
	for _, c := range cases {
		if !want[c.Tier] || !c.SelfContain {
			continue
		}
		if reason, ok := Skipped[c.Name]; ok {
			s.Skipped++
			s.Skips = append(s.Skips, c.Name+": "+reason)
			continue
		}
		if c.Expected.Status == "RUNNING" {
			s.Skipped++
			s.Skips = append(s.Skips, c.Name+": the recording holds only a history prefix of a still running execution")
			continue
		}
		s.Total++
		co := o
		if c.Expected.Status == "ABORTED" {
			co = stopWhenWaiting(o)
		}
		r, err := RunCase(c, co)
		if err == nil {
			err = NewComparer(c).Compare(r)
		}
		if err != nil {
			s.Failures = append(s.Failures, fmt.Sprintf("%s: %v", c.Name, err))
			continue
		}
		s.Passed++
	}
	sort.Strings(s.Failures)
	return s
}

// stopWhenWaiting adapts the options to an ABORTED recording, which the test produced by
// calling StopExecution while the execution waited: time stands still (a fake clock) and
// the execution is stopped as soon as it waits on a timer.
func stopWhenWaiting(o Options) Options {
	fake := clock.NewFake(time.Now())
	o.Clocks = func() clock.Clock { return fake }
	o.AfterStart = func(x *interpreter.Execution) {
		for fake.Pending() == 0 {
			select {
			case <-x.Done():
				return
			case <-time.After(time.Millisecond):
			}
		}
		_ = x.Stop("", "")
	}
	return o
}
