package batch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sfnlocal/sfnlocal/internal/value"

	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// Integration returns the task.Handler for Request.Service "batch": submitJob, and
// submitJob.sync, which waits for the job and returns its detail with PascalCase keys.
func (s *Service) Integration() task.Handler { return integration{s} }

type integration struct{ s *Service }

// userMaps are members whose keys are user data, kept as written when keys change case.
var userMaps = map[string]bool{"parameters": true, "tags": true, "statusSummary": true}

// terminateReason is the reason given to TerminateJob when the Task is stopped (StopExecution,
// a state or execution timeout).
const terminateReason = "Step Functions execution stopped"

func (in integration) Invoke(ctx context.Context, req *task.Request) (any, error) {
	if r := in.s.In(req.Region); r != in.s {
		return integration{r}.Invoke(ctx, req) // the queue and job of the execution's region
	}
	if req.Action != "submitJob" {
		return nil, fmt.Errorf("the batch integration does not support action %q", req.Action)
	}
	if req.Pattern == task.WaitForTaskToken {
		return nil, errors.New("the batch integration supports submitJob and submitJob.sync, not .waitForTaskToken")
	}
	params, ok := task.Plain(req.Parameters).(map[string]any)
	if !ok {
		return nil, batchFailure(clientErrorf("The Parameters of a batch:submitJob Task must be an object"))
	}
	raw, err := task.Encode(recase(params, lowerFirst, false))
	if err != nil {
		return nil, err
	}
	var sub SubmitJobInput
	if err := json.Unmarshal(raw, &sub); err != nil {
		return nil, batchFailure(clientErrorf("Invalid SubmitJob parameters: %v", err))
	}
	if req.Pattern == task.Sync {
		if sub.ContainerOverrides == nil {
			sub.ContainerOverrides = &ContainerOverrides{}
		}
		sub.ContainerOverrides.Environment = append(sub.ContainerOverrides.Environment,
			KeyValuePair{Name: "MANAGED_BY_AWS", Value: "STARTED_BY_STEP_FUNCTIONS"})
	}
	out, err := in.s.SubmitJob(&sub)
	if err != nil {
		return nil, batchFailure(asAPIError(err))
	}
	// The SubmitJob response in the order of AWS's documentation example.
	resp := value.ObjectOf("JobArn", out.JobArn, "JobName", out.JobName, "JobId", out.JobID)
	if req.Pattern != task.Sync {
		return resp, nil
	}
	if req.Submitted != nil {
		req.Submitted(resp)
	}
	detail, err := in.s.Wait(ctx, out.JobID)
	if err != nil {
		// StopExecution or a timeout: end the job, then report why we stopped.
		if terr := in.s.TerminateJob(out.JobID, terminateReason); terr != nil {
			in.s.log.Warn("terminating job of a stopped task failed", fJobID(out.JobID), errField(terr))
		}
		return nil, err
	}
	pascal, err := PascalDetail(detail)
	if err != nil {
		return nil, err
	}
	if detail.Status == StatusFailed {
		text, err := task.Encode(pascal)
		if err != nil {
			return nil, err
		}
		return nil, &task.Failure{Name: "States.TaskFailed", Cause: string(text)}
	}
	return pascal, nil
}

func batchFailure(e *APIError) *task.Failure {
	return &task.Failure{Name: "Batch." + e.Code, Cause: causeText(e, newUUID())}
}

// PascalDetail is a job detail as Step Functions returns it from submitJob.sync: the
// DescribeJobs shape with PascalCase keys and epoch-millisecond times, in the value model, its
// keys in the order of AWS's DescribeJobs documentation example (JobDetail's field order).
func PascalDetail(d JobDetail) (any, error) {
	raw, err := task.Encode(d)
	if err != nil {
		return nil, err
	}
	v, err := task.Decode(raw)
	if err != nil {
		return nil, err
	}
	return recase(v, upperFirst, false), nil
}

// recase changes the case of the first letter of every object key, leaving the keys of user
// maps (parameters, tags) as written.
func recase(v any, f func(string) string, keep bool) any {
	switch x := v.(type) {
	case *value.Object:
		out := value.NewObject(x.Len())
		for k, val := range x.All() {
			nk := k
			if !keep {
				nk = f(k)
			}
			out.Set(nk, recase(val, f, userMaps[lowerFirst(k)]))
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			nk := k
			if !keep {
				nk = f(k)
			}
			out[nk] = recase(val, f, userMaps[lowerFirst(k)])
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = recase(e, f, false)
		}
		return out
	}
	return v
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	// All-caps keys such as "VCPU" values never occur as keys; keys are PascalCase words.
	return strings.ToLower(string(r)) + s[n:]
}
