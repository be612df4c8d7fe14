// Package telemetry exports what sfnlocal runs to the tools people already watch: Prometheus
// metrics at /metrics (Metrics) and OpenTelemetry traces over OTLP/HTTP (Tracer).
//
// It exists apart from the interpreter so that the interpreter stays free of metrics and
// tracing code: both are fed by the api package's Observers (every execution status change,
// with the live run and its history) and by two small hooks in the Lambda and Batch
// simulators' configs. A trace is built from the execution's history events when the execution
// ends: the execution is the root span, each state a span with its real start and end times,
// each Task call a child span with the service, operation and function or job as attributes,
// and failures as span status.
//
// Metrics use github.com/prometheus/client_golang (the reference client, its text format and
// Go runtime collectors). Traces use the OpenTelemetry SDK (spans, batching, IDs), created only
// when an endpoint is configured so that a server without one pays nothing at start-up, with
// a small OTLP/HTTP protobuf exporter of our own over the official OTLP protobuf types: the
// SDK's otlptracehttp exporter links gRPC through its configuration package and would add
// 11.6 MB to the binary (measured) for no use here; see otlp.go.
package telemetry
