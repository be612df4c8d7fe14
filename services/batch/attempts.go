package batch

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/clock"
)

func errField(err error) zap.Field { return zap.Error(err) }

// logDrain is how long, after a container exited, its log stream may take to reach EOF. It
// is wall-clock time (the engine's), not the service clock's: a scaled clock would cut the
// output of a job that has just exited.
const logDrain = 5 * time.Second

// runAttempt is the goroutine of one attempt: start the container, stream its logs, enforce
// the attempt timeout, wait for the exit, remove the container and record the outcome.
func (s *Service) runAttempt(startCtx context.Context, j *job, runner ContainerRunner, n int, spec Spec, stream string) {
	defer s.wg.Done()
	defer func() {
		// A bug here must not take the server down with it.
		if p := recover(); p != nil {
			s.log.Error("panic in job attempt", fJobID(spec.Labels[LabelJobID]), fAttempt(n), zapAny("panic", p))
		}
	}()
	ctx := s.ctx
	id, err := runner.Start(startCtx, spec)
	s.mu.Lock()
	if j.cancelStart != nil {
		j.cancelStart()
		j.cancelStart = nil
	}
	if j.placing {
		j.placing = false
		if j.terminateReason != "" {
			// Cancelled or terminated before any node took it: the job never left RUNNABLE,
			// so it fails without an attempt, as on AWS.
			s.givenUpWhilePlacingLocked(j)
			s.scheduleLocked()
			s.mu.Unlock()
			if err == nil {
				if rerr := runner.Remove(context.WithoutCancel(ctx), id); rerr != nil {
					s.log.Warn("removing job container failed", fJobID(j.d.JobID), fContainerID(id), errField(rerr))
				}
			}
			return
		}
		// Start ended without reporting a placement (it failed, as a rule): the attempt goes on
		// from STARTING.
		s.unblockLocked(j)
		s.publishAttemptLocked(j)
		s.mustTransition(j, StatusStarting)
	}
	s.mu.Unlock()
	if err != nil {
		if s.p.off.Load() {
			return // detached by Close with a store: the next start finds out what became of it
		}
		reason := "CannotStartContainerError: " + err.Error()
		if errors.Is(err, ErrImageNotFound) {
			reason = "CannotPullContainerError: " + err.Error()
		}
		s.log.Info("job container did not start", fJobID(j.d.JobID), fAttempt(n), errField(err))
		s.mu.Lock()
		s.finishAttemptLocked(j, nil, reason)
		s.scheduleLocked()
		s.persistLocked()
		s.mu.Unlock()
		s.syncLog()
		return
	}
	s.mu.Lock()
	j.containerID = id
	stopNow := j.terminateReason != ""
	s.mustTransition(j, StatusRunning)
	now := s.nowMillis()
	j.d.StartedAt = now
	j.cur.StartedAt = now
	var timer interface{ Stop() bool }
	if j.timeout > 0 {
		timer = s.clock.AfterFunc(j.timeout, func() { s.onAttemptTimeout(j, n) })
	}
	s.persistLocked()
	s.mu.Unlock()
	s.syncLog()
	s.log.Debug("job container started", fJobID(j.d.JobID), fAttempt(n), fContainerID(id))
	if stopNow {
		s.stopContainer(runner, id, 0)
	}
	s.followAttempt(ctx, j, runner, id, stream, 0, timer)
}

// followAttempt streams a started container's logs (skipping the first skip lines, which the
// store already has), waits for its exit, removes it and records the outcome. timer is the
// attempt's timeout, stopped at the exit.
// ctx is the service's component-lifetime context.
func (s *Service) followAttempt(ctx context.Context, j *job, runner ContainerRunner, id, stream string, skip int, timer interface{ Stop() bool }) {
	logCtx, stopLogs := context.WithCancel(ctx)
	logsDone := make(chan struct{})
	go func() {
		defer close(logsDone)
		s.pumpLogs(logCtx, runner, id, stream, skip)
	}()

	exit, werr := runner.Wait(ctx, id)
	if timer != nil {
		timer.Stop()
	}
	drain := clock.Real().AfterFunc(logDrain, stopLogs)
	<-logsDone
	drain.Stop()
	stopLogs()
	if werr != nil && s.p.off.Load() {
		return // detached by Close with a store: the container runs on, for the next start
	}
	if err := runner.Remove(context.WithoutCancel(ctx), id); err != nil {
		s.log.Warn("removing job container failed", fJobID(j.d.JobID), fContainerID(id), errField(err))
	}
	if werr != nil {
		exit = Exit{Code: 137, Reason: "container wait failed: " + werr.Error()}
	}
	s.mu.Lock()
	s.finishAttemptLocked(j, &exit, "")
	s.scheduleLocked()
	s.persistLocked()
	s.mu.Unlock()
	s.syncLog()
}

// syncLog makes the queued changes durable from a background goroutine, which has no client
// to report a failure to.
func (s *Service) syncLog() {
	if err := s.p.j.Sync(); err != nil {
		s.log.Error("batch store write failed", errField(err))
	}
}

// reattach follows the container of a job that was STARTING or RUNNING when the previous
// process ended (see persist.go).
func (s *Service) reattach(j *job) {
	defer s.wg.Done()
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("panic in job reattach", fJobID(j.d.JobID), zapAny("panic", p))
		}
	}()
	s.mu.Lock()
	jobID, n, runner := j.d.JobID, j.attempt, j.runner
	stream := j.cur.Container.LogStreamName
	s.mu.Unlock()
	var id string
	var err error
	if r, ok := runner.(Reattacher); ok {
		id, err = r.FindAttempt(s.ctx, jobID, n)
	}
	if s.ctx.Err() != nil {
		return
	}
	if id == "" {
		if err != nil {
			s.log.Warn("looking for a job's container failed", fJobID(jobID), errField(err))
		}
		s.mu.Lock()
		j.lostReason = fmt.Sprintf("Host EC2 (instance %s) terminated.", instanceID(j.cur.Container.ContainerInstanceArn))
		s.log.Info("job container is gone", fJobID(jobID), fAttempt(n))
		s.finishAttemptLocked(j, nil, "")
		s.scheduleLocked()
		s.persistLocked()
		s.mu.Unlock()
		s.syncLog()
		return
	}
	s.mu.Lock()
	j.containerID = id
	if j.d.Status == StatusStarting {
		s.mustTransition(j, StatusRunning)
		now := s.nowMillis()
		j.d.StartedAt = now
		j.cur.StartedAt = now
	}
	stopNow := j.terminateReason != ""
	var timer interface{ Stop() bool }
	if j.timeout > 0 && !j.timedOut {
		// The attempt's deadline is absolute: what is left of it after the restart.
		left := time.UnixMilli(j.cur.StartedAt).Add(j.timeout).Sub(s.clock.Now())
		timer = s.clock.AfterFunc(max(left, 0), func() { s.onAttemptTimeout(j, n) })
	}
	stopAgain := j.timedOut // the stop may not have reached the container before the crash
	skip := len(s.GroupEvents(LogGroup, stream))
	s.dirtyLocked(j)
	s.persistLocked()
	s.mu.Unlock()
	s.syncLog()
	s.log.Info("job container reattached", fJobID(jobID), fAttempt(n), fContainerID(id))
	switch {
	case stopNow:
		s.stopContainer(runner, id, 0)
	case stopAgain:
		s.stopContainer(runner, id, s.cfg.StopGrace)
	}
	s.followAttempt(s.ctx, j, runner, id, stream, skip, timer)
}

// pumpLogs copies the container's output into the attempt's log stream, one event per line,
// after skipping the first skip lines (a reattached container's logs start over).
func (s *Service) pumpLogs(ctx context.Context, runner ContainerRunner, id, stream string, skip int) {
	rc, err := runner.Logs(ctx, id)
	if err != nil {
		s.log.Warn("reading job logs failed", fContainerID(id), errField(err))
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
		if line != "" && skip > 0 {
			skip--
			line = ""
		}
		if line != "" {
			msg, now := strings.TrimSuffix(line, "\n"), s.nowMillis()
			s.logs.append(stream, msg, now)
			if s.cfg.Logs != nil {
				_ = s.cfg.Logs.Append(s.cfg.Region, LogGroup, stream, now, msg)
			}
			if r.Buffered() == 0 {
				s.syncLog() // a burst of lines shares one commit
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) && ctx.Err() == nil {
				s.log.Warn("reading job logs failed", fContainerID(id), errField(err))
			}
			return
		}
	}
}

func (s *Service) onAttemptTimeout(j *job, n int) {
	s.mu.Lock()
	if j.attempt != n || j.d.Status != StatusRunning || j.containerID == "" || s.p.off.Load() {
		s.mu.Unlock()
		return
	}
	j.timedOut = true
	s.dirtyLocked(j)
	s.persistLocked()
	id, runner := j.containerID, j.runner
	s.mu.Unlock()
	s.syncLog()
	s.log.Info("job attempt timed out", fJobID(j.d.JobID), fAttempt(n))
	s.stopContainer(runner, id, s.cfg.StopGrace)
}

func (s *Service) stopContainer(runner ContainerRunner, id string, grace time.Duration) {
	if err := runner.Stop(context.WithoutCancel(s.ctx), id, grace); err != nil {
		s.log.Warn("stopping job container failed", fContainerID(id), errField(err))
	}
}

// finishAttemptLocked records the end of the current attempt: exit is nil when the container
// never started, with startReason saying why. It then retries, or ends the job.
func (s *Service) finishAttemptLocked(j *job, exit *Exit, startReason string) {
	now := s.nowMillis()
	att := *j.cur
	c := *att.Container
	att.Container = &c
	att.StoppedAt = now
	if att.StartedAt == 0 {
		att.StartedAt = now
	}
	var statusReason string
	var code *int
	switch {
	case exit == nil:
		// AWS reports "Task failed to start" as the status reason and the cause (e.g.
		// CannotPullContainerError: ...) as the container's reason.
		statusReason = reasonStartFailed
		if j.lostReason != "" {
			statusReason = j.lostReason // its container vanished while sfnlocal was down
			j.lostReason = ""
		}
		if j.terminateReason != "" {
			statusReason = j.terminateReason // terminated while it started
		}
		c.Reason = startReason
	default:
		if !exit.NoExitCode {
			code = intp(exit.Code)
		}
		c.ExitCode = code
		c.Reason = exit.Reason
		if exit.OOMKilled {
			c.Reason = reasonOOM
		}
		switch {
		case j.terminateReason != "":
			statusReason = j.terminateReason
		case j.timedOut:
			statusReason = reasonTimeout
		case exit.StatusReason != "":
			statusReason = exit.StatusReason
		default:
			statusReason = reasonExited
		}
	}
	att.StatusReason = statusReason
	j.d.Attempts = append(j.d.Attempts, att)
	j.d.Container.ExitCode = code
	j.d.Container.Reason = c.Reason
	j.d.StatusReason = statusReason
	j.ce.used -= j.vcpus
	j.ce = nil
	j.containerID = ""
	j.cur = nil
	s.log.Debug("job attempt ended", fJobID(j.d.JobID), fAttempt(j.attempt), zap.Stringp("reason", &statusReason))
	if exit != nil && !exit.NoExitCode && exit.Code == 0 && j.terminateReason == "" && !j.timedOut {
		s.mustTransition(j, StatusSucceeded)
		return
	}
	if j.terminateReason == "" && !j.timedOut && j.attempt < j.maxAttempts &&
		shouldRetry(j.retry, code, statusReason, c.Reason) {
		s.makeRunnableLocked(j)
		return
	}
	s.mustTransition(j, StatusFailed)
}

// givenUpWhilePlacingLocked undoes the dispatch of a job that CancelJob or TerminateJob
// ended while its cluster had not placed it, and fails it without an attempt.
func (s *Service) givenUpWhilePlacingLocked(j *job) {
	s.unblockLocked(j)
	j.ce.used -= j.vcpus
	j.ce = nil
	j.cur = nil
	j.containerID = ""
	j.attempt--
	s.failWaitingLocked(j, j.terminateReason, !j.cancelled)
}

// CancelJob fails a job that has not started yet; STARTING and RUNNING jobs are left alone,
// as on AWS. For an array parent it cancels the children that have not started.
func (s *Service) CancelJob(jobID, reason string) error {
	return s.stopJob(jobID, reason, false)
}

// TerminateJob ends a job whatever its status: a running container is stopped.
func (s *Service) TerminateJob(jobID, reason string) error {
	return s.stopJob(jobID, reason, true)
}

func (s *Service) stopJob(jobID, reason string, terminate bool) (err error) {
	if jobID == "" {
		return clientErrorf("jobId is required")
	}
	if reason == "" {
		return clientErrorf("reason is required")
	}
	defer s.persistInto(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[s.nameFromRef("job", jobID)]
	if !ok {
		return clientErrorf("Job %s not found", jobID)
	}
	s.cancelLocked(j, reason, terminate)
	s.scheduleLocked()
	return nil
}

func (s *Service) cancelLocked(j *job, reason string, terminate bool) {
	for _, k := range j.kids {
		s.cancelLocked(k, reason, terminate)
	}
	if len(j.kids) > 0 {
		return // the parent ends when its children have
	}
	switch j.d.Status {
	case StatusRunnable:
		if !j.placing {
			s.failWaitingLocked(j, reason, terminate)
			return
		}
		// Dispatched to a cluster that has not placed it: give up the start; the attempt's
		// goroutine fails the job once the service is gone.
		if j.terminateReason == "" {
			j.terminateReason, j.cancelled = reason, !terminate
			if j.cancelStart != nil {
				j.cancelStart()
			}
		}
	case StatusSubmitted, StatusPending:
		s.failWaitingLocked(j, reason, terminate)
	case StatusStarting, StatusRunning:
		if !terminate || j.terminateReason != "" {
			return
		}
		j.terminateReason = reason
		j.d.IsTerminated = true
		s.dirtyLocked(j)
		if j.containerID == "" && j.cancelStart != nil {
			j.cancelStart()
		}
		if id := j.containerID; id != "" {
			grace := s.cfg.StopGrace
			go s.stopContainer(j.runner, id, grace)
		}
	}
}

// DescribeJobs returns the details of the jobs with the given ids or ARNs; unknown ones are
// left out, as on AWS.
func (s *Service) DescribeJobs(ids []string) ([]JobDetail, error) {
	if len(ids) > 100 {
		return nil, clientErrorf("DescribeJobs accepts up to 100 job IDs")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []JobDetail{}
	for _, id := range ids {
		if j, ok := s.jobs[s.nameFromRef("job", id)]; ok {
			out = append(out, j.snapshot())
		}
	}
	return out, nil
}

type listJobsInput struct {
	JobQueue       string          `json:"jobQueue"`
	ArrayJobID     string          `json:"arrayJobId"`
	MultiNodeJobID string          `json:"multiNodeJobId"`
	JobStatus      string          `json:"jobStatus"`
	MaxResults     int             `json:"maxResults"`
	NextToken      string          `json:"nextToken"`
	Filters        []KeyValuesPair `json:"filters"`
}

// listJobs lists the jobs of a queue or the children of an array job. Without a status or
// filters only RUNNING jobs are listed, as on AWS; with filters every status is.
func (s *Service) listJobs(in *listJobsInput) ([]JobSummary, string, error) {
	n := 0
	for _, v := range []string{in.JobQueue, in.ArrayJobID, in.MultiNodeJobID} {
		if v != "" {
			n++
		}
	}
	if n != 1 {
		return nil, "", clientErrorf("Exactly one of jobQueue, arrayJobId or multiNodeJobId must be specified")
	}
	if in.JobStatus != "" && !validStatus(in.JobStatus) {
		return nil, "", clientErrorf("Invalid job status %q", in.JobStatus)
	}
	match, err := listFilter(in.Filters)
	if err != nil {
		return nil, "", err
	}
	status := Status(in.JobStatus)
	if status == "" && len(in.Filters) == 0 {
		status = StatusRunning
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var candidates []*job
	switch {
	case in.JobQueue != "":
		q, err := s.queueLocked(in.JobQueue)
		if err != nil {
			return nil, "", err
		}
		for _, j := range s.order {
			if j.queue == q {
				candidates = append(candidates, j)
			}
		}
	case in.ArrayJobID != "":
		p, ok := s.jobs[in.ArrayJobID]
		if !ok || p.kids == nil {
			return nil, "", clientErrorf("Array job %s not found", in.ArrayJobID)
		}
		candidates = p.kids
	default:
		return nil, "", clientErrorf("Multi-node parallel jobs are not supported by sfnlocal")
	}
	out := []JobSummary{}
	for _, j := range candidates {
		if len(in.Filters) == 0 && j.d.Status != status {
			continue
		}
		if !match(j) {
			continue
		}
		out = append(out, j.summary())
	}
	return page(out, in.MaxResults, in.NextToken)
}

func (j *job) summary() JobSummary {
	sum := JobSummary{
		JobArn: j.d.JobArn, JobID: j.d.JobID, JobName: j.d.JobName, CreatedAt: j.d.CreatedAt,
		Status: j.d.Status, StatusReason: j.d.StatusReason, StartedAt: j.d.StartedAt,
		StoppedAt: j.d.StoppedAt, JobDefinition: j.d.JobDefinition,
	}
	if c := j.d.Container; c != nil && (c.ExitCode != nil || c.Reason != "") {
		sum.Container = &ContainerSummary{ExitCode: c.ExitCode, Reason: c.Reason}
	}
	if a := j.d.ArrayProperties; a != nil {
		sum.ArrayProperties = &ArrayPropertiesSummary{Size: a.Size, Index: a.Index}
	}
	return sum
}

// listFilter compiles ListJobs filters: JOB_NAME and JOB_DEFINITION (exact, or a prefix
// ending in *), BEFORE_CREATED_AT and AFTER_CREATED_AT (epoch milliseconds).
func listFilter(filters []KeyValuesPair) (func(*job) bool, error) {
	var preds []func(*job) bool
	for _, f := range filters {
		if len(f.Values) != 1 {
			return nil, clientErrorf("Filter %s must have exactly one value", f.Name)
		}
		v := f.Values[0]
		switch f.Name {
		case "JOB_NAME":
			preds = append(preds, func(j *job) bool { return globMatch(v, j.d.JobName) })
		case "JOB_DEFINITION":
			preds = append(preds, func(j *job) bool {
				return globMatch(v, j.d.JobDefinition) || globMatch(v, j.def.JobDefinitionName) ||
					globMatch(v, j.def.JobDefinitionName+":"+itoa(j.def.Revision))
			})
		case "BEFORE_CREATED_AT", "AFTER_CREATED_AT":
			t, err := parseInt64(v)
			if err != nil {
				return nil, clientErrorf("Filter %s value must be a timestamp in epoch milliseconds", f.Name)
			}
			before := f.Name == "BEFORE_CREATED_AT"
			preds = append(preds, func(j *job) bool {
				if before {
					return j.d.CreatedAt < t
				}
				return j.d.CreatedAt > t
			})
		default:
			return nil, clientErrorf("Invalid filter name %s", f.Name)
		}
	}
	return func(j *job) bool {
		for _, p := range preds {
			if !p(j) {
				return false
			}
		}
		return true
	}, nil
}

// Wait blocks until the job ends or ctx is done, and returns its detail.
func (s *Service) Wait(ctx context.Context, jobID string) (JobDetail, error) {
	s.mu.Lock()
	j, ok := s.jobs[s.nameFromRef("job", jobID)]
	s.mu.Unlock()
	if !ok {
		return JobDetail{}, clientErrorf("Job %s not found", jobID)
	}
	select {
	case <-j.done:
	case <-ctx.Done():
		return JobDetail{}, context.Cause(ctx)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return j.snapshot(), nil
}
