package logs

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestFilterPatterns follows the examples of CloudWatch Logs' "Filter pattern syntax" page.
func TestFilterPatterns(t *testing.T) {
	t.Parallel()
	msg := `{"id":"3","type":"TaskFailed","details":{"error":"Boom","n":5},"execution_arn":"arn:x"}`
	cases := []struct {
		pattern string
		want    bool
	}{
		{"", true},
		{"TaskFailed", true},
		{"TaskFailed Boom", true},
		{"TaskFailed Nope", false},
		{`"type\":\"TaskFailed"`, false},
		{"?Nope ?Boom", true},
		{"?Nope ?Other", false},
		{"TaskFailed -Boom", false},
		{`{ $.type = "TaskFailed" }`, true},
		{`{ $.type = "Task*" }`, true},
		{`{ $.type != "TaskFailed" }`, false},
		{`{ $.details.n > 4 }`, true},
		{`{ $.details.n >= 6 }`, false},
		{`{ $.details.error = "Boom" && $.id = "3" }`, true},
		{`{ $.details.error = "x" || $.id = "3" }`, true},
		{`{ $.missing = "x" }`, false},
	}
	for _, tc := range cases {
		t.Run(tc.pattern, func(t *testing.T) {
			t.Parallel()
			m, err := compilePattern(tc.pattern)
			require.Nil(t, err)
			require.Equal(t, tc.want, m(msg))
		})
	}
	_, err := compilePattern(`{ type = 1 }`)
	require.NotNil(t, err)
}
