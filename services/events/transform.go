package events

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// targetInput builds what a target receives from the event: Input (constant JSON text),
// InputPath (the part of the event a path selects), InputTransformer (a template filled from
// paths) or, by default, the event itself.
func targetInput(t map[string]any, event []byte, decoded map[string]any, r *Rule, now time.Time) ([]byte, error) {
	if in, ok := t["Input"].(string); ok {
		return []byte(in), nil
	}
	if p, ok := t["InputPath"].(string); ok && p != "" {
		v, found, err := selectPath(decoded, p)
		if err != nil {
			return nil, err
		}
		if !found {
			return []byte("null"), nil
		}
		return encodeCompact(v)
	}
	if it, ok := t["InputTransformer"].(map[string]any); ok {
		tmpl, _ := it["InputTemplate"].(string)
		paths, _ := it["InputPathsMap"].(map[string]any)
		vars := map[string]any{}
		for name, p := range paths {
			ps, _ := p.(string)
			v, found, err := selectPath(decoded, ps)
			if err != nil {
				return nil, err
			}
			if !found {
				v = missing{}
			}
			vars[name] = v
		}
		predefined := map[string]any{
			"aws.events.rule-arn":             r.Arn,
			"aws.events.rule-name":            r.Name,
			"aws.events.event.ingestion-time": now.UTC().Format("2006-01-02T15:04:05Z"),
		}
		withoutDetail := map[string]any{}
		for k, v := range decoded {
			if k != "detail" {
				withoutDetail[k] = v
			}
		}
		predefined["aws.events.event"] = rawJSON(mustEncode(withoutDetail))
		predefined["aws.events.event.json"] = rawJSON(event)
		for k, v := range predefined {
			vars[k] = v
		}
		return fillTemplate(tmpl, vars), nil
	}
	return event, nil
}

// rawJSON is a value inserted as its JSON text, never quoted.
type rawJSON []byte

func mustEncode(v any) []byte {
	b, err := encodeCompact(v)
	if err != nil {
		return []byte("null")
	}
	return b
}

func encodeCompact(v any) ([]byte, error) {
	b, err := task.Encode(v)
	if err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b, []byte("\n")), nil
}

// fillTemplate replaces each <name> of tmpl whose name is a variable, with AWS's rules: inside
// a JSON string ("...<name>...") a string value goes in without its quotes and escaped for the
// string, other values as their JSON text; outside strings a value goes in as JSON (strings
// quoted) when the template is JSON, as plain text when it is not. Unknown placeholders stay.
func fillTemplate(tmpl string, vars map[string]any) []byte {
	trimmed := strings.TrimSpace(tmpl)
	isJSON := strings.HasPrefix(trimmed, "{") || strings.HasPrefix(trimmed, "[") || strings.HasPrefix(trimmed, `"`)
	var out bytes.Buffer
	inString := false
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		switch {
		case inString && c == '\\' && i+1 < len(tmpl):
			out.WriteByte(c)
			out.WriteByte(tmpl[i+1])
			i++
			continue
		case c == '"' && isJSON:
			inString = !inString
		case c == '<':
			if end := strings.IndexByte(tmpl[i+1:], '>'); end >= 0 {
				name := tmpl[i+1 : i+1+end]
				if v, ok := vars[name]; ok {
					out.Write(renderVar(v, inString, isJSON))
					i += end + 1
					continue
				}
			}
		}
		out.WriteByte(c)
	}
	return out.Bytes()
}

// missing is a variable whose path selects nothing: empty inside a string, null elsewhere.
type missing struct{}

func renderVar(v any, inString, isJSON bool) []byte {
	if r, ok := v.(rawJSON); ok {
		return r
	}
	if _, ok := v.(missing); ok {
		if inString || !isJSON {
			return nil
		}
		return []byte("null")
	}
	if s, ok := v.(string); ok {
		if inString {
			b := mustEncode(s)
			return b[1 : len(b)-1]
		}
		if !isJSON {
			return []byte(s)
		}
		return mustEncode(s)
	}
	b := mustEncode(v)
	if inString {
		q := mustEncode(string(b))
		return q[1 : len(q)-1]
	}
	return b
}

// selectPath evaluates EventBridge's JSONPath subset on v: $, .name, ['name'], [index] and
// the wildcards .* and [*] (which collect an array).
func selectPath(v any, path string) (any, bool, error) {
	if path == "" || path[0] != '$' {
		return nil, false, fmt.Errorf("invalid JSON path %q", path)
	}
	cur := []any{v}
	multi := false
	rest := path[1:]
	for rest != "" {
		var key string
		var idx = -1
		wild := false
		switch {
		case strings.HasPrefix(rest, ".*"), strings.HasPrefix(rest, "[*]"):
			wild = true
			if rest[0] == '.' {
				rest = rest[2:]
			} else {
				rest = rest[3:]
			}
		case rest[0] == '.':
			end := strings.IndexAny(rest[1:], ".[")
			if end < 0 {
				end = len(rest) - 1
			}
			key, rest = rest[1:1+end], rest[1+end:]
		case strings.HasPrefix(rest, "['"):
			end := strings.Index(rest, "']")
			if end < 0 {
				return nil, false, fmt.Errorf("invalid JSON path %q", path)
			}
			key, rest = rest[2:end], rest[end+2:]
		case rest[0] == '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return nil, false, fmt.Errorf("invalid JSON path %q", path)
			}
			n, err := strconv.Atoi(rest[1:end])
			if err != nil || n < 0 {
				return nil, false, fmt.Errorf("invalid JSON path %q", path)
			}
			idx, rest = n, rest[end+1:]
		default:
			return nil, false, fmt.Errorf("invalid JSON path %q", path)
		}
		var next []any
		for _, c := range cur {
			switch {
			case wild:
				multi = true
				switch x := c.(type) {
				case []any:
					next = append(next, x...)
				case map[string]any:
					keys := make([]string, 0, len(x))
					for k := range x {
						keys = append(keys, k)
					}
					sort.Strings(keys)
					for _, k := range keys {
						next = append(next, x[k])
					}
				}
			case idx >= 0:
				if a, ok := c.([]any); ok && idx < len(a) {
					next = append(next, a[idx])
				}
			default:
				if m, ok := c.(map[string]any); ok {
					if x, ok := m[key]; ok {
						next = append(next, x)
					}
				}
			}
		}
		cur = next
	}
	if multi {
		if cur == nil {
			cur = []any{}
		}
		return cur, true, nil
	}
	if len(cur) == 0 {
		return nil, false, nil
	}
	return cur[0], true, nil
}

func decodeObject(text []byte) map[string]any {
	v, err := task.DecodePlain(text)
	if err != nil {
		return map[string]any{}
	}
	m, _ := v.(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	return m
}

// checkTarget returns AWS's complaint about a target's input settings, if any.
func checkTarget(t map[string]any) string {
	n := 0
	for _, k := range []string{"Input", "InputPath", "InputTransformer"} {
		if _, ok := t[k]; ok {
			n++
		}
	}
	if n > 1 {
		return "Only one of Input, InputPath, or InputTransformer must be provided."
	}
	if in, ok := t["Input"].(string); ok && !json.Valid([]byte(in)) {
		return "Input is not valid JSON text."
	}
	if it, ok := t["InputTransformer"].(map[string]any); ok {
		if _, ok := it["InputTemplate"].(string); !ok {
			return "InputTemplate is required."
		}
		paths, _ := it["InputPathsMap"].(map[string]any)
		for k, p := range paths {
			if strings.HasPrefix(k, "aws.") {
				return fmt.Sprintf("InputTransformer variable name %s cannot start with 'aws.'", k)
			}
			ps, _ := p.(string)
			if _, _, err := selectPath(map[string]any{}, ps); err != nil {
				return "Invalid InputPathsMap: " + err.Error()
			}
		}
	}
	if rp, ok := t["RetryPolicy"].(map[string]any); ok {
		if n, ok := intOf(rp["MaximumRetryAttempts"]); ok && (n < 0 || n > 185) {
			return fmt.Sprintf("1 validation error detected: Value '%d' at 'targets.1.member.retryPolicy.maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 185", n)
		}
		if n, ok := intOf(rp["MaximumEventAgeInSeconds"]); ok && (n < 60 || n > 86400) {
			return fmt.Sprintf("1 validation error detected: Value '%d' at 'targets.1.member.retryPolicy.maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value between 60 and 86400", n)
		}
	}
	if dl, ok := t["DeadLetterConfig"].(map[string]any); ok {
		if a, _ := dl["Arn"].(string); arnService(a) != "sqs" {
			return "The provided DeadLetterConfig ARN is not a valid SQS queue ARN."
		}
	}
	if p, ok := t["InputPath"].(string); ok {
		if _, _, err := selectPath(map[string]any{}, p); err != nil {
			return "Invalid InputPath: " + err.Error()
		}
	}
	return ""
}
