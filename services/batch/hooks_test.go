package batch

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/clock"
)

func TestOnJobDone(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []string
	s, err := New(Config{Clock: clock.Real(), Logger: zap.NewNop(), Runner: newFakeRunner(),
		OnJobDone: func(queue string, st Status) {
			mu.Lock()
			got = append(got, queue+" "+string(st))
			mu.Unlock()
		}})
	require.NoError(t, err)
	defer s.Close()
	for _, name := range []string{"ok", "bad"} {
		code := "0"
		if name == "bad" {
			code = "3"
		}
		_, err := s.registerJobDefinition(&registerJDInput{JobDefinitionName: name, Type: "container",
			ContainerProperties: &ContainerProperties{Image: "img", Command: []string{"exit", code}}})
		require.NoError(t, err)
		out, err := s.SubmitJob(&SubmitJobInput{JobName: name, JobQueue: DefaultJobQueue, JobDefinition: name})
		require.NoError(t, err)
		_, err = s.Wait(context.Background(), out.JobID)
		require.NoError(t, err)
	}
	mu.Lock()
	defer mu.Unlock()
	queue := "arn:aws:batch:us-east-1:123456789012:job-queue/" + DefaultJobQueue
	require.Equal(t, []string{queue + " SUCCEEDED", queue + " FAILED"}, got, "terminal statuses only, once per job")
}
