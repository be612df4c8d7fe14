package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sfnlocal/sfnlocal/api/store"
	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/jackson"
	"github.com/sfnlocal/sfnlocal/internal/jsoncheck"
	"github.com/sfnlocal/sfnlocal/internal/mockcfg"
)

// execution is the live handle of an execution started by this process.
type execution struct {
	run Run
	rec store.Execution // the record as started (immutable)
	// phase decides who records the outcome: start() moves it from phaseInit to
	// phaseStarted once Start returned, OnDone from phaseInit to phaseEnded when the
	// execution ended first. Whoever loses the race records it.
	phase atomic.Int32
	// redriveTokens are the clientTokens of the last successful RedriveExecution calls, for
	// their idempotent repeats (guarded by Service.mu); they go into the records written
	// after a redrive, so that a restart keeps them.
	redriveTokens []store.RedriveToken
	// persisted waits until the execution's record is durable (nil: nothing to wait for).
	persisted func() error
}

const (
	phaseInit int32 = iota
	phaseStarted
	phaseEnded
)

// target is what a StartExecution ARN resolved to.
type target struct {
	sm         store.StateMachine
	definition string
	roleArn    string
	versionArn string
	aliasArn   string
	revisionID string
	logging    string
	tracing    string
	encryption string
	varRefs    map[string][]string
	defDate    time.Time
}

// resolveTarget turns an unqualified, version or alias ARN into the revision to run.
func (s *Service) resolveTarget(arnText string) (target, error) {
	ref, aerr := parseStateMachineArn(arnText)
	if aerr != nil {
		return target{}, aerr
	}
	if ref.Label != "" {
		return target{}, &Error{Code: CodeValidationException, Message: "Labelled ARNs are not supported by this API", Reason: "API_DOES_NOT_SUPPORT_LABELED_ARNS"}
	}
	sm, ok := s.store.GetStateMachine(ref.Base)
	if !ok {
		return target{}, errStateMachineDoesNotExist(arnText)
	}
	if sm.Deleting {
		return target{}, newError(CodeStateMachineDeleting, "State Machine is being deleted: '%s'", sm.Arn)
	}
	t := target{sm: sm, definition: sm.Definition, roleArn: sm.RoleArn, revisionID: sm.RevisionID,
		logging: sm.Logging, tracing: sm.Tracing, encryption: sm.Encryption, varRefs: sm.VariableReferences,
		defDate: sm.UpdateDate}
	if t.defDate.IsZero() {
		t.defDate = sm.CreationDate
	}
	versionArn := ""
	switch {
	case ref.Version > 0:
		versionArn = arnText
	case ref.Alias != "":
		a, ok := s.store.GetAlias(arnText)
		if !ok {
			return target{}, errStateMachineDoesNotExist(arnText)
		}
		t.aliasArn = a.Arn
		versionArn = s.pickRoute(a.Routing)
	}
	if versionArn != "" {
		v, ok := s.store.GetVersion(versionArn)
		if !ok {
			return target{}, errStateMachineDoesNotExist(arnText)
		}
		t.versionArn = v.Arn
		t.definition, t.roleArn, t.revisionID = v.Definition, v.RoleArn, v.RevisionID
		t.logging, t.tracing, t.encryption, t.varRefs = v.Logging, v.Tracing, v.Encryption, v.VariableReferences
		t.defDate = v.CreationDate
	}
	return t, nil
}

// pickRoute chooses an alias' version by weight.
func (s *Service) pickRoute(routes []store.Route) string {
	if len(routes) == 1 {
		return routes[0].VersionArn
	}
	n := s.intn(100)
	for _, r := range routes {
		if n < r.Weight {
			return r.VersionArn
		}
		n -= r.Weight
	}
	return routes[len(routes)-1].VersionArn
}

// checkInput validates execution input: absent means "{}", anything else must be one JSON value.
func checkInput(in *string) (string, error) {
	if in == nil {
		return "{}", nil
	}
	if strings.TrimSpace(*in) == "" {
		return "", newError(CodeInvalidExecutionInput, "Invalid State Machine Execution Input: 'Invalid execution input.'")
	}
	if err := jsoncheck.CheckString(*in, 0); err != nil {
		return "", newError(CodeInvalidExecutionInput, "Invalid State Machine Execution Input: '%s'", err.Error())
	}
	dec := json.NewDecoder(strings.NewReader(*in))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", newError(CodeInvalidExecutionInput, "Invalid State Machine Execution Input: '%s'", jsonProblem(*in))
	}
	if _, err := dec.Token(); err == nil {
		return "", newError(CodeInvalidExecutionInput, "Invalid State Machine Execution Input: '%s'", jsonProblem(*in))
	}
	return *in, nil
}

// jsonProblem describes why text is not one JSON value in Jackson's words, as AWS does
// (Go's parser text never reaches a client).
func jsonProblem(text string) string {
	if je := jackson.Check(text); je != nil {
		return je.Error()
	}
	// One value, then more content: refused here, as Go's decoder would have to skip it.
	dec := json.NewDecoder(strings.NewReader(text))
	var v any
	_ = dec.Decode(&v)
	return jackson.At(text, int(dec.InputOffset())+1, "Unexpected content after the end of the JSON value").Error()
}

func (s *Service) checkStart(in *StartExecutionInput) error {
	var ck checks
	ck.str("stateMachineArn", in.StateMachineArn, true, 1, 256)
	ck.str("name", in.Name, false, 1, 80)
	ck.payload("input", in.Input, false, 0, 262144)
	ck.str("traceHeader", in.TraceHeader, false, 0, 256)
	ck.enum("includedData", in.IncludedData, enumIncludedData...)
	if err := ck.err(); err != nil {
		return err
	}
	if in.Name != nil && !validName(*in.Name) {
		return errInvalidName(*in.Name)
	}
	return nil
}

func (s *Service) StartExecution(ctx context.Context, in *StartExecutionInput) (*StartExecutionOutput, error) {
	in.IncludedData = nil // not a StartExecution member
	if err := s.hereStart(ctx, in); err != nil {
		return nil, err
	}
	ex, err := s.start(in, false)
	if err != nil {
		return nil, err
	}
	return &StartExecutionOutput{ExecutionArn: ex.rec.Arn, StartDate: ts(ex.rec.StartDate)}, nil
}

// hereStart answers StateMachineDoesNotExist for a state machine ARN of another region than
// the request's, after the checks the start itself makes first.
func (s *Service) hereStart(ctx context.Context, in *StartExecutionInput) error {
	if err := s.checkStart(in); err != nil {
		return err
	}
	smArn, _, _ := strings.Cut(*in.StateMachineArn, "#")
	if _, aerr := parseStateMachineArn(smArn); aerr != nil {
		return nil // start answers InvalidArn
	}
	if !s.here(ctx, smArn) {
		return errStateMachineDoesNotExist(*in.StateMachineArn)
	}
	return nil
}

// start resolves, checks and starts an execution. sync is StartSyncExecution.
func (s *Service) start(in *StartExecutionInput, sync bool) (*execution, error) {
	return s.startOn(in, sync, nil)
}

// startOn starts an execution; sched, when set, is the scheduler of the parent execution
// whose Task starts it (see StartParams.Sched).
func (s *Service) startOn(in *StartExecutionInput, sync bool, sched *clock.Sched) (*execution, error) {
	ex, err := s.startLocking(in, sync, sched)
	if err != nil {
		return nil, err
	}
	// Write-ahead: the execution is durable before StartExecution answers (the write is
	// made outside the lock, so that concurrent starts share a commit).
	if ex.persisted != nil {
		if err := ex.persisted(); err != nil {
			return nil, err
		}
	}
	return ex, nil
}

func (s *Service) startLocking(in *StartExecutionInput, sync bool, sched *clock.Sched) (*execution, error) {
	if err := s.checkStart(in); err != nil {
		return nil, err
	}
	input, err := checkInput(in.Input)
	if err != nil {
		return nil, err
	}
	name := ""
	if in.Name != nil {
		name = *in.Name
	} else {
		name = s.newID()
	}
	// Step Functions Local's mocked test cases: <state machine ARN>#<test case>.
	smArn, testCase, mocked := strings.Cut(*in.StateMachineArn, "#")
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.resolveTarget(smArn)
	if err != nil {
		return nil, err
	}
	var mocks *mockcfg.Case
	if mocked {
		if mocks, err = s.testCase(t.sm.Name, testCase, *in.StateMachineArn); err != nil {
			return nil, err
		}
	}
	express := t.sm.Type == typeExpress
	if sync && !express {
		return nil, errTypeNotSupported()
	}
	var arn string
	if express {
		arn = expressArn(t.sm.Arn, name, s.newID())
	} else {
		arn = executionArn(t.sm.Arn, name)
		if old, ok := s.runs.Load(arn); ok {
			ex := old.(*execution)
			if ex.run.Status() == "RUNNING" && ex.rec.Input == input {
				return ex, nil
			}
			return nil, newError(CodeExecutionAlreadyExists, "Execution Already Exists: '%s'", arn)
		}
		if _, ok := s.store.GetExecution(arn); ok {
			return nil, newError(CodeExecutionAlreadyExists, "Execution Already Exists: '%s'", arn)
		}
	}
	prog, err := s.compile(t.definition, t.sm.Type)
	if err != nil {
		return nil, err
	}
	ex := &execution{}
	run, err := s.engine.Start(prog, StartParams{
		ExecutionArn: arn, Name: name, StateMachineArn: t.sm.Arn, StateMachineName: t.sm.Name,
		RoleArn: t.roleArn, StateMachineVersionArn: t.versionArn, StateMachineAliasArn: t.aliasArn,
		Input: input, Express: express, Sync: sync, Sched: sched, Mocks: mocks,
		OnDone: func() {
			if !ex.phase.CompareAndSwap(phaseInit, phaseEnded) {
				s.mu.Lock()
				s.finishLocked(ex)
				s.mu.Unlock()
			}
		},
	})
	if err != nil {
		return nil, err
	}
	rec := store.Execution{
		Arn: arn, StateMachineArn: t.sm.Arn, Name: name, VersionArn: t.versionArn, AliasArn: t.aliasArn,
		Express: express, Input: input, StartDate: run.StartDate(), Status: "RUNNING",
		Definition: t.definition, RoleArn: t.roleArn, Logging: t.logging, Tracing: t.tracing,
		Encryption: t.encryption, RevisionID: t.revisionID, DefinitionDate: t.defDate,
		VariableReferences: t.varRefs, Seq: s.seq.Add(1),
	}
	if in.TraceHeader != nil {
		rec.TraceHeader = *in.TraceHeader
	}
	ex.run, ex.rec = run, rec
	if !express {
		ex.persisted = s.putExecution(rec)
		s.runs.Store(arn, ex)
	}
	s.running[t.sm.Arn]++
	s.logs.watch(rec, run)
	s.notify.post(ExecutionStatus{
		ExecutionArn: arn, StateMachineArn: t.sm.Arn, Name: name, Status: "RUNNING", Express: express,
		StartDate: rec.StartDate, Input: input, Run: run,
	})
	if !ex.phase.CompareAndSwap(phaseInit, phaseStarted) {
		s.finishLocked(ex)
	}
	s.log.Debug("execution started", fieldExecution(arn))
	return ex, nil
}

// finishLocked records an ended execution's outcome and completes a pending
// DeleteStateMachine.
func (s *Service) finishLocked(ex *execution) {
	if s.closing.Load() {
		if _, ok := s.store.(*store.Durable); ok {
			// Shutting down: the execution stays RUNNING in the store and resumes at the
			// next start, as after a crash.
			return
		}
	}
	rec := ex.rec
	rec.RedriveTokens = ex.redriveTokens
	fillOutcome(&rec, ex.run)
	if !rec.Express {
		s.keepFinishedLocked(ex, rec)
	}
	s.notify.post(statusOf(ex))
	s.logs.finish(rec.Arn)
	smArn := rec.StateMachineArn
	s.running[smArn]--
	if s.running[smArn] <= 0 {
		delete(s.running, smArn)
		if sm, ok := s.store.GetStateMachine(smArn); ok && sm.Deleting {
			s.removeStateMachineLocked(smArn)
		}
	}
}

// fillOutcome copies a run's current status and results into rec.
func fillOutcome(rec *store.Execution, run Run) {
	rec.Status = run.Status()
	rec.Output, rec.HasOutput = run.Output()
	rec.Error, rec.HasError = run.Error()
	rec.Cause, rec.HasCause = run.Cause()
	if t, ok := run.StopDate(); ok {
		rec.StopDate = t
	}
	if ri, ok := run.(redriveInfo); ok {
		rec.RedriveCount, rec.RedriveDate = ri.Redrives()
	}
}

func (s *Service) StartSyncExecution(ctx context.Context, in *StartExecutionInput) (*StartSyncExecutionOutput, error) {
	if err := s.hereStart(ctx, in); err != nil {
		return nil, err
	}
	ex, err := s.start(in, true)
	if err != nil {
		return nil, err
	}
	select {
	case <-ex.run.Done():
	case <-ctx.Done():
		_ = ex.run.Stop("", "")
		<-ex.run.Done()
	}
	rec := ex.rec
	fillOutcome(&rec, ex.run)
	out := &StartSyncExecutionOutput{
		ExecutionArn: rec.Arn, StateMachineArn: rec.StateMachineArn, Name: rec.Name,
		StartDate: ts(rec.StartDate), StopDate: ts(rec.StopDate), Status: rec.Status,
	}
	if out.StopDate == nil {
		out.StopDate = out.StartDate
	}
	if rec.HasError {
		out.Error = &rec.Error
	}
	if rec.HasCause {
		out.Cause = &rec.Cause
	}
	metaOnly := in.IncludedData != nil && *in.IncludedData == "METADATA_ONLY"
	out.InputDetails = &DataDetails{Included: !metaOnly}
	if !metaOnly {
		out.Input = &rec.Input
	}
	if rec.HasOutput {
		out.OutputDetails = &DataDetails{Included: !metaOnly}
		if !metaOnly {
			out.Output = &rec.Output
		}
	}
	if rec.TraceHeader != "" {
		out.TraceHeader = &rec.TraceHeader
	}
	ms := rec.StopDate.Sub(rec.StartDate).Milliseconds()
	out.BillingDetails = &BillingDetails{BilledMemoryUsedInMB: 64, BilledDurationInMilliseconds: int64(math.Max(100, math.Ceil(float64(ms)/100)*100))}
	return out, nil
}

// lookupExecution finds an execution record, refreshed from its live run.
func (s *Service) lookupExecution(ctx context.Context, arnText string) (store.Execution, *execution, error) {
	if _, aerr := parseArn(arnText, rtExecution); aerr != nil {
		return store.Execution{}, nil, aerr
	}
	if !s.here(ctx, arnText) {
		return store.Execution{}, nil, errExecutionDoesNotExist(arnText)
	}
	if d, ok := s.store.(*store.Durable); ok {
		// What a client is shown of an execution (its end, say) survives a crash.
		d.WaitWritten(arnText)
	}
	if v, ok := s.runs.Load(arnText); ok {
		ex := v.(*execution)
		rec := ex.rec
		fillOutcome(&rec, ex.run)
		return rec, ex, nil
	}
	rec, ok := s.store.GetExecution(arnText)
	if !ok {
		if rec, ex, _, ok := s.lookupChild(arnText); ok {
			return rec, ex, nil // a Map Run's child (mapruns.go)
		}
		return store.Execution{}, nil, errExecutionDoesNotExist(arnText)
	}
	if ex := s.rebuild(rec); ex != nil {
		return rec, ex, nil
	}
	// It may have just been redriven: the live handle is back.
	if v, ok := s.runs.Load(arnText); ok {
		ex := v.(*execution)
		rec = ex.rec
		fillOutcome(&rec, ex.run)
		return rec, ex, nil
	}
	return rec, nil, nil
}

func (s *Service) StopExecution(ctx context.Context, in *StopExecutionInput) (*StopExecutionOutput, error) {
	var ck checks
	ck.str("executionArn", in.ExecutionArn, true, 1, 256)
	ck.sensitive("error", in.Error, false, 0, 256)
	ck.sensitive("cause", in.Cause, false, 0, 32768)
	if err := ck.err(); err != nil {
		return nil, err
	}
	rec, ex, err := s.lookupExecution(ctx, *in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	if ex != nil && rec.Status == "RUNNING" {
		var e, c string
		if in.Error != nil {
			e = *in.Error
		}
		if in.Cause != nil {
			c = *in.Cause
		}
		if err := ex.run.Stop(e, c); err != nil && !errors.Is(err, ErrExecutionNotRunning) {
			return nil, err
		}
		<-ex.run.Done()
		fillOutcome(&rec, ex.run)
	}
	stop := rec.StopDate
	if stop.IsZero() {
		stop = s.clock.Now()
	}
	return &StopExecutionOutput{StopDate: ts(stop)}, nil
}

// redriveStatus says whether an execution could be redriven, as DescribeExecution reports it
// (reasons as AWS words them; the recorded SUCCEEDED one has no final period). ex is the live
// execution, nil for one recorded before this process started.
func (s *Service) redriveStatus(rec store.Execution, ex *execution) (status, reason string) {
	if _, _, _, ok := s.lookupChild(rec.Arn); ok {
		return childRedriveStatus(rec.Status)
	}
	switch rec.Status {
	case "RUNNING", "SUCCEEDED":
		return "NOT_REDRIVABLE", "Execution is " + rec.Status + " and cannot be redriven"
	}
	if sm, ok := s.store.GetStateMachine(rec.StateMachineArn); !ok || sm.Deleting {
		// A deleted state machine was DELETING first; its executions stay refused.
		return "NOT_REDRIVABLE", "State machine is in DELETING status"
	}
	r, ok := s.engine.(Redriver)
	switch {
	case !ok:
		return "NOT_REDRIVABLE", "Redrive is not supported by this emulator's engine"
	case ex == nil:
		// Its run state is gone with the process that ran it.
		return "NOT_REDRIVABLE", "Execution was started before the launch of RedriveExecution"
	}
	if ok, reason := r.RedriveStatus(ex.run); !ok {
		return "NOT_REDRIVABLE", reason
	}
	return "REDRIVABLE", ""
}

func (s *Service) DescribeExecution(ctx context.Context, in *DescribeExecutionInput) (*DescribeExecutionOutput, error) {
	var ck checks
	ck.str("executionArn", in.ExecutionArn, true, 1, 256)
	ck.enum("includedData", in.IncludedData, enumIncludedData...)
	if err := ck.err(); err != nil {
		return nil, err
	}
	rec, ex, err := s.lookupExecution(ctx, *in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	if rec.Status == "RUNNING" {
		syncRun(ex)
	}
	metaOnly := in.IncludedData != nil && *in.IncludedData == "METADATA_ONLY"
	out := &DescribeExecutionOutput{
		ExecutionArn: rec.Arn, StateMachineArn: rec.StateMachineArn, Name: rec.Name, Status: rec.Status,
		StartDate: ts(rec.StartDate), StopDate: ts(rec.StopDate),
		InputDetails: &DataDetails{Included: !metaOnly}, StateMachineVersionArn: rec.VersionArn,
		StateMachineAliasArn: rec.AliasArn, RedriveCount: rec.RedriveCount, RedriveDate: ts(rec.RedriveDate),
	}
	if !metaOnly {
		out.Input = &rec.Input
	}
	if rec.HasOutput {
		out.OutputDetails = &DataDetails{Included: !metaOnly}
		if !metaOnly {
			out.Output = &rec.Output
		}
	}
	if rec.TraceHeader != "" {
		out.TraceHeader = &rec.TraceHeader
	}
	// A TIMED_OUT execution is described without error and cause, as AWS records it
	// (its ExecutionTimedOut history event keeps them).
	if rec.HasError && rec.Status != "TIMED_OUT" {
		out.Error = &rec.Error
	}
	if rec.HasCause && rec.Status != "TIMED_OUT" {
		out.Cause = &rec.Cause
	}
	out.RedriveStatus, out.RedriveStatusReason = s.redriveStatus(rec, ex)
	if _, _, mapRun, ok := s.lookupChild(rec.Arn); ok {
		out.MapRunArn = mapRun
	}
	return out, nil
}

func (s *Service) DescribeStateMachineForExecution(ctx context.Context, in *DescribeStateMachineForExecutionInput) (*DescribeStateMachineForExecutionOutput, error) {
	var ck checks
	ck.str("executionArn", in.ExecutionArn, true, 1, 256)
	ck.enum("includedData", in.IncludedData, enumIncludedData...)
	if err := ck.err(); err != nil {
		return nil, err
	}
	rec, _, err := s.lookupExecution(ctx, *in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	name := rec.StateMachineArn[strings.LastIndexByte(rec.StateMachineArn, ':')+1:]
	out := &DescribeStateMachineForExecutionOutput{
		StateMachineArn: rec.StateMachineArn, Name: name, Definition: rec.Definition, RoleArn: rec.RoleArn,
		UpdateDate: ts(rec.DefinitionDate), LoggingConfiguration: raw(rec.Logging),
		TracingConfiguration: raw(rec.Tracing), EncryptionConfiguration: encryptionOut(rec.Encryption),
		VariableReferences: rec.VariableReferences,
	}
	if rec.VersionArn != "" {
		out.RevisionID = rec.RevisionID
	}
	if m, ok := s.mapRunner(); ok {
		if c, ok := m.ChildExecution(rec.Arn); ok {
			// A Map Run's child: its definition is the Distributed Map's ItemProcessor.
			out.MapRunArn, out.Label = c.MapRunArn, c.Label
		}
	}
	return out, nil
}

func (s *Service) ListExecutions(ctx context.Context, in *ListExecutionsInput) (*ListExecutionsOutput, error) {
	var ck checks
	ck.str("stateMachineArn", in.StateMachineArn, false, 1, 256)
	ck.enum("statusFilter", in.StatusFilter, enumExecutionStatus...)
	ck.intRange("maxResults", in.MaxResults, 0, 1000)
	ck.str("nextToken", in.NextToken, false, 1, 3096)
	ck.str("mapRunArn", in.MapRunArn, false, 1, 2000)
	ck.enum("redriveFilter", in.RedriveFilter, enumRedriveFilter...)
	if err := ck.err(); err != nil {
		return nil, err
	}
	if (in.StateMachineArn == nil) == (in.MapRunArn == nil) {
		return nil, newError(CodeValidationException, "Must provide a StateMachine ARN or a MapRun ARN")
	}
	if in.MapRunArn != nil {
		if _, aerr := parseArn(*in.MapRunArn, rtMapRun); aerr != nil {
			return nil, aerr
		}
		return s.listChildren(in)
	}
	ref, aerr := parseStateMachineArn(*in.StateMachineArn)
	if aerr != nil {
		return nil, aerr
	}
	if ref.Label != "" {
		return nil, &Error{Code: CodeValidationException, Message: "Labelled ARNs are not supported by this API", Reason: "API_DOES_NOT_SUPPORT_LABELED_ARNS"}
	}
	sm, ok := s.store.GetStateMachine(ref.Base)
	if !ok || !s.here(ctx, ref.Base) {
		return nil, errStateMachineDoesNotExist(*in.StateMachineArn)
	}
	if sm.Type == typeExpress {
		return nil, errTypeNotSupported()
	}
	all := s.store.ListExecutions(ref.Base)
	list := all[:0:0]
	for _, rec := range all {
		if v, ok := s.runs.Load(rec.Arn); ok {
			fillOutcome(&rec, v.(*execution).run)
		}
		switch {
		case ref.Version > 0 && rec.VersionArn != *in.StateMachineArn:
			continue
		case ref.Alias != "" && rec.AliasArn != *in.StateMachineArn:
			continue
		case !in.matches(rec):
			continue
		}
		list = append(list, rec)
	}
	return s.executionPage(*in.StateMachineArn, in, list)
}

// matches tells whether rec passes the statusFilter and redriveFilter.
func (in *ListExecutionsInput) matches(rec store.Execution) bool {
	switch {
	case in.StatusFilter != nil && rec.Status != *in.StatusFilter:
		return false
	case in.RedriveFilter != nil && (*in.RedriveFilter == "REDRIVEN") != (rec.RedriveCount > 0):
		return false
	}
	return true
}

// executionPage is ListExecutions' answer for the filtered executions of owner (a state
// machine's ARN or a Map Run's; page tokens are scoped to it and the filters).
func (s *Service) executionPage(owner string, in *ListExecutionsInput, list []store.Execution) (*ListExecutionsOutput, error) {
	scope := "x:" + owner
	if in.StatusFilter != nil {
		scope += ":" + *in.StatusFilter
	}
	if in.RedriveFilter != nil {
		scope += ":" + *in.RedriveFilter
	}
	page, next, err := paginate(s, scope, list, func(r store.Execution) string { return r.Arn }, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	mapRunArn := ""
	if in.MapRunArn != nil {
		mapRunArn = *in.MapRunArn
	}
	out := &ListExecutionsOutput{Executions: make([]ExecutionListItem, 0, len(page)), NextToken: next}
	for _, rec := range page {
		out.Executions = append(out.Executions, ExecutionListItem{
			ExecutionArn: rec.Arn, StateMachineArn: rec.StateMachineArn, Name: rec.Name, Status: rec.Status,
			StartDate: ts(rec.StartDate), StopDate: ts(rec.StopDate), MapRunArn: mapRunArn,
			StateMachineVersionArn: rec.VersionArn, StateMachineAliasArn: rec.AliasArn,
			RedriveCount: rec.RedriveCount, RedriveDate: ts(rec.RedriveDate),
		})
	}
	return out, nil
}

func (s *Service) GetExecutionHistory(ctx context.Context, in *GetExecutionHistoryInput) (*GetExecutionHistoryOutput, error) {
	var ck checks
	ck.str("executionArn", in.ExecutionArn, true, 1, 256)
	ck.intRange("maxResults", in.MaxResults, 0, 1000)
	ck.str("nextToken", in.NextToken, false, 1, 1024)
	if err := ck.err(); err != nil {
		return nil, err
	}
	rec, ex, err := s.lookupExecution(ctx, *in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	var events []json.Marshaler
	hc, compacts := s.engine.(HistoryCompactor)
	switch {
	case ex != nil:
		events = ex.run.History()
		if rec.Status == "RUNNING" {
			// After the read: every event shown is durable before the answer (a branch
			// may record one between a sync and the read).
			syncRun(ex)
		}
	case rec.History != nil && compacts:
		if events, err = hc.ExpandHistory(rec.History); err != nil {
			return nil, err
		}
	default:
		// Recorded by another engine or process without a history.
		return &GetExecutionHistoryOutput{Events: []json.RawMessage{}}, nil
	}
	if in.ReverseOrder != nil && *in.ReverseOrder {
		rev := make([]json.Marshaler, len(events))
		for i, e := range events {
			rev[len(events)-1-i] = e
		}
		events = rev
	}
	type indexed struct {
		i int
		e json.Marshaler
	}
	items := make([]indexed, len(events))
	for i, e := range events {
		items[i] = indexed{i, e}
	}
	scope := "h:" + *in.ExecutionArn
	if in.ReverseOrder != nil && *in.ReverseOrder {
		scope += ":r"
	}
	page, next, err := paginate(s, scope, items, func(it indexed) string { return "" }, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	strip := in.IncludeExecutionData != nil && !*in.IncludeExecutionData
	out := &GetExecutionHistoryOutput{Events: make([]json.RawMessage, 0, len(page)), NextToken: next}
	for _, it := range page {
		b, err := it.e.MarshalJSON()
		if err != nil {
			return nil, err
		}
		if strip {
			b = stripExecutionData(b)
		}
		out.Events = append(out.Events, b)
	}
	return out, nil
}

// stripExecutionData removes input and output from an event's details, as
// includeExecutionData=false asks.
func stripExecutionData(b []byte) []byte {
	var ev map[string]json.RawMessage
	if json.Unmarshal(b, &ev) != nil {
		return b
	}
	for k, v := range ev {
		if !strings.HasSuffix(k, "EventDetails") || len(v) == 0 || v[0] != '{' {
			continue
		}
		var d map[string]json.RawMessage
		if json.Unmarshal(v, &d) != nil {
			continue
		}
		delete(d, "input")
		delete(d, "output")
		if nb, err := marshal(d); err == nil {
			ev[k] = nb
		}
	}
	out, err := marshal(ev)
	if err != nil {
		return b
	}
	return bytes.TrimSpace(out)
}

// Redriver is implemented by engines that can redrive a failed execution (RedriveExecution).
type Redriver interface {
	// RedriveStatus reports whether run can be redriven now and, if not, why (AWS's
	// redriveStatusReason text).
	RedriveStatus(run Run) (redrivable bool, reason string)
	// Redrive restarts run from its unsuccessful step and returns the redrive date; a run
	// that cannot be redriven gives an ExecutionNotRedrivable *Error.
	Redrive(run Run) (time.Time, error)
}

// redriveInfo is implemented by runs that know their redrives.
type redriveInfo interface {
	Redrives() (count int, last time.Time)
}

// AWS answers idempotently for the last 10 client tokens of an execution's successful
// redrives, each for up to 15 minutes after its first use (RedriveExecution, clientToken).
const (
	maxRedriveTokens = 10
	redriveTokenTTL  = 15 * time.Minute
)

// redriveRepeat returns the date of the redrive that token already made, if it is still
// remembered. The tokens are kept in the execution's record, so that a repeat after a
// restart is answered the same.
func (ex *execution) redriveRepeat(token string, now time.Time) (time.Time, bool) {
	for _, t := range ex.redriveTokens {
		if t.Token == token && now.Sub(t.Used) <= redriveTokenTTL {
			return t.Date, true
		}
	}
	return time.Time{}, false
}

func (ex *execution) rememberRedrive(token string, date, now time.Time) {
	if token == "" {
		return
	}
	old := ex.redriveTokens
	if len(old) >= maxRedriveTokens {
		old = old[len(old)-maxRedriveTokens+1:]
	}
	// A new slice: records written before share the old one.
	ex.redriveTokens = append(append([]store.RedriveToken(nil), old...), store.RedriveToken{Token: token, Date: date, Used: now})
}

// validClientToken is ClientToken's pattern, [!-~]+.
func validClientToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '!' || s[i] > '~' {
			return false
		}
	}
	return true
}

// RedriveExecution restarts a FAILED, TIMED_OUT or ABORTED Standard execution from its
// unsuccessful step. It is idempotent: a repeat with the clientToken of one of the
// execution's last redrives answers that redrive's date and starts nothing.
func (s *Service) RedriveExecution(ctx context.Context, in *RedriveExecutionInput) (*RedriveExecutionOutput, error) {
	var ck checks
	ck.str("executionArn", in.ExecutionArn, true, 1, 256)
	ck.str("clientToken", in.ClientToken, false, 1, 64)
	ck.pattern("clientToken", in.ClientToken, validClientToken, "[!-~]+")
	if err := ck.err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ex, err := s.lookupExecution(ctx, *in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	token := ""
	if in.ClientToken != nil {
		token = *in.ClientToken
	}
	now := s.clock.Now()
	if ex != nil && token != "" {
		if date, ok := ex.redriveRepeat(token, now); ok {
			return &RedriveExecutionOutput{RedriveDate: ts(date)}, nil
		}
	}
	status, reason := s.redriveStatus(rec, ex)
	if status != "REDRIVABLE" {
		return nil, newError(CodeExecutionNotRedrivable, "%s", reason)
	}
	date, err := s.engine.(Redriver).Redrive(ex.run)
	if err != nil {
		return nil, err
	}
	ex.rememberRedrive(token, date, now)
	s.running[rec.StateMachineArn]++
	if r, ok := s.store.GetExecution(rec.Arn); ok && r.Finished != 0 && s.maxFinished >= 0 {
		s.finished-- // running again: its entry in ended is stale now
	}
	rec = ex.rec
	rec.RedriveTokens = ex.redriveTokens
	fillOutcome(&rec, ex.run)
	s.store.PutExecution(rec)
	s.logs.watch(rec, ex.run)
	s.notify.post(statusOf(ex))
	s.log.Debug("execution redriven", fieldExecution(rec.Arn))
	return &RedriveExecutionOutput{RedriveDate: ts(date)}, nil
}
