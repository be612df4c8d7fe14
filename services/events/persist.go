package events

import (
	"fmt"
	"strings"
	"time"

	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/journal"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// Durable state (Config.DB set). Event buses, rules, targets, connections and the kept events
// (the last KeptEvents) are written through the service's journal under the lock that
// changes them, and each call returns once its change is durable. Records:
//
//	events.buses        name                  → busRecord
//	events.rules        bus "\x00" rule       → ruleRecord
//	events.targets      bus "\x00" rule       → the rule's targets, in order
//	events.events       %020d(put n)          → Event
//	events.connections  name                  → Connection
//
// A scheduled rule is re-armed at start from its creation time, so rate schedules keep their
// phase and cron schedules their times; firings due while the process was down are skipped.
// Deliveries to targets still queued or waiting to retry when the process ends are not
// resumed.
const (
	bucketBuses       = "events.buses"
	bucketRules       = "events.rules"
	bucketTargets     = "events.targets"
	bucketEvents      = "events.events"
	bucketConnections = "events.connections"
)

// bucketPrefix starts the name of every bucket above. Every region's state is in the one store:
// the default region's (Config.Region's) in the buckets above, each other region's in the same
// buckets scoped with its name, "events.rules@eu-west-1" and so on (regional.DB; bucket base
// names never hold the "@", so two regions never share a bucket). New makes the Service of
// every region the store holds records of (regional.Stored), so that its schedules are
// re-armed at start as the default region's are; the other regions' are made on first use
// (which records their default bus).
const bucketPrefix = "events."

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
	return journal.Load(db, bucketConnections, func(name string, c Connection) error {
		if s.conns.m == nil {
			s.conns.m = map[string]*Connection{}
		}
		s.conns.m[name] = &c
		return nil
	})
}
