package batch

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// job is one Batch job (an array parent, an array child or a plain job) and its run state.
// Every field is guarded by Service.mu.
type job struct {
	d      JobDetail
	queue  *jobQueue
	def    *JobDefinition
	parent *job
	kids   []*job
	// deps are the jobs this one waits for; waiting counts those not yet SUCCEEDED.
	deps       []*job
	waiting    int
	dependents []*job

	vcpus       float64
	memory      int64
	gpus        int
	maxAttempts int
	retry       *RetryStrategy
	timeout     time.Duration
	index       int // array index, -1 when not an array child
	arraySize   int

	attempt int // attempts started so far
	ce      *computeEnv
	runner  ContainerRunner // of the current attempt's container
	// cancelStart, while a backend other than the local daemon starts the attempt (a swarm
	// may wait for room on a node for ever), lets TerminateJob give up the start.
	cancelStart context.CancelFunc
	// placing: the attempt was dispatched to a Placer runner that has not placed it on a
	// node yet; the job is still RUNNABLE. cancelled tells CancelJob (true) from
	// TerminateJob for a job given up while placing.
	placing, cancelled bool
	// blocked: statusReason holds the cluster's blocked-job reason; reasonBefore is what it
	// held before, given back once the job is placed.
	blocked         bool
	reasonBefore    string
	containerID     string
	cur             *AttemptDetail
	terminateReason string
	timedOut        bool
	// lostReason is the status reason of an attempt whose container vanished while sfnlocal
	// was down (durable mode).
	lostReason string
	done       chan struct{}
}

func (j *job) running() bool { return j.d.Status == StatusStarting || j.d.Status == StatusRunning }

// snapshot returns a copy of the detail that stays valid after the lock is released.
func (j *job) snapshot() JobDetail {
	d := j.d
	d.Attempts = slices.Clone(j.d.Attempts)
	if d.Attempts == nil {
		d.Attempts = []AttemptDetail{}
	}
	if j.d.Container != nil {
		c := *j.d.Container
		d.Container = &c
	}
	if j.d.ArrayProperties != nil {
		a := *j.d.ArrayProperties
		a.StatusSummary = maps.Clone(a.StatusSummary)
		d.ArrayProperties = &a
	}
	d.Tags = maps.Clone(j.d.Tags)
	return d
}

const (
	reasonExited          = "Essential container in task exited"
	reasonTimeout         = "Job attempt duration exceeded timeout"
	reasonDependentFailed = "Dependent Job failed"
	reasonOOM             = "OutOfMemoryError: Container killed due to memory usage"
	reasonStartFailed     = "Task failed to start"
)

// SubmitJob validates and queues a job (and the children of an array job).
func (s *Service) SubmitJob(in *SubmitJobInput) (_ *SubmitJobOutput, err error) {
	if !validName(in.JobName) {
		return nil, clientErrorf("Job name %q is invalid: up to 128 letters, numbers, hyphens and underscores, starting with a letter or number", in.JobName)
	}
	if in.JobQueue == "" {
		return nil, clientErrorf("jobQueue is required")
	}
	if in.JobDefinition == "" {
		return nil, clientErrorf("jobDefinition is required")
	}
	size := 0
	if in.ArrayProperties != nil && in.ArrayProperties.Size != nil {
		size = *in.ArrayProperties.Size
		if size < 2 || size > 10000 {
			return nil, clientErrorf("Array job size must be between 2 and 10000")
		}
	}
	if len(in.DependsOn) > 20 {
		return nil, clientErrorf("A job can depend on up to 20 jobs")
	}
	o := in.ContainerOverrides
	if o != nil {
		for _, e := range o.Environment {
			if strings.HasPrefix(e.Name, "AWS_BATCH") {
				return nil, clientErrorf("Environment variable names starting with AWS_BATCH are reserved: %s", e.Name)
			}
		}
		for _, c := range o.Command {
			if c == "" {
				return nil, clientErrorf("Container override command cannot contain empty strings")
			}
		}
		if err := checkResources(o.ResourceRequirements); err != nil {
			return nil, err
		}
		if !s.cfg.AllowPrivileged {
			if o.Privileged != nil && *o.Privileged {
				return nil, clientErrorf("Privileged container overrides are disabled on this sfnlocal server; start it with --allow-privileged to allow them")
			}
			if what := o.LinuxParameters.privileged(); what != "" {
				return nil, clientErrorf("%s in container overrides are disabled on this sfnlocal server; start it with --allow-privileged to allow them", what)
			}
		}
	}
	if err := checkRetry(in.RetryStrategy); err != nil {
		return nil, err
	}
	if err := checkTimeout(in.Timeout); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	if err := s.checkBackends(in.JobQueue); err != nil {
		return nil, err
	}

	defer s.persistInto(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, &APIError{Code: CodeServerException, Message: "The Batch service is shutting down", Status: 500}
	}
	q, err := s.queueLocked(in.JobQueue)
	if err != nil {
		return nil, clientErrorf("Job Queue %s does not exist", in.JobQueue)
	}
	def := s.defLocked(in.JobDefinition)
	if def == nil || def.Status != "ACTIVE" {
		if strings.HasPrefix(in.JobDefinition, "arn:") {
			return nil, clientErrorf("JobDefinition %s not found.", in.JobDefinition)
		}
		return nil, clientErrorf("JobDefinition name %s does not exist or is not in ACTIVE status", in.JobDefinition)
	}
	deps := make([]*job, 0, len(in.DependsOn))
	for _, dep := range in.DependsOn {
		switch dep.Type {
		case "", "N_TO_N", "SEQUENTIAL":
		default:
			return nil, clientErrorf("Invalid dependency type %q: must be N_TO_N or SEQUENTIAL", dep.Type)
		}
		if dep.Type == "SEQUENTIAL" {
			if size == 0 || dep.JobID != "" {
				return nil, clientErrorf("A SEQUENTIAL dependency is only valid for an array job, without a jobId")
			}
			deps = append(deps, nil)
			continue
		}
		dj, ok := s.jobs[s.nameFromRef("job", dep.JobID)]
		if !ok {
			return nil, clientErrorf("Dependent job ID %s not found", dep.JobID)
		}
		if dep.Type == "N_TO_N" && (size == 0 || len(dj.kids) != size) {
			return nil, clientErrorf("An N_TO_N dependency requires array jobs of the same size")
		}
		deps = append(deps, dj)
	}

	id := newUUID()
	now := s.nowMillis()
	cp := def.ContainerProperties
	params := maps.Clone(def.Parameters)
	if params == nil {
		params = map[string]string{}
	}
	maps.Copy(params, in.Parameters)
	command := cp.Command
	env := slices.Clone(cp.Environment)
	reqs := slices.Clone(cp.ResourceRequirements)
	vcpusField, memField := cp.Vcpus, cp.Memory
	privileged, linux := cp.Privileged, cp.LinuxParameters
	if o != nil {
		// only reached with --allow-privileged when they ask for anything (checked above)
		if o.Privileged != nil {
			privileged = o.Privileged
		}
		if o.LinuxParameters != nil {
			linux = o.LinuxParameters
		}
		if len(o.Command) > 0 {
			command = o.Command
		}
		for _, e := range o.Environment {
			if i := slices.IndexFunc(env, func(x KeyValuePair) bool { return x.Name == e.Name }); i >= 0 {
				env[i] = e
			} else {
				env = append(env, e)
			}
		}
		for _, r := range o.ResourceRequirements {
			if i := slices.IndexFunc(reqs, func(x ResourceRequirement) bool { return x.Type == r.Type }); i >= 0 {
				reqs[i] = r
			} else {
				reqs = append(reqs, r)
			}
		}
		if o.Vcpus != nil {
			vcpusField = o.Vcpus
		}
		if o.Memory != nil {
			memField = o.Memory
		}
	}
	command = substituteRefs(command, params)
	vcpus, memory, gpus := 1.0, int64(0), 0
	if vcpusField != nil {
		vcpus = float64(*vcpusField)
	}
	if memField != nil {
		memory = int64(*memField)
	}
	for _, r := range reqs {
		switch r.Type {
		case "VCPU":
			vcpus, _ = strconv.ParseFloat(r.Value, 64)
		case "MEMORY":
			memory, _ = strconv.ParseInt(r.Value, 10, 64)
		case "GPU":
			gpus, _ = strconv.Atoi(r.Value)
		}
	}
	retry := def.RetryStrategy
	if in.RetryStrategy != nil {
		retry = in.RetryStrategy
	}
	maxAttempts := 1
	if retry != nil && retry.Attempts != nil {
		maxAttempts = *retry.Attempts
	}
	timeout := def.Timeout
	if in.Timeout != nil && in.Timeout.AttemptDurationSeconds != nil {
		timeout = in.Timeout
	}
	var timeoutD time.Duration
	if timeout != nil && timeout.AttemptDurationSeconds != nil {
		timeoutD = time.Duration(*timeout.AttemptDurationSeconds) * time.Second
	}
	propagate := def.PropagateTags
	if in.PropagateTags != nil {
		propagate = in.PropagateTags
	}
	dependsOn := slices.Clone(in.DependsOn)
	if dependsOn == nil {
		dependsOn = []JobDependency{}
	}

	newJob := func(id string, index int) *job {
		j := &job{
			queue: q, def: def, vcpus: vcpus, memory: memory, gpus: gpus, maxAttempts: maxAttempts,
			retry: retry, timeout: timeoutD, index: index, done: make(chan struct{}),
			d: JobDetail{
				JobArn: s.arn("job", id), JobName: in.JobName, JobID: id, JobQueue: q.d.JobQueueArn,
				Status: StatusSubmitted, Attempts: []AttemptDetail{}, CreatedAt: now,
				RetryStrategy: retry, DependsOn: []JobDependency{}, JobDefinition: def.JobDefinitionArn,
				Parameters: params, Timeout: timeout, Tags: maps.Clone(in.Tags), PropagateTags: propagate,
				PlatformCapabilities: def.PlatformCapabilities,
				Container: &ContainerDetail{
					Image: cp.Image, Vcpus: vcpusField, Memory: memField, Command: command,
					JobRoleArn: cp.JobRoleArn, ExecutionRoleArn: cp.ExecutionRoleArn, Volumes: cp.Volumes,
					Environment: env, MountPoints: cp.MountPoints, ReadonlyRootFilesystem: cp.ReadonlyRootFilesystem,
					Ulimits: cp.Ulimits, Privileged: privileged, User: cp.User, InstanceType: cp.InstanceType,
					NetworkInterfaces: []NetworkInterface{}, ResourceRequirements: reqs,
					LinuxParameters: linux,
				},
			},
		}
		s.jobs[id] = j
		return j
	}

	parent := newJob(id, -1)
	s.order = append(s.order, parent)
	if size == 0 {
		parent.d.DependsOn = dependsOn
		for _, dj := range deps {
			s.addDepLocked(parent, dj)
		}
		s.enterQueueLocked(parent)
	} else {
		parent.arraySize = size
		parent.d.DependsOn = dependsOn
		parent.d.ArrayProperties = &ArrayPropertiesDetail{Size: intp(size), StatusSummary: map[string]int{
			"SUBMITTED": 0, "PENDING": 0, "RUNNABLE": 0, "STARTING": 0, "RUNNING": 0, "SUCCEEDED": 0, "FAILED": 0,
		}, StatusSummaryLastUpdatedAt: now}
		s.mustTransition(parent, StatusPending)
		parent.kids = make([]*job, size)
		for i := range size {
			kid := newJob(id+":"+strconv.Itoa(i), i)
			kid.parent = parent
			kid.arraySize = size
			kid.d.ArrayProperties = &ArrayPropertiesDetail{Index: intp(i)}
			parent.kids[i] = kid
			parent.d.ArrayProperties.StatusSummary[string(StatusSubmitted)]++
			for k, dep := range in.DependsOn {
				dj := deps[k]
				switch {
				case dep.Type == "SEQUENTIAL":
					if i > 0 {
						kid.d.DependsOn = append(kid.d.DependsOn, JobDependency{JobID: parent.kids[i-1].d.JobID, Type: "SEQUENTIAL"})
						s.addDepLocked(kid, parent.kids[i-1])
					}
				case dep.Type == "N_TO_N":
					kid.d.DependsOn = append(kid.d.DependsOn, JobDependency{JobID: dj.kids[i].d.JobID, Type: "N_TO_N"})
					s.addDepLocked(kid, dj.kids[i])
				default:
					kid.d.DependsOn = append(kid.d.DependsOn, dep)
					s.addDepLocked(kid, dj)
				}
			}
		}
		for _, kid := range parent.kids {
			s.enterQueueLocked(kid)
		}
	}
	s.scheduleLocked()
	return &SubmitJobOutput{JobArn: parent.d.JobArn, JobName: parent.d.JobName, JobID: parent.d.JobID}, nil
}

func (s *Service) addDepLocked(j, dep *job) {
	j.deps = append(j.deps, dep)
	dep.dependents = append(dep.dependents, j)
	if dep.d.Status != StatusSucceeded {
		j.waiting++
	}
}

// enterQueueLocked moves a new job on from SUBMITTED: to RUNNABLE when it has no
// dependencies, else to PENDING, and on to RUNNABLE or FAILED as its dependencies allow
// (AWS Batch user guide, "Job states").
func (s *Service) enterQueueLocked(j *job) {
	if len(j.deps) == 0 {
		s.makeRunnableLocked(j)
		return
	}
	s.mustTransition(j, StatusPending)
	for _, d := range j.deps {
		if d.d.Status == StatusFailed {
			s.failWaitingLocked(j, reasonDependentFailed, false)
			return
		}
	}
	if j.waiting == 0 {
		s.makeRunnableLocked(j)
	}
}

func (s *Service) makeRunnableLocked(j *job) {
	s.mustTransition(j, StatusRunnable)
	s.runnable = append(s.runnable, j)
}

// failWaitingLocked fails a job that has not started (cancel, terminate, a failed dependency).
func (s *Service) failWaitingLocked(j *job, reason string, terminated bool) {
	if terminated {
		j.d.IsTerminated = true
	} else {
		j.d.IsCancelled = true
	}
	j.d.StatusReason = reason
	s.mustTransition(j, StatusFailed)
}

// mustTransition applies a move the caller has established is valid; an invalid one is a bug,
// which is logged and otherwise ignored so that a user request never crashes the server.
func (s *Service) mustTransition(j *job, to Status) {
	if err := s.transitionLocked(j, to); err != nil {
		s.log.Error("job status bug", fJobID(j.d.JobID), fStatus(to), errField(err))
	}
}

// transitionLocked moves j to status to, after the transition table, and propagates the change
// to the array parent and to dependent jobs.
func (s *Service) transitionLocked(j *job, to Status) error {
	from := j.d.Status
	if err := CheckTransition(from, to); err != nil {
		return fmt.Errorf("job %s: %w", j.d.JobID, err)
	}
	now := s.nowMillis()
	j.d.Status = to
	s.dirtyLocked(j)
	if to.Terminal() {
		j.d.StoppedAt = now
		close(j.done)
	}
	s.log.Debug("job status", fJobID(j.d.JobID), fStatus(to))
	if s.onTransition != nil {
		s.onTransition(j.d.JobID, from, to)
	}
	if to.Terminal() && s.cfg.OnJobDone != nil {
		s.cfg.OnJobDone(j.d.JobQueue, to)
	}
	close(s.changed)
	s.changed = make(chan struct{})
	if j.parent != nil {
		s.rollUpLocked(j.parent, from, to, now)
	}
	if to.Terminal() {
		for _, dep := range j.dependents {
			if dep.d.Status != StatusPending {
				continue
			}
			if to == StatusSucceeded {
				dep.waiting--
				if dep.waiting == 0 {
					s.makeRunnableLocked(dep)
				}
			} else {
				s.failWaitingLocked(dep, reasonDependentFailed, false)
			}
		}
	}
	return nil
}

// rollUpLocked updates an array parent after a child moved, and ends the parent once every
// child has ended: SUCCEEDED when all children succeeded, else FAILED.
func (s *Service) rollUpLocked(p *job, from, to Status, now int64) {
	ap := p.d.ArrayProperties
	s.dirtyLocked(p)
	ap.StatusSummary[string(from)]--
	ap.StatusSummary[string(to)]++
	ap.StatusSummaryLastUpdatedAt = now
	if to == StatusRunning && p.d.StartedAt == 0 {
		p.d.StartedAt = now
	}
	if p.d.Status.Terminal() {
		return
	}
	succeeded, failed := ap.StatusSummary[string(StatusSucceeded)], ap.StatusSummary[string(StatusFailed)]
	if succeeded+failed < p.arraySize {
		return
	}
	if failed == 0 {
		p.d.StatusReason = ""
		s.mustTransition(p, StatusSucceeded)
		return
	}
	p.d.StatusReason = fmt.Sprintf("Array Child Job failed: %d of %d child jobs failed", failed, p.arraySize)
	s.mustTransition(p, StatusFailed)
}

// scheduleLocked starts RUNNABLE jobs, by queue priority and then in the order they became
// runnable, on the first enabled compute environment of their queue with room for their vCPUs.
func (s *Service) scheduleLocked() {
	if s.closed || len(s.runnable) == 0 {
		return
	}
	queues := make([]*jobQueue, 0, len(s.queues))
	for _, q := range s.queues {
		if q.d.State == "ENABLED" {
			queues = append(queues, q)
		}
	}
	sort.Slice(queues, func(i, k int) bool {
		if queues[i].d.Priority != queues[k].d.Priority {
			return queues[i].d.Priority > queues[k].d.Priority
		}
		return queues[i].seq < queues[k].seq
	})
	for _, q := range queues {
		ces := make([]*computeEnv, 0, len(q.d.ComputeEnvironmentOrder))
		for _, o := range q.d.ComputeEnvironmentOrder {
			if ce, ok := s.ces[s.nameFromRef("compute-environment", o.ComputeEnvironment)]; ok && ce.d.State == "ENABLED" {
				ces = append(ces, ce)
			}
		}
		for _, j := range s.runnable {
			if j.queue != q || j.d.Status != StatusRunnable || j.placing {
				continue
			}
			for _, ce := range ces {
				if ce.used+j.vcpus <= ce.capacity() {
					s.startLocked(j, ce)
					break
				}
			}
		}
	}
	kept := s.runnable[:0]
	for _, j := range s.runnable {
		if j.d.Status == StatusRunnable && !j.placing {
			kept = append(kept, j)
		}
	}
	clear(s.runnable[len(kept):])
	s.runnable = kept
}

// startLocked moves j to STARTING on ce and launches its attempt; on a runner that places
// containers on a cluster (Placer) the job stays RUNNABLE until a node has taken it.
func (s *Service) startLocked(j *job, ce *computeEnv) {
	p, ok := ce.runner.(Placer)
	j.placing = ok && p.Places()
	if !j.placing {
		s.mustTransition(j, StatusStarting)
	}
	j.ce = ce
	ce.used += j.vcpus
	j.attempt++
	j.timedOut = false
	task := newHexID(16)
	cluster := clusterName(ce.d.EcsClusterArn)
	stream := j.def.JobDefinitionName + "/default/" + task
	c := &AttemptContainerDetail{
		ContainerInstanceArn: fmt.Sprintf("arn:aws:ecs:%s:%s:container-instance/%s/%s", s.cfg.Region, s.cfg.AccountID, cluster, s.serverID),
		TaskArn:              fmt.Sprintf("arn:aws:ecs:%s:%s:task/%s/%s", s.cfg.Region, s.cfg.AccountID, cluster, task),
		LogStreamName:        stream, NetworkInterfaces: []NetworkInterface{},
	}
	j.cur = &AttemptDetail{Container: c}
	if !j.placing {
		s.publishAttemptLocked(j)
	}
	spec := s.specLocked(j)
	j.runner = ce.runner
	startCtx := s.ctx
	if ce.backend != BackendDocker || j.placing {
		startCtx, j.cancelStart = context.WithCancel(s.ctx)
	}
	if j.placing {
		n := j.attempt
		spec.OnPlacement = func(placed bool, reason string) { s.onPlacement(j, n, placed, reason) }
	}
	s.wg.Add(1)
	go s.runAttempt(startCtx, j, j.runner, j.attempt, spec, stream)
}

func clusterName(arn string) string {
	_, name, _ := strings.Cut(arn, ":cluster/")
	return name
}

// specLocked builds the container of j's next attempt.
func (s *Service) specLocked(j *job) Spec {
	c := j.d.Container
	var env []string
	has := map[string]bool{}
	for _, e := range c.Environment {
		has[e.Name] = true
	}
	add := func(k, v string) {
		if !has[k] {
			env = append(env, k+"="+v)
		}
	}
	if s.cfg.EndpointURL != "" {
		add("AWS_ENDPOINT_URL", s.cfg.EndpointURL)
	}
	add("AWS_REGION", s.cfg.Region)
	add("AWS_DEFAULT_REGION", s.cfg.Region)
	for _, e := range c.Environment {
		env = append(env, e.Name+"="+e.Value)
	}
	ceName := j.ce.d.ComputeEnvironmentName
	env = append(env,
		"AWS_BATCH_JOB_ID="+j.d.JobID,
		"AWS_BATCH_JOB_ATTEMPT="+strconv.Itoa(j.attempt),
		"AWS_BATCH_JQ_NAME="+j.queue.d.JobQueueName,
		"AWS_BATCH_CE_NAME="+ceName,
	)
	if j.index >= 0 {
		env = append(env,
			"AWS_BATCH_JOB_ARRAY_INDEX="+strconv.Itoa(j.index),
			"AWS_BATCH_JOB_ARRAY_SIZE="+strconv.Itoa(j.arraySize))
	}
	var mounts []Mount
	for _, m := range c.MountPoints {
		for _, v := range c.Volumes {
			if v.Name == m.SourceVolume {
				src := ""
				if v.Host != nil {
					src = v.Host.SourcePath
				}
				mounts = append(mounts, Mount{Source: src, Target: m.ContainerPath, ReadOnly: m.ReadOnly})
			}
		}
	}
	var ulimits []Ulimit
	for _, u := range c.Ulimits {
		ulimits = append(ulimits, Ulimit{Name: u.Name, Soft: u.SoftLimit, Hard: u.HardLimit})
	}
	var cmd []string
	if len(c.Command) > 0 {
		cmd = slices.Clone(c.Command)
	}
	constraints, gpuKind := PlacementFromTags(j.ce.d.Tags, j.def.Tags, j.d.Tags)
	return Spec{
		Name:    "sfnlocal-batch-" + strings.ReplaceAll(j.d.JobID, ":", "-") + "-" + strconv.Itoa(j.attempt),
		Image:   c.Image,
		Command: cmd,
		Env:     env,
		Labels: map[string]string{
			LabelJobID: j.d.JobID, LabelServerID: s.serverID, LabelAttempt: strconv.Itoa(j.attempt),
		},
		VCPUs: j.vcpus, MemoryMiB: j.memory,
		Privileged:     c.Privileged != nil && *c.Privileged,
		Devices:        devices(c.LinuxParameters),
		CapAdd:         capAdd(c.LinuxParameters),
		ReadonlyRootFS: c.ReadonlyRootFilesystem != nil && *c.ReadonlyRootFilesystem,
		User:           c.User, Mounts: mounts, Ulimits: ulimits,
		ExtraHosts: []string{"host.docker.internal:host-gateway"},
		GPUs:       j.gpus, GPUKind: gpuKind, Constraints: constraints,
	}
}

// publishAttemptLocked shows the current attempt's task and log stream in the job's
// container detail, and creates the stream: once the attempt has a host (at once on the
// local daemon, on placement on a cluster), as a RUNNABLE job on AWS has neither.
func (s *Service) publishAttemptLocked(j *job) {
	c := j.cur.Container
	j.d.Container.ContainerInstanceArn = c.ContainerInstanceArn
	j.d.Container.TaskArn = c.TaskArn
	j.d.Container.LogStreamName = c.LogStreamName
	s.logs.create(c.LogStreamName, s.nowMillis())
	if s.cfg.Logs != nil {
		_ = s.cfg.Logs.Append(s.cfg.Region, LogGroup, c.LogStreamName, s.nowMillis()) // creates the stream
	}
}

// unblockLocked gives back the statusReason a blocked-job reason replaced.
func (s *Service) unblockLocked(j *job) {
	if j.blocked {
		j.d.StatusReason, j.blocked, j.reasonBefore = j.reasonBefore, false, ""
	}
}

// onPlacement hears a Placer runner on where attempt n stands before its container runs.
func (s *Service) onPlacement(j *job, n int, placed bool, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if j.attempt != n || !j.placing || j.d.Status != StatusRunnable || j.terminateReason != "" {
		return
	}
	if !placed {
		if !j.blocked {
			j.blocked, j.reasonBefore = true, j.d.StatusReason
		}
		j.d.StatusReason = reason
		return
	}
	j.placing = false
	s.unblockLocked(j)
	s.publishAttemptLocked(j)
	s.mustTransition(j, StatusStarting)
}

// devices are the host devices a job maps (only possible with --allow-privileged).
func devices(p *LinuxParameters) []Device {
	if p == nil {
		return nil
	}
	return p.Devices
}

// capAdd are the capabilities a job adds (only possible with --allow-privileged).
func capAdd(p *LinuxParameters) []string {
	if p == nil || p.Capabilities == nil {
		return nil
	}
	return p.Capabilities.Add
}

// Container labels set on every job container.
const (
	LabelJobID    = "sfnlocal.batch.job-id"
	LabelServerID = "sfnlocal.batch.server-id"
	LabelAttempt  = "sfnlocal.batch.attempt"
)

var refRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`Ref::([A-Za-z0-9_-]+)`) })

// substituteRefs replaces Ref::name placeholders with parameter values; placeholders without
// a parameter stay as written, as on AWS.
func substituteRefs(cmd []string, params map[string]string) []string {
	out := make([]string, len(cmd))
	for i, c := range cmd {
		out[i] = refRE().ReplaceAllStringFunc(c, func(m string) string {
			if v, ok := params[m[len("Ref::"):]]; ok {
				return v
			}
			return m
		})
	}
	return out
}

// shouldRetry applies retryStrategy.evaluateOnExit: the first condition that matches decides;
// with none matching (or none given) the job is retried.
func shouldRetry(r *RetryStrategy, exitCode *int, statusReason, reason string) bool {
	if r == nil {
		return true
	}
	for _, e := range r.EvaluateOnExit {
		if e.OnExitCode != "" {
			if exitCode == nil || !globMatch(e.OnExitCode, strconv.Itoa(*exitCode)) {
				continue
			}
		}
		if e.OnStatusReason != "" && !globMatch(e.OnStatusReason, statusReason) {
			continue
		}
		if e.OnReason != "" && !globMatch(e.OnReason, reason) {
			continue
		}
		return strings.EqualFold(e.Action, "RETRY")
	}
	return true
}

// globMatch matches AWS Batch's evaluateOnExit patterns: exact, or a prefix ending in *.
func globMatch(pattern, s string) bool {
	if p, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(s, p)
	}
	return pattern == s
}
