package interpreter

import (
	"strings"

	"github.com/sfnlocal/sfnlocal/internal/value"
)

// checkCredentials checks a Task's Credentials field against AWS's shape: an object holding
// exactly the role to assume, "RoleArn" (a string, a JSONata "{% %}" string in JSONata) or, in
// JSONPath, "RoleArn.$" (a path or an intrinsic function). Every problem is reported.
func (p *parser) checkCredentials(obj map[string]any, loc string, jsonata bool) {
	v, ok := obj["Credentials"]
	if !ok {
		return
	}
	loc += "/Credentials"
	m, ok := value.AsMap(v)
	if !ok {
		if s, isStr := v.(string); isStr && jsonata && strings.HasPrefix(s, "{%") {
			return // one JSONata expression for the whole object
		}
		p.add(CodeSchema, loc, "The value for the field 'Credentials' must be an OBJECT")
		return
	}
	_, plain := m["RoleArn"]
	_, path := m["RoleArn.$"]
	for k, fv := range m {
		switch {
		case k == "RoleArn":
			if _, isStr := fv.(string); !isStr {
				p.add(CodeSchema, loc, "The value for the field 'RoleArn' must be a STRING")
			}
		case k == "RoleArn.$" && !jsonata:
			// A path or intrinsic function: the payload template checks it.
		default:
			p.add(CodeSchema, loc, "Field '%s' is not supported", k)
		}
	}
	switch {
	case plain && path:
		p.add(CodeSchema, loc, "Only one of 'RoleArn' and 'RoleArn.$' may be set")
	case !plain && (!path || jsonata):
		p.add(CodeSchema, loc, "These fields are required: [RoleArn]")
	}
}
