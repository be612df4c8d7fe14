package interpreter

import (
	"math"
	"time"
)

// ASL error names the interpreter raises or matches on.
const (
	errAll               = "States.ALL"
	errRuntime           = "States.Runtime"
	errDataLimit         = "States.DataLimitExceeded"
	errTaskFailed        = "States.TaskFailed"
	errTimeout           = "States.Timeout"
	errHeartbeatTimeout  = "States.HeartbeatTimeout"
	errNoChoiceMatched   = "States.NoChoiceMatched"
	errToleratedFailure  = "States.ExceedToleratedFailureThreshold"
	errResultPathMatch   = "States.ResultPathMatchFailure"
	maxPayloadBytes      = 262144
	maxRetryDelaySeconds = 31622400
)

// errorMatches reports whether an ErrorEquals list matches the error name. States.Runtime is
// never caught or retried, even when named (scenarios/test_catch_states_runtime records a
// Catch on "States.Runtime" that does not fire). States.ALL matches everything else except
// a terminal States.DataLimitExceeded (a state's own output over the limit); a Task result
// over the limit fails the Task and is caught like any task failure, as AWS records in
// error_handling/test_states_errors ..._catch_state_all_data_limit_exceeded_on_large_utf8_response.
// States.TaskFailed matches any error except States.Timeout and the terminal ones.
func errorMatches(errorEquals []string, name string, terminal bool) bool {
	if name == errRuntime {
		return false
	}
	for _, e := range errorEquals {
		switch {
		case e == name:
			return true
		case e == errAll && !terminal:
			return true
		case e == errTaskFailed && !terminal && name != errTimeout && name != errHeartbeatTimeout:
			return true
		}
	}
	return false
}

// retryDelay is the wait before retry number attempt (0-based: the first retry is attempt 0)
// of retrier r: IntervalSeconds × BackoffRate^attempt, capped by MaxDelaySeconds, and with
// JitterStrategy FULL a uniformly random duration in [0, that]. random returns a number in
// [0, 1). It is a pure function of its arguments.
func retryDelay(r *retrier, attempt int64, random func() float64) time.Duration {
	secs := r.interval * math.Pow(r.backoffRate, float64(attempt))
	limit := float64(maxRetryDelaySeconds)
	if r.hasMaxDelay && r.maxDelay < limit {
		limit = r.maxDelay
	}
	if math.IsInf(secs, 0) || math.IsNaN(secs) || secs > limit {
		secs = limit
	}
	if r.jitterFull && random != nil {
		secs *= random()
	}
	return time.Duration(secs * float64(time.Second))
}
