package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/sfnlocal/sfnlocal/interpreter"
)

func init() { commands["validate"] = validateCommand }

// validateResult is ValidateStateMachineDefinition's response.
type validateResult struct {
	Result      string                   `json:"result"`
	Diagnostics []interpreter.Diagnostic `json:"diagnostics"`
	Truncated   bool                     `json:"truncated"`
}

func validateCommand(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sfnlocal validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: sfnlocal validate FILE")
		fmt.Fprintln(stderr, "Prints the definition's diagnostics as ValidateStateMachineDefinition does; exits 1 when there are errors.")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	def, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "sfnlocal validate: %v\n", err)
		return 2
	}
	diags := interpreter.Validate(string(def))
	res := validateResult{Result: "OK", Diagnostics: diags}
	code := 0
	for _, d := range diags {
		if d.Severity == interpreter.SeverityError {
			res.Result, code = "FAIL", 1
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(res); err != nil {
		fmt.Fprintf(stderr, "sfnlocal validate: %v\n", err)
		return 1
	}
	_, _ = stdout.Write(buf.Bytes())
	return code
}
