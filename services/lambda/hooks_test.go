package lambda

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestOnInvoke(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []string
	s := newTestService(t, Config{OnInvoke: func(fn, outcome string) {
		mu.Lock()
		got = append(got, fn+" "+outcome)
		mu.Unlock()
	}})
	s.RegisterGoFunction("fine", func(context.Context, []byte) ([]byte, error) { return []byte(`1`), nil })
	s.RegisterGoFunction("broken", func(context.Context, []byte) ([]byte, error) { return nil, errors.New("no") })
	for _, fn := range []string{"fine", "broken"} {
		_, err := s.Invoke(context.Background(), &InvokeInput{FunctionName: fn})
		require.NoError(t, err)
	}
	_, err := s.Invoke(context.Background(), &InvokeInput{FunctionName: "missing"})
	require.Error(t, err, "an unknown function is refused before any invocation")
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{"fine success", "broken error"}, got)
}
