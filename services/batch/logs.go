package batch

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// logStore keeps each attempt's output as CloudWatch Logs events under LogGroup, and the
// output of other simulators (ECS tasks) under their own groups.
type logStore struct {
	mu      sync.Mutex
	streams map[logKey]*logStream
	groups  map[string]int64 // creation time by group name
	// persist, in durable mode, queues a record in the service's journal (under mu, so in
	// order); nil in memory mode.
	persist func(bucket, key string, v any)
}

type logKey struct{ group, stream string }

type logStream struct {
	group   string
	name    string
	created int64
	events  []LogEvent
	bytes   int64
}

// LogEvent is a CloudWatch Logs OutputLogEvent.
type LogEvent struct {
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
}

// maxEventSize is CloudWatch Logs' event size limit; longer lines are split.
const maxEventSize = 256 * 1024

func newLogStore() *logStore {
	return &logStore{streams: map[logKey]*logStream{}, groups: map[string]int64{LogGroup: 0}}
}

func (l *logStore) create(name string, now int64) { l.createIn(LogGroup, name, now) }

func (l *logStore) createIn(group, name string, now int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.groups[group]; !ok {
		l.groups[group] = now
		l.persistRecord(bucketLogGroups, group, now)
	}
	k := logKey{group, name}
	if _, ok := l.streams[k]; !ok {
		l.streams[k] = &logStream{group: group, name: name, created: now}
		l.persistRecord(bucketLogStreams, logStreamKey(group, name), now)
	}
}

func (l *logStore) persistRecord(bucket, key string, v any) {
	if l.persist != nil {
		l.persist(bucket, key, v)
	}
}

func (l *logStore) append(name, msg string, now int64) { l.appendIn(LogGroup, name, msg, now) }

func (l *logStore) appendIn(group, name, msg string, now int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.groups[group]; !ok {
		l.groups[group] = now
		l.persistRecord(bucketLogGroups, group, now)
	}
	k := logKey{group, name}
	st, ok := l.streams[k]
	if !ok {
		st = &logStream{group: group, name: name, created: now}
		l.streams[k] = st
		l.persistRecord(bucketLogStreams, logStreamKey(group, name), now)
	}
	for {
		part := msg
		if len(part) > maxEventSize {
			part = msg[:maxEventSize]
		}
		st.events = append(st.events, LogEvent{Timestamp: now, Message: part, IngestionTime: now})
		st.bytes += int64(len(part))
		if l.persist != nil {
			l.persist(bucketLogEvents, fmt.Sprintf("%s\x00%010d", logStreamKey(group, name), len(st.events)-1), st.events[len(st.events)-1])
		}
		msg = msg[len(part):]
		if msg == "" {
			return
		}
	}
}

// Events returns a copy of a stream's events, for tests and embedders.
func (s *Service) Events(stream string) []LogEvent { return s.GroupEvents(LogGroup, stream) }

// GroupEvents returns a copy of the events of a stream in any log group.
func (s *Service) GroupEvents(group, stream string) []LogEvent {
	s.logs.mu.Lock()
	defer s.logs.mu.Unlock()
	if st, ok := s.logs.streams[logKey{group, stream}]; ok {
		return append([]LogEvent(nil), st.events...)
	}
	return nil
}

// CreateLogStream creates a stream (and its group) for another simulator's output, e.g. an
// ECS task's awslogs stream; now is in epoch milliseconds.
func (s *Service) CreateLogStream(group, stream string, now int64) {
	s.logs.createIn(group, stream, now)
}

// PutLogLine appends one event to a stream of any group, creating both when missing.
func (s *Service) PutLogLine(group, stream, message string, now int64) {
	s.logs.appendIn(group, stream, message, now)
}

type logsError struct {
	Type    string `json:"__type"`
	Message string `json:"message"`
	status  int
}

func logsErr(typ, msg string, status int) *logsError {
	return &logsError{Type: typ, Message: msg, status: status}
}

// LogsHandler serves the CloudWatch Logs subset (awsJson1_1, X-Amz-Target
// Logs_20140328.GetLogEvents and DescribeLogStreams) over the jobs' log group.
func (s *Service) LogsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("panic in logs handler", fOperation(r.Header.Get("X-Amz-Target")), zapAny("panic", p))
				writeLogsJSON(w, http.StatusInternalServerError, logsErr("ServiceUnavailableException", "internal error", 500))
			}
		}()
		if r.Method != http.MethodPost {
			writeLogsJSON(w, http.StatusNotFound, logsErr("UnknownOperationException", "", 404))
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			writeLogsJSON(w, http.StatusBadRequest, logsErr("SerializationException", err.Error(), 400))
			return
		}
		var out any
		var lerr *logsError
		switch r.Header.Get("X-Amz-Target") {
		case "Logs_20140328.GetLogEvents":
			out, lerr = s.getLogEvents(body)
		case "Logs_20140328.DescribeLogStreams":
			out, lerr = s.describeLogStreams(body)
		default:
			lerr = logsErr("UnknownOperationException", "", http.StatusBadRequest)
		}
		if lerr != nil {
			writeLogsJSON(w, lerr.status, lerr)
			return
		}
		writeLogsJSON(w, http.StatusOK, out)
	})
}

func writeLogsJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

type getLogEventsInput struct {
	LogGroupName       string `json:"logGroupName"`
	LogGroupIdentifier string `json:"logGroupIdentifier"`
	LogStreamName      string `json:"logStreamName"`
	StartTime          *int64 `json:"startTime"`
	EndTime            *int64 `json:"endTime"`
	NextToken          string `json:"nextToken"`
	Limit              int    `json:"limit"`
	StartFromHead      *bool  `json:"startFromHead"`
}

type getLogEventsOutput struct {
	Events            []LogEvent `json:"events"`
	NextForwardToken  string     `json:"nextForwardToken"`
	NextBackwardToken string     `json:"nextBackwardToken"`
}

func (s *Service) checkGroup(name, ident string) (string, *logsError) {
	g := name
	if g == "" {
		g = ident
		if i := strings.LastIndex(g, ":log-group:"); i >= 0 {
			g = strings.TrimSuffix(g[i+len(":log-group:"):], ":*")
		}
	}
	s.logs.mu.Lock()
	_, ok := s.logs.groups[g]
	s.logs.mu.Unlock()
	if !ok {
		return "", logsErr("ResourceNotFoundException", "The specified log group does not exist.", 400)
	}
	return g, nil
}

func decodeLogs(body []byte, v any) *logsError {
	if len(body) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return logsErr("SerializationException", "failed to decode request: "+err.Error(), 400)
	}
	return nil
}

// getLogEvents pages through a stream. Tokens are "f/<index>" and "b/<index>": the event
// index the next forward page starts at, and the one the next backward page ends before.
func (s *Service) getLogEvents(body []byte) (any, *logsError) {
	var in getLogEventsInput
	if e := decodeLogs(body, &in); e != nil {
		return nil, e
	}
	group, e := s.checkGroup(in.LogGroupName, in.LogGroupIdentifier)
	if e != nil {
		return nil, e
	}
	if in.Limit < 0 || in.Limit > 10000 {
		return nil, logsErr("InvalidParameterException", "1 validation error detected: Value at 'limit' failed to satisfy constraint: Member must have value between 1 and 10000", 400)
	}
	limit := in.Limit
	if limit == 0 {
		limit = 10000
	}
	s.logs.mu.Lock()
	st, ok := s.logs.streams[logKey{group, in.LogStreamName}]
	if !ok {
		s.logs.mu.Unlock()
		return nil, logsErr("ResourceNotFoundException", "The specified log stream does not exist.", 400)
	}
	var evs []LogEvent
	for _, e := range st.events {
		if (in.StartTime == nil || e.Timestamp >= *in.StartTime) && (in.EndTime == nil || e.Timestamp < *in.EndTime) {
			evs = append(evs, e)
		}
	}
	s.logs.mu.Unlock()

	forward := in.StartFromHead != nil && *in.StartFromHead
	var lo, hi int
	switch {
	case strings.HasPrefix(in.NextToken, "f/"):
		n, err := strconv.Atoi(in.NextToken[2:])
		if err != nil || n < 0 {
			return nil, logsErr("InvalidParameterException", "The specified nextToken is invalid.", 400)
		}
		lo = min(n, len(evs))
		hi = min(lo+limit, len(evs))
	case strings.HasPrefix(in.NextToken, "b/"):
		n, err := strconv.Atoi(in.NextToken[2:])
		if err != nil || n < 0 {
			return nil, logsErr("InvalidParameterException", "The specified nextToken is invalid.", 400)
		}
		hi = min(n, len(evs))
		lo = max(hi-limit, 0)
	case in.NextToken != "":
		return nil, logsErr("InvalidParameterException", "The specified nextToken is invalid.", 400)
	case forward:
		lo, hi = 0, min(limit, len(evs))
	default:
		hi = len(evs)
		lo = max(hi-limit, 0)
	}
	page := append([]LogEvent{}, evs[lo:hi]...)
	return &getLogEventsOutput{
		Events:            page,
		NextForwardToken:  fmt.Sprintf("f/%020d", hi),
		NextBackwardToken: fmt.Sprintf("b/%020d", lo),
	}, nil
}

type describeLogStreamsInput struct {
	LogGroupName        string `json:"logGroupName"`
	LogGroupIdentifier  string `json:"logGroupIdentifier"`
	LogStreamNamePrefix string `json:"logStreamNamePrefix"`
	OrderBy             string `json:"orderBy"`
	Descending          bool   `json:"descending"`
	NextToken           string `json:"nextToken"`
	Limit               int    `json:"limit"`
}

// LogStreamInfo is a DescribeLogStreams entry.
type LogStreamInfo struct {
	LogStreamName       string `json:"logStreamName"`
	CreationTime        int64  `json:"creationTime"`
	FirstEventTimestamp int64  `json:"firstEventTimestamp,omitempty"`
	LastEventTimestamp  int64  `json:"lastEventTimestamp,omitempty"`
	LastIngestionTime   int64  `json:"lastIngestionTime,omitempty"`
	Arn                 string `json:"arn"`
	StoredBytes         int64  `json:"storedBytes"`
}

func (s *Service) describeLogStreams(body []byte) (any, *logsError) {
	var in describeLogStreamsInput
	if e := decodeLogs(body, &in); e != nil {
		return nil, e
	}
	group, e := s.checkGroup(in.LogGroupName, in.LogGroupIdentifier)
	if e != nil {
		return nil, e
	}
	if in.OrderBy == "LastEventTime" && in.LogStreamNamePrefix != "" {
		return nil, logsErr("InvalidParameterException", "Cannot order by LastEventTime with a logStreamNamePrefix.", 400)
	}
	s.logs.mu.Lock()
	var out []LogStreamInfo
	for _, st := range s.logs.streams {
		if st.group != group || !strings.HasPrefix(st.name, in.LogStreamNamePrefix) {
			continue
		}
		info := LogStreamInfo{
			LogStreamName: st.name, CreationTime: st.created, StoredBytes: st.bytes,
			Arn: fmt.Sprintf("arn:aws:logs:%s:%s:log-group:%s:log-stream:%s", s.cfg.Region, s.cfg.AccountID, group, st.name),
		}
		if n := len(st.events); n > 0 {
			info.FirstEventTimestamp = st.events[0].Timestamp
			info.LastEventTimestamp = st.events[n-1].Timestamp
			info.LastIngestionTime = st.events[n-1].IngestionTime
		}
		out = append(out, info)
	}
	s.logs.mu.Unlock()
	sort.Slice(out, func(i, k int) bool {
		if in.Descending {
			i, k = k, i
		}
		if in.OrderBy == "LastEventTime" && out[i].LastEventTimestamp != out[k].LastEventTimestamp {
			return out[i].LastEventTimestamp < out[k].LastEventTimestamp
		}
		return out[i].LogStreamName < out[k].LogStreamName
	})
	if out == nil {
		out = []LogStreamInfo{}
	}
	limit := in.Limit
	if limit <= 0 || limit > 50 {
		limit = 50
	}
	items, next, err := page(out, limit, in.NextToken)
	if err != nil {
		return nil, logsErr("InvalidParameterException", "The specified nextToken is invalid.", 400)
	}
	resp := map[string]any{"logStreams": items}
	if next != "" {
		resp["nextToken"] = next
	}
	return resp, nil
}
