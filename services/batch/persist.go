package batch

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/journal"
)

// Durable state (Config.DB set). Compute environments, job queues, job definitions, jobs (with
// their attempts, status and run state) and job logs are written through the service's journal
// under s.mu, in the order they change in memory; API calls answer once their change is
// durable. Records:
//
//	batch.ces        name                     → ceRecord
//	batch.queues     name                     → queueRecord
//	batch.defs       name ":" %08d(revision)  → JobDefinition
//	batch.jobs       job id                   → jobRecord
//	batch.loggroups  group                    → creation time (ms)
//	batch.logstreams group "\x00" stream      → creation time (ms)
//	batch.logevents  group "\x00" stream "\x00" %010d(n) → LogEvent
//
// Resources are few and small: persistLocked re-encodes them and writes only those whose
// encoding changed. Jobs are written when marked dirty (every status change, and the few
// changes outside one), so a change costs one record whatever the number of jobs.
//
// A job that was STARTING or RUNNING when the previous process ended is reattached at New:
// its container is found by its labels (Reattacher), its logs are followed from where the
// store has them, its attempt timeout is re-armed from the attempt's start, and its exit
// decides the job. When the container is gone the attempt fails with "Host EC2 (instance …)
// terminated.", the reason AWS gives when the instance under a job goes away, so that a
// retry strategy (evaluateOnExit onStatusReason "Host EC2*") decides what happens next. The
// start-up reaper spares those containers. With a store, Close leaves running containers
// alone for the next start to reattach, as a restart of the Batch control plane would.
const (
	bucketCEs        = "batch.ces"
	bucketQueues     = "batch.queues"
	bucketDefs       = "batch.defs"
	bucketJobs       = "batch.jobs"
	bucketLogGroups  = "batch.loggroups"
	bucketLogStreams = "batch.logstreams"
	bucketLogEvents  = "batch.logevents"
)

// bucketPrefix starts the name of every bucket above. Every region's state is in the one store:
// the default region's (Config.Region's) in the buckets above, each other region's in the same
// buckets scoped with its name, "batch.jobs@eu-west-1" and so on (regional.DB; bucket base
// names never hold the "@", so two regions never share a bucket). New makes the Service of
// every region the store holds records of (regional.Stored) before it starts the reaper, so
// that their running jobs are reattached at start as the default region's are and the reaper
// spares their containers; the other regions' are made on first use (which records their
// default compute environment and job queue).
const bucketPrefix = "batch."

// persistState is the durable-mode bookkeeping of a Service (zero in memory mode).
type persistState struct {
	j      *journal.Journal
	mirror journal.Mirror    // the records rewritten as a whole on each change
	dirty  map[*job]struct{} // jobs changed since the last persistLocked
	seqs   map[*job]uint64   // creation order of every job, for the load
	seq    uint64            // the last seq given out
	off    atomic.Bool       // Close detached the service: nothing more is written
	keep   map[string]string // job id → attempt of the containers to reattach (the reaper spares them)
	resume []*job            // jobs to reattach, in creation order
}

type ceRecord struct {
	D       ComputeEnvironmentDetail `json:"d"`
	Backend string                   `json:"backend"`
}

type queueRecord struct {
	D   JobQueueDetail `json:"d"`
	Seq int            `json:"seq"`
}

type jobRecord struct {
	Seq             uint64         `json:"seq"`
	D               JobDetail      `json:"d"`
	Queue           string         `json:"queue"`
	Def             string         `json:"def"`
	Parent          string         `json:"parent,omitempty"`
	Deps            []string       `json:"deps,omitempty"`
	VCPUs           float64        `json:"vcpus"`
	Memory          int64          `json:"memory,omitempty"`
	MaxAttempts     int            `json:"maxAttempts"`
	Retry           *RetryStrategy `json:"retry,omitempty"`
	Timeout         time.Duration  `json:"timeout,omitempty"`
	Index           int            `json:"index"`
	ArraySize       int            `json:"arraySize,omitempty"`
	Attempt         int            `json:"attempt,omitempty"`
	CE              string         `json:"ce,omitempty"`
	ContainerID     string         `json:"containerId,omitempty"`
	Cur             *AttemptDetail `json:"cur,omitempty"`
	TerminateReason string         `json:"terminateReason,omitempty"`
	TimedOut        bool           `json:"timedOut,omitempty"`
}

// dirtyLocked marks j to be written by the next persistLocked.
func (s *Service) dirtyLocked(j *job) {
	if s.p.j.On() {
		if s.p.dirty == nil {
			s.p.dirty = map[*job]struct{}{}
		}
		s.p.dirty[j] = struct{}{}
	}
}

// persistLocked queues every change since the last call; the caller Syncs after unlocking.
func (s *Service) persistLocked() {
	p := &s.p
	if !p.j.On() || p.off.Load() {
		return
	}
	p.mirror.Begin()
	put := func(bucket, key string, v any) { p.mirror.Put(p.j, bucket, key, v) }
	for name, ce := range s.ces {
		put(bucketCEs, name, ceRecord{D: ce.d, Backend: ce.backend})
	}
	for name, q := range s.queues {
		put(bucketQueues, name, queueRecord{D: q.d, Seq: q.seq})
	}
	for name, revs := range s.defs {
		for _, d := range revs {
			put(bucketDefs, fmt.Sprintf("%s:%08d", name, d.Revision), d)
		}
	}
	p.mirror.End(p.j)
	for j := range p.dirty {
		p.j.PutJSON(bucketJobs, j.d.JobID, s.jobRecord(j))
	}
	clear(p.dirty)
}

// persist is persistLocked for callers without the lock, followed by Sync; it returns the
// store's error.
func (s *Service) persist() error { return s.p.j.SyncAfter(&s.mu, s.persistLocked) }

// persistInto is persist for a deferred call in a function with a named error result.
func (s *Service) persistInto(err *error) {
	if e := s.persist(); e != nil && *err == nil {
		*err = e
	}
}

func (s *Service) jobRecord(j *job) jobRecord {
	if s.p.seqs == nil {
		s.p.seqs = map[*job]uint64{}
	}
	seq, ok := s.p.seqs[j]
	if !ok {
		s.p.seq++
		seq = s.p.seq
		s.p.seqs[j] = seq
	}
	r := jobRecord{
		Seq: seq, D: j.snapshot(), Queue: j.queue.d.JobQueueName, Def: j.def.JobDefinitionArn,
		VCPUs: j.vcpus, Memory: j.memory, MaxAttempts: j.maxAttempts, Retry: j.retry, Timeout: j.timeout,
		Index: j.index, ArraySize: j.arraySize, Attempt: j.attempt, ContainerID: j.containerID, Cur: j.cur,
		TerminateReason: j.terminateReason, TimedOut: j.timedOut,
	}
	if j.parent != nil {
		r.Parent = j.parent.d.JobID
	}
	for _, d := range j.deps {
		r.Deps = append(r.Deps, d.d.JobID)
	}
	if j.ce != nil {
		r.CE = j.ce.d.ComputeEnvironmentName
	}
	return r
}

// load rebuilds resources, jobs and logs from the store, and lists the jobs to reattach.
func (s *Service) load(db *storage.DB) error {
	err := journal.Load(db, bucketCEs, func(name string, r ceRecord) error {
		backend, runner, err := s.backend(r.Backend)
		if err != nil {
			// The backend is not configured on this run: keep the environment; its jobs
			// fail to start with the backend's error.
			backend, runner = r.Backend, s.cfg.Runner
			s.log.Warn("compute environment backend not configured", zap.String("compute_environment", name), zap.String("backend", r.Backend))
		}
		s.ces[name] = &computeEnv{d: r.D, backend: backend, runner: runner}
		return nil
	})
	if err != nil {
		return err
	}
	if err := journal.Load(db, bucketQueues, func(name string, r queueRecord) error {
		s.queues[name] = &jobQueue{d: r.D, seq: r.Seq}
		return nil
	}); err != nil {
		return err
	}
	if err := journal.Load(db, bucketDefs, func(_ string, d JobDefinition) error {
		s.defs[d.JobDefinitionName] = append(s.defs[d.JobDefinitionName], &d) // keys sort by revision
		return nil
	}); err != nil {
		return err
	}
	type loaded struct {
		j *job
		r jobRecord
	}
	var all []loaded
	if err := journal.Load(db, bucketJobs, func(id string, r jobRecord) error {
		q := s.queues[r.Queue]
		if q == nil { // a deleted queue: keep the job with a stand-in for its queue
			q = &jobQueue{d: JobQueueDetail{JobQueueName: r.Queue, JobQueueArn: r.D.JobQueue}}
		}
		def := s.defLocked(r.Def)
		if def == nil {
			return fmt.Errorf("batch: job %s: its job definition %s is missing from the store", id, r.Def)
		}
		j := &job{
			d: r.D, queue: q, def: def, vcpus: r.VCPUs, memory: r.Memory, maxAttempts: r.MaxAttempts,
			retry: r.Retry, timeout: r.Timeout, index: r.Index, arraySize: r.ArraySize, attempt: r.Attempt,
			containerID: r.ContainerID, cur: r.Cur, terminateReason: r.TerminateReason, timedOut: r.TimedOut,
			done: make(chan struct{}),
		}
		if r.CE != "" {
			if j.ce = s.ces[r.CE]; j.ce == nil {
				j.ce = &computeEnv{runner: s.cfg.Runner}
			}
			j.runner = j.ce.runner
		}
		if j.d.Status.Terminal() {
			close(j.done)
		}
		s.jobs[id] = j
		all = append(all, loaded{j, r})
		return nil
	}); err != nil {
		return err
	}
	slices.SortFunc(all, func(a, b loaded) int { return int(a.r.Seq) - int(b.r.Seq) })
	s.p.seqs = map[*job]uint64{}
	s.p.keep = map[string]string{}
	for _, l := range all {
		j, r := l.j, l.r
		s.p.seqs[j] = r.Seq
		s.p.seq = max(s.p.seq, r.Seq)
		if r.Parent == "" {
			s.order = append(s.order, j)
		} else if p := s.jobs[r.Parent]; p != nil {
			j.parent = p
			if p.kids == nil {
				p.kids = make([]*job, p.arraySize)
			}
			if j.index >= 0 && j.index < len(p.kids) {
				p.kids[j.index] = j
			}
		}
		for _, id := range r.Deps {
			if d := s.jobs[id]; d != nil {
				s.addDepLocked(j, d)
			}
		}
		switch j.d.Status {
		case StatusRunnable:
			s.runnable = append(s.runnable, j)
		case StatusStarting, StatusRunning:
			if j.parent != nil || j.arraySize == 0 { // not an array parent
				if j.ce != nil {
					j.ce.used += j.vcpus
				}
				s.p.keep[j.d.JobID] = strconv.Itoa(j.attempt)
				s.p.resume = append(s.p.resume, j)
			}
		}
	}
	return s.logs.load(db)
}

// keepContainer tells the reaper which leftover containers belong to jobs being reattached, in
// s's region or another (job ids are UUIDs: no two regions share one).
func (s *Service) keepContainer(labels map[string]string) bool {
	if a, ok := s.p.keep[labels[LabelJobID]]; ok && a == labels[LabelAttempt] {
		return true
	}
	kept := false
	s.regions.Each(func(_ string, r *Service) { kept = kept || r.keepContainer(labels) })
	return kept
}

// keeping reports whether a job is being reattached in s's region or another.
func (s *Service) keeping() bool {
	n := len(s.p.keep)
	s.regions.Each(func(_ string, r *Service) { n += len(r.p.keep) })
	return n > 0
}

// persistLog queues a log record; nil in memory mode (see logStore.persist).
func (s *Service) persistLog(bucket, key string, v any) {
	if s.p.off.Load() {
		return
	}
	s.p.j.PutJSON(bucket, key, v)
}

func logStreamKey(group, stream string) string { return group + "\x00" + stream }

func (l *logStore) load(db *storage.DB) error {
	if err := journal.Load(db, bucketLogGroups, func(group string, created int64) error {
		l.groups[group] = created
		return nil
	}); err != nil {
		return err
	}
	if err := journal.Load(db, bucketLogStreams, func(key string, created int64) error {
		group, stream, _ := strings.Cut(key, "\x00")
		l.streams[logKey{group, stream}] = &logStream{group: group, name: stream, created: created}
		return nil
	}); err != nil {
		return err
	}
	return journal.Load(db, bucketLogEvents, func(key string, e LogEvent) error {
		group, rest, _ := strings.Cut(key, "\x00")
		i := strings.LastIndexByte(rest, 0)
		if i < 0 {
			return nil
		}
		st := l.streams[logKey{group, rest[:i]}]
		if st == nil {
			return nil
		}
		st.events = append(st.events, e)
		st.bytes += int64(len(e.Message))
		return nil
	})
}

// instanceID is the EC2 instance id the lost-container reason names: the container instance
// (the server run) the attempt ran on.
func instanceID(containerInstanceArn string) string {
	id := containerInstanceArn[strings.LastIndexByte(containerInstanceArn, '/')+1:]
	return "i-0" + id
}
