// Package logs is sfnlocal's CloudWatch Logs fake: log groups and streams kept per region, with
// the awsJson1_1 operations (X-Amz-Target Logs_20140328.*) that scripts and the aws CLI use to
// read what Step Functions and Batch write: CreateLogGroup, DeleteLogGroup, DescribeLogGroups,
// CreateLogStream, DeleteLogStream, DescribeLogStreams, PutLogEvents, GetLogEvents and
// FilterLogEvents (with CloudWatch's plain-term, quoted-phrase and JSON filter patterns).
//
// It exists because on AWS an asynchronous Express execution can be observed only through its
// logs, and Batch jobs write their output there: one fake shared by both keeps every log where
// `aws logs` finds it. Producers write through Append; readers may register a Before hook that
// runs before each read, so that producers deliver lazily (Step Functions ships the history
// events of running executions when someone looks).
package logs

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/awsproto"
	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/journal"
)

// maxEventSize is CloudWatch Logs' event size limit; longer messages are split.
const maxEventSize = 256 * 1024

// Config configures a Service.
type Config struct {
	Clock             clock.Clock
	Logger            *zap.Logger
	Region, AccountID string // defaults us-east-1, 123456789012
	// DB, when set, keeps groups, streams and events durably (see persist.go); nil keeps them
	// in memory.
	DB *storage.DB
}

// Service is the CloudWatch Logs fake.
type Service struct {
	cfg Config
	log *zap.Logger

	mu     sync.Mutex
	groups map[string]*group // region + "\x00" + name
	before []func()
	seq    int64

	j       *journal.Journal // nil in memory mode
	loadErr error
}

type group struct {
	name, region string
	created      int64
	streams      map[string]*stream
}

type stream struct {
	name    string
	created int64
	events  []Event
	bytes   int64
}

// Event is a CloudWatch Logs event (OutputLogEvent, and FilteredLogEvent with its stream).
type Event struct {
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
	LogStreamName string `json:"logStreamName,omitempty"`
	EventID       string `json:"eventId,omitempty"`
}

// New returns an empty Service.
func New(cfg Config) *Service {
	if cfg.Clock == nil {
		cfg.Clock = clock.Real()
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.AccountID == "" {
		cfg.AccountID = "123456789012"
	}
	log := cfg.Logger
	if log == nil {
		log = zap.NewNop()
	}
	s := &Service{cfg: cfg, log: log, groups: map[string]*group{}, j: journal.New(cfg.DB)}
	if cfg.DB != nil {
		s.loadErr = s.load(cfg.DB)
	}
	return s
}

// LoadError reports a failure to read the durable state at New (nil in memory mode).
func (s *Service) LoadError() error { return s.loadErr }

// Before registers f to run before every read (Describe*, GetLogEvents, FilterLogEvents).
func (s *Service) Before(f func()) {
	s.mu.Lock()
	s.before = append(s.before, f)
	s.mu.Unlock()
}

func (s *Service) now() int64 { return s.cfg.Clock.Now().UnixMilli() }

// GroupName returns the log group name of a log group ARN
// (arn:<partition>:logs:<region>:<account>:log-group:<name>[:*]) and its region; a plain name
// is returned as it is, in the default region.
func (s *Service) GroupName(arnOrName string) (name, region string) {
	if i := strings.Index(arnOrName, ":log-group:"); i >= 0 && strings.HasPrefix(arnOrName, "arn:") {
		f := strings.SplitN(arnOrName, ":", 5)
		region = s.cfg.Region
		if len(f) == 5 && f[3] != "" {
			region = f[3]
		}
		return strings.TrimSuffix(arnOrName[i+len(":log-group:"):], ":*"), region
	}
	return arnOrName, s.cfg.Region
}

func (s *Service) groupLocked(region, name string, create bool) *group {
	k := region + "\x00" + name
	g := s.groups[k]
	if g == nil && create {
		g = &group{name: name, region: region, created: s.now(), streams: map[string]*stream{}}
		s.groups[k] = g
		s.persistGroup(g)
	}
	return g
}

// CreateLogGroup creates a group if it does not exist (for producers; the API refuses a
// duplicate).
func (s *Service) CreateLogGroup(region, name string) {
	s.mu.Lock()
	s.groupLocked(region, name, true)
	s.mu.Unlock()
	s.j.SyncSoon()
}

// Append adds messages, all at timestamp (Unix milliseconds), to a stream, creating the
// stream when it does not exist. ok is false, and nothing is written, when the group does not
// exist: as on AWS, logs sent to a deleted group are lost.
func (s *Service) Append(region, groupName, streamName string, timestamp int64, messages ...string) (ok bool) {
	defer s.j.SyncSoon() // after the Unlock below
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groupLocked(region, groupName, false)
	if g == nil {
		return false
	}
	st := g.streams[streamName]
	now := s.now()
	if st == nil {
		st = &stream{name: streamName, created: now}
		g.streams[streamName] = st
		s.persistStream(g, st)
	}
	for _, msg := range messages {
		for {
			part := msg
			if len(part) > maxEventSize {
				part = msg[:maxEventSize]
			}
			s.seq++
			st.events = append(st.events, Event{Timestamp: timestamp, Message: part, IngestionTime: now, EventID: strconv.FormatInt(s.seq, 10)})
			st.bytes += int64(len(part))
			s.persistEvent(g, st)
			msg = msg[len(part):]
			if msg == "" {
				break
			}
		}
	}
	return true
}

// Events returns a copy of a stream's events (nil when it does not exist), for tests and
// embedders.
func (s *Service) Events(region, groupName, streamName string) []Event {
	s.runBefore()
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groupLocked(region, groupName, false)
	if g == nil || g.streams[streamName] == nil {
		return nil
	}
	return append([]Event(nil), g.streams[streamName].events...)
}

// Streams lists a group's stream names, sorted.
func (s *Service) Streams(region, groupName string) []string {
	s.runBefore()
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groupLocked(region, groupName, false)
	if g == nil {
		return nil
	}
	var out []string
	for n := range g.streams {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func (s *Service) runBefore() {
	s.mu.Lock()
	fs := append([]func(){}, s.before...)
	s.mu.Unlock()
	for _, f := range fs {
		f()
	}
}

// Error is a CloudWatch Logs error on the wire.
type Error struct {
	Type    string `json:"__type"`
	Message string `json:"message"`
	status  int
}

func (e *Error) Error() string { return e.Type + ": " + e.Message }

func errf(typ, format string, args ...any) *Error {
	return &Error{Type: typ, Message: fmt.Sprintf(format, args...), status: http.StatusBadRequest}
}

func errGroupNotFound() *Error {
	return errf("ResourceNotFoundException", "The specified log group does not exist.")
}

func errStreamNotFound() *Error {
	return errf("ResourceNotFoundException", "The specified log stream does not exist.")
}

func errToken() *Error {
	return errf("InvalidParameterException", "The specified nextToken is invalid.")
}

// Handler serves the CloudWatch Logs API (awsJson1_1, POST with X-Amz-Target
// Logs_20140328.<Operation>).
func (s *Service) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("panic in logs handler", zap.Any("panic", p), zap.Stack("stack"))
				write(w, http.StatusInternalServerError, &Error{Type: "ServiceUnavailableException", Message: "internal error"})
			}
		}()
		target := r.Header.Get("X-Amz-Target")
		op, ok := operations[strings.TrimPrefix(target, "Logs_20140328.")]
		if r.Method != http.MethodPost || !strings.HasPrefix(target, "Logs_20140328.") || !ok {
			write(w, http.StatusBadRequest, &Error{Type: "UnknownOperationException"})
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 2<<20))
		if err != nil {
			write(w, http.StatusBadRequest, errf("SerializationException", "Could not read the request body"))
			return
		}
		region := s.cfg.Region
		if sc, ok := awsproto.ScopeOf(r); ok {
			region = sc.Region
		}
		out, lerr := op(s, region, body)
		if lerr == nil {
			if err := s.j.Sync(); err != nil { // the change, durable before it is acknowledged
				lerr = &Error{Type: "ServiceUnavailableException", Message: err.Error(), status: http.StatusInternalServerError}
			}
		}
		if lerr != nil {
			write(w, lerr.status, lerr)
			return
		}
		write(w, http.StatusOK, out)
	})
}

func write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// IsLogsRequest reports whether r is an unsigned CloudWatch Logs request.
func IsLogsRequest(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("X-Amz-Target"), "Logs_20140328.")
}
