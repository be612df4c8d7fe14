package batch

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/awsproto"
	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/regional"
	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/journal"
)

// Names of the resources New creates.
const (
	DefaultComputeEnvironment = "default"
	DefaultJobQueue           = "default"
	// DefaultMaxVCPUs is the default compute environment's maxvCpus, and the capacity of
	// environments created without one.
	DefaultMaxVCPUs = 256
	// LogGroup is the CloudWatch Logs group of every job's output.
	LogGroup = "/aws/batch/job"
	// DefaultStopGrace is how long a stopped container gets between SIGTERM and SIGKILL (ECS's
	// default ECS_CONTAINER_STOP_TIMEOUT).
	DefaultStopGrace = 30 * time.Second
)

// Config configures a Service.
type Config struct {
	Clock             clock.Clock
	Logger            *zap.Logger
	Region, AccountID string
	Runner            ContainerRunner
	// Backends holds more runners by backend name (BackendSwarm: services/batch/swarm);
	// a compute environment picks one with its TagBackend tag, or gets Backend.
	Backends map[string]ContainerRunner
	// Backend is the backend of compute environments without a TagBackend tag: ""
	// or BackendDocker for Runner, else a key of Backends.
	Backend string
	// AllowPrivileged and AllowHostMounts let job definitions ask for privileged containers
	// and host bind mounts; both are refused with a ClientException by default.
	AllowPrivileged, AllowHostMounts bool
	// EndpointURL is given to containers as AWS_ENDPOINT_URL, e.g.
	// http://host.docker.internal:8083.
	EndpointURL string
	// OnJobDone, when set, hears every job that reaches SUCCEEDED or FAILED, with its queue
	// (metrics). It is called with the service's lock held and must not block or call back.
	OnJobDone func(queue string, status Status)
	// StopGrace is the SIGTERM→SIGKILL grace for terminated and timed-out jobs (0: 30 s).
	StopGrace time.Duration
	// Logs, when set, also receives every line of job output (server wires the CloudWatch
	// Logs fake here, so that `aws logs` reads jobs' logs next to executions' logs).
	Logs LogSink
	// DB, when set, keeps resources, jobs and job logs durably and reattaches the containers
	// of running jobs at start (see persist.go); nil keeps everything in memory.
	DB *storage.DB
}

// LogSink receives job output lines as CloudWatch Logs events (Unix milliseconds); ok is
// false when the group does not exist (the lines are then lost, as on AWS).
type LogSink interface {
	Append(region, group, stream string, timestamp int64, messages ...string) (ok bool)
}

// Service is the Batch simulator: resources, jobs, their containers and logs.
type Service struct {
	cfg      Config
	clock    clock.Clock
	log      *zap.Logger
	runner   ContainerRunner
	serverID string

	// ctx is the component-lifetime context of the goroutines that run attempts; Close
	// cancels it.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	closed  bool
	ces     map[string]*computeEnv // by name
	queues  map[string]*jobQueue   // by name
	defs    map[string][]*JobDefinition
	jobs    map[string]*job // by id, children included
	order   []*job          // top-level jobs in submission order
	pending map[*job]struct{}
	// runnable holds RUNNABLE jobs in the order they became runnable.
	runnable []*job
	// changed is closed and replaced on every job status change (tests and waiters).
	changed chan struct{}
	// onTransition, when set (tests), sees every status change under mu.
	onTransition func(jobID string, from, to Status)

	logs *logStore

	p persistState // durable mode (Config.DB)
	// Compute environments, job queues, job definitions and jobs are kept per region, as on
	// AWS: each other region's are held by a Service of their own (In), made at New when the
	// store holds its state, else on first use, sharing the runner and the store (without
	// reaping: root reaps once for all, sparing every region's reattached containers).
	root     *Service
	regions  regional.Set[*Service]
	routes   http.Handler
	routesMu sync.Once
}

// In returns the Service holding the resources of region (the default region's for ""):
// requests signed for a region and Step Functions executions running in one use it.
func (s *Service) In(region string) *Service {
	if s.root != nil {
		return s.root.In(region)
	}
	return s.regions.In(region, s.cfg.Region, s, s.newRegion)
}

// newRegion makes the Service of region, another than s's, with its buckets in s's store
// (persist.go); it reattaches the region's running jobs, and fails only on a store it cannot
// read.
func (s *Service) newRegion(region string) (*Service, error) {
	cfg := s.cfg
	cfg.Region, cfg.DB = region, regional.DB(s.cfg.DB, region, s.cfg.Region)
	r, err := newService(cfg, false)
	if err != nil {
		return nil, fmt.Errorf("region %s: %w", region, err)
	}
	r.root = s
	return r, nil
}

// loadRegions makes the Service of every other region the store holds state of (persist.go),
// so that their running jobs are reattached at start as the default region's are.
func (s *Service) loadRegions() error {
	if err := s.regions.AddStored(s.cfg.DB, bucketPrefix, s.cfg.Region, s.newRegion); err != nil {
		return fmt.Errorf("batch: %w", err)
	}
	return nil
}

// partition is the ARN partition of the Service's region.
func (s *Service) partition() string { return awsproto.Partition(s.cfg.Region) }

type computeEnv struct {
	d    ComputeEnvironmentDetail
	used float64 // vCPUs of jobs STARTING or RUNNING here
	// backend and runner run its jobs (TagBackend, else Config.Backend).
	backend string
	runner  ContainerRunner
}

func (c *computeEnv) capacity() float64 {
	if c.d.Type == "UNMANAGED" {
		if c.d.UnmanagedvCpus != nil && *c.d.UnmanagedvCpus > 0 {
			return float64(*c.d.UnmanagedvCpus)
		}
		return DefaultMaxVCPUs
	}
	if c.d.ComputeResources != nil && c.d.ComputeResources.MaxvCpus != nil {
		return float64(*c.d.ComputeResources.MaxvCpus)
	}
	return DefaultMaxVCPUs
}

type jobQueue struct {
	d   JobQueueDetail
	seq int // creation order, to break priority ties
}

// New makes a Service with the default compute environment and job queue, and reaps
// containers left by a crashed run when the runner can.
func New(cfg Config) (*Service, error) { return newService(cfg, true) }

// newService is New for one region; reap (the default region's Service, once per process)
// also makes the other regions the store holds state of and starts the reaping of leftover
// containers.
func newService(cfg Config, reap bool) (*Service, error) {
	if cfg.Runner == nil {
		return nil, errors.New("batch: Config.Runner is required")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real()
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.AccountID == "" {
		cfg.AccountID = "123456789012"
	}
	if cfg.StopGrace == 0 {
		cfg.StopGrace = DefaultStopGrace
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Service{
		cfg: cfg, clock: cfg.Clock, log: cfg.Logger, runner: cfg.Runner,
		serverID: newHexID(8),
		ctx:      ctx, cancel: cancel,
		ces: map[string]*computeEnv{}, queues: map[string]*jobQueue{},
		defs: map[string][]*JobDefinition{}, jobs: map[string]*job{},
		pending: map[*job]struct{}{},
		changed: make(chan struct{}),
		logs:    newLogStore(),
		p:       persistState{j: journal.New(cfg.DB)},
	}
	if cfg.DB != nil {
		s.logs.persist = s.persistLog
		if err := s.load(cfg.DB); err != nil {
			cancel()
			return nil, fmt.Errorf("batch: load the durable state: %w", err)
		}
	}
	maxv := DefaultMaxVCPUs
	if _, ok := s.ces[DefaultComputeEnvironment]; !ok {
		if _, err := s.createComputeEnvironment(&createCEInput{
			ComputeEnvironmentName: DefaultComputeEnvironment, Type: "MANAGED",
			ComputeResources: &ComputeResources{Type: "EC2", MaxvCpus: &maxv},
		}); err != nil {
			return nil, err
		}
	}
	if _, ok := s.queues[DefaultJobQueue]; !ok {
		if _, err := s.createJobQueue(&createJQInput{
			JobQueueName: DefaultJobQueue, Priority: intp(1),
			ComputeEnvironmentOrder: []ComputeEnvironmentOrder{{Order: 1, ComputeEnvironment: DefaultComputeEnvironment}},
		}); err != nil {
			return nil, err
		}
	}
	if err := s.persist(); err != nil {
		cancel()
		return nil, err
	}
	if reap {
		// Before the reaper, which spares the containers every region reattaches.
		if err := s.loadRegions(); err != nil {
			_ = s.Close()
			return nil, err
		}
		s.reapLeftovers()
	}
	for _, j := range s.p.resume {
		s.wg.Add(1)
		go s.reattach(j)
	}
	s.p.resume = nil
	return s, nil
}

// reapLeftovers removes, in the background (start-up must not wait for a daemon, or for its
// absence), the containers a crashed earlier run left, but those of the jobs being
// reattached in any region.
func (s *Service) reapLeftovers() {
	runners := []ContainerRunner{s.cfg.Runner}
	for _, r := range s.cfg.Backends {
		runners = append(runners, r)
	}
	ctx := s.ctx
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for _, runner := range runners {
			r, ok := runner.(Reaper)
			if !ok {
				continue
			}
			reap := r.Reap
			if kr, ok := runner.(KeepReaper); ok && s.keeping() {
				reap = func(ctx context.Context) (int, error) { return kr.ReapKeep(ctx, s.keepContainer) }
			}
			n, err := reap(ctx)
			switch {
			case err != nil && ctx.Err() == nil:
				s.log.Warn("docker is not reachable: Batch jobs and image functions will fail to start", zap.Error(err))
			case n > 0:
				s.log.Info("reaped leftover containers", fReaped(n))
			}
		}
	}()
}

// Close stops the scheduler, force-removes the containers of running jobs and waits for their
// goroutines.
func (s *Service) Close() error {
	s.regions.Each(func(_ string, r *Service) { _ = r.Close() })
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	// With a store, running containers are left alone for the next start to reattach: the
	// attempt goroutines stop following them and write nothing more.
	s.p.off.Store(s.p.j.On())
	s.mu.Unlock()
	// Cancelling the component context ends every attempt's Wait; each attempt goroutine then
	// force-removes its container (in memory mode).
	s.cancel()
	s.wg.Wait()
	return nil
}

func intp(v int) *int { return &v }

func newHexID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newUUID returns a random RFC 4122 version 4 UUID, the form of AWS Batch job ids.
func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func (s *Service) arn(kind, name string) string {
	return fmt.Sprintf("arn:%s:batch:%s:%s:%s/%s", s.partition(), s.cfg.Region, s.cfg.AccountID, kind, name)
}

func (s *Service) nowMillis() int64 { return s.clock.Now().UnixMilli() }

// validName: 1 to 128 letters, digits, underscores and hyphens, starting with a letter or
// digit (job, queue, compute environment and job definition names).
func validName(s string) bool { return awsproto.StartsAlnum(s) && awsproto.NameOK(s, 1, 128, "_-") }

// nameFromRef accepts a name or an ARN of the given kind and returns the name part.
func (s *Service) nameFromRef(kind, ref string) string {
	prefix := fmt.Sprintf("arn:%s:batch:%s:%s:%s/", s.partition(), s.cfg.Region, s.cfg.AccountID, kind)
	return strings.TrimPrefix(ref, prefix)
}

// ---- compute environments ----

type createCEInput struct {
	ComputeEnvironmentName string            `json:"computeEnvironmentName"`
	Type                   string            `json:"type"`
	State                  string            `json:"state"`
	UnmanagedvCpus         *int              `json:"unmanagedvCpus"`
	ComputeResources       *ComputeResources `json:"computeResources"`
	ServiceRole            string            `json:"serviceRole"`
	Tags                   map[string]string `json:"tags"`
}

type ceOutput struct {
	ComputeEnvironmentName string `json:"computeEnvironmentName"`
	ComputeEnvironmentArn  string `json:"computeEnvironmentArn"`
}

// createComputeEnvironment adds a compute environment; its maxvCpus (or unmanagedvCpus)
// caps the vCPUs of the jobs it runs at once.
func (s *Service) createComputeEnvironment(in *createCEInput) (*ceOutput, error) {
	if !validName(in.ComputeEnvironmentName) {
		return nil, clientErrorf("Compute environment name %q is invalid: up to 128 letters, numbers, hyphens and underscores", in.ComputeEnvironmentName)
	}
	switch in.Type {
	case "MANAGED", "UNMANAGED":
	default:
		return nil, clientErrorf("Invalid compute environment type %q: must be MANAGED or UNMANAGED", in.Type)
	}
	state, err := checkState(in.State)
	if err != nil {
		return nil, err
	}
	if err := checkVCPUs(in.UnmanagedvCpus, in.ComputeResources); err != nil {
		return nil, err
	}
	backend, runner, err := s.backend(in.Tags[TagBackend])
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.ces[in.ComputeEnvironmentName]; ok {
		return nil, clientErrorf("Object already exists")
	}
	ce := &computeEnv{d: ComputeEnvironmentDetail{
		ComputeEnvironmentName: in.ComputeEnvironmentName,
		ComputeEnvironmentArn:  s.arn("compute-environment", in.ComputeEnvironmentName),
		EcsClusterArn: fmt.Sprintf("arn:%s:ecs:%s:%s:cluster/AWSBatch-%s-%s", s.partition(), s.cfg.Region, s.cfg.AccountID,
			in.ComputeEnvironmentName, newUUID()),
		Type: in.Type, State: state, Status: "VALID", StatusReason: "ComputeEnvironment Healthy",
		ComputeResources: in.ComputeResources, UnmanagedvCpus: in.UnmanagedvCpus,
		ServiceRole: in.ServiceRole, Tags: in.Tags, ContainerOrchestrationType: "ECS", UUID: newUUID(),
	}, backend: backend, runner: runner}
	s.ces[in.ComputeEnvironmentName] = ce
	return &ceOutput{ce.d.ComputeEnvironmentName, ce.d.ComputeEnvironmentArn}, nil
}

func checkState(state string) (string, error) {
	switch state {
	case "":
		return "ENABLED", nil
	case "ENABLED", "DISABLED":
		return state, nil
	}
	return "", clientErrorf("Invalid state %q: must be ENABLED or DISABLED", state)
}

func checkVCPUs(unmanaged *int, cr *ComputeResources) error {
	if unmanaged != nil && *unmanaged < 0 {
		return clientErrorf("unmanagedvCpus must be at least 0")
	}
	if cr != nil && cr.MaxvCpus != nil && *cr.MaxvCpus < 0 {
		return clientErrorf("maxvCpus must be at least 0")
	}
	return nil
}

type updateCEInput struct {
	ComputeEnvironment string            `json:"computeEnvironment"`
	State              string            `json:"state"`
	UnmanagedvCpus     *int              `json:"unmanagedvCpus"`
	ComputeResources   *ComputeResources `json:"computeResources"`
	ServiceRole        string            `json:"serviceRole"`
}

func (s *Service) updateComputeEnvironment(in *updateCEInput) (*ceOutput, error) {
	if err := checkVCPUs(in.UnmanagedvCpus, in.ComputeResources); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ce, err := s.ceLocked(in.ComputeEnvironment)
	if err != nil {
		return nil, err
	}
	if in.State != "" {
		st, err := checkState(in.State)
		if err != nil {
			return nil, err
		}
		ce.d.State = st
	}
	if in.UnmanagedvCpus != nil {
		ce.d.UnmanagedvCpus = in.UnmanagedvCpus
	}
	if in.ComputeResources != nil {
		if ce.d.ComputeResources == nil {
			ce.d.ComputeResources = &ComputeResources{}
		}
		if in.ComputeResources.MaxvCpus != nil {
			ce.d.ComputeResources.MaxvCpus = in.ComputeResources.MaxvCpus
		}
		if in.ComputeResources.MinvCpus != nil {
			ce.d.ComputeResources.MinvCpus = in.ComputeResources.MinvCpus
		}
		if in.ComputeResources.DesiredvC != nil {
			ce.d.ComputeResources.DesiredvC = in.ComputeResources.DesiredvC
		}
	}
	if in.ServiceRole != "" {
		ce.d.ServiceRole = in.ServiceRole
	}
	s.scheduleLocked()
	return &ceOutput{ce.d.ComputeEnvironmentName, ce.d.ComputeEnvironmentArn}, nil
}

func (s *Service) ceLocked(ref string) (*computeEnv, error) {
	if ce, ok := s.ces[s.nameFromRef("compute-environment", ref)]; ok {
		return ce, nil
	}
	return nil, clientErrorf("ComputeEnvironment %s does not exist", ref)
}

type deleteCEInput struct {
	ComputeEnvironment string `json:"computeEnvironment"`
}

func (s *Service) deleteComputeEnvironment(in *deleteCEInput) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ce, err := s.ceLocked(in.ComputeEnvironment)
	if err != nil {
		return err
	}
	for _, q := range s.queues {
		for _, o := range q.d.ComputeEnvironmentOrder {
			if o.ComputeEnvironment == ce.d.ComputeEnvironmentArn {
				return clientErrorf("Cannot delete, found existing JobQueue relationship")
			}
		}
	}
	if ce.d.State != "DISABLED" {
		return clientErrorf("Cannot delete, ComputeEnvironment %s is not DISABLED", ce.d.ComputeEnvironmentName)
	}
	delete(s.ces, ce.d.ComputeEnvironmentName)
	return nil
}

type describeInput struct {
	Names      []string `json:"-"`
	MaxResults int      `json:"maxResults"`
	NextToken  string   `json:"nextToken"`
}

// page cuts a slice for maxResults/nextToken pagination (the token is an offset).
func page[T any](items []T, maxResults int, token string) ([]T, string, error) {
	start := 0
	if token != "" {
		n, err := strconv.Atoi(token)
		if err != nil || n < 0 || n > len(items) {
			return nil, "", clientErrorf("Invalid nextToken")
		}
		start = n
	}
	if maxResults < 0 {
		return nil, "", clientErrorf("maxResults must be positive")
	}
	if maxResults == 0 || maxResults > 1000 {
		maxResults = 100
	}
	end := start + maxResults
	if end >= len(items) {
		return items[start:], "", nil
	}
	return items[start:end], strconv.Itoa(end), nil
}

func (s *Service) describeComputeEnvironments(names []string, maxResults int, token string) ([]ComputeEnvironmentDetail, string, error) {
	s.mu.Lock()
	var out []ComputeEnvironmentDetail
	if len(names) > 0 {
		for _, n := range names {
			if ce, ok := s.ces[s.nameFromRef("compute-environment", n)]; ok {
				out = append(out, ce.d)
			}
		}
	} else {
		for _, ce := range s.ces {
			out = append(out, ce.d)
		}
		sort.Slice(out, func(i, k int) bool { return out[i].ComputeEnvironmentName < out[k].ComputeEnvironmentName })
	}
	s.mu.Unlock()
	if out == nil {
		out = []ComputeEnvironmentDetail{}
	}
	return page(out, maxResults, token)
}

// ---- job queues ----

type createJQInput struct {
	JobQueueName            string                    `json:"jobQueueName"`
	State                   string                    `json:"state"`
	SchedulingPolicyArn     string                    `json:"schedulingPolicyArn"`
	Priority                *int                      `json:"priority"`
	ComputeEnvironmentOrder []ComputeEnvironmentOrder `json:"computeEnvironmentOrder"`
	JobQueueType            string                    `json:"jobQueueType"`
	Tags                    map[string]string         `json:"tags"`
}

type jqOutput struct {
	JobQueueName string `json:"jobQueueName"`
	JobQueueArn  string `json:"jobQueueArn"`
}

func (s *Service) createJobQueue(in *createJQInput) (*jqOutput, error) {
	if !validName(in.JobQueueName) {
		return nil, clientErrorf("Job queue name %q is invalid: up to 128 letters, numbers, hyphens and underscores", in.JobQueueName)
	}
	if in.Priority == nil {
		return nil, clientErrorf("priority is required")
	}
	state, err := checkState(in.State)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.queues[in.JobQueueName]; ok {
		return nil, clientErrorf("Object already exists")
	}
	order, err := s.ceOrderLocked(in.ComputeEnvironmentOrder)
	if err != nil {
		return nil, err
	}
	q := &jobQueue{seq: len(s.queues), d: JobQueueDetail{
		JobQueueName: in.JobQueueName, JobQueueArn: s.arn("job-queue", in.JobQueueName),
		State: state, SchedulingPolicyArn: in.SchedulingPolicyArn, Status: "VALID",
		StatusReason: "JobQueue Healthy", Priority: *in.Priority, ComputeEnvironmentOrder: order,
		JobQueueType: "ECS", Tags: in.Tags,
	}}
	s.queues[in.JobQueueName] = q
	return &jqOutput{q.d.JobQueueName, q.d.JobQueueArn}, nil
}

// ceOrderLocked resolves compute environment names to ARNs, sorted by order.
func (s *Service) ceOrderLocked(in []ComputeEnvironmentOrder) ([]ComputeEnvironmentOrder, error) {
	if len(in) == 0 {
		return nil, clientErrorf("computeEnvironmentOrder is required")
	}
	if len(in) > 3 {
		return nil, clientErrorf("A job queue can have up to 3 compute environments")
	}
	out := make([]ComputeEnvironmentOrder, 0, len(in))
	for _, o := range in {
		ce, err := s.ceLocked(o.ComputeEnvironment)
		if err != nil {
			return nil, err
		}
		out = append(out, ComputeEnvironmentOrder{Order: o.Order, ComputeEnvironment: ce.d.ComputeEnvironmentArn})
	}
	sort.SliceStable(out, func(i, k int) bool { return out[i].Order < out[k].Order })
	return out, nil
}

type updateJQInput struct {
	JobQueue                string                    `json:"jobQueue"`
	State                   string                    `json:"state"`
	Priority                *int                      `json:"priority"`
	ComputeEnvironmentOrder []ComputeEnvironmentOrder `json:"computeEnvironmentOrder"`
}

func (s *Service) updateJobQueue(in *updateJQInput) (*jqOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.queueLocked(in.JobQueue)
	if err != nil {
		return nil, err
	}
	if in.State != "" {
		st, err := checkState(in.State)
		if err != nil {
			return nil, err
		}
		q.d.State = st
	}
	if in.Priority != nil {
		q.d.Priority = *in.Priority
	}
	if in.ComputeEnvironmentOrder != nil {
		order, err := s.ceOrderLocked(in.ComputeEnvironmentOrder)
		if err != nil {
			return nil, err
		}
		q.d.ComputeEnvironmentOrder = order
	}
	s.scheduleLocked()
	return &jqOutput{q.d.JobQueueName, q.d.JobQueueArn}, nil
}

func (s *Service) queueLocked(ref string) (*jobQueue, error) {
	if q, ok := s.queues[s.nameFromRef("job-queue", ref)]; ok {
		return q, nil
	}
	return nil, clientErrorf("JobQueue %s does not exist", ref)
}

func (s *Service) deleteJobQueue(ref string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	q, err := s.queueLocked(ref)
	if err != nil {
		return err
	}
	if q.d.State != "DISABLED" {
		return clientErrorf("Cannot delete, JobQueue %s is not DISABLED", q.d.JobQueueName)
	}
	delete(s.queues, q.d.JobQueueName)
	// Jobs still waiting in a deleted queue fail, as AWS terminates them.
	for _, j := range s.order {
		if j.queue == q && !j.d.Status.Terminal() {
			s.cancelLocked(j, "Job queue deleted", true)
		}
	}
	return nil
}

func (s *Service) describeJobQueues(names []string, maxResults int, token string) ([]JobQueueDetail, string, error) {
	s.mu.Lock()
	var out []JobQueueDetail
	if len(names) > 0 {
		for _, n := range names {
			if q, ok := s.queues[s.nameFromRef("job-queue", n)]; ok {
				out = append(out, q.d)
			}
		}
	} else {
		for _, q := range s.queues {
			out = append(out, q.d)
		}
		sort.Slice(out, func(i, k int) bool { return out[i].JobQueueName < out[k].JobQueueName })
	}
	s.mu.Unlock()
	if out == nil {
		out = []JobQueueDetail{}
	}
	return page(out, maxResults, token)
}

// ---- tags ----

// tagsLocked returns a pointer to the tag map of the resource with the given ARN.
func (s *Service) tagsLocked(arn string) (*map[string]string, error) {
	prefix := fmt.Sprintf("arn:%s:batch:%s:%s:", s.partition(), s.cfg.Region, s.cfg.AccountID)
	kind, name, ok := strings.Cut(strings.TrimPrefix(arn, prefix), "/")
	if ok && strings.HasPrefix(arn, prefix) {
		switch kind {
		case "compute-environment":
			if ce, ok := s.ces[name]; ok {
				return &ce.d.Tags, nil
			}
		case "job-queue":
			if q, ok := s.queues[name]; ok {
				return &q.d.Tags, nil
			}
		case "job-definition":
			if d := s.defLocked(arn); d != nil {
				return &d.Tags, nil
			}
		case "job":
			if j, ok := s.jobs[name]; ok {
				s.dirtyLocked(j)
				return &j.d.Tags, nil
			}
		}
	}
	return nil, clientErrorf("Resource %s not found", arn)
}

func (s *Service) tagResource(arn string, tags map[string]string) error {
	if err := checkTags(tags); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.tagsLocked(arn)
	if err != nil {
		return err
	}
	if *t == nil {
		*t = map[string]string{}
	}
	for k, v := range tags {
		(*t)[k] = v
	}
	return nil
}

func (s *Service) untagResource(arn string, keys []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.tagsLocked(arn)
	if err != nil {
		return err
	}
	for _, k := range keys {
		delete(*t, k)
	}
	if len(*t) == 0 {
		*t = nil
	}
	return nil
}

func (s *Service) listTagsForResource(arn string) (map[string]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.tagsLocked(arn)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for k, v := range *t {
		out[k] = v
	}
	return out, nil
}

func checkTags(tags map[string]string) error {
	if len(tags) > 50 {
		return clientErrorf("A resource can have up to 50 tags")
	}
	for k, v := range tags {
		if len(k) < 1 || len(k) > 128 || len(v) > 256 {
			return clientErrorf("Invalid tag %q: keys are 1-128 characters, values up to 256", k)
		}
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return clientErrorf("Tag keys starting with aws: are reserved")
		}
		if err := checkPlacementTag(k, v); err != nil {
			return err
		}
	}
	return nil
}

func itoa(n int) string { return strconv.Itoa(n) }

func parseInt64(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }
