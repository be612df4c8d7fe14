package logs

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/sfnlocal/sfnlocal/internal/awsproto"
)

type operation func(s *Service, region string, body []byte) (any, *Error)

func op[I any](f func(*Service, string, *I) (any, *Error)) operation {
	return func(s *Service, region string, body []byte) (any, *Error) {
		in := new(I)
		if len(strings.TrimSpace(string(body))) > 0 {
			if err := json.Unmarshal(body, in); err != nil {
				return nil, errf("SerializationException", "failed to decode request body")
			}
		}
		return f(s, region, in)
	}
}

var operations = map[string]operation{
	"CreateLogGroup":     op((*Service).createLogGroup),
	"DeleteLogGroup":     op((*Service).deleteLogGroup),
	"DescribeLogGroups":  op((*Service).describeLogGroups),
	"CreateLogStream":    op((*Service).createLogStream),
	"DeleteLogStream":    op((*Service).deleteLogStream),
	"DescribeLogStreams": op((*Service).describeLogStreams),
	"PutLogEvents":       op((*Service).putLogEvents),
	"GetLogEvents":       op((*Service).getLogEvents),
	"FilterLogEvents":    op((*Service).filterLogEvents),
}

func (s *Service) groupArn(g *group) string {
	return fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s", awsproto.Partition(g.region), g.region, s.cfg.AccountID, g.name)
}

type groupRef struct {
	LogGroupName       string `json:"logGroupName"`
	LogGroupIdentifier string `json:"logGroupIdentifier"`
}

// find resolves a group by name or identifier (a name or an ARN) under s.mu.
func (s *Service) findLocked(region string, ref groupRef) (*group, *Error) {
	name := ref.LogGroupName
	if name == "" && ref.LogGroupIdentifier != "" {
		name, region = s.GroupName(ref.LogGroupIdentifier)
		if !strings.HasPrefix(ref.LogGroupIdentifier, "arn:") {
			region = s.cfg.Region
		}
	}
	if name == "" {
		return nil, errf("InvalidParameterException", "Either logGroupName or logGroupIdentifier must be specified")
	}
	g := s.groupLocked(region, name, false)
	if g == nil {
		return nil, errGroupNotFound()
	}
	return g, nil
}

func (s *Service) createLogGroup(region string, in *struct {
	LogGroupName string `json:"logGroupName"`
}) (any, *Error) {
	if in.LogGroupName == "" || len(in.LogGroupName) > 512 {
		return nil, errf("InvalidParameterException", "1 validation error detected: Value '%s' at 'logGroupName' failed to satisfy constraint: Member must have length between 1 and 512", in.LogGroupName)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.groupLocked(region, in.LogGroupName, false) != nil {
		return nil, errf("ResourceAlreadyExistsException", "The specified log group already exists")
	}
	s.groupLocked(region, in.LogGroupName, true)
	return struct{}{}, nil
}

func (s *Service) deleteLogGroup(region string, in *groupRef) (any, *Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.findLocked(region, *in)
	if err != nil {
		return nil, err
	}
	delete(s.groups, g.region+"\x00"+g.name)
	s.forgetGroup(g)
	return struct{}{}, nil
}

// LogGroup is a DescribeLogGroups entry.
type LogGroup struct {
	LogGroupName   string `json:"logGroupName"`
	CreationTime   int64  `json:"creationTime"`
	MetricFilters  int    `json:"metricFilterCount"`
	Arn            string `json:"arn"`
	LogGroupArn    string `json:"logGroupArn"`
	StoredBytes    int64  `json:"storedBytes"`
	LogGroupClass  string `json:"logGroupClass"`
	DataProtection string `json:"dataProtectionStatus,omitempty"`
}

func (s *Service) describeLogGroups(region string, in *struct {
	LogGroupNamePrefix  string `json:"logGroupNamePrefix"`
	LogGroupNamePattern string `json:"logGroupNamePattern"`
	NextToken           string `json:"nextToken"`
	Limit               int    `json:"limit"`
}) (any, *Error) {
	s.runBefore()
	s.mu.Lock()
	var out []LogGroup
	for _, g := range s.groups {
		if g.region != region || !strings.HasPrefix(g.name, in.LogGroupNamePrefix) ||
			(in.LogGroupNamePattern != "" && !strings.Contains(g.name, in.LogGroupNamePattern)) {
			continue
		}
		var bytes int64
		for _, st := range g.streams {
			bytes += st.bytes
		}
		arn := s.groupArn(g)
		out = append(out, LogGroup{LogGroupName: g.name, CreationTime: g.created, Arn: arn + ":*", LogGroupArn: arn, StoredBytes: bytes, LogGroupClass: "STANDARD"})
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].LogGroupName < out[j].LogGroupName })
	items, next, err := page(out, in.Limit, 50, in.NextToken)
	if err != nil {
		return nil, err
	}
	return withToken(map[string]any{"logGroups": nonNil(items)}, "nextToken", next), nil
}

func (s *Service) createLogStream(region string, in *struct {
	groupRef
	LogStreamName string `json:"logStreamName"`
}) (any, *Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.findLocked(region, in.groupRef)
	if err != nil {
		return nil, err
	}
	if in.LogStreamName == "" {
		return nil, errf("InvalidParameterException", "1 validation error detected: Value '' at 'logStreamName' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if g.streams[in.LogStreamName] != nil {
		return nil, errf("ResourceAlreadyExistsException", "The specified log stream already exists")
	}
	g.streams[in.LogStreamName] = &stream{name: in.LogStreamName, created: s.now()}
	s.persistStream(g, g.streams[in.LogStreamName])
	return struct{}{}, nil
}

func (s *Service) deleteLogStream(region string, in *struct {
	groupRef
	LogStreamName string `json:"logStreamName"`
}) (any, *Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.findLocked(region, in.groupRef)
	if err != nil {
		return nil, err
	}
	if g.streams[in.LogStreamName] == nil {
		return nil, errStreamNotFound()
	}
	delete(g.streams, in.LogStreamName)
	s.forgetStream(g, in.LogStreamName)
	return struct{}{}, nil
}

// LogStream is a DescribeLogStreams entry.
type LogStream struct {
	LogStreamName       string `json:"logStreamName"`
	CreationTime        int64  `json:"creationTime"`
	FirstEventTimestamp int64  `json:"firstEventTimestamp,omitempty"`
	LastEventTimestamp  int64  `json:"lastEventTimestamp,omitempty"`
	LastIngestionTime   int64  `json:"lastIngestionTime,omitempty"`
	UploadSequenceToken string `json:"uploadSequenceToken,omitempty"`
	Arn                 string `json:"arn"`
	StoredBytes         int64  `json:"storedBytes"`
}

func (s *Service) describeLogStreams(region string, in *struct {
	groupRef
	LogStreamNamePrefix string `json:"logStreamNamePrefix"`
	OrderBy             string `json:"orderBy"`
	Descending          bool   `json:"descending"`
	NextToken           string `json:"nextToken"`
	Limit               int    `json:"limit"`
}) (any, *Error) {
	if in.OrderBy == "LastEventTime" && in.LogStreamNamePrefix != "" {
		return nil, errf("InvalidParameterException", "Cannot order by LastEventTime with a logStreamNamePrefix.")
	}
	s.runBefore()
	s.mu.Lock()
	g, err := s.findLocked(region, in.groupRef)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	var out []LogStream
	for _, st := range g.streams {
		if !strings.HasPrefix(st.name, in.LogStreamNamePrefix) {
			continue
		}
		info := LogStream{LogStreamName: st.name, CreationTime: st.created, StoredBytes: st.bytes, Arn: s.groupArn(g) + ":log-stream:" + st.name}
		if n := len(st.events); n > 0 {
			info.FirstEventTimestamp = st.events[0].Timestamp
			info.LastEventTimestamp = st.events[n-1].Timestamp
			info.LastIngestionTime = st.events[n-1].IngestionTime
		}
		out = append(out, info)
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, k int) bool {
		if in.Descending {
			i, k = k, i
		}
		if in.OrderBy == "LastEventTime" && out[i].LastEventTimestamp != out[k].LastEventTimestamp {
			return out[i].LastEventTimestamp < out[k].LastEventTimestamp
		}
		return out[i].LogStreamName < out[k].LogStreamName
	})
	items, next, perr := page(out, in.Limit, 50, in.NextToken)
	if perr != nil {
		return nil, perr
	}
	return withToken(map[string]any{"logStreams": nonNil(items)}, "nextToken", next), nil
}

func (s *Service) putLogEvents(region string, in *struct {
	groupRef
	LogStreamName string `json:"logStreamName"`
	LogEvents     []struct {
		Timestamp int64  `json:"timestamp"`
		Message   string `json:"message"`
	} `json:"logEvents"`
}) (any, *Error) {
	s.mu.Lock()
	g, err := s.findLocked(region, in.groupRef)
	if err == nil && g.streams[in.LogStreamName] == nil {
		err = errStreamNotFound()
	}
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	for _, e := range in.LogEvents {
		_ = s.Append(g.region, g.name, in.LogStreamName, e.Timestamp, e.Message)
	}
	return map[string]any{"nextSequenceToken": strconv.FormatInt(s.now(), 10)}, nil
}

// getLogEvents pages through a stream. Tokens are "f/<index>" and "b/<index>": the event
// index the next forward page starts at, and the one the next backward page ends before.
func (s *Service) getLogEvents(region string, in *struct {
	groupRef
	LogStreamName string `json:"logStreamName"`
	StartTime     *int64 `json:"startTime"`
	EndTime       *int64 `json:"endTime"`
	NextToken     string `json:"nextToken"`
	Limit         int    `json:"limit"`
	StartFromHead *bool  `json:"startFromHead"`
}) (any, *Error) {
	if in.Limit < 0 || in.Limit > 10000 {
		return nil, errf("InvalidParameterException", "1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 10000", in.Limit)
	}
	limit := in.Limit
	if limit == 0 {
		limit = 10000
	}
	s.runBefore()
	s.mu.Lock()
	g, err := s.findLocked(region, in.groupRef)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	st := g.streams[in.LogStreamName]
	if st == nil {
		s.mu.Unlock()
		return nil, errStreamNotFound()
	}
	var evs []Event
	for _, e := range st.events {
		if (in.StartTime == nil || e.Timestamp >= *in.StartTime) && (in.EndTime == nil || e.Timestamp < *in.EndTime) {
			evs = append(evs, Event{Timestamp: e.Timestamp, Message: e.Message, IngestionTime: e.IngestionTime})
		}
	}
	s.mu.Unlock()
	forward := in.StartFromHead != nil && *in.StartFromHead
	var lo, hi int
	switch {
	case strings.HasPrefix(in.NextToken, "f/"):
		n, err := strconv.Atoi(in.NextToken[2:])
		if err != nil || n < 0 {
			return nil, errToken()
		}
		lo = min(n, len(evs))
		hi = min(lo+limit, len(evs))
	case strings.HasPrefix(in.NextToken, "b/"):
		n, err := strconv.Atoi(in.NextToken[2:])
		if err != nil || n < 0 {
			return nil, errToken()
		}
		hi = min(n, len(evs))
		lo = max(hi-limit, 0)
	case in.NextToken != "":
		return nil, errToken()
	case forward:
		lo, hi = 0, min(limit, len(evs))
	default:
		hi = len(evs)
		lo = max(hi-limit, 0)
	}
	return map[string]any{
		"events":            append([]Event{}, evs[lo:hi]...),
		"nextForwardToken":  fmt.Sprintf("f/%020d", hi),
		"nextBackwardToken": fmt.Sprintf("b/%020d", lo),
	}, nil
}

func (s *Service) filterLogEvents(region string, in *struct {
	groupRef
	LogStreamNames      []string `json:"logStreamNames"`
	LogStreamNamePrefix string   `json:"logStreamNamePrefix"`
	StartTime           *int64   `json:"startTime"`
	EndTime             *int64   `json:"endTime"`
	FilterPattern       string   `json:"filterPattern"`
	NextToken           string   `json:"nextToken"`
	Limit               int      `json:"limit"`
}) (any, *Error) {
	if len(in.LogStreamNames) > 0 && in.LogStreamNamePrefix != "" {
		return nil, errf("InvalidParameterException", "logStreamNames and logStreamNamePrefix are mutually exclusive")
	}
	match, perr := compilePattern(in.FilterPattern)
	if perr != nil {
		return nil, perr
	}
	s.runBefore()
	s.mu.Lock()
	g, err := s.findLocked(region, in.groupRef)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	want := map[string]bool{}
	for _, n := range in.LogStreamNames {
		want[n] = true
	}
	var evs []Event
	var searched []map[string]any
	for _, st := range g.streams {
		if (len(want) > 0 && !want[st.name]) || !strings.HasPrefix(st.name, in.LogStreamNamePrefix) {
			continue
		}
		searched = append(searched, map[string]any{"logStreamName": st.name, "searchedCompletely": true})
		for _, e := range st.events {
			if (in.StartTime == nil || e.Timestamp >= *in.StartTime) && (in.EndTime == nil || e.Timestamp <= *in.EndTime) && match(e.Message) {
				e.LogStreamName = st.name
				evs = append(evs, e)
			}
		}
	}
	s.mu.Unlock()
	sort.SliceStable(evs, func(i, j int) bool {
		if evs[i].Timestamp != evs[j].Timestamp {
			return evs[i].Timestamp < evs[j].Timestamp
		}
		a, _ := strconv.ParseInt(evs[i].EventID, 10, 64)
		b, _ := strconv.ParseInt(evs[j].EventID, 10, 64)
		return a < b
	})
	items, next, perr := page(evs, in.Limit, 10000, in.NextToken)
	if perr != nil {
		return nil, perr
	}
	sort.Slice(searched, func(i, j int) bool {
		return searched[i]["logStreamName"].(string) < searched[j]["logStreamName"].(string)
	})
	return withToken(map[string]any{"events": nonNil(items), "searchedLogStreams": nonNil(searched)}, "nextToken", next), nil
}

// page returns items[token:token+limit] and the next token ("" at the end).
func page[T any](items []T, limit, def int, token string) ([]T, string, *Error) {
	if limit <= 0 || limit > def {
		limit = def
	}
	start := 0
	if token != "" {
		n, err := strconv.Atoi(token)
		if err != nil || n < 0 || n > len(items) {
			return nil, "", errToken()
		}
		start = n
	}
	end := min(start+limit, len(items))
	next := ""
	if end < len(items) {
		next = strconv.Itoa(end)
	}
	return items[start:end], next, nil
}

func withToken(m map[string]any, key, token string) map[string]any {
	if token != "" {
		m[key] = token
	}
	return m
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
