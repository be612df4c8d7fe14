package store

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sfnlocal/sfnlocal/internal/storage"
)

// Durable is the Store kept in an internal/storage store (the server's --data-dir).
//
// State machines, versions, aliases, activities and tags are few and read on every request:
// they are loaded at open and kept in memory too (written through). Executions are many:
// they live only in the store, and the memory holds just the records whose write is still
// in flight (so that a read never goes back in time). Buckets:
//
//	sfn.statemachines, sfn.versions, sfn.aliases, sfn.activities, sfn.tags: ARN -> JSON
//	sfn.executions: seq (8 bytes, big-endian) -> the record as JSON, without its history
//	                and definition
//	sfn.definitions: key -> a definition and its variable references (shared by records)
//	sfn.history:    seq -> a finished execution's compact history
//	sfn.bysm:       state machine ARN NUL seq -> ""
//	sfn.running:    seq -> "" for every RUNNING execution (what a restart resumes)
//	sfn.ended:      finish number (8 bytes) -> ARN NUL stop time (Unix ns) NUL seq
//
// Every execution key grows with the execution's Seq, so that a commit appends to the ends of
// the trees; the index from ARN to Seq (about 150 bytes per execution) is kept in memory,
// rebuilt at open from sfn.ended and sfn.running.
//
//	sfn.journal:    ARN NUL first event id (8 bytes) -> a batch of journaled events
//	                ARN NUL 0xFE name -> a mark (a task's last heartbeat, Map Run settings)
//	                ARN NUL 0xFF child ARN NUL ... -> a Map Run child's journal, the same
//	                way down (interpreter.JournalKey): it goes with its parent's
//	sfn.meta:       secrets (the pagination key)
type Durable struct {
	*Memory // the small resources' cache; its executions are unused
	db      *storage.DB

	mu      sync.Mutex
	writes  sync.WaitGroup        // record writes in flight
	pending map[string]pendingRec // records whose write is in flight
	defs    map[string]definition // definitions known to be stored, by key
	arns    map[string]uint64     // every stored execution's Seq by ARN
	// recent holds the last finished records written (a client reads an execution just
	// after its end: DescribeExecution, the history), so that those reads need no disk
	// read and decode.
	recent recentRecords
	// OnError hears about failed writes (the Store interface has no errors to return).
	OnError func(error)
}

type pendingRec struct {
	rec  Execution
	n    int           // writes in flight for this ARN
	done chan struct{} // closed when the last of them is durable
}

const (
	bSMs        = "sfn.statemachines"
	bVersions   = "sfn.versions"
	bAliases    = "sfn.aliases"
	bActivities = "sfn.activities"
	bTags       = "sfn.tags"
	bExecs      = "sfn.executions"
	bDefs       = "sfn.definitions"
	bHistory    = "sfn.history"
	bBySM       = "sfn.bysm"
	bRunning    = "sfn.running"
	bEnded      = "sfn.ended"
	bJournal    = "sfn.journal"
	bMeta       = "sfn.meta"
)

// OpenDurable returns the Store kept in db, loading its small resources.
func OpenDurable(db *storage.DB) (*Durable, error) {
	d := &Durable{Memory: NewMemory(), db: db, pending: map[string]pendingRec{}, defs: map[string]definition{}, arns: map[string]uint64{}}
	err := db.View(func(tx *storage.Tx) error {
		if err := load(tx, bSMs, func(v StateMachine) { d.Memory.sms[v.Arn] = v }); err != nil {
			return err
		}
		if err := load(tx, bVersions, func(v Version) { d.Memory.versions[v.Arn] = v }); err != nil {
			return err
		}
		if err := load(tx, bAliases, func(v Alias) { d.Memory.aliases[v.Arn] = v }); err != nil {
			return err
		}
		if err := load(tx, bActivities, func(v Activity) { d.Memory.activities[v.Arn] = v }); err != nil {
			return err
		}
		if err := tx.ForEach(bTags, func(k string, v []byte) error {
			var tags []Tag
			if err := json.Unmarshal(v, &tags); err != nil {
				return fmt.Errorf("store: tags of %s: %w", k, err)
			}
			d.Memory.tags[k] = tags
			return nil
		}); err != nil {
			return err
		}
		if err := tx.ForEach(bEnded, func(_ string, v []byte) error {
			parts := strings.SplitN(string(v), "\x00", 3)
			if len(parts) == 3 {
				seq, _ := strconv.ParseUint(parts[2], 10, 64)
				d.arns[parts[0]] = seq
			}
			return nil
		}); err != nil {
			return err
		}
		return tx.ForEach(bRunning, func(seq string, _ []byte) error {
			var de diskExecution
			if b := tx.Get(bExecs, seq); b != nil && json.Unmarshal(b, &de) == nil {
				d.arns[de.Arn] = de.Seq
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

func load[T any](tx *storage.Tx, bucket string, put func(T)) error {
	return tx.ForEach(bucket, func(k string, v []byte) error {
		var rec T
		if err := json.Unmarshal(v, &rec); err != nil {
			return fmt.Errorf("store: %s/%s: %w", bucket, k, err)
		}
		put(rec)
		return nil
	})
}

var _ Store = (*Durable)(nil)

func (d *Durable) fail(err error) {
	if err != nil && d.OnError != nil {
		d.OnError(err)
	}
}

func (d *Durable) put(bucket, key string, v any) {
	d.fail(d.db.Update(func(tx *storage.Tx) error { return tx.PutJSON(bucket, key, v) }))
}

func (d *Durable) del(bucket, key string) {
	d.fail(d.db.Update(func(tx *storage.Tx) error {
		if err := tx.Delete(bucket, key); err != nil {
			return err
		}
		return tx.Delete(bTags, key)
	}))
}

func (d *Durable) PutStateMachine(sm StateMachine) {
	d.put(bSMs, sm.Arn, sm)
	d.Memory.PutStateMachine(sm)
}

func (d *Durable) DeleteStateMachine(arn string) {
	d.del(bSMs, arn)
	d.Memory.DeleteStateMachine(arn)
}

func (d *Durable) PutVersion(v Version) {
	d.put(bVersions, v.Arn, v)
	d.Memory.PutVersion(v)
}

func (d *Durable) DeleteVersion(arn string) {
	d.del(bVersions, arn)
	d.Memory.DeleteVersion(arn)
}

func (d *Durable) PutAlias(a Alias) {
	d.put(bAliases, a.Arn, a)
	d.Memory.PutAlias(a)
}

func (d *Durable) DeleteAlias(arn string) {
	d.del(bAliases, arn)
	d.Memory.DeleteAlias(arn)
}

func (d *Durable) PutActivity(a Activity) {
	d.put(bActivities, a.Arn, a)
	d.Memory.PutActivity(a)
}

func (d *Durable) DeleteActivity(arn string) {
	d.del(bActivities, arn)
	d.Memory.DeleteActivity(arn)
}

func (d *Durable) SetTags(arn string, tags []Tag) {
	d.fail(d.db.Update(func(tx *storage.Tx) error {
		if len(tags) == 0 {
			return tx.Delete(bTags, arn)
		}
		return tx.PutJSON(bTags, arn, tags)
	}))
	d.Memory.SetTags(arn, tags)
}

func u64(n uint64) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	return string(b[:])
}

// diskExecution is an execution record as stored: its definition (the same for many
// executions) lives once in sfn.definitions under DefKey.
type diskExecution struct {
	Execution
	DefKey string `json:",omitempty"`
}

type definition struct {
	Definition         string
	VariableReferences map[string][]string `json:",omitempty"`
}

func defKey(e *Execution) string {
	h := fnv.New128a()
	h.Write([]byte(e.Definition))
	for _, k := range slices.Sorted(maps.Keys(e.VariableReferences)) {
		h.Write([]byte{0})
		h.Write([]byte(k))
		for _, v := range e.VariableReferences[k] {
			h.Write([]byte{1})
			h.Write([]byte(v))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// encodeExecution returns the stored form of e and its definition's key.
func (d *Durable) encodeExecution(e Execution) ([]byte, string, []byte, error) {
	key := defKey(&e)
	var def []byte
	d.mu.Lock()
	_, known := d.defs[key]
	d.mu.Unlock()
	if !known {
		var err error
		if def, err = json.Marshal(definition{Definition: e.Definition, VariableReferences: e.VariableReferences}); err != nil {
			return nil, "", nil, err
		}
	}
	e.Definition, e.VariableReferences, e.History = "", nil, nil
	b, err := json.Marshal(diskExecution{Execution: e, DefKey: key})
	return b, key, def, err
}

// decodeExecution reads a stored record (without its history).
func (d *Durable) decodeExecution(tx *storage.Tx, b []byte) (Execution, error) {
	var de diskExecution
	if err := json.Unmarshal(b, &de); err != nil {
		return Execution{}, err
	}
	e := de.Execution
	if de.DefKey != "" {
		d.mu.Lock()
		def, ok := d.defs[de.DefKey]
		d.mu.Unlock()
		if !ok {
			raw := tx.Get(bDefs, de.DefKey)
			if raw == nil {
				return Execution{}, fmt.Errorf("store: execution %s: its definition is missing", e.Arn)
			}
			if err := json.Unmarshal(raw, &def); err != nil {
				return Execution{}, err
			}
			d.mu.Lock()
			d.defs[de.DefKey] = def
			d.mu.Unlock()
		}
		e.Definition, e.VariableReferences = def.Definition, def.VariableReferences
	}
	return e, nil
}

// PutExecution durably writes an execution's record.
func (d *Durable) PutExecution(e Execution) { _ = d.PutExecutionAsync(e)() }

// PutExecutionAsync starts writing an execution's record and returns a function that waits
// for the write to be durable. Reads see the record at once. A record never replaces one
// that finished later (writes of one execution may complete out of order).
//
// Records are keyed by their Seq, which grows: a commit appends to the ends of the trees
// instead of dirtying pages all over them (ARNs hold random names), which is what keeps group
// commits small.
func (d *Durable) PutExecutionAsync(e Execution) (wait func() error) {
	d.mu.Lock()
	p := d.pending[e.Arn]
	if p.n == 0 {
		p.done = make(chan struct{})
	}
	p.rec, p.n = e, p.n+1
	d.pending[e.Arn] = p
	d.arns[e.Arn] = e.Seq
	d.mu.Unlock()
	d.writes.Add(1)
	hist := e.History
	rec, key, def, err := d.encodeExecution(e)
	done := make(chan error, 1)
	if err != nil {
		done <- err
		d.written(e.Arn)
	} else {
		go func() {
			defer d.written(e.Arn)
			seq := u64(e.Seq)
			err := d.db.Update(func(tx *storage.Tx) error {
				if e.Finished == 0 {
					if old := tx.Get(bExecs, seq); old != nil {
						var o diskExecution
						if json.Unmarshal(old, &o) == nil && o.Finished != 0 {
							if e.RedriveCount <= o.RedriveCount {
								return nil // it finished meanwhile
							}
							// Redriven: running again, no longer among the ended, its
							// history to come at its next end.
							if err := tx.Delete(bEnded, u64(o.Finished)); err != nil {
								return err
							}
							if err := tx.Delete(bHistory, seq); err != nil {
								return err
							}
						}
					}
				}
				if def != nil {
					if err := tx.Put(bDefs, key, def); err != nil {
						return err
					}
				}
				if err := tx.Put(bExecs, seq, rec); err != nil {
					return err
				}
				if err := tx.Put(bBySM, e.StateMachineArn+"\x00"+seq, nil); err != nil {
					return err
				}
				if e.Status == "RUNNING" {
					return tx.Put(bRunning, seq, nil)
				}
				if err := tx.Delete(bRunning, seq); err != nil {
					return err
				}
				if hist != nil {
					if err := tx.Put(bHistory, seq, hist); err != nil {
						return err
					}
				}
				if e.Status == "SUCCEEDED" {
					// An unsuccessful end's journal is kept: it rebuilds the run for a
					// redrive after a restart (api/durable.go, interpreter/durable_redrive.go).
					if err := tx.DeletePrefix(bJournal, e.Arn+"\x00"); err != nil {
						return err
					}
				}
				if e.Finished != 0 {
					return tx.Put(bEnded, u64(e.Finished), []byte(e.Arn+"\x00"+strconv.FormatInt(e.StopDate.UnixNano(), 10)+"\x00"+strconv.FormatUint(e.Seq, 10)))
				}
				return nil
			})
			d.fail(err)
			done <- err
			if def != nil {
				d.mu.Lock()
				d.defs[key] = definition{Definition: e.Definition, VariableReferences: e.VariableReferences}
				d.mu.Unlock()
			}
		}()
	}
	var once sync.Once
	var res error
	return func() error {
		once.Do(func() { res = <-done })
		return res
	}
}

// written ends one write of arn's record.
func (d *Durable) written(arn string) {
	d.mu.Lock()
	if p := d.pending[arn]; p.n <= 1 {
		if p.rec.Finished != 0 {
			d.recent.add(p.rec)
		} else {
			d.recent.del(arn)
		}
		delete(d.pending, arn)
		if p.done != nil {
			close(p.done)
		}
	} else {
		p.n--
		d.pending[arn] = p
	}
	d.mu.Unlock()
	d.writes.Done()
}

// recentRecords keeps the last records added, at most recentCount of them and about
// recentBytes of their texts and histories, the oldest going first.
type recentRecords struct {
	m     map[string]Execution
	q     []string // ARNs in the order they came (an ARN deleted or re-added stays: skipped)
	head  int
	bytes int
}

const (
	recentCount = 4096
	recentBytes = 8 << 20
)

func recordSize(e *Execution) int {
	return 256 + len(e.Input) + len(e.Output) + len(e.Error) + len(e.Cause) + len(e.History)
}

func (r *recentRecords) get(arn string) (Execution, bool) {
	e, ok := r.m[arn]
	return e, ok
}

func (r *recentRecords) del(arn string) {
	if e, ok := r.m[arn]; ok {
		r.bytes -= recordSize(&e)
		delete(r.m, arn)
	}
}

func (r *recentRecords) add(e Execution) {
	if r.m == nil {
		r.m = map[string]Execution{}
	}
	r.del(e.Arn)
	r.m[e.Arn] = e
	r.bytes += recordSize(&e)
	r.q = append(r.q, e.Arn)
	for (len(r.m) > recentCount || r.bytes > recentBytes) && r.head < len(r.q) {
		old := r.q[r.head]
		r.head++
		if old != e.Arn {
			r.del(old)
		}
	}
	if r.head > len(r.q)/2 {
		r.q = append(r.q[:0:0], r.q[r.head:]...)
		r.head = 0
	}
}

// WaitWritten returns once every write of arn's record started so far is durable (or failed):
// what a client is shown of an execution must survive a crash.
func (d *Durable) WaitWritten(arn string) {
	d.mu.Lock()
	p, ok := d.pending[arn]
	d.mu.Unlock()
	if ok && p.done != nil {
		<-p.done
	}
}

// Flush waits for every record write in flight (a clean shutdown).
func (d *Durable) Flush() { d.writes.Wait() }

// getLocked reads the record of seq in tx.
func (d *Durable) get(tx *storage.Tx, seq string, history bool) (Execution, bool, error) {
	b := tx.Get(bExecs, seq)
	if b == nil {
		return Execution{}, false, nil
	}
	e, err := d.decodeExecution(tx, b)
	if err != nil {
		return Execution{}, false, err
	}
	if history {
		e.History = tx.Get(bHistory, seq)
	}
	return e, true, nil
}

func (d *Durable) GetExecution(arn string) (Execution, bool) {
	d.mu.Lock()
	if p, ok := d.pending[arn]; ok {
		d.mu.Unlock()
		return p.rec, true
	}
	if e, ok := d.recent.get(arn); ok {
		d.mu.Unlock()
		return e, true
	}
	seq, ok := d.arns[arn]
	d.mu.Unlock()
	if !ok {
		return Execution{}, false
	}
	var e Execution
	found := false
	d.fail(d.db.View(func(tx *storage.Tx) error {
		var err error
		e, found, err = d.get(tx, u64(seq), true)
		return err
	}))
	return e, found
}

func (d *Durable) DeleteExecution(arn string) {
	e, ok := d.GetExecution(arn)
	if !ok {
		return
	}
	seq := u64(e.Seq)
	d.mu.Lock()
	if d.arns[arn] == e.Seq {
		delete(d.arns, arn)
	}
	d.recent.del(arn)
	d.mu.Unlock()
	d.fail(d.db.Update(func(tx *storage.Tx) error {
		for _, k := range [][2]string{{bExecs, seq}, {bHistory, seq}, {bRunning, seq}, {bBySM, e.StateMachineArn + "\x00" + seq}, {bEnded, u64(e.Finished)}} {
			if err := tx.Delete(k[0], k[1]); err != nil {
				return err
			}
		}
		return tx.DeletePrefix(bJournal, arn+"\x00")
	}))
}

// Busy reports whether a write of the execution's record is in flight.
func (d *Durable) Busy(arn string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.pending[arn]
	return ok
}

// Forget removes executions at once from what reads see and from the store in the
// background (retention).
func (d *Durable) Forget(arns []string) {
	type gone struct {
		arn string
		seq uint64
	}
	var list []gone
	d.mu.Lock()
	for _, arn := range arns {
		d.recent.del(arn)
		if seq, ok := d.arns[arn]; ok {
			delete(d.arns, arn)
			list = append(list, gone{arn, seq})
		}
	}
	d.mu.Unlock()
	if len(list) == 0 {
		return
	}
	go d.fail(d.db.UpdateNow(func(tx *storage.Tx) error {
		for _, g := range list {
			seq := u64(g.seq)
			e, ok, err := d.get(tx, seq, false)
			if err != nil || !ok {
				continue
			}
			for _, k := range [][2]string{{bExecs, seq}, {bHistory, seq}, {bRunning, seq}, {bBySM, e.StateMachineArn + "\x00" + seq}, {bEnded, u64(e.Finished)}} {
				if err := tx.Delete(k[0], k[1]); err != nil {
					return err
				}
			}
			if err := tx.DeletePrefix(bJournal, g.arn+"\x00"); err != nil {
				return err
			}
		}
		return nil
	}))
}

// ListExecutions returns a state machine's executions newest first, without histories.
func (d *Durable) ListExecutions(smArn string) []Execution {
	var out []Execution
	seen := map[string]bool{}
	d.fail(d.db.View(func(tx *storage.Tx) error {
		prefix := smArn + "\x00"
		return tx.ForEachPrefix(bBySM, prefix, func(k string, _ []byte) error {
			e, ok, err := d.get(tx, k[len(prefix):], false)
			if err != nil || !ok {
				return err
			}
			if e.StateMachineArn == smArn && !seen[e.Arn] {
				seen[e.Arn] = true
				out = append(out, e)
			}
			return nil
		})
	}))
	d.mu.Lock()
	kept := out[:0]
	for _, e := range out {
		if p, ok := d.pending[e.Arn]; ok {
			e = p.rec
			e.History = nil
		} else if d.arns[e.Arn] != e.Seq {
			continue // forgotten (retention), not deleted yet
		}
		kept = append(kept, e)
	}
	out = kept
	for arn, p := range d.pending {
		if p.rec.StateMachineArn == smArn && !seen[arn] {
			r := p.rec
			r.History = nil
			out = append(out, r)
		}
	}
	d.mu.Unlock()
	sort.SliceStable(out, func(i, j int) bool { return out[i].Seq > out[j].Seq })
	return out
}

// Running returns the records of the executions that were RUNNING.
func (d *Durable) Running() ([]Execution, error) {
	var out []Execution
	err := d.db.View(func(tx *storage.Tx) error {
		return tx.ForEach(bRunning, func(seq string, _ []byte) error {
			e, ok, err := d.get(tx, seq, true)
			if err != nil {
				return fmt.Errorf("store: execution %x: %w", seq, err)
			}
			if ok {
				out = append(out, e)
			}
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out, err
}

// Ended is one finished execution in retention order.
type Ended struct {
	Arn      string
	Finished uint64
	Stop     time.Time
}

// Ended returns the finished executions in the order they finished, and the largest Seq
// and finish number in the store.
func (d *Durable) Ended() (ended []Ended, maxSeq uint64, err error) {
	err = d.db.View(func(tx *storage.Tx) error {
		if err := tx.ForEach(bEnded, func(k string, v []byte) error {
			arn, rest, _ := strings.Cut(string(v), "\x00")
			stop, _, _ := strings.Cut(rest, "\x00")
			ns, _ := strconv.ParseInt(stop, 10, 64)
			ended = append(ended, Ended{Arn: arn, Finished: binary.BigEndian.Uint64([]byte(k)), Stop: time.Unix(0, ns).UTC()})
			return nil
		}); err != nil {
			return err
		}
		// Records are keyed by Seq: the last key is the largest.
		if k := tx.LastKey(bExecs); len(k) == 8 {
			maxSeq = binary.BigEndian.Uint64([]byte(k))
		}
		return nil
	})
	return ended, maxSeq, err
}

// Append durably stores a batch of an execution's journaled events.
func (d *Durable) Append(arn string, firstID int64, batch []byte) error {
	return d.db.Update(func(tx *storage.Tx) error {
		return tx.Put(bJournal, arn+"\x00"+u64(uint64(firstID)), batch)
	})
}

// Journal returns an execution's journaled batches in order: only its own, not those of
// its Map Runs' children (keys arn NUL 0xFF child) or its marks (arn NUL 0xFE name).
func (d *Durable) Journal(arn string) ([][]byte, error) {
	var out [][]byte
	prefix := arn + "\x00"
	err := d.db.View(func(tx *storage.Tx) error {
		return tx.ForEachPrefix(bJournal, prefix, func(k string, v []byte) error {
			if len(k) == len(prefix)+8 && k[len(prefix)] < markByte {
				out = append(out, v)
			}
			return nil
		})
	})
	return out, err
}

// markByte follows the NUL after an execution's journal key in the keys of its marks.
const markByte = 0xfe

// Mark durably sets a mark of an execution's journal (a task's last heartbeat, a Map Run's
// settings): it goes with the journal.
func (d *Durable) Mark(arn, name string, value []byte) error {
	return d.db.Update(func(tx *storage.Tx) error {
		return tx.Put(bJournal, arn+"\x00\xfe"+name, value)
	})
}

// Marks returns the marks of an execution's journal by name.
func (d *Durable) Marks(arn string) (map[string][]byte, error) {
	out := map[string][]byte{}
	prefix := arn + "\x00\xfe"
	err := d.db.View(func(tx *storage.Tx) error {
		return tx.ForEachPrefix(bJournal, prefix, func(k string, v []byte) error {
			out[k[len(prefix):]] = append([]byte(nil), v...)
			return nil
		})
	})
	return out, err
}

// Secret returns the named secret, made by gen and kept on first use.
func (d *Durable) Secret(name string, gen func() []byte) ([]byte, error) {
	var v []byte
	if err := d.db.View(func(tx *storage.Tx) error { v = tx.Get(bMeta, "secret/"+name); return nil }); err != nil {
		return nil, err
	}
	if v != nil {
		return v, nil
	}
	v = gen()
	return v, d.db.UpdateNow(func(tx *storage.Tx) error { return tx.Put(bMeta, "secret/"+name, v) })
}
