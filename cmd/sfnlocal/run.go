package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/mockcfg"
	"github.com/sfnlocal/sfnlocal/interpreter"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

func init() { commands["run"] = runCommand }

// runTasks returns the Task integrations `sfnlocal run` offers in process: none today, so a
// Task fails at once saying that run has no service simulators (see standaloneGap).
var runTasks = func(logger *zap.Logger) task.Registry { return task.Registry{} }

// runResult is what `sfnlocal run` prints: DescribeExecution's status, output, error and
// cause, plus GetExecutionHistory's events with --history.
type runResult struct {
	Status string              `json:"status"`
	Output *string             `json:"output"`
	Error  *string             `json:"error"`
	Cause  *string             `json:"cause"`
	Events []interpreter.Event `json:"events,omitempty"`
}

func runCommand(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sfnlocal run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	defFile := fs.String("definition", "", "state machine definition file (ASL JSON)")
	inputArg := fs.String("input", "", "execution input: JSON text, or @FILE to read it from a file (default {})")
	timeDefault := getenv("SFNLOCAL_TIME")
	if timeDefault == "" {
		timeDefault = "real"
	}
	timeMode := fs.String("time", timeDefault, "time mode: instant, real or scale=N (env SFNLOCAL_TIME)")
	history := fs.Bool("history", false, "include the execution history events")
	mockFile := fs.String("mock-config", getenv("SFN_MOCK_CONFIG"), "Step Functions Local mock configuration file (env SFN_MOCK_CONFIG)")
	testCase := fs.String("test-case", "", "run this test case of the mock configuration")
	smName := fs.String("name", "", "the state machine's name in the mock configuration (default: the definition file's name without extension)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: sfnlocal run --definition FILE [--input JSON|@FILE] [--time instant|real|scale=N] [--history] [--mock-config FILE --test-case NAME [--name SM_NAME]]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *defFile == "" || fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	def, err := os.ReadFile(*defFile)
	if err != nil {
		fmt.Fprintf(stderr, "sfnlocal run: %v\n", err)
		return 2
	}
	input := *inputArg
	if strings.HasPrefix(input, "@") {
		data, err := os.ReadFile(input[1:])
		if err != nil {
			fmt.Fprintf(stderr, "sfnlocal run: %v\n", err)
			return 2
		}
		input = string(data)
	}
	clocks, err := clock.ParseMode(*timeMode)
	if err == nil && *timeMode == "manual" {
		err = errors.New("--time manual needs a server to move the clock (sfnlocal serve); use instant, real or scale=N")
	}
	if err != nil {
		fmt.Fprintf(stderr, "sfnlocal run: %v\n", err)
		return 2
	}
	sm, err := interpreter.Parse(string(def))
	if err != nil {
		var de *interpreter.DefinitionError
		if errors.As(err, &de) {
			// One problem a line, with its location when it has one (AWS's message text says
			// "at null" for none, which reads as a bug here).
			fmt.Fprintf(stderr, "sfnlocal run: invalid definition %s:\n", *defFile)
			for _, d := range de.Diagnostics {
				if d.Severity != interpreter.SeverityError {
					continue
				}
				if d.Location != "" {
					fmt.Fprintf(stderr, "  %s: %s (at %s)\n", d.Code, d.Message, d.Location)
				} else {
					fmt.Fprintf(stderr, "  %s: %s\n", d.Code, d.Message)
				}
			}
			return 1
		}
		fmt.Fprintf(stderr, "sfnlocal run: %v\n", err)
		return 1
	}
	mocks, err := runMocks(*mockFile, *testCase, *smName, *defFile)
	if err != nil {
		fmt.Fprintf(stderr, "sfnlocal run: %v\n", err)
		return 2
	}
	region := firstNonEmpty(getenv("SFNLOCAL_REGION"), getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION"), "us-east-1")
	account := firstNonEmpty(getenv("AWS_ACCOUNT_ID"), getenv("SFNLOCAL_ACCOUNT_ID"), "123456789012")
	logger := zap.NewNop()
	e := interpreter.NewEngine(interpreter.Config{Clock: clocks, Tasks: runTasks(logger), Logger: logger, Standalone: true, Region: region, AccountID: account})
	defer e.Close()
	name := "run"
	if mocks != nil {
		name = mocks.StateMachine
	}
	smArn := fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", region, account, name)
	x, err := e.Start(sm, interpreter.StartParams{
		ExecutionArn:     fmt.Sprintf("arn:aws:states:%s:%s:execution:%s:%s", region, account, name, name),
		Name:             name,
		StateMachineArn:  smArn,
		StateMachineName: name,
		RoleArn:          fmt.Sprintf("arn:aws:iam::%s:role/sfnlocal", account),
		Input:            input,
		Mocks:            mocks,
	})
	if err != nil {
		fmt.Fprintf(stderr, "sfnlocal run: invalid input: %v\n", err)
		return 2
	}
	<-x.Done()
	res := runResult{Status: x.Status()}
	if s, ok := x.Output(); ok {
		res.Output = &s
	}
	if s, ok := x.Error(); ok {
		res.Error = &s
	}
	if s, ok := x.Cause(); ok {
		res.Cause = &s
	}
	if *history {
		res.Events = x.History()
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(res); err != nil {
		fmt.Fprintf(stderr, "sfnlocal run: %v\n", err)
		return 1
	}
	_, _ = stdout.Write(buf.Bytes())
	if res.Status != interpreter.StatusSucceeded {
		return 1
	}
	return 0
}

// runMocks loads the test case `sfnlocal run` runs, if one is asked for.
func runMocks(file, testCase, smName, defFile string) (*mockcfg.Case, error) {
	switch {
	case file == "" && testCase == "":
		return nil, nil
	case file == "":
		return nil, errors.New("--test-case needs --mock-config (or SFN_MOCK_CONFIG)")
	case testCase == "":
		return nil, errors.New("--mock-config needs --test-case")
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	f, err := mockcfg.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if smName == "" {
		smName = strings.TrimSuffix(filepath.Base(defFile), filepath.Ext(defFile))
	}
	return f.Case(smName, testCase)
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
