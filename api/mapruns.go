package api

import (
	"context"
	"errors"
	"strconv"

	"github.com/sfnlocal/sfnlocal/api/store"
)

func itoa(i int) string { return strconv.Itoa(i) }

// Map Runs exist for Distributed Map states; the engine keeps them with their child
// executions (MapRunner). An engine without Distributed Maps has none: the operations then
// answer as AWS does for an unknown Map Run.

func (s *Service) mapRunner() (MapRunner, bool) {
	m, ok := s.engine.(MapRunner)
	if s.savedRuns != nil {
		if !ok {
			m = nil
		}
		return mapRuns{live: m, saved: s.savedRuns}, true
	}
	return m, ok
}

func (s *Service) DescribeMapRun(ctx context.Context, in *DescribeMapRunInput) (*DescribeMapRunOutput, error) {
	var ck checks
	ck.str("mapRunArn", in.MapRunArn, true, 1, 2000)
	if err := ck.err(); err != nil {
		return nil, err
	}
	if _, aerr := parseArn(*in.MapRunArn, rtMapRun); aerr != nil {
		return nil, aerr
	}
	m, ok := s.mapRunner()
	if !ok {
		return nil, errResourceNotFound(*in.MapRunArn)
	}
	r, ok := m.MapRun(*in.MapRunArn)
	if !ok {
		return nil, errResourceNotFound(*in.MapRunArn)
	}
	return &DescribeMapRunOutput{
		MapRunArn: r.Arn, ExecutionArn: r.ExecutionArn, Status: r.Status, StartDate: ts(r.StartDate), StopDate: ts(r.StopDate),
		MaxConcurrency: r.MaxConcurrency, ToleratedFailurePercentage: r.ToleratedFailurePercentage,
		ToleratedFailureCount: r.ToleratedFailureCount, ItemCounts: r.ItemCounts, ExecutionCounts: r.ExecutionCounts,
		RedriveCount: r.RedriveCount, RedriveDate: ts(r.RedriveDate),
	}, nil
}

func (s *Service) ListMapRuns(ctx context.Context, in *ListMapRunsInput) (*ListMapRunsOutput, error) {
	var ck checks
	ck.str("executionArn", in.ExecutionArn, true, 1, 256)
	ck.intRange("maxResults", in.MaxResults, 0, 1000)
	ck.str("nextToken", in.NextToken, false, 1, 1024)
	if err := ck.err(); err != nil {
		return nil, err
	}
	if _, _, err := s.lookupExecution(ctx, *in.ExecutionArn); err != nil {
		return nil, err
	}
	var runs []MapRunInfo
	if m, ok := s.mapRunner(); ok {
		runs = m.MapRuns(*in.ExecutionArn)
	}
	page, next, err := paginate(s, "mr:"+*in.ExecutionArn, runs, func(r MapRunInfo) string { return r.Arn }, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &ListMapRunsOutput{MapRuns: make([]MapRunListItem, 0, len(page)), NextToken: next}
	for _, r := range page {
		out.MapRuns = append(out.MapRuns, MapRunListItem{ExecutionArn: r.ExecutionArn, MapRunArn: r.Arn,
			StateMachineArn: r.StateMachineArn, StartDate: ts(r.StartDate), StopDate: ts(r.StopDate)})
	}
	return out, nil
}

func (s *Service) UpdateMapRun(ctx context.Context, in *UpdateMapRunInput) (*Empty, error) {
	var ck checks
	ck.str("mapRunArn", in.MapRunArn, true, 1, 2000)
	ck.intRange("maxConcurrency", in.MaxConcurrency, 0, 1<<31-1)
	ck.floatRange("toleratedFailurePercentage", in.ToleratedFailurePercentage, 0, 100)
	ck.intRange("toleratedFailureCount", in.ToleratedFailureCount, 0, 1<<62)
	if err := ck.err(); err != nil {
		return nil, err
	}
	if _, aerr := parseArn(*in.MapRunArn, rtMapRun); aerr != nil {
		return nil, aerr
	}
	if in.MaxConcurrency == nil && in.ToleratedFailurePercentage == nil && in.ToleratedFailureCount == nil {
		return nil, newError(CodeValidationException, "At least one of the parameters maxConcurrency, toleratedFailurePercentage or toleratedFailureCount must be specified")
	}
	m, ok := s.mapRunner()
	if !ok {
		return nil, errResourceNotFound(*in.MapRunArn)
	}
	if err := m.UpdateMapRun(*in.MapRunArn, in.MaxConcurrency, in.ToleratedFailurePercentage, in.ToleratedFailureCount); err != nil {
		if errors.Is(err, ErrMapRunNotFound) {
			return nil, errResourceNotFound(*in.MapRunArn)
		}
		return nil, err
	}
	return &Empty{}, nil
}

// childRecord is a Map Run child's execution record, as the execution operations read it.
func childRecord(c ChildRun) store.Execution {
	rec := store.Execution{Arn: c.Arn, StateMachineArn: c.StateMachineArn, Name: c.Name, Input: c.Input,
		StartDate: c.StartDate(), Express: c.Express, Definition: c.Definition, DefinitionDate: c.StartDate(), RoleArn: c.RoleArn}
	fillOutcome(&rec, c.Run)
	rec.RedriveCount, rec.RedriveDate = c.RedriveCount, c.RedriveDate
	return rec
}

// lookupChild finds a Map Run's Standard child execution.
func (s *Service) lookupChild(arn string) (store.Execution, *execution, string, bool) {
	m, ok := s.mapRunner()
	if !ok {
		return store.Execution{}, nil, "", false
	}
	c, ok := m.ChildExecution(arn)
	if !ok {
		return store.Execution{}, nil, "", false
	}
	rec := childRecord(c)
	return rec, &execution{run: c.Run, rec: rec}, c.MapRunArn, true
}

// listChildren is ListExecutions for a Map Run's children.
func (s *Service) listChildren(in *ListExecutionsInput) (*ListExecutionsOutput, error) {
	m, ok := s.mapRunner()
	var kids []ChildRun
	if ok {
		kids, ok = m.MapRunChildren(*in.MapRunArn)
	}
	if !ok {
		return nil, errResourceNotFound(*in.MapRunArn)
	}
	list := make([]store.Execution, 0, len(kids))
	for _, c := range kids {
		if rec := childRecord(c); in.matches(rec) {
			list = append(list, rec)
		}
	}
	return s.executionPage(*in.MapRunArn, in, list)
}

// childRedriveStatus is a Map Run child's redrive status: an unsuccessful child is redriven
// with its Map Run (a redrive of the parent), not on its own.
func childRedriveStatus(status string) (string, string) {
	switch status {
	case "RUNNING", "SUCCEEDED":
		return "NOT_REDRIVABLE", "Execution is " + status + " and cannot be redriven"
	}
	return "REDRIVABLE_BY_MAP_RUN", ""
}
