package events

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/journal"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// Durable state (Config.DB set). Event buses, rules, targets, connections, the kept events
// (the last KeptEvents) and the deliveries still to be made are written through the service's
// journal under the lock that changes them, and each call returns once its change is durable.
// Records:
//
//	events.buses        name                  → busRecord
//	events.rules        bus "\x00" rule       → ruleRecord
//	events.targets      bus "\x00" rule       → the rule's targets, in order
//	events.events       %020d(put n)          → Event
//	events.connections  name                  → Connection
//	events.deliveries   %020d(job n)          → jobRecord
//
// A scheduled rule is re-armed at start from its creation time, so rate schedules keep their
// phase and cron schedules their times; firings due while the process was down are skipped.
//
// A delivery (one event to one target of a matching rule) is recorded in the commit of the
// PutEvents (or Step Functions putEvents) that caused it, so nothing acknowledged is lost. A
// failed attempt rewrites the record with its attempt count, the time of the next attempt and
// the error; a delivery that succeeds, is dropped or goes to the dead-letter queue loses its
// record, in a later commit (a crash in between delivers it again: at least once, as
// EventBridge promises). At start, New reads the records back and Resume queues them again:
// those due at once, the others at their recorded time, their attempt counts and
// MaximumEventAgeInSeconds deadline going on (an event that got too old while the process was
// down is given up as EventBridge would: dead-lettered or dropped). One whose rule or target
// (by Id and ARN) no longer exists is dropped.
const (
	bucketBuses       = "events.buses"
	bucketRules       = "events.rules"
	bucketTargets     = "events.targets"
	bucketEvents      = "events.events"
	bucketConnections = "events.connections"
	bucketDeliveries  = "events.deliveries"
)

// bucketPrefix starts the name of every bucket above. Every region's state is in the one store:
// the default region's (Config.Region's) in the buckets above, each other region's in the same
// buckets scoped with its name, "events.rules@eu-west-1" and so on (regional.DB; bucket base
// names never hold the "@", so two regions never share a bucket). New makes the Service of
// every region the store holds records of (regional.Stored), so that its schedules are
// re-armed at start as the default region's are; the other regions' are made on first use
// (which records their default bus).
const bucketPrefix = "events."

// jobRecord is a delivery still to be made: queued, or waiting to retry. It holds what the
// first attempt sent (the target as it was, the input made for it), so that a resumed attempt
// sends the same.
type jobRecord struct {
	Bus      string          `json:"bus"`
	Rule     string          `json:"rule"`
	RuleArn  string          `json:"ruleArn"`
	TargetID string          `json:"targetId"`
	Arn      string          `json:"arn"`
	Target   json.RawMessage `json:"target,omitempty"`
	Input    string          `json:"input"`
	Event    string          `json:"event"`
	EventID  string          `json:"eventId,omitempty"`
	DLQ      string          `json:"dlq,omitempty"`
	Hops     int             `json:"hops,omitempty"`
	MaxTries int             `json:"maxTries"`
	// Dispatched is when the event reached the rule: Deadline, MaximumEventAgeInSeconds
	// after it, bounds the retries.
	Dispatched time.Time `json:"dispatched"`
	Deadline   time.Time `json:"deadline"`
	Attempts   int       `json:"attempts,omitempty"`
	Next       time.Time `json:"next,omitzero"`   // zero: due at once
	Error      string    `json:"error,omitempty"` // the last attempt's
}

type busRecord struct {
	Created     time.Time `json:"created"`
	Description string    `json:"description,omitempty"`
}

type ruleRecord struct {
	Rule
	Created time.Time `json:"created"`
}

func ruleKey(bus, rule string) string { return bus + "\x00" + rule }

func (s *Service) persistBus(b *bus) {
	if s.j.On() {
		s.j.PutJSON(bucketBuses, b.name, busRecord{Created: b.created, Description: b.description})
	}
}

func (s *Service) persistRule(r *Rule) {
	if s.j.On() {
		s.j.PutJSON(bucketRules, ruleKey(r.EventBusName, r.Name), ruleRecord{Rule: *r, Created: r.created})
	}
}

func (s *Service) persistTargets(b *bus, rule string) {
	if !s.j.On() {
		return
	}
	if t := b.targets[rule]; len(t) > 0 {
		s.j.PutJSON(bucketTargets, ruleKey(b.name, rule), t)
	} else {
		s.j.Delete(bucketTargets, ruleKey(b.name, rule))
	}
}

func (s *Service) forgetRule(bus, rule string) {
	if s.j.On() {
		s.j.Delete(bucketRules, ruleKey(bus, rule))
		s.j.Delete(bucketTargets, ruleKey(bus, rule))
	}
}

func (s *Service) forgetBus(name string) {
	if s.j.On() {
		s.j.Delete(bucketBuses, name)
		s.j.DeletePrefix(bucketRules, name+"\x00")
		s.j.DeletePrefix(bucketTargets, name+"\x00")
	}
}

// persistEvent writes a kept event, and drops the one that fell out of the last KeptEvents.
func (s *Service) persistEvent(ev Event) {
	if !s.j.On() {
		return
	}
	s.evSeq++
	s.j.PutJSON(bucketEvents, fmt.Sprintf("%020d", s.evSeq), ev)
	if s.evSeq > KeptEvents {
		s.j.Delete(bucketEvents, fmt.Sprintf("%020d", s.evSeq-KeptEvents))
	}
}

// persistConnection writes (or, for nil, removes) a connection; s.conns.mu is held.
func (s *Service) persistConnection(name string, c *Connection) {
	switch {
	case !s.j.On():
	case c == nil:
		s.j.Delete(bucketConnections, name)
	default:
		s.j.PutJSON(bucketConnections, name, c)
	}
}

// persistJobLocked writes the record of a new delivery of rule r, numbering it. s.mu is held.
func (s *Service) persistJobLocked(r *Rule, j *job) {
	if !s.j.On() {
		return
	}
	target, err := json.Marshal(j.d.Target)
	if err != nil {
		// Targets are decoded JSON: failing to encode one is a bug.
		panic(fmt.Sprintf("events: encode target %s of %s: %v", j.targetID, r.Arn, err))
	}
	s.jobs.seq++
	j.key = fmt.Sprintf("%020d", s.jobs.seq)
	j.rec = &jobRecord{
		Bus: r.EventBusName, Rule: r.Name, RuleArn: r.Arn, TargetID: j.targetID, Arn: j.d.Arn, Target: target,
		Input: string(j.d.Input), Event: string(j.event), EventID: j.d.EventID, DLQ: j.dlq, Hops: j.hops,
		MaxTries: j.maxTries, Dispatched: s.cfg.Clock.Now(), Deadline: j.deadline,
	}
	s.j.PutJSON(bucketDeliveries, j.key, j.rec)
}

// recordAttempt notes a failed attempt of j, whose next attempt is at next, and makes it
// durable in the background (the rule's delivery goroutine does not wait for the disk).
func (s *Service) recordAttempt(j *job, next time.Time, err error) {
	if j.key == "" {
		return
	}
	j.rec.Attempts, j.rec.Next, j.rec.Error = j.attempts, next, err.Error()
	s.j.PutJSON(bucketDeliveries, j.key, j.rec)
	s.j.SyncSoon()
}

// forgetJob removes the record of a delivery that is over (delivered, dropped or
// dead-lettered); the removal is committed in the background or with the next write.
func (s *Service) forgetJob(j *job) {
	if j.key == "" {
		return
	}
	s.j.Delete(bucketDeliveries, j.key)
	s.j.SyncSoon()
}

// syncJobs commits what the deliveries changed (Flush, Close); a failure is logged, there being
// no client to tell.
func (s *Service) syncJobs() {
	if err := s.j.Sync(); err != nil {
		s.cfg.Logger.Error("events: the state of deliveries could not be written", zap.Error(err))
	}
}

// loadJobs reads the deliveries an earlier process left, for Resume; those whose rule or
// target no longer exists are dropped. Buses, rules and targets are loaded; s.mu is held.
func (s *Service) loadJobs(db *storage.DB) error {
	return journal.Load(db, bucketDeliveries, func(key string, r jobRecord) error {
		var n uint64
		if _, err := fmt.Sscan(key, &n); err == nil {
			s.jobs.seq = max(s.jobs.seq, n)
		}
		if !s.targetExistsLocked(r.Bus, r.Rule, r.TargetID, r.Arn) {
			s.cfg.Logger.Info("event delivery dropped at start: its rule or target no longer exists",
				zap.String("rule_arn", r.RuleArn), zap.String("target_id", r.TargetID), zap.String("event_id", r.EventID))
			s.j.Delete(bucketDeliveries, key)
			return nil
		}
		var target map[string]any
		if len(r.Target) > 0 {
			v, err := task.DecodePlain(r.Target)
			if err != nil {
				return fmt.Errorf("events: delivery %s: target: %w", key, err)
			}
			target, _ = v.(map[string]any)
		}
		s.jobs.resumed = append(s.jobs.resumed, &job{
			d:     Delivery{Arn: r.Arn, Input: []byte(r.Input), Target: target, RuleArn: r.RuleArn, EventID: r.EventID},
			event: []byte(r.Event), targetID: r.TargetID, dlq: r.DLQ, attempts: r.Attempts, maxTries: r.MaxTries,
			deadline: r.Deadline, hops: r.Hops, key: key, rec: &r, resumed: true,
		})
		return nil
	})
}

// targetExistsLocked reports whether rule of bus still has a target of that Id and ARN.
func (s *Service) targetExistsLocked(busName, rule, id, arn string) bool {
	b := s.buses[busName]
	if b == nil || b.rules[rule] == nil {
		return false
	}
	for _, t := range b.targets[rule] {
		if t["Id"] == id && t["Arn"] == arn {
			return true
		}
	}
	return false
}

// Resume queues the deliveries New read from the store (and those of the other regions'
// Services): those due at once, the others at their next attempt time on the clock. The server
// calls it once the sinks are installed (a delivery made before would find no sink); calling
// it again, or in memory mode, does nothing.
func (s *Service) Resume() {
	s.regions.Each(func(_ string, r *Service) { r.Resume() })
	s.mu.Lock()
	resumed := s.jobs.resumed
	s.jobs.resumed = nil
	s.mu.Unlock()
	now := s.cfg.Clock.Now()
	for _, j := range resumed {
		if wait := j.rec.Next.Sub(now); wait > 0 {
			s.retryLater(j.d.RuleArn, j, wait)
		} else {
			s.enqueue(j.d.RuleArn, j)
		}
	}
	if len(resumed) > 0 {
		s.cfg.Logger.Info("event deliveries resumed", zap.Int("count", len(resumed)))
	}
}

func (s *Service) load(db *storage.DB) error {
	if err := journal.Load(db, bucketBuses, func(name string, r busRecord) error {
		b := newBus(name, r.Created)
		b.description = r.Description
		s.buses[name] = b
		return nil
	}); err != nil {
		return err
	}
	if err := journal.Load(db, bucketRules, func(key string, r ruleRecord) error {
		b := s.buses[r.EventBusName]
		if b == nil {
			return nil
		}
		rule := r.Rule
		rule.created = r.Created
		var err error
		if rule.EventPattern != "" {
			if rule.pattern, err = CompilePattern(rule.EventPattern); err != nil {
				return fmt.Errorf("events: rule %s: %w", rule.Arn, err)
			}
		}
		if rule.ScheduleExpression != "" {
			if rule.sched, err = parseSchedule(rule.ScheduleExpression); err != nil {
				return fmt.Errorf("events: rule %s: %w", rule.Arn, err)
			}
		}
		b.rules[rule.Name] = &rule
		s.armLocked(&rule)
		return nil
	}); err != nil {
		return err
	}
	if err := db.Bucket(bucketTargets).ForEach(func(key string, val []byte) error {
		busName, rule, _ := strings.Cut(key, "\x00")
		b := s.buses[busName]
		if b == nil {
			return nil
		}
		v, err := task.DecodePlain(val)
		if err != nil {
			return fmt.Errorf("events: targets of %s: %w", key, err)
		}
		list, _ := v.([]any)
		for _, t := range list {
			if m, ok := t.(map[string]any); ok {
				b.targets[rule] = append(b.targets[rule], m)
			}
		}
		return nil
	}); err != nil {
		return err
	}
	if err := journal.Load(db, bucketEvents, func(key string, ev Event) error {
		s.events = append(s.events, ev)
		_, err := fmt.Sscan(key, &s.evSeq)
		return err
	}); err != nil {
		return err
	}
	if err := journal.Load(db, bucketConnections, func(name string, c Connection) error {
		if s.conns.m == nil {
			s.conns.m = map[string]*Connection{}
		}
		s.conns.m[name] = &c
		return nil
	}); err != nil {
		return err
	}
	return s.loadJobs(db)
}
