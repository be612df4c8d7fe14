package server

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/sfnlocal/sfnlocal/api"
)

// TestMemoryReleaser: freed memory goes back to the OS once, releaseIdle after the last of a
// burst of at least releaseAfterEnded ended executions; a smaller burst, RUNNING changes and
// a burst still going on release nothing. (synctest: the idle timer runs on the bubble's
// fake clock.)
func TestMemoryReleaser(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		core, logs := observer.New(zapcore.InfoLevel)
		m := newMemoryReleaser(zap.New(core))
		defer m.close()
		end := func(n int) {
			for range n {
				m.ExecutionStatusChanged(api.ExecutionStatus{Status: "RUNNING"})
				m.ExecutionStatusChanged(api.ExecutionStatus{Status: "SUCCEEDED"})
			}
		}
		releases := func() []map[string]any {
			var out []map[string]any
			for _, e := range logs.FilterMessage("returned freed memory to the OS").All() {
				out = append(out, e.ContextMap())
			}
			return out
		}

		end(releaseAfterEnded - 1)
		time.Sleep(10 * releaseIdle)
		synctest.Wait()
		require.Empty(t, releases(), "a burst below the threshold")

		end(1)
		time.Sleep(releaseIdle / 2)
		end(1) // still busy: the release waits for a full idle period after this one
		time.Sleep(releaseIdle / 2)
		synctest.Wait()
		require.Empty(t, releases(), "not idle yet")
		time.Sleep(releaseIdle / 2)
		synctest.Wait()
		got := releases()
		require.Len(t, got, 1)
		require.Equal(t, uint64(releaseAfterEnded+1), got[0]["executions_ended"])
		require.Equal(t, uint64(releaseAfterEnded+1), got[0]["since_last_release"])

		time.Sleep(10 * releaseIdle)
		synctest.Wait()
		require.Len(t, releases(), 1, "one release per burst")
	})
}
