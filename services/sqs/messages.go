package sqs

import (
	"context"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.uber.org/zap"
)

// MessageAttributeValue is a message attribute (user or system).
type MessageAttributeValue struct {
	DataType    string `json:"DataType"`
	StringValue string `json:"StringValue,omitempty"`
	BinaryValue []byte `json:"BinaryValue,omitempty"`
}

// SendMessageInput is a SendMessage request.
type SendMessageInput struct {
	QueueUrl                string                           `json:"QueueUrl"` //nolint:revive // AWS's member name
	MessageBody             string                           `json:"MessageBody"`
	DelaySeconds            *int                             `json:"DelaySeconds,omitempty"`
	MessageAttributes       map[string]MessageAttributeValue `json:"MessageAttributes,omitempty"`
	MessageSystemAttributes map[string]MessageAttributeValue `json:"MessageSystemAttributes,omitempty"`
	MessageDeduplicationId  string                           `json:"MessageDeduplicationId,omitempty"` //nolint:revive // AWS's member name
	MessageGroupId          string                           `json:"MessageGroupId,omitempty"`         //nolint:revive // AWS's member name
}

// SendMessageOutput is a SendMessage response. Its JSON encoding is SQS's response body.
type SendMessageOutput struct {
	MD5OfMessageAttributes       string `json:"MD5OfMessageAttributes,omitempty"`
	MD5OfMessageBody             string `json:"MD5OfMessageBody"`
	MD5OfMessageSystemAttributes string `json:"MD5OfMessageSystemAttributes,omitempty"`
	MessageId                    string `json:"MessageId"`                //nolint:revive // AWS's member name
	SequenceNumber               string `json:"SequenceNumber,omitempty"` //nolint:revive // AWS's member name
}

// SendMessage adds a message to a queue.
func (s *Service) SendMessage(in *SendMessageInput) (_ *SendMessageOutput, err error) {
	if in.MessageBody == "" {
		return nil, errMissing("MessageBody")
	}
	if err := validBody(in.MessageBody); err != nil {
		return nil, err
	}
	if err := validAttributes(in.MessageAttributes, false); err != nil {
		return nil, err
	}
	if err := validAttributes(in.MessageSystemAttributes, true); err != nil {
		return nil, err
	}
	defer s.j.SyncInto(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.lookup(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	maxSize, _ := strconv.Atoi(q.attrs["MaximumMessageSize"])
	if size := len(in.MessageBody) + attributesSize(in.MessageAttributes); size > maxSize {
		return nil, errInvalidParameter(fmt.Sprintf("One or more parameters are invalid. Reason: Message must be shorter than %d bytes.", maxSize))
	}
	now := s.cfg.Clock.Now()
	s.expire(q, now)
	delay, _ := strconv.Atoi(q.attrs["DelaySeconds"])
	m := &message{
		id: newID(), body: in.MessageBody, md5Body: md5Hex([]byte(in.MessageBody)),
		attrs: in.MessageAttributes, sysAttrs: in.MessageSystemAttributes, sent: now,
	}
	out := &SendMessageOutput{MD5OfMessageBody: m.md5Body}
	if len(in.MessageAttributes) > 0 {
		m.md5Attrs = AttributesMD5(in.MessageAttributes)
		out.MD5OfMessageAttributes = m.md5Attrs
	}
	if len(in.MessageSystemAttributes) > 0 {
		out.MD5OfMessageSystemAttributes = AttributesMD5(in.MessageSystemAttributes)
	}
	if q.fifo {
		if in.DelaySeconds != nil {
			return nil, errInvalidValue("DelaySeconds", *in.DelaySeconds, "The request include parameter that is not valid for this queue type")
		}
		if in.MessageGroupId == "" {
			return nil, errMissing("MessageGroupId")
		}
		dedupID := in.MessageDeduplicationId
		if dedupID == "" {
			if q.attrs["ContentBasedDeduplication"] != "true" {
				return nil, errInvalidParameter("The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
			}
			dedupID = contentDedupID(in.MessageBody)
		}
		if d, ok := q.dedup[dedupID]; ok {
			out.MessageId, out.SequenceNumber = d.id, d.seq
			return out, nil
		}
		q.seq++
		m.group, m.dedupID, m.seq = in.MessageGroupId, dedupID, fmt.Sprintf("%020d", 18_000_000_000_000_000_000+q.seq)
		q.dedup[dedupID] = dedupEntry{id: m.id, seq: m.seq, at: now}
		q.dedupOrder = append(q.dedupOrder, dedupID)
		s.persistDedup(q, dedupID, q.dedup[dedupID])
		s.persistQueue(q) // its sequence number
		out.SequenceNumber = m.seq
	} else {
		if in.MessageGroupId != "" {
			return nil, errInvalidValue("MessageGroupId", in.MessageGroupId, "The request include parameter that is not valid for this queue type")
		}
		if in.MessageDeduplicationId != "" {
			return nil, errInvalidValue("MessageDeduplicationId", in.MessageDeduplicationId, "The request include parameter that is not valid for this queue type")
		}
		if in.DelaySeconds != nil {
			if *in.DelaySeconds < 0 || *in.DelaySeconds > 900 {
				return nil, errInvalidValue("DelaySeconds", *in.DelaySeconds, "Must be >= 0 and <= 900, if provided.")
			}
			delay = *in.DelaySeconds
		}
	}
	m.visibleAt = now.Add(time.Duration(delay) * time.Second)
	out.MessageId = m.id
	q.msgs = append(q.msgs, m)
	s.persistMessage(q, m)
	q.wake()
	s.cfg.Logger.Debug("sqs message sent", zap.String("queue_name", q.name), zap.String("message_id", m.id))
	return out, nil
}

// validBody applies SQS's character rule: #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD |
// #x10000-#x10FFFF.
func validBody(body string) error {
	for i, r := range body {
		ok := r == 0x9 || r == 0xA || r == 0xD || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
		if r == utf8.RuneError {
			_, size := utf8.DecodeRuneInString(body[i:])
			ok = size != 1
		}
		if !ok {
			return &Error{Status: 400, Code: "InvalidMessageContents", Shape: "InvalidMessageContents",
				Message: fmt.Sprintf("Invalid binary character '#x%X' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF", r)}
		}
	}
	return nil
}

func validAttributes(attrs map[string]MessageAttributeValue, system bool) error {
	if len(attrs) > 10 {
		return errInvalidParameter(fmt.Sprintf("Number of message attributes [%d] exceeds the allowed maximum [10].", len(attrs)))
	}
	for name, a := range attrs {
		if system && name != "AWSTraceHeader" {
			return errInvalidParameter(fmt.Sprintf("Message system attribute name '%s' is invalid.", name))
		}
		if name == "" || len(name) > 256 || strings.HasPrefix(strings.ToLower(name), "aws.") || strings.HasPrefix(strings.ToLower(name), "amazon.") {
			return errInvalidParameter(fmt.Sprintf("Message (user) attribute name '%s' is invalid.", name))
		}
		base, _, _ := strings.Cut(a.DataType, ".")
		switch base {
		case "String", "Number":
			if a.StringValue == "" {
				return errInvalidParameter(fmt.Sprintf("Message (user) attribute '%s' must contain a non-empty value of type '%s'.", name, base))
			}
			if base == "Number" {
				if _, err := strconv.ParseFloat(a.StringValue, 64); err != nil {
					return errInvalidParameter(fmt.Sprintf("Can't cast the value of message (user) attribute '%s' to a number.", name))
				}
			}
		case "Binary":
			if len(a.BinaryValue) == 0 {
				return errInvalidParameter(fmt.Sprintf("Message (user) attribute '%s' must contain a non-empty value of type 'Binary'.", name))
			}
		case "":
			return errInvalidParameter(fmt.Sprintf("The message attribute '%s' must contain non-empty message attribute type.", name))
		default:
			return errInvalidParameter(fmt.Sprintf("The type of message (user) attribute '%s' is invalid. You must use only the following supported type prefixes: Binary, Number, String.", name))
		}
	}
	return nil
}

func attributesSize(attrs map[string]MessageAttributeValue) int {
	n := 0
	for k, a := range attrs {
		n += len(k) + len(a.DataType) + len(a.StringValue) + len(a.BinaryValue)
	}
	return n
}

func md5Hex(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

// AttributesMD5 is SQS's MD5OfMessageAttributes: the MD5 of the attributes sorted by name, each
// encoded as length-prefixed name, length-prefixed data type, a transport byte (1 for String and
// Number, 2 for Binary) and the length-prefixed value, lengths being 4-byte big-endian.
func AttributesMD5(attrs map[string]MessageAttributeValue) string {
	names := make([]string, 0, len(attrs))
	for k := range attrs {
		names = append(names, k)
	}
	sort.Strings(names)
	var buf []byte
	field := func(b []byte) {
		buf = binary.BigEndian.AppendUint32(buf, uint32(len(b)))
		buf = append(buf, b...)
	}
	for _, k := range names {
		a := attrs[k]
		field([]byte(k))
		field([]byte(a.DataType))
		if strings.HasPrefix(a.DataType, "Binary") {
			buf = append(buf, 2)
			field(a.BinaryValue)
		} else {
			buf = append(buf, 1)
			field([]byte(a.StringValue))
		}
	}
	return md5Hex(buf)
}

// ReceiveMessageInput is a ReceiveMessage request.
type ReceiveMessageInput struct {
	QueueUrl                    string   `json:"QueueUrl"` //nolint:revive // AWS's member name
	AttributeNames              []string `json:"AttributeNames,omitempty"`
	MessageSystemAttributeNames []string `json:"MessageSystemAttributeNames,omitempty"`
	MessageAttributeNames       []string `json:"MessageAttributeNames,omitempty"`
	MaxNumberOfMessages         *int     `json:"MaxNumberOfMessages,omitempty"`
	VisibilityTimeout           *int     `json:"VisibilityTimeout,omitempty"`
	WaitTimeSeconds             *int     `json:"WaitTimeSeconds,omitempty"`
	ReceiveRequestAttemptId     string   `json:"ReceiveRequestAttemptId,omitempty"` //nolint:revive // AWS's member name
}

// Message is a received message.
type Message struct {
	MessageId              string                           `json:"MessageId"`     //nolint:revive // AWS's member name
	ReceiptHandle          string                           `json:"ReceiptHandle"` //nolint:revive // AWS's member name
	MD5OfBody              string                           `json:"MD5OfBody"`
	Body                   string                           `json:"Body"`
	Attributes             map[string]string                `json:"Attributes,omitempty"`
	MD5OfMessageAttributes string                           `json:"MD5OfMessageAttributes,omitempty"`
	MessageAttributes      map[string]MessageAttributeValue `json:"MessageAttributes,omitempty"`
}

// ReceiveMessageOutput is a ReceiveMessage response.
type ReceiveMessageOutput struct {
	Messages []Message `json:"Messages,omitempty"`
}

func optInt(p *int, def int) int {
	if p == nil {
		return def
	}
	return *p
}

// ReceiveMessage returns up to MaxNumberOfMessages visible messages and hides them for the
// visibility timeout. With WaitTimeSeconds (or the queue's ReceiveMessageWaitTimeSeconds) it
// long-polls on the clock until a message is available, the wait ends or ctx is done.
func (s *Service) ReceiveMessage(ctx context.Context, in *ReceiveMessageInput) (*ReceiveMessageOutput, error) {
	max := optInt(in.MaxNumberOfMessages, 1)
	if max < 1 || max > 10 {
		return nil, errInvalidValue("MaxNumberOfMessages", max, "Must be between 1 and 10, if provided.")
	}
	if in.VisibilityTimeout != nil && (*in.VisibilityTimeout < 0 || *in.VisibilityTimeout > 43200) {
		return nil, errInvalidValue("VisibilityTimeout", *in.VisibilityTimeout, "Must be >= 0 and <= 43200, if provided.")
	}
	if in.WaitTimeSeconds != nil && (*in.WaitTimeSeconds < 0 || *in.WaitTimeSeconds > 20) {
		return nil, errInvalidValue("WaitTimeSeconds", *in.WaitTimeSeconds, "Must be >= 0 and <= 20, if provided.")
	}
	sysNames := append(append([]string(nil), in.AttributeNames...), in.MessageSystemAttributeNames...)
	var deadline time.Time
	for {
		msgs, wait, notify, err := s.poll(in, max, sysNames, &deadline)
		if err == nil {
			err = s.j.Sync() // the receive counts and visibility, before the client sees them
		}
		if err != nil || notify == nil {
			return &ReceiveMessageOutput{Messages: msgs}, err
		}
		t := s.cfg.Clock.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return &ReceiveMessageOutput{}, nil
		case <-notify:
			t.Stop()
		case <-t.C():
		}
	}
}

// poll is one look at the queue for ReceiveMessage. It returns the messages to deliver, or
// how long to wait and the channel that signals a change (nil when the receive is over).
// *deadline is set on the first call from the wait time.
func (s *Service) poll(in *ReceiveMessageInput, max int, sysNames []string, deadline *time.Time) ([]Message, time.Duration, <-chan struct{}, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.lookup(in.QueueUrl)
	if err != nil {
		if deadline.IsZero() {
			return nil, 0, nil, err
		}
		return nil, 0, nil, nil // deleted while polling: an empty answer
	}
	now := s.cfg.Clock.Now()
	if deadline.IsZero() {
		def, _ := strconv.Atoi(q.attrs["ReceiveMessageWaitTimeSeconds"])
		*deadline = now.Add(time.Duration(optInt(in.WaitTimeSeconds, def)) * time.Second)
	}
	msgs, next := s.take(q, now, max, in, sysNames)
	if len(msgs) > 0 || !now.Before(*deadline) {
		return msgs, 0, nil, nil
	}
	wait := deadline.Sub(now)
	if !next.IsZero() && next.Sub(now) < wait {
		wait = next.Sub(now)
	}
	return nil, wait, q.notify, nil
}

// take hides and returns up to max receivable messages, and when there are none reports the
// earliest time a hidden message becomes visible (zero if never). The caller holds s.mu.
func (s *Service) take(q *queue, now time.Time, max int, in *ReceiveMessageInput, sysNames []string) ([]Message, time.Time) {
	s.expire(q, now)
	vis, _ := strconv.Atoi(q.attrs["VisibilityTimeout"])
	vis = optInt(in.VisibilityTimeout, vis)
	var out []Message
	var next time.Time
	var blocked map[string]bool // FIFO groups with a message in flight or delayed
	redriven := false
	for _, m := range q.msgs {
		if q.fifo && blocked[m.group] {
			continue
		}
		if m.visibleAt.After(now) {
			if next.IsZero() || m.visibleAt.Before(next) {
				next = m.visibleAt
			}
			if q.fifo {
				if blocked == nil {
					blocked = map[string]bool{}
				}
				blocked[m.group] = true
			}
			continue
		}
		if len(out) == max {
			break
		}
		if q.maxReceive > 0 && m.receiveCount >= q.maxReceive && s.redrive(q, m, now) {
			redriven = true
			continue
		}
		m.inFlight = true
		m.visibleAt = now.Add(time.Duration(vis) * time.Second)
		m.receiveCount++
		if m.firstReceive.IsZero() {
			m.firstReceive = now
		}
		receipt := newReceipt()
		q.receipts[receipt] = m
		// A message keeps its latest few receipt handles (deleting with an older one succeeds
		// on AWS); the rest are forgotten so that redelivery does not grow memory.
		m.receipts = append(m.receipts, receipt)
		if len(m.receipts) > maxReceipts {
			delete(q.receipts, m.receipts[0])
			m.receipts = m.receipts[1:]
		}
		s.persistMessage(q, m)
		out = append(out, s.render(q, m, receipt, in.MessageAttributeNames, sysNames))
	}
	if redriven {
		q.msgs = slices.DeleteFunc(q.msgs, func(m *message) bool { return m.redriven })
	}
	return out, next
}

const maxReceipts = 4

// redrive moves m, received maxReceiveCount times, to q's dead-letter queue, reporting false
// when that queue no longer exists (the message then stays). The caller holds s.mu and removes
// m from q.msgs.
func (s *Service) redrive(q *queue, m *message, now time.Time) bool {
	dlq, ok := s.queues[qkey(q.region, q.dlq)]
	if !ok {
		return false
	}
	moved := *m
	moved.inFlight, moved.visibleAt, moved.receipts, moved.deleted, moved.pos = false, now, nil, time.Time{}, 0
	dlq.msgs = append(dlq.msgs, &moved)
	s.persistMessage(dlq, &moved)
	dlq.wake()
	m.redriven = true
	q.gone(m, now)
	s.persistMessage(q, m)
	return true
}

func newReceipt() string {
	return strings.ReplaceAll(newID()+newID(), "-", "")
}

func (s *Service) render(q *queue, m *message, receipt string, attrNames, sysNames []string) Message {
	out := Message{MessageId: m.id, ReceiptHandle: receipt, MD5OfBody: m.md5Body, Body: m.body}
	for k, v := range m.attrs {
		if wanted(attrNames, k) {
			if out.MessageAttributes == nil {
				out.MessageAttributes = map[string]MessageAttributeValue{}
			}
			out.MessageAttributes[k] = v
		}
	}
	if len(out.MessageAttributes) > 0 {
		out.MD5OfMessageAttributes = AttributesMD5(out.MessageAttributes)
	}
	sys := map[string]string{
		"SenderId":                         s.cfg.AccountID,
		"SentTimestamp":                    strconv.FormatInt(m.sent.UnixMilli(), 10),
		"ApproximateReceiveCount":          strconv.Itoa(m.receiveCount),
		"ApproximateFirstReceiveTimestamp": strconv.FormatInt(m.firstReceive.UnixMilli(), 10),
	}
	if t, ok := m.sysAttrs["AWSTraceHeader"]; ok {
		sys["AWSTraceHeader"] = t.StringValue
	}
	if q.fifo {
		sys["SequenceNumber"], sys["MessageDeduplicationId"], sys["MessageGroupId"] = m.seq, m.dedupID, m.group
	}
	for _, n := range sysNames {
		if n == "All" {
			out.Attributes = sys
			break
		}
		if v, ok := sys[n]; ok {
			if out.Attributes == nil {
				out.Attributes = map[string]string{}
			}
			out.Attributes[n] = v
		}
	}
	return out
}

// wanted matches a message attribute name against MessageAttributeNames ("All", ".*", "a.*").
func wanted(names []string, k string) bool {
	for _, n := range names {
		if n == "All" || n == ".*" || n == k || (strings.HasSuffix(n, ".*") && strings.HasPrefix(k, strings.TrimSuffix(n, "*"))) {
			return true
		}
	}
	return false
}

// DeleteMessage deletes the message a receipt handle was issued for.
func (s *Service) DeleteMessage(queueURL, receipt string) (err error) {
	if receipt == "" {
		return errMissing("ReceiptHandle")
	}
	defer s.j.SyncInto(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.lookup(queueURL)
	if err != nil {
		return err
	}
	m, ok := q.receipts[receipt]
	if !ok {
		return errReceipt(receipt)
	}
	// Deleting an already deleted message succeeds, as on AWS; its receipt handles stay valid
	// until expire drops them.
	for i, x := range q.msgs {
		if x == m {
			q.msgs = slices.Delete(q.msgs, i, i+1)
			q.gone(m, s.cfg.Clock.Now())
			s.persistMessage(q, m)
			break
		}
	}
	if q.fifo {
		q.wake() // the group is free again
	}
	return nil
}

// ChangeMessageVisibility sets the remaining visibility timeout of an in-flight message.
func (s *Service) ChangeMessageVisibility(queueURL, receipt string, timeout int) (err error) {
	if receipt == "" {
		return errMissing("ReceiptHandle")
	}
	if timeout < 0 || timeout > 43200 {
		return errInvalidValue("VisibilityTimeout", timeout, "Must be >= 0 and <= 43200, if provided.")
	}
	defer s.j.SyncInto(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.lookup(queueURL)
	if err != nil {
		return err
	}
	m, ok := q.receipts[receipt]
	if !ok {
		return errReceipt(receipt)
	}
	now := s.cfg.Clock.Now()
	if !m.deleted.IsZero() || !m.inFlight || !m.visibleAt.After(now) {
		return errNotInflight()
	}
	m.visibleAt = now.Add(time.Duration(timeout) * time.Second)
	s.persistMessage(q, m)
	q.wake()
	return nil
}
