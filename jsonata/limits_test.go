package jsonata

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// nestings builds expressions nested n levels deep in every way the grammar nests: brackets,
// blocks, unary minus, right-associative operators, conditionals, calls, lambdas, objects and
// long left-associative chains (which nest the tree without nesting the parser's recursion).
var nestings = map[string]func(n int) string{
	"parens":      func(n int) string { return strings.Repeat("(", n) + "1" + strings.Repeat(")", n) },
	"arrays":      func(n int) string { return strings.Repeat("[", n) + "1" + strings.Repeat("]", n) },
	"objects":     func(n int) string { return strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n) },
	"unary minus": func(n int) string { return strings.Repeat("-", n) + "1" },
	"chain":       func(n int) string { return "1" + strings.Repeat("+1", n) },
	"path":        func(n int) string { return "a" + strings.Repeat(".a", n) },
	"assign":      func(n int) string { return strings.Repeat("$a := ", n) + "1" },
	"conditional": func(n int) string { return strings.Repeat("true ? 1 : ", n) + "2" },
	"calls":       func(n int) string { return strings.Repeat("$string(", n) + "1" + strings.Repeat(")", n) },
	"lambdas":     func(n int) string { return strings.Repeat("function($x){", n) + "1" + strings.Repeat("}", n) },
	"predicates":  func(n int) string { return "a" + strings.Repeat("[a", n) + strings.Repeat("]", n) },
	"unclosed":    func(n int) string { return strings.Repeat("(", n) },
}

// TestCompileNestingLimit: an expression deeper than MaxNesting fails with S0601 (before the
// parser recursion can exhaust the stack, issue 17: 520,000 levels crashed the server), and
// one at a modest depth still compiles.
func TestCompileNestingLimit(t *testing.T) {
	t.Parallel()
	for name, build := range nestings {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if name != "unclosed" {
				_, err := Compile(build(100))
				require.NoError(t, err)
			}
			for _, n := range []int{MaxNesting + 1, 520_000} {
				_, err := Compile(build(n))
				var je *Error
				require.True(t, errors.As(err, &je), "%v", err)
				require.Equal(t, "S0601", je.Code)
				require.Contains(t, je.Message, "nested too deeply")
			}
		})
	}
}
