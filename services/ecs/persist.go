package ecs

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/journal"
)

// Durable state (Config.DB set). Clusters, task definitions (with their tags) and tasks are
// written through the service's journal: persistLocked re-encodes them and writes those whose
// encoding changed (there are few: stopped tasks are forgotten after StoppedRetention), in
// the order of the changes, and API calls answer once their change is durable. Records:
//
//	ecs.clusters  name            → Cluster
//	ecs.defs      task def ARN    → taskDefRecord
//	ecs.tasks     task ARN        → taskRecord
//
// A task that was not STOPPED when the previous process ended is not reattached: it is
// recorded as STOPPED with stop code TerminationNotice and the reason AWS gives when the
// instance under a task goes away ("Host EC2 (instance …) terminated."), and the start-up
// reaper removes its leftover containers.
const (
	bucketClusters = "ecs.clusters"
	bucketDefs     = "ecs.defs"
	bucketTasks    = "ecs.tasks"
)

// bucketPrefix starts the name of every bucket above. Every region's state is in the one store:
// the default region's (Config.Region's) in the buckets above, each other region's in the same
// buckets scoped with its name, "ecs.tasks@eu-west-1" and so on (regional.DB; bucket base
// names never hold the "@", so two regions never share a bucket). New makes the Service of
// every region the store holds records of (regional.Stored), so that its tasks that were
// running end STOPPED at start as the default region's do; the other regions' are made on
// first use (which records their default cluster).
const bucketPrefix = "ecs."

type taskDefRecord struct {
	Def  TaskDefinition `json:"def"`
	Tags []Tag          `json:"tags,omitempty"`
}

type taskRecord struct {
	Seq int    `json:"seq"`
	D   Task   `json:"d"`
	Def string `json:"def"`
}

// persistState is the durable-mode bookkeeping of a Service (zero in memory mode).
type persistState struct {
	j      *journal.Journal
	mirror journal.Mirror // the records rewritten as a whole on each change
}

// persistLocked queues every record whose encoding changed since the last call.
func (s *Service) persistLocked() {
	p := &s.p
	if !p.j.On() {
		return
	}
	p.mirror.Begin()
	put := func(bucket, key string, v any) { p.mirror.Put(p.j, bucket, key, v) }
	for name, c := range s.clusters {
		put(bucketClusters, name, c)
	}
	for _, revs := range s.defs {
		for _, d := range revs {
			put(bucketDefs, d.TaskDefinitionArn, taskDefRecord{Def: *d, Tags: s.defTags[d.TaskDefinitionArn]})
		}
	}
	for i, t := range s.order {
		put(bucketTasks, t.d.TaskArn, taskRecord{Seq: i, D: s.snapshot(t), Def: t.def.TaskDefinitionArn})
	}
	p.mirror.End(p.j)
}

// persist is persistLocked for callers without the lock, followed by Sync; it returns the
// store's error.
func (s *Service) persist() error { return s.p.j.SyncAfter(&s.mu, s.persistLocked) }

func (s *Service) persistInto(err *error) {
	if e := s.persist(); e != nil && *err == nil {
		*err = e
	}
}

func (s *Service) load(db *storage.DB) error {
	if err := journal.Load(db, bucketClusters, func(name string, c Cluster) error {
		s.clusters[name] = &c
		return nil
	}); err != nil {
		return err
	}
	if err := journal.Load(db, bucketDefs, func(_ string, r taskDefRecord) error {
		d := r.Def
		s.defs[d.Family] = append(s.defs[d.Family], &d)
		if r.Tags != nil {
			s.defTags[d.TaskDefinitionArn] = r.Tags
		}
		return nil
	}); err != nil {
		return err
	}
	for _, revs := range s.defs {
		slices.SortFunc(revs, func(a, b *TaskDefinition) int { return a.Revision - b.Revision })
	}
	var recs []taskRecord
	if err := journal.Load(db, bucketTasks, func(_ string, r taskRecord) error {
		recs = append(recs, r)
		return nil
	}); err != nil {
		return err
	}
	slices.SortFunc(recs, func(a, b taskRecord) int { return a.Seq - b.Seq })
	now := s.cfg.Clock.Now()
	for _, r := range recs {
		def, ok := s.defLocked(r.Def)
		if !ok {
			return fmt.Errorf("ecs: task %s: its task definition %s is missing from the store", r.D.TaskArn, r.Def)
		}
		t := &ecsTask{d: r.D, def: def, done: make(chan struct{}), stopping: true}
		close(t.done)
		if t.d.LastStatus != StatusStopped {
			// Its process is gone and nothing follows its containers any more.
			id := t.d.TaskArn[strings.LastIndexByte(t.d.TaskArn, '/')+1:]
			id = id[:min(16, len(id))]
			t.d.StopCode = "TerminationNotice"
			t.d.StoppedReason = "Host EC2 (instance i-0" + id + ") terminated."
			t.d.LastStatus, t.d.DesiredStatus = StatusStopped, StatusStopped
			t.d.StoppedAt, t.d.ExecutionStoppedAt = at(now), at(now)
			for i := range t.d.Containers {
				t.d.Containers[i].LastStatus = StatusStopped
			}
			t.d.Version++
		}
		s.tasks[t.d.TaskArn] = t
		s.order = append(s.order, t)
	}
	return nil
}

// persistAfterRun is persist for a task goroutine, which has no client to report to.
func (s *Service) persistAfterRun() {
	if err := s.persist(); err != nil {
		s.log.Error("ecs store write failed", errField(err))
	}
}
