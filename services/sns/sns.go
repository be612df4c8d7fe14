// Package sns is sfnlocal's Amazon SNS fake: the `arn:aws:states:::sns:publish` integration
// with AWS's output shape and errors, and the SNS query API (CreateTopic, ListTopics,
// DeleteTopic, GetTopicAttributes, Publish, Subscribe, ConfirmSubscription, Unsubscribe,
// ListSubscriptions, ListSubscriptionsByTopic, GetSubscriptionAttributes,
// SetSubscriptionAttributes) on sfnlocal's port.
//
// Published messages are delivered to the topic's subscribers, each subscription in publish
// order on its own goroutine, never blocking Publish:
//   - sqs: the SNS notification envelope (AWS's fields and order), or with RawMessageDelivery
//     the message itself with its attributes as SQS message attributes;
//   - lambda: an asynchronous invoke with the SNS event (Records[].Sns);
//   - http/https: a POST with SNS's headers, after the SubscriptionConfirmation handshake (the
//     subscription stays pending until ConfirmSubscription, or a GET of the SubscribeURL);
//   - email, sms, application, firehose: recorded only.
//
// Filter policies (FilterPolicy, FilterPolicyScope MessageAttributes or MessageBody) use the
// EventBridge matcher of internal/eventpattern, which SNS's filter syntax shares. A failed
// delivery is retried 3 times 20 s apart on the clock (SNS's default HTTP delivery policy, used
// for every protocol); then, or at once when the queue or function does not exist, it goes to
// the subscription's RedrivePolicy dead-letter queue. SQS and Lambda are reached through Sinks
// the server installs, so this package imports neither. Messages are not signed: Signature is a
// placeholder.
//
// Every published message is also kept (and logged) so that tests can read it back, over HTTP at
// GET /_sfnlocal/sns/messages[?TopicArn=ARN] or with Messages in Go.
//
// With a store (Config.DB, the server's --data-dir), topics, subscriptions, messages and the
// deliveries still to be made survive a crash or a restart (persist.go): every delivery is
// recorded before the Publish that caused it answers, and one still queued or waiting to retry
// when the process ends is queued again by Resume at the next start, its attempts counting on.
// Delivery is at least once: one in flight at a crash is made again.
package sns

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/awsproto"
	"github.com/sfnlocal/sfnlocal/internal/clock"
	dq "github.com/sfnlocal/sfnlocal/internal/delivery"
	"github.com/sfnlocal/sfnlocal/internal/eventpattern"
	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/journal"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// Config configures the fake.
type Config struct {
	Clock     clock.Clock
	Logger    *zap.Logger
	Region    string
	AccountID string
	// Endpoint is sfnlocal's base URL, for the SubscribeURL and UnsubscribeURL of messages.
	Endpoint string
	// HTTPClient posts to http/https subscribers; nil is http.DefaultClient.
	HTTPClient *http.Client
	// DB, when set, keeps topics, subscriptions, published messages and pending deliveries
	// durably (see persist.go); nil keeps them in memory.
	DB *storage.DB
}

// Service holds topics, subscriptions and every published message.
type Service struct {
	cfg Config

	mu       sync.Mutex
	topics   map[string]*topic // by ARN
	subs     map[string]*Subscription
	messages []Message
	seq      uint64
	sinks    map[string]Sink // by protocol: sqs, lambda

	// deliveries holds one ordered queue per subscription (by ARN).
	deliveries *dq.Queues[subDelivery]
	// ctx is the component-lifetime context of deliveries, cancelled by Close.
	ctx    context.Context
	cancel context.CancelFunc

	j       *journal.Journal // nil in memory mode
	loadErr error
	// With a store: dseq numbers delivery records (under mu), resumed holds the deliveries read
	// at New until Resume queues them, closed is set by Close (a delivery refused by the closed
	// queues keeps its record).
	dseq    uint64
	resumed []subDelivery
	closed  atomic.Bool
}

type topic struct {
	arn   string
	name  string
	fifo  bool
	attrs map[string]string
}

// Subscription is one Subscribe call's result.
type Subscription struct {
	SubscriptionArn string `json:"SubscriptionArn"`
	TopicArn        string `json:"TopicArn"`
	Protocol        string `json:"Protocol"`
	Endpoint        string `json:"Endpoint"`
	Owner           string `json:"Owner"`

	arn     string            // the ARN even while pending
	attrs   map[string]string // settable attributes
	filter  *eventpattern.Pattern
	pending bool
	token   string
}

// MessageAttribute is an SNS message attribute.
type MessageAttribute struct {
	DataType    string `json:"DataType"`
	StringValue string `json:"StringValue,omitempty"`
	BinaryValue string `json:"BinaryValue,omitempty"`
}

// Message is one published message, as kept for reading back.
type Message struct {
	MessageID              string                      `json:"MessageId"`
	TopicArn               string                      `json:"TopicArn"`
	Subject                string                      `json:"Subject,omitempty"`
	Message                string                      `json:"Message"`
	MessageAttributes      map[string]MessageAttribute `json:"MessageAttributes,omitempty"`
	MessageGroupID         string                      `json:"MessageGroupId,omitempty"`
	MessageDeduplicationID string                      `json:"MessageDeduplicationId,omitempty"`
	SequenceNumber         string                      `json:"SequenceNumber,omitempty"`
	Timestamp              time.Time                   `json:"Timestamp"`
}

// New returns an empty SNS fake.
func New(cfg Config) *Service {
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real()
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.AccountID == "" {
		cfg.AccountID = "123456789012"
	}
	if cfg.Endpoint == "" {
		cfg.Endpoint = "http://127.0.0.1:8083"
	}
	cfg.Endpoint = strings.TrimSuffix(cfg.Endpoint, "/")
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	s := &Service{cfg: cfg, topics: map[string]*topic{}, subs: map[string]*Subscription{}, sinks: map[string]Sink{}, j: journal.New(cfg.DB)}
	if cfg.DB != nil {
		s.loadErr = s.load(cfg.DB)
	}
	s.deliveries = dq.New(maxQueuedPerSub, func(_ string, d subDelivery) { s.attempt(d.sub, d.d) })
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s
}

// LoadError reports a failure to read the durable state at New (nil in memory mode).
func (s *Service) LoadError() error { return s.loadErr }

// Error is an SNS API error: Code is the query-protocol error code (e.g. "NotFound"), Type the
// exception name the SDKs and Step Functions use (e.g. "NotFoundException").
type Error struct {
	Status  int
	Code    string
	Type    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func errInvalidParameter(msg string) *Error {
	return &Error{Status: 400, Code: "InvalidParameter", Type: "InvalidParameterException", Message: "Invalid parameter: " + msg}
}

func errNotFound(msg string) *Error {
	return &Error{Status: 404, Code: "NotFound", Type: "NotFoundException", Message: msg}
}

// validTopicName: 1 to 256 letters, digits, underscores and hyphens.
func validTopicName(s string) bool { return awsproto.NameOK(s, 1, 256, "_-") }

// CreateTopic creates a topic in the default region, or returns the existing one of that
// name (as AWS does).
func (s *Service) CreateTopic(name string, attrs map[string]string) (string, error) {
	return s.CreateTopicIn(s.cfg.Region, name, attrs)
}

// CreateTopicIn is CreateTopic in region: topics are kept per region (their ARN names it,
// arn:<partition>:sns:<region>:<account>:<name>), so one name may exist in several regions.
func (s *Service) CreateTopicIn(region, name string, attrs map[string]string) (_ string, err error) {
	base := strings.TrimSuffix(name, ".fifo")
	fifo := strings.HasSuffix(name, ".fifo")
	if !validTopicName(base) || len(name) > 256 {
		return "", errInvalidParameter("Topic Name")
	}
	if attrs["FifoTopic"] == "true" && !fifo {
		return "", errInvalidParameter("Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.")
	}
	arn := fmt.Sprintf("arn:%s:sns:%s:%s:%s", awsproto.Partition(region), region, s.cfg.AccountID, name)
	defer s.j.SyncInto(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.topics[arn]; !ok {
		a := map[string]string{}
		for k, v := range attrs {
			a[k] = v
		}
		s.topics[arn] = &topic{arn: arn, name: name, fifo: fifo, attrs: a}
		s.persistTopic(s.topics[arn])
	}
	return arn, nil
}

// DeleteTopic deletes a topic and its subscriptions; deleting a missing topic succeeds.
func (s *Service) DeleteTopic(arn string) (err error) {
	defer s.j.SyncInto(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.topics, arn)
	s.forget(bucketTopics, arn)
	for k, sub := range s.subs {
		if sub.TopicArn == arn {
			delete(s.subs, k)
			s.forget(bucketSubs, k)
		}
	}
	return nil
}

// Topics lists topic ARNs in order.
func (s *Service) Topics() []string { return s.TopicsIn("") }

// TopicsIn lists the topic ARNs of region ("" for every region), sorted.
func (s *Service) TopicsIn(region string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.topics))
	for arn := range s.topics {
		if region == "" || arnRegion(arn) == region {
			out = append(out, arn)
		}
	}
	sort.Strings(out)
	return out
}

// arnRegion is the region field of an ARN (arn:partition:service:region:...).
func arnRegion(arn string) string {
	f := strings.SplitN(arn, ":", 5)
	if len(f) < 5 {
		return ""
	}
	return f[3]
}

func (s *Service) topicAttributes(arn string) (map[string]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.topics[arn]
	if !ok {
		return nil, errNotFound("Topic does not exist")
	}
	out := map[string]string{
		"TopicArn":                t.arn,
		"Owner":                   s.cfg.AccountID,
		"DisplayName":             "",
		"SubscriptionsConfirmed":  "0",
		"SubscriptionsPending":    "0",
		"SubscriptionsDeleted":    "0",
		"EffectiveDeliveryPolicy": `{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":3,"numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"},"disableSubscriptionOverrides":false,"defaultRequestPolicy":{"headerContentType":"text/plain; charset=UTF-8"}}}`,
	}
	n, pending := 0, 0
	for _, sub := range s.subs {
		if sub.TopicArn == arn {
			if sub.pending {
				pending++
			} else {
				n++
			}
		}
	}
	out["SubscriptionsConfirmed"] = fmt.Sprint(n)
	out["SubscriptionsPending"] = fmt.Sprint(pending)
	if t.fifo {
		out["FifoTopic"] = "true"
		out["ContentBasedDeduplication"] = "false"
	}
	for k, v := range t.attrs {
		out[k] = v
	}
	return out, nil
}

// Subscribe adds a subscription and returns its ARN. An http or https subscription stays
// pending until its endpoint confirms it (the SubscriptionConfirmation handshake): its ARN is
// then "pending confirmation" unless returnArn is set.
func (s *Service) Subscribe(topicArn, protocol, endpoint string, attrs map[string]string, returnArn bool) (_ string, err error) {
	switch protocol {
	case "http", "https", "email", "email-json", "sms", "sqs", "application", "lambda", "firehose":
	default:
		return "", errInvalidParameter("Invalid protocol type: " + protocol)
	}
	if err := checkEndpoint(protocol, endpoint); err != nil {
		return "", err
	}
	for k, v := range attrs {
		if err := checkSubscriptionAttribute(protocol, k, v); err != nil {
			return "", err
		}
	}
	defer s.j.SyncInto(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.topics[topicArn]; !ok {
		return "", errNotFound("Topic does not exist")
	}
	for _, sub := range s.subs {
		if sub.TopicArn == topicArn && sub.Protocol == protocol && sub.Endpoint == endpoint {
			if sub.pending && !returnArn {
				return "pending confirmation", nil
			}
			return sub.arn, nil
		}
	}
	arn := topicArn + ":" + uuid.NewString()
	sub := &Subscription{SubscriptionArn: arn, TopicArn: topicArn, Protocol: protocol, Endpoint: endpoint, Owner: s.cfg.AccountID, arn: arn, attrs: map[string]string{}}
	for k, v := range attrs {
		sub.attrs[k] = v
	}
	sub.filter = compiledFilter(sub.attrs)
	s.subs[arn] = sub
	if protocol == "http" || protocol == "https" {
		sub.pending = true
		sub.SubscriptionArn = "PendingConfirmation"
		sub.token = randomToken()
		s.persistSub(sub)
		s.startLocked(sub, &delivery{confirm: true, topicArn: topicArn})
		if !returnArn {
			return "pending confirmation", nil
		}
	}
	s.persistSub(sub)
	return arn, nil
}

// Unsubscribe removes a subscription.
func (s *Service) Unsubscribe(arn string) (err error) {
	defer s.j.SyncInto(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.subs[arn]; !ok {
		return errNotFound("Subscription does not exist")
	}
	delete(s.subs, arn)
	s.forget(bucketSubs, arn)
	return nil
}

// Subscriptions lists subscriptions, of one topic when topicArn is not "".
func (s *Service) Subscriptions(topicArn string) ([]Subscription, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if topicArn != "" {
		if _, ok := s.topics[topicArn]; !ok {
			return nil, errNotFound("Topic does not exist")
		}
	}
	var out []Subscription
	for _, sub := range s.subs {
		if topicArn == "" || sub.TopicArn == topicArn {
			out = append(out, *sub)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SubscriptionArn < out[j].SubscriptionArn })
	return out, nil
}

// PublishInput is a Publish request.
type PublishInput struct {
	TopicArn               string
	TargetArn              string
	Message                string
	Subject                string
	MessageAttributes      map[string]MessageAttribute
	MessageGroupID         string
	MessageDeduplicationID string
}

// Publish records a message and returns its id (and a sequence number for FIFO topics).
func (s *Service) Publish(in PublishInput) (messageID, sequenceNumber string, err error) {
	arn := in.TopicArn
	if arn == "" {
		arn = in.TargetArn
	}
	if arn == "" {
		return "", "", errInvalidParameter("TopicArn or TargetArn Reason: no value for required parameter")
	}
	if in.Message == "" {
		return "", "", errInvalidParameter("Empty message")
	}
	if len(in.Message) > 256*1024 {
		return "", "", errInvalidParameter("Message too long")
	}
	for name, a := range in.MessageAttributes {
		if a.DataType == "" {
			return "", "", errInvalidParameter(fmt.Sprintf("The message attribute '%s' must contain non-empty message attribute type.", name))
		}
	}
	defer s.j.SyncInto(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.topics[arn]
	if !ok {
		return "", "", errNotFound("Topic does not exist")
	}
	m := Message{
		MessageID: uuid.NewString(), TopicArn: arn, Subject: in.Subject, Message: in.Message,
		MessageAttributes: in.MessageAttributes, Timestamp: s.cfg.Clock.Now().UTC(),
	}
	if t.fifo {
		if in.MessageGroupID == "" {
			return "", "", errInvalidParameter("The MessageGroupId parameter is required for FIFO topics")
		}
		if in.MessageDeduplicationID == "" && t.attrs["ContentBasedDeduplication"] != "true" {
			return "", "", errInvalidParameter("The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
		}
		s.seq++
		m.MessageGroupID = in.MessageGroupID
		m.MessageDeduplicationID = in.MessageDeduplicationID
		m.SequenceNumber = fmt.Sprintf("1%019d", s.seq)
	} else if in.MessageGroupID != "" {
		return "", "", errInvalidParameter("MessageGroupId Reason: The request includes MessageGroupId parameter that is not valid for this topic type")
	}
	s.messages = append(s.messages, m)
	s.persistMessage(m)
	s.fanOutLocked(m, len(s.messages)-1)
	s.cfg.Logger.Info("sns message published", zap.String("topic_arn", arn), zap.String("message_id", m.MessageID), zap.String("message", m.Message))
	return m.MessageID, m.SequenceNumber, nil
}

// Messages returns the messages published so far, of one topic when topicArn is not "".
func (s *Service) Messages(topicArn string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Message{}
	for _, m := range s.messages {
		if topicArn == "" || m.TopicArn == topicArn {
			out = append(out, m)
		}
	}
	return out
}

// Integration returns the task.Handler for `arn:aws:states:::sns:publish`.
func (s *Service) Integration() task.Handler { return task.HandlerFunc(s.invoke) }

func (s *Service) invoke(ctx context.Context, req *task.Request) (any, error) {
	if req.Action != "publish" || req.Pattern == task.Sync {
		return nil, &task.Failure{Name: "States.Runtime", Cause: fmt.Sprintf("The resource provided %s is not recognized. The value is not a valid resource ARN, or the resource is not available in this region.", req.Resource)}
	}
	params, _ := task.Object(req.Parameters) // shallow: an object body keeps its key order
	in := PublishInput{
		TopicArn:               task.Text(params["TopicArn"]),
		TargetArn:              task.Text(params["TargetArn"]),
		Subject:                task.Text(params["Subject"]),
		MessageGroupID:         task.Text(params["MessageGroupId"]),
		MessageDeduplicationID: task.Text(params["MessageDeduplicationId"]),
	}
	// Step Functions sends a non-string Message as its JSON text.
	switch m := params["Message"].(type) {
	case nil:
	case string:
		in.Message = m
	default:
		b, err := task.Encode(m)
		if err != nil {
			return nil, err
		}
		in.Message = string(b)
	}
	if attrs, ok := task.Object(params["MessageAttributes"]); ok {
		in.MessageAttributes = map[string]MessageAttribute{}
		for k, v := range attrs {
			a, _ := task.Object(v)
			in.MessageAttributes[k] = MessageAttribute{DataType: task.Text(a["DataType"]), StringValue: task.Text(a["StringValue"]), BinaryValue: task.Text(a["BinaryValue"])}
		}
	}
	requestID := uuid.NewString()
	id, seq, err := s.Publish(in)
	if err != nil {
		e := err.(*Error)
		return nil, &task.Failure{
			Name:  "SNS." + e.Type,
			Cause: fmt.Sprintf("%s (Service: AmazonSNS; Status Code: %d; Error Code: %s; Request ID: %s; Proxy: null)", e.Message, e.Status, e.Code, requestID),
		}
	}
	body := publishXML(id, seq, requestID)
	out := map[string]any{
		"MessageId":           id,
		"SdkHttpMetadata":     sdkHTTPMetadata(len(body), requestID, s.cfg.Clock.Now()),
		"SdkResponseMetadata": map[string]any{"RequestId": requestID},
	}
	if seq != "" {
		out["SequenceNumber"] = seq
	}
	return out, nil
}

// sdkHTTPMetadata is the SdkHttpMetadata of an SNS (text/xml) response.
func sdkHTTPMetadata(contentLength int, requestID string, now time.Time) any {
	return task.SdkHTTPMetadata(map[string]string{
		"x-amzn-RequestId": requestID,
		"connection":       "keep-alive",
		"Content-Length":   fmt.Sprint(contentLength),
		"Date":             task.HTTPDate(now),
		"Content-Type":     "text/xml",
	}, 200)
}
