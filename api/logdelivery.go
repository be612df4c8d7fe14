package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/sfnlocal/sfnlocal/api/store"
)

// LogSink receives the log events of executions whose state machine has a
// loggingConfiguration (level ALL, ERROR or FATAL); server wires it to the CloudWatch Logs
// fake. Append is called in event order per stream, sometimes with the Service's lock held, so
// an implementation must not call back into the Service.
type LogSink interface {
	Append(logGroupArn, stream string, events []LogRecord)
}

// LogRecord is one CloudWatch Logs event: Unix milliseconds and the message.
type LogRecord struct {
	Timestamp int64
	Message   string
}

// logging is a stored loggingConfiguration.
type logging struct {
	Level                string `json:"level"`
	IncludeExecutionData bool   `json:"includeExecutionData"`
	Destinations         []struct {
		CloudWatchLogsLogGroup struct {
			LogGroupArn string `json:"logGroupArn"`
		} `json:"cloudWatchLogsLogGroup"`
	} `json:"destinations"`
}

// shipment is one execution's log delivery: the events of its history not yet sent.
type shipment struct {
	mu          sync.Mutex
	arn         string
	group       string
	stream      string
	level       string
	includeData bool
	run         Run
	redrives    func() int
	sent        int
}

// shipper delivers history events of live executions to the LogSink: when an execution ends
// (or is redriven), and whenever a reader asks (DeliverLogs, which the CloudWatch Logs fake
// calls before every read), so logs are complete whenever someone looks, without a hook in the
// interpreter.
type shipper struct {
	sink LogSink
	mu   sync.Mutex
	live map[string]*shipment
	// sent remembers, for ended executions, how many events were shipped, so that a redrive
	// carries on after them.
	sent map[string]int
}

func newShipper(sink LogSink) *shipper {
	return &shipper{sink: sink, live: map[string]*shipment{}, sent: map[string]int{}}
}

// watch starts delivering the logs of an execution whose state machine logs.
func (sh *shipper) watch(rec store.Execution, run Run) {
	if sh == nil || sh.sink == nil || rec.Logging == "" {
		return
	}
	var cfg logging
	if json.Unmarshal([]byte(rec.Logging), &cfg) != nil || cfg.Level == "" || cfg.Level == "OFF" || len(cfg.Destinations) == 0 {
		return
	}
	sum := sha256.Sum256([]byte(rec.Arn))
	smName := rec.StateMachineArn[strings.LastIndexByte(rec.StateMachineArn, ':')+1:]
	s := &shipment{
		arn: rec.Arn, group: cfg.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn,
		stream: "states/" + smName + "/" + rec.StartDate.UTC().Format("2006-01-02-15-04") + "/" + hex.EncodeToString(sum[:4]),
		level:  cfg.Level, includeData: cfg.IncludeExecutionData, run: run, redrives: func() int { return 0 },
	}
	if ri, ok := run.(redriveInfo); ok {
		s.redrives = func() int { n, _ := ri.Redrives(); return n }
	}
	sh.mu.Lock()
	if old, ok := sh.live[rec.Arn]; ok {
		s.sent = old.sent // a redrive: carry on after what was sent
	} else if n, ok := sh.sent[rec.Arn]; ok {
		s.sent = n
	}
	sh.live[rec.Arn] = s
	sh.mu.Unlock()
}

// deliver sends every live execution's new events, and forgets the ones that ended.
func (sh *shipper) deliver() {
	if sh == nil {
		return
	}
	sh.mu.Lock()
	all := make([]*shipment, 0, len(sh.live))
	for _, s := range sh.live {
		all = append(all, s)
	}
	sh.mu.Unlock()
	for _, s := range all {
		sh.shipOne(s)
	}
}

// finish sends the rest of one execution's events once it has ended.
func (sh *shipper) finish(arn string) {
	if sh == nil {
		return
	}
	sh.mu.Lock()
	s := sh.live[arn]
	sh.mu.Unlock()
	if s != nil {
		sh.shipOne(s)
	}
}

func (sh *shipper) shipOne(s *shipment) {
	if done := s.ship(sh.sink); !done {
		return
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.live[s.arn] == s {
		delete(sh.live, s.arn)
		if strings.Contains(s.arn, ":execution:") {
			// Only Standard executions can be redriven: remember where their logs stopped.
			sh.sent[s.arn] = s.sent
		}
	}
}

// ship sends s's new events; done reports that the execution has ended and all were sent.
func (s *shipment) ship(sink LogSink) (done bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ended := s.run.Status() != "RUNNING"
	evs := s.run.History()
	if s.sent >= len(evs) {
		return ended
	}
	var out []LogRecord
	redrives := strconv.Itoa(s.redrives())
	for _, e := range evs[s.sent:] {
		b, err := e.MarshalJSON()
		if err != nil {
			continue
		}
		if rec, ok := logEvent(b, s.arn, redrives, s.level, s.includeData); ok {
			out = append(out, rec)
		}
	}
	s.sent = len(evs)
	if len(out) > 0 {
		sink.Append(s.group, s.stream, out)
	}
	return ended
}

// logMessage is AWS's execution log event ("Logging Step Functions using CloudWatch Logs"):
// ids and the timestamp as strings, the event's details object, the execution ARN and the
// redrive count, in this order.
type logMessage struct {
	ID              string          `json:"id"`
	Type            string          `json:"type"`
	Details         json.RawMessage `json:"details"`
	PreviousEventID string          `json:"previous_event_id"`
	EventTimestamp  string          `json:"event_timestamp"`
	ExecutionArn    string          `json:"execution_arn"`
	RedriveCount    string          `json:"redrive_count"`
}

// logEvent turns one GetExecutionHistory event into its log event, if level logs it.
func logEvent(b []byte, execArn, redrives, level string, includeData bool) (LogRecord, bool) {
	var ev map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if dec.Decode(&ev) != nil {
		return LogRecord{}, false
	}
	var typ string
	_ = json.Unmarshal(ev["type"], &typ)
	if !logsAt(level, typ) {
		return LogRecord{}, false
	}
	var id, prev json.Number
	_ = json.Unmarshal(ev["id"], &id)
	_ = json.Unmarshal(ev["previousEventId"], &prev)
	var ts json.Number
	_ = json.Unmarshal(ev["timestamp"], &ts)
	secs, _ := ts.Float64()
	millis := int64(math.Round(secs * 1000))
	details := json.RawMessage(`{}`)
	for k, v := range ev {
		if strings.HasSuffix(k, "EventDetails") && len(v) > 0 && v[0] == '{' {
			details = v
			if !includeData {
				details = withoutData(v)
			}
		}
	}
	if prev == "" {
		prev = "0"
	}
	msg, err := marshal(logMessage{ID: id.String(), Type: typ, Details: details, PreviousEventID: prev.String(),
		EventTimestamp: strconv.FormatInt(millis, 10), ExecutionArn: execArn, RedriveCount: redrives})
	if err != nil {
		return LogRecord{}, false
	}
	return LogRecord{Timestamp: millis, Message: string(msg)}, true
}

// withoutData removes the execution data (input, output) from an event's details, as
// includeExecutionData=false asks, keeping the other members in their order.
func withoutData(details []byte) json.RawMessage {
	dec := json.NewDecoder(bytes.NewReader(details))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return details
	}
	out := []byte{'{'}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return details
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return details
		}
		if k == "input" || k == "output" {
			continue
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		kb, _ := json.Marshal(k)
		out = append(append(append(out, kb...), ':'), v...)
	}
	return append(out, '}')
}

// logsAt reports whether a history event of type typ is logged at level: ALL logs every
// event, ERROR the error events (failures, time-outs, aborts and FailStateEntered), FATAL only
// the execution's own end in failure.
func logsAt(level, typ string) bool {
	switch level {
	case "ALL":
		return true
	case "FATAL":
		return typ == "ExecutionFailed" || typ == "ExecutionAborted" || typ == "ExecutionTimedOut"
	case "ERROR":
		return strings.HasSuffix(typ, "Failed") || strings.HasSuffix(typ, "TimedOut") ||
			strings.HasSuffix(typ, "Aborted") || typ == "FailStateEntered"
	}
	return false
}
