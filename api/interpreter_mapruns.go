package api

import (
	"errors"

	"github.com/sfnlocal/sfnlocal/interpreter"
)

// The interpreter's side of the Map Run operations: interpEngine implements MapRunner.

var _ MapRunner = (*interpEngine)(nil)

func mapRunInfo(in interpreter.MapRunInfo) MapRunInfo {
	return MapRunInfo{
		Arn: in.Arn, ExecutionArn: in.ExecutionArn, StateMachineArn: in.StateMachineArn, Status: in.Status,
		StartDate: in.StartDate, StopDate: in.StopDate, MaxConcurrency: in.MaxConcurrency,
		ToleratedFailurePercentage: in.ToleratedFailurePercentage, ToleratedFailureCount: in.ToleratedFailureCount,
		ItemCounts: MapRunCounts(in.ItemCounts), ExecutionCounts: MapRunCounts(in.ExecutionCounts),
		RedriveCount: in.RedriveCount, RedriveDate: in.RedriveDate,
	}
}

func (a *interpEngine) MapRun(arn string) (MapRunInfo, bool) {
	in, ok := a.e.MapRun(arn)
	return mapRunInfo(in), ok
}

func (a *interpEngine) MapRuns(executionArn string) []MapRunInfo {
	runs := a.e.MapRuns(executionArn)
	out := make([]MapRunInfo, len(runs))
	for i, r := range runs {
		out[i] = mapRunInfo(r)
	}
	return out
}

func childRun(x *interpreter.Execution) ChildRun {
	d, _ := x.RedriveDate()
	def, label, _ := x.MapRunDefinition()
	return ChildRun{Definition: def, Label: label, RoleArn: x.RoleArn(), Run: interpRun{x}, Arn: x.Arn(), Name: x.Name(), StateMachineArn: x.StateMachineArn(),
		MapRunArn: x.MapRunArn(), Input: x.Input(), Express: x.IsExpress(), RedriveCount: x.RedriveCount(), RedriveDate: d}
}

func (a *interpEngine) MapRunChildren(mapRunArn string) ([]ChildRun, bool) {
	xs, ok := a.e.MapRunExecutions(mapRunArn)
	if !ok {
		return nil, false
	}
	out := make([]ChildRun, len(xs))
	for i, x := range xs {
		out[i] = childRun(x)
	}
	return out, true
}

func (a *interpEngine) ChildExecution(arn string) (ChildRun, bool) {
	x, ok := a.e.ChildExecution(arn)
	if !ok || x.IsExpress() {
		return ChildRun{}, false
	}
	return childRun(x), true
}

func (a *interpEngine) ForgetMapRuns(executionArn string) { a.e.ForgetMapRuns(executionArn) }

func (a *interpEngine) UpdateMapRun(arn string, maxConcurrency *int64, pct *float64, count *int64) error {
	err := a.e.UpdateMapRun(arn, interpreter.MapRunUpdate{MaxConcurrency: maxConcurrency, ToleratedFailurePercentage: pct, ToleratedFailureCount: count})
	if errors.Is(err, interpreter.ErrMapRunNotFound) {
		return ErrMapRunNotFound
	}
	return err
}
