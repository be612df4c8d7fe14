package sns

import (
	"fmt"
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/journal"
)

// Durable state (Config.DB set). Topics, subscriptions (with their confirmation state),
// published messages and the deliveries still to be made are written through the service's
// journal under s.mu, and each call returns once its change is durable. Records:
//
//	sns.topics      topic ARN          → topicRecord
//	sns.subs        subscription ARN   → subRecord
//	sns.messages    %020d(publish n)   → Message
//	sns.deliveries  %020d(delivery n)  → deliveryRecord
//
// A delivery (one message to one subscription, or the SubscriptionConfirmation of a pending
// http/https subscription) is recorded in the commit of the Publish or Subscribe that caused
// it, so nothing acknowledged is lost. A failed attempt rewrites the record with its attempt
// count and the time of the next attempt; a delivery that succeeds, is dropped or goes to the
// dead-letter queue loses its record, in a later commit (a crash in between delivers it again:
// at least once, as SNS promises). At start, New reads the records back and Resume queues them
// again: those due at once, the others at their recorded time, their attempt counts going on;
// one whose subscription (or message) no longer exists is dropped.
const (
	bucketTopics     = "sns.topics"
	bucketSubs       = "sns.subs"
	bucketMessages   = "sns.messages"
	bucketDeliveries = "sns.deliveries"
)

// deliveryRecord is a delivery still to be made: queued, or waiting to retry.
type deliveryRecord struct {
	Sub     string `json:"sub"`
	Confirm bool   `json:"confirm,omitempty"`
	// Msg is the message's record number in sns.messages, MessageID its id (a check).
	Msg       int       `json:"msg"`
	MessageID string    `json:"messageId,omitempty"`
	Attempts  int       `json:"attempts,omitempty"`
	Next      time.Time `json:"next,omitzero"` // zero: due at once
}

type topicRecord struct {
	Name  string            `json:"name"`
	Fifo  bool              `json:"fifo,omitempty"`
	Attrs map[string]string `json:"attrs,omitempty"`
}

type subRecord struct {
	Subscription
	Arn     string            `json:"arn"`
	Attrs   map[string]string `json:"attrs,omitempty"`
	Pending bool              `json:"pending,omitempty"`
	Token   string            `json:"token,omitempty"`
}

func (s *Service) persistTopic(t *topic) {
	if s.j.On() {
		s.j.PutJSON(bucketTopics, t.arn, topicRecord{Name: t.name, Fifo: t.fifo, Attrs: t.attrs})
	}
}

func (s *Service) persistSub(sub *Subscription) {
	if s.j.On() {
		s.j.PutJSON(bucketSubs, sub.arn, subRecord{Subscription: *sub, Arn: sub.arn, Attrs: sub.attrs, Pending: sub.pending, Token: sub.token})
	}
}

func (s *Service) forget(bucket, key string) {
	if s.j.On() {
		s.j.Delete(bucket, key)
	}
}

// persistMessage writes the message just appended to s.messages.
func (s *Service) persistMessage(m Message) {
	if s.j.On() {
		s.j.PutJSON(bucketMessages, fmt.Sprintf("%020d", len(s.messages)-1), m)
	}
}

// persistDeliveryLocked writes the record of a new delivery, numbering it. s.mu is held.
func (s *Service) persistDeliveryLocked(sub *Subscription, d *delivery) {
	if !s.j.On() {
		return
	}
	s.dseq++
	d.key = fmt.Sprintf("%020d", s.dseq)
	s.j.PutJSON(bucketDeliveries, d.key, deliveryRecordOf(sub, d))
}

func deliveryRecordOf(sub *Subscription, d *delivery) deliveryRecord {
	r := deliveryRecord{Sub: sub.arn, Confirm: d.confirm, Attempts: d.attempts, Next: d.next}
	if !d.confirm {
		r.Msg, r.MessageID = d.msgN, d.msg.MessageID
	}
	return r
}

// recordAttempt notes a failed attempt of d, whose next attempt is at next, and makes it
// durable in the background (the delivery's goroutine does not wait for the disk).
func (s *Service) recordAttempt(sub *Subscription, d *delivery, next time.Time) {
	d.next = next
	if d.key == "" {
		return
	}
	s.j.PutJSON(bucketDeliveries, d.key, deliveryRecordOf(sub, d))
	s.j.SyncSoon()
}

// forgetDelivery removes the record of a delivery that is over (delivered, dropped or
// dead-lettered); the removal is committed in the background or with the next write.
func (s *Service) forgetDelivery(d *delivery) {
	if d.key == "" {
		return
	}
	s.j.Delete(bucketDeliveries, d.key)
	s.j.SyncSoon()
}

// syncDeliveries commits what the deliveries changed (Flush, Close); a failure is logged,
// there being no client to tell.
func (s *Service) syncDeliveries() {
	if err := s.j.Sync(); err != nil {
		s.cfg.Logger.Error("sns: the state of deliveries could not be written", zap.Error(err))
	}
}

// loadDeliveries reads the deliveries an earlier process left, for Resume; those whose
// subscription or message no longer exists are dropped. Topics, subscriptions and messages
// are loaded.
func (s *Service) loadDeliveries(db *storage.DB) error {
	return journal.Load(db, bucketDeliveries, func(key string, r deliveryRecord) error {
		if n, err := strconv.ParseUint(key, 10, 64); err == nil {
			s.dseq = max(s.dseq, n)
		}
		d := &delivery{key: key, confirm: r.Confirm, attempts: r.Attempts, next: r.Next, msgN: r.Msg}
		sub := s.subs[r.Sub]
		why := ""
		switch {
		case sub == nil:
			why = "the subscription no longer exists"
		case r.Confirm && !sub.pending:
			why = "the subscription is confirmed"
		case !r.Confirm && (r.Msg < 0 || r.Msg >= len(s.messages) || s.messages[r.Msg].MessageID != r.MessageID):
			why = "its message is not in the store"
		}
		if why != "" {
			s.cfg.Logger.Info("sns delivery dropped at start: "+why, zap.String("subscription_arn", r.Sub), zap.String("message_id", r.MessageID))
			s.j.Delete(bucketDeliveries, key)
			return nil
		}
		d.topicArn = sub.TopicArn
		if !r.Confirm {
			d.msg = s.messages[r.Msg]
		}
		s.resumed = append(s.resumed, subDelivery{sub, d})
		return nil
	})
}

// Resume queues the deliveries New read from the store: those due at once, the others at their
// next attempt time on the clock. The server calls it once the sinks are installed (a delivery
// made before would find no sink); calling it again, or in memory mode, does nothing.
func (s *Service) Resume() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Clock.Now()
	for _, p := range s.resumed {
		if wait := p.d.next.Sub(now); wait > 0 {
			s.retryLater(p.sub, p.d, wait)
		} else {
			s.enqueueLocked(p.sub, p.d)
		}
	}
	if len(s.resumed) > 0 {
		s.cfg.Logger.Info("sns deliveries resumed", zap.Int("count", len(s.resumed)))
	}
	s.resumed = nil
}

func (s *Service) load(db *storage.DB) error {
	if err := journal.Load(db, bucketTopics, func(arn string, r topicRecord) error {
		if r.Attrs == nil {
			r.Attrs = map[string]string{}
		}
		s.topics[arn] = &topic{arn: arn, name: r.Name, fifo: r.Fifo, attrs: r.Attrs}
		return nil
	}); err != nil {
		return err
	}
	if err := journal.Load(db, bucketSubs, func(arn string, r subRecord) error {
		sub := r.Subscription
		sub.arn, sub.attrs, sub.pending, sub.token = r.Arn, r.Attrs, r.Pending, r.Token
		if sub.attrs == nil {
			sub.attrs = map[string]string{}
		}
		sub.filter = compiledFilter(sub.attrs)
		s.subs[arn] = &sub
		return nil
	}); err != nil {
		return err
	}
	if err := journal.Load(db, bucketMessages, func(_ string, m Message) error {
		s.messages = append(s.messages, m)
		if len(m.SequenceNumber) == 20 {
			n, _ := strconv.ParseUint(m.SequenceNumber[1:], 10, 64)
			s.seq = max(s.seq, n)
		}
		return nil
	}); err != nil {
		return err
	}
	return s.loadDeliveries(db)
}
