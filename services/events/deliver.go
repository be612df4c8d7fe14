package events

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap"
)

// Delivery is one event (or its transformation) on its way to one target.
type Delivery struct {
	// Arn is the target's ARN (a state machine, function, queue, topic).
	Arn string
	// Input is what the target receives: the event's JSON, or what InputPath, Input or
	// InputTransformer made of it.
	Input []byte
	// Target is the target as given to PutTargets (SqsParameters, RoleArn, ...); nil for a
	// dead-letter message.
	Target map[string]any
	// Attributes are SQS message attributes, set on dead-letter messages.
	Attributes map[string]string
	// RuleArn is the rule that matched.
	RuleArn string
	// EventID is the event's id (FIFO queue targets use it as the deduplication id).
	EventID string
}

// Sink delivers to the targets of one AWS service. The server wires one per service ("states",
// "lambda", "sqs", "sns") with SetSink, so that this package imports none of them.
//
// A sink returns an error wrapping ErrTargetNotFound when the target does not exist (the
// delivery then goes to the dead-letter queue at once, as on AWS); any other error is retried
// under the target's RetryPolicy.
type Sink interface {
	Deliver(ctx context.Context, d Delivery) error
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(ctx context.Context, d Delivery) error

// Deliver calls f.
func (f SinkFunc) Deliver(ctx context.Context, d Delivery) error { return f(ctx, d) }

// ErrTargetNotFound is wrapped by sinks whose target resource does not exist.
var ErrTargetNotFound = errors.New("target resource does not exist")

// Delivery limits. AWS's defaults for RetryPolicy are 185 attempts and 24 hours.
const (
	maxQueuedPerRule     = 10000
	defaultRetryAttempts = 185
	defaultMaxEventAge   = 24 * time.Hour
	firstBackoff         = time.Second
	maxBackoff           = time.Minute
	maxBusHops           = 5
)

// SetSink installs the sink for targets whose ARN names service (the ARN's third field).
func (s *Service) SetSink(service string, sink Sink) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sinks[service] = sink
}

// job is one delivery of one event to one target, with its retry state.
type job struct {
	d        Delivery
	event    []byte // the original event, for the dead-letter queue
	targetID string
	dlq      string
	attempts int // failed attempts so far
	maxTries int
	deadline time.Time
	hops     int // event bus to event bus forwards so far

	// With a store: key and rec are the job's record (persist.go); resumed marks a job read
	// back at start, until its first attempt.
	key     string
	rec     *jobRecord
	resumed bool
}

// durableJobs is what the store adds to deliveries (persist.go); unused in memory mode.
type durableJobs struct {
	seq     uint64 // the last job record's number; under Service.mu
	resumed []*job // read at New, queued by Resume
	closed  atomic.Bool
}

// enqueue adds j to the rule's delivery queue without blocking; a full queue drops the job
// (logged).
func (s *Service) enqueue(ruleArn string, j *job) {
	if !s.deliveries.Add(ruleArn, j) {
		s.cfg.Logger.Warn("event not delivered: the rule's delivery queue is full or closed", zap.String("rule_arn", ruleArn), zap.String("target_arn", j.d.Arn))
		if !s.jobs.closed.Load() { // after Close the record stays, for the next start
			s.forgetJob(j)
		}
	}
}

// retryLater queues j again after wait.
func (s *Service) retryLater(ruleArn string, j *job, wait time.Duration) {
	s.cfg.Clock.AfterFunc(wait, func() { s.enqueue(ruleArn, j) })
}

// attempt delivers j once and decides what a failure leads to: a retry later, the dead-letter
// queue, or nothing.
func (s *Service) attempt(ruleArn string, j *job) {
	if j.resumed {
		j.resumed = false
		if s.expired(ruleArn, j) {
			return
		}
	}
	err := s.send(j)
	if err == nil {
		s.forgetJob(j)
		return
	}
	if j.key != "" && s.ctx.Err() != nil {
		return // cut short by Close: the record stays as it was, for the next start
	}
	j.attempts++
	log := s.cfg.Logger.With(zap.String("rule_arn", ruleArn), zap.String("target_arn", j.d.Arn), zap.Int("attempts", j.attempts), zap.Error(err))
	now := s.cfg.Clock.Now()
	notFound := errors.Is(err, ErrTargetNotFound)
	if !notFound && j.attempts <= j.maxTries {
		wait := firstBackoff << min(j.attempts-1, 10)
		wait = min(wait, maxBackoff)
		if now.Add(wait).Before(j.deadline) {
			log.Debug("event delivery failed; retrying", zap.Duration("backoff", wait))
			s.recordAttempt(j, now.Add(wait), err)
			s.retryLater(ruleArn, j, wait)
			return
		}
	}
	condition := "MaximumRetryAttempts"
	switch {
	case notFound:
		condition = ""
	case !now.Before(j.deadline):
		condition = "MaximumEventAgeInSeconds"
	}
	s.giveUp(ruleArn, j, err, notFound, condition, log)
}

// expired gives up a job read back at start whose event is older than its target's
// MaximumEventAgeInSeconds by the time it comes up (the process was down meanwhile), as
// EventBridge drops or dead-letters such an event without trying it again.
func (s *Service) expired(ruleArn string, j *job) bool {
	if s.cfg.Clock.Now().Before(j.deadline) {
		return false
	}
	why := "the event is older than the target's MaximumEventAgeInSeconds"
	if j.rec != nil && j.rec.Error != "" {
		why = j.rec.Error
	}
	err := errors.New(why)
	log := s.cfg.Logger.With(zap.String("rule_arn", ruleArn), zap.String("target_arn", j.d.Arn), zap.Int("attempts", j.attempts), zap.Error(err))
	s.giveUp(ruleArn, j, err, false, "MaximumEventAgeInSeconds", log)
	return true
}

// giveUp ends a job that will not be tried again: its event goes to the dead-letter queue when
// the target has one, and is dropped otherwise.
func (s *Service) giveUp(ruleArn string, j *job, err error, notFound bool, condition string, log *zap.Logger) {
	defer s.forgetJob(j)
	if j.dlq == "" {
		log.Warn("event delivery failed; event dropped (no dead-letter queue)")
		return
	}
	code := "SDK_CLIENT_ERROR"
	if notFound {
		code = "RESOURCE_NOT_FOUND"
	}
	attrs := map[string]string{
		"RULE_ARN":       ruleArn,
		"TARGET_ARN":     j.d.Arn,
		"ERROR_CODE":     code,
		"ERROR_MESSAGE":  err.Error(),
		"RETRY_ATTEMPTS": fmt.Sprint(max(j.attempts-1, 0)),
	}
	if condition != "" {
		attrs["EXHAUSTED_RETRY_CONDITION"] = condition
	}
	dl := &job{d: Delivery{Arn: j.dlq, Input: j.event, Attributes: attrs, RuleArn: ruleArn}}
	if derr := s.send(dl); derr != nil {
		log.Warn("event delivery failed and the dead-letter queue refused it; event dropped", zap.String("dead_letter_arn", j.dlq), zap.NamedError("dlq_error", derr))
		return
	}
	log.Info("event delivery failed; event sent to the dead-letter queue", zap.String("dead_letter_arn", j.dlq))
}

// send hands the delivery to the sink of the target's service; an event bus target is routed
// here.
func (s *Service) send(j *job) error {
	svc := arnService(j.d.Arn)
	if svc == "events" {
		name, ok := busOfArn(j.d.Arn)
		if !ok {
			return fmt.Errorf("%w: %s", ErrTargetNotFound, j.d.Arn)
		}
		if j.hops >= maxBusHops {
			return fmt.Errorf("event forwarded between event buses more than %d times", maxBusHops)
		}
		return s.forward(name, j.d.Input, j.hops+1)
	}
	src := s // the sinks are installed on the default region's Service
	if s.root != nil {
		src = s.root
	}
	src.mu.Lock()
	sink := src.sinks[svc]
	src.mu.Unlock()
	if sink == nil {
		return fmt.Errorf("%w: sfnlocal cannot deliver to %s targets", ErrTargetNotFound, svc)
	}
	ctx := s.ctx
	return sink.Deliver(ctx, j.d)
}

// arnService returns the service field of an ARN ("arn:aws:sqs:..." → "sqs").
func arnService(arn string) string {
	parts := strings.SplitN(arn, ":", 4)
	if len(parts) < 4 || parts[0] != "arn" {
		return ""
	}
	return parts[2]
}

func busOfArn(arn string) (string, bool) {
	_, name, ok := strings.Cut(arn, ":event-bus/")
	return name, ok && name != ""
}

// forward puts an event (its JSON) on another bus, as a bus target does: the event keeps its
// id and fields.
func (s *Service) forward(busName string, event []byte, hops int) error {
	var env envelope
	if err := json.Unmarshal(event, &env); err != nil {
		return fmt.Errorf("forward to event bus %s: the input is not an event: %w", busName, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.buses[busName]; !ok {
		return fmt.Errorf("%w: event bus %s", ErrTargetNotFound, busName)
	}
	ev := Event{
		EventID: env.ID, EventBusName: busName, Source: env.Source, DetailType: env.DetailType, Detail: string(env.Detail),
		Resources: env.Resources, Account: env.Account, Region: env.Region,
	}
	ev.Time, _ = time.Parse(time.RFC3339, env.Time)
	s.keepLocked(ev)
	s.routeLocked(ev, hops)
	return nil
}

// envelope is an event as EventBridge sends it to targets, fields in AWS's order.
type envelope struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       string          `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

// eventJSON renders ev as targets receive it.
func eventJSON(ev Event) []byte {
	detail := []byte(ev.Detail)
	var buf bytes.Buffer
	if err := json.Compact(&buf, detail); err == nil {
		detail = buf.Bytes()
	} else {
		detail = []byte("{}")
	}
	res := ev.Resources
	if res == nil {
		res = []string{}
	}
	b, err := marshal(envelope{
		Version: "0", ID: ev.EventID, DetailType: ev.DetailType, Source: ev.Source, Account: ev.Account,
		Time: ev.Time.UTC().Format("2006-01-02T15:04:05Z"), Region: ev.Region, Resources: res, Detail: detail,
	})
	if err != nil {
		return nil
	}
	return []byte(strings.TrimSuffix(string(b), "\n"))
}

// routeLocked matches ev against the enabled rules of its bus and queues a delivery for every
// target of every matching rule. s.mu must be held; nothing here blocks.
func (s *Service) routeLocked(ev Event, hops int) {
	b, ok := s.buses[ev.EventBusName]
	if !ok || len(b.rules) == 0 {
		return
	}
	text := eventJSON(ev)
	var decoded map[string]any
	for _, name := range sortedRuleNames(b) {
		r := b.rules[name]
		if r.State == "DISABLED" || r.pattern == nil {
			continue
		}
		if decoded == nil {
			decoded = decodeObject(text)
		}
		if !r.pattern.Match(decoded) {
			continue
		}
		s.cfg.Logger.Debug("event matched rule", zap.String("rule_arn", r.Arn), zap.String("event_id", ev.EventID))
		s.dispatchLocked(r, b.targets[name], text, decoded, ev.Time, hops)
	}
}

// dispatchLocked queues text (transformed per target) for each target of rule r.
func (s *Service) dispatchLocked(r *Rule, targets []map[string]any, text []byte, decoded map[string]any, evTime time.Time, hops int) {
	now := s.cfg.Clock.Now()
	eventID, _ := decoded["id"].(string)
	for _, t := range targets {
		arn, _ := t["Arn"].(string)
		id, _ := t["Id"].(string)
		input, err := targetInput(t, text, decoded, r, now)
		if err != nil {
			s.cfg.Logger.Warn("event not delivered: the target's input could not be built", zap.String("rule_arn", r.Arn), zap.String("target_id", id), zap.Error(err))
			continue
		}
		j := &job{
			d:     Delivery{Arn: arn, Input: input, Target: t, RuleArn: r.Arn, EventID: eventID},
			event: text, targetID: id, maxTries: defaultRetryAttempts, deadline: now.Add(defaultMaxEventAge), hops: hops,
		}
		if rp, ok := t["RetryPolicy"].(map[string]any); ok {
			if n, ok := intOf(rp["MaximumRetryAttempts"]); ok {
				j.maxTries = n
			}
			if n, ok := intOf(rp["MaximumEventAgeInSeconds"]); ok {
				j.deadline = now.Add(time.Duration(n) * time.Second)
			}
		}
		if dl, ok := t["DeadLetterConfig"].(map[string]any); ok {
			j.dlq, _ = dl["Arn"].(string)
		}
		ruleArn := r.Arn
		s.persistJobLocked(r, j)
		// enqueue takes dmu, never mu: safe under s.mu.
		s.enqueue(ruleArn, j)
	}
}

func intOf(v any) (int, bool) {
	switch x := v.(type) {
	case json.Number:
		n, err := x.Int64()
		return int(n), err == nil
	case float64:
		return int(x), true
	case int:
		return x, true
	}
	return 0, false
}

// Flush waits until every delivery queued so far has been tried (retries scheduled on the
// clock are not waited for) and, with a store, until what the attempts changed is durable.
// Tests use it before reading what targets received.
func (s *Service) Flush() {
	s.deliveries.Flush()
	s.syncJobs()
}

// Close stops delivering (queued deliveries are dropped, but with a store they keep their
// records and the next start resumes them), stops the schedules and waits for deliveries in
// flight.
func (s *Service) Close() {
	s.regions.Each(func(_ string, r *Service) { r.Close() })
	s.jobs.closed.Store(true)
	s.deliveries.Close()
	s.mu.Lock()
	for _, b := range s.buses {
		for _, r := range b.rules {
			if r.timer != nil {
				r.timer.Stop()
			}
		}
	}
	s.mu.Unlock()
	s.cancel()
	s.deliveries.Wait()
	s.syncJobs()
}

func newEventID() string { return uuid.NewString() }
