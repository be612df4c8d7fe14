package events

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/awsproto"
	"github.com/sfnlocal/sfnlocal/internal/clock"
	dq "github.com/sfnlocal/sfnlocal/internal/delivery"
	"github.com/sfnlocal/sfnlocal/internal/regional"
	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/journal"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// DefaultBus is the name of the event bus every account has.
const DefaultBus = "default"

// Config configures the fake.
type Config struct {
	Clock     clock.Clock
	Logger    *zap.Logger
	Region    string
	AccountID string
	// DB, when set, keeps buses, rules, targets, connections and the kept events durably (see
	// persist.go); nil keeps them in memory.
	DB *storage.DB
}

// Service holds event buses, rules, targets and every event put.
type Service struct {
	cfg Config

	mu     sync.Mutex
	buses  map[string]*bus // by name
	events []Event
	conns  connections     // connections.go
	sinks  map[string]Sink // by ARN service

	// deliveries holds one ordered queue per rule (by ARN).
	deliveries *dq.Queues[*job]
	jobs       durableJobs // deliveries' records, with a store (deliver.go)
	// ctx is the component-lifetime context of deliveries, cancelled by Close.
	ctx    context.Context
	cancel context.CancelFunc

	j       *journal.Journal // nil in memory mode
	evSeq   uint64           // the last kept event's record number (durable mode)
	loadErr error
	// Buses, rules and connections are kept per region, as on AWS: each other region's are
	// held by a Service of their own (In), made at New when the store holds its state, else
	// on first use, which delivers through the sinks of root, the default region's Service.
	root    *Service
	regions regional.Set[*Service]
}

// In returns the Service holding the buses, rules and connections of region (the default
// region's for ""): requests signed for a region and Step Functions executions running in one
// use it.
func (s *Service) In(region string) *Service {
	if s.root != nil {
		return s.root.In(region)
	}
	return s.regions.In(region, s.cfg.Region, s, func(region string) (*Service, error) {
		cfg := s.cfg
		cfg.Region, cfg.DB = region, regional.DB(s.cfg.DB, region, s.cfg.Region) // its buckets in the store (persist.go)
		return newForRegion(cfg, s), nil
	})
}

// loadRegions makes the Service of every other region the store holds state of (persist.go),
// which re-arms its schedules, and adds their load errors to s's.
func (s *Service) loadRegions() {
	regions, err := regional.Stored(s.cfg.DB, bucketPrefix, s.cfg.Region)
	errs := []error{s.loadErr, err}
	for _, r := range regions {
		errs = append(errs, s.In(r).LoadError())
	}
	s.loadErr = errors.Join(errs...)
}

// ForArn returns the Service of the region an ARN names (the default region's when it names
// none): e.g. the event bus a Step Functions execution's status events go to.
func (s *Service) ForArn(arn string) *Service { return s.In(arnRegion(arn)) }

// arnRegion is the region field of an ARN (arn:partition:service:region:...), "" when absent.
func arnRegion(arn string) string {
	f := strings.SplitN(arn, ":", 5)
	if len(f) < 5 || f[0] != "arn" {
		return ""
	}
	return f[3]
}

type bus struct {
	name        string
	created     time.Time
	rules       map[string]*Rule
	targets     map[string][]map[string]any // rule name -> targets in insertion order
	description string
}

// Event is one event put, as kept for reading back.
type Event struct {
	EventID      string    `json:"EventId"`
	EventBusName string    `json:"EventBusName"`
	Source       string    `json:"Source"`
	DetailType   string    `json:"DetailType"`
	Detail       string    `json:"Detail"`
	Resources    []string  `json:"Resources"`
	TraceHeader  string    `json:"TraceHeader,omitempty"`
	Time         time.Time `json:"Time"`
	Account      string    `json:"Account"`
	Region       string    `json:"Region"`
}

// Rule is a rule on an event bus.
type Rule struct {
	Name               string `json:"Name"`
	Arn                string `json:"Arn"`
	EventPattern       string `json:"EventPattern,omitempty"`
	ScheduleExpression string `json:"ScheduleExpression,omitempty"`
	State              string `json:"State"`
	Description        string `json:"Description,omitempty"`
	RoleArn            string `json:"RoleArn,omitempty"`
	EventBusName       string `json:"EventBusName"`

	pattern *Pattern
	sched   *schedule
	created time.Time
	timer   clock.Timer
	gen     uint64
}

// Error is an EventBridge API error; Code is the exception name sent as __type.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func errValidation(msg string) *Error {
	return &Error{Status: 400, Code: "ValidationException", Message: msg}
}

func errNotFound(msg string) *Error {
	return &Error{Status: 400, Code: "ResourceNotFoundException", Message: msg}
}

func errRuleNotFound(rule, busName string) *Error {
	return errNotFound(fmt.Sprintf("Rule %s does not exist on EventBus %s.", rule, busName))
}

// New returns a fake holding only the default event bus, or, with a store, what it holds in
// every region.
func New(cfg Config) *Service {
	s := newForRegion(cfg, nil)
	if cfg.DB != nil {
		s.loadRegions()
	}
	return s
}

// newForRegion is New for one region: the default region's Service (root nil), or another
// region's (In), which delivers through root's sinks.
func newForRegion(cfg Config, root *Service) *Service {
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
	s := &Service{cfg: cfg, buses: map[string]*bus{}, sinks: map[string]Sink{}, root: root}
	s.deliveries = dq.New(maxQueuedPerRule, s.attempt)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.j = journal.New(cfg.DB)
	if cfg.DB != nil {
		s.mu.Lock()
		s.loadErr = s.load(cfg.DB)
		s.mu.Unlock()
	}
	if _, ok := s.buses[DefaultBus]; !ok {
		s.buses[DefaultBus] = newBus(DefaultBus, cfg.Clock.Now())
		s.persistBus(s.buses[DefaultBus])
		if err := s.j.Sync(); err != nil && s.loadErr == nil {
			s.loadErr = err
		}
	}
	return s
}

// LoadError reports a failure to read the durable state at New (nil in memory mode).
func (s *Service) LoadError() error { return s.loadErr }

func newBus(name string, now time.Time) *bus {
	return &bus{name: name, created: now.UTC(), rules: map[string]*Rule{}, targets: map[string][]map[string]any{}}
}

// Names: letters, digits and ".-_" (and "/" in bus names), 1 to 256 or 64 bytes.
func validBusName(s string) bool  { return awsproto.NameOK(s, 1, 256, "/.-_") }
func validRuleName(s string) bool { return awsproto.NameOK(s, 1, 64, ".-_") }
func validTargetID(s string) bool { return awsproto.NameOK(s, 1, 64, ".-_") }

// BusArn is the ARN of the event bus called name.
func (s *Service) BusArn(name string) string {
	return fmt.Sprintf("arn:%s:events:%s:%s:event-bus/%s", awsproto.Partition(s.cfg.Region), s.cfg.Region, s.cfg.AccountID, name)
}

func (s *Service) ruleArn(busName, rule string) string {
	if busName == DefaultBus {
		return fmt.Sprintf("arn:%s:events:%s:%s:rule/%s", awsproto.Partition(s.cfg.Region), s.cfg.Region, s.cfg.AccountID, rule)
	}
	return fmt.Sprintf("arn:%s:events:%s:%s:rule/%s/%s", awsproto.Partition(s.cfg.Region), s.cfg.Region, s.cfg.AccountID, busName, rule)
}

// busName accepts an event bus name or ARN ("" is the default bus).
func busName(nameOrArn string) string {
	if nameOrArn == "" {
		return DefaultBus
	}
	if strings.HasPrefix(nameOrArn, "arn:") {
		if _, name, ok := strings.Cut(nameOrArn, ":event-bus/"); ok {
			return name
		}
	}
	return nameOrArn
}

// BusInfo describes an event bus.
type BusInfo struct {
	Name         string
	Arn          string
	CreationTime time.Time
}

// CreateEventBus creates a custom event bus and returns its ARN.
func (s *Service) CreateEventBus(name, description string) (_ string, err error) {
	if !validBusName(name) {
		return "", errValidation(fmt.Sprintf("1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [/\\.\\-_A-Za-z0-9]+", name))
	}
	if name == DefaultBus || strings.Contains(name, "/") {
		return "", errValidation(fmt.Sprintf("Event bus name must not contain '/' and must not be 'default': %s", name))
	}
	defer s.j.SyncInto(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.buses[name]; ok {
		return "", &Error{Status: 400, Code: "ResourceAlreadyExistsException", Message: fmt.Sprintf("Event bus %s already exists.", name)}
	}
	b := newBus(name, s.cfg.Clock.Now())
	b.description = description
	s.buses[name] = b
	s.persistBus(b)
	return s.BusArn(name), nil
}

// DeleteEventBus deletes a custom event bus; deleting one that does not exist succeeds.
func (s *Service) DeleteEventBus(name string) (err error) {
	name = busName(name)
	if name == DefaultBus {
		return errValidation("Cannot delete event bus default.")
	}
	defer s.j.SyncInto(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.buses, name)
	s.forgetBus(name)
	return nil
}

// EventBuses lists the event buses whose name starts with prefix, by name.
func (s *Service) EventBuses(prefix string) []BusInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []BusInfo{}
	for name, b := range s.buses {
		if strings.HasPrefix(name, prefix) {
			out = append(out, BusInfo{Name: name, Arn: s.BusArn(name), CreationTime: b.created})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// DescribeEventBus describes one event bus (name or ARN; "" is the default bus).
func (s *Service) DescribeEventBus(nameOrArn string) (BusInfo, string, error) {
	name := busName(nameOrArn)
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.buses[name]
	if !ok {
		return BusInfo{}, "", errNotFound(fmt.Sprintf("Event bus %s does not exist.", name))
	}
	return BusInfo{Name: name, Arn: s.BusArn(name), CreationTime: b.created}, b.description, nil
}

// lockedBus returns the bus called nameOrArn; s.mu must be held.
func (s *Service) lockedBus(nameOrArn string) (*bus, error) {
	name := busName(nameOrArn)
	b, ok := s.buses[name]
	if !ok {
		return nil, errNotFound(fmt.Sprintf("Event bus %s does not exist.", name))
	}
	return b, nil
}

// PutRuleInput is a PutRule request.
type PutRuleInput struct {
	Name               string
	EventPattern       string
	ScheduleExpression string
	State              string
	Description        string
	RoleArn            string
	EventBusName       string
}

// PutRule creates or updates a rule and returns its ARN. The event pattern must be valid.
func (s *Service) PutRule(in PutRuleInput) (_ string, err error) {
	if !validRuleName(in.Name) {
		return "", errValidation(fmt.Sprintf("1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+", in.Name))
	}
	if in.EventPattern == "" && in.ScheduleExpression == "" {
		return "", errValidation("Parameter(s) EventPattern or ScheduleExpression must be specified.")
	}
	var pattern *Pattern
	if in.EventPattern != "" {
		p, err := CompilePattern(in.EventPattern)
		if err != nil {
			return "", err
		}
		pattern = p
	}
	var sched *schedule
	if in.ScheduleExpression != "" {
		sc, err := parseSchedule(in.ScheduleExpression)
		if err != nil {
			return "", err
		}
		sched = sc
	}
	switch in.State {
	case "":
		in.State = "ENABLED"
	case "ENABLED", "DISABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS":
	default:
		return "", errValidation(fmt.Sprintf("1 validation error detected: Value '%s' at 'state' failed to satisfy constraint: Member must satisfy enum value set: [ENABLED, DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS]", in.State))
	}
	defer s.j.SyncInto(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.lockedBus(in.EventBusName)
	if err != nil {
		return "", err
	}
	if sched != nil && b.name != DefaultBus {
		return "", errValidation("ScheduleExpression is supported only on the default event bus.")
	}
	r := &Rule{
		Name: in.Name, Arn: s.ruleArn(b.name, in.Name), EventPattern: in.EventPattern, ScheduleExpression: in.ScheduleExpression,
		State: in.State, Description: in.Description, RoleArn: in.RoleArn, EventBusName: b.name,
		pattern: pattern, sched: sched, created: s.cfg.Clock.Now(),
	}
	if old, ok := b.rules[in.Name]; ok {
		if old.timer != nil {
			old.timer.Stop()
		}
		old.gen++
		if old.ScheduleExpression == in.ScheduleExpression {
			r.created = old.created // the rate keeps its phase
		}
	}
	b.rules[in.Name] = r
	s.armLocked(r)
	s.persistRule(r)
	return r.Arn, nil
}

// Rules lists the rules of a bus whose name starts with prefix, by name.
func (s *Service) Rules(busNameOrArn, prefix string) ([]Rule, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.lockedBus(busNameOrArn)
	if err != nil {
		return nil, err
	}
	out := []Rule{}
	for name, r := range b.rules {
		if strings.HasPrefix(name, prefix) {
			out = append(out, *r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// DescribeRule returns one rule.
func (s *Service) DescribeRule(busNameOrArn, name string) (Rule, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.lockedBus(busNameOrArn)
	if err != nil {
		return Rule{}, err
	}
	r, ok := b.rules[name]
	if !ok {
		return Rule{}, errRuleNotFound(name, b.name)
	}
	return *r, nil
}

// DeleteRule deletes a rule that has no targets; deleting a missing rule succeeds.
func (s *Service) DeleteRule(busNameOrArn, name string) (err error) {
	defer s.j.SyncInto(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.lockedBus(busNameOrArn)
	if err != nil {
		return err
	}
	if len(b.targets[name]) > 0 {
		return errValidation("Rule can't be deleted since it has targets.")
	}
	if r, ok := b.rules[name]; ok {
		if r.timer != nil {
			r.timer.Stop()
		}
		r.gen++
	}
	delete(b.rules, name)
	delete(b.targets, name)
	s.forgetRule(b.name, name)
	return nil
}

// FailedTarget is a target that PutTargets or RemoveTargets could not handle.
type FailedTarget struct {
	TargetID     string `json:"TargetId"`
	ErrorCode    string `json:"ErrorCode"`
	ErrorMessage string `json:"ErrorMessage"`
}

// PutTargets adds or replaces (by Id) targets of a rule. Each target is kept as given; Id and
// Arn are required.
func (s *Service) PutTargets(busNameOrArn, rule string, targets []map[string]any) (_ []FailedTarget, err error) {
	if len(targets) == 0 || len(targets) > 10 {
		return nil, errValidation(fmt.Sprintf("1 validation error detected: Value at 'targets' failed to satisfy constraint: Member must have length between 1 and 10, got %d", len(targets)))
	}
	for _, t := range targets {
		id, _ := t["Id"].(string)
		arn, _ := t["Arn"].(string)
		if !validTargetID(id) {
			return nil, errValidation(fmt.Sprintf("1 validation error detected: Value '%s' at 'targets.1.member.id' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+", id))
		}
		if arn == "" {
			return nil, errValidation("1 validation error detected: Value null at 'targets.1.member.arn' failed to satisfy constraint: Member must not be null")
		}
		if msg := checkTarget(t); msg != "" {
			return nil, errValidation(msg)
		}
	}
	defer s.j.SyncInto(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.lockedBus(busNameOrArn)
	if err != nil {
		return nil, err
	}
	if _, ok := b.rules[rule]; !ok {
		return nil, errRuleNotFound(rule, b.name)
	}
	cur := b.targets[rule]
next:
	for _, t := range targets {
		for i, old := range cur {
			if old["Id"] == t["Id"] {
				cur[i] = t
				continue next
			}
		}
		cur = append(cur, t)
	}
	b.targets[rule] = cur
	s.persistTargets(b, rule)
	return []FailedTarget{}, nil
}

// Targets lists the targets of a rule in the order they were added.
func (s *Service) Targets(busNameOrArn, rule string) ([]map[string]any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.lockedBus(busNameOrArn)
	if err != nil {
		return nil, err
	}
	if _, ok := b.rules[rule]; !ok {
		return nil, errRuleNotFound(rule, b.name)
	}
	return append([]map[string]any{}, b.targets[rule]...), nil
}

// RemoveTargets removes targets of a rule by Id; unknown Ids are ignored, as on AWS.
func (s *Service) RemoveTargets(busNameOrArn, rule string, ids []string) (_ []FailedTarget, err error) {
	if len(ids) == 0 {
		return nil, errValidation("1 validation error detected: Value '[]' at 'ids' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	defer s.j.SyncInto(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.lockedBus(busNameOrArn)
	if err != nil {
		return nil, err
	}
	if _, ok := b.rules[rule]; !ok {
		return nil, errRuleNotFound(rule, b.name)
	}
	drop := map[string]bool{}
	for _, id := range ids {
		drop[id] = true
	}
	kept := b.targets[rule][:0:0]
	for _, t := range b.targets[rule] {
		if id, _ := t["Id"].(string); !drop[id] {
			kept = append(kept, t)
		}
	}
	b.targets[rule] = kept
	s.persistTargets(b, rule)
	return []FailedTarget{}, nil
}

// Entry is one PutEvents request entry. Detail is JSON text.
type Entry struct {
	Source       string
	DetailType   string
	Detail       string
	HasDetail    bool
	EventBusName string
	Resources    []string
	Time         time.Time
	TraceHeader  string
}

// ResultEntry is the result of one entry: an EventId, or an ErrorCode and ErrorMessage.
type ResultEntry struct {
	EventID      string `json:"EventId,omitempty"`
	ErrorCode    string `json:"ErrorCode,omitempty"`
	ErrorMessage string `json:"ErrorMessage,omitempty"`
}

// maxEventsSize is PutEvents' limit on the total entry size (256 KB).
const maxEventsSize = 256 * 1024

// PutEvents checks and records entries. A bad entry fails alone, as on AWS; only a bad
// request as a whole (no entries, more than ten, too large) returns an error.
func (s *Service) PutEvents(entries []Entry) (_ []ResultEntry, _ int, err error) {
	if len(entries) == 0 {
		return nil, 0, errValidation("1 validation error detected: Value '[]' at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if len(entries) > 10 {
		return nil, 0, errValidation("1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10")
	}
	size := 0
	for _, e := range entries {
		size += len(e.Source) + len(e.DetailType) + len(e.Detail)
		for _, r := range e.Resources {
			size += len(r)
		}
	}
	if size > maxEventsSize {
		return nil, 0, errValidation("Total size of the entries in the request is over the limit.")
	}
	// EventBridge keeps event times to the second.
	now := s.cfg.Clock.Now().UTC().Truncate(time.Second)
	results := make([]ResultEntry, len(entries))
	failed := 0
	defer s.j.SyncInto(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, e := range entries {
		if code, msg := checkEntry(&e); code != "" {
			results[i] = ResultEntry{ErrorCode: code, ErrorMessage: msg}
			failed++
			continue
		}
		ev := Event{
			EventBusName: busName(e.EventBusName), Source: e.Source, DetailType: e.DetailType,
			Detail: e.Detail, Resources: append([]string{}, e.Resources...), TraceHeader: e.TraceHeader,
			Time: e.Time, Account: s.cfg.AccountID, Region: s.cfg.Region,
		}
		if ev.Time.IsZero() {
			ev.Time = now
		}
		if ev.EventID == "" {
			ev.EventID = newEventID()
		}
		if _, ok := s.buses[ev.EventBusName]; !ok {
			s.cfg.Logger.Warn("event put to an event bus that does not exist", zap.String("event_bus_name", ev.EventBusName), zap.String("event_id", ev.EventID))
		}
		s.keepLocked(ev)
		s.routeLocked(ev, 0)
		s.cfg.Logger.Info("event put", zap.String("event_bus_name", ev.EventBusName), zap.String("event_id", ev.EventID),
			zap.String("source", ev.Source), zap.String("detail_type", ev.DetailType), zap.String("detail", ev.Detail))
		results[i] = ResultEntry{EventID: ev.EventID}
	}
	return results, failed, nil
}

// checkEntry returns the per-entry error AWS reports for e, if any.
func checkEntry(e *Entry) (code, msg string) {
	invalid := func(p string) (string, string) {
		return "InvalidArgument", fmt.Sprintf("Parameter %s is not valid. Reason: %s is a required argument.", p, p)
	}
	switch {
	case e.Source == "":
		return invalid("Source")
	case e.DetailType == "":
		return invalid("DetailType")
	case !e.HasDetail:
		return invalid("Detail")
	}
	v, err := task.DecodePlain([]byte(e.Detail))
	if _, ok := v.(map[string]any); err != nil || !ok {
		return "MalformedDetail", "Detail is malformed."
	}
	return "", ""
}

// Events returns the events put so far, of one bus (name or ARN) when bus is not "".
// KeptEvents is how many put events the fake keeps for reading back (Events, GET
// /_sfnlocal/events/events); older ones are dropped, so that a long run (every execution puts
// its status changes) stays within bounded memory.
const KeptEvents = 10000

// keepLocked records a put event for reading back, dropping the oldest past KeptEvents.
func (s *Service) keepLocked(ev Event) {
	if len(s.events) >= KeptEvents {
		s.events[0] = Event{}
		s.events = s.events[1:] // append reallocates from the live part only
	}
	s.events = append(s.events, ev)
	s.persistEvent(ev)
}

func (s *Service) Events(bus string) []Event {
	name := ""
	if bus != "" {
		name = busName(bus)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Event{}
	for _, e := range s.events {
		if name == "" || e.EventBusName == name {
			out = append(out, e)
		}
	}
	return out
}

// marshal encodes v without HTML escaping.
func marshal(v any) ([]byte, error) {
	b, err := task.Encode(v)
	if err != nil {
		return nil, fmt.Errorf("encode response: %w", err)
	}
	return b, nil
}

func sortedRuleNames(b *bus) []string {
	names := make([]string, 0, len(b.rules))
	for n := range b.rules {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// SetRuleState enables or disables a rule (EnableRule, DisableRule); a schedule stops while
// its rule is disabled.
func (s *Service) SetRuleState(busNameOrArn, name string, enabled bool) (err error) {
	defer s.j.SyncInto(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	b, err := s.lockedBus(busNameOrArn)
	if err != nil {
		return err
	}
	r, ok := b.rules[name]
	if !ok {
		return errRuleNotFound(name, b.name)
	}
	if enabled {
		r.State = "ENABLED"
	} else {
		r.State = "DISABLED"
	}
	s.armLocked(r)
	s.persistRule(r)
	return nil
}

// TestEventPattern tells whether an event (JSON text with AWS's envelope fields) matches a
// pattern, as EventBridge's TestEventPattern does.
func (s *Service) TestEventPattern(pattern, event string) (bool, error) {
	p, err := CompilePattern(pattern)
	if err != nil {
		return false, err
	}
	v, derr := task.DecodePlain([]byte(event))
	m, ok := v.(map[string]any)
	if derr != nil || !ok {
		return false, errValidation("Parameter Event is not valid.")
	}
	for _, k := range []string{"id", "account", "source", "time", "region", "detail-type"} {
		if _, ok := m[k].(string); !ok {
			return false, errValidation(fmt.Sprintf("Parameter Event is not valid. Reason: Provided Event is missing required field %s.", k))
		}
	}
	if r, ok := m["resources"]; ok {
		if _, ok := r.([]any); !ok {
			return false, errValidation("Parameter Event is not valid. Reason: Provided Event resources must be an array.")
		}
	}
	return p.Match(m), nil
}
