package events

import (
	"encoding/json"
	"fmt"

	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// ValidatePattern checks an EventBridge event pattern: a JSON object whose leaves are arrays of
// values or of comparison operators ({"prefix": ...}, {"anything-but": ...}, {"numeric": [...]},
// {"exists": true}, ...). Errors are InvalidEventPatternException as on AWS.
func ValidatePattern(text string) error {
	v, err := task.DecodePlain([]byte(text))
	if err != nil {
		return errPattern("Filter is not valid JSON")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return errPattern("Filter is not an object")
	}
	return checkPatternObject(m, 0)
}

func errPattern(reason string) *Error {
	return &Error{Status: 400, Code: "InvalidEventPatternException", Message: "Event pattern is not valid. Reason: " + reason}
}

const maxPatternDepth = 64

func checkPatternObject(m map[string]any, depth int) error {
	if depth > maxPatternDepth {
		return errPattern("Filter is nested too deeply")
	}
	for k, v := range m {
		switch x := v.(type) {
		case map[string]any:
			if err := checkPatternObject(x, depth+1); err != nil {
				return err
			}
		case []any:
			if k == "$or" {
				if len(x) < 2 {
					return errPattern("Or condition must have at least two clauses")
				}
				for _, c := range x {
					cm, ok := c.(map[string]any)
					if !ok {
						return errPattern("Or condition clause must be an object")
					}
					if err := checkPatternObject(cm, depth+1); err != nil {
						return err
					}
				}
				continue
			}
			for _, item := range x {
				if err := checkMatcher(k, item); err != nil {
					return err
				}
			}
		default:
			return errPattern(fmt.Sprintf("Match value must be String, number, true, false, or null at field %q", k))
		}
	}
	return nil
}

// checkMatcher checks one element of a leaf array: a literal or an operator object.
func checkMatcher(field string, item any) error {
	switch x := item.(type) {
	case nil, string, json.Number, bool:
		return nil
	case map[string]any:
		if len(x) != 1 {
			return errPattern(fmt.Sprintf("Only one key allowed in match expression at field %q", field))
		}
		for op, arg := range x {
			return checkOperator(field, op, arg)
		}
	}
	return errPattern(fmt.Sprintf("Match value must be String, number, true, false, or null at field %q", field))
}

func checkOperator(field, op string, arg any) error {
	isString := func(v any) bool { _, ok := v.(string); return ok }
	switch op {
	case "prefix", "suffix":
		if isString(arg) {
			return nil
		}
		if m, ok := arg.(map[string]any); ok && len(m) == 1 && isString(m["equals-ignore-case"]) {
			return nil
		}
		return errPattern(fmt.Sprintf("%s match pattern must be a string, not %s", op, kind(arg)))
	case "equals-ignore-case", "wildcard", "cidr":
		if isString(arg) {
			return nil
		}
		return errPattern(fmt.Sprintf("%s match pattern must be a string, not %s", op, kind(arg)))
	case "exists":
		if _, ok := arg.(bool); ok {
			return nil
		}
		return errPattern("exists match pattern must be either true or false.")
	case "anything-but":
		switch a := arg.(type) {
		case string, json.Number:
			return nil
		case []any:
			for _, e := range a {
				switch e.(type) {
				case string, json.Number:
				default:
					return errPattern("Inside anything but list, start|null|boolean is not supported.")
				}
			}
			return nil
		case map[string]any:
			if len(a) != 1 {
				return errPattern("Only one key allowed in match expression")
			}
			for k := range a {
				switch k {
				case "prefix", "suffix", "equals-ignore-case", "wildcard":
					return nil
				default:
					return errPattern(fmt.Sprintf("Unsupported anything-but pattern: %s", k))
				}
			}
		}
		return errPattern("Value of anything-but must be an array or single string/number value.")
	case "numeric":
		a, ok := arg.([]any)
		if !ok || len(a) == 0 || len(a)%2 != 0 || len(a) > 4 {
			return errPattern("Value of numeric must be an array.")
		}
		for i := 0; i < len(a); i += 2 {
			opName, ok := a[i].(string)
			if !ok {
				return errPattern("Value of numeric must be an array.")
			}
			switch opName {
			case "=", "<", "<=", ">", ">=":
			default:
				return errPattern(fmt.Sprintf("Unrecognized numeric range operator: %s", opName))
			}
			if _, ok := a[i+1].(json.Number); !ok {
				return errPattern(fmt.Sprintf("Value of %s must be numeric", opName))
			}
		}
		return nil
	}
	return errPattern(fmt.Sprintf("Unrecognized match type %s", op))
}

func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	}
	return "object"
}
