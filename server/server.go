// Package server composes everything sfnlocal serves on its one port: the Step Functions API
// (api), the Lambda simulator (services/lambda), the Batch simulator (services/batch on
// Docker), the ECS simulator on the same Docker runner (services/ecs), the CloudWatch Logs
// fake they write to (services/logs), the HTTP Task and API Gateway integrations
// (services/httptask), the S3 simulator (services/s3), the SNS, SQS, EventBridge and DynamoDB
// fakes (services/sns, services/sqs, services/events, services/dynamodb), the IAM, STS
// and KMS fakes setup scripts call first (services/iam, services/sts, services/kms), the web
// console at /ui/ (console), Prometheus metrics at /metrics and OpenTelemetry traces
// (telemetry),
// with the interpreter calling the simulators through the interpreter/task registry. It also
// wires the flows between them (flow.go): EventBridge targets, SNS subscribers, Lambda's SQS
// event source mappings, S3 event notifications and Step Functions' execution status events on
// the default bus.
//
// It exists as a package, not inside cmd/sfnlocal, so that the binary and the Go test helper
// (sfnlocaltest) build exactly the same server.
package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/api"
	"github.com/sfnlocal/sfnlocal/console"
	"github.com/sfnlocal/sfnlocal/internal/awsproto"
	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/config"
	"github.com/sfnlocal/sfnlocal/internal/runfolder"
	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
	"github.com/sfnlocal/sfnlocal/services/batch"
	"github.com/sfnlocal/sfnlocal/services/batch/docker"
	"github.com/sfnlocal/sfnlocal/services/batch/swarm"
	"github.com/sfnlocal/sfnlocal/services/dynamodb"
	"github.com/sfnlocal/sfnlocal/services/ecs"
	"github.com/sfnlocal/sfnlocal/services/ecs/batchrunner"
	"github.com/sfnlocal/sfnlocal/services/events"
	"github.com/sfnlocal/sfnlocal/services/httptask"
	"github.com/sfnlocal/sfnlocal/services/iam"
	"github.com/sfnlocal/sfnlocal/services/kms"
	"github.com/sfnlocal/sfnlocal/services/lambda"
	"github.com/sfnlocal/sfnlocal/services/logs"
	"github.com/sfnlocal/sfnlocal/services/s3"
	"github.com/sfnlocal/sfnlocal/services/sns"
	"github.com/sfnlocal/sfnlocal/services/sqs"
	"github.com/sfnlocal/sfnlocal/services/sts"
	"github.com/sfnlocal/sfnlocal/telemetry"
)

// ShutdownGrace bounds how long a graceful shutdown waits for requests in flight (a
// GetActivityTask long poll can hold one for 60 s).
const ShutdownGrace = 5 * time.Second

// Server is a configured sfnlocal.
type Server struct {
	cfg     config.Config
	log     *zap.Logger
	sfn     *api.Service
	lambda  *lambda.Service
	batch   *batch.Service
	sns     *sns.Service
	sqs     *sqs.Service
	dynamo  *dynamodb.Service
	events  *events.Service
	ecs     *ecs.Service
	http    *httptask.Service
	s3      *s3.Service
	logs    *logs.Service
	iam     *iam.Service
	sts     *sts.Service
	kms     *kms.Service
	console *console.Console // nil with NoConsole
	memory  *memoryReleaser
	metrics *telemetry.Metrics
	tracer  *telemetry.Tracer // nil without an OTLP endpoint
	// manual is the clock that POST /_sfnlocal/time moves in --time manual; nil otherwise.
	manual *clock.Manual
	// services is the clock of the real work behind Tasks (wall or scaled).
	services clock.Clock
	handler  http.Handler
	// runDir holds this server's temporary files (see internal/runfolder).
	runDir string
	// db is the durable store of every service with --data-dir; nil keeps state in memory.
	db *storage.DB
}

// New builds the services for cfg. cfg.Addr must be the address the server will be reached
// at (bind first when it has port 0), since function processes and job containers are told
// how to call back into sfnlocal.
func New(cfg config.Config, logger *zap.Logger) (*Server, error) {
	if logger == nil {
		logger = zap.NewNop()
	}
	mode, err := clock.ParseTimeMode(cfg.TimeMode)
	if err != nil {
		return nil, err
	}
	// Lambda code and Batch containers run in real time: they get the services' clock, not
	// an execution's scheduler. A scaled server scales Batch timeouts too.
	base := mode.Services
	_, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("server: address %q: %w", cfg.Addr, err)
	}
	s := &Server{cfg: cfg, log: logger, manual: mode.Manual, services: base, metrics: telemetry.NewMetrics()}
	if cfg.DataDir != "" {
		// A store that cannot be opened (damaged, newer schema, in use) stops the start:
		// serving an empty or corrupt state instead would lose data silently.
		if s.db, err = storage.Open(cfg.DataDir, storage.Options{}); err != nil {
			return nil, err
		}
		defer func() {
			if s.handler == nil && s.db != nil { // New failed before Close could
				_ = s.db.Close()
			}
		}()
	}
	s.logs = logs.New(logs.Config{Clock: base, Logger: logger.Named("logs"), Region: cfg.Region, AccountID: cfg.AccountID, DB: s.db})
	s.logs.CreateLogGroup(cfg.Region, batch.LogGroup)
	s.iam = iam.New(iam.Config{Clock: base, Logger: logger.Named("iam"), Region: cfg.Region, AccountID: cfg.AccountID, DB: s.db})
	s.sts = sts.New(sts.Config{Clock: base, Logger: logger.Named("sts"), Region: cfg.Region, AccountID: cfg.AccountID, DB: s.db})
	s.kms = kms.New(kms.Config{Clock: base, Logger: logger.Named("kms"), Region: cfg.Region, AccountID: cfg.AccountID, DB: s.db})
	s.memory = newMemoryReleaser(logger)
	observers := []api.Observer{s.metrics.Observer(), s.memory}
	if !cfg.NoConsole {
		s.console = console.New(console.Config{Logger: logger.Named("console")})
		observers = append(observers, s.console.Observer())
	}
	if cfg.OTLPEndpoint != "" {
		// The OpenTelemetry SDK is set up only when asked for: it costs start-up time.
		s.tracer, err = telemetry.NewTracer(context.Background(), cfg.OTLPEndpoint, logger.Named("otel"))
		if err != nil {
			return nil, err
		}
		observers = append(observers, s.tracer.Observer())
	}
	// Temporary files live under one folder per process; those of dead processes are
	// removed in the background.
	if s.runDir, err = runfolder.New(""); err != nil {
		return nil, err
	}
	go func() {
		if n := runfolder.Reap(""); n > 0 {
			logger.Info("removed leftover run folders", zap.Int("count", n))
		}
	}()
	containerHost := cfg.ContainerHost
	if containerHost == "" {
		containerHost = "host.docker.internal"
	}

	s.lambda, err = lambda.New(lambda.Config{
		Clock: clock.Real(), Logger: logger.Named("lambda"), Region: cfg.Region, AccountID: cfg.AccountID,
		ForwardEndpoint: cfg.LambdaEndpoint, OnInvoke: s.metrics.LambdaInvoked, TempDir: s.runDir, User: cfg.LambdaUser, ContainerHost: containerHost,
		Env: map[string]string{
			"AWS_ENDPOINT_URL":      "http://127.0.0.1:" + port,
			"AWS_ACCESS_KEY_ID":     "sfnlocal",
			"AWS_SECRET_ACCESS_KEY": "sfnlocal",
		},
		DB: s.db,
	})
	if err != nil {
		_ = runfolder.Remove(s.runDir)
		return nil, err
	}
	runner, err := docker.New(logger.Named("docker"))
	if err != nil {
		s.lambda.Close()
		_ = runfolder.Remove(s.runDir)
		return nil, err
	}
	// The swarm backend only connects when a job needs it (DOCKER_HOST names its manager).
	swarmRunner, err := swarm.New(logger.Named("swarm"))
	if err != nil {
		s.lambda.Close()
		_ = runfolder.Remove(s.runDir)
		return nil, err
	}
	s.batch, err = batch.New(batch.Config{
		Clock: base, Logger: logger.Named("batch"), Region: cfg.Region, AccountID: cfg.AccountID,
		Runner: runner, Backends: map[string]batch.ContainerRunner{batch.BackendSwarm: swarmRunner}, Backend: cfg.BatchBackend,
		AllowPrivileged: cfg.AllowPrivileged, AllowHostMounts: cfg.AllowHostMounts,
		EndpointURL: "http://" + net.JoinHostPort(containerHost, port), Logs: s.logs,
		OnJobDone: func(queue string, st batch.Status) { s.metrics.BatchJobDone(queue, string(st)) },
		DB:        s.db,
	})
	if err != nil {
		s.lambda.Close()
		_ = runfolder.Remove(s.runDir)
		return nil, err
	}
	// batch.New removes leftover containers of a crashed earlier run (Batch jobs and image
	// functions carry the same labels) in the background.
	s.sns = sns.New(sns.Config{Clock: base, Logger: logger.Named("sns"), Region: cfg.Region, AccountID: cfg.AccountID, Endpoint: "http://" + cfg.Addr, DB: s.db})
	s.dynamo = dynamodb.New(dynamodb.Config{Clock: base, Logger: logger.Named("dynamodb"), Region: cfg.Region, AccountID: cfg.AccountID, DB: s.db})
	s.sqs = sqs.New(sqs.Config{Clock: base, Logger: logger.Named("sqs"), Region: cfg.Region, AccountID: cfg.AccountID, Endpoint: "http://" + cfg.Addr, DB: s.db})
	s.events = events.New(events.Config{Clock: base, Logger: logger.Named("events"), Region: cfg.Region, AccountID: cfg.AccountID, DB: s.db})
	s.http = httptask.New(httptask.Config{Clock: base, Logger: logger.Named("http"), Region: cfg.Region,
		Connections: connections{s.events}, APIGateway: cfg.APIGateway})
	s.ecs, err = ecs.New(ecs.Config{
		Clock: base, Logger: logger.Named("ecs"), Region: cfg.Region, AccountID: cfg.AccountID,
		Runner: batchrunner.New(runner), Logs: ecsLogs{s.logs, cfg.Region}, AllowPrivileged: cfg.AllowPrivileged,
		// A cluster tagged sfnlocal:backend=swarm, or every cluster with --batch-backend swarm,
		// runs its tasks on the swarm like Batch compute environments.
		Backends: map[string]ecs.ContainerRunner{ecs.BackendSwarm: batchrunner.New(swarmRunner)}, Backend: cfg.BatchBackend,
		EndpointURL: "http://" + net.JoinHostPort(containerHost, port), DB: s.db,
	})
	if err != nil {
		s.Close()
		return nil, err
	}
	s.s3 = s3.New(s3.Config{Clock: base, Logger: logger.Named("s3"), Region: cfg.Region, AccountID: cfg.AccountID, DB: s.db})
	// With a store, records a service cannot read stop the start: serving without them would
	// lose them at the next write.
	if err := errors.Join(s.logs.LoadError(), s.sns.LoadError(), s.dynamo.LoadError(), s.sqs.LoadError(),
		s.events.LoadError(), s.s3.LoadError(), s.iam.LoadError(), s.sts.LoadError(), s.kms.LoadError()); err != nil {
		s.Close()
		return nil, err
	}
	s.wireFlows()

	tasks := task.Registry{
		"lambda":           s.lambda.Integration(),
		"batch":            s.batch.Integration(),
		"sns":              s.sns.Integration(),
		"sqs":              s.sqs.Integration(),
		"dynamodb":         s.dynamo.Integration(),
		"aws-sdk:dynamodb": s.dynamo.SDKIntegration(),
		"events":           s.events.Integration(),
		"ecs":              s.ecs.Integration(),
		"http":             s.http.HTTPIntegration(),
		"apigateway":       s.http.APIGatewayIntegration(),
		"aws-sdk:s3":       s.s3.SDKIntegration(),
		"s3":               s.s3.ItemIntegration(), // Distributed Map ItemReader/ResultWriter
	}
	s.sfn, err = api.New(api.Options{
		Engine: api.InterpreterEngine(api.InterpreterConfig{
			Clock: mode.Execution, Tasks: tasks, Logger: logger.Named("interpreter"),
			Region: cfg.Region, AccountID: cfg.AccountID,
		}),
		Logger:        logger.Named("api"),
		Region:        cfg.Region,
		AccountID:     cfg.AccountID,
		Logs:          executionLogs{s.logs},
		Keys:          s.kms,
		Observers:     append(observers, s.statusEvents()),
		MaxExecutions: cfg.MaxExecutions,
		DB:            s.db,
		Retention:     cfg.Retention,
	})
	if err != nil {
		s.Close()
		return nil, err
	}
	// Executions' logs are shipped whenever someone reads CloudWatch Logs.
	s.logs.Before(s.sfn.DeliverLogs)
	if cfg.MockConfig != "" {
		if err := s.ReloadMocks(); err != nil {
			s.Close()
			return nil, err
		}
	}
	// Nested workflows: registered once the Service exists, before anything is served.
	tasks["states"], tasks["aws-sdk:sfn"] = s.sfn.Integration(), s.sfn.SDKIntegration()
	if s.console != nil {
		s.console.Configure(s.sfn, s.batch, s.lambda)
	}
	s.handler = s.route()
	// With --data-dir, executions that were running when the last process stopped go on
	// where their recorded histories end, once every integration is wired.
	if err := s.sfn.Recover(); err != nil {
		s.Close()
		return nil, err
	}
	// So do the deliveries to SNS subscribers and EventBridge targets that were queued or
	// waiting to retry, now that their sinks are installed.
	s.sns.Resume()
	s.events.Resume()
	return s, nil
}

// route sends each request to the service it belongs to, the way AWS's endpoints would: by
// the service named in the request's SigV4 credential scope when it is signed, else (curl,
// unsigned clients) by the shape of the request.
func (s *Server) route() http.Handler {
	// Lambda's and Batch's routers are built on their first request (start-up time).
	lambdaH, batchH := lazyHandler(s.lambda.Handler), lazyHandler(s.batch.Handler)
	sfnH, logsH, snsH := s.sfn.Handler(), s.logs.Handler(), s.sns.Handler()
	sqsH, eventsH := s.sqs.Handler(), s.events.Handler()
	dynamoH, s3H := s.dynamo.Handler(), s.s3.Handler()
	ecsH := s.ecs.Handler()
	iamH, stsH, kmsH := s.iam.Handler(), s.sts.Handler(), s.kms.Handler()
	// bySigningName maps a SigV4 signing name to its handler; add a service here.
	bySigningName := map[string]http.Handler{
		"states":   sfnH,
		"lambda":   lambdaH,
		"batch":    batchH,
		"logs":     logsH,
		"sns":      snsH,
		"sqs":      sqsH,
		"dynamodb": dynamoH,
		"events":   eventsH,
		"ecs":      ecsH,
		"s3":       s3H,
		"iam":      iamH,
		"sts":      stsH,
		"kms":      kmsH,
	}
	metricsH := s.metrics.Handler()
	var consoleH http.Handler = http.NotFoundHandler()
	if s.console != nil {
		consoleH = s.console.Handler()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The console and /metrics are plain browser and scraper requests, never signed.
		switch {
		case r.URL.Path == "/ui" || strings.HasPrefix(r.URL.Path, console.Prefix):
			consoleH.ServeHTTP(w, r)
			return
		case r.URL.Path == "/metrics" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
			metricsH.ServeHTTP(w, r)
			return
		case s.console != nil && console.WantsConsole(r):
			http.Redirect(w, r, console.Prefix, http.StatusFound)
			return
		}
		if sc, ok := awsproto.ScopeOf(r); ok && !strings.HasPrefix(r.URL.Path, "/_sfnlocal/") {
			if h, ok := bySigningName[sc.Service]; ok {
				h.ServeHTTP(w, r)
				return
			}
		}
		target := r.Header.Get("X-Amz-Target")
		switch {
		case r.URL.Path == TimePath:
			s.serveTime(w, r)
		case r.URL.Path == MocksPath:
			s.serveMocks(w, r)
		case r.URL.Path == CoveragePath:
			s.serveCoverage(w, r)
		case iam.Actions[awsproto.QueryAction(r)]:
			iamH.ServeHTTP(w, r)
		case sts.Actions[awsproto.QueryAction(r)]:
			stsH.ServeHTTP(w, r)
		case kms.IsKMSRequest(r):
			kmsH.ServeHTTP(w, r)
		case api.IsStepFunctionsRequest(r):
			sfnH.ServeHTTP(w, r)
		case strings.HasPrefix(target, "Logs_20140328."):
			logsH.ServeHTTP(w, r)
		case strings.HasPrefix(r.URL.Path, "/2015-03-31/"), strings.HasPrefix(r.URL.Path, "/2017-03-31/"),
			strings.HasPrefix(r.URL.Path, "/2016-08-19/"), strings.HasPrefix(r.URL.Path, "/2019-09-25/"):
			lambdaH.ServeHTTP(w, r)
		case strings.HasPrefix(r.URL.Path, "/v1/"):
			batchH.ServeHTTP(w, r)
		case sns.IsSNSRequest(r):
			snsH.ServeHTTP(w, r)
		case sqs.IsSQSRequest(r):
			sqsH.ServeHTTP(w, r)
		case dynamodb.IsDynamoDBRequest(r):
			dynamoH.ServeHTTP(w, r)
		case events.IsEventsRequest(r):
			eventsH.ServeHTTP(w, r)
		case ecs.IsECSRequest(r):
			ecsH.ServeHTTP(w, r)
		case r.Method == http.MethodPost && target != "":
			// An awsJson request for a service sfnlocal does not serve: answer as AWS's
			// front end does for an unknown operation.
			sfnH.ServeHTTP(w, r)
		case s.s3.IsS3Request(r):
			// Last: an unsigned S3 request (curl, a presigned-style URL without a scope) is
			// recognized only by a bucket.localhost host or an existing bucket's name.
			s3H.ServeHTTP(w, r)
		default:
			http.NotFound(w, r)
		}
	})
}

// lazyHandler calls build on the first request and serves every request with its handler.
func lazyHandler(build func() http.Handler) http.Handler {
	h := sync.OnceValue(build)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h().ServeHTTP(w, r) })
}

// ecsLogs adapts the CloudWatch Logs fake to the ECS simulator's awslogs sink. The group is
// created on first use (awslogs-create-group), so that `aws logs` finds a task's output.
type ecsLogs struct {
	l      *logs.Service
	region string
}

func (e ecsLogs) CreateLogStream(group, stream string, now int64) {
	e.l.CreateLogGroup(e.region, group)
	e.l.Append(e.region, group, stream, now)
}

func (e ecsLogs) PutLogLine(group, stream, message string, now int64) {
	e.l.Append(e.region, group, stream, now, message)
}

// executionLogs adapts the CloudWatch Logs fake to the Step Functions API's LogSink.
type executionLogs struct{ l *logs.Service }

func (e executionLogs) Append(groupArn, stream string, events []api.LogRecord) {
	name, region := e.l.GroupName(groupArn)
	for _, ev := range events {
		if !e.l.Append(region, name, stream, ev.Timestamp, ev.Message) {
			return // the group is gone: AWS drops the events
		}
	}
}

// WaitExecution blocks until the execution has ended (or ctx ends): tests wait with it instead
// of polling DescribeExecution.
func (s *Server) WaitExecution(ctx context.Context, executionArn string) error {
	return s.sfn.WaitExecution(ctx, executionArn)
}

// IAM is the IAM fake.
func (s *Server) IAM() *iam.Service { return s.iam }

// KMS is the KMS fake.
func (s *Server) KMS() *kms.Service { return s.kms }

// Logs is the CloudWatch Logs fake, holding executions' and Batch jobs' logs.
func (s *Server) Logs() *logs.Service { return s.logs }

// Handler routes every request to its service.
func (s *Server) Handler() http.Handler { return s.handler }

// Lambda is the Lambda simulator, e.g. for registering in-process Go functions.
func (s *Server) Lambda() *lambda.Service { return s.lambda }

// SNS is the SNS fake, for reading published messages.
func (s *Server) SNS() *sns.Service { return s.sns }

// SQS is the SQS fake, e.g. for a Go worker that receives the messages Task states send.
func (s *Server) SQS() *sqs.Service { return s.sqs }

// DynamoDB is the DynamoDB fake, e.g. for seeding and inspecting tables in tests.
func (s *Server) DynamoDB() *dynamodb.Service { return s.dynamo }

// Events is the EventBridge fake, for reading the events Task states put.
func (s *Server) Events() *events.Service { return s.events }

// ECS is the ECS simulator.
func (s *Server) ECS() *ecs.Service { return s.ecs }

// S3 is the S3 simulator, e.g. for seeding and reading objects in tests.
func (s *Server) S3() *s3.Service { return s.s3 }

// Metrics is the Prometheus metrics registry holder (served at /metrics).
func (s *Server) Metrics() *telemetry.Metrics { return s.metrics }

// Close stops every execution, function environment and job and task container, and exports
// the traces still pending.
func (s *Server) Close() error {
	var errs []error
	if s.sfn != nil {
		s.sfn.Close()
	}
	if s.memory != nil {
		s.memory.close()
	}
	if s.events != nil {
		s.events.Close()
	}
	if s.sns != nil {
		s.sns.Close()
	}
	if s.tracer != nil {
		ctx, cancel := context.WithTimeout(context.Background(), ShutdownGrace)
		errs = append(errs, s.tracer.Shutdown(ctx))
		cancel()
	}
	if s.ecs != nil {
		errs = append(errs, s.ecs.Close())
	}
	if s.batch != nil {
		errs = append(errs, s.batch.Close())
	}
	if s.lambda != nil {
		errs = append(errs, s.lambda.Close())
	}
	if s.logs != nil {
		errs = append(errs, s.logs.Sync()) // log lines appended in the background
	}
	if s.runDir != "" {
		errs = append(errs, runfolder.Remove(s.runDir))
	}
	if s.db != nil {
		errs = append(errs, s.db.Close())
		s.db = nil
	}
	return errors.Join(errs...)
}

// Serve answers requests on ln until ctx ends, then shuts down gracefully and closes the
// services.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second, ErrorLog: zap.NewStdLog(s.log.Named("http"))}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	s.log.Info("listening", zap.String("addr", ln.Addr().String()), zap.String("region", s.cfg.Region),
		zap.String("account_id", s.cfg.AccountID), zap.String("time", s.cfg.TimeMode))
	select {
	case err := <-errc:
		_ = s.Close()
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownGrace)
	defer cancel()
	err := hs.Shutdown(sctx)
	cerr := s.Close()
	if errors.Is(err, context.DeadlineExceeded) {
		err = hs.Close()
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return errors.Join(err, cerr)
}

// DB is the durable store with --data-dir (nil in memory mode), for the services to keep
// their state in.
func (s *Server) DB() *storage.DB { return s.db }
