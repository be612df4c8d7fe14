package store

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/internal/storage"
)

func openDurable(t *testing.T, dir string) (*Durable, *storage.DB) {
	t.Helper()
	db, err := storage.Open(dir, storage.Options{NoSync: true})
	require.NoError(t, err)
	d, err := OpenDurable(db)
	require.NoError(t, err)
	d.OnError = func(err error) { t.Error(err) }
	return d, db
}

// TestDurableExecutions: records, histories, lists, the running set, the ended order and
// journals survive a reopen; a RUNNING write never replaces a finished one.
func TestDurableExecutions(t *testing.T) {
	dir := t.TempDir()
	d, db := openDurable(t, dir)
	now := time.Unix(1700000000, 0).UTC()
	sm := "arn:aws:states:us-east-1:123456789012:stateMachine:m"
	d.PutStateMachine(StateMachine{Arn: sm, Name: "m", Definition: "{}", CreationDate: now})
	d.SetTags(sm, []Tag{{"k", "v"}})
	mk := func(i int, status string) Execution {
		e := Execution{Arn: sm + "-e" + string(rune('a'+i)), StateMachineArn: sm, Name: "e", Status: status, StartDate: now,
			Definition: `{"StartAt":"P"}`, VariableReferences: map[string][]string{"P": {"x"}}, Seq: uint64(i + 1), Input: "{}"}
		if status != "RUNNING" {
			e.Finished, e.StopDate, e.History = uint64(i+1), now.Add(time.Second), []byte{1, 2, 3}
		}
		return e
	}
	fin := mk(0, "SUCCEEDED")
	run := mk(1, "RUNNING")
	// The finish is written before a late RUNNING write of the same execution.
	d.PutExecution(fin)
	late := fin
	late.Status, late.Finished, late.History = "RUNNING", 0, nil
	d.PutExecution(late)
	d.PutExecution(run)
	require.NoError(t, d.Append(run.Arn, 2, []byte("batch")))
	got, ok := d.GetExecution(fin.Arn)
	require.True(t, ok)
	require.Equal(t, fin, got)
	require.NoError(t, db.Close())

	d, db = openDurable(t, dir)
	defer db.Close()
	got, ok = d.GetExecution(fin.Arn)
	require.True(t, ok)
	require.Equal(t, fin, got)
	list := d.ListExecutions(sm)
	require.Len(t, list, 2)
	require.Equal(t, run.Arn, list[0].Arn)
	running, err := d.Running()
	require.NoError(t, err)
	require.Len(t, running, 1)
	require.Equal(t, run, running[0])
	ended, maxSeq, err := d.Ended()
	require.NoError(t, err)
	require.Equal(t, []Ended{{Arn: fin.Arn, Finished: 1, Stop: fin.StopDate}}, ended)
	require.Equal(t, uint64(2), maxSeq)
	j, err := d.Journal(run.Arn)
	require.NoError(t, err)
	require.Equal(t, [][]byte{[]byte("batch")}, j)
	require.Equal(t, []Tag{{"k", "v"}}, d.Tags(sm))
	_, ok = d.GetStateMachine(sm)
	require.True(t, ok)
	d.DeleteExecution(fin.Arn)
	_, ok = d.GetExecution(fin.Arn)
	require.False(t, ok)
	ended, _, _ = d.Ended()
	require.Empty(t, ended)
}
