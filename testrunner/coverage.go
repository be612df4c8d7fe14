package testrunner

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/sfnlocal/sfnlocal/interpreter"
)

// WriteCoverageTable prints each state machine's coverage: the totals, then one row per state
// with its type, how often it was entered and what it never took (Choice rules, Retry and
// Catch clauses, Parallel branches, Map iterations).
func WriteCoverageTable(w io.Writer, covs []MachineCoverage) error {
	for i, mc := range covs {
		if i > 0 {
			fmt.Fprintln(w)
		}
		t := mc.Coverage.Totals
		fmt.Fprintf(w, "coverage of %s (%s): states %s, choice rules %s, retriers %s, catchers %s, branches %s\n",
			mc.StateMachine, mc.Definition, ratio(t.States), ratio(t.ChoiceRules), ratio(t.Retriers), ratio(t.Catchers), ratio(t.Branches))
		var buf bytes.Buffer
		tw := tabwriter.NewWriter(&buf, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  STATE\tTYPE\tENTERED\tNEVER TAKEN")
		for _, s := range mc.Coverage.States {
			fmt.Fprintf(tw, "  %s\t%s\t%d\t%s\n", statePath(s), s.Type, s.Entered, strings.Join(neverTaken(s), "; "))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		for _, line := range strings.SplitAfter(buf.String(), "\n") {
			if _, err := io.WriteString(w, strings.TrimRight(line, " \n")+strings.Repeat("\n", strings.Count(line, "\n"))); err != nil {
				return err
			}
		}
	}
	return nil
}

// WriteCoverageJSON writes every state machine's coverage report as JSON.
func WriteCoverageJSON(w io.Writer, covs []MachineCoverage) error {
	if covs == nil {
		covs = []MachineCoverage{}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		StateMachines []MachineCoverage `json:"stateMachines"`
	}{covs})
}

func ratio(r interpreter.Ratio) string {
	return strconv.Itoa(r.Covered) + "/" + strconv.Itoa(r.Total)
}

func statePath(s interpreter.StateCoverage) string {
	if s.Path == "" {
		return s.Name
	}
	return s.Path + "/" + s.Name
}

// neverTaken lists what a state never exercised.
func neverTaken(s interpreter.StateCoverage) []string {
	var out []string
	if s.Entered == 0 {
		out = append(out, "never entered")
	}
	for _, group := range [][]interpreter.ClauseCoverage{s.Choices, s.Retry, s.Catch} {
		for _, c := range group {
			if c.Hits == 0 {
				out = append(out, c.Label)
			}
		}
	}
	for i, n := range s.Branches {
		if n == 0 {
			out = append(out, "Branches["+strconv.Itoa(i)+"]")
		}
	}
	if s.Type == "Map" && s.Entered > 0 && s.Iterations == 0 {
		out = append(out, "no iterations")
	}
	return out
}
