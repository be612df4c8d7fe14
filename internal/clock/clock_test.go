package clock

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func TestParseMode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mode    string
		wantErr bool
		instant bool
	}{
		{mode: ""}, {mode: "real"}, {mode: "scale=10"}, {mode: "scale=0.5"},
		{mode: "instant", instant: true}, {mode: "manual"},
		{mode: "scale=0", wantErr: true}, {mode: "scale=-1", wantErr: true},
		{mode: "scale=x", wantErr: true}, {mode: "fast", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.mode, func(t *testing.T) {
			t.Parallel()
			f, err := ParseMode(tc.mode)
			if tc.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			s, ok := f().(*Sched)
			require.True(t, ok, "every execution runs under a scheduler")
			require.Equal(t, tc.instant, s.virtual)
		})
	}
}

func TestFakeTimersFireInOrder(t *testing.T) {
	t.Parallel()
	f := NewFake(t0)
	var got []int
	f.AfterFunc(3*time.Second, func() { got = append(got, 3) })
	f.AfterFunc(1*time.Second, func() { got = append(got, 1) })
	stopped := f.AfterFunc(2*time.Second, func() { got = append(got, 2) })
	require.True(t, stopped.Stop())
	f.Advance(2 * time.Second)
	require.Equal(t, []int{1}, got)
	require.True(t, f.AdvanceToNext())
	require.Equal(t, []int{1, 3}, got)
	require.Equal(t, t0.Add(3*time.Second), f.Now())
	require.False(t, f.AdvanceToNext())
}

func TestFakeSleepAndTimeout(t *testing.T) {
	t.Parallel()
	f := NewFake(t0)
	done := make(chan error, 1)
	go func() { done <- Sleep(context.Background(), f, 5*time.Second) }()
	f.BlockUntil(1)
	f.Advance(5 * time.Second)
	require.NoError(t, <-done)

	cause := errors.New("timeout")
	ctx, cancel := WithTimeout(context.Background(), f, time.Second, cause)
	defer cancel()
	go func() { done <- Sleep(ctx, f, time.Minute) }()
	f.BlockUntil(2)
	f.Advance(time.Second)
	require.ErrorIs(t, <-done, cause)
}

func TestScaled(t *testing.T) {
	t.Parallel()
	s := NewScaled(1000)
	start := s.Now()
	require.NoError(t, Sleep(context.Background(), s, 2*time.Second)) // 2 ms of real time
	require.GreaterOrEqual(t, s.Now().Sub(start), 2*time.Second)
}
