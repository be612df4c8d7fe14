package batch

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// checkedRunner is a fakeRunner whose Check returns err.
type checkedRunner struct {
	*fakeRunner
	err error
}

func (c *checkedRunner) Check(context.Context) error { return c.err }

func TestBackendSelection(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		backend    string // Config.Backend
		tag        string // the compute environment's sfnlocal:backend tag
		checkErr   error
		wantCEErr  string
		wantSubErr string
		wantSwarm  bool // the job ran on the swarm runner
	}{
		{name: "default is docker", wantSwarm: false},
		{name: "tag picks swarm", tag: "swarm", wantSwarm: true},
		{name: "flag picks swarm", backend: "swarm", wantSwarm: true},
		{name: "tag beats flag", backend: "swarm", tag: "docker", wantSwarm: false},
		{name: "unknown tag", tag: "k8s", wantCEErr: "Tag sfnlocal:backend=k8s names a backend"},
		{name: "unreachable swarm", tag: "swarm", checkErr: errors.New("Cannot connect to the Docker daemon"),
			wantSubErr: "ClientException: Compute environment ce cannot run jobs on its swarm backend: Cannot connect to the Docker daemon"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sw := &checkedRunner{fakeRunner: newFakeRunner(), err: tc.checkErr}
			f := newFixture(t, func(c *Config) {
				c.Backends = map[string]ContainerRunner{BackendSwarm: sw}
				c.Backend = tc.backend
			})
			in := &createCEInput{ComputeEnvironmentName: "ce", Type: "MANAGED"}
			if tc.tag != "" {
				in.Tags = map[string]string{TagBackend: tc.tag}
			}
			_, err := f.s.createComputeEnvironment(in)
			if tc.wantCEErr != "" {
				require.ErrorContains(t, err, tc.wantCEErr)
				return
			}
			require.NoError(t, err)
			_, err = f.s.createJobQueue(&createJQInput{JobQueueName: "q", Priority: intp(1),
				ComputeEnvironmentOrder: []ComputeEnvironmentOrder{{Order: 1, ComputeEnvironment: "ce"}}})
			require.NoError(t, err)
			f.register(t, "jd", ContainerProperties{Image: "img", Command: []string{"exit", "0"}})
			out, err := f.s.SubmitJob(&SubmitJobInput{JobName: "j", JobQueue: "q", JobDefinition: "jd"})
			if tc.wantSubErr != "" {
				require.EqualError(t, err, tc.wantSubErr)
				var apiErr *APIError
				require.ErrorAs(t, err, &apiErr)
				require.Equal(t, 400, apiErr.Status)
				// The docker backend is unaffected.
				f.submit(t, SubmitJobInput{JobDefinition: "jd"})
				return
			}
			require.NoError(t, err)
			f.waitStatus(t, out.JobID, StatusSucceeded)
			require.Equal(t, tc.wantSwarm, len(sw.startedJobs()) == 1, "swarm runner used")
			require.Equal(t, !tc.wantSwarm, len(f.r.startedJobs()) == 1, "docker runner used")
		})
	}
}
