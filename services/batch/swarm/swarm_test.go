package swarm

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/swarm"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/services/batch"
)

func TestServiceSpec(t *testing.T) {
	t.Parallel()
	r := newRunner(nil, zap.NewNop(), clock.Real())
	r.pid, r.host, r.id = 42, "box", "r1"
	one := uint64(1)
	tests := []struct {
		name    string
		spec    batch.Spec
		want    func(*swarm.ServiceSpec)
		wantErr string
	}{
		{name: "defaults", spec: batch.Spec{Name: "sfnlocal-batch-1", Image: "img"}},
		{name: "resources, command and environment",
			spec: batch.Spec{Name: "n", Image: "img", Entrypoint: []string{"/init"}, Command: []string{"sh", "-c", "echo"},
				Env: []string{"A=1"}, WorkingDir: "/w", User: "1000", VCPUs: 2, MemoryMiB: 64,
				Labels: map[string]string{"job": "j"}, ExtraHosts: []string{"host.docker.internal:host-gateway"},
				ReadonlyRootFS: true, CapAdd: []string{"NET_ADMIN"},
				Mounts:  []batch.Mount{{Source: "/h", Target: "/c", ReadOnly: true}, {Target: "/v"}},
				Ulimits: []batch.Ulimit{{Name: "nofile", Soft: 10, Hard: 20}}},
			want: func(s *swarm.ServiceSpec) {
				s.Name = "n"
				s.Labels["job"] = "j"
				c := s.TaskTemplate.ContainerSpec
				c.Labels["job"] = "j"
				c.Command, c.Args, c.Env, c.Dir, c.User = []string{"/init"}, []string{"sh", "-c", "echo"}, []string{"A=1"}, "/w", "1000"
				c.Hosts = []string{"host-gateway host.docker.internal"}
				c.ReadOnly, c.CapabilityAdd = true, []string{"NET_ADMIN"}
				c.Mounts = []mount.Mount{{Type: mount.TypeBind, Source: "/h", Target: "/c", ReadOnly: true}, {Type: mount.TypeVolume, Target: "/v"}}
				c.Ulimits = []*container.Ulimit{{Name: "nofile", Soft: 10, Hard: 20}}
				s.TaskTemplate.Resources = &swarm.ResourceRequirements{
					Limits:       &swarm.Limit{NanoCPUs: 2e9, MemoryBytes: 64 << 20},
					Reservations: &swarm.Resources{NanoCPUs: 2e9, MemoryBytes: 64 << 20},
				}
			}},
		{name: "privileged", spec: batch.Spec{Image: "img", Privileged: true}, wantErr: "privileged containers are not supported"},
		{name: "devices", spec: batch.Spec{Image: "img", Devices: []batch.Device{{HostPath: "/dev/fuse"}}}, wantErr: "host devices are not supported"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := r.serviceSpec(tc.spec)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			mine := func() map[string]string {
				return map[string]string{LabelManaged: "true", LabelPID: "42", LabelHost: "box"}
			}
			want := swarm.ServiceSpec{
				Annotations: swarm.Annotations{Name: tc.spec.Name, Labels: mine()},
				Mode:        swarm.ServiceMode{ReplicatedJob: &swarm.ReplicatedJob{MaxConcurrent: &one, TotalCompletions: &one}},
				TaskTemplate: swarm.TaskSpec{
					ContainerSpec: &swarm.ContainerSpec{Image: "img", Labels: mine()},
					Resources:     &swarm.ResourceRequirements{},
					RestartPolicy: &swarm.RestartPolicy{Condition: swarm.RestartPolicyConditionNone},
				},
			}
			want.Labels[LabelRunner] = "r1"
			if tc.want != nil {
				tc.want(&want)
			}
			require.Equal(t, want, got)
		})
	}
}

func TestServiceName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                                   "",
		"sfnlocal-batch-abc-1":               "sfnlocal-batch-abc-1",
		"a:b/c":                              "a-b-c",
		"-x":                                 "x",
		strings.Repeat("a", 70):              strings.Repeat("a", 63),
		"_" + strings.Repeat("b", 62) + "-c": strings.Repeat("b", 61) + "-c",
	} {
		require.Equal(t, want, serviceName(in), in)
	}
}

func TestStartError(t *testing.T) {
	t.Parallel()
	task := func(state swarm.TaskState, msg, err string) swarm.Task {
		return swarm.Task{Status: swarm.TaskStatus{State: state, Message: msg, Err: err}}
	}
	tests := []struct {
		name      string
		task      swarm.Task
		want      string // "" for no error
		wantImage bool
	}{
		{name: "running", task: task(swarm.TaskStateRunning, "started", "")},
		{name: "complete", task: task(swarm.TaskStateComplete, "finished", "")},
		{name: "non-zero exit", task: task(swarm.TaskStateFailed, "started", "task: non-zero exit (3)")},
		{name: "missing image", task: task(swarm.TaskStateRejected, "preparing", "No such image: img:1"),
			want: "Error response from daemon: No such image: img:1", wantImage: true},
		{name: "cannot start", task: task(swarm.TaskStateFailed, "starting", `starting container failed: failed to create shim task: exec: "/x": stat /x: no such file or directory: unknown`),
			want: `Error response from daemon: failed to create shim task: exec: "/x": stat /x: no such file or directory: unknown`},
		{name: "rejected without error", task: task(swarm.TaskStateRejected, "assigned", ""),
			want: "Error response from daemon: task rejected while assigned"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := startError(tc.task, "img:1")
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.EqualError(t, err, tc.want)
			require.Equal(t, tc.wantImage, errors.Is(err, batch.ErrImageNotFound))
		})
	}
}

// TestLogCatchUp checks that the final read gives only the lines the followed stream did
// not, repeated lines included.
func TestLogCatchUp(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	g := &given{out: &out, recent: map[string]int{}}
	w := g.writer()
	_, err := w.Write([]byte("2026-12-07T10:00:00.000000001Z a\n2026-12-07T10:00:00.000000002Z same\n2026-12-07T10:00:00.00"))
	require.NoError(t, err)
	g.catchUp = true
	w = g.writer()
	_, err = w.Write([]byte("2026-12-07T10:00:00.000000001Z a\n2026-12-07T10:00:00.000000002Z same\n" +
		"2026-12-07T10:00:00.000000002Z same\n2026-12-07T10:00:00.000000003Z b\nno timestamp\n"))
	require.NoError(t, err)
	require.Equal(t, "a\nsame\nsame\nb\nno timestamp\n", out.String())
}
