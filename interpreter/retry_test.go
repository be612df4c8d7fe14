package interpreter

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRetryDelay(t *testing.T) {
	t.Parallel()
	half := func() float64 { return 0.5 }
	tests := []struct {
		name    string
		r       retrier
		attempt int64
		random  func() float64
		want    time.Duration
	}{
		{"defaults first retry", retrier{interval: 1, backoffRate: 2}, 0, nil, time.Second},
		{"defaults third retry", retrier{interval: 1, backoffRate: 2}, 2, nil, 4 * time.Second},
		{"rate 1 stays flat", retrier{interval: 3, backoffRate: 1}, 5, nil, 3 * time.Second},
		{"fractional rate", retrier{interval: 2, backoffRate: 1.5}, 2, nil, 4500 * time.Millisecond},
		{"capped by MaxDelaySeconds", retrier{interval: 1, backoffRate: 2, maxDelay: 5, hasMaxDelay: true}, 10, nil, 5 * time.Second},
		{"below the cap", retrier{interval: 1, backoffRate: 2, maxDelay: 5, hasMaxDelay: true}, 1, nil, 2 * time.Second},
		{"overflow capped at a year", retrier{interval: 99999999, backoffRate: 10}, 400, nil, maxRetryDelaySeconds * time.Second},
		{"full jitter scales", retrier{interval: 4, backoffRate: 2, jitterFull: true}, 1, half, 4 * time.Second},
		{"full jitter zero", retrier{interval: 4, backoffRate: 2, jitterFull: true}, 0, func() float64 { return 0 }, 0},
		{"no jitter ignores random", retrier{interval: 4, backoffRate: 2}, 0, half, 4 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := tc.r
			require.Equal(t, tc.want, retryDelay(&r, tc.attempt, tc.random))
		})
	}
}

func TestErrorMatches(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		errorEquals []string
		err         string
		terminal    bool
		want        bool
	}{
		{"exact", []string{"MyError"}, "MyError", false, true},
		{"other", []string{"MyError"}, "Other", false, false},
		{"ALL catches custom", []string{"States.ALL"}, "MyError", false, true},
		{"ALL catches timeout", []string{"States.ALL"}, "States.Timeout", false, true},
		{"ALL skips Runtime", []string{"States.ALL"}, "States.Runtime", false, false},
		{"ALL skips DataLimitExceeded", []string{"States.ALL"}, "States.DataLimitExceeded", true, false},
		{"ALL catches a Task result over the limit", []string{"States.ALL"}, "States.DataLimitExceeded", false, true},
		{"TaskFailed wildcard", []string{"States.TaskFailed"}, "Lambda.Unknown", false, true},
		{"TaskFailed skips Timeout", []string{"States.TaskFailed"}, "States.Timeout", false, false},
		{"TaskFailed skips Runtime", []string{"States.TaskFailed"}, "States.Runtime", false, false},
		{"explicit Runtime is not caught either", []string{"States.Runtime"}, "States.Runtime", false, false},
		{"explicit DataLimitExceeded", []string{"States.DataLimitExceeded"}, "States.DataLimitExceeded", true, true},
		{"second entry", []string{"A", "B"}, "B", false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, errorMatches(tc.errorEquals, tc.err, tc.terminal))
		})
	}
}

func TestStringMatches(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"log-*.txt", "log-2024.txt", true},
		{"log-*.txt", "log-.txt", true},
		{"log-*.txt", "log-2024.csv", false},
		{"*", "", true},
		{"a*b*c", "aXXbYYc", true},
		{"a*b*c", "aXXbYY", false},
		{`a\*b`, "a*b", true},
		{`a\*b`, "aXb", false},
		{`a\\b`, `a\b`, true},
		{"exact", "exact", true},
		{"exact", "exactly", false},
		{"*.txt", "a.txt.txt", true},
	}
	for _, tc := range tests {
		t.Run(tc.pattern+"~"+tc.s, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, stringMatches(tc.pattern, tc.s))
		})
	}
}
