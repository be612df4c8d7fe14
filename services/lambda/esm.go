package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
)

// QueueMessage is one message received from an SQS queue for an event source mapping.
type QueueMessage struct {
	MessageID     string
	ReceiptHandle string
	Body          string
	MD5OfBody     string
	// Attributes are the message's system attributes (ApproximateReceiveCount, SentTimestamp...).
	Attributes map[string]string
	// MessageAttributes are its user attributes.
	MessageAttributes map[string]QueueMessageAttribute
}

// QueueMessageAttribute is an SQS message attribute.
type QueueMessageAttribute struct {
	DataType    string
	StringValue string
	BinaryValue []byte
}

// QueuePoller is the SQS a mapping polls; the server wires it to the SQS fake with
// SetQueuePoller, so that this package does not import it.
type QueuePoller interface {
	// Exists tells whether the queue of an ARN exists.
	Exists(queueArn string) bool
	// Receive long-polls up to max messages for at most wait, hiding them for the queue's
	// visibility timeout (so a message whose batch fails comes back, and moves to the queue's
	// dead-letter queue after its maxReceiveCount).
	Receive(ctx context.Context, queueArn string, max int, wait time.Duration) ([]QueueMessage, error)
	// Delete deletes messages by receipt handle.
	Delete(ctx context.Context, queueArn string, receiptHandles []string) error
}

// SetQueuePoller installs the SQS that event source mappings poll.
func (s *Service) SetQueuePoller(p QueuePoller) {
	s.esmMu.Lock()
	defer s.esmMu.Unlock()
	s.poller = p
	for _, m := range s.esms { // mappings loaded from the store
		if m.conf.State == "Enabled" && m.cancel == nil && p != nil {
			s.startPollerLocked(m)
		}
	}
}

// EventSourceMapping is an event source mapping as the Lambda API returns it.
type EventSourceMapping struct {
	UUID                           string   `json:"UUID"`
	BatchSize                      int      `json:"BatchSize"`
	MaximumBatchingWindowInSeconds int      `json:"MaximumBatchingWindowInSeconds"`
	EventSourceArn                 string   `json:"EventSourceArn"`
	EventSourceMappingArn          string   `json:"EventSourceMappingArn"`
	FunctionArn                    string   `json:"FunctionArn"`
	LastModified                   float64  `json:"LastModified"`
	State                          string   `json:"State"`
	StateTransitionReason          string   `json:"StateTransitionReason"`
	FunctionResponseTypes          []string `json:"FunctionResponseTypes"`
}

// esm is a mapping and its poller.
type esm struct {
	conf   EventSourceMapping
	cancel context.CancelFunc
	done   chan struct{}
}

// EventSourceMappingInput is a CreateEventSourceMapping or UpdateEventSourceMapping request.
type EventSourceMappingInput struct {
	EventSourceArn                 string
	FunctionName                   string
	Enabled                        *bool
	BatchSize                      *int
	MaximumBatchingWindowInSeconds *int
	FunctionResponseTypes          []string
}

func errESMNotFound(uuid string) *APIError {
	return errNotFound("The resource you requested does not exist. (Service: Lambda, Status Code: 404, Request ID: %s)", uuid)
}

func checkESMSettings(batch, window int, types []string) error {
	if batch < 1 || batch > 10000 {
		return errValidation(strconv.Itoa(batch), "batchSize", "Member must have value between 1 and 10000")
	}
	if window < 0 || window > 300 {
		return errValidation(strconv.Itoa(window), "maximumBatchingWindowInSeconds", "Member must have value less than or equal to 300")
	}
	if batch > 10 && window == 0 {
		return errInvalidParam("Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10")
	}
	for _, t := range types {
		if t != "ReportBatchItemFailures" {
			return errValidation("'["+t+"]'", "functionResponseTypes", "Member must satisfy constraint: [Member must satisfy enum value set: [ReportBatchItemFailures]]")
		}
	}
	return nil
}

// CreateEventSourceMapping maps an SQS queue to a function and starts polling it.
func (s *Service) CreateEventSourceMapping(in *EventSourceMappingInput) (*EventSourceMapping, error) {
	if in.EventSourceArn == "" {
		return nil, errInvalidParam("Unrecognized event source, must be kafka or specify a valid event source arn.")
	}
	if !strings.HasPrefix(in.EventSourceArn, "arn:aws:sqs:") {
		return nil, errInvalidParam("Unrecognized event source. sfnlocal maps SQS queues only.")
	}
	_, v, aerr := s.resolve("", in.FunctionName, "", false)
	if aerr != nil {
		return nil, aerr
	}
	conf := EventSourceMapping{
		UUID: newUUID(), BatchSize: 10, EventSourceArn: in.EventSourceArn, FunctionArn: v.conf.FunctionArn,
		State: "Creating", StateTransitionReason: "USER_INITIATED", FunctionResponseTypes: []string{},
	}
	if q := qualifierOf(in.FunctionName); q != "" {
		conf.FunctionArn = v.conf.FunctionArn + ":" + q
	}
	conf.EventSourceMappingArn = fmt.Sprintf("arn:aws:lambda:%s:%s:event-source-mapping:%s", s.cfg.Region, s.cfg.AccountID, conf.UUID)
	if in.BatchSize != nil {
		conf.BatchSize = *in.BatchSize
	}
	if in.MaximumBatchingWindowInSeconds != nil {
		conf.MaximumBatchingWindowInSeconds = *in.MaximumBatchingWindowInSeconds
	}
	if in.FunctionResponseTypes != nil {
		conf.FunctionResponseTypes = in.FunctionResponseTypes
	}
	if err := checkESMSettings(conf.BatchSize, conf.MaximumBatchingWindowInSeconds, conf.FunctionResponseTypes); err != nil {
		return nil, err
	}
	s.esmMu.Lock()
	defer s.esmMu.Unlock()
	if s.poller == nil || !s.poller.Exists(in.EventSourceArn) {
		return nil, errInvalidParam("Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist.")
	}
	for _, m := range s.esms {
		if m.conf.EventSourceArn == conf.EventSourceArn && m.conf.FunctionArn == conf.FunctionArn {
			return nil, errConflict("An event source mapping with SQS arn (\" %s \") and function (\" %s \") already exists. Please update or delete the existing mapping with UUID %s", conf.EventSourceArn, v.conf.FunctionName, m.conf.UUID)
		}
	}
	conf.LastModified = epoch(s.clk.Now())
	m := &esm{conf: conf}
	s.esms[conf.UUID] = m
	out := conf
	enabled := in.Enabled == nil || *in.Enabled
	if enabled {
		m.conf.State = "Enabled"
		s.startPollerLocked(m)
	} else {
		m.conf.State = "Disabled"
	}
	s.persistESM(m)
	if err := s.j.Sync(); err != nil { // under esmMu: mappings change rarely
		return nil, err
	}
	return &out, nil
}

func qualifierOf(name string) string {
	_, q, err := splitName(name)
	if err != nil {
		return ""
	}
	return q
}

func epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

// GetEventSourceMapping returns a mapping by UUID.
func (s *Service) GetEventSourceMapping(uuid string) (*EventSourceMapping, error) {
	s.esmMu.Lock()
	defer s.esmMu.Unlock()
	m, ok := s.esms[uuid]
	if !ok {
		return nil, errESMNotFound(uuid)
	}
	out := m.conf
	return &out, nil
}

// ListEventSourceMappings lists mappings, of one queue and/or function when given.
func (s *Service) ListEventSourceMappings(sourceArn, functionName string) ([]EventSourceMapping, error) {
	fnArn := ""
	if functionName != "" {
		_, v, aerr := s.resolve("", functionName, "", false)
		if aerr != nil {
			return nil, aerr
		}
		fnArn = v.conf.FunctionArn
		if q := qualifierOf(functionName); q != "" {
			fnArn = v.conf.FunctionArn + ":" + q
		}
	}
	s.esmMu.Lock()
	defer s.esmMu.Unlock()
	out := []EventSourceMapping{}
	for _, m := range s.esms {
		if (sourceArn == "" || m.conf.EventSourceArn == sourceArn) && (fnArn == "" || m.conf.FunctionArn == fnArn) {
			out = append(out, m.conf)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].UUID < out[j].UUID })
	return out, nil
}

// UpdateEventSourceMapping changes a mapping's function, batch settings or Enabled.
func (s *Service) UpdateEventSourceMapping(uuid string, in *EventSourceMappingInput) (*EventSourceMapping, error) {
	var fnArn string
	if in.FunctionName != "" {
		_, v, aerr := s.resolve("", in.FunctionName, "", false)
		if aerr != nil {
			return nil, aerr
		}
		fnArn = v.conf.FunctionArn
	}
	s.esmMu.Lock()
	defer s.esmMu.Unlock()
	m, ok := s.esms[uuid]
	if !ok {
		return nil, errESMNotFound(uuid)
	}
	conf := m.conf
	if fnArn != "" {
		conf.FunctionArn = fnArn
	}
	if in.BatchSize != nil {
		conf.BatchSize = *in.BatchSize
	}
	if in.MaximumBatchingWindowInSeconds != nil {
		conf.MaximumBatchingWindowInSeconds = *in.MaximumBatchingWindowInSeconds
	}
	if in.FunctionResponseTypes != nil {
		conf.FunctionResponseTypes = in.FunctionResponseTypes
	}
	if err := checkESMSettings(conf.BatchSize, conf.MaximumBatchingWindowInSeconds, conf.FunctionResponseTypes); err != nil {
		return nil, err
	}
	enabled := conf.State == "Enabled"
	if in.Enabled != nil {
		enabled = *in.Enabled
	}
	s.stopPollerLocked(m)
	conf.LastModified = epoch(s.clk.Now())
	m.conf = conf
	if enabled {
		m.conf.State = "Enabled"
		s.startPollerLocked(m)
	} else {
		m.conf.State = "Disabled"
	}
	s.persistESM(m)
	if err := s.j.Sync(); err != nil { // under esmMu: mappings change rarely
		return nil, err
	}
	out := m.conf
	return &out, nil
}

// DeleteEventSourceMapping stops and removes a mapping; the answer shows it Deleting.
func (s *Service) DeleteEventSourceMapping(uuid string) (*EventSourceMapping, error) {
	s.esmMu.Lock()
	m, ok := s.esms[uuid]
	if !ok {
		s.esmMu.Unlock()
		return nil, errESMNotFound(uuid)
	}
	delete(s.esms, uuid)
	s.forgetESM(uuid)
	s.stopPollerLocked(m)
	s.esmMu.Unlock()
	if err := s.j.Sync(); err != nil {
		return nil, err
	}
	out := m.conf
	out.State = "Deleting"
	return &out, nil
}

// startPollerLocked starts m's poller; s.esmMu must be held.
func (s *Service) startPollerLocked(m *esm) {
	ctx, cancel := context.WithCancel(s.ctx)
	m.cancel, m.done = cancel, make(chan struct{})
	conf, poller, done := m.conf, s.poller, m.done
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		defer close(done)
		s.poll(ctx, conf, poller)
	}()
}

// stopPollerLocked stops m's poller without waiting (a batch in flight finishes).
func (s *Service) stopPollerLocked(m *esm) {
	if m.cancel != nil {
		m.cancel()
		m.cancel = nil
	}
}

// longPoll is how long one receive waits (SQS's maximum).
const longPoll = 20 * time.Second

// poll is a mapping's poller: it gathers a batch (up to BatchSize, or what arrives within the
// batching window), invokes the function with it and deletes what succeeded.
func (s *Service) poll(ctx context.Context, conf EventSourceMapping, q QueuePoller) {
	log := s.log.With(zap.String("uuid", conf.UUID), zap.String("event_source_arn", conf.EventSourceArn), zap.String("function_arn", conf.FunctionArn))
	window := time.Duration(conf.MaximumBatchingWindowInSeconds) * time.Second
	for ctx.Err() == nil {
		batch, err := q.Receive(ctx, conf.EventSourceArn, min(conf.BatchSize, 10), longPoll)
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("event source mapping could not receive", zap.Error(err))
				// The queue may be gone: wait before the next try.
				t := s.clk.NewTimer(longPoll)
				select {
				case <-ctx.Done():
				case <-t.C():
				}
				t.Stop()
			}
			continue
		}
		if len(batch) == 0 {
			continue
		}
		deadline := s.clk.Now().Add(window)
		for len(batch) < conf.BatchSize && ctx.Err() == nil {
			left := deadline.Sub(s.clk.Now())
			if left <= 0 {
				break
			}
			more, err := q.Receive(ctx, conf.EventSourceArn, min(conf.BatchSize-len(batch), 10), min(left, longPoll))
			if err != nil {
				break
			}
			batch = append(batch, more...)
		}
		s.runBatch(ctx, log, conf, q, batch)
	}
}

// sqsRecord is one record of the SQS event Lambda passes to the function.
type sqsRecord struct {
	MessageID         string                     `json:"messageId"`
	ReceiptHandle     string                     `json:"receiptHandle"`
	Body              string                     `json:"body"`
	Attributes        map[string]string          `json:"attributes"`
	MessageAttributes map[string]sqsRecordAttrib `json:"messageAttributes"`
	MD5OfBody         string                     `json:"md5OfBody"`
	EventSource       string                     `json:"eventSource"`
	EventSourceARN    string                     `json:"eventSourceARN"`
	AwsRegion         string                     `json:"awsRegion"`
}

type sqsRecordAttrib struct {
	StringValue      *string  `json:"stringValue,omitempty"`
	BinaryValue      []byte   `json:"binaryValue,omitempty"`
	StringListValues []string `json:"stringListValues"`
	BinaryListValues []string `json:"binaryListValues"`
	DataType         string   `json:"dataType"`
}

// SQSEvent renders messages as the event Lambda invokes a function with.
func SQSEvent(queueArn, region string, msgs []QueueMessage) []byte {
	recs := make([]sqsRecord, 0, len(msgs))
	for _, m := range msgs {
		attrs := map[string]sqsRecordAttrib{}
		for k, a := range m.MessageAttributes {
			ra := sqsRecordAttrib{DataType: a.DataType, StringListValues: []string{}, BinaryListValues: []string{}}
			if strings.HasPrefix(a.DataType, "Binary") {
				ra.BinaryValue = a.BinaryValue
			} else {
				v := a.StringValue
				ra.StringValue = &v
			}
			attrs[k] = ra
		}
		sys := map[string]string{}
		for _, k := range []string{"ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp", "SequenceNumber", "MessageGroupId", "MessageDeduplicationId"} {
			if v, ok := m.Attributes[k]; ok {
				sys[k] = v
			}
		}
		recs = append(recs, sqsRecord{
			MessageID: m.MessageID, ReceiptHandle: m.ReceiptHandle, Body: m.Body, Attributes: sys, MessageAttributes: attrs,
			MD5OfBody: m.MD5OfBody, EventSource: "aws:sqs", EventSourceARN: queueArn, AwsRegion: region,
		})
	}
	return mustJSON(map[string]any{"Records": recs})
}

// runBatch invokes the function with one batch and deletes the messages that succeeded: all of
// them, or with ReportBatchItemFailures all but the batchItemFailures. A failed invocation
// deletes nothing; the messages come back after their visibility timeout.
func (s *Service) runBatch(ctx context.Context, log *zap.Logger, conf EventSourceMapping, q QueuePoller, batch []QueueMessage) {
	out, err := s.Invoke(ctx, &InvokeInput{FunctionName: conf.FunctionArn, Payload: SQSEvent(conf.EventSourceArn, s.cfg.Region, batch)})
	if err != nil {
		log.Warn("event source mapping could not invoke its function", zap.Error(err))
		return
	}
	if out.FunctionError != "" {
		log.Info("function failed its SQS batch; the messages will be received again", zap.Int("batch_size", len(batch)), zap.ByteString("error", out.Payload))
		return
	}
	keep := map[string]bool{}
	if len(conf.FunctionResponseTypes) > 0 {
		failed, ok := batchItemFailures(out.Payload, batch)
		if !ok {
			log.Info("function returned an invalid partial batch response; the whole batch failed")
			return
		}
		for _, id := range failed {
			keep[id] = true
		}
	}
	var handles []string
	for _, m := range batch {
		if !keep[m.MessageID] {
			handles = append(handles, m.ReceiptHandle)
		}
	}
	if len(handles) == 0 {
		return
	}
	if err := q.Delete(ctx, conf.EventSourceArn, handles); err != nil && !errors.Is(err, context.Canceled) {
		log.Warn("event source mapping could not delete processed messages", zap.Error(err))
	}
}

// batchItemFailures reads a partial batch response ({"batchItemFailures":[{"itemIdentifier":
// id}]}). An empty or null response, or an empty list, means success; ok is false when the
// response is malformed or names a message not in the batch (Lambda then fails the batch).
func batchItemFailures(payload []byte, batch []QueueMessage) (ids []string, ok bool) {
	trimmed := strings.TrimSpace(string(payload))
	if trimmed == "" || trimmed == "null" || trimmed == "{}" {
		return nil, true
	}
	var resp struct {
		BatchItemFailures []struct {
			ItemIdentifier *string `json:"itemIdentifier"`
		} `json:"batchItemFailures"`
	}
	if err := json.Unmarshal(payload, &resp); err != nil {
		return nil, false
	}
	inBatch := map[string]bool{}
	for _, m := range batch {
		inBatch[m.MessageID] = true
	}
	for _, f := range resp.BatchItemFailures {
		if f.ItemIdentifier == nil || !inBatch[*f.ItemIdentifier] {
			return nil, false
		}
		ids = append(ids, *f.ItemIdentifier)
	}
	return ids, true
}

// ESM HTTP handlers (/2015-03-31/event-source-mappings).

type esmWireInput struct {
	EventSourceArn                 string
	FunctionName                   string
	Enabled                        *bool
	BatchSize                      *int
	MaximumBatchingWindowInSeconds *int
	FunctionResponseTypes          []string
}

func (w esmWireInput) input() *EventSourceMappingInput {
	return &EventSourceMappingInput{
		EventSourceArn: w.EventSourceArn, FunctionName: w.FunctionName, Enabled: w.Enabled, BatchSize: w.BatchSize,
		MaximumBatchingWindowInSeconds: w.MaximumBatchingWindowInSeconds, FunctionResponseTypes: w.FunctionResponseTypes,
	}
}

func (s *Service) handleCreateESM(w http.ResponseWriter, r *http.Request) {
	var in esmWireInput
	if err := readJSON(r, "CreateEventSourceMapping", &in); err != nil {
		writeError(w, err)
		return
	}
	out, err := s.CreateEventSourceMapping(in.input())
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusAccepted, out)
}

func (s *Service) handleListESM(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	list, err := s.ListEventSourceMappings(q.Get("EventSourceArn"), q.Get("FunctionName"))
	if err != nil {
		writeError(w, err)
		return
	}
	from := 0
	if m := q.Get("Marker"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 0 || n > len(list) {
			writeError(w, errInvalidParam("Invalid marker"))
			return
		}
		from = n
	}
	to := len(list)
	out := map[string]any{}
	if mi := q.Get("MaxItems"); mi != "" {
		n, err := strconv.Atoi(mi)
		if err != nil || n < 1 || n > 10000 {
			writeError(w, errValidation(mi, "maxItems", "Member must have value between 1 and 10000"))
			return
		}
		if from+n < to {
			to = from + n
			out["NextMarker"] = strconv.Itoa(to)
		}
	}
	out["EventSourceMappings"] = list[from:to]
	writeJSON(w, http.StatusOK, out)
}

func (s *Service) handleGetESM(w http.ResponseWriter, r *http.Request) {
	out, err := s.GetEventSourceMapping(r.PathValue("uuid"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Service) handleUpdateESM(w http.ResponseWriter, r *http.Request) {
	var in esmWireInput
	if err := readJSON(r, "UpdateEventSourceMapping", &in); err != nil {
		writeError(w, err)
		return
	}
	out, err := s.UpdateEventSourceMapping(r.PathValue("uuid"), in.input())
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusAccepted, out)
}

func (s *Service) handleDeleteESM(w http.ResponseWriter, r *http.Request) {
	out, err := s.DeleteEventSourceMapping(r.PathValue("uuid"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusAccepted, out)
}

// esmState holds the mappings; embedded in Service.
type esmState struct {
	esmMu  sync.Mutex
	esms   map[string]*esm
	poller QueuePoller
}
