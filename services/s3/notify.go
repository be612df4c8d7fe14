package s3

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/google/uuid"
	"go.uber.org/zap"
)

// Event notifications. A bucket's NotificationConfiguration (PutBucketNotificationConfiguration)
// sends S3 event messages (Records[]) to SQS queues, SNS topics and Lambda functions for the
// events and key filters it names, and with EventBridgeConfiguration every event to the default
// event bus ("Object Created", "Object Deleted"). Deliveries go through a NotificationSink the
// server installs, so this package imports none of those services; they run in order on one
// goroutine, never blocking the request.

// Notification is one message on its way to a destination.
type Notification struct {
	// Kind is "sqs", "sns", "lambda" or "events".
	Kind string
	// Arn is the queue, topic or function ARN ("" for events).
	Arn string
	// Body is the S3 event message, or the EventBridge event's detail.
	Body []byte
	// DetailType is the EventBridge detail-type ("Object Created", "Object Deleted").
	DetailType string
	// Bucket is the bucket's name.
	Bucket string
}

// NotificationSink delivers notifications.
type NotificationSink interface {
	Notify(ctx context.Context, n Notification) error
}

// NotificationSinkFunc adapts a function to NotificationSink.
type NotificationSinkFunc func(ctx context.Context, n Notification) error

// Notify calls f.
func (f NotificationSinkFunc) Notify(ctx context.Context, n Notification) error { return f(ctx, n) }

// SetNotificationSink installs where event notifications go.
func (s *Service) SetNotificationSink(sink NotificationSink) {
	s.nmu.Lock()
	defer s.nmu.Unlock()
	s.sink = sink
}

const maxQueuedNotifications = 10000

type notifier struct {
	notifications map[string]*NotificationConfiguration // by bucket, under Service.mu
	sequencer     uint64                                // under Service.mu

	nmu     sync.Mutex
	sink    NotificationSink
	queue   []Notification
	running bool
	idle    *sync.Cond
}

func (n *notifier) init() {
	n.notifications = map[string]*NotificationConfiguration{}
	n.idle = sync.NewCond(&n.nmu)
}

// NotificationConfiguration is a bucket's notification configuration, as S3's XML has it.
type NotificationConfiguration struct {
	XMLName     xml.Name              `xml:"NotificationConfiguration"`
	Topics      []TopicConfiguration  `xml:"TopicConfiguration"`
	Queues      []QueueConfiguration  `xml:"QueueConfiguration"`
	Functions   []LambdaConfiguration `xml:"CloudFunctionConfiguration"`
	EventBridge *struct{}             `xml:"EventBridgeConfiguration"`
}

// TopicConfiguration sends events to an SNS topic.
type TopicConfiguration struct {
	ID     string   `xml:"Id,omitempty"`
	Topic  string   `xml:"Topic"`
	Events []string `xml:"Event"`
	Filter *Filter  `xml:"Filter,omitempty"`
}

// QueueConfiguration sends events to an SQS queue.
type QueueConfiguration struct {
	ID     string   `xml:"Id,omitempty"`
	Queue  string   `xml:"Queue"`
	Events []string `xml:"Event"`
	Filter *Filter  `xml:"Filter,omitempty"`
}

// LambdaConfiguration invokes a Lambda function.
type LambdaConfiguration struct {
	ID            string   `xml:"Id,omitempty"`
	CloudFunction string   `xml:"CloudFunction"`
	Events        []string `xml:"Event"`
	Filter        *Filter  `xml:"Filter,omitempty"`
}

// Filter selects keys by prefix and suffix.
type Filter struct {
	Rules []FilterRule `xml:"S3Key>FilterRule"`
}

// FilterRule is a prefix or suffix rule.
type FilterRule struct {
	Name  string `xml:"Name"`
	Value string `xml:"Value"`
}

var knownEvents = map[string]bool{
	"s3:ObjectCreated:*": true, "s3:ObjectCreated:Put": true, "s3:ObjectCreated:Post": true, "s3:ObjectCreated:Copy": true,
	"s3:ObjectCreated:CompleteMultipartUpload": true, "s3:ObjectRemoved:*": true, "s3:ObjectRemoved:Delete": true,
	"s3:ObjectRemoved:DeleteMarkerCreated": true, "s3:ObjectTagging:*": true, "s3:ObjectTagging:Put": true,
	"s3:ObjectTagging:Delete": true, "s3:ObjectRestore:*": true, "s3:ObjectRestore:Post": true,
	"s3:ObjectRestore:Completed": true, "s3:ObjectRestore:Delete": true, "s3:ReducedRedundancyLostObject": true,
	"s3:Replication:*": true, "s3:LifecycleExpiration:*": true, "s3:LifecycleTransition": true,
	"s3:IntelligentTiering": true, "s3:ObjectAcl:Put": true,
}

func checkDestination(events []string, f *Filter, arn, kind string) error {
	if len(events) == 0 {
		return errInvalidArgument("Unable to validate the following destination configurations", arn, "")
	}
	for _, e := range events {
		if !knownEvents[e] {
			return errInvalidArgument("The event is not supported for notifications", "Event", e)
		}
	}
	if parts := strings.Split(arn, ":"); len(parts) < 6 || parts[0] != "arn" || parts[2] != kind {
		return errInvalidArgument("Unable to validate the following destination configurations", arn, "")
	}
	if f != nil {
		seen := map[string]bool{}
		for _, r := range f.Rules {
			name := strings.ToLower(r.Name)
			if name != "prefix" && name != "suffix" {
				return errInvalidArgument("filter rule name must be either prefix or suffix", "FilterRule", r.Name)
			}
			if seen[name] {
				return errInvalidArgument("Cannot specify more than one "+name+" rule in a filter.", "FilterRule", r.Name)
			}
			seen[name] = true
		}
	}
	return nil
}

// PutBucketNotificationConfiguration replaces a bucket's notification configuration and, as S3
// does, sends an s3:TestEvent to each queue and topic.
func (s *Service) PutBucketNotificationConfiguration(bucket string, cfg NotificationConfiguration) error {
	if err := s.HeadBucket(bucket); err != nil {
		return err
	}
	for _, c := range cfg.Queues {
		if err := checkDestination(c.Events, c.Filter, c.Queue, "sqs"); err != nil {
			return err
		}
	}
	for _, c := range cfg.Topics {
		if err := checkDestination(c.Events, c.Filter, c.Topic, "sns"); err != nil {
			return err
		}
	}
	for _, c := range cfg.Functions {
		if err := checkDestination(c.Events, c.Filter, c.CloudFunction, "lambda"); err != nil {
			return err
		}
	}
	ids := func(id *string) {
		if *id == "" {
			*id = uuid.NewString()
		}
	}
	for i := range cfg.Queues {
		ids(&cfg.Queues[i].ID)
	}
	for i := range cfg.Topics {
		ids(&cfg.Topics[i].ID)
	}
	for i := range cfg.Functions {
		ids(&cfg.Functions[i].ID)
	}
	s.mu.Lock()
	s.notifications[bucket] = &cfg
	s.persistBucketConfig(bucket)
	s.mu.Unlock()
	if err := s.j.Sync(); err != nil {
		return err
	}
	test, _ := json.Marshal(map[string]string{
		"Service": "Amazon S3", "Event": "s3:TestEvent", "Time": s.now().Format("2006-01-02T15:04:05.000Z"),
		"Bucket": bucket, "RequestId": requestID(), "HostId": uuid.NewString(),
	})
	for _, c := range cfg.Queues {
		s.enqueue(Notification{Kind: "sqs", Arn: c.Queue, Body: test, Bucket: bucket})
	}
	for _, c := range cfg.Topics {
		s.enqueue(Notification{Kind: "sns", Arn: c.Topic, Body: test, Bucket: bucket})
	}
	return nil
}

// BucketNotificationConfiguration returns a bucket's notification configuration (empty when
// none is set).
func (s *Service) BucketNotificationConfiguration(bucket string) (NotificationConfiguration, error) {
	if err := s.HeadBucket(bucket); err != nil {
		return NotificationConfiguration{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.notifications[bucket]; c != nil {
		return *c, nil
	}
	return NotificationConfiguration{}, nil
}

func requestID() string {
	return strings.ToUpper(strings.ReplaceAll(uuid.NewString(), "-", "")[:16])
}

// eventMatches tells whether an S3 event name (ObjectCreated:Put) is selected by a
// configuration's events (s3:ObjectCreated:*) and key filter.
func eventMatches(events []string, f *Filter, name, key string) bool {
	if f != nil {
		for _, r := range f.Rules {
			switch strings.ToLower(r.Name) {
			case "prefix":
				if !strings.HasPrefix(key, r.Value) {
					return false
				}
			case "suffix":
				if !strings.HasSuffix(key, r.Value) {
					return false
				}
			}
		}
	}
	kind, _, _ := strings.Cut(name, ":")
	for _, e := range events {
		if e == "s3:"+name || e == "s3:"+kind+":*" {
			return true
		}
	}
	return false
}

// notify sends the notifications an object event on bucket calls for. obj is nil for removals.
func (s *Service) notify(bucket, name, reason string, obj *Object, key string) {
	s.mu.Lock()
	cfg := s.notifications[bucket]
	s.sequencer++
	seq := fmt.Sprintf("%016X", uint64(s.now().UnixNano())+s.sequencer)
	s.mu.Unlock()
	if cfg == nil {
		return
	}
	now := s.now()
	reqID := requestID()
	record := func(configID string) []byte {
		object := map[string]any{"key": url.QueryEscape(key), "sequencer": seq}
		if obj != nil {
			object = map[string]any{"key": url.QueryEscape(key), "size": obj.Size(), "eTag": strings.Trim(obj.ETag, `"`), "sequencer": seq}
		}
		b, _ := json.Marshal(map[string]any{"Records": []any{s3Record{
			EventVersion: "2.1", EventSource: "aws:s3", AwsRegion: s.cfg.Region, EventTime: now.Format("2006-01-02T15:04:05.000Z"),
			EventName: name, UserIdentity: principal{"AWS:" + s.cfg.AccountID}, RequestParameters: map[string]string{"sourceIPAddress": "127.0.0.1"},
			ResponseElements: map[string]string{"x-amz-request-id": reqID, "x-amz-id-2": hostID()},
			S3: s3Entity{SchemaVersion: "1.0", ConfigurationID: configID,
				Bucket: s3Bucket{Name: bucket, OwnerIdentity: principal{s.cfg.AccountID}, Arn: "arn:aws:s3:::" + bucket}, Object: object},
		}}})
		return b
	}
	for _, c := range cfg.Queues {
		if eventMatches(c.Events, c.Filter, name, key) {
			s.enqueue(Notification{Kind: "sqs", Arn: c.Queue, Body: record(c.ID), Bucket: bucket})
		}
	}
	for _, c := range cfg.Topics {
		if eventMatches(c.Events, c.Filter, name, key) {
			s.enqueue(Notification{Kind: "sns", Arn: c.Topic, Body: record(c.ID), Bucket: bucket})
		}
	}
	for _, c := range cfg.Functions {
		if eventMatches(c.Events, c.Filter, name, key) {
			s.enqueue(Notification{Kind: "lambda", Arn: c.CloudFunction, Body: record(c.ID), Bucket: bucket})
		}
	}
	if cfg.EventBridge != nil {
		s.enqueue(Notification{Kind: "events", Body: eventBridgeDetail(bucket, key, reason, obj, seq, reqID, s.cfg.AccountID), DetailType: detailType(name), Bucket: bucket})
	}
}

func detailType(name string) string {
	if strings.HasPrefix(name, "ObjectRemoved") {
		return "Object Deleted"
	}
	return "Object Created"
}

func hostID() string {
	id := uuid.New()
	return hex.EncodeToString(id[:])
}

type principal struct {
	PrincipalID string `json:"principalId"`
}

type s3Record struct {
	EventVersion      string            `json:"eventVersion"`
	EventSource       string            `json:"eventSource"`
	AwsRegion         string            `json:"awsRegion"`
	EventTime         string            `json:"eventTime"`
	EventName         string            `json:"eventName"`
	UserIdentity      principal         `json:"userIdentity"`
	RequestParameters map[string]string `json:"requestParameters"`
	ResponseElements  map[string]string `json:"responseElements"`
	S3                s3Entity          `json:"s3"`
}

type s3Entity struct {
	SchemaVersion   string         `json:"s3SchemaVersion"`
	ConfigurationID string         `json:"configurationId"`
	Bucket          s3Bucket       `json:"bucket"`
	Object          map[string]any `json:"object"`
}

type s3Bucket struct {
	Name          string    `json:"name"`
	OwnerIdentity principal `json:"ownerIdentity"`
	Arn           string    `json:"arn"`
}

// eventBridgeDetail is the detail of S3's "Object Created" / "Object Deleted" events, fields in
// AWS's order.
func eventBridgeDetail(bucket, key, reason string, obj *Object, seq, reqID, account string) []byte {
	type object struct {
		Key       string `json:"key"`
		Size      *int64 `json:"size,omitempty"`
		ETag      string `json:"etag,omitempty"`
		Sequencer string `json:"sequencer"`
	}
	o := object{Key: key, Sequencer: seq}
	if obj != nil {
		size := obj.Size()
		o.Size, o.ETag = &size, strings.Trim(obj.ETag, `"`)
	}
	d := struct {
		Version         string            `json:"version"`
		Bucket          map[string]string `json:"bucket"`
		Object          object            `json:"object"`
		RequestID       string            `json:"request-id"`
		Requester       string            `json:"requester"`
		SourceIPAddress string            `json:"source-ip-address"`
		Reason          string            `json:"reason"`
		DeletionType    string            `json:"deletion-type,omitempty"`
	}{Version: "0", Bucket: map[string]string{"name": bucket}, Object: o, RequestID: reqID, Requester: account,
		SourceIPAddress: "127.0.0.1", Reason: reason}
	if obj == nil {
		d.DeletionType = "Permanently Deleted"
	}
	b, _ := json.Marshal(d)
	return b
}

// enqueue queues n for the delivery goroutine without blocking; a full queue drops it (logged).
func (s *Service) enqueue(n Notification) {
	s.nmu.Lock()
	defer s.nmu.Unlock()
	if s.sink == nil {
		s.cfg.Logger.Debug("s3 notification not delivered: no sink", zap.String("bucket", n.Bucket), zap.String("kind", n.Kind))
		return
	}
	if len(s.queue) >= maxQueuedNotifications {
		s.cfg.Logger.Warn("s3 notification dropped: the delivery queue is full", zap.String("bucket", n.Bucket))
		return
	}
	s.queue = append(s.queue, n)
	if !s.running {
		s.running = true
		go s.deliverNotifications(s.sink)
	}
}

func (s *Service) deliverNotifications(sink NotificationSink) {
	for {
		s.nmu.Lock()
		if len(s.queue) == 0 {
			s.running = false
			s.idle.Broadcast()
			s.nmu.Unlock()
			return
		}
		n := s.queue[0]
		s.queue = s.queue[1:]
		s.nmu.Unlock()
		if err := sink.Notify(context.Background(), n); err != nil {
			s.cfg.Logger.Warn("s3 notification not delivered", zap.String("bucket", n.Bucket), zap.String("kind", n.Kind), zap.String("arn", n.Arn), zap.Error(err))
		}
	}
}

// FlushNotifications waits until every notification queued so far has been delivered.
func (s *Service) FlushNotifications() {
	s.nmu.Lock()
	defer s.nmu.Unlock()
	for s.running {
		s.idle.Wait()
	}
}

func (s *Service) putNotification(rw *responder, r *http.Request, bucket string) error {
	body, err := readSmall(r)
	if err != nil {
		return err
	}
	var cfg NotificationConfiguration
	if len(bytes.TrimSpace(body)) > 0 {
		if err := xml.Unmarshal(body, &cfg); err != nil {
			return errMalformedXML()
		}
	}
	if err := s.PutBucketNotificationConfiguration(bucket, cfg); err != nil {
		return err
	}
	return rw.empty(200)
}

// notificationXML is cfg as GetBucketNotificationConfiguration answers it.
func notificationXML(cfg NotificationConfiguration) any {
	return struct {
		XMLName     xml.Name              `xml:"NotificationConfiguration"`
		Xmlns       string                `xml:"xmlns,attr"`
		Topics      []TopicConfiguration  `xml:"TopicConfiguration"`
		Queues      []QueueConfiguration  `xml:"QueueConfiguration"`
		Functions   []LambdaConfiguration `xml:"CloudFunctionConfiguration"`
		EventBridge *struct{}             `xml:"EventBridgeConfiguration"`
	}{Xmlns: xmlns, Topics: cfg.Topics, Queues: cfg.Queues, Functions: cfg.Functions, EventBridge: cfg.EventBridge}
}
