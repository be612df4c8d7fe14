// Package api is the Step Functions JSON API (awsJson1_0, target prefix AWSStepFunctions) that
// the aws CLI, boto3 and the AWS SDKs talk to.
//
// It exists to answer every one of the 37 operations of the 2016-11-23 API the way AWS does:
// wire shapes, epoch-second timestamps, error codes and messages, idempotency rules and
// pagination. It is protocol only: one dispatch table keyed by X-Amz-Target, typed handlers
// func(ctx, *XInput) (*XOutput, error), one adapter that decodes requests and writes answers
// and errors, and one function (apiError) that maps core errors to wire errors. Resources live
// in a store.Store; executions run in an Engine (the interpreter behind a small interface, so
// that everything here is tested against a hand-written fake).
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/api/store"
	"github.com/sfnlocal/sfnlocal/internal/awsproto"
	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/jackson"
	"github.com/sfnlocal/sfnlocal/internal/jsoncheck"
	"github.com/sfnlocal/sfnlocal/internal/mockcfg"
	"github.com/sfnlocal/sfnlocal/internal/storage"
)

// TargetPrefix is the X-Amz-Target prefix of Step Functions requests.
const TargetPrefix = "AWSStepFunctions."

// contentType is awsJson1_0's content type.
const contentType = "application/x-amz-json-1.0"

// maxBody bounds a request body: a definition is at most 1 MiB, and its JSON escaping can
// double it.
const maxBody = 4 << 20

// EngineFactory builds the Engine once the Service exists; activityExists lets the engine ask
// whether an activity ARN names a live activity.
type EngineFactory func(activityExists func(arn string) bool) Engine

// Options configures a Service.
type Options struct {
	Engine EngineFactory
	Store  store.Store // nil: a new in-memory store
	Clock  clock.Clock // for creation and update dates; nil: the real clock
	Logger *zap.Logger // nil: no logs
	// Region is the default region, for unsigned requests and in-process calls; a signed
	// request's resources live in the region of its SigV4 credential scope. Default us-east-1.
	Region    string
	AccountID string // default 123456789012
	// Partition overrides the default region's partition (else derived from the region).
	Partition string
	// Rand picks alias routes and generates ids; nil: a random source.
	Rand *rand.Rand
	// Observers hear about every execution status change (see Observer).
	Observers []Observer
	// Keys resolves customer managed KMS keys named by encryptionConfiguration; nil: such
	// keys are not checked.
	Keys KeyResolver
	// Logs receives the history events of executions whose state machine has a
	// loggingConfiguration; nil: none are delivered.
	Logs LogSink
	// MaxExecutions is how many finished Standard executions are kept (oldest finished
	// evicted first; an evicted one answers ExecutionDoesNotExist, as AWS does after its
	// retention period). 0 means DefaultMaxExecutions; negative means no limit.
	MaxExecutions int
	// DB, when set, keeps the Service's resources and executions durable (see durable.go);
	// Store must then be nil. Retention is how long finished executions are kept in it
	// (virtual time; 0 means DefaultRetention).
	DB        *storage.DB
	Retention time.Duration
}

// DefaultMaxExecutions is Options.MaxExecutions' default.
const DefaultMaxExecutions = 100000

// Service is the Step Functions API. Create it with New, serve Handler, and Close it to stop
// every execution.
type Service struct {
	engine    Engine
	store     store.Store
	savedRuns *savedMapRuns // finished executions' Map Runs, with a durable store (mapruns_durable.go)
	clock     clock.Clock
	log       *zap.Logger
	region    string
	account   string
	partition string

	// mu serialises the read-check-write sequences of mutating operations (idempotent
	// create, start-or-conflict, delete-while-running).
	mu    sync.Mutex
	randM sync.Mutex
	rand  *rand.Rand
	seq   atomic.Uint64
	// closing is set by Close: executions that end then were stopped by the shutdown.
	closing atomic.Bool

	// runs holds the live handle of every execution started by this process that runs or
	// could be redriven, by ARN. A succeeded one is dropped: its record, with its history in
	// compact form, is all that is kept.
	runs sync.Map // string -> *execution
	// ended lists finished executions in the order they ended, oldest first (guarded by mu);
	// finished counts those still kept, maxFinished is the limit.
	ended       endedQueue
	finished    int
	maxFinished int
	finishSeq   uint64
	// retention bounds how long finished executions are kept in a durable store; cached lists
	// the finished executions whose live handle is kept in runs (durable store only).
	retention time.Duration
	cached    endedQueue
	// rebuilt marks the failed executions whose run a redrive rebuilt (durable.go).
	rebuilt sync.Map
	// running counts executions still running per state machine (unqualified ARN), to
	// finish deleting a state machine when its last execution ends.
	running map[string]int
	// programs caches compiled definitions by text.
	programs     sync.Map // type + "\x00" + definition -> Program
	programCount atomic.Int64

	handler http.Handler
	// mocks is the mock configuration (Step Functions Local's MockConfigFile) that
	// StartExecution's "<ARN>#<test case>" runs; nil when none is loaded.
	mocks  atomic.Pointer[mockcfg.File]
	notify *notifier
	logs   *shipper
	keys   KeyResolver
	// pageKey signs pagination tokens.
	pageKey [32]byte
}

// New returns a Service.
func New(o Options) (*Service, error) {
	if o.Engine == nil {
		return nil, fmt.Errorf("api.New: no engine")
	}
	s := &Service{
		store:     o.Store,
		clock:     o.Clock,
		log:       o.Logger,
		region:    o.Region,
		account:   o.AccountID,
		partition: o.Partition,
		rand:      o.Rand,
		running:   map[string]int{},
		notify:    newNotifier(o.Observers),
		logs:      newShipper(o.Logs),
		keys:      o.Keys,
	}
	switch {
	case o.MaxExecutions == 0:
		s.maxFinished = DefaultMaxExecutions
	case o.MaxExecutions < 0:
		s.maxFinished = -1
	default:
		s.maxFinished = o.MaxExecutions
	}
	if o.DB != nil {
		d, err := store.OpenDurable(o.DB)
		if err != nil {
			return nil, err
		}
		s.store = d
		s.retention = o.Retention
		if s.retention <= 0 {
			s.retention = DefaultRetention
		}
	}
	if s.store == nil {
		s.store = store.NewMemory()
	}
	if s.clock == nil {
		s.clock = clock.Real()
	}
	if s.log == nil {
		s.log = zap.NewNop()
	}
	if s.region == "" {
		s.region = "us-east-1"
	}
	if s.account == "" {
		s.account = "123456789012"
	}
	if s.rand == nil {
		s.rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	for i := range s.pageKey {
		s.pageKey[i] = byte(s.rand.Uint32())
	}
	s.engine = o.Engine(s.activityExists)
	if s.engine == nil {
		return nil, fmt.Errorf("api.New: engine factory returned nil")
	}
	if d, ok := s.store.(*store.Durable); ok {
		// Pagination tokens stay valid across restarts.
		key, err := d.Secret("page-key", func() []byte { return append([]byte(nil), s.pageKey[:]...) })
		if err != nil {
			return nil, err
		}
		copy(s.pageKey[:], key)
		d.OnError = func(err error) { s.log.Error("store write failed", zap.Error(err)) }
		if j, ok := s.engine.(Journaler); ok {
			j.SetJournal(d)
		}
		if hc, ok := s.engine.(HistoryCompactor); ok {
			s.savedRuns = newSavedMapRuns(d, hc)
		}
	}
	s.handler = http.HandlerFunc(s.serveHTTP)
	return s, nil
}

// Close stops every running execution.
func (s *Service) Close() {
	s.closing.Store(true)
	s.engine.Close()
	if d, ok := s.store.(*store.Durable); ok {
		d.Flush() // the records of executions that ended are durable before the store closes
	}
	s.notify.flush()
}

// DeliverLogs sends the CloudWatch Logs events of every logging execution's history so far to
// the LogSink (the logs fake calls it before each read).
func (s *Service) DeliverLogs() { s.logs.deliver() }

// FlushObservers waits until every status change so far has reached the Observers (tests use it
// before reading what an observer saw).
func (s *Service) FlushObservers() { s.notify.flush() }

// Handler serves Step Functions requests: POST / with X-Amz-Target AWSStepFunctions.<Op>.
// Mount it behind IsStepFunctionsRequest when other services share the port.
func (s *Service) Handler() http.Handler { return s.handler }

// IsStepFunctionsRequest reports whether r is a Step Functions API request.
func IsStepFunctionsRequest(r *http.Request) bool {
	return r.Method == http.MethodPost && (r.URL.Path == "/" || r.URL.Path == "") &&
		strings.HasPrefix(r.Header.Get("X-Amz-Target"), TargetPrefix)
}

// HTTPClient returns a client whose requests go straight to Handler, without a socket, for
// AWS SDK clients in tests and embedders.
func (s *Service) HTTPClient() *http.Client {
	return &http.Client{Transport: handlerTransport{s.handler}}
}

type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := newRecorder()
	t.h.ServeHTTP(rec, r)
	return rec.response(r), nil
}

// recorder is a minimal in-memory ResponseWriter.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) response(req *http.Request) *http.Response {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", r.status, http.StatusText(r.status)),
		StatusCode:    r.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        r.header,
		Body:          io.NopCloser(bytes.NewReader(r.body.Bytes())),
		ContentLength: int64(r.body.Len()),
		Request:       req,
	}
}

// operation decodes a request body, runs a typed handler and returns its output.
type operation func(s *Service, ctx context.Context, body []byte) (any, error)

// op adapts a typed handler to an operation.
func op[I, O any](f func(*Service, context.Context, *I) (*O, error)) operation {
	return func(s *Service, ctx context.Context, body []byte) (any, error) {
		in := new(I)
		if err := decode(body, in); err != nil {
			return nil, err
		}
		out, err := f(s, ctx, in)
		if err != nil {
			return nil, err
		}
		return out, nil
	}
}

// operations is the dispatch table: X-Amz-Target operation name → handler.
var operations = map[string]operation{
	"CreateStateMachine":               op((*Service).CreateStateMachine),
	"DescribeStateMachine":             op((*Service).DescribeStateMachine),
	"DescribeStateMachineForExecution": op((*Service).DescribeStateMachineForExecution),
	"UpdateStateMachine":               op((*Service).UpdateStateMachine),
	"DeleteStateMachine":               op((*Service).DeleteStateMachine),
	"ListStateMachines":                op((*Service).ListStateMachines),
	"ValidateStateMachineDefinition":   op((*Service).ValidateStateMachineDefinition),
	"PublishStateMachineVersion":       op((*Service).PublishStateMachineVersion),
	"ListStateMachineVersions":         op((*Service).ListStateMachineVersions),
	"DeleteStateMachineVersion":        op((*Service).DeleteStateMachineVersion),
	"CreateStateMachineAlias":          op((*Service).CreateStateMachineAlias),
	"DescribeStateMachineAlias":        op((*Service).DescribeStateMachineAlias),
	"UpdateStateMachineAlias":          op((*Service).UpdateStateMachineAlias),
	"DeleteStateMachineAlias":          op((*Service).DeleteStateMachineAlias),
	"ListStateMachineAliases":          op((*Service).ListStateMachineAliases),
	"StartExecution":                   op((*Service).StartExecution),
	"StartSyncExecution":               op((*Service).StartSyncExecution),
	"StopExecution":                    op((*Service).StopExecution),
	"DescribeExecution":                op((*Service).DescribeExecution),
	"ListExecutions":                   op((*Service).ListExecutions),
	"GetExecutionHistory":              op((*Service).GetExecutionHistory),
	"RedriveExecution":                 op((*Service).RedriveExecution),
	"DescribeMapRun":                   op((*Service).DescribeMapRun),
	"ListMapRuns":                      op((*Service).ListMapRuns),
	"UpdateMapRun":                     op((*Service).UpdateMapRun),
	"CreateActivity":                   op((*Service).CreateActivity),
	"DescribeActivity":                 op((*Service).DescribeActivity),
	"DeleteActivity":                   op((*Service).DeleteActivity),
	"ListActivities":                   op((*Service).ListActivities),
	"GetActivityTask":                  op((*Service).GetActivityTask),
	"SendTaskSuccess":                  op((*Service).SendTaskSuccess),
	"SendTaskFailure":                  op((*Service).SendTaskFailure),
	"SendTaskHeartbeat":                op((*Service).SendTaskHeartbeat),
	"TagResource":                      op((*Service).TagResource),
	"UntagResource":                    op((*Service).UntagResource),
	"ListTagsForResource":              op((*Service).ListTagsForResource),
	"TestState":                        op((*Service).TestState),
}

// decode reads an awsJson1_0 body into in: an empty body is {}, anything that is not a JSON
// object of the right member types is a SerializationException.
func decode(body []byte, in any) error {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil
	}
	if body[0] != '{' {
		return newError(CodeSerialization, "Start of structure or map found where not expected.")
	}
	// encoding/json would replace invalid UTF-8 and unpaired surrogate escapes with U+FFFD,
	// changing what the caller sent. Invalid UTF-8 and excessive nesting make the body
	// unreadable (as AWS's JSON parser finds it); an unpaired escape is kept as its six
	// characters, so that each member's own check refuses it: InvalidName for a name,
	// InvalidExecutionInput for an input, InvalidDefinition for a definition.
	if err := jsoncheck.Check(body, 0); err != nil {
		var ce *jsoncheck.Error
		if errors.As(err, &ce) && ce.Kind == jsoncheck.LoneSurrogate {
			if m := loneSurrogateMember(body); m != "" {
				return newError(CodeSerialization, "Invalid UTF-16 surrogate in member '%s': an unpaired \\u escape", m)
			}
			body = jsoncheck.EscapeLoneSurrogates(body)
			err = jsoncheck.Check(body, 0)
		}
		if err != nil {
			return newError(CodeSerialization, "Malformed request body: %s", err.Error())
		}
	}
	if err := json.Unmarshal(body, in); err != nil {
		if je := jackson.Check(string(body)); je != nil {
			// Coral's parser is Jackson: describe the syntax error in its words, never Go's.
			return newError(CodeSerialization, "%s", je.Message)
		}
		var te *json.UnmarshalTypeError
		if ok := asTypeError(err, &te); ok {
			return newError(CodeSerialization, "Unexpected value type for member '%s': expected %s", te.Field, wireType(te.Type.Kind()))
		}
		return newError(CodeSerialization, "Malformed request body")
	}
	return nil
}

// ownCheckMembers are the members whose own validation refuses an unpaired surrogate kept
// as its six characters (see decode): names, and members holding JSON or ASL text.
var ownCheckMembers = map[string]bool{"name": true, "input": true, "definition": true, "output": true, "variables": true, "context": true}

// loneSurrogateMember returns the first top-level member of body, outside ownCheckMembers,
// whose key or value holds an unpaired surrogate escape ("" when there is none, or when the
// body is not an object, which decoding then reports).
func loneSurrogateMember(body []byte) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return ""
	}
	for dec.More() {
		start := dec.InputOffset()
		t, err := dec.Token()
		if err != nil {
			return ""
		}
		key, _ := t.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return ""
		}
		if jsoncheck.Check(body[start:dec.InputOffset()], 0) != nil && !ownCheckMembers[key] {
			return key
		}
	}
	return ""
}

// wireType names a member's expected JSON type without Go's type names.
func wireType(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Pointer:
		return "a value"
	}
	return "a structure"
}

func asTypeError(err error, te **json.UnmarshalTypeError) bool {
	t, ok := err.(*json.UnmarshalTypeError)
	if ok {
		*te = t
	}
	return ok
}

func (s *Service) serveHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("panic serving request", zap.Any("panic", p), zap.Stack("stack"))
			s.writeError(w, &Error{Code: CodeInternalFailure, Message: "An internal error occurred.", Status: http.StatusInternalServerError})
		}
	}()
	if r.Method != http.MethodPost {
		s.writeError(w, &Error{Code: CodeUnknownOperation, Message: "Only POST is supported", Status: http.StatusNotFound})
		return
	}
	target := r.Header.Get("X-Amz-Target")
	name, ok := strings.CutPrefix(target, TargetPrefix)
	f := operations[name]
	if !ok || f == nil {
		s.writeError(w, newError(CodeUnknownOperation, ""))
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		s.writeError(w, newError(CodeSerialization, "Could not read the request body"))
		return
	}
	if len(body) > maxBody {
		s.writeError(w, &Error{Code: CodeValidationException, Message: "Request entity too large", Status: http.StatusRequestEntityTooLarge})
		return
	}
	// Every HTTP request has a region: its SigV4 scope's, or the default for an unsigned one.
	ctx := withRegion(r.Context(), s.region)
	if sc, ok := awsproto.ScopeOf(r); ok {
		ctx = withRegion(ctx, sc.Region)
	}
	out, err := f(s, ctx, body)
	if err != nil {
		e := apiError(err)
		if e.Code == CodeInternalFailure {
			s.log.Error("operation failed", fieldOperation(name), zap.Error(err))
		} else if ce := s.log.Check(zap.DebugLevel, "request refused"); ce != nil {
			ce.Write(fieldOperation(name), zap.String("code", e.Code), zap.String("message", e.Message))
		}
		s.writeError(w, e)
		return
	}
	if ce := s.log.Check(zap.DebugLevel, "request served"); ce != nil {
		ce.Write(fieldOperation(name))
	}
	b, err := marshal(out)
	if err != nil {
		s.log.Error("encoding response", fieldOperation(name), zap.Error(err))
		s.writeError(w, &Error{Code: CodeInternalFailure, Message: "An internal error occurred.", Status: http.StatusInternalServerError})
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", fmt.Sprint(len(b)))
	w.Header().Set("X-Amzn-RequestId", s.newID())
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// marshal encodes without HTML escaping, as AWS does.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func (s *Service) writeError(w http.ResponseWriter, e *Error) {
	body := map[string]any{"__type": e.typeName()}
	if e.Message != "" || e.Code != CodeUnknownOperation {
		body["message"] = e.Message
	}
	if e.Reason != "" {
		body["reason"] = e.Reason
	}
	if e.ResourceName != "" {
		body["resourceName"] = e.ResourceName
	}
	b, _ := marshal(body)
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Amzn-ErrorType", e.Code)
	w.Header().Set("X-Amzn-RequestId", s.newID())
	w.WriteHeader(e.status())
	_, _ = w.Write(b)
}

// newID returns a random UUID (version 4 layout).
func (s *Service) newID() string {
	s.randM.Lock()
	a, b := s.rand.Uint64(), s.rand.Uint64()
	s.randM.Unlock()
	a = a&^(0xf<<12) | 4<<12
	b = b&^(0x3<<62) | 0x2<<62
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", a>>32, (a>>16)&0xffff, a&0xffff, b>>48, b&0xffffffffffff)
}

func (s *Service) intn(n int) int {
	s.randM.Lock()
	defer s.randM.Unlock()
	return s.rand.IntN(n)
}
