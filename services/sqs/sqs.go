// Package sqs is sfnlocal's Amazon SQS fake: the `arn:aws:states:::sqs:sendMessage` Task
// integration (request-response and `.waitForTaskToken`) with AWS's output shape and errors, and
// the SQS API on sfnlocal's port in the AWS JSON 1.0 protocol (`X-Amz-Target: AmazonSQS.<Op>`)
// that current SDKs and the aws CLI speak: CreateQueue, GetQueueUrl, ListQueues, DeleteQueue,
// GetQueueAttributes, SetQueueAttributes, SendMessage, ReceiveMessage, DeleteMessage,
// ChangeMessageVisibility and PurgeQueue.
//
// It exists because state machines commonly hand work to a worker through SQS with
// `.waitForTaskToken`: the worker receives the message, does the work and calls
// SendTaskSuccess with the token. With this fake such workers run unchanged against sfnlocal.
//
// Queues are in memory, written through to sfnlocal's store with Config.DB (persist.go). Standard queues deliver in send order (AWS only promises best effort);
// FIFO queues keep per-group order, block a group while one of its messages is in flight, and
// deduplicate within AWS's five-minute window. A RedrivePolicy moves a message received
// maxReceiveCount times to its dead-letter queue. Visibility timeouts, delays, retention and
// long polling all run on the injected clock, so tests drive them with clock.Fake.
package sqs

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/awsproto"
	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/journal"
)

// Config configures the fake.
type Config struct {
	Clock     clock.Clock
	Logger    *zap.Logger
	Region    string
	AccountID string
	// Endpoint is the base of the queue URLs returned by the Go API, e.g.
	// "http://127.0.0.1:8083". The HTTP API uses the request's host instead.
	Endpoint string
	// DB, when set, keeps queues and messages durably (see persist.go); nil keeps them in
	// memory only.
	DB *storage.DB
}

// Service holds the queues.
type Service struct {
	cfg Config

	mu     sync.Mutex
	queues map[string]*queue // by qkey(region, name): queues are kept per region, as on AWS

	j       *journal.Journal // nil in memory mode
	pos     uint64           // the last message position given out (durable mode)
	loadErr error
}

// qkey is a queue's key in Service.queues.
func qkey(region, name string) string { return region + "/" + name }

const (
	dedupWindow = 5 * time.Minute
	// receiptLifetime is how long receipt handles of deleted messages stay valid (deleting
	// again succeeds on AWS); after it they are forgotten, to bound memory.
	receiptLifetime = 12 * time.Hour
)

type queue struct {
	region   string
	name     string
	fifo     bool
	attrs    map[string]string // settable attributes, defaults filled in
	created  time.Time
	modified time.Time

	msgs       []*message // not yet deleted, in send order
	receipts   map[string]*message
	notify     chan struct{} // closed and replaced when messages may have become receivable
	seq        uint64
	dedup      map[string]dedupEntry
	dedupOrder []string   // dedup keys in insertion (= time) order
	deleted    []*message // messages that left the queue, in time order, for expire
	lastPurge  time.Time
	// dlq and maxReceive are the RedrivePolicy: a message received maxReceive times is moved
	// to the queue named dlq instead of being delivered again.
	dlq        string
	maxReceive int
}

type dedupEntry struct {
	id, seq string
	at      time.Time
}

type message struct {
	id, body, md5Body, md5Attrs string
	attrs                       map[string]MessageAttributeValue
	sysAttrs                    map[string]MessageAttributeValue
	sent                        time.Time
	visibleAt                   time.Time
	inFlight                    bool // received and not yet visible again
	receiveCount                int
	firstReceive                time.Time
	deleted                     time.Time // when deleted or expired; zero while queued
	receipts                    []string  // the latest receipt handles, oldest first
	redriven                    bool      // moved to the dead-letter queue
	group, dedupID, seq         string
	pos                         uint64 // record key in the store (durable mode)
}

// New returns an SQS fake without queues.
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
	s := &Service{cfg: cfg, queues: map[string]*queue{}, j: journal.New(cfg.DB)}
	if cfg.DB != nil {
		s.loadErr = s.load(cfg.DB)
	}
	return s
}

// LoadError reports a failure to read the durable state at New (nil in memory mode).
func (s *Service) LoadError() error { return s.loadErr }

// Queue attribute defaults and limits, from the CreateQueue reference.
var attrLimits = map[string][2]int{
	"DelaySeconds":                  {0, 900},
	"MaximumMessageSize":            {1024, 1048576},
	"MessageRetentionPeriod":        {60, 1209600},
	"ReceiveMessageWaitTimeSeconds": {0, 20},
	"VisibilityTimeout":             {0, 43200},
	"KmsDataKeyReusePeriodSeconds":  {60, 86400},
}

var settableAttrs = map[string]bool{
	"DelaySeconds": true, "MaximumMessageSize": true, "MessageRetentionPeriod": true, "Policy": true,
	"ReceiveMessageWaitTimeSeconds": true, "VisibilityTimeout": true, "RedrivePolicy": true,
	"RedriveAllowPolicy": true, "KmsMasterKeyId": true, "KmsDataKeyReusePeriodSeconds": true,
	"SqsManagedSseEnabled": true, "FifoQueue": true, "ContentBasedDeduplication": true,
	"DeduplicationScope": true, "FifoThroughputLimit": true,
}

// validQueueName: 1 to 80 letters, digits, underscores and hyphens.
func validQueueName(s string) bool { return awsproto.NameOK(s, 1, 80, "_-") }

func (s *Service) queueURL(base, name string) string {
	return base + "/" + s.cfg.AccountID + "/" + name
}

func (s *Service) queueArn(region, name string) string {
	return fmt.Sprintf("arn:%s:sqs:%s:%s:%s", awsproto.Partition(region), region, s.cfg.AccountID, name)
}

// CreateQueueInput is a CreateQueue request.
type CreateQueueInput struct {
	QueueName  string            `json:"QueueName"`
	Attributes map[string]string `json:"Attributes,omitempty"`
	Tags       map[string]string `json:"tags,omitempty"`
}

// CreateQueue creates a queue, or returns the existing one when its attributes agree, and
// returns the queue URL.
func (s *Service) CreateQueue(in *CreateQueueInput) (string, error) {
	return s.createQueue(s.cfg.Endpoint, s.cfg.Region, in)
}

func (s *Service) createQueue(base, region string, in *CreateQueueInput) (_ string, err error) {
	if in.QueueName == "" {
		return "", errMissing("QueueName")
	}
	fifoName := strings.HasSuffix(in.QueueName, ".fifo")
	fifoAttr := in.Attributes["FifoQueue"] == "true"
	if fifoAttr || fifoName {
		if !fifoAttr || !fifoName || !validQueueName(strings.TrimSuffix(in.QueueName, ".fifo")) || len(in.QueueName) > 80 {
			return "", errInvalidParameter("The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.")
		}
	} else if !validQueueName(in.QueueName) {
		return "", errInvalidParameter("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
	}
	attrs := map[string]string{
		"DelaySeconds": "0", "MaximumMessageSize": "1048576", "MessageRetentionPeriod": "345600",
		"ReceiveMessageWaitTimeSeconds": "0", "VisibilityTimeout": "30", "SqsManagedSseEnabled": "true",
	}
	if fifoAttr {
		attrs["FifoQueue"] = "true"
		attrs["ContentBasedDeduplication"] = "false"
		attrs["DeduplicationScope"] = "queue"
		attrs["FifoThroughputLimit"] = "perQueue"
	}
	names, err := checkAttributes(in.Attributes, fifoAttr)
	if err != nil {
		return "", err
	}
	for _, k := range names {
		attrs[k] = in.Attributes[k]
	}
	defer s.j.SyncInto(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	if q, ok := s.queues[qkey(region, in.QueueName)]; ok {
		for _, k := range names {
			if q.attrs[k] != in.Attributes[k] {
				return "", &Error{Status: 400, Code: "QueueAlreadyExists", Shape: "QueueNameExists", Message: "A queue already exists with the same name and a different value for attribute " + k}
			}
		}
		return s.queueURL(base, q.name), nil
	}
	now := s.cfg.Clock.Now()
	q := &queue{
		region: region, name: in.QueueName, fifo: fifoAttr, attrs: attrs, created: now, modified: now,
		receipts: map[string]*message{}, notify: make(chan struct{}), dedup: map[string]dedupEntry{},
	}
	if p, ok := attrs["RedrivePolicy"]; ok {
		if q.dlq, q.maxReceive, err = s.redrivePolicy(region, p, fifoAttr); err != nil {
			return "", err
		}
	}
	s.queues[qkey(region, in.QueueName)] = q
	s.persistQueue(q)
	s.cfg.Logger.Info("sqs queue created", zap.String("queue_name", in.QueueName))
	return s.queueURL(base, in.QueueName), nil
}

// checkAttributes validates settable queue attributes and returns their names in order.
func checkAttributes(attrs map[string]string, fifo bool) ([]string, error) {
	names := make([]string, 0, len(attrs))
	for k := range attrs {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		v := attrs[k]
		if !settableAttrs[k] {
			return nil, errInvalidAttributeName(k)
		}
		if lim, ok := attrLimits[k]; ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < lim[0] || n > lim[1] {
				return nil, errInvalidAttributeValue(k)
			}
		}
		switch k {
		case "FifoQueue", "ContentBasedDeduplication", "SqsManagedSseEnabled":
			if v != "true" && v != "false" {
				return nil, errInvalidAttributeValue(k)
			}
			if k == "ContentBasedDeduplication" && !fifo {
				return nil, errInvalidAttributeName(k)
			}
		case "DeduplicationScope", "FifoThroughputLimit":
			if !fifo {
				return nil, errInvalidAttributeName(k)
			}
		}
	}
	return names, nil
}

// redrivePolicy parses a RedrivePolicy ({"deadLetterTargetArn": ARN, "maxReceiveCount": N})
// whose target must be an existing queue of the same type in region. s.mu must be held.
func (s *Service) redrivePolicy(region, v string, fifo bool) (string, int, error) {
	invalid := func(reason string) error {
		return errInvalidValue("RedrivePolicy", v, reason)
	}
	if v == "" {
		return "", 0, nil
	}
	var p struct {
		DeadLetterTargetArn string `json:"deadLetterTargetArn"`
		MaxReceiveCount     any    `json:"maxReceiveCount"`
	}
	if err := json.Unmarshal([]byte(v), &p); err != nil {
		return "", 0, invalid("Invalid JSON")
	}
	n, err := strconv.Atoi(strings.Trim(fmt.Sprint(p.MaxReceiveCount), `"`))
	if err != nil || n < 1 || n > 1000 {
		return "", 0, invalid("Invalid value for maxReceiveCount: " + fmt.Sprint(p.MaxReceiveCount) + ", valid values are from 1 to 1000 both inclusive.")
	}
	prefix := s.queueArn(region, "")
	target, ok := s.queues[qkey(region, strings.TrimPrefix(p.DeadLetterTargetArn, prefix))]
	if !strings.HasPrefix(p.DeadLetterTargetArn, prefix) || !ok {
		return "", 0, invalid("Dead-letter target does not exist.")
	}
	if target.fifo != fifo {
		return "", 0, invalid("Dead-letter target must be the same type of queue (FIFO or standard) as the source.")
	}
	return target.name, n, nil
}

// SetQueueAttributes changes settable attributes of a queue.
func (s *Service) SetQueueAttributes(queueURL string, attrs map[string]string) (err error) {
	defer s.j.SyncInto(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.lookup(queueURL)
	if err != nil {
		return err
	}
	if len(attrs) == 0 {
		return errMissing("Attribute.Name")
	}
	names, err := checkAttributes(attrs, q.fifo)
	if err != nil {
		return err
	}
	if v, ok := attrs["FifoQueue"]; ok && v != q.attrs["FifoQueue"] && (v == "true") != q.fifo {
		return errInvalidValue("FifoQueue", v, "Modifying queue type is not supported.")
	}
	if p, ok := attrs["RedrivePolicy"]; ok {
		dlq, max, err := s.redrivePolicy(q.region, p, q.fifo)
		if err != nil {
			return err
		}
		q.dlq, q.maxReceive = dlq, max
	}
	for _, k := range names {
		q.attrs[k] = attrs[k]
	}
	q.modified = s.cfg.Clock.Now()
	s.persistQueue(q)
	q.wake() // a shorter wait or delay may apply
	return nil
}

// lookup finds the queue a QueueUrl names ("<scheme>://<host>/<account>/<name>"), in the region
// its host names when it is an AWS endpoint (sqs.<region>.amazonaws.com, as AWS writes queue
// URLs, and the legacy <region>.queue.amazonaws.com), else in the default region (see InRegion
// for URLs of this server). s.mu must be held.
func (s *Service) lookup(queueURL string) (*queue, error) {
	if queueURL == "" {
		return nil, errMissing("QueueUrl")
	}
	path, region := queueURL, s.cfg.Region
	if u, err := url.Parse(queueURL); err == nil && u.Host != "" {
		path = u.Path
		if r := hostRegion(u.Hostname()); r != "" {
			region = r
		}
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) != 2 || parts[0] != s.cfg.AccountID {
		return nil, errNoQueue()
	}
	q, ok := s.queues[qkey(region, parts[1])]
	if !ok {
		return nil, errNoQueue()
	}
	return q, nil
}

// hostRegion is the region of an AWS SQS endpoint host, "" for any other host.
func hostRegion(host string) string {
	host = strings.TrimSuffix(strings.TrimSuffix(host, ".cn"), ".amazonaws.com")
	if r, ok := strings.CutPrefix(host, "sqs."); ok && !strings.Contains(r, ".") {
		return r
	}
	if r, ok := strings.CutSuffix(host, ".queue"); ok && !strings.Contains(r, ".") {
		return r
	}
	return ""
}

// InRegion returns queueURL as the URL of the same queue in region: a URL of this server
// (which names no region) is rewritten to AWS's form for region; an AWS endpoint's URL already
// names its region and is returned as it is. Requests signed for a region, and Step Functions
// integrations running in one, address their queues through it.
func (s *Service) InRegion(queueURL, region string) string {
	u, err := url.Parse(queueURL)
	if err != nil || u.Host == "" || hostRegion(u.Hostname()) != "" || region == "" {
		return queueURL
	}
	suffix := ".amazonaws.com"
	if awsproto.Partition(region) == "aws-cn" {
		suffix += ".cn"
	}
	return "https://sqs." + region + suffix + u.Path
}

// URLOf returns the URL of the queue an ARN (arn:<partition>:sqs:<region>:<account>:<name>)
// names, in AWS's form, for deliveries addressed by ARN (SNS, EventBridge, S3, Lambda).
func URLOf(arn string) string {
	f := strings.Split(arn, ":")
	if len(f) != 6 || f[0] != "arn" || f[2] != "sqs" {
		return arn
	}
	suffix := ".amazonaws.com"
	if f[1] == "aws-cn" {
		suffix += ".cn"
	}
	return "https://sqs." + f[3] + suffix + "/" + f[4] + "/" + f[5]
}

// GetQueueURL returns the URL of the named queue.
func (s *Service) GetQueueURL(name string) (string, error) {
	return s.getQueueURL(s.cfg.Endpoint, s.cfg.Region, name)
}

func (s *Service) getQueueURL(base, region, name string) (string, error) {
	if name == "" {
		return "", errMissing("QueueName")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.queues[qkey(region, name)]; !ok {
		return "", errNoQueue()
	}
	return s.queueURL(base, name), nil
}

// ListQueues returns the URLs of the queues whose names start with prefix, in name order.
func (s *Service) ListQueues(prefix string) []string {
	return s.listQueues(s.cfg.Endpoint, s.cfg.Region, prefix)
}

// listQueues lists the queues of region.
func (s *Service) listQueues(base, region, prefix string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for _, q := range s.queues {
		if q.region == region && strings.HasPrefix(q.name, prefix) {
			names = append(names, q.name)
		}
	}
	sort.Strings(names)
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = s.queueURL(base, n)
	}
	return out
}

// DeleteQueue deletes a queue and its messages; long polls waiting on it return empty.
func (s *Service) DeleteQueue(queueURL string) (err error) {
	defer s.j.SyncInto(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.lookup(queueURL)
	if err != nil {
		return err
	}
	delete(s.queues, qkey(q.region, q.name))
	s.forgetQueue(q.region, q.name)
	q.wake()
	return nil
}

// PurgeQueue deletes every message of a queue; AWS allows one purge per queue every 60 seconds.
func (s *Service) PurgeQueue(queueURL string) (err error) {
	defer s.j.SyncInto(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.lookup(queueURL)
	if err != nil {
		return err
	}
	now := s.cfg.Clock.Now()
	if !q.lastPurge.IsZero() && now.Sub(q.lastPurge) < time.Minute {
		return &Error{Status: 400, Code: "AWS.SimpleQueueService.PurgeQueueInProgress", Shape: "PurgeQueueInProgress",
			Message: "Only one PurgeQueue operation on " + q.name + " is allowed every 60 seconds."}
	}
	q.lastPurge = now
	s.persistQueue(q)
	for _, m := range q.msgs {
		q.gone(m, now)
		s.persistMessage(q, m)
	}
	q.msgs = nil
	return nil
}

// GetQueueAttributes returns the named attributes ("All" for every one) of a queue.
func (s *Service) GetQueueAttributes(queueURL string, names []string) (_ map[string]string, err error) {
	defer s.j.SyncInto(&err) // expire may have dropped messages
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.lookup(queueURL)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Clock.Now()
	s.expire(q, now)
	var visible, inFlight, delayed int
	for _, m := range q.msgs {
		switch {
		case m.inFlight && m.visibleAt.After(now):
			inFlight++
		case m.visibleAt.After(now):
			delayed++
		default:
			visible++
		}
	}
	all := map[string]string{
		"QueueArn":                              s.queueArn(q.region, q.name),
		"ApproximateNumberOfMessages":           strconv.Itoa(visible),
		"ApproximateNumberOfMessagesNotVisible": strconv.Itoa(inFlight),
		"ApproximateNumberOfMessagesDelayed":    strconv.Itoa(delayed),
		"CreatedTimestamp":                      strconv.FormatInt(q.created.Unix(), 10),
		"LastModifiedTimestamp":                 strconv.FormatInt(q.modified.Unix(), 10),
	}
	for k, v := range q.attrs {
		all[k] = v
	}
	out := map[string]string{}
	for _, n := range names {
		if n == "All" {
			return all, nil
		}
		v, ok := all[n]
		if !ok {
			if !validAttrName(n) {
				return nil, errInvalidAttributeName(n)
			}
			continue
		}
		out[n] = v
	}
	return out, nil
}

func validAttrName(n string) bool {
	switch n {
	case "Policy", "RedrivePolicy", "RedriveAllowPolicy", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds",
		"FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit":
		return true
	}
	return false
}

// wake tells long polls to look again. The caller holds s.mu.
func (q *queue) wake() {
	close(q.notify)
	q.notify = make(chan struct{})
}

// expire drops messages older than the retention period, dedup entries older than the
// deduplication window and the receipt handles of messages gone for receiptLifetime. Each list
// is in time order, so this costs only what it removes. The caller holds s.mu.
func (s *Service) expire(q *queue, now time.Time) {
	ret, _ := strconv.Atoi(q.attrs["MessageRetentionPeriod"])
	n := 0
	for n < len(q.msgs) && now.Sub(q.msgs[n].sent) >= time.Duration(ret)*time.Second {
		q.gone(q.msgs[n], now)
		s.persistMessage(q, q.msgs[n])
		n++
	}
	if n > 0 {
		clear(q.msgs[:n])
		q.msgs = q.msgs[n:]
	}
	for len(q.dedupOrder) > 0 {
		k := q.dedupOrder[0]
		if d, ok := q.dedup[k]; ok && now.Sub(d.at) < dedupWindow {
			break
		}
		delete(q.dedup, k)
		s.forgetDedup(q, k)
		q.dedupOrder = q.dedupOrder[1:]
	}
	for len(q.deleted) > 0 && now.Sub(q.deleted[0].deleted) >= receiptLifetime {
		for _, r := range q.deleted[0].receipts {
			delete(q.receipts, r)
		}
		s.forgetMessage(q, q.deleted[0])
		q.deleted[0] = nil
		q.deleted = q.deleted[1:]
	}
}

// gone records that m left the queue; its receipt handles stay valid for receiptLifetime.
func (q *queue) gone(m *message, now time.Time) {
	m.deleted = now
	q.deleted = append(q.deleted, m)
}

func contentDedupID(body string) string {
	sum := sha256.Sum256([]byte(body))
	return hex.EncodeToString(sum[:])
}

func newID() string { return uuid.NewString() }
