package interpreter

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"github.com/sfnlocal/sfnlocal/internal/value"
)

// State machine types.
const (
	TypeStandard = "STANDARD"
	TypeExpress  = "EXPRESS"
)

// ParseFor parses and validates a definition for a state machine of the given type
// (STANDARD or EXPRESS; "" means STANDARD). An EXPRESS machine may not use .sync or
// .waitForTaskToken integrations nor activities; those are reported as a *DefinitionError
// with AWS's messages.
func ParseFor(definition, smType string) (*StateMachine, error) {
	sm, err := Parse(definition)
	if err != nil {
		return nil, err
	}
	if smType == TypeExpress {
		if ds := expressDiagnostics(definition); len(ds) > 0 {
			return nil, &DefinitionError{Diagnostics: ds}
		}
	}
	return sm, nil
}

// ValidateFor is Validate for a state machine of the given type: an EXPRESS machine's
// definition that is otherwise valid is checked for the integrations EXPRESS forbids.
func ValidateFor(definition, smType string) []Diagnostic {
	ds := Validate(definition)
	if smType == TypeExpress && len(ds) == 0 {
		if ex := expressDiagnostics(definition); len(ex) > 0 {
			return ex
		}
	}
	return ds
}

// expressDiagnostics lists the Task resources an EXPRESS state machine may not use, by
// state name at each level, with AWS's messages (the trailing space of the
// .waitForTaskToken message is AWS's).
func expressDiagnostics(definition string) []Diagnostic {
	var def map[string]any
	if json.Unmarshal([]byte(definition), &def) != nil {
		return nil
	}
	var out []Diagnostic
	var walk func(states map[string]any, at string)
	walk = func(states map[string]any, at string) {
		names := make([]string, 0, len(states))
		for n := range states {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, name := range names {
			st, _ := states[name].(map[string]any)
			loc := at + "/States/" + name
			switch st["Type"] {
			case "Task":
				res, _ := st["Resource"].(string)
				msg := ""
				switch {
				case strings.Contains(res, ":activity:"):
					msg = "Express state machine does not support Activity ARN"
				case strings.HasSuffix(res, ".waitForTaskToken"):
					msg = "Express state machine does not support '.waitForTaskToken' service integration "
				case strings.HasSuffix(res, ".sync"), strings.HasSuffix(res, ".sync:2"):
					msg = "Express state machine does not support '.sync' service integration"
				}
				if msg != "" {
					out = append(out, Diagnostic{Severity: SeverityError, Code: "SCHEMA_VALIDATION_FAILED", Message: msg, Location: loc + "/Resource"})
				}
			case "Parallel":
				branches, _ := st["Branches"].([]any)
				for i, b := range branches {
					if bm, ok := value.AsMap(b); ok {
						if sub, ok := value.AsMap(bm["States"]); ok {
							walk(sub, loc+"/Branches/"+strconv.Itoa(i))
						}
					}
				}
			case "Map":
				for _, key := range []string{"ItemProcessor", "Iterator"} {
					if p, ok := value.AsMap(st[key]); ok {
						if sub, ok := value.AsMap(p["States"]); ok {
							walk(sub, loc+"/"+key)
						}
					}
				}
			}
		}
	}
	if states, ok := value.AsMap(def["States"]); ok {
		walk(states, "")
	}
	return out
}
