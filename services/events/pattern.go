package events

import (
	"errors"

	"github.com/sfnlocal/sfnlocal/internal/eventpattern"
)

// Pattern is a compiled event pattern (see internal/eventpattern for the matching rules).
type Pattern = eventpattern.Pattern

// ValidatePattern checks an EventBridge event pattern: a JSON object whose leaves are arrays of
// values or of comparison operators ({"prefix": ...}, {"anything-but": ...}, {"numeric": [...]},
// {"exists": true}, ...). Errors are InvalidEventPatternException as on AWS.
func ValidatePattern(text string) error {
	_, err := CompilePattern(text)
	return err
}

// CompilePattern checks and compiles an event pattern.
func CompilePattern(text string) (*Pattern, error) {
	p, err := eventpattern.Compile(text)
	var pe *eventpattern.Error
	if errors.As(err, &pe) {
		return nil, errPattern(pe.Reason)
	}
	return p, err
}

func errPattern(reason string) *Error {
	return &Error{Status: 400, Code: "InvalidEventPatternException", Message: "Event pattern is not valid. Reason: " + reason}
}
