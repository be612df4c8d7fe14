package jsonata

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// formatNumberJS renders a float64 as JavaScript's Number#toString does.
func formatNumberJS(f float64) string {
	if math.IsNaN(f) {
		return "NaN"
	}
	if math.IsInf(f, 1) {
		return "Infinity"
	}
	if math.IsInf(f, -1) {
		return "-Infinity"
	}
	if f == 0 {
		return "0"
	}
	abs := math.Abs(f)
	if abs >= 1e-6 && abs < 1e21 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		return s
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX
	mant, exp, _ := strings.Cut(s, "e")
	sign := exp[0]
	exp = strings.TrimLeft(exp[1:], "0")
	if exp == "" {
		exp = "0"
	}
	return mant + "e" + string(sign) + exp
}

// round15 applies the reference's toPrecision(15) normalisation.
func round15(f float64) float64 {
	if f == 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return f
	}
	r, err := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64)
	if err != nil {
		return f
	}
	return r
}

// toJString is $string: strings as they are, other values as JSON.
func toJString(v any, pretty bool) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return "", &Error{Code: "D3001", Value: x}
		}
	}
	if isFunction(v) {
		return "", nil
	}
	if a, ok := v.(*array); ok && a.outer && len(a.a) > 0 {
		v = a.a[0]
	}
	return stringify(v, pretty)
}

func stringify(v any, pretty bool) (string, error) {
	var sb strings.Builder
	if err := writeJSON(&sb, v, pretty, 0, true); err != nil {
		return "", err
	}
	return sb.String(), nil
}

func writeJSON(sb *strings.Builder, v any, pretty bool, indent int, top bool) error {
	switch x := v.(type) {
	case nil, nullT:
		sb.WriteString("null")
	case bool:
		if x {
			sb.WriteString("true")
		} else {
			sb.WriteString("false")
		}
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return &Error{Code: "D1001", Value: x}
		} else {
			if x == math.Trunc(x) && math.Abs(x) < 1<<53 {
				sb.WriteString(formatNumberJS(x))
			} else {
				sb.WriteString(formatNumberJS(round15(x)))
			}
		}
	case string:
		writeJSONString(sb, x)
	case *array:
		if len(x.a) == 0 {
			sb.WriteString("[]")
			return nil
		}
		sb.WriteByte('[')
		for i, it := range x.a {
			if i > 0 {
				sb.WriteByte(',')
			}
			if pretty {
				sb.WriteByte('\n')
				sb.WriteString(strings.Repeat("  ", indent+1))
			}
			if it == nil {
				sb.WriteString("null")
				continue
			}
			if isFunction(it) {
				sb.WriteString(`""`)
				continue
			}
			if err := writeJSON(sb, it, pretty, indent+1, false); err != nil {
				return err
			}
		}
		if pretty {
			sb.WriteByte('\n')
			sb.WriteString(strings.Repeat("  ", indent))
		}
		sb.WriteByte(']')
	case *object:
		first := true
		sb.WriteByte('{')
		for _, k := range x.ks() {
			val := x.val(k)
			if val == nil {
				continue
			}
			if !first {
				sb.WriteByte(',')
			}
			first = false
			if pretty {
				sb.WriteByte('\n')
				sb.WriteString(strings.Repeat("  ", indent+1))
			}
			writeJSONString(sb, k)
			sb.WriteByte(':')
			if pretty {
				sb.WriteByte(' ')
			}
			if isFunction(val) {
				sb.WriteString(`""`)
				continue
			}
			if err := writeJSON(sb, val, pretty, indent+1, false); err != nil {
				return err
			}
		}
		if pretty && !first {
			sb.WriteByte('\n')
			sb.WriteString(strings.Repeat("  ", indent))
		}
		sb.WriteByte('}')
	case tuple:
		sb.WriteString("{}")
	default:
		if isFunction(v) {
			sb.WriteString(`""`)
		} else {
			sb.WriteString("null")
		}
	}
	return nil
}

func writeJSONString(sb *strings.Builder, s string) {
	sb.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch c {
			case '"':
				sb.WriteString(`\"`)
			case '\\':
				sb.WriteString(`\\`)
			case '\n':
				sb.WriteString(`\n`)
			case '\r':
				sb.WriteString(`\r`)
			case '\t':
				sb.WriteString(`\t`)
			case '\b':
				sb.WriteString(`\b`)
			case '\f':
				sb.WriteString(`\f`)
			default:
				if c < 0x20 {
					sb.WriteString(`\u00`)
					sb.WriteByte("0123456789abcdef"[c>>4])
					sb.WriteByte("0123456789abcdef"[c&0xf])
				} else {
					sb.WriteByte(c)
				}
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		sb.WriteRune(r)
		i += size
	}
	sb.WriteByte('"')
}
