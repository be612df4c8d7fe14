// Command sfnlocal is a local, offline AWS Step Functions emulator with Lambda and AWS Batch
// simulators. See README.md.
package main

import (
	"fmt"
	"io"
	"os"
)

var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

func run(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "version":
		fmt.Fprintln(stdout, "sfnlocal", version)
		return 0
	case "help":
		usage(stdout)
		return 0
	}
	if c, ok := commands[cmd]; ok {
		return c(args, getenv, stdout, stderr)
	}
	fmt.Fprintf(stderr, "sfnlocal: unknown command %q\n", cmd)
	usage(stderr)
	return 2
}

// commands holds the subcommands besides version and help; each file registers its own.
var commands = map[string]func(args []string, getenv func(string) string, stdout, stderr io.Writer) int{}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: sfnlocal [command] [flags]

commands:
  serve      start the Step Functions, Lambda, Batch and SNS API server (default)
  run        run one execution in-process and print its result as JSON
  test       run a test suite of state machines with mocks; print results and coverage
  validate   check a state machine definition as ValidateStateMachineDefinition does
  version    print the version

Run "sfnlocal <command> -h" for a command's flags.
`)
}
