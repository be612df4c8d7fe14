package awsproto

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestNameOK checks NameOK against the regular expressions it stands in for.
func TestNameOK(t *testing.T) {
	t.Parallel()
	cases := []struct {
		re         string
		min, max   int
		extra      string
		firstAlnum bool
	}{
		{`^[A-Za-z0-9_-]{1,255}$`, 1, 255, "_-", false},
		{`^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$`, 1, 128, "_-", true},
		{`^[\.\-_A-Za-z0-9]{1,64}$`, 1, 64, ".-_", false},
		{`^[/\.\-_A-Za-z0-9]{1,256}$`, 1, 256, "/.-_", false},
		{`^[\w+=,.@-]{2,64}$`, 2, 64, "_+=,.@-", false},
	}
	inputs := []string{"", "a", "ab", "-a", "_", "a-b_c", "a.b", "a/b", "a b", "a@b", "é", "a\x00", "Z9",
		"a+=,.@-", strings.Repeat("x", 63), strings.Repeat("x", 64), strings.Repeat("x", 65),
		strings.Repeat("x", 127), strings.Repeat("x", 128), strings.Repeat("x", 129),
		strings.Repeat("x", 255), strings.Repeat("x", 256), strings.Repeat("x", 257)}
	for _, tc := range cases {
		re := regexp.MustCompile(tc.re)
		for _, in := range inputs {
			got := NameOK(in, tc.min, tc.max, tc.extra) && (!tc.firstAlnum || StartsAlnum(in))
			require.Equal(t, re.MatchString(in), got, "%s on %q", tc.re, in)
		}
	}
}
