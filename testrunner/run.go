package testrunner

import (
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/interpreter"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// Options configures Run.
type Options struct {
	// Run selects the cases whose FullName ("machine/case") it matches; nil runs all.
	Run *regexp.Regexp
	// Parallel bounds the cases running at once; 0 means GOMAXPROCS.
	Parallel int
	// Now reads the wall clock for case durations; nil means time.Now.
	Now func() time.Time
	// Tasks are the integrations unmocked Tasks call; none by default, so an unmocked Task
	// fails with States.Runtime saying that no simulator runs in process.
	Tasks             task.Registry
	Region, AccountID string
	Logger            *zap.Logger
}

// Result is one case's outcome.
type Result struct {
	Case *Case
	// Failures says why the case failed, one entry per unmet expectation; empty when it passed.
	Failures []string
	Duration time.Duration
}

// Passed reports whether every expectation held.
func (r Result) Passed() bool { return len(r.Failures) == 0 }

// Report is a suite run: the results in suite order and each machine's coverage.
type Report struct {
	Results  []Result
	Coverage []MachineCoverage
}

// Counts returns the passed and failed cases.
func (r *Report) Counts() (passed, failed int) {
	for _, res := range r.Results {
		if res.Passed() {
			passed++
		} else {
			failed++
		}
	}
	return passed, failed
}

// MachineCoverage is one state machine's coverage across the cases run.
type MachineCoverage struct {
	StateMachine string                     `json:"stateMachine"`
	Definition   string                     `json:"definition"`
	Coverage     interpreter.CoverageReport `json:"coverage"`
	Graph        interpreter.Graph          `json:"-"`
}

// Run runs the suite's selected cases in instant virtual time, at most opts.Parallel at once,
// calling each (when not nil) with every result in suite order as soon as it and those before
// it are done.
func Run(s *Suite, opts Options, each func(Result)) *Report {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Parallel <= 0 {
		opts.Parallel = runtime.GOMAXPROCS(0)
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.AccountID == "" {
		opts.AccountID = "123456789012"
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	if opts.Tasks == nil {
		opts.Tasks = task.Registry{}
	}
	instant, err := clock.ParseMode("instant")
	if err != nil {
		panic(err) // a constant mode
	}
	e := interpreter.NewEngine(interpreter.Config{
		Clock: instant, Tasks: opts.Tasks, Logger: opts.Logger, Standalone: true,
		Region: opts.Region, AccountID: opts.AccountID,
	})
	defer e.Close()

	var cases []*Case
	covs := map[*Machine]*interpreter.Coverage{}
	rep := &Report{}
	for _, m := range s.Machines {
		n := 0
		for _, c := range m.Cases {
			if opts.Run == nil || opts.Run.MatchString(c.FullName) {
				cases = append(cases, c)
				n++
			}
		}
		if n > 0 {
			covs[m] = interpreter.NewCoverage()
		}
	}
	results := make([]Result, len(cases))
	done := make([]chan struct{}, len(cases))
	sem := make(chan struct{}, opts.Parallel)
	var wg sync.WaitGroup
	for i, c := range cases {
		done[i] = make(chan struct{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done[i])
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i] = runCase(e, c, i, covs[c.Machine], opts)
		}()
	}
	for i := range cases {
		<-done[i]
		if each != nil {
			each(results[i])
		}
	}
	wg.Wait()
	rep.Results = results
	for _, m := range s.Machines {
		if cov := covs[m]; cov != nil {
			rep.Coverage = append(rep.Coverage, MachineCoverage{
				StateMachine: m.Name, Definition: m.DefinitionFile, Coverage: cov.Report(m.SM), Graph: m.SM.Graph(),
			})
		}
	}
	return rep
}

func runCase(e *interpreter.Engine, c *Case, i int, cov *interpreter.Coverage, opts Options) Result {
	start := opts.Now()
	res := Result{Case: c}
	name := fmt.Sprintf("case-%d", i+1)
	smArn := fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", opts.Region, opts.AccountID, c.Machine.Name)
	x, err := e.Start(c.Machine.SM, interpreter.StartParams{
		ExecutionArn:     fmt.Sprintf("arn:aws:states:%s:%s:execution:%s:%s", opts.Region, opts.AccountID, c.Machine.Name, name),
		Name:             name,
		StateMachineArn:  smArn,
		StateMachineName: c.Machine.Name,
		RoleArn:          fmt.Sprintf("arn:aws:iam::%s:role/sfnlocal", opts.AccountID),
		Input:            c.Input,
		Mocks:            c.Mocks,
		Coverage:         cov,
	})
	if err != nil {
		res.Failures = []string{fmt.Sprintf("the execution did not start: %v", err)}
	} else {
		<-x.Done()
		res.Failures = check(c.Expect, x)
	}
	res.Duration = opts.Now().Sub(start)
	return res
}

// check compares an ended execution with what the case expects.
func check(e Expect, x *interpreter.Execution) []string {
	var fails []string
	failf := func(format string, args ...any) { fails = append(fails, fmt.Sprintf(format, args...)) }
	status := x.Status()
	errName, _ := x.Error()
	cause, _ := x.Cause()
	if status != e.Status {
		why := ""
		if errName != "" || cause != "" {
			why = fmt.Sprintf(" (%s: %s)", errName, clip(cause, 200))
		}
		failf("status: want %s, got %s%s", e.Status, status, why)
	}
	if e.Output != nil || e.OutputContains != nil {
		out, ok := x.Output()
		var got any
		var err error
		if ok {
			got, err = decodeJSON(out)
		}
		switch {
		case !ok:
			failf("output: the execution has no output")
		case err != nil:
			failf("output: not JSON: %v", err)
		case e.Output != nil:
			if ok, why := Equal(e.Output.V, got); !ok {
				failf("output: %s", why)
			}
		default:
			if ok, why := Contains(e.OutputContains.V, got); !ok {
				failf("outputContains: %s", why)
			}
		}
	}
	if e.Error != nil && *e.Error != errName {
		failf("error: want %q, got %q", *e.Error, errName)
	}
	if e.Cause != nil && *e.Cause != cause {
		failf("cause: want %q, got %q", clip(*e.Cause, 200), clip(cause, 200))
	}
	if e.CauseContains != nil && !strings.Contains(cause, *e.CauseContains) {
		failf("causeContains: %q is not in the cause %q", *e.CauseContains, clip(cause, 200))
	}
	var entered []string
	if e.States != nil || e.StatesInclude != nil || e.MaxTransitions != nil {
		entered = statesEntered(x.History())
	}
	if e.States != nil && !equalStrings(e.States, entered) {
		failf("states: want %s, got %s", show(e.States), show(entered))
	}
	if e.StatesInclude != nil {
		if missing, ok := subsequence(e.StatesInclude, entered); !ok {
			failf("statesInclude: %q was not entered (in this order) in %s", missing, show(entered))
		}
	}
	if e.MaxTransitions != nil && len(entered) > *e.MaxTransitions {
		failf("maxTransitions: %d states entered, more than %d", len(entered), *e.MaxTransitions)
	}
	return fails
}

// statesEntered lists the names of the states entered, in history order.
func statesEntered(evs []interpreter.Event) []string {
	out := []string{}
	for _, ev := range evs {
		if strings.HasSuffix(ev.Type, "StateEntered") {
			out = append(out, ev.Name)
		}
	}
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// subsequence reports whether want appears in got in order (not necessarily adjacent); when
// not, it returns the first state it could not find.
func subsequence(want, got []string) (string, bool) {
	j := 0
	for _, w := range want {
		for j < len(got) && got[j] != w {
			j++
		}
		if j == len(got) {
			return w, false
		}
		j++
	}
	return "", true
}
