package store

import "github.com/sfnlocal/sfnlocal/internal/storage"

// bMapRuns holds the Map Runs of finished executions, by execution ARN: the api encodes them
// (with their child executions) as it likes; the store keeps the bytes.
const bMapRuns = "sfn.mapruns"

// PutMapRuns starts writing the Map Runs of a finished execution, like its record's write:
// in the background, flushed by Flush.
func (d *Durable) PutMapRuns(executionArn string, data []byte) {
	d.writes.Add(1)
	go func() {
		defer d.writes.Done()
		d.fail(d.db.Update(func(tx *storage.Tx) error { return tx.Put(bMapRuns, executionArn, data) }))
	}()
}

// ForEachMapRuns calls fn with every execution's recorded Map Runs.
func (d *Durable) ForEachMapRuns(fn func(executionArn string, data []byte) error) error {
	return d.db.View(func(tx *storage.Tx) error { return tx.ForEach(bMapRuns, fn) })
}

// DeleteMapRuns removes the Map Runs of executions that are gone (retention), in the
// background as Forget does.
func (d *Durable) DeleteMapRuns(executionArns []string) {
	if len(executionArns) == 0 {
		return
	}
	go d.fail(d.db.UpdateNow(func(tx *storage.Tx) error {
		for _, arn := range executionArns {
			if err := tx.Delete(bMapRuns, arn); err != nil {
				return err
			}
		}
		return nil
	}))
}
