package jsonata

import (
	"regexp"
	"strings"
)

// signature is a parsed JSONata function signature such as <s-n?:s>.
// Validation follows the reference: each argument is reduced to a type
// letter and the letters are matched against a regular expression built
// from the parameters.
type signature struct {
	params []sigParam
	re     *regexp.Regexp
}

type sigParam struct {
	regex        string
	typ          byte   // s n b l o a f j x u or '(' for a choice
	subtype      string // element type of a<...>
	context      bool
	contextRegex *regexp.Regexp
}

func mustSignature(s string) *signature {
	sig, err := parseSignature(s)
	if err != nil {
		panic("jsonata: bad built-in signature " + s)
	}
	return sig
}

func parseSignature(s string) (*signature, error) {
	sig := &signature{}
	pos := 1 // skip '<'
	var prev *sigParam
	for pos < len(s) {
		c := s[pos]
		if c == ':' {
			break // return type is not validated
		}
		switch c {
		case 's', 'n', 'b', 'l', 'o':
			sig.params = append(sig.params, sigParam{regex: "[" + string(c) + "m]", typ: c})
		case 'a':
			sig.params = append(sig.params, sigParam{regex: "[asnblfom]", typ: c})
		case 'f':
			sig.params = append(sig.params, sigParam{regex: "f", typ: c})
		case 'j':
			sig.params = append(sig.params, sigParam{regex: "[asnblom]", typ: c})
		case 'x':
			sig.params = append(sig.params, sigParam{regex: "[asnblfom]", typ: c})
		case 'u':
			sig.params = append(sig.params, sigParam{regex: "[snblm]", typ: c})
		case '-':
			if prev == nil {
				return nil, &Error{Code: "S0401", Position: pos}
			}
			prev.context = true
			prev.contextRegex = regexp.MustCompile("^" + prev.regex + "$")
			prev.regex += "?"
			pos++
			continue
		case '?', '+':
			if prev == nil {
				return nil, &Error{Code: "S0401", Position: pos}
			}
			prev.regex += string(c)
			pos++
			continue
		case '(':
			end := strings.IndexByte(s[pos:], ')')
			if end < 0 {
				return nil, &Error{Code: "S0402", Position: pos}
			}
			choice := s[pos+1 : pos+end]
			if strings.Contains(choice, "<") {
				return nil, &Error{Code: "S0402", Position: pos}
			}
			sig.params = append(sig.params, sigParam{regex: "[" + choice + "m]", typ: '('})
			pos += end + 1
			prev = &sig.params[len(sig.params)-1]
			continue
		case '<':
			if prev == nil || (prev.typ != 'a' && prev.typ != 'f') {
				return nil, &Error{Code: "S0401", Position: pos}
			}
			depth := 1
			j := pos + 1
			for ; j < len(s) && depth > 0; j++ {
				if s[j] == '<' {
					depth++
				} else if s[j] == '>' {
					depth--
				}
			}
			if prev.typ == 'a' {
				prev.subtype = s[pos+1 : j-1]
			}
			pos = j
			continue
		case '>':
			pos++
			continue
		default:
			return nil, &Error{Code: "S0401", Position: pos}
		}
		prev = &sig.params[len(sig.params)-1]
		pos++
	}
	var sb strings.Builder
	sb.WriteByte('^')
	for _, p := range sig.params {
		sb.WriteString("(" + p.regex + ")")
	}
	sb.WriteByte('$')
	re, err := regexp.Compile(sb.String())
	if err != nil {
		return nil, &Error{Code: "S0401", Position: 0}
	}
	sig.re = re
	return sig, nil
}

func typeSymbol(v any) byte {
	switch v.(type) {
	case nil:
		return 'm'
	case string:
		return 's'
	case float64:
		return 'n'
	case bool:
		return 'b'
	case nullT:
		return 'l'
	case *array:
		return 'a'
	case *object:
		return 'o'
	}
	if isFunction(v) {
		return 'f'
	}
	return 'm'
}

var arrayTypeNames = map[string]string{"a": "arrays", "b": "booleans", "f": "functions", "n": "numbers", "o": "objects", "s": "strings"}

func (sig *signature) validate(args []any, context any) ([]any, error) {
	sym := make([]byte, len(args))
	for i, a := range args {
		sym[i] = typeSymbol(a)
	}
	supplied := string(sym)
	m := sig.re.FindStringSubmatch(supplied)
	if m == nil {
		// find the first bad argument
		partial := "^"
		goodTo := 0
		for _, p := range sig.params {
			partial += p.regex
			mm := regexp.MustCompile(partial).FindString(supplied)
			if !regexp.MustCompile(partial).MatchString(supplied) {
				var v any
				if goodTo < len(args) {
					v = args[goodTo]
				}
				return nil, argError("T0410", goodTo+1, v, "")
			}
			goodTo = len(mm)
		}
		var v any
		if goodTo < len(args) {
			v = args[goodTo]
		}
		return nil, argError("T0410", goodTo+1, v, "")
	}
	out := make([]any, 0, len(sig.params))
	argIndex := 0
	for i, p := range sig.params {
		match := m[i+1]
		if match == "" {
			if p.context && p.contextRegex != nil {
				if p.contextRegex.MatchString(string(typeSymbol(context))) {
					out = append(out, context)
				} else {
					return nil, argError("T0411", argIndex+1, context, "")
				}
			} else {
				var a any
				if argIndex < len(args) {
					a = args[argIndex]
				}
				out = append(out, a)
				argIndex++
			}
			continue
		}
		for k := 0; k < len(match); k++ {
			single := match[k]
			var arg any
			if argIndex < len(args) {
				arg = args[argIndex]
			}
			if p.typ == 'a' {
				if single == 'm' {
					arg = nil
				} else {
					ok := true
					if p.subtype != "" {
						if single != 'a' && string(single) != p.subtype {
							ok = false
						} else if single == 'a' {
							arr := arg.(*array)
							if len(arr.a) > 0 {
								t0 := typeSymbol(arr.a[0])
								if string(t0) != p.subtype[:1] {
									ok = false
								} else {
									for _, it := range arr.a {
										if typeSymbol(it) != t0 {
											ok = false
											break
										}
									}
								}
							}
						}
					}
					if !ok {
						return nil, argError("T0412", argIndex+1, arg, arrayTypeNames[p.subtype])
					}
					if single != 'a' {
						arg = &array{a: []any{arg}}
					}
				}
			}
			out = append(out, arg)
			argIndex++
		}
	}
	return out, nil
}
