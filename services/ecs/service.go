package ecs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
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

// DefaultCluster is the cluster New creates, used by RunTask without a cluster.
const DefaultCluster = "default"

// DefaultStopGrace is how long a stopped container gets between SIGTERM and SIGKILL (ECS's
// default ECS_CONTAINER_STOP_TIMEOUT).
const DefaultStopGrace = 30 * time.Second

// Labels set on every task container, besides the runner's own.
const (
	LabelTaskArn   = "sfnlocal.ecs.task-arn"
	LabelContainer = "sfnlocal.ecs.container"
)

// Backends: a cluster tagged TagBackend=BackendSwarm runs its tasks' containers as Docker
// Swarm services, as Batch compute environments do with the same tag.
const (
	TagBackend    = "sfnlocal:backend"
	BackendDocker = "docker"
	BackendSwarm  = "swarm"
	// TagConstraint on a cluster holds a placement constraint for its tasks' containers on
	// a cluster backend (Swarm's syntax, node.labels.gpu==true); more under
	// TagConstraint+":"+anything.
	TagConstraint = "sfnlocal:constraint"
)

// Checker is implemented by runners that can tell whether they can run containers at all
// (a swarm needs a reachable manager): RunTask on a cluster using one fails with a
// ClientException when it reports an error.
type Checker interface {
	Check(ctx context.Context) error
}

// Config configures a Service.
type Config struct {
	Clock             clock.Clock
	Logger            *zap.Logger
	Region, AccountID string
	Runner            ContainerRunner
	// Backends holds more runners by backend name (BackendSwarm: the Batch simulator's
	// Docker Swarm runner, adapted); a cluster picks one with its TagBackend tag, or gets
	// Backend.
	Backends map[string]ContainerRunner
	// Backend is the runner of clusters without a TagBackend tag: "" or BackendDocker for
	// Runner, else a key of Backends (the server passes --batch-backend).
	Backend string
	// Logs receives the output of containers using the awslogs driver (nil: dropped).
	Logs LogSink
	// EndpointURL is given to containers as AWS_ENDPOINT_URL, e.g.
	// http://host.docker.internal:8083.
	EndpointURL string
	// AllowPrivileged lets task definitions ask for privileged containers.
	AllowPrivileged bool
	// StopGrace is the SIGTERM→SIGKILL grace of stopped containers (0: 30 s).
	StopGrace time.Duration
	// DB, when set, keeps clusters, task definitions and tasks durably (see persist.go); nil
	// keeps them in memory.
	DB *storage.DB
}

// Service is the ECS simulator.
type Service struct {
	cfg Config
	log *zap.Logger

	// ctx is the component-lifetime context of task goroutines; Close cancels it.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	closed   bool
	clusters map[string]*Cluster          // by name
	defs     map[string][]*TaskDefinition // by family, revision order
	defTags  map[string][]Tag             // by task definition ARN
	tasks    map[string]*ecsTask          // by task ARN
	order    []*ecsTask
	pruned   time.Time // last pruneLocked pass

	p persistState // durable mode (Config.DB)
	// Clusters, task definitions and tasks are kept per region, as on AWS: each other
	// region's are held by a Service of their own (In), made at New when the store holds its
	// state, else on first use, sharing the runner and the store.
	root    *Service
	regions regional.Set[*Service]
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
// (persist.go); it fails only on a store it cannot read.
func (s *Service) newRegion(region string) (*Service, error) {
	cfg := s.cfg
	cfg.Region, cfg.DB = region, regional.DB(s.cfg.DB, region, s.cfg.Region)
	r, err := newForRegion(cfg)
	if err != nil {
		return nil, fmt.Errorf("region %s: %w", region, err)
	}
	r.root = s
	return r, nil
}

// loadRegions makes the Service of every other region the store holds state of (persist.go),
// which records its tasks that were running as STOPPED, as New does the default region's.
func (s *Service) loadRegions() error {
	if err := s.regions.AddStored(s.cfg.DB, bucketPrefix, s.cfg.Region, s.newRegion); err != nil {
		return fmt.Errorf("ecs: %w", err)
	}
	return nil
}

// APIError is an ECS API error: Code is the exception name written as __type.
type APIError struct {
	Code    string
	Message string
	Status  int
}

func (e *APIError) Error() string { return e.Code + ": " + e.Message }

func clientErr(format string, args ...any) *APIError {
	return &APIError{Code: "ClientException", Message: fmt.Sprintf(format, args...), Status: http.StatusBadRequest}
}

func invalidParam(format string, args ...any) *APIError {
	return &APIError{Code: "InvalidParameterException", Message: fmt.Sprintf(format, args...), Status: http.StatusBadRequest}
}

func errClusterNotFound() *APIError {
	return &APIError{Code: "ClusterNotFoundException", Message: "Cluster not found.", Status: http.StatusBadRequest}
}

// New makes a Service with the default cluster, or, with a store, with what it holds in every
// region.
func New(cfg Config) (*Service, error) {
	s, err := newForRegion(cfg)
	if err != nil || cfg.DB == nil {
		return s, err
	}
	if err := s.loadRegions(); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// newForRegion is New for one region: the default region's Service, or another region's (In).
func newForRegion(cfg Config) (*Service, error) {
	if cfg.Runner == nil {
		return nil, errors.New("ecs: Config.Runner is required")
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
	s := &Service{cfg: cfg, log: cfg.Logger, ctx: ctx, cancel: cancel,
		clusters: map[string]*Cluster{}, defs: map[string][]*TaskDefinition{},
		defTags: map[string][]Tag{}, tasks: map[string]*ecsTask{}, p: persistState{j: journal.New(cfg.DB)}}
	if cfg.DB != nil {
		if err := s.load(cfg.DB); err != nil {
			cancel()
			return nil, fmt.Errorf("ecs: load the durable state: %w", err)
		}
	}
	if _, err := s.CreateCluster(DefaultCluster, nil); err != nil {
		return nil, err
	}
	if err := s.persist(); err != nil {
		cancel()
		return nil, err
	}
	return s, nil
}

// Close stops every task's containers and waits for their goroutines.
func (s *Service) Close() error {
	s.regions.Each(func(_ string, r *Service) { _ = r.Close() })
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	return nil
}

func newHexID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func newUUID() string {
	h := newHexID(16)
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:]
}

func (s *Service) arn(kind, name string) string {
	return fmt.Sprintf("arn:%s:ecs:%s:%s:%s/%s", awsproto.Partition(s.cfg.Region), s.cfg.Region, s.cfg.AccountID, kind, name)
}

// validClusterName: 1 to 255 letters, digits, underscores and hyphens.
func validClusterName(s string) bool { return awsproto.NameOK(s, 1, 255, "_-") }

// clusterName returns the name of a cluster given by name or ARN ("" is the default).
func clusterName(ref string) string {
	if ref == "" {
		return DefaultCluster
	}
	if i := strings.LastIndex(ref, ":cluster/"); i >= 0 && strings.HasPrefix(ref, "arn:") {
		return ref[i+len(":cluster/"):]
	}
	return ref
}

// ---- clusters ----

// CreateCluster creates a cluster; creating an existing active one returns it, as on AWS.
func (s *Service) CreateCluster(name string, tags []Tag) (Cluster, error) {
	if name == "" {
		name = DefaultCluster
	}
	if !validClusterName(name) {
		return Cluster{}, invalidParam("Cluster name can only contain upper and lowercase letters, numbers, hyphens, and underscores, and must be between 1 and 255 characters.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.clusters[name]; ok && c.Status == "ACTIVE" {
		return s.clusterViewLocked(c), nil
	}
	if tags == nil {
		tags = []Tag{}
	}
	c := &Cluster{ClusterArn: s.arn("cluster", name), ClusterName: name, Status: "ACTIVE",
		Statistics: []KeyValuePair{}, Tags: tags, CapacityProviders: []string{}, DefaultCapacityProviderStrategy: []any{},
		Settings: []KeyValuePair{{Name: "containerInsights", Value: "disabled"}}}
	s.clusters[name] = c
	return s.clusterViewLocked(c), nil
}

// runnerOf resolves the runner of cluster c's tasks: its TagBackend tag, else
// Config.Backend, else Runner.
func (s *Service) runnerOf(c *Cluster) (ContainerRunner, error) {
	name, tagged := "", false
	for _, t := range c.Tags {
		if t.Key == TagBackend {
			name, tagged = t.Value, true
		}
	}
	if !tagged {
		name = s.cfg.Backend
	}
	if name == "" || name == BackendDocker {
		return s.cfg.Runner, nil
	}
	if r, ok := s.cfg.Backends[name]; ok && r != nil {
		return r, nil
	}
	if tagged {
		return nil, clientErr("Tag %s=%s of cluster %s names a backend this sfnlocal server does not have: use %s or %s", TagBackend, name, c.ClusterName, BackendDocker, BackendSwarm)
	}
	return nil, clientErr("Backend %s is not configured on this sfnlocal server", name)
}

// constraintsOf are the placement constraints of cluster c's TagConstraint tags, by key.
func constraintsOf(c *Cluster) []string {
	var keys []string
	byKey := map[string]string{}
	for _, t := range c.Tags {
		if t.Key == TagConstraint || strings.HasPrefix(t.Key, TagConstraint+":") {
			keys = append(keys, t.Key)
			byKey[t.Key] = strings.TrimSpace(t.Value)
		}
	}
	slices.Sort(keys)
	var out []string
	for _, k := range keys {
		out = append(out, byKey[k])
	}
	return out
}

// clusterViewLocked is a copy of c with its task counts.
func (s *Service) clusterViewLocked(c *Cluster) Cluster {
	out := *c
	out.RunningTasksCount, out.PendingTasksCount = 0, 0
	for _, t := range s.order {
		if t.d.ClusterArn != c.ClusterArn {
			continue
		}
		switch t.d.LastStatus {
		case StatusRunning:
			out.RunningTasksCount++
		case StatusProvisioning, StatusPending:
			out.PendingTasksCount++
		}
	}
	return out
}

func (s *Service) clusterLocked(ref string) (*Cluster, error) {
	c, ok := s.clusters[clusterName(ref)]
	if !ok || c.Status != "ACTIVE" {
		return nil, errClusterNotFound()
	}
	return c, nil
}

// DescribeClusters returns the named clusters (the default one without names); unknown ones
// are listed as failures with reason MISSING.
func (s *Service) DescribeClusters(refs []string) ([]Cluster, []Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(refs) == 0 {
		refs = []string{DefaultCluster}
	}
	out, fails := []Cluster{}, []Failure{}
	for _, r := range refs {
		c, ok := s.clusters[clusterName(r)]
		if !ok {
			arn := r
			if !strings.HasPrefix(r, "arn:") {
				arn = s.arn("cluster", r)
			}
			fails = append(fails, Failure{Arn: arn, Reason: "MISSING"})
			continue
		}
		out = append(out, s.clusterViewLocked(c))
	}
	return out, fails
}

// ListClusters returns the ARNs of the active clusters, sorted.
func (s *Service) ListClusters() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []string{}
	for _, c := range s.clusters {
		if c.Status == "ACTIVE" {
			out = append(out, c.ClusterArn)
		}
	}
	sort.Strings(out)
	return out
}

// DeleteCluster marks a cluster INACTIVE; a cluster with tasks that have not stopped cannot
// be deleted.
func (s *Service) DeleteCluster(ref string) (Cluster, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.clusterLocked(ref)
	if err != nil {
		return Cluster{}, err
	}
	for _, t := range s.order {
		if t.d.ClusterArn == c.ClusterArn && t.d.LastStatus != StatusStopped {
			return Cluster{}, &APIError{Code: "ClusterContainsTasksException", Status: 400,
				Message: "The Cluster cannot be deleted while Tasks are active."}
		}
	}
	c.Status = "INACTIVE"
	return *c, nil
}

// ---- task definitions ----

// validFamily: 1 to 255 letters, digits, underscores and hyphens.
func validFamily(s string) bool { return awsproto.NameOK(s, 1, 255, "_-") }

// RegisterTaskDefinitionInput is RegisterTaskDefinition's request.
type RegisterTaskDefinitionInput struct {
	Family                  string                `json:"family"`
	TaskRoleArn             string                `json:"taskRoleArn"`
	ExecutionRoleArn        string                `json:"executionRoleArn"`
	NetworkMode             string                `json:"networkMode"`
	ContainerDefinitions    []ContainerDefinition `json:"containerDefinitions"`
	Volumes                 []any                 `json:"volumes"`
	PlacementConstraints    []any                 `json:"placementConstraints"`
	RequiresCompatibilities []string              `json:"requiresCompatibilities"`
	CPU                     string                `json:"cpu"`
	Memory                  string                `json:"memory"`
	Tags                    []Tag                 `json:"tags"`
}

// RegisterTaskDefinition adds the next revision of a family.
func (s *Service) RegisterTaskDefinition(in *RegisterTaskDefinitionInput) (TaskDefinition, error) {
	if !validFamily(in.Family) {
		return TaskDefinition{}, clientErr("Family contains invalid characters or is too long: up to 255 letters (uppercase and lowercase), numbers, hyphens, and underscores are allowed.")
	}
	if len(in.ContainerDefinitions) == 0 {
		return TaskDefinition{}, clientErr("Container list cannot be empty.")
	}
	seen := map[string]bool{}
	essential := false
	for i := range in.ContainerDefinitions {
		c := &in.ContainerDefinitions[i]
		if c.Name == "" {
			return TaskDefinition{}, clientErr("Container.name should not be null or empty.")
		}
		if c.Image == "" {
			return TaskDefinition{}, clientErr("Container.image should not be null or empty.")
		}
		if seen[c.Name] {
			return TaskDefinition{}, clientErr("Duplicate container names are not allowed.")
		}
		seen[c.Name] = true
		if c.essential() {
			essential = true
		}
		if c.Privileged != nil && *c.Privileged && !s.cfg.AllowPrivileged {
			return TaskDefinition{}, clientErr("Privileged containers are refused by sfnlocal unless it runs with --allow-privileged.")
		}
		if c.Environment == nil {
			c.Environment = []KeyValuePair{}
		}
		for _, f := range []*[]any{&c.PortMappings, &c.MountPoints, &c.VolumesFrom} {
			if *f == nil {
				*f = []any{}
			}
		}
		if l := c.LogConfiguration; l != nil && l.LogDriver == "awslogs" && l.Options["awslogs-group"] == "" {
			return TaskDefinition{}, clientErr("Log driver awslogs option 'awslogs-group' should not be null or empty.")
		}
	}
	if !essential {
		return TaskDefinition{}, clientErr("Task definition does not have any essential container.")
	}
	for _, c := range in.RequiresCompatibilities {
		switch c {
		case "EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES":
		default:
			return TaskDefinition{}, invalidParam("Invalid compatibility %q.", c)
		}
	}
	now := s.cfg.Clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	rev := len(s.defs[in.Family]) + 1
	d := &TaskDefinition{
		TaskDefinitionArn:    s.arn("task-definition", in.Family+":"+strconv.Itoa(rev)),
		ContainerDefinitions: in.ContainerDefinitions, Family: in.Family, Revision: rev,
		TaskRoleArn: in.TaskRoleArn, ExecutionRoleArn: in.ExecutionRoleArn, NetworkMode: in.NetworkMode,
		Volumes: orEmpty(in.Volumes), PlacementConstraints: orEmpty(in.PlacementConstraints), Status: "ACTIVE",
		Compatibilities: []string{"EC2", "FARGATE"}, RequiresCompatibilities: in.RequiresCompatibilities,
		CPU: in.CPU, Memory: in.Memory, RegisteredAt: at(now),
		RegisteredBy: fmt.Sprintf("arn:aws:iam::%s:root", s.cfg.AccountID),
	}
	if d.NetworkMode == "" {
		d.NetworkMode = "bridge"
	}
	s.defs[in.Family] = append(s.defs[in.Family], d)
	if len(in.Tags) > 0 {
		s.defTags[d.TaskDefinitionArn] = in.Tags
	}
	return *d, nil
}

func orEmpty(v []any) []any {
	if v == nil {
		return []any{}
	}
	return v
}

// defLocked resolves family, family:revision or an ARN; a bare family is its latest ACTIVE
// revision.
func (s *Service) defLocked(ref string) (*TaskDefinition, bool) {
	name := ref
	if i := strings.LastIndex(ref, ":task-definition/"); i >= 0 && strings.HasPrefix(ref, "arn:") {
		name = ref[i+len(":task-definition/"):]
	}
	family, rev, hasRev := strings.Cut(name, ":")
	revs := s.defs[family]
	if !hasRev {
		for i := len(revs) - 1; i >= 0; i-- {
			if revs[i].Status == "ACTIVE" {
				return revs[i], true
			}
		}
		return nil, false
	}
	n, err := strconv.Atoi(rev)
	if err != nil || n < 1 || n > len(revs) {
		return nil, false
	}
	return revs[n-1], true
}

// DescribeTaskDefinition returns a task definition and its tags.
func (s *Service) DescribeTaskDefinition(ref string) (TaskDefinition, []Tag, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.defLocked(ref)
	if !ok {
		return TaskDefinition{}, nil, clientErr("Unable to describe task definition.")
	}
	tags := s.defTags[d.TaskDefinitionArn]
	if tags == nil {
		tags = []Tag{}
	}
	return *d, tags, nil
}

// ListTaskDefinitions lists task definition ARNs by family and revision.
func (s *Service) ListTaskDefinitions(familyPrefix, status string, desc bool) []string {
	if status == "" {
		status = "ACTIVE"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fams := make([]string, 0, len(s.defs))
	for f := range s.defs {
		if strings.HasPrefix(f, familyPrefix) {
			fams = append(fams, f)
		}
	}
	sort.Strings(fams)
	out := []string{}
	for _, f := range fams {
		for _, d := range s.defs[f] {
			if d.Status == status {
				out = append(out, d.TaskDefinitionArn)
			}
		}
	}
	if desc {
		for i, k := 0, len(out)-1; i < k; i, k = i+1, k-1 {
			out[i], out[k] = out[k], out[i]
		}
	}
	return out
}

// DeregisterTaskDefinition marks a revision INACTIVE.
func (s *Service) DeregisterTaskDefinition(ref string) (TaskDefinition, error) {
	if !strings.Contains(ref, ":") {
		return TaskDefinition{}, clientErr("Invalid revision number. Number: %s", ref)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.defLocked(ref)
	if !ok {
		return TaskDefinition{}, clientErr("The specified task definition does not exist.")
	}
	d.Status = "INACTIVE"
	d.DeregisteredAt = at(s.cfg.Clock.Now())
	return *d, nil
}
