package store_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/api/store"
)

func TestMemoryListOrders(t *testing.T) {
	t.Parallel()
	m := store.NewMemory()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, n := range []string{"b", "c", "a"} {
		m.PutStateMachine(store.StateMachine{Arn: "sm:" + n, Name: n})
		m.PutActivity(store.Activity{Arn: "act:" + n, Name: n})
		m.PutAlias(store.Alias{Arn: "sm:b:" + n, StateMachineArn: "sm:b", Name: n})
	}
	for i := 1; i <= 3; i++ {
		m.PutVersion(store.Version{Arn: "sm:b:" + string(rune('0'+i)), StateMachineArn: "sm:b", Number: i})
		m.PutExecution(store.Execution{Arn: "x" + string(rune('0'+i)), StateMachineArn: "sm:b", Seq: uint64(i), StartDate: t0})
	}
	// Re-putting an execution (its outcome) keeps one entry.
	m.PutExecution(store.Execution{Arn: "x2", StateMachineArn: "sm:b", Seq: 2, Status: "SUCCEEDED"})

	cases := []struct {
		name string
		got  func() []string
		want []string
	}{
		{"state machines by name", func() []string {
			var out []string
			for _, s := range m.ListStateMachines() {
				out = append(out, s.Name)
			}
			return out
		}, []string{"a", "b", "c"}},
		{"activities by name", func() []string {
			var out []string
			for _, a := range m.ListActivities() {
				out = append(out, a.Name)
			}
			return out
		}, []string{"a", "b", "c"}},
		{"aliases by name", func() []string {
			var out []string
			for _, a := range m.ListAliases("sm:b") {
				out = append(out, a.Name)
			}
			return out
		}, []string{"a", "b", "c"}},
		{"versions newest first", func() []string {
			var out []string
			for _, v := range m.ListVersions("sm:b") {
				out = append(out, v.Arn)
			}
			return out
		}, []string{"sm:b:3", "sm:b:2", "sm:b:1"}},
		{"executions newest first", func() []string {
			var out []string
			for _, e := range m.ListExecutions("sm:b") {
				out = append(out, e.Arn+"/"+e.Status)
			}
			return out
		}, []string{"x3/", "x2/SUCCEEDED", "x1/"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, tc.got())
		})
	}
}

func TestMemoryRecordsAreCopies(t *testing.T) {
	t.Parallel()
	m := store.NewMemory()
	m.PutAlias(store.Alias{Arn: "a", Routing: []store.Route{{VersionArn: "v1", Weight: 100}}})
	a, ok := m.GetAlias("a")
	require.True(t, ok)
	a.Routing[0].Weight = 1
	b, _ := m.GetAlias("a")
	require.Equal(t, 100, b.Routing[0].Weight)

	m.SetTags("r", []store.Tag{{Key: "k", Value: "v"}})
	tags := m.Tags("r")
	tags[0].Value = "changed"
	require.Equal(t, "v", m.Tags("r")[0].Value)
	m.DeleteStateMachine("r")
	require.Empty(t, m.Tags("r"), "deleting a resource drops its tags")
}

// TestMemoryDeleteExecution: deleted executions leave every list, a reused ARN is listed once,
// and the per-machine index is compacted as deletions pile up.
func TestMemoryDeleteExecution(t *testing.T) {
	t.Parallel()
	m := store.NewMemory()
	const n = 1000
	for i := range n {
		m.PutExecution(store.Execution{Arn: "x" + strconv.Itoa(i), StateMachineArn: "sm", Seq: uint64(i + 1)})
	}
	for i := range n - 10 {
		m.DeleteExecution("x" + strconv.Itoa(i))
	}
	m.DeleteExecution("never-there")
	_, ok := m.GetExecution("x0")
	require.False(t, ok)
	// x995 is deleted and reused by a newer execution.
	m.DeleteExecution("x995")
	m.PutExecution(store.Execution{Arn: "x995", StateMachineArn: "sm", Seq: n + 1})
	var got []uint64
	for _, e := range m.ListExecutions("sm") {
		got = append(got, e.Seq)
	}
	require.Equal(t, []uint64{n + 1, 1000, 999, 998, 997, 995, 994, 993, 992, 991}, got)
}
