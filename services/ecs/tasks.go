package ecs

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sfnlocal/sfnlocal/internal/clock"
)

// Task statuses (lastStatus and desiredStatus).
const (
	StatusProvisioning   = "PROVISIONING"
	StatusPending        = "PENDING"
	StatusRunning        = "RUNNING"
	StatusDeprovisioning = "DEPROVISIONING"
	StatusStopped        = "STOPPED"
)

// Stop codes and reasons.
const (
	StopEssentialExited = "EssentialContainerExited"
	StopUserInitiated   = "UserInitiated"
	StopFailedToStart   = "TaskFailedToStart"
	// StopTerminationNotice is the stop code of a task whose host went away.
	StopTerminationNotice = "TerminationNotice"
	ReasonEssential       = "Essential container in task exited"
	ReasonUserStopped     = "Task stopped by user"
	reasonOOM             = "OutOfMemoryError: Container killed due to memory usage"
)

// backendCheckTimeout bounds how long RunTask waits for a backend to say whether it can run
// containers.
const backendCheckTimeout = 5 * time.Second

// ErrInvalidTransition is wrapped by CheckTransition for a status change the lifecycle does
// not allow.
var ErrInvalidTransition = errors.New("invalid task status transition")

var transitions = map[string][]string{
	StatusProvisioning:   {StatusPending, StatusDeprovisioning},
	StatusPending:        {StatusRunning, StatusDeprovisioning},
	StatusRunning:        {StatusDeprovisioning},
	StatusDeprovisioning: {StatusStopped},
}

// CheckTransition reports whether a task may move from one lastStatus to another.
func CheckTransition(from, to string) error {
	if slices.Contains(transitions[from], to) {
		return nil
	}
	return fmt.Errorf("%w: %s to %s", ErrInvalidTransition, from, to)
}

// ecsTask is one task and its run state; every field is guarded by Service.mu.
type ecsTask struct {
	d          Task
	def        *TaskDefinition
	specs      []Spec
	essential  []bool
	logGroups  []string // per container; "" when the container does not use awslogs
	logStreams []string
	ids        []string // container ids, "" until started
	runner     ContainerRunner
	// cancelStart gives up the container starts in flight (StopTask while a cluster backend
	// has not placed them).
	cancelStart context.CancelFunc
	stopping    bool
	done        chan struct{}
}

// moveLocked changes the task's lastStatus through the transition table.
func (s *Service) moveLocked(t *ecsTask, to string) {
	if err := CheckTransition(t.d.LastStatus, to); err != nil {
		s.log.Error("task status transition refused", fTask(t.d.TaskArn), errField(err))
		return
	}
	t.d.LastStatus = to
	t.d.Version++
}

// RunTaskInput is RunTask's request.
type RunTaskInput struct {
	Cluster              string        `json:"cluster"`
	TaskDefinition       string        `json:"taskDefinition"`
	Count                *int          `json:"count"`
	LaunchType           string        `json:"launchType"`
	Overrides            *TaskOverride `json:"overrides"`
	StartedBy            string        `json:"startedBy"`
	Group                string        `json:"group"`
	PlatformVersion      string        `json:"platformVersion"`
	Tags                 []Tag         `json:"tags"`
	EnableExecuteCommand bool          `json:"enableExecuteCommand"`
	NetworkConfiguration *struct {
		AwsvpcConfiguration *struct {
			Subnets        []string `json:"subnets"`
			SecurityGroups []string `json:"securityGroups"`
			AssignPublicIP string   `json:"assignPublicIp"`
		} `json:"awsvpcConfiguration"`
	} `json:"networkConfiguration"`
	CapacityProviderStrategy []any  `json:"capacityProviderStrategy"`
	PlacementConstraints     []any  `json:"placementConstraints"`
	PlacementStrategy        []any  `json:"placementStrategy"`
	PropagateTags            string `json:"propagateTags"`
	ReferenceID              string `json:"referenceId"`
	ClientToken              string `json:"clientToken"`
}

// RunTask validates the request and starts Count tasks; their containers start in the
// background. The returned tasks are in PROVISIONING.
func (s *Service) RunTask(in *RunTaskInput) (_ []Task, _ []Failure, err error) {
	if in.TaskDefinition == "" {
		return nil, nil, invalidParam("TaskDefinition can not be blank.")
	}
	count := 1
	if in.Count != nil {
		count = *in.Count
	}
	if count < 1 || count > 10 {
		return nil, nil, invalidParam("Count must be between 1 and 10.")
	}
	switch in.LaunchType {
	case "", "EC2", "FARGATE", "EXTERNAL":
	default:
		return nil, nil, invalidParam("LaunchType %q is not valid.", in.LaunchType)
	}
	if len(in.StartedBy) > 128 {
		return nil, nil, invalidParam("StartedBy must be at most 128 characters.")
	}
	defer s.persistInto(&err)
	s.mu.Lock()
	c, err := s.clusterLocked(in.Cluster)
	var runner ContainerRunner
	if err == nil {
		runner, err = s.runnerOf(c)
	}
	s.mu.Unlock()
	if err != nil {
		return nil, nil, err
	}
	if ch, ok := runner.(Checker); ok {
		ctx, cancel := clock.WithTimeout(s.ctx, clock.Real(), backendCheckTimeout, nil)
		err := ch.Check(ctx)
		cancel()
		if err != nil {
			return nil, nil, clientErr("Cluster %s cannot run tasks on its backend: %v", c.ClusterName, err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, nil, &APIError{Code: "ServerException", Message: "The server is shutting down.", Status: 500}
	}
	c, err = s.clusterLocked(in.Cluster)
	if err != nil {
		return nil, nil, err
	}
	def, ok := s.defLocked(in.TaskDefinition)
	if !ok {
		return nil, nil, invalidParam("TaskDefinition not found.")
	}
	overrides := TaskOverride{InferenceAcceleratorOverrides: []any{}}
	if in.Overrides != nil {
		for _, o := range in.Overrides.ContainerOverrides {
			if !slices.ContainsFunc(def.ContainerDefinitions, func(cd ContainerDefinition) bool { return cd.Name == o.Name }) {
				return nil, nil, invalidParam("Override for container named %s is not a container in the TaskDefinition.", o.Name)
			}
		}
		overrides.CPU, overrides.Memory = in.Overrides.CPU, in.Overrides.Memory
		overrides.ExecutionRoleArn, overrides.TaskRoleArn = in.Overrides.ExecutionRoleArn, in.Overrides.TaskRoleArn
	}
	for _, cd := range def.ContainerDefinitions {
		o := ContainerOverride{Name: cd.Name}
		if in.Overrides != nil {
			for _, given := range in.Overrides.ContainerOverrides {
				if given.Name == cd.Name {
					o = given
				}
			}
		}
		if o.Command == nil {
			o.Command = []string{}
		}
		if o.Environment == nil {
			o.Environment = []KeyValuePair{}
		}
		if o.EnvironmentFiles == nil {
			o.EnvironmentFiles = []any{}
		}
		if o.ResourceReqs == nil {
			o.ResourceReqs = []any{}
		}
		overrides.ContainerOverrides = append(overrides.ContainerOverrides, o)
	}
	s.pruneLocked()
	var out []Task
	for i := 0; i < count; i++ {
		t := s.newTaskLocked(c, def, in, overrides)
		t.runner = runner
		s.tasks[t.d.TaskArn] = t
		s.order = append(s.order, t)
		out = append(out, s.snapshot(t))
		s.wg.Add(1)
		go s.run(t)
	}
	return out, []Failure{}, nil
}

func (s *Service) newTaskLocked(c *Cluster, def *TaskDefinition, in *RunTaskInput, ov TaskOverride) *ecsTask {
	now := s.cfg.Clock.Now()
	id := newHexID(16)
	arn := s.arn("task", c.ClusterName+"/"+id)
	launch := in.LaunchType
	if launch == "" {
		launch = "EC2"
	}
	group := in.Group
	if group == "" {
		group = "family:" + def.Family
	}
	t := &ecsTask{def: def, done: make(chan struct{})}
	t.d = Task{
		Attachments: []any{}, Attributes: []KeyValuePair{{Name: "ecs.cpu-architecture", Value: "x86_64"}},
		AvailabilityZone: s.cfg.Region + "a", ClusterArn: c.ClusterArn, CPU: def.CPU, Memory: def.Memory,
		CreatedAt: at(now), DesiredStatus: StatusRunning, EnableExecuteCommand: in.EnableExecuteCommand,
		Group: group, LastStatus: StatusProvisioning, LaunchType: launch, Overrides: ov,
		StartedBy: in.StartedBy, Tags: in.Tags, TaskArn: arn, TaskDefinitionArn: def.TaskDefinitionArn, Version: 1,
	}
	if ov.CPU != "" {
		t.d.CPU = ov.CPU
	}
	if ov.Memory != "" {
		t.d.Memory = ov.Memory
	}
	if t.d.Tags == nil {
		t.d.Tags = []Tag{}
	}
	if launch == "FARGATE" {
		t.d.PlatformVersion, t.d.PlatformFamily = in.PlatformVersion, "Linux"
		if t.d.PlatformVersion == "" || t.d.PlatformVersion == "LATEST" {
			t.d.PlatformVersion = "1.4.0"
		}
		t.d.EphemeralStorage = &struct {
			SizeInGiB int `json:"sizeInGiB"`
		}{20}
	}
	if nc := in.NetworkConfiguration; nc != nil && nc.AwsvpcConfiguration != nil {
		details := []any{}
		if len(nc.AwsvpcConfiguration.Subnets) > 0 {
			details = append(details, map[string]any{"name": "subnetId", "value": nc.AwsvpcConfiguration.Subnets[0]})
		}
		t.d.Attachments = []any{map[string]any{"id": newUUID(), "type": "ElasticNetworkInterface", "status": "PRECREATED", "details": details}}
	}
	for i, cd := range def.ContainerDefinitions {
		cpu := strconv.FormatInt(cd.CPU, 10)
		ctr := Container{
			ContainerArn: s.arn("container", c.ClusterName+"/"+id+"/"+newUUID()), TaskArn: arn, Name: cd.Name,
			Image: cd.Image, LastStatus: StatusPending, NetworkBindings: []any{}, NetworkInterfaces: []any{},
			CPU: cpu, ManagedAgents: []any{}, GpuIDs: []any{},
		}
		if cd.Memory != nil {
			ctr.Memory = strconv.FormatInt(*cd.Memory, 10)
		}
		t.d.Containers = append(t.d.Containers, ctr)
		sp := s.spec(t, cd, ov.ContainerOverrides[i], id)
		sp.Constraints = constraintsOf(c)
		t.specs = append(t.specs, sp)
		t.essential = append(t.essential, cd.essential())
		group, stream := "", ""
		if l := cd.LogConfiguration; l != nil && l.LogDriver == "awslogs" {
			group = l.Options["awslogs-group"]
			stream = cd.Name + "/" + id
			if p := l.Options["awslogs-stream-prefix"]; p != "" {
				stream = p + "/" + stream
			}
		}
		t.logGroups = append(t.logGroups, group)
		t.logStreams = append(t.logStreams, stream)
		t.ids = append(t.ids, "")
	}
	return t
}

// spec is the engine container of one container definition with its override.
func (s *Service) spec(t *ecsTask, cd ContainerDefinition, o ContainerOverride, taskID string) Spec {
	var env []string
	set := map[string]int{}
	add := func(k, v string) {
		if i, ok := set[k]; ok {
			env[i] = k + "=" + v
			return
		}
		set[k] = len(env)
		env = append(env, k+"="+v)
	}
	add("AWS_REGION", s.cfg.Region)
	add("AWS_DEFAULT_REGION", s.cfg.Region)
	if s.cfg.EndpointURL != "" {
		add("AWS_ENDPOINT_URL", s.cfg.EndpointURL)
	}
	add("AWS_EXECUTION_ENV", "AWS_ECS_"+t.d.LaunchType)
	for _, e := range cd.Environment {
		add(e.Name, e.Value)
	}
	for _, e := range o.Environment {
		add(e.Name, e.Value)
	}
	cmd := cd.Command
	if len(o.Command) > 0 {
		cmd = o.Command
	}
	sp := Spec{
		Name:  "sfnlocal-ecs-" + taskID + "-" + sanitize(cd.Name),
		Image: cd.Image, Command: slices.Clone(cmd), Entrypoint: slices.Clone(cd.EntryPoint),
		WorkingDir: cd.WorkingDirectory, Env: env, User: cd.User, CPU: cd.CPU,
		Labels:         map[string]string{LabelTaskArn: t.d.TaskArn, LabelContainer: cd.Name},
		Privileged:     cd.Privileged != nil && *cd.Privileged,
		ReadonlyRootFS: cd.ReadonlyRootFilesystem != nil && *cd.ReadonlyRootFilesystem,
		ExtraHosts:     []string{"host.docker.internal:host-gateway"},
	}
	if o.CPU != nil {
		sp.CPU = *o.CPU
	}
	switch {
	case o.Memory != nil:
		sp.MemoryMiB = *o.Memory
	case cd.Memory != nil:
		sp.MemoryMiB = *cd.Memory
	}
	return sp
}

func sanitize(name string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.' {
			return r
		}
		return '-'
	}, name)
}

// snapshot is a copy of the task's detail that stays valid after the lock is released.
func (s *Service) snapshot(t *ecsTask) Task {
	d := t.d
	d.Containers = slices.Clone(t.d.Containers)
	d.Tags = slices.Clone(t.d.Tags)
	d.Attachments = slices.Clone(t.d.Attachments)
	return d
}

// logDrain bounds how long a container's log stream may take to end after it exited, in
// wall-clock time (the engine's, not the scaled service clock's).
const logDrain = 5 * time.Second

type containerExit struct {
	i    int
	exit Exit
	err  error
}

// run is the goroutine of one task: start its containers, wait for an essential one to exit
// (or StopTask), stop the rest, remove them and record the outcome.
func (s *Service) run(t *ecsTask) {
	defer s.wg.Done()
	defer close(t.done)
	defer s.persistAfterRun()
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("panic in ecs task", fTask(t.d.TaskArn), fPanic(p))
		}
	}()
	ctx := s.ctx
	s.mu.Lock()
	s.moveLocked(t, StatusPending)
	t.d.PullStartedAt = at(s.cfg.Clock.Now())
	s.mu.Unlock()

	exits := make(chan containerExit, len(t.specs))
	logsDone := make(chan struct{}, len(t.specs))
	logCtx, stopLogs := context.WithCancel(ctx)
	defer stopLogs()
	started, pumps := 0, 0
	var startErr error
	startCtx, cancelStart := context.WithCancel(ctx)
	defer cancelStart()
	s.mu.Lock()
	t.cancelStart = cancelStart
	s.mu.Unlock()
	for i, sp := range t.specs {
		s.mu.Lock()
		stop := t.stopping
		s.mu.Unlock()
		if stop {
			break
		}
		id, err := t.runner.Start(startCtx, sp)
		if err != nil {
			startErr = err
			s.mu.Lock()
			reason := "CannotStartContainerError: " + err.Error()
			if errors.Is(err, ErrImageNotFound) {
				reason = "CannotPullContainerError: " + err.Error()
			}
			if !(t.stopping && startCtx.Err() != nil) { // not StopTask giving up the start
				t.d.Containers[i].Reason = reason
			}
			if !t.stopping {
				t.stopping = true
				t.d.StopCode, t.d.StoppedReason = StopFailedToStart, reason
			}
			s.mu.Unlock()
			break
		}
		s.mu.Lock()
		t.ids[i] = id
		t.d.Containers[i].RuntimeID = id
		s.mu.Unlock()
		started++
		if g := t.logGroups[i]; g != "" && s.cfg.Logs != nil {
			s.cfg.Logs.CreateLogStream(g, t.logStreams[i], s.cfg.Clock.Now().UnixMilli())
			pumps++
			go func(i int, id string) {
				defer func() { logsDone <- struct{}{} }()
				s.pumpLogs(logCtx, t.runner, id, t.logGroups[i], t.logStreams[i])
			}(i, id)
		}
		go func(i int, id string) {
			exit, err := t.runner.Wait(ctx, id)
			exits <- containerExit{i, exit, err}
		}(i, id)
	}

	now := s.cfg.Clock.Now()
	s.mu.Lock()
	t.d.PullStoppedAt = at(now)
	if startErr == nil && !t.stopping {
		s.moveLocked(t, StatusRunning)
		t.d.StartedAt, t.d.Connectivity, t.d.ConnectivityAt = at(now), "CONNECTED", at(now)
		for i := range t.d.Containers {
			t.d.Containers[i].LastStatus = StatusRunning
		}
	} else if started > 0 {
		s.beginStopLocked(t)
	}
	s.mu.Unlock()
	s.persistAfterRun() // RUNNING, before the containers' exits
	if started > 0 && (startErr != nil || s.isStopping(t)) {
		s.stopContainers(t)
	}

	for n := 0; n < started; n++ {
		e := <-exits
		s.mu.Lock()
		c := &t.d.Containers[e.i]
		code := e.exit.Code
		c.ExitCode = &code
		hostGone := e.err == nil && e.exit.StoppedReason != ""
		switch {
		case e.err != nil:
			code = 137
			c.Reason = "container wait failed: " + e.err.Error()
		case e.exit.NoExitCode:
			c.ExitCode = nil
		case e.exit.OOMKilled:
			c.Reason = reasonOOM
		case e.exit.Reason != "":
			c.Reason = e.exit.Reason
		}
		c.LastStatus = StatusStopped
		first := !t.stopping
		stopAll := first && (t.essential[e.i] || hostGone)
		if stopAll {
			t.stopping = true
			t.d.StopCode, t.d.StoppedReason = StopEssentialExited, ReasonEssential
			if hostGone {
				t.d.StopCode, t.d.StoppedReason = StopTerminationNotice, e.exit.StoppedReason
			}
			s.beginStopLocked(t)
		}
		s.mu.Unlock()
		if stopAll {
			s.stopContainers(t)
		}
	}
	if pumps > 0 {
		drain := clock.Real().AfterFunc(logDrain, stopLogs)
		for n := 0; n < pumps; n++ {
			<-logsDone
		}
		drain.Stop()
	}
	for _, id := range t.ids {
		if id == "" {
			continue
		}
		if err := t.runner.Remove(context.WithoutCancel(ctx), id); err != nil {
			s.log.Warn("removing task container failed", fTask(t.d.TaskArn), fContainer(id), errField(err))
		}
	}
	now = s.cfg.Clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.beginStopLocked(t)
	t.d.ExecutionStoppedAt = at(now)
	for i := range t.d.Containers {
		t.d.Containers[i].LastStatus = StatusStopped
	}
	for _, a := range t.d.Attachments {
		if m, ok := a.(map[string]any); ok {
			m["status"] = "DELETED"
		}
	}
	s.moveLocked(t, StatusStopped)
	t.d.StoppedAt = at(now)
	s.log.Debug("ecs task stopped", fTask(t.d.TaskArn), fReason(t.d.StoppedReason))
}

// beginStopLocked moves a task that is not stopping yet to DEPROVISIONING with desired
// status STOPPED.
func (s *Service) beginStopLocked(t *ecsTask) {
	t.stopping = true
	if t.d.LastStatus == StatusDeprovisioning || t.d.LastStatus == StatusStopped {
		return
	}
	t.d.DesiredStatus = StatusStopped
	t.d.StoppingAt = at(s.cfg.Clock.Now())
	s.moveLocked(t, StatusDeprovisioning)
}

func (s *Service) isStopping(t *ecsTask) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return t.stopping
}

// stopContainers asks every started container of the task to stop.
func (s *Service) stopContainers(t *ecsTask) {
	s.mu.Lock()
	ids := slices.Clone(t.ids)
	s.mu.Unlock()
	for _, id := range ids {
		if id == "" {
			continue
		}
		go func(id string) {
			if err := t.runner.Stop(context.WithoutCancel(s.ctx), id, s.cfg.StopGrace); err != nil {
				s.log.Warn("stopping task container failed", fContainer(id), errField(err))
			}
		}(id)
	}
}

// pumpLogs copies a container's output into its log stream, one event per line.
func (s *Service) pumpLogs(ctx context.Context, runner ContainerRunner, id, group, stream string) {
	rc, err := runner.Logs(ctx, id)
	if err != nil {
		s.log.Warn("reading task logs failed", fContainer(id), errField(err))
		return
	}
	defer rc.Close()
	go func() {
		<-ctx.Done()
		rc.Close()
	}()
	r := bufio.NewReader(rc)
	for {
		line, err := r.ReadString('\n')
		if line != "" {
			s.cfg.Logs.PutLogLine(group, stream, strings.TrimSuffix(line, "\n"), s.cfg.Clock.Now().UnixMilli())
		}
		if err != nil {
			if !errors.Is(err, io.EOF) && ctx.Err() == nil {
				s.log.Warn("reading task logs failed", fContainer(id), errField(err))
			}
			return
		}
	}
}

// taskLocked resolves a task id or ARN within a cluster.
func (s *Service) taskLocked(c *Cluster, ref string) (*ecsTask, bool) {
	if t, ok := s.tasks[ref]; ok && t.d.ClusterArn == c.ClusterArn {
		return t, true
	}
	if t, ok := s.tasks[s.arn("task", c.ClusterName+"/"+ref)]; ok {
		return t, true
	}
	return nil, false
}

// DescribeTasks returns the tasks with the given ids or ARNs; unknown ones are failures
// with reason MISSING.
func (s *Service) DescribeTasks(cluster string, refs []string) ([]Task, []Failure, error) {
	if len(refs) == 0 {
		return nil, nil, invalidParam("Tasks cannot be empty.")
	}
	if len(refs) > 100 {
		return nil, nil, invalidParam("Tasks can have at most 100 items.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.clusterLocked(cluster)
	if err != nil {
		return nil, nil, err
	}
	out, fails := []Task{}, []Failure{}
	for _, r := range refs {
		t, ok := s.taskLocked(c, r)
		if !ok {
			arn := r
			if !strings.HasPrefix(r, "arn:") {
				arn = s.arn("task", c.ClusterName+"/"+r)
			}
			fails = append(fails, Failure{Arn: arn, Reason: "MISSING"})
			continue
		}
		out = append(out, s.snapshot(t))
	}
	return out, fails, nil
}

// StopTask stops a task's containers (SIGTERM, then SIGKILL after the grace period).
func (s *Service) StopTask(cluster, ref, reason string) (Task, error) {
	if ref == "" {
		return Task{}, invalidParam("Task can not be blank.")
	}
	s.mu.Lock()
	c, err := s.clusterLocked(cluster)
	if err != nil {
		s.mu.Unlock()
		return Task{}, err
	}
	t, ok := s.taskLocked(c, ref)
	if !ok {
		s.mu.Unlock()
		return Task{}, invalidParam("The referenced task was not found.")
	}
	stopNow := false
	if !t.stopping {
		t.stopping = true
		if reason == "" {
			reason = ReasonUserStopped
		}
		t.d.StopCode, t.d.StoppedReason = StopUserInitiated, reason
		t.d.DesiredStatus = StatusStopped
		stopNow = t.d.LastStatus == StatusRunning
		if stopNow {
			s.beginStopLocked(t)
		} else if t.cancelStart != nil {
			t.cancelStart()
		}
	}
	out := s.snapshot(t)
	s.mu.Unlock()
	if stopNow {
		s.stopContainers(t)
	}
	return out, nil
}

// ListTasksInput is ListTasks' request.
type ListTasksInput struct {
	Cluster       string `json:"cluster"`
	Family        string `json:"family"`
	StartedBy     string `json:"startedBy"`
	DesiredStatus string `json:"desiredStatus"`
	LaunchType    string `json:"launchType"`
	MaxResults    int    `json:"maxResults"`
	NextToken     string `json:"nextToken"`
	ServiceName   string `json:"serviceName"`
}

// ListTasks lists the ARNs of a cluster's tasks with the given desired status (RUNNING by
// default), family, startedBy and launch type.
func (s *Service) ListTasks(in *ListTasksInput) ([]string, string, error) {
	want := in.DesiredStatus
	switch want {
	case "":
		want = StatusRunning
	case StatusRunning, StatusPending, StatusStopped:
	default:
		return nil, "", invalidParam("DesiredStatus must be RUNNING, PENDING or STOPPED.")
	}
	if in.MaxResults < 0 || in.MaxResults > 100 {
		return nil, "", invalidParam("MaxResults must be between 1 and 100.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.clusterLocked(in.Cluster)
	if err != nil {
		return nil, "", err
	}
	out := []string{}
	for _, t := range s.order {
		if t.d.ClusterArn != c.ClusterArn || t.d.DesiredStatus != want && !(want == StatusPending && t.d.LastStatus == StatusPending) {
			continue
		}
		if in.Family != "" && t.def.Family != in.Family || in.StartedBy != "" && t.d.StartedBy != in.StartedBy ||
			in.LaunchType != "" && t.d.LaunchType != in.LaunchType || in.ServiceName != "" {
			continue
		}
		out = append(out, t.d.TaskArn)
	}
	start := 0
	if in.NextToken != "" {
		n, err := strconv.Atoi(in.NextToken)
		if err != nil || n < 0 || n > len(out) {
			return nil, "", invalidParam("Invalid token.")
		}
		start = n
	}
	limit := in.MaxResults
	if limit == 0 {
		limit = 100
	}
	end := min(start+limit, len(out))
	next := ""
	if end < len(out) {
		next = strconv.Itoa(end)
	}
	return out[start:end], next, nil
}

// StoppedRetention is how long a stopped task stays visible to DescribeTasks and ListTasks
// (AWS keeps them for at least an hour).
const StoppedRetention = time.Hour

// pruneLocked forgets tasks stopped more than StoppedRetention ago, looking at most once a
// minute.
func (s *Service) pruneLocked() {
	now := s.cfg.Clock.Now()
	if now.Sub(s.pruned) < time.Minute {
		return
	}
	s.pruned = now
	cut := now.Add(-StoppedRetention)
	kept := s.order[:0]
	for _, t := range s.order {
		if t.d.LastStatus == StatusStopped && t.d.StoppedAt != nil && time.Time(*t.d.StoppedAt).Before(cut) {
			delete(s.tasks, t.d.TaskArn)
			continue
		}
		kept = append(kept, t)
	}
	clear(s.order[len(kept):])
	s.order = kept
}

// Wait blocks until the task has stopped or ctx ends, and returns it.
func (s *Service) Wait(ctx context.Context, taskArn string) (Task, error) {
	s.mu.Lock()
	t, ok := s.tasks[taskArn]
	s.mu.Unlock()
	if !ok {
		return Task{}, invalidParam("The referenced task was not found.")
	}
	select {
	case <-t.done:
	case <-ctx.Done():
		return Task{}, context.Cause(ctx)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snapshot(t), nil
}
