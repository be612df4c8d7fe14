package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestServeCommandFlags(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"help", []string{"-h"}, 0, "-addr"},
		{"bad region", []string{"--region", "nowhere"}, 2, "invalid --region"},
		{"unknown flag", []string{"--nope"}, 2, "flag provided but not defined"},
		{"bad log level", []string{"--log-level", "loud"}, 2, "invalid --log-level"},
		{"address in use", []string{"--addr", "256.0.0.1:1"}, 1, "listening"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := serveCommand(tc.args, func(string) string { return "" }, &stdout, &stderr)
			require.Equal(t, tc.code, code)
			require.Contains(t, stderr.String(), tc.out)
		})
	}
}

func TestRunDispatch(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run([]string{"version"}, func(string) string { return "" }, &stdout, &stderr))
	require.Contains(t, stdout.String(), "sfnlocal")
	stdout.Reset()
	require.Equal(t, 2, run([]string{"frobnicate"}, func(string) string { return "" }, &stdout, &stderr))
	require.Contains(t, stderr.String(), `unknown command "frobnicate"`)
}
