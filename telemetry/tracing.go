package telemetry

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/api"
)

// Tracer exports each ended execution as one trace over OTLP/HTTP.
type Tracer struct {
	tp     *sdktrace.TracerProvider
	tracer trace.Tracer
	log    *zap.Logger
}

// TracesURL turns an OTLP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT's base URL, e.g.
// http://localhost:4318) into the traces URL (…/v1/traces); a URL already ending in
// /v1/traces is kept.
func TracesURL(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("invalid OTLP endpoint %q: want http(s)://host:port", endpoint)
	}
	if !strings.HasSuffix(u.Path, "/v1/traces") {
		u.Path = strings.TrimSuffix(u.Path, "/") + "/v1/traces"
	}
	return u.String(), nil
}

// NewTracer sets up the OpenTelemetry SDK with an OTLP/HTTP exporter to endpoint.
func NewTracer(_ context.Context, endpoint string, logger *zap.Logger) (*Tracer, error) {
	if logger == nil {
		logger = zap.NewNop()
	}
	u, err := TracesURL(endpoint)
	if err != nil {
		return nil, err
	}
	exp := newOTLPExporter(u)
	res := resource.NewSchemaless(attribute.String("service.name", "sfnlocal"))
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return &Tracer{tp: tp, tracer: tp.Tracer("github.com/sfnlocal/sfnlocal"), log: logger}, nil
}

// Shutdown exports what is pending and stops the exporter.
func (t *Tracer) Shutdown(ctx context.Context) error { return t.tp.Shutdown(ctx) }

// ForceFlush exports what is pending.
func (t *Tracer) ForceFlush(ctx context.Context) error { return t.tp.ForceFlush(ctx) }

// Observer exports an execution's trace when it ends (a redriven execution is exported again
// when it ends again, as a new trace).
func (t *Tracer) Observer() api.Observer {
	return api.ObserverFunc(func(e api.ExecutionStatus) {
		if e.Status == "RUNNING" || e.Run == nil {
			return
		}
		t.export(e)
	})
}

// span is a state or task span being built.
type span struct {
	s      trace.Span
	ctx    context.Context
	name   string
	typ    string // the state's type, from its Entered event
	parent int64  // the enclosing Parallel/Map state's entered event id
}

func (t *Tracer) export(e api.ExecutionStatus) {
	events := decodeEvents(e.Run.History())
	stop := e.StopDate
	if stop.IsZero() {
		stop = time.Now()
	}
	smName := e.StateMachineArn[strings.LastIndexByte(e.StateMachineArn, ':')+1:]
	rootCtx, root := t.tracer.Start(context.Background(), "Execution "+smName,
		trace.WithTimestamp(e.StartDate), trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(
			attribute.String("sfn.execution.arn", e.ExecutionArn), attribute.String("sfn.execution.name", e.Name),
			attribute.String("sfn.state_machine.arn", e.StateMachineArn), attribute.String("sfn.execution.status", e.Status),
			attribute.Bool("sfn.express", e.Express), attribute.Int("sfn.redrive_count", e.RedriveCount)))
	states := map[int64]*span{} // entered event id -> open state span
	owner := map[int64]int64{}  // event id -> entered event id of its state (0: the execution)
	types := map[int64]string{} // event id -> type
	tasks := map[int64]*span{}  // state entered id -> open task span
	ctxOf := func(id int64) context.Context {
		if s := states[id]; s != nil {
			return s.ctx
		}
		return rootCtx
	}
	// up walks from state id to the nearest enclosing state satisfying ok.
	up := func(id int64, ok func(*span) bool) int64 {
		for id != 0 {
			s := states[id]
			if s == nil {
				return 0
			}
			if ok(s) {
				return id
			}
			id = s.parent
		}
		return 0
	}
	for _, ev := range events {
		types[ev.ID] = ev.Type
		own := owner[ev.Prev]
		switch {
		case strings.HasSuffix(ev.Type, "StateEntered"):
			parent := int64(0)
			switch types[ev.Prev] {
			case "ParallelStateStarted", "MapIterationStarted", "MapStateStarted":
				parent = own
			default:
				if s := states[own]; s != nil {
					parent = s.parent
				}
			}
			typ := strings.TrimSuffix(ev.Type, "StateEntered")
			ctx, s := t.tracer.Start(ctxOf(parent), ev.Name, trace.WithTimestamp(ev.Time),
				trace.WithAttributes(attribute.String("sfn.state.name", ev.Name), attribute.String("sfn.state.type", typ)))
			states[ev.ID] = &span{s: s, ctx: ctx, name: ev.Name, typ: typ, parent: parent}
			owner[ev.ID] = ev.ID
			if typ == "Fail" {
				s.SetStatus(codes.Error, "Fail state")
			}
		case strings.HasSuffix(ev.Type, "StateExited"):
			id := up(own, func(s *span) bool { return s.name == ev.Name })
			if s := states[id]; s != nil {
				s.s.End(trace.WithTimestamp(ev.Time))
				delete(states, id)
			}
			owner[ev.ID] = id
		case strings.HasPrefix(ev.Type, "ParallelState") || strings.HasPrefix(ev.Type, "MapState") || strings.HasPrefix(ev.Type, "MapRun"):
			kind := "Parallel"
			if !strings.HasPrefix(ev.Type, "Parallel") {
				kind = "Map"
			}
			id := up(own, func(s *span) bool { return s.typ == kind })
			owner[ev.ID] = id
			if ev.HasError || strings.HasSuffix(ev.Type, "Failed") {
				if s := states[id]; s != nil {
					s.s.SetStatus(codes.Error, strings.TrimSpace(ev.Error+" "+ev.Cause))
				}
			}
		case strings.HasSuffix(ev.Type, "Scheduled"):
			owner[ev.ID] = own
			st := states[own]
			if st == nil {
				continue
			}
			service, op := splitResource(ev.ResType, ev.Resource)
			attrs := []attribute.KeyValue{attribute.String("sfn.resource", ev.Resource), attribute.String("rpc.system", "aws-api"),
				attribute.String("rpc.service", service), attribute.String("rpc.method", op)}
			if fn := member(ev.Parameters, "FunctionName"); fn != "" {
				attrs = append(attrs, attribute.String("faas.invoked_name", fn), attribute.String("aws.lambda.function_name", fn))
			}
			if jn := member(ev.Parameters, "JobName"); jn != "" {
				attrs = append(attrs, attribute.String("aws.batch.job_name", jn), attribute.String("aws.batch.job_queue", member(ev.Parameters, "JobQueue")))
			}
			name := service + ":" + op
			if service == "" {
				name = ev.Type
			}
			ctx, s := t.tracer.Start(st.ctx, name, trace.WithTimestamp(ev.Time), trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
			tasks[own] = &span{s: s, ctx: ctx}
		default:
			owner[ev.ID] = own
			task := tasks[own]
			switch {
			case task == nil:
			case strings.HasSuffix(ev.Type, "Submitted"):
				if id := member(ev.Output, "JobId"); id != "" {
					task.s.SetAttributes(attribute.String("aws.batch.job_id", id))
				}
			case strings.HasSuffix(ev.Type, "Succeeded"):
				task.s.SetStatus(codes.Ok, "")
				task.s.End(trace.WithTimestamp(ev.Time))
				delete(tasks, own)
			case strings.HasSuffix(ev.Type, "Failed") || strings.HasSuffix(ev.Type, "TimedOut") || strings.HasSuffix(ev.Type, "Aborted"):
				task.s.SetStatus(codes.Error, strings.TrimSpace(ev.Error+": "+ev.Cause))
				task.s.SetAttributes(attribute.String("sfn.error", ev.Error))
				task.s.End(trace.WithTimestamp(ev.Time))
				delete(tasks, own)
			}
			if ev.HasError {
				if s := states[own]; s != nil {
					s.s.SetStatus(codes.Error, strings.TrimSpace(ev.Error+": "+ev.Cause))
					s.s.SetAttributes(attribute.String("sfn.error", ev.Error))
				}
			}
		}
	}
	for _, s := range tasks {
		s.s.End(trace.WithTimestamp(stop))
	}
	for _, s := range states {
		s.s.End(trace.WithTimestamp(stop))
	}
	if e.Status != "SUCCEEDED" {
		root.SetStatus(codes.Error, strings.TrimSpace(e.Error+": "+e.Cause))
		root.SetAttributes(attribute.String("sfn.error", e.Error))
	} else {
		root.SetStatus(codes.Ok, "")
	}
	root.End(trace.WithTimestamp(stop))
}

// splitResource turns a Task resource (arn:aws:states:::batch:submitJob.sync, or a Lambda
// function ARN) into service and operation.
func splitResource(resType, resource string) (string, string) {
	if resType != "" {
		op := resource
		if i := strings.IndexByte(op, '.'); i >= 0 {
			op = op[:i]
		}
		return resType, op
	}
	r := strings.TrimPrefix(resource, "arn:aws:states:::")
	if strings.Contains(resource, ":function:") {
		return "lambda", "invoke"
	}
	if i := strings.IndexByte(r, ':'); i >= 0 {
		op := r[i+1:]
		if j := strings.IndexByte(op, '.'); j >= 0 {
			op = op[:j]
		}
		return r[:i], op
	}
	return "", r
}
