package logs

import (
	"encoding/json"
	"strconv"
	"strings"
)

// compilePattern turns a CloudWatch Logs filter pattern into a matcher. Supported: "" (every
// event); terms, all of which must occur (case-sensitive), with "quoted phrases", -term
// exclusions and ?term alternatives; and JSON patterns { $.a.b = "x" } with =, !=, <, <=, >,
// >= on strings (* wildcards with = and !=) and numbers, joined by && or || (no parentheses).
func compilePattern(p string) (func(string) bool, *Error) {
	p = strings.TrimSpace(p)
	if p == "" {
		return func(string) bool { return true }, nil
	}
	if strings.HasPrefix(p, "{") {
		if !strings.HasSuffix(p, "}") {
			return nil, errf("InvalidParameterException", "Invalid filter pattern")
		}
		return compileJSONPattern(strings.TrimSpace(p[1 : len(p)-1]))
	}
	terms := splitTerms(p)
	var all, none, any []string
	for _, t := range terms {
		switch {
		case strings.HasPrefix(t, "?"):
			any = append(any, unquote(t[1:]))
		case strings.HasPrefix(t, "-"):
			none = append(none, unquote(t[1:]))
		default:
			all = append(all, unquote(t))
		}
	}
	return func(msg string) bool {
		if len(any) > 0 {
			for _, t := range any {
				if strings.Contains(msg, t) {
					return true
				}
			}
			return false
		}
		for _, t := range all {
			if !strings.Contains(msg, t) {
				return false
			}
		}
		for _, t := range none {
			if strings.Contains(msg, t) {
				return false
			}
		}
		return true
	}, nil
}

// splitTerms splits on spaces outside double quotes.
func splitTerms(p string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for _, r := range p {
		switch {
		case r == '"':
			quoted = !quoted
			cur.WriteRune(r)
		case r == ' ' && !quoted:
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

type jsonCmp struct {
	path []string
	op   string
	val  string
	str  bool
}

func compileJSONPattern(body string) (func(string) bool, *Error) {
	bad := errf("InvalidParameterException", "Invalid filter pattern")
	or := strings.Contains(body, "||")
	sep := "&&"
	if or {
		sep = "||"
		if strings.Contains(body, "&&") {
			return nil, bad
		}
	}
	var cmps []jsonCmp
	for _, part := range strings.Split(body, sep) {
		part = strings.TrimSpace(part)
		if !strings.HasPrefix(part, "$.") {
			return nil, bad
		}
		var c jsonCmp
		found := false
		for _, op := range []string{"!=", "<=", ">=", "=", "<", ">"} {
			if i := strings.Index(part, op); i > 0 {
				c.path = strings.Split(strings.TrimSpace(part[2:i]), ".")
				c.op = op
				v := strings.TrimSpace(part[i+len(op):])
				if strings.HasPrefix(v, `"`) {
					c.str, v = true, unquote(v)
				}
				c.val = v
				found = true
				break
			}
		}
		if !found {
			return nil, bad
		}
		cmps = append(cmps, c)
	}
	return func(msg string) bool {
		var doc any
		if json.Unmarshal([]byte(msg), &doc) != nil {
			return false
		}
		for _, c := range cmps {
			if c.match(doc) == or {
				return or
			}
		}
		return !or
	}, nil
}

func (c jsonCmp) match(doc any) bool {
	v := doc
	for _, k := range c.path {
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		if v, ok = m[k]; !ok {
			return false
		}
	}
	switch x := v.(type) {
	case string:
		if c.op == "=" || c.op == "!=" {
			return wildcard(c.val, x) == (c.op == "=")
		}
		return false
	case float64:
		if c.str {
			return c.op == "!="
		}
		want, err := strconv.ParseFloat(c.val, 64)
		if err != nil {
			return false
		}
		switch c.op {
		case "=":
			return x == want
		case "!=":
			return x != want
		case "<":
			return x < want
		case "<=":
			return x <= want
		case ">":
			return x > want
		default:
			return x >= want
		}
	case bool:
		return (strconv.FormatBool(x) == c.val) == (c.op == "=")
	}
	return false
}

// wildcard matches s against pattern p, where * stands for any run of characters.
func wildcard(p, s string) bool {
	parts := strings.Split(p, "*")
	if len(parts) == 1 {
		return p == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, part := range parts[1 : len(parts)-1] {
		i := strings.Index(s, part)
		if i < 0 {
			return false
		}
		s = s[i+len(part):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}
