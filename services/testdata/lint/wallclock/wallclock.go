// Package wallclock breaks the wall-clock ban on purpose: internal/clock's TestLintRules runs
// golangci-lint over it and expects a finding on each line marked "want", and none elsewhere.
package wallclock

import (
	"context"
	t2 "time"
)

func calls(ctx context.Context) {
	_ = t2.Now()                                 // want forbidigo
	t2.Sleep(t2.Second)                          // want forbidigo
	<-t2.After(t2.Second)                        // want forbidigo
	_ = t2.Tick(t2.Second)                       // want forbidigo
	_ = t2.NewTimer(t2.Second)                   // want forbidigo
	_ = t2.NewTicker(t2.Second)                  // want forbidigo
	_ = t2.AfterFunc(t2.Second, func() {})       // want forbidigo
	_ = t2.Since(t2.Time{})                      // want forbidigo
	_ = t2.Until(t2.Time{})                      // want forbidigo
	_, c1 := context.WithTimeout(ctx, t2.Second) // want forbidigo
	defer c1()
	_, c2 := context.WithDeadline(ctx, t2.Time{}) // want forbidigo
	defer c2()
	_ = t2.Duration(3) * t2.Millisecond // durations and dates are fine
	_ = t2.Now()                        //nolint:forbidigo // an allowed use says why
}
