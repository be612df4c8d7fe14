package sns

import (
	"fmt"
	"strconv"

	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/journal"
)

// Durable state (Config.DB set). Topics, subscriptions (with their confirmation state) and
// published messages are written through the service's journal under s.mu, and each call
// returns once its change is durable. Records:
//
//	sns.topics    topic ARN          → topicRecord
//	sns.subs      subscription ARN   → subRecord
//	sns.messages  %020d(publish n)   → Message
//
// Deliveries to subscribers still queued (or waiting to retry) when the process ends are not
// resumed: a restart may lose them, as a crash of a subscriber's endpoint would; the message
// itself stays readable (Messages).
const (
	bucketTopics   = "sns.topics"
	bucketSubs     = "sns.subs"
	bucketMessages = "sns.messages"
)

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
	return journal.Load(db, bucketMessages, func(_ string, m Message) error {
		s.messages = append(s.messages, m)
		if len(m.SequenceNumber) == 20 {
			n, _ := strconv.ParseUint(m.SequenceNumber[1:], 10, 64)
			s.seq = max(s.seq, n)
		}
		return nil
	})
}
