package telemetry

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	collectorpb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"go.uber.org/zap/zaptest"
	"google.golang.org/protobuf/proto"

	"github.com/sfnlocal/sfnlocal/api"
	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

const definition = `{"StartAt":"Prepare","States":{
 "Prepare":{"Type":"Pass","Next":"Fan"},
 "Fan":{"Type":"Parallel","Branches":[
   {"StartAt":"Job","States":{"Job":{"Type":"Task","Resource":"arn:aws:states:::batch:submitJob.sync","Parameters":{"JobName":"hello","JobQueue":"queue","JobDefinition":"def"},"End":true}}},
   {"StartAt":"Call","States":{"Call":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"boom"},"End":true}}}],
  "End":true}}}`

type setup struct {
	svc     *api.Service
	metrics *Metrics
	tracer  *Tracer
	mu      sync.Mutex
	bodies  [][]byte
	ctypes  []string
}

func newSetup(t *testing.T) *setup {
	t.Helper()
	s := &setup{metrics: NewMetrics()}
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/traces" || r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.bodies, s.ctypes = append(s.bodies, b), append(s.ctypes, r.Header.Get("Content-Type"))
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	t.Cleanup(receiver.Close)
	var err error
	s.tracer, err = NewTracer(context.Background(), receiver.URL, zaptest.NewLogger(t))
	require.NoError(t, err)
	clk := clock.NewFake(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	submitted := make(chan struct{}, 1)
	tasks := task.Registry{
		"lambda": task.HandlerFunc(func(ctx context.Context, req *task.Request) (any, error) {
			// Fail once the job has run, so that the trace has both Task spans.
			select {
			case <-submitted:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			s.metrics.LambdaInvoked("boom", "error")
			return nil, &task.Failure{Name: "Lambda.Unknown", Cause: "it broke"}
		}),
		"batch": task.HandlerFunc(func(ctx context.Context, req *task.Request) (any, error) {
			req.Submitted(map[string]any{"JobId": "job-1", "JobName": "hello"})
			s.metrics.BatchJobDone("arn:aws:batch:us-east-1:123456789012:job-queue/queue", "SUCCEEDED")
			submitted <- struct{}{}
			return map[string]any{"JobId": "job-1"}, nil
		}),
	}
	s.svc, err = api.New(api.Options{
		Engine: api.InterpreterEngine(api.InterpreterConfig{Clock: func() clock.Clock { return clk }, Tasks: tasks}),
		Clock:  clk, Observers: []api.Observer{s.metrics.Observer(), s.tracer.Observer()},
	})
	require.NoError(t, err)
	t.Cleanup(s.svc.Close)
	return s
}

func (s *setup) runOnce(t *testing.T, name, def string) string {
	t.Helper()
	ctx := context.Background()
	role := "arn:aws:iam::123456789012:role/r"
	sm, err := s.svc.CreateStateMachine(ctx, &api.CreateStateMachineInput{Name: &name, Definition: &def, RoleArn: &role})
	require.NoError(t, err)
	out, err := s.svc.StartExecution(ctx, &api.StartExecutionInput{StateMachineArn: &sm.StateMachineArn, Name: &name})
	require.NoError(t, err)
	run, ok := s.svc.ExecutionRun(out.ExecutionArn)
	require.True(t, ok)
	<-run.Done()
	s.svc.FlushObservers()
	return out.ExecutionArn
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	s.runOnce(t, "fanout", definition)
	s.runOnce(t, "simple", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	// One stopped execution.
	ctx, name, def, role := context.Background(), "held", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`, "arn:aws:iam::123456789012:role/r"
	sm, err := s.svc.CreateStateMachine(ctx, &api.CreateStateMachineInput{Name: &name, Definition: &def, RoleArn: &role})
	require.NoError(t, err)
	out, err := s.svc.StartExecution(ctx, &api.StartExecutionInput{StateMachineArn: &sm.StateMachineArn})
	require.NoError(t, err)
	_, err = s.svc.StopExecution(ctx, &api.StopExecutionInput{ExecutionArn: &out.ExecutionArn})
	require.NoError(t, err)
	s.svc.FlushObservers()

	rec := httptest.NewRecorder()
	s.metrics.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Header().Get("Content-Type"), "text/plain")
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, perr := parser.TextToMetricFamilies(strings.NewReader(rec.Body.String()))
	require.NoError(t, perr)

	value := func(name string, labels map[string]string) float64 {
		t.Helper()
		mf, ok := families[name]
		require.True(t, ok, "metric %s missing", name)
	next:
		for _, m := range mf.GetMetric() {
			got := map[string]string{}
			for _, lp := range m.GetLabel() {
				got[lp.GetName()] = lp.GetValue()
			}
			for k, v := range labels {
				if got[k] != v {
					continue next
				}
			}
			if m.GetCounter() != nil {
				return m.GetCounter().GetValue()
			}
			return float64(m.GetHistogram().GetSampleCount())
		}
		t.Fatalf("no %s%v", name, labels)
		return 0
	}
	std := func(sm string) map[string]string { return map[string]string{"state_machine": sm, "type": "STANDARD"} }
	require.Equal(t, 1.0, value("sfnlocal_executions_started_total", std("fanout")))
	require.Equal(t, 1.0, value("sfnlocal_executions_failed_total", std("fanout")))
	require.Equal(t, 1.0, value("sfnlocal_executions_succeeded_total", std("simple")))
	require.Equal(t, 1.0, value("sfnlocal_execution_duration_seconds", map[string]string{"state_machine": "fanout", "status": "FAILED"}))
	require.Equal(t, 4.0, value("sfnlocal_state_transitions_total", std("fanout")))
	require.Equal(t, 1.0, value("sfnlocal_state_transitions_total", std("simple")))
	require.Equal(t, 1.0, value("sfnlocal_lambda_invocations_total", map[string]string{"function": "boom", "outcome": "error"}))
	require.Equal(t, 1.0, value("sfnlocal_batch_jobs_total", map[string]string{"queue": "queue", "status": "SUCCEEDED"}))
	require.Equal(t, 1.0, value("sfnlocal_executions_aborted_total", std("held")))
	_, ok := families["sfnlocal_executions_timed_out_total"]
	require.False(t, ok, "no series until an execution times out")
	require.Contains(t, families, "go_goroutines")
	require.Contains(t, families, "go_memstats_alloc_bytes")
}

func TestTrace(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	arn := s.runOnce(t, "fanout", definition)
	require.NoError(t, s.tracer.ForceFlush(context.Background()))

	s.mu.Lock()
	defer s.mu.Unlock()
	require.Len(t, s.bodies, 1)
	require.Equal(t, "application/x-protobuf", s.ctypes[0])
	var req collectorpb.ExportTraceServiceRequest
	require.NoError(t, proto.Unmarshal(s.bodies[0], &req))
	require.Len(t, req.ResourceSpans, 1)
	rs := req.ResourceSpans[0]
	require.Equal(t, "service.name", rs.Resource.Attributes[0].Key)
	require.Equal(t, "sfnlocal", rs.Resource.Attributes[0].Value.GetStringValue())
	byName := map[string]*tracepb.Span{}
	var traceID []byte
	for _, ss := range rs.ScopeSpans {
		for _, sp := range ss.Spans {
			byName[sp.Name] = sp
			if traceID == nil {
				traceID = sp.TraceId
			}
			require.Equal(t, traceID, sp.TraceId, "one trace per execution")
		}
	}
	attr := func(sp *tracepb.Span, key string) string {
		for _, kv := range sp.Attributes {
			if kv.Key == key {
				return kv.Value.GetStringValue()
			}
		}
		return ""
	}
	root := byName["Execution fanout"]
	require.NotNil(t, root)
	require.Empty(t, root.ParentSpanId)
	require.Equal(t, arn, attr(root, "sfn.execution.arn"))
	require.Equal(t, tracepb.Status_STATUS_CODE_ERROR, root.Status.Code)
	require.Equal(t, "Lambda.Unknown", attr(root, "sfn.error"))

	parent := func(child, want string) {
		t.Helper()
		require.NotNil(t, byName[child], child)
		require.Equal(t, byName[want].SpanId, byName[child].ParentSpanId, "%s's parent is %s", child, want)
	}
	parent("Prepare", "Execution fanout")
	parent("Fan", "Execution fanout")
	parent("Job", "Fan")
	parent("Call", "Fan")
	parent("batch:submitJob", "Job")
	parent("lambda:invoke", "Call")

	job := byName["batch:submitJob"]
	require.Equal(t, tracepb.Span_SPAN_KIND_CLIENT, job.Kind)
	require.Equal(t, "batch", attr(job, "rpc.service"))
	require.Equal(t, "submitJob", attr(job, "rpc.method"))
	require.Equal(t, "job-1", attr(job, "aws.batch.job_id"))
	require.Equal(t, "hello", attr(job, "aws.batch.job_name"))
	require.Equal(t, tracepb.Status_STATUS_CODE_OK, job.Status.Code)
	call := byName["lambda:invoke"]
	require.Equal(t, "boom", attr(call, "aws.lambda.function_name"))
	require.Equal(t, tracepb.Status_STATUS_CODE_ERROR, call.Status.Code)
	require.Equal(t, "Lambda.Unknown: it broke", call.Status.Message)
	require.Equal(t, tracepb.Status_STATUS_CODE_ERROR, byName["Fan"].Status.Code)
	for name, sp := range byName {
		require.NotZero(t, sp.StartTimeUnixNano, name)
		require.GreaterOrEqual(t, sp.EndTimeUnixNano, sp.StartTimeUnixNano, name)
		require.Equal(t, uint64(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).UnixNano()), sp.StartTimeUnixNano, "%s starts on the execution's clock", name)
	}
}

func TestTracesURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want, err string }{
		{"http://localhost:4318", "http://localhost:4318/v1/traces", ""},
		{"http://localhost:4318/", "http://localhost:4318/v1/traces", ""},
		{"https://otel.example:443/prefix", "https://otel.example:443/prefix/v1/traces", ""},
		{"http://localhost:4318/v1/traces", "http://localhost:4318/v1/traces", ""},
		{"localhost:4318", "", "invalid OTLP endpoint"},
		{"ftp://x", "", "invalid OTLP endpoint"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := TracesURL(tc.in)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestExportError(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusServiceUnavailable) }))
	defer srv.Close()
	e := newOTLPExporter(srv.URL + "/v1/traces")
	require.NoError(t, e.ExportSpans(context.Background(), nil))
	err := e.ExportSpans(context.Background(), tracetest.SpanStubs{{Name: "x"}}.Snapshots())
	require.ErrorContains(t, err, "503 Service Unavailable")
	srv.Close()
	require.ErrorContains(t, e.ExportSpans(context.Background(), tracetest.SpanStubs{{Name: "x"}}.Snapshots()), "otlp: export")
	require.NoError(t, e.Shutdown(context.Background()))
}

// TestMetricsRedrive: a redriven execution's transitions count the states entered since the
// redrive only (read from its history: the observer remembers nothing per execution).
func TestMetricsRedrive(t *testing.T) {
	t.Parallel()
	m := NewMetrics()
	calls := 0
	tasks := task.Registry{
		// Called only from the execution's goroutine, one attempt at a time.
		"lambda": task.HandlerFunc(func(ctx context.Context, req *task.Request) (any, error) {
			calls++
			if calls == 1 {
				return nil, &task.Failure{Name: "Lambda.Unknown", Cause: "first attempt"}
			}
			return map[string]any{"ok": true}, nil
		}),
	}
	clk := clock.NewFake(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	svc, err := api.New(api.Options{
		Engine: api.InterpreterEngine(api.InterpreterConfig{Clock: func() clock.Clock { return clk }, Tasks: tasks}),
		Clock:  clk, Observers: []api.Observer{m.Observer()},
	})
	require.NoError(t, err)
	t.Cleanup(svc.Close)
	ctx, name, role := context.Background(), "redo", "arn:aws:iam::123456789012:role/r"
	def := `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},
		"B":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"End":true}}}`
	sm, err := svc.CreateStateMachine(ctx, &api.CreateStateMachineInput{Name: &name, Definition: &def, RoleArn: &role})
	require.NoError(t, err)
	out, err := svc.StartExecution(ctx, &api.StartExecutionInput{StateMachineArn: &sm.StateMachineArn})
	require.NoError(t, err)
	require.NoError(t, svc.WaitExecution(ctx, out.ExecutionArn))
	svc.FlushObservers()
	transitions := func() float64 {
		t.Helper()
		var pb dto.Metric
		require.NoError(t, m.transitions.WithLabelValues("redo", "STANDARD").Write(&pb))
		return pb.GetCounter().GetValue()
	}
	require.Equal(t, 2.0, transitions(), "A and B")
	_, err = svc.RedriveExecution(ctx, &api.RedriveExecutionInput{ExecutionArn: &out.ExecutionArn})
	require.NoError(t, err)
	require.NoError(t, svc.WaitExecution(ctx, out.ExecutionArn))
	svc.FlushObservers()
	d, err := svc.DescribeExecution(ctx, &api.DescribeExecutionInput{ExecutionArn: &out.ExecutionArn})
	require.NoError(t, err)
	require.Equal(t, "SUCCEEDED", d.Status)
	require.Equal(t, 3.0, transitions(), "B again after the redrive")
}
