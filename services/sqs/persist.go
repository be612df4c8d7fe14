package sqs

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/journal"
)

// Durable state (Config.DB set). Every change is written through the service's journal under
// s.mu, in the order it is made in memory, and each API call returns only after Sync: nothing
// acknowledged is lost. Records:
//
//	sqs.queues    name                  → queueRecord
//	sqs.messages  name "/" %020d(pos)   → messageRecord (key order is send order; a message
//	                                      that left the queue stays as a tombstone with its
//	                                      receipt handles until receiptLifetime, as in memory)
//	sqs.dedup     name "/" dedupID      → dedupRecord (FIFO deduplication window)
//
// Visibility timeouts and delays are absolute times (visibleAt), so they carry on after a
// restart without timers: an in-flight message reappears at its original deadline.
const (
	bucketQueues   = "sqs.queues"
	bucketMessages = "sqs.messages"
	bucketDedup    = "sqs.dedup"
)

type queueRecord struct {
	Name       string            `json:"name"`
	Region     string            `json:"region,omitempty"`
	Fifo       bool              `json:"fifo,omitempty"`
	Attrs      map[string]string `json:"attrs"`
	Created    time.Time         `json:"created"`
	Modified   time.Time         `json:"modified"`
	LastPurge  time.Time         `json:"lastPurge,omitzero"`
	Seq        uint64            `json:"seq,omitempty"`
	DLQ        string            `json:"dlq,omitempty"`
	MaxReceive int               `json:"maxReceive,omitempty"`
}

type messageRecord struct {
	Pos          uint64                           `json:"pos"`
	ID           string                           `json:"id"`
	Body         string                           `json:"body,omitempty"`
	MD5Body      string                           `json:"md5Body,omitempty"`
	MD5Attrs     string                           `json:"md5Attrs,omitempty"`
	Attrs        map[string]MessageAttributeValue `json:"attrs,omitempty"`
	SysAttrs     map[string]MessageAttributeValue `json:"sysAttrs,omitempty"`
	Sent         time.Time                        `json:"sent"`
	VisibleAt    time.Time                        `json:"visibleAt"`
	InFlight     bool                             `json:"inFlight,omitempty"`
	ReceiveCount int                              `json:"receiveCount,omitempty"`
	FirstReceive time.Time                        `json:"firstReceive,omitzero"`
	Deleted      time.Time                        `json:"deleted,omitzero"`
	Receipts     []string                         `json:"receipts,omitempty"`
	Group        string                           `json:"group,omitempty"`
	DedupID      string                           `json:"dedupId,omitempty"`
	Seq          string                           `json:"seq,omitempty"`
}

type dedupRecord struct {
	ID  string    `json:"id"`
	Seq string    `json:"seq"`
	At  time.Time `json:"at"`
}

func msgKey(queue string, pos uint64) string { return fmt.Sprintf("%s/%020d", queue, pos) }

// pid is a queue's id in the store's keys: region|name (queues are kept per region; neither
// part can hold "|" or "/").
func pid(region, name string) string { return region + "|" + name }

// pidKey turns a store id back into the key of s.queues.
func pidKey(id string) string {
	region, name, _ := strings.Cut(id, "|")
	return qkey(region, name)
}

// persistQueue writes q's record. s.mu is held.
func (s *Service) persistQueue(q *queue) {
	if !s.j.On() {
		return
	}
	s.j.PutJSON(bucketQueues, pid(q.region, q.name), queueRecord{
		Name: q.name, Region: q.region, Fifo: q.fifo, Attrs: q.attrs, Created: q.created, Modified: q.modified,
		LastPurge: q.lastPurge, Seq: q.seq, DLQ: q.dlq, MaxReceive: q.maxReceive,
	})
}

// persistMessage writes m's record in queue q, giving m its position on first write. A message
// that left the queue is written without its body: only its receipt handles still matter.
// s.mu is held.
func (s *Service) persistMessage(q *queue, m *message) {
	if !s.j.On() {
		return
	}
	if m.pos == 0 {
		s.pos++
		m.pos = s.pos
	}
	r := messageRecord{
		Pos: m.pos, ID: m.id, Sent: m.sent, VisibleAt: m.visibleAt, InFlight: m.inFlight,
		ReceiveCount: m.receiveCount, FirstReceive: m.firstReceive, Deleted: m.deleted,
		Receipts: m.receipts, Group: m.group, DedupID: m.dedupID, Seq: m.seq,
	}
	if m.deleted.IsZero() {
		r.Body, r.MD5Body, r.MD5Attrs, r.Attrs, r.SysAttrs = m.body, m.md5Body, m.md5Attrs, m.attrs, m.sysAttrs
	}
	s.j.PutJSON(bucketMessages, msgKey(pid(q.region, q.name), m.pos), r)
}

// forgetMessage removes m's record (its receipt handles expired). s.mu is held.
func (s *Service) forgetMessage(q *queue, m *message) {
	if s.j.On() && m.pos != 0 {
		s.j.Delete(bucketMessages, msgKey(pid(q.region, q.name), m.pos))
	}
}

func (s *Service) persistDedup(q *queue, key string, d dedupEntry) {
	if s.j.On() {
		s.j.PutJSON(bucketDedup, pid(q.region, q.name)+"/"+key, dedupRecord{ID: d.id, Seq: d.seq, At: d.at})
	}
}

func (s *Service) forgetDedup(q *queue, key string) {
	if s.j.On() {
		s.j.Delete(bucketDedup, pid(q.region, q.name)+"/"+key)
	}
}

// forgetQueue removes a deleted queue and everything in it. s.mu is held.
func (s *Service) forgetQueue(region, name string) {
	if !s.j.On() {
		return
	}
	id := pid(region, name)
	s.j.Delete(bucketQueues, id)
	s.j.DeletePrefix(bucketMessages, id+"/")
	s.j.DeletePrefix(bucketDedup, id+"/")
}

// load rebuilds the queues from the store.
func (s *Service) load(db *storage.DB) error {
	err := journal.Load(db, bucketQueues, func(_ string, r queueRecord) error {
		region := r.Region
		if region == "" {
			region = s.cfg.Region
		}
		s.queues[qkey(region, r.Name)] = &queue{
			name: r.Name, region: region, fifo: r.Fifo, attrs: r.Attrs, created: r.Created, modified: r.Modified,
			lastPurge: r.LastPurge, seq: r.Seq, dlq: r.DLQ, maxReceive: r.MaxReceive,
			receipts: map[string]*message{}, notify: make(chan struct{}), dedup: map[string]dedupEntry{},
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = journal.Load(db, bucketMessages, func(key string, r messageRecord) error {
		q := s.queues[pidKey(queueOfKey(key))]
		if q == nil {
			return nil // a queue deleted in the same commit
		}
		m := &message{
			pos: r.Pos, id: r.ID, body: r.Body, md5Body: r.MD5Body, md5Attrs: r.MD5Attrs, attrs: r.Attrs,
			sysAttrs: r.SysAttrs, sent: r.Sent, visibleAt: r.VisibleAt, inFlight: r.InFlight,
			receiveCount: r.ReceiveCount, firstReceive: r.FirstReceive, deleted: r.Deleted,
			receipts: r.Receipts, group: r.Group, dedupID: r.DedupID, seq: r.Seq,
		}
		s.pos = max(s.pos, r.Pos)
		for _, h := range m.receipts {
			q.receipts[h] = m
		}
		if m.deleted.IsZero() {
			q.msgs = append(q.msgs, m)
		} else {
			q.deleted = append(q.deleted, m)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, q := range s.queues {
		slices.SortStableFunc(q.deleted, func(a, b *message) int { return a.deleted.Compare(b.deleted) })
	}
	type ordered struct {
		key string
		at  time.Time
	}
	order := map[string][]ordered{}
	err = journal.Load(db, bucketDedup, func(key string, r dedupRecord) error {
		name := pidKey(queueOfKey(key))
		q := s.queues[name]
		if q == nil {
			return nil
		}
		k := key[len(queueOfKey(key))+1:]
		q.dedup[k] = dedupEntry{id: r.ID, seq: r.Seq, at: r.At}
		order[name] = append(order[name], ordered{k, r.At})
		return nil
	})
	if err != nil {
		return err
	}
	for name, list := range order {
		slices.SortStableFunc(list, func(a, b ordered) int { return cmp.Compare(a.at.UnixNano(), b.at.UnixNano()) })
		q := s.queues[name]
		for _, o := range list {
			q.dedupOrder = append(q.dedupOrder, o.key)
		}
	}
	return nil
}

func queueOfKey(key string) string {
	for i := 0; i < len(key); i++ {
		if key[i] == '/' {
			return key[:i]
		}
	}
	return key
}
