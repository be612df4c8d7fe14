package sns

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/eventpattern"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// Delivery is one message on its way to an SQS queue or a Lambda function.
type Delivery struct {
	Protocol string // "sqs" or "lambda"
	Endpoint string // the queue or function ARN
	// Body is the SQS message body (the SNS envelope, or the message itself with raw message
	// delivery) or the Lambda event.
	Body []byte
	// Attributes are SQS message attributes (raw delivery and dead-letter messages).
	Attributes map[string]MessageAttribute
	// MessageGroupID and MessageDeduplicationID are set for FIFO topics.
	MessageGroupID, MessageDeduplicationID string
	SubscriptionArn                        string
}

// Sink delivers to the subscribers of one protocol ("sqs", "lambda"); the server wires them
// with SetSink so that this package imports neither service. A sink returns an error wrapping
// ErrEndpointNotFound when the queue or function does not exist (the message then goes to the
// subscription's dead-letter queue at once); other errors are retried.
type Sink interface {
	Deliver(ctx context.Context, d Delivery) error
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(ctx context.Context, d Delivery) error

// Deliver calls f.
func (f SinkFunc) Deliver(ctx context.Context, d Delivery) error { return f(ctx, d) }

// ErrEndpointNotFound is wrapped by sinks whose endpoint does not exist.
var ErrEndpointNotFound = errors.New("endpoint does not exist")

// SetSink installs the sink for a protocol.
func (s *Service) SetSink(protocol string, sink Sink) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sinks[protocol] = sink
}

// Delivery policy: SNS's default for HTTP endpoints (3 retries, 20 s apart), used for every
// protocol here; the queue per subscription is bounded.
const (
	retries          = 3
	retryDelay       = 20 * time.Second
	maxQueuedPerSub  = 10000
	httpTimeout      = 15 * time.Second
	signatureVersion = "1"
)

type delivery struct {
	confirm  bool // a SubscriptionConfirmation for a pending http/https subscription
	topicArn string
	msg      Message
	attempts int

	// With a store: key is the delivery's record (see persist.go), msgN the message's record
	// number, next the time of the next attempt (zero: due at once).
	key  string
	msgN int
	next time.Time
}

// subDelivery is one queued delivery to a subscription.
type subDelivery struct {
	sub *Subscription
	d   *delivery
}

// fanOutLocked queues m, the message of record number n, for every confirmed subscription of
// its topic whose filter policy accepts it. s.mu must be held; nothing here blocks.
func (s *Service) fanOutLocked(m Message, n int) {
	subs := make([]*Subscription, 0)
	for _, sub := range s.subs {
		if sub.TopicArn == m.TopicArn && !sub.pending {
			subs = append(subs, sub)
		}
	}
	sort.Slice(subs, func(i, j int) bool { return subs[i].arn < subs[j].arn })
	for _, sub := range subs {
		if !accepts(sub, m) {
			s.cfg.Logger.Debug("sns message filtered out", zap.String("subscription_arn", sub.arn), zap.String("message_id", m.MessageID))
			continue
		}
		s.startLocked(sub, &delivery{topicArn: m.TopicArn, msg: m, msgN: n})
	}
}

// accepts applies the subscription's filter policy to m, on its attributes or its JSON body
// (FilterPolicyScope).
func accepts(sub *Subscription, m Message) bool {
	if sub.filter == nil {
		return true
	}
	if sub.attrs["FilterPolicyScope"] == "MessageBody" {
		return sub.filter.MatchJSON([]byte(m.Message))
	}
	attrs := map[string]any{}
	for k, a := range m.MessageAttributes {
		switch {
		case a.DataType == "String.Array":
			var v []any
			dec := json.NewDecoder(strings.NewReader(a.StringValue))
			dec.UseNumber()
			if dec.Decode(&v) == nil {
				attrs[k] = v
			}
		case strings.HasPrefix(a.DataType, "Number"):
			attrs[k] = json.Number(a.StringValue)
		case strings.HasPrefix(a.DataType, "String"):
			attrs[k] = a.StringValue
		}
	}
	return sub.filter.Match(attrs)
}

// startLocked records a new delivery (with a store) and queues it. s.mu must be held; the
// caller Syncs before answering, so the delivery is as durable as the call that caused it.
func (s *Service) startLocked(sub *Subscription, d *delivery) {
	s.persistDeliveryLocked(sub, d)
	s.enqueueLocked(sub, d)
}

func (s *Service) enqueueLocked(sub *Subscription, d *delivery) {
	if s.deliveries.Add(sub.arn, subDelivery{sub, d}) {
		return
	}
	// After Close (a retry's timer firing late) the message is dropped quietly: the service is
	// gone, and with a store the delivery's record stays for the next start.
	if s.ctx.Err() == nil {
		s.cfg.Logger.Warn("sns message not delivered: the subscription's delivery queue is full or closed", zap.String("subscription_arn", sub.arn))
	}
	if !s.closed.Load() {
		s.forgetDelivery(d)
	}
}

// retryLater queues d again after wait, unless its subscription is gone by then (the delivery
// is then dropped).
func (s *Service) retryLater(sub *Subscription, d *delivery, wait time.Duration) {
	s.cfg.Clock.AfterFunc(wait, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.subs[sub.arn] == sub {
			s.enqueueLocked(sub, d)
			return
		}
		s.forgetDelivery(d)
	})
}

func (s *Service) attempt(sub *Subscription, d *delivery) {
	s.mu.Lock()
	raw := sub.attrs["RawMessageDelivery"] == "true"
	redrive := sub.attrs["RedrivePolicy"]
	token := sub.token
	s.mu.Unlock()
	var err error
	if d.confirm {
		err = s.postHTTP(sub, "SubscriptionConfirmation", d.msg.MessageID, s.confirmationJSON(sub, token), false)
	} else {
		err = s.deliver(sub, d.msg, raw)
	}
	if err == nil {
		s.forgetDelivery(d)
		return
	}
	if d.key != "" && s.ctx.Err() != nil {
		return // cut short by Close: the record stays as it was, for the next start
	}
	d.attempts++
	log := s.cfg.Logger.With(zap.String("subscription_arn", sub.arn), zap.String("endpoint", sub.Endpoint), zap.Int("attempts", d.attempts), zap.Error(err))
	if !errors.Is(err, ErrEndpointNotFound) && d.attempts <= retries {
		log.Debug("sns delivery failed; retrying", zap.Duration("delay", retryDelay))
		s.recordAttempt(sub, d, s.cfg.Clock.Now().Add(retryDelay))
		s.retryLater(sub, d, retryDelay)
		return
	}
	// Whatever follows (dropped, dead-lettered), the delivery is over.
	defer s.forgetDelivery(d)
	dlq := ""
	if redrive != "" {
		var rp struct{ DeadLetterTargetArn string }
		if json.Unmarshal([]byte(redrive), &rp) == nil {
			dlq = rp.DeadLetterTargetArn
		}
	}
	if d.confirm || dlq == "" {
		log.Warn("sns delivery failed; message dropped")
		return
	}
	body := s.envelopeJSON(sub, d.msg)
	if raw {
		body = []byte(d.msg.Message)
	}
	attrs := map[string]MessageAttribute{
		"RequestID":    {DataType: "String", StringValue: uuid.NewString()},
		"ErrorCode":    {DataType: "String", StringValue: errorCode(err)},
		"ErrorMessage": {DataType: "String", StringValue: err.Error()},
	}
	if derr := s.sink("sqs", Delivery{Protocol: "sqs", Endpoint: dlq, Body: body, Attributes: attrs, SubscriptionArn: sub.arn}); derr != nil {
		log.Warn("sns delivery failed and the dead-letter queue refused the message", zap.String("dead_letter_arn", dlq), zap.NamedError("dlq_error", derr))
		return
	}
	log.Info("sns delivery failed; message sent to the dead-letter queue", zap.String("dead_letter_arn", dlq))
}

func errorCode(err error) string {
	if errors.Is(err, ErrEndpointNotFound) {
		return "NotFound"
	}
	return "EndpointUnavailable"
}

func (s *Service) sink(protocol string, d Delivery) error {
	s.mu.Lock()
	sink := s.sinks[protocol]
	s.mu.Unlock()
	if sink == nil {
		return fmt.Errorf("%w: sfnlocal cannot deliver to %s endpoints", ErrEndpointNotFound, protocol)
	}
	return sink.Deliver(s.ctx, d)
}

// deliver sends one message to one subscriber in its protocol's shape.
func (s *Service) deliver(sub *Subscription, m Message, raw bool) error {
	switch sub.Protocol {
	case "sqs":
		d := Delivery{Protocol: "sqs", Endpoint: sub.Endpoint, Body: s.envelopeJSON(sub, m), SubscriptionArn: sub.arn,
			MessageGroupID: m.MessageGroupID, MessageDeduplicationID: m.MessageDeduplicationID}
		if d.MessageGroupID != "" && d.MessageDeduplicationID == "" {
			// A content-deduplicated FIFO topic passes the body's hash on to the queue.
			sum := sha256.Sum256([]byte(m.Message))
			d.MessageDeduplicationID = hex.EncodeToString(sum[:])
		}
		if raw {
			d.Body, d.Attributes = []byte(m.Message), m.MessageAttributes
		}
		return s.sink("sqs", d)
	case "lambda":
		return s.sink("lambda", Delivery{Protocol: "lambda", Endpoint: sub.Endpoint, Body: s.lambdaEvent(sub, m), SubscriptionArn: sub.arn})
	case "http", "https":
		if raw {
			return s.postHTTP(sub, "Notification", m.MessageID, []byte(m.Message), true)
		}
		return s.postHTTP(sub, "Notification", m.MessageID, s.envelopeJSON(sub, m), false)
	}
	// email, sms, application and firehose are recorded only.
	s.cfg.Logger.Info("sns message not delivered: protocol not simulated", zap.String("protocol", sub.Protocol), zap.String("subscription_arn", sub.arn))
	return nil
}

// postHTTP posts a message to an http/https subscriber with SNS's headers; a non-2xx answer is
// a failure.
func (s *Service) postHTTP(sub *Subscription, typ, messageID string, body []byte, raw bool) error {
	ctx, cancel := clock.WithTimeout(s.ctx, s.cfg.Clock, httpTimeout, nil)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.Endpoint, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrEndpointNotFound, err)
	}
	req.Header.Set("Content-Type", "text/plain; charset=UTF-8")
	req.Header.Set("User-Agent", "Amazon Simple Notification Service Agent")
	req.Header.Set("x-amz-sns-message-type", typ)
	req.Header.Set("x-amz-sns-message-id", messageID)
	req.Header.Set("x-amz-sns-topic-arn", sub.TopicArn)
	if typ == "Notification" {
		req.Header.Set("x-amz-sns-subscription-arn", sub.arn)
	}
	if raw {
		req.Header.Set("x-amz-sns-rawdelivery", "true")
	}
	resp, err := s.cfg.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	_ = resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("endpoint answered %s", resp.Status)
	}
	return nil
}

// field is one member of an ordered JSON object.
type field struct {
	k string
	v any
}

// prettyJSON renders fields as SNS does for its notifications: two-space indent and " : ".
func prettyJSON(fields []field) []byte {
	var b bytes.Buffer
	b.WriteString("{\n")
	for i, f := range fields {
		k, _ := task.Encode(f.k)
		b.WriteString("  " + strings.TrimSpace(string(k)) + " : ")
		if raw, ok := f.v.(json.RawMessage); ok {
			b.Write(raw)
		} else {
			v, _ := task.Encode(f.v)
			b.WriteString(strings.TrimSpace(string(v)))
		}
		if i < len(fields)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("}")
	return b.Bytes()
}

const fakeSignature = "c2ZubG9jYWwgZG9lcyBub3Qgc2lnbiBtZXNzYWdlcw=="

func (s *Service) certURL() string {
	return fmt.Sprintf("https://sns.%s.amazonaws.com/SimpleNotificationService-sfnlocal.pem", s.cfg.Region)
}

func (s *Service) unsubscribeURL(sub *Subscription) string {
	return s.cfg.Endpoint + "/?Action=Unsubscribe&SubscriptionArn=" + sub.arn
}

func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// envelopeJSON is the notification SNS sends to SQS and HTTP subscribers without raw message
// delivery, with AWS's fields in AWS's order.
func (s *Service) envelopeJSON(sub *Subscription, m Message) []byte {
	fields := []field{{"Type", "Notification"}, {"MessageId", m.MessageID}}
	if m.SequenceNumber != "" {
		fields = append(fields, field{"SequenceNumber", m.SequenceNumber})
	}
	fields = append(fields, field{"TopicArn", m.TopicArn})
	if m.Subject != "" {
		fields = append(fields, field{"Subject", m.Subject})
	}
	fields = append(fields, field{"Message", m.Message}, field{"Timestamp", timestamp(m.Timestamp)})
	if m.SequenceNumber == "" {
		fields = append(fields, field{"SignatureVersion", signatureVersion}, field{"Signature", fakeSignature}, field{"SigningCertURL", s.certURL()})
	}
	fields = append(fields, field{"UnsubscribeURL", s.unsubscribeURL(sub)})
	if len(m.MessageAttributes) > 0 {
		fields = append(fields, field{"MessageAttributes", json.RawMessage(attributesJSON(m.MessageAttributes, "  "))})
	}
	return prettyJSON(fields)
}

// attributesJSON renders message attributes as {"name" : {"Type":"String","Value":"v"}}.
func attributesJSON(attrs map[string]MessageAttribute, indent string) string {
	names := make([]string, 0, len(attrs))
	for k := range attrs {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("{")
	for i, k := range names {
		a := attrs[k]
		v := a.StringValue
		if strings.HasPrefix(a.DataType, "Binary") {
			v = a.BinaryValue
		}
		kj, _ := task.Encode(k)
		vj, _ := task.Encode(map[string]string{"Type": a.DataType, "Value": v})
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n" + indent + "  " + strings.TrimSpace(string(kj)) + " : " + orderedTypeValue(a.DataType, v, vj))
	}
	b.WriteString("\n" + indent + "}")
	return b.String()
}

// orderedTypeValue renders {"Type":...,"Value":...} in that order (maps encode sorted, which
// happens to be the same order; kept explicit).
func orderedTypeValue(typ, v string, _ []byte) string {
	t, _ := task.Encode(typ)
	val, _ := task.Encode(v)
	return `{"Type":` + strings.TrimSpace(string(t)) + `,"Value":` + strings.TrimSpace(string(val)) + `}`
}

// lambdaEvent is the event SNS invokes a Lambda function with (Records[].Sns).
func (s *Service) lambdaEvent(sub *Subscription, m Message) []byte {
	attrs := map[string]any{}
	for k, a := range m.MessageAttributes {
		v := a.StringValue
		if strings.HasPrefix(a.DataType, "Binary") {
			v = a.BinaryValue
		}
		attrs[k] = map[string]string{"Type": a.DataType, "Value": v}
	}
	var subject any
	if m.Subject != "" {
		subject = m.Subject
	}
	type snsRecord struct {
		SignatureVersion  string         `json:"SignatureVersion"`
		Timestamp         string         `json:"Timestamp"`
		Signature         string         `json:"Signature"`
		SigningCertURL    string         `json:"SigningCertUrl"`
		MessageID         string         `json:"MessageId"`
		Message           string         `json:"Message"`
		MessageAttributes map[string]any `json:"MessageAttributes"`
		Type              string         `json:"Type"`
		UnsubscribeURL    string         `json:"UnsubscribeUrl"`
		TopicArn          string         `json:"TopicArn"`
		Subject           any            `json:"Subject"`
	}
	type record struct {
		EventVersion         string    `json:"EventVersion"`
		EventSubscriptionArn string    `json:"EventSubscriptionArn"`
		EventSource          string    `json:"EventSource"`
		Sns                  snsRecord `json:"Sns"`
	}
	ev := map[string][]record{"Records": {{
		EventVersion: "1.0", EventSubscriptionArn: sub.arn, EventSource: "aws:sns",
		Sns: snsRecord{
			SignatureVersion: signatureVersion, Timestamp: timestamp(m.Timestamp), Signature: fakeSignature, SigningCertURL: s.certURL(),
			MessageID: m.MessageID, Message: m.Message, MessageAttributes: attrs, Type: "Notification",
			UnsubscribeURL: s.unsubscribeURL(sub), TopicArn: m.TopicArn, Subject: subject,
		},
	}}}
	b, _ := task.Encode(ev)
	return bytes.TrimSpace(b)
}

// confirmationJSON is the SubscriptionConfirmation message posted to a new http/https
// subscriber.
func (s *Service) confirmationJSON(sub *Subscription, token string) []byte {
	subscribeURL := s.cfg.Endpoint + "/?Action=ConfirmSubscription&TopicArn=" + url.QueryEscape(sub.TopicArn) + "&Token=" + token
	return prettyJSON([]field{
		{"Type", "SubscriptionConfirmation"},
		{"MessageId", uuid.NewString()},
		{"Token", token},
		{"TopicArn", sub.TopicArn},
		{"Message", "You have chosen to subscribe to the topic " + sub.TopicArn + ".\nTo confirm the subscription, visit the SubscribeURL included in this message."},
		{"SubscribeURL", subscribeURL},
		{"Timestamp", timestamp(s.cfg.Clock.Now())},
		{"SignatureVersion", signatureVersion},
		{"Signature", fakeSignature},
		{"SigningCertURL", s.certURL()},
	})
}

func randomToken() string {
	b := make([]byte, 64)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ConfirmSubscription confirms a pending http/https subscription with the token its endpoint
// received, and returns the subscription's ARN.
func (s *Service) ConfirmSubscription(topicArn, token string) (_ string, err error) {
	if token == "" {
		return "", errInvalidParameter("Token")
	}
	defer s.j.SyncInto(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.topics[topicArn]; !ok {
		return "", errNotFound("Topic does not exist")
	}
	for _, sub := range s.subs {
		if sub.TopicArn == topicArn && sub.token == token {
			sub.pending = false
			sub.SubscriptionArn = sub.arn
			s.persistSub(sub)
			return sub.arn, nil
		}
	}
	return "", errInvalidParameter("Token")
}

var subscriptionAttrNames = map[string]bool{
	"DeliveryPolicy": true, "FilterPolicy": true, "FilterPolicyScope": true, "RawMessageDelivery": true,
	"RedrivePolicy": true, "SubscriptionRoleArn": true, "ReplayPolicy": true,
}

func checkSubscriptionAttribute(protocol, name, value string) error {
	if !subscriptionAttrNames[name] {
		return errInvalidParameter("AttributeName")
	}
	switch name {
	case "RawMessageDelivery":
		if value != "true" && value != "false" {
			return errInvalidParameter("Attributes Reason: RawMessageDelivery: Invalid value [" + value + "]. Must be true or false.")
		}
		switch protocol {
		case "sqs", "http", "https", "firehose":
		default:
			if value == "true" {
				return errInvalidParameter("Attributes Reason: Delivery protocol [" + protocol + "] does not support raw message delivery.")
			}
		}
	case "FilterPolicyScope":
		if value != "MessageAttributes" && value != "MessageBody" {
			return errInvalidParameter("Attributes Reason: FilterPolicyScope: Invalid value [" + value + "]. Please use either MessageBody or MessageAttributes")
		}
	case "FilterPolicy":
		if value == "" {
			return nil
		}
		if _, err := eventpattern.Compile(value); err != nil {
			return errInvalidParameter("Filter policy: " + err.Error())
		}
	case "RedrivePolicy":
		var rp struct{ DeadLetterTargetArn string }
		if json.Unmarshal([]byte(value), &rp) != nil || !strings.HasPrefix(rp.DeadLetterTargetArn, "arn:aws:sqs:") {
			return errInvalidParameter("RedrivePolicy: deadLetterTargetArn is invalid")
		}
	}
	return nil
}

func checkEndpoint(protocol, endpoint string) error {
	switch protocol {
	case "sqs":
		if !strings.HasPrefix(endpoint, "arn:") || strings.Split(endpoint+":::", ":")[2] != "sqs" {
			return errInvalidParameter("SQS endpoint ARN")
		}
	case "lambda":
		if !strings.HasPrefix(endpoint, "arn:") || strings.Split(endpoint+":::", ":")[2] != "lambda" {
			return errInvalidParameter("Lambda endpoint ARN")
		}
	case "http", "https":
		u, err := url.Parse(endpoint)
		if err != nil || u.Scheme != protocol || u.Host == "" {
			return errInvalidParameter("Endpoint Reason: Endpoint must match the specified protocol")
		}
	}
	return nil
}

func compiledFilter(attrs map[string]string) *eventpattern.Pattern {
	if attrs["FilterPolicy"] == "" {
		return nil
	}
	p, _ := eventpattern.Compile(attrs["FilterPolicy"])
	return p
}

// SubscriptionAttributes returns a subscription's attributes, as GetSubscriptionAttributes.
func (s *Service) SubscriptionAttributes(arn string) (map[string]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, ok := s.subs[arn]
	if !ok {
		return nil, errNotFound("Subscription does not exist")
	}
	out := map[string]string{
		"SubscriptionArn":              sub.arn,
		"TopicArn":                     sub.TopicArn,
		"Owner":                        sub.Owner,
		"Protocol":                     sub.Protocol,
		"Endpoint":                     sub.Endpoint,
		"ConfirmationWasAuthenticated": fmt.Sprint(!sub.pending),
		"PendingConfirmation":          fmt.Sprint(sub.pending),
		"RawMessageDelivery":           "false",
		"SubscriptionPrincipal":        "arn:aws:iam::" + s.cfg.AccountID + ":root",
	}
	for k, v := range sub.attrs {
		out[k] = v
	}
	if out["FilterPolicy"] != "" && out["FilterPolicyScope"] == "" {
		out["FilterPolicyScope"] = "MessageAttributes"
	}
	return out, nil
}

// SetSubscriptionAttribute sets one attribute of a subscription.
func (s *Service) SetSubscriptionAttribute(arn, name, value string) (err error) {
	defer s.j.SyncInto(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, ok := s.subs[arn]
	if !ok {
		return errNotFound("Subscription does not exist")
	}
	if err := checkSubscriptionAttribute(sub.Protocol, name, value); err != nil {
		return err
	}
	if value == "" && name == "FilterPolicy" {
		delete(sub.attrs, name)
	} else {
		sub.attrs[name] = value
	}
	sub.filter = compiledFilter(sub.attrs)
	s.persistSub(sub)
	return nil
}

// Flush waits until every delivery queued so far has been tried (retries waiting on the clock
// are not waited for) and, with a store, until what the attempts changed is durable.
func (s *Service) Flush() {
	s.deliveries.Flush()
	s.syncDeliveries()
}

// Close stops delivering and waits for deliveries in flight. With a store, the deliveries
// still queued or waiting to retry keep their records and are resumed by the next start.
func (s *Service) Close() {
	s.closed.Store(true)
	s.deliveries.Close()
	s.cancel()
	s.deliveries.Wait()
	s.syncDeliveries()
}
