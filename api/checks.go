package api

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// checks collects model-constraint violations of one request in member order and turns them
// into AWS's ValidationException text: "N validation error(s) detected: Value ... at 'member'
// failed to satisfy constraint: ...; ...".
type checks struct{ msgs []string }

func (c *checks) add(value, member, constraint string) {
	c.msgs = append(c.msgs, fmt.Sprintf("Value %s at '%s' failed to satisfy constraint: %s", value, member, constraint))
}

func quote(s string) string { return "'" + s + "'" }

// required reports a missing member.
func (c *checks) required(member string, present bool) bool {
	if !present {
		c.add("null", member, "Member must not be null")
	}
	return present
}

// str checks a string member's length in characters (min/max; max < 0 means unbounded).
func (c *checks) str(member string, v *string, required bool, min, max int) {
	if v == nil {
		if required {
			c.required(member, false)
		}
		return
	}
	n := utf8.RuneCountInString(*v)
	switch {
	case n < min:
		c.add(quote(*v), member, fmt.Sprintf("Member must have length greater than or equal to %d", min))
	case max >= 0 && n > max:
		c.add(quote(*v), member, fmt.Sprintf("Member must have length less than or equal to %d", max))
	}
}

// sensitive is str for members AWS marks sensitive: their value is never echoed.
func (c *checks) sensitive(member string, v *string, required bool, min, max int) {
	if v == nil {
		if required {
			c.required(member, false)
		}
		return
	}
	n := utf8.RuneCountInString(*v)
	switch {
	case n < min:
		c.add("'***'", member, fmt.Sprintf("Member must have length greater than or equal to %d", min))
	case max >= 0 && n > max:
		c.add("'***'", member, fmt.Sprintf("Member must have length less than or equal to %d", max))
	}
}

// payload is sensitive for the members that hold JSON or ASL text (inputs, outputs,
// definitions): their limits (256 KiB, 1 MiB) are quotas on UTF-8 bytes, so they count bytes.
func (c *checks) payload(member string, v *string, required bool, min, max int) {
	if v == nil {
		if required {
			c.required(member, false)
		}
		return
	}
	switch n := len(*v); {
	case n < min:
		c.add("'***'", member, fmt.Sprintf("Member must have length greater than or equal to %d", min))
	case n > max:
		c.add("'***'", member, fmt.Sprintf("Member must have length less than or equal to %d", max))
	}
}

// enum checks a member against its enum; values is the set in the order AWS prints it.
func (c *checks) enum(member string, v *string, values ...string) {
	if v == nil {
		return
	}
	for _, ok := range values {
		if *v == ok {
			return
		}
	}
	c.add(quote(*v), member, "Member must satisfy enum value set: ["+strings.Join(values, ", ")+"]")
}

// intRange checks a numeric member.
func (c *checks) intRange(member string, v *int64, min, max int64) {
	if v == nil {
		return
	}
	switch {
	case *v < min:
		c.add(quote(strconv.FormatInt(*v, 10)), member, fmt.Sprintf("Member must have value greater than or equal to %d", min))
	case *v > max:
		c.add(quote(strconv.FormatInt(*v, 10)), member, fmt.Sprintf("Member must have value less than or equal to %d", max))
	}
}

func (c *checks) floatRange(member string, v *float64, min, max float64) {
	if v == nil {
		return
	}
	s := strconv.FormatFloat(*v, 'g', -1, 64)
	switch {
	case *v < min:
		c.add(quote(s), member, fmt.Sprintf("Member must have value greater than or equal to %g", min))
	case *v > max:
		c.add(quote(s), member, fmt.Sprintf("Member must have value less than or equal to %g", max))
	}
}

func (c *checks) pattern(member string, v *string, ok func(string) bool, pattern string) {
	if v != nil && !ok(*v) {
		c.add(quote(*v), member, "Member must satisfy regular expression pattern: "+pattern)
	}
}

func (c *checks) err() error {
	switch len(c.msgs) {
	case 0:
		return nil
	case 1:
		return newError(CodeValidationException, "1 validation error detected: %s", c.msgs[0])
	}
	return newError(CodeValidationException, "%d validation errors detected: %s", len(c.msgs), strings.Join(c.msgs, "; "))
}

// Enum value sets, in the order AWS prints them in ValidationException messages where a
// recording shows it.
var (
	enumExecutionStatus = []string{"SUCCEEDED", "TIMED_OUT", "PENDING_REDRIVE", "ABORTED", "FAILED", "RUNNING"}
	enumSMType          = []string{"STANDARD", "EXPRESS"}
	enumIncludedData    = []string{"ALL_DATA", "METADATA_ONLY"}
	enumRedriveFilter   = []string{"REDRIVEN", "NOT_REDRIVEN"}
	enumSeverity        = []string{"ERROR", "WARNING"}
	enumInspection      = []string{"INFO", "DEBUG", "TRACE"}
	enumLogLevel        = []string{"ALL", "ERROR", "FATAL", "OFF"}
	enumEncryptionType  = []string{"AWS_OWNED_KEY", "CUSTOMER_MANAGED_KMS_KEY"}
	enumMockValidation  = []string{"STRICT", "PRESENT", "NONE"}
)

// validName reports whether s is a valid state machine, execution or activity name: 1-80
// characters, none of them whitespace, brackets, wildcards, the punctuation
// " # % \ ^ | ~ ` $ & , ; : / or a control, surrogate or non-character code point.
func validName(s string) bool {
	if s == "" || utf8.RuneCountInString(s) > 80 || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			return false
		case strings.ContainsRune("<>{}[]?*\"#%\\^|~`$&,;:/", r):
			return false
		case r <= 0x1f, r >= 0x7f && r <= 0x9f, r == 0xfffe, r == 0xffff, r == 0x10ffff:
			return false
		case r >= 0xd800 && r <= 0xdfff:
			return false
		}
	}
	return true
}

// validAliasName reports whether s matches ^(?=.*[a-zA-Z_\-\.])[a-zA-Z0-9_\-\.]+$.
func validAliasName(s string) bool {
	if s == "" || len(s) > 80 {
		return false
	}
	nonDigit := false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '_', r == '-', r == '.':
			nonDigit = true
		default:
			return false
		}
	}
	return nonDigit
}
