package telemetry

import (
	"net/http"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sfnlocal/sfnlocal/api"
)

// Metrics holds sfnlocal's Prometheus metrics in their own registry (no global state, so
// tests and embedders can run several servers in one process).
type Metrics struct {
	// registry registers everything on first use (a scrape or an embedder's Registry call):
	// the Go runtime collector describes every runtime metric, which costs start-up time.
	registry                                    func() *prometheus.Registry
	started, succeeded, failed, timedOut, abort *prometheus.CounterVec
	duration                                    *prometheus.HistogramVec
	transitions                                 *prometheus.CounterVec
	lambda                                      *prometheus.CounterVec
	batch                                       *prometheus.CounterVec
}

// NewMetrics creates the metrics; they are registered, with the Go runtime and process
// collectors, on first use of the registry.
func NewMetrics() *Metrics {
	execLabels := []string{"state_machine", "type"}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	}
	m := &Metrics{
		started:   counter("sfnlocal_executions_started_total", "Executions started (and redriven).", execLabels...),
		succeeded: counter("sfnlocal_executions_succeeded_total", "Executions that succeeded.", execLabels...),
		failed:    counter("sfnlocal_executions_failed_total", "Executions that failed.", execLabels...),
		timedOut:  counter("sfnlocal_executions_timed_out_total", "Executions that timed out.", execLabels...),
		abort:     counter("sfnlocal_executions_aborted_total", "Executions that were stopped.", execLabels...),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "sfnlocal_execution_duration_seconds", Help: "Duration of ended executions, on the execution's clock.",
			Buckets: []float64{.005, .01, .05, .1, .5, 1, 5, 10, 30, 60, 300, 900, 3600},
		}, []string{"state_machine", "type", "status"}),
		transitions: counter("sfnlocal_state_transitions_total", "States entered, counted when the execution ends.", execLabels...),
		lambda:      counter("sfnlocal_lambda_invocations_total", "Lambda invocations by outcome (success, error, service_error).", "function", "outcome"),
		batch:       counter("sfnlocal_batch_jobs_total", "Batch jobs that ended, by queue and final status.", "queue", "status"),
	}
	m.registry = sync.OnceValue(func() *prometheus.Registry {
		reg := prometheus.NewRegistry()
		reg.MustRegister(m.started, m.succeeded, m.failed, m.timedOut, m.abort, m.duration, m.transitions, m.lambda, m.batch,
			collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		return reg
	})
	return m
}

// Registry is the registry the metrics live in (to add an embedder's own).
func (m *Metrics) Registry() *prometheus.Registry { return m.registry() }

// Handler serves the metrics in the Prometheus text format (or OpenMetrics when asked).
func (m *Metrics) Handler() http.Handler {
	h := sync.OnceValue(func() http.Handler {
		return promhttp.HandlerFor(m.registry(), promhttp.HandlerOpts{EnableOpenMetrics: true})
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h().ServeHTTP(w, r) })
}

// Observer counts executions as their status changes. The api delivers changes on one
// goroutine, so the observer needs no lock of its own.
func (m *Metrics) Observer() api.Observer {
	return api.ObserverFunc(func(e api.ExecutionStatus) {
		typ := "STANDARD"
		if e.Express {
			typ = "EXPRESS"
		}
		sm := e.StateMachineArn[strings.LastIndexByte(e.StateMachineArn, ':')+1:]
		var c *prometheus.CounterVec
		switch e.Status {
		case "RUNNING":
			m.started.WithLabelValues(sm, typ).Inc()
			return
		case "SUCCEEDED":
			c = m.succeeded
		case "FAILED":
			c = m.failed
		case "TIMED_OUT":
			c = m.timedOut
		case "ABORTED":
			c = m.abort
		default:
			return
		}
		c.WithLabelValues(sm, typ).Inc()
		if !e.StopDate.IsZero() && !e.StartDate.IsZero() {
			m.duration.WithLabelValues(sm, typ, e.Status).Observe(e.StopDate.Sub(e.StartDate).Seconds())
		}
		if e.Run != nil {
			// A redriven execution ends again: count only the states entered since its last
			// ExecutionRedriven event (the history says it, so nothing is remembered per
			// execution and memory stays bounded however many run).
			entered := 0
			for _, ev := range e.Run.History() {
				t, ok := eventType(ev)
				switch {
				case !ok:
				case t == "ExecutionRedriven":
					entered = 0
				case strings.HasSuffix(t, "StateEntered"):
					entered++
				}
			}
			if entered > 0 {
				m.transitions.WithLabelValues(sm, typ).Add(float64(entered))
			}
		}
	})
}

// LambdaInvoked counts a Lambda invocation (lambda.Config.OnInvoke).
func (m *Metrics) LambdaInvoked(function, outcome string) {
	m.lambda.WithLabelValues(function, outcome).Inc()
}

// BatchJobDone counts a Batch job that ended (batch.Config.OnJobDone); queue may be an ARN.
func (m *Metrics) BatchJobDone(queue, status string) {
	if i := strings.LastIndex(queue, "job-queue/"); i >= 0 {
		queue = queue[i+len("job-queue/"):]
	}
	m.batch.WithLabelValues(queue, status).Inc()
}
