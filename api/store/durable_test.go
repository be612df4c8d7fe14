package store

import (
	"fmt"
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

// TestDurableJournalKeys: an execution's journal reads back only its own batches, not its
// Map Run children's journals or its marks; marks are read back by name and overwritten;
// removing the execution removes all of them.
func TestDurableJournalKeys(t *testing.T) {
	d, db := openDurable(t, t.TempDir())
	defer db.Close()
	now := time.Unix(1700000000, 0).UTC()
	sm := "arn:aws:states:us-east-1:123456789012:stateMachine:m"
	parent := sm + "-run"
	child := parent + "\x00\xff" + "arn:aws:states:us-east-1:123456789012:execution:m/label:kid"
	grandchild := child + "\x00\xff" + "arn:aws:states:us-east-1:123456789012:execution:m/label/x:g"
	d.PutExecution(Execution{Arn: parent, StateMachineArn: sm, Name: "run", Status: "RUNNING", StartDate: now, Definition: "{}", Seq: 1, Input: "{}"})
	require.NoError(t, d.Append(parent, 2, []byte("p2")))
	require.NoError(t, d.Append(child, 2, []byte("c2")))
	require.NoError(t, d.Append(parent, 9, []byte("p9")))
	require.NoError(t, d.Append(child, 5, []byte("c5")))
	require.NoError(t, d.Append(grandchild, 2, []byte("g2")))
	require.NoError(t, d.Mark(parent, "hb/AQtoken", []byte("1")))
	require.NoError(t, d.Mark(parent, "hb/AQtoken", []byte("2")))
	require.NoError(t, d.Mark(parent, "mr/arn", []byte("{}")))
	require.NoError(t, d.Mark(child, "hb/AQother", []byte("3")))

	for key, want := range map[string][][]byte{
		parent:     {[]byte("p2"), []byte("p9")},
		child:      {[]byte("c2"), []byte("c5")},
		grandchild: {[]byte("g2")},
	} {
		got, err := d.Journal(key)
		require.NoError(t, err)
		require.Equal(t, want, got, key)
	}
	marks, err := d.Marks(parent)
	require.NoError(t, err)
	require.Equal(t, map[string][]byte{"hb/AQtoken": []byte("2"), "mr/arn": []byte("{}")}, marks)
	marks, err = d.Marks(child)
	require.NoError(t, err)
	require.Equal(t, map[string][]byte{"hb/AQother": []byte("3")}, marks)

	d.DeleteExecution(parent)
	for _, key := range []string{parent, child, grandchild} {
		got, err := d.Journal(key)
		require.NoError(t, err)
		require.Empty(t, got, key)
		marks, err := d.Marks(key)
		require.NoError(t, err)
		require.Empty(t, marks, key)
	}
}

// TestDurableRecentRecords: a finished record just written is read back as written (from
// memory), a redrive's RUNNING record replaces it (on disk too, where its old place among the
// ended goes), and deleting or forgetting an execution forgets it.
func TestDurableRecentRecords(t *testing.T) {
	dir := t.TempDir()
	d, db := openDurable(t, dir)
	now := time.Unix(1700000000, 0).UTC()
	sm := "arn:aws:states:us-east-1:123456789012:stateMachine:m"
	fin := Execution{Arn: sm + "-r", StateMachineArn: sm, Name: "r", Status: "FAILED", StartDate: now, StopDate: now.Add(time.Second),
		Definition: "{}", Seq: 1, Input: "{}", Finished: 1, History: []byte{1}}
	d.PutExecution(fin)
	got, ok := d.GetExecution(fin.Arn)
	require.True(t, ok)
	require.Equal(t, fin, got)
	again := fin
	again.Status, again.StopDate, again.Finished, again.History, again.RedriveCount = "RUNNING", time.Time{}, 0, nil, 1
	again.RedriveTokens = []RedriveToken{{Token: "t", Date: now, Used: now}}
	d.PutExecution(again)
	got, ok = d.GetExecution(fin.Arn)
	require.True(t, ok)
	require.Equal(t, again, got)
	require.NoError(t, db.Close())

	d, db = openDurable(t, dir)
	defer db.Close()
	got, ok = d.GetExecution(fin.Arn)
	require.True(t, ok)
	require.Equal(t, again, got, "the redrive's record replaced the finished one")
	ended, _, err := d.Ended()
	require.NoError(t, err)
	require.Empty(t, ended)
	running, err := d.Running()
	require.NoError(t, err)
	require.Len(t, running, 1)

	end := again
	end.Status, end.StopDate, end.Finished, end.History = "SUCCEEDED", now.Add(time.Minute), 2, []byte{2}
	d.PutExecution(end)
	got, _ = d.GetExecution(fin.Arn)
	require.Equal(t, end, got)
	d.Forget([]string{fin.Arn})
	_, ok = d.GetExecution(fin.Arn)
	require.False(t, ok)
}

// TestRecentRecordsBounded: the cache of recent records keeps the newest, within its count
// and byte bounds, and forgets deleted ones.
func TestRecentRecordsBounded(t *testing.T) {
	var r recentRecords
	for i := range recentCount + 10 {
		r.add(Execution{Arn: fmt.Sprint("a", i)})
	}
	require.Len(t, r.m, recentCount)
	_, ok := r.get("a9")
	require.False(t, ok, "the oldest go first")
	_, ok = r.get(fmt.Sprint("a", recentCount+9))
	require.True(t, ok)

	var big recentRecords
	for i := range 20 {
		big.add(Execution{Arn: fmt.Sprint("b", i), History: make([]byte, 1<<20)})
	}
	require.LessOrEqual(t, big.bytes, recentBytes)
	_, ok = big.get("b19")
	require.True(t, ok)
	big.del("b19")
	_, ok = big.get("b19")
	require.False(t, ok)
	total := 0
	for _, e := range big.m {
		total += recordSize(&e)
	}
	require.Equal(t, total, big.bytes)
}
