package api

// ExecutionRun returns the live handle of an execution that this process started (its status
// and History as it runs), for the console and telemetry; ok is false for an unknown ARN or an
// execution recorded before this process started.
func (s *Service) ExecutionRun(executionArn string) (run Run, ok bool) {
	v, ok := s.runs.Load(executionArn)
	if !ok {
		return nil, false
	}
	return v.(*execution).run, true
}
