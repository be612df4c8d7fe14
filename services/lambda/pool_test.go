package lambda

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/internal/clock"
)

func TestConcurrencyCap(t *testing.T) {
	t.Parallel()
	// In a synctest bubble, synctest.Wait tells when every invocation that can run has
	// started and the rest are queued: the cap is checked exactly, without spinning.
	synctest.Test(t, func(t *testing.T) {
		s := newTestService(t, Config{MaxConcurrency: 2})
		var running, runs atomic.Int32
		release := make(chan struct{})
		s.RegisterGoFunction("busy", func(context.Context, []byte) ([]byte, error) {
			runs.Add(1)
			running.Add(1)
			<-release
			running.Add(-1)
			return []byte(`1`), nil
		})
		var wg sync.WaitGroup
		for range 12 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.Invoke(context.Background(), &InvokeInput{FunctionName: "busy"})
				assert.NoError(t, err) // not require: this is not the test's goroutine
			}()
		}
		for done := int32(0); done < 12; {
			synctest.Wait()
			require.Equal(t, min(2, 12-done), running.Load(), "invocations running at once")
			release <- struct{}{}
			done++
		}
		wg.Wait()
		require.Equal(t, int32(12), runs.Load())
	})
}

// TestQueuedInvocationCancelled: an invocation still waiting for a slot when its caller gives
// up never runs.
func TestQueuedInvocationCancelled(t *testing.T) {
	t.Parallel()
	s := newTestService(t, Config{MaxConcurrency: 1})
	started, release := make(chan struct{}), make(chan struct{})
	var runs atomic.Int32
	s.RegisterGoFunction("one", func(context.Context, []byte) ([]byte, error) {
		if runs.Add(1) == 1 {
			close(started)
			<-release
		}
		return []byte(`1`), nil
	})
	first := make(chan error, 1)
	go func() {
		_, err := s.Invoke(context.Background(), &InvokeInput{FunctionName: "one"})
		first <- err
	}()
	<-started
	ctx, cancel := context.WithCancelCause(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := s.Invoke(ctx, &InvokeInput{FunctionName: "one"})
		errc <- err
	}()
	gone := context.Canceled
	cancel(gone)
	require.ErrorIs(t, <-errc, gone)
	close(release)
	require.NoError(t, <-first)
	// A later invocation runs; the cancelled one never did.
	_, err := s.Invoke(context.Background(), &InvokeInput{FunctionName: "one"})
	require.NoError(t, err)
	require.Equal(t, int32(2), runs.Load())
}

func TestIdleEnvironmentEvicted(t *testing.T) {
	t.Parallel()
	fake := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := newTestService(t, Config{Clock: fake, IdleTimeout: 5 * time.Minute})
	createFn(t, s, pyFn("py", pyHandlers))
	pid := func() string {
		out, err := s.Invoke(context.Background(), &InvokeInput{FunctionName: "py", Payload: []byte(`{"action": "pid"}`)})
		require.NoError(t, err)
		return string(out.Payload)
	}
	first := pid()
	require.Equal(t, first, pid())
	_, v, aerr := s.resolve("", "py", "", false)
	require.Nil(t, aerr)
	v.pool.mu.Lock()
	require.Len(t, v.pool.all, 1)
	v.pool.mu.Unlock()

	fake.Advance(5 * time.Minute)
	v.pool.mu.Lock()
	require.Empty(t, v.pool.all, "the idle environment is stopped")
	v.pool.mu.Unlock()
	require.NotEqual(t, first, pid(), "the next invocation starts a new environment")
}
