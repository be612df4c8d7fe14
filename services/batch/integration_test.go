package batch

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

func taskRequest(t *testing.T, resource, params string, submitted *[]any) *task.Request {
	t.Helper()
	service, action, pattern, _, ok := task.ParseResource(resource)
	require.True(t, ok)
	p, err := task.Decode([]byte(params))
	require.NoError(t, err)
	return &task.Request{Resource: resource, Service: service, Action: action, Pattern: pattern, Parameters: p,
		Submitted: func(out any) { *submitted = append(*submitted, task.Plain(out)) }}
}

func TestIntegration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, resource, params string
		wantSubmitted          int
		wantErr                string // task.Failure name
		golden                 string
	}{
		{name: "request response", resource: "arn:aws:states:::batch:submitJob",
			params: `{"JobName":"rr","JobQueue":"default","JobDefinition":"ok"}`, golden: "integration_submit"},
		{name: "sync success", resource: "arn:aws:states:::batch:submitJob.sync", wantSubmitted: 1,
			params: `{"JobName":"s","JobQueue":"default","JobDefinition":"param","Parameters":{"Code":"0"},
				"ContainerOverrides":{"Environment":[{"Name":"X","Value":"1"}],"ResourceRequirements":[{"Type":"MEMORY","Value":"128"}]},
				"Timeout":{"AttemptDurationSeconds":600},"Tags":{"Team":"a"}}`,
			golden: "integration_sync_succeeded"},
		{name: "sync failure", resource: "arn:aws:states:::batch:submitJob.sync", wantSubmitted: 1,
			params:  `{"JobName":"f","JobQueue":"default","JobDefinition":"param","Parameters":{"Code":"4"}}`,
			wantErr: "States.TaskFailed", golden: "integration_sync_failed_cause"},
		{name: "submit error", resource: "arn:aws:states:::batch:submitJob.sync",
			params:  `{"JobName":"e","JobQueue":"missing","JobDefinition":"ok"}`,
			wantErr: "Batch.ClientException"},
		{name: "parameters not strings", resource: "arn:aws:states:::batch:submitJob",
			params:  `{"JobName":"e","JobQueue":"default","JobDefinition":"ok","Parameters":{"a":1}}`,
			wantErr: "Batch.ClientException"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.register(t, "ok", ContainerProperties{Image: "img", Command: []string{"exit", "0"}})
			f.register(t, "param", ContainerProperties{Image: "img", Command: []string{"exit", "Ref::Code"}})
			var submitted []any
			out, err := f.s.Integration().Invoke(context.Background(), taskRequest(t, tc.resource, tc.params, &submitted))
			out = task.Plain(out)
			require.Len(t, submitted, tc.wantSubmitted)
			if tc.wantErr != "" {
				var fail *task.Failure
				require.ErrorAs(t, err, &fail)
				require.Equal(t, tc.wantErr, fail.Name)
				if tc.golden != "" {
					cause, err := task.Decode([]byte(fail.Cause))
					require.NoError(t, err, "the cause is the job detail as JSON text")
					golden(t, tc.golden, cause)
				} else {
					require.Regexp(t, `^.+ \(Service: AWSBatch; Status Code: 400; Error Code: ClientException; Request ID: [0-9a-f-]{36}; Proxy: null\)$`, fail.Cause)
				}
				return
			}
			require.NoError(t, err)
			golden(t, tc.golden, out)
			if tc.wantSubmitted > 0 {
				m := out.(map[string]any)
				require.Equal(t, submitted[0].(map[string]any)["JobId"], m["JobId"])
			}
		})
	}
}

func TestIntegrationStopTerminatesJob(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.register(t, "block", ContainerProperties{Image: "img", Command: []string{"block"}})
	ctx, cancel := context.WithCancelCause(context.Background())
	stopped := errors.New("execution aborted")
	var submitted []any
	done := make(chan error, 1)
	go func() {
		_, err := f.s.Integration().Invoke(ctx, taskRequest(t, "arn:aws:states:::batch:submitJob.sync",
			`{"JobName":"b","JobQueue":"default","JobDefinition":"block"}`, &submitted))
		done <- err
	}()
	// The only job is the one the Task submitted.
	var id string
	for id == "" {
		f.s.mu.Lock()
		for k := range f.s.jobs {
			id = k
		}
		ch := f.s.changed
		f.s.mu.Unlock()
		if id == "" {
			<-ch
		}
	}
	f.waitStatus(t, id, StatusRunning)
	cancel(stopped)
	require.ErrorIs(t, <-done, stopped)
	d := f.waitStatus(t, id, StatusFailed)
	require.Equal(t, terminateReason, d.StatusReason)
	require.True(t, d.IsTerminated)
}

func TestPascalDetailKeepsUserKeys(t *testing.T) {
	t.Parallel()
	v, err := plainDetail(JobDetail{JobID: "id", Parameters: map[string]string{"inputFile": "a"},
		Tags: map[string]string{"team": "x"}, Container: &ContainerDetail{ExitCode: intp(0)}})
	require.NoError(t, err)
	m := v.(map[string]any)
	require.Equal(t, map[string]any{"inputFile": "a"}, m["Parameters"])
	require.Equal(t, map[string]any{"team": "x"}, m["Tags"])
	require.Equal(t, json.Number("0"), m["Container"].(map[string]any)["ExitCode"])
	require.Equal(t, "id", m["JobId"])
}

// plainDetail is PascalDetail with Go maps, for checks that look fields up by name.
func plainDetail(d JobDetail) (any, error) {
	v, err := PascalDetail(d)
	return task.Plain(v), err
}
