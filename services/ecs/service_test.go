package ecs

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

func TestCheckTransition(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		from, to string
		ok       bool
	}{
		{StatusProvisioning, StatusPending, true},
		{StatusPending, StatusRunning, true},
		{StatusRunning, StatusDeprovisioning, true},
		{StatusDeprovisioning, StatusStopped, true},
		{StatusPending, StatusDeprovisioning, true},
		{StatusProvisioning, StatusDeprovisioning, true},
		{StatusProvisioning, StatusRunning, false},
		{StatusRunning, StatusStopped, false},
		{StatusStopped, StatusRunning, false},
		{StatusStopped, StatusStopped, false},
	} {
		t.Run(tc.from+"→"+tc.to, func(t *testing.T) {
			t.Parallel()
			err := CheckTransition(tc.from, tc.to)
			if tc.ok {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, ErrInvalidTransition)
			}
		})
	}
}

func TestTaskLifecycle(t *testing.T) {
	t.Parallel()
	awslogs := &LogConfiguration{LogDriver: "awslogs", Options: map[string]string{"awslogs-group": "/ecs/app", "awslogs-stream-prefix": "ecs"}}
	for _, tc := range []struct {
		name       string
		containers []ContainerDefinition
		overrides  *TaskOverride
		stop       bool
		wantCode   string
		wantReason string
		wantExits  []*int
		check      func(t *testing.T, f *fixture, got Task)
	}{
		{name: "essential exits 0", containers: []ContainerDefinition{{Name: "app", Image: "exit:0", Command: []string{"hello"}, LogConfiguration: awslogs}},
			wantCode: StopEssentialExited, wantReason: ReasonEssential, wantExits: []*int{intp(0)},
			check: func(t *testing.T, f *fixture, got Task) {
				id := got.TaskArn[strings.LastIndex(got.TaskArn, "/")+1:]
				require.Equal(t, []string{"hello"}, f.logs.get("/ecs/app ecs/app/"+id))
				require.NotNil(t, got.StartedAt)
				require.NotNil(t, got.StoppedAt)
				require.Equal(t, 5, got.Version)
			}},
		{name: "essential exits non-zero and the sidecar is stopped",
			containers: []ContainerDefinition{{Name: "app", Image: "exit:3"}, {Name: "side", Image: "hang", Essential: boolp(false)}},
			wantCode:   StopEssentialExited, wantReason: ReasonEssential, wantExits: []*int{intp(3), intp(143)}},
		{name: "overrides reach the container",
			containers: []ContainerDefinition{{Name: "app", Image: "exit:0", Command: []string{"a"}, Environment: []KeyValuePair{{Name: "A", Value: "1"}, {Name: "B", Value: "2"}}}},
			overrides:  &TaskOverride{ContainerOverrides: []ContainerOverride{{Name: "app", Command: []string{"b", "c"}, Environment: []KeyValuePair{{Name: "B", Value: "3"}}}}},
			wantCode:   StopEssentialExited, wantReason: ReasonEssential, wantExits: []*int{intp(0)},
			check: func(t *testing.T, f *fixture, got Task) {
				sp := f.r.specs[got.Containers[0].RuntimeID]
				require.Equal(t, []string{"b", "c"}, sp.Command)
				require.Contains(t, sp.Env, "A=1")
				require.Contains(t, sp.Env, "B=3")
				require.NotContains(t, sp.Env, "B=2")
				require.Contains(t, sp.Env, "AWS_ENDPOINT_URL=http://host.docker.internal:8083")
				require.Equal(t, got.TaskArn, sp.Labels[LabelTaskArn])
				require.Equal(t, []string{"b", "c"}, got.Overrides.ContainerOverrides[0].Command)
			}},
		{name: "stopped by the user", containers: []ContainerDefinition{{Name: "app", Image: "hang"}}, stop: true,
			wantCode: StopUserInitiated, wantReason: "enough", wantExits: []*int{intp(143)}},
		{name: "image cannot be pulled", containers: []ContainerDefinition{{Name: "app", Image: "missing"}},
			wantCode: StopFailedToStart, wantReason: "CannotPullContainerError: image not found: pull access denied for missing", wantExits: []*int{nil},
			check: func(t *testing.T, f *fixture, got Task) {
				require.Nil(t, got.StartedAt)
				require.Equal(t, got.StoppedReason, got.Containers[0].Reason)
			}},
		{name: "container cannot start", containers: []ContainerDefinition{{Name: "app", Image: "broken"}},
			wantCode: StopFailedToStart, wantReason: "CannotStartContainerError: exec: no such file", wantExits: []*int{nil}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.register(t, "fam", tc.containers...)
			first := f.run(t, &RunTaskInput{TaskDefinition: "fam", Overrides: tc.overrides})
			require.Equal(t, StatusProvisioning, first.LastStatus)
			require.Equal(t, StatusRunning, first.DesiredStatus)
			require.Equal(t, 1, first.Version)
			require.Equal(t, StatusPending, first.Containers[0].LastStatus)
			if tc.stop {
				// Once the container runs (the service waits on it), the user stops the task:
				// whether the service has marked it RUNNING yet or not, the stop ends it the same way.
				<-f.r.waiting
				st, err := f.s.StopTask("", first.TaskArn, "enough")
				require.NoError(t, err)
				require.Equal(t, StatusStopped, st.DesiredStatus)
			}
			got := f.wait(t, first.TaskArn)
			require.Equal(t, StatusStopped, got.LastStatus)
			require.Equal(t, StatusStopped, got.DesiredStatus)
			require.Equal(t, tc.wantCode, got.StopCode)
			require.Equal(t, tc.wantReason, got.StoppedReason)
			for i, want := range tc.wantExits {
				require.Equal(t, want, got.Containers[i].ExitCode, "container %d", i)
				require.Equal(t, StatusStopped, got.Containers[i].LastStatus)
			}
			for _, c := range got.Containers {
				if c.RuntimeID != "" {
					require.True(t, f.r.removed[c.RuntimeID], "container %s removed", c.RuntimeID)
				}
			}
			if tc.check != nil {
				tc.check(t, f, got)
			}
		})
	}
}

func intp(n int) *int { return &n }

// call runs one API operation through the HTTP handler.
func call(t *testing.T, s *Service, op, body string) (int, map[string]any) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	r.Header.Set("X-Amz-Target", TargetPrefix+op)
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	var m map[string]any
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &m), w.Body.String())
	return w.Code, m
}

func TestAPIErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.register(t, "fam", ContainerDefinition{Name: "app", Image: "exit:0"})
	for _, tc := range []struct {
		name, op, body, wantType, wantMsg string
	}{
		{"unknown cluster", "RunTask", `{"cluster":"nope","taskDefinition":"fam"}`, "ClusterNotFoundException", "Cluster not found."},
		{"unknown task definition", "RunTask", `{"taskDefinition":"nope"}`, "InvalidParameterException", "TaskDefinition not found."},
		{"blank task definition", "RunTask", `{}`, "InvalidParameterException", "TaskDefinition can not be blank."},
		{"bad override", "RunTask", `{"taskDefinition":"fam","overrides":{"containerOverrides":[{"name":"x"}]}}`, "InvalidParameterException", "Override for container named x is not a container in the TaskDefinition."},
		{"count", "RunTask", `{"taskDefinition":"fam","count":11}`, "InvalidParameterException", "Count must be between 1 and 10."},
		{"describe unknown definition", "DescribeTaskDefinition", `{"taskDefinition":"nope:1"}`, "ClientException", "Unable to describe task definition."},
		{"empty containers", "RegisterTaskDefinition", `{"family":"f","containerDefinitions":[]}`, "ClientException", "Container list cannot be empty."},
		{"no essential", "RegisterTaskDefinition", `{"family":"f","containerDefinitions":[{"name":"a","image":"i","essential":false}]}`, "ClientException", "Task definition does not have any essential container."},
		{"privileged", "RegisterTaskDefinition", `{"family":"f","containerDefinitions":[{"name":"a","image":"i","privileged":true}]}`, "ClientException", "Privileged containers are refused by sfnlocal unless it runs with --allow-privileged."},
		{"stop unknown", "StopTask", `{"task":"abc"}`, "InvalidParameterException", "The referenced task was not found."},
		{"describe tasks unknown cluster", "DescribeTasks", `{"cluster":"x","tasks":["a"]}`, "ClusterNotFoundException", "Cluster not found."},
		{"bad json", "RunTask", `[`, "SerializationException", "Start of structure or map found where not expected."},
		{"unknown operation", "Nope", `{}`, "UnknownOperationException", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, m := call(t, f.s, tc.op, tc.body)
			require.Equal(t, 400, code)
			require.Equal(t, tc.wantType, m["__type"])
			require.Equal(t, tc.wantMsg, m["message"])
		})
	}
}

func TestClustersAndDefinitions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, m := call(t, f.s, "CreateCluster", `{"clusterName":"c1"}`)
	require.Equal(t, "arn:aws:ecs:us-east-1:123456789012:cluster/c1", m["cluster"].(map[string]any)["clusterArn"])
	_, m = call(t, f.s, "ListClusters", `{}`)
	require.Equal(t, []any{"arn:aws:ecs:us-east-1:123456789012:cluster/c1", "arn:aws:ecs:us-east-1:123456789012:cluster/default"}, m["clusterArns"])
	_, m = call(t, f.s, "DescribeClusters", `{"clusters":["c1","gone"]}`)
	require.Len(t, m["clusters"], 1)
	require.Equal(t, []any{map[string]any{"arn": "arn:aws:ecs:us-east-1:123456789012:cluster/gone", "reason": "MISSING"}}, m["failures"])
	for i := 1; i <= 2; i++ {
		_, m = call(t, f.s, "RegisterTaskDefinition", `{"family":"web","containerDefinitions":[{"name":"a","image":"exit:0"}]}`)
		require.Equal(t, float64(i), m["taskDefinition"].(map[string]any)["revision"])
	}
	_, m = call(t, f.s, "DescribeTaskDefinition", `{"taskDefinition":"web"}`)
	require.Equal(t, "arn:aws:ecs:us-east-1:123456789012:task-definition/web:2", m["taskDefinition"].(map[string]any)["taskDefinitionArn"])
	_, m = call(t, f.s, "DeregisterTaskDefinition", `{"taskDefinition":"web:2"}`)
	require.Equal(t, "INACTIVE", m["taskDefinition"].(map[string]any)["status"])
	_, m = call(t, f.s, "DescribeTaskDefinition", `{"taskDefinition":"web"}`)
	require.Equal(t, float64(1), m["taskDefinition"].(map[string]any)["revision"])
	_, m = call(t, f.s, "ListTaskDefinitions", `{"familyPrefix":"we"}`)
	require.Equal(t, []any{"arn:aws:ecs:us-east-1:123456789012:task-definition/web:1"}, m["taskDefinitionArns"])
	_, m = call(t, f.s, "DeleteCluster", `{"cluster":"c1"}`)
	require.Equal(t, "INACTIVE", m["cluster"].(map[string]any)["status"])
	code, m := call(t, f.s, "RunTask", `{"cluster":"c1","taskDefinition":"web"}`)
	require.Equal(t, 400, code)
	require.Equal(t, "ClusterNotFoundException", m["__type"])
}

func TestListTasks(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.register(t, "hang", ContainerDefinition{Name: "app", Image: "hang"})
	f.register(t, "quick", ContainerDefinition{Name: "app", Image: "exit:0"})
	a := f.run(t, &RunTaskInput{TaskDefinition: "hang", StartedBy: "me"})
	b := f.run(t, &RunTaskInput{TaskDefinition: "quick"})
	f.wait(t, b.TaskArn)
	list := func(in ListTasksInput) []string {
		arns, _, err := f.s.ListTasks(&in)
		require.NoError(t, err)
		return arns
	}
	require.Equal(t, []string{a.TaskArn}, list(ListTasksInput{}))
	require.Equal(t, []string{b.TaskArn}, list(ListTasksInput{DesiredStatus: "STOPPED"}))
	require.Equal(t, []string{a.TaskArn}, list(ListTasksInput{StartedBy: "me"}))
	require.Empty(t, list(ListTasksInput{Family: "quick"}))
	_, err := f.s.StopTask("", a.TaskArn, "")
	require.NoError(t, err)
	got := f.wait(t, a.TaskArn)
	require.Equal(t, ReasonUserStopped, got.StoppedReason)
}

func TestIntegration(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.register(t, "fam", ContainerDefinition{Name: "app", Image: "exit:0"})
	f.register(t, "bad", ContainerDefinition{Name: "app", Image: "exit:2"})
	h := f.s.Integration()
	invoke := func(pattern task.Pattern, params map[string]any) (any, error, any) {
		var submitted any
		req := &task.Request{Resource: "arn:aws:states:::ecs:runTask", Service: "ecs", Action: "runTask", Pattern: pattern,
			Parameters: params, Submitted: func(o any) { submitted = o }}
		out, err := h.Invoke(context.Background(), req)
		return out, err, submitted
	}
	t.Run("request response", func(t *testing.T) {
		out, err, _ := invoke(task.RequestResponse, map[string]any{"TaskDefinition": "fam", "LaunchType": "FARGATE"})
		require.NoError(t, err)
		m := out.(map[string]any)
		require.Equal(t, []any{}, m["Failures"])
		tk := m["Tasks"].([]any)[0].(map[string]any)
		require.Equal(t, "PROVISIONING", tk["LastStatus"])
		require.Equal(t, "RUNNING", tk["DesiredStatus"])
		require.Equal(t, "1.4.0", tk["PlatformVersion"])
		require.Contains(t, m, "SdkHttpMetadata")
		require.Contains(t, m, "SdkResponseMetadata")
	})
	t.Run("sync succeeds", func(t *testing.T) {
		out, err, submitted := invoke(task.Sync, map[string]any{"TaskDefinition": "fam", "Overrides": map[string]any{
			"ContainerOverrides": []any{map[string]any{"Name": "app", "Environment": []any{map[string]any{"Name": "X", "Value": "1"}}}}}})
		require.NoError(t, err)
		m := out.(map[string]any)
		require.Equal(t, "STOPPED", m["LastStatus"])
		require.Equal(t, StartedBy, m["StartedBy"])
		require.Equal(t, "EssentialContainerExited", m["StopCode"])
		require.IsType(t, json.Number(""), m["CreatedAt"])
		require.NotContains(t, string(m["CreatedAt"].(json.Number)), ".")
		require.NotNil(t, submitted)
	})
	t.Run("sync fails with the task as cause", func(t *testing.T) {
		_, err, _ := invoke(task.Sync, map[string]any{"TaskDefinition": "bad"})
		var fl *task.Failure
		require.True(t, errors.As(err, &fl))
		require.Equal(t, "States.TaskFailed", fl.Name)
		var cause map[string]any
		require.NoError(t, json.Unmarshal([]byte(fl.Cause), &cause))
		require.Equal(t, float64(2), cause["Containers"].([]any)[0].(map[string]any)["ExitCode"])
		require.Equal(t, "Essential container in task exited", cause["StoppedReason"])
	})
	t.Run("sync ignores a sidecar stopped at the end", func(t *testing.T) {
		f.register(t, "sidecar", ContainerDefinition{Name: "app", Image: "exit:0"}, ContainerDefinition{Name: "side", Image: "hang", Essential: boolp(false)})
		out, err, _ := invoke(task.Sync, map[string]any{"TaskDefinition": "sidecar"})
		require.NoError(t, err)
		require.Equal(t, json.Number("143"), out.(map[string]any)["Containers"].([]any)[1].(map[string]any)["ExitCode"])
	})
	t.Run("service error", func(t *testing.T) {
		_, err, _ := invoke(task.RequestResponse, map[string]any{"TaskDefinition": "fam", "Cluster": "nope"})
		var fl *task.Failure
		require.True(t, errors.As(err, &fl))
		require.Equal(t, "ECS.ClusterNotFoundException", fl.Name)
		require.Contains(t, fl.Cause, "Cluster not found. (Service: AmazonECS; Status Code: 400; Error Code: ClusterNotFoundException; Request ID: ")
	})
	t.Run("stopped execution stops the task", func(t *testing.T) {
		f.register(t, "long", ContainerDefinition{Name: "app", Image: "hang"})
		ctx, cancel := context.WithCancelCause(context.Background())
		req := &task.Request{Service: "ecs", Action: "runTask", Pattern: task.Sync, Parameters: map[string]any{"TaskDefinition": "long"},
			Submitted: func(any) { cancel(errors.New("aborted")) }}
		_, err := h.Invoke(ctx, req)
		require.EqualError(t, err, "aborted")
		arns, _, lerr := f.s.ListTasks(&ListTasksInput{DesiredStatus: "STOPPED", Family: "long"})
		require.NoError(t, lerr)
		require.Len(t, arns, 1)
		got := f.wait(t, arns[0])
		require.Equal(t, "Step Functions execution stopped", got.StoppedReason)
	})
}

// TestStoppedTasksExpire: a task stopped more than an hour ago is forgotten, as on AWS.
func TestStoppedTasksExpire(t *testing.T) {
	t.Parallel()
	fake := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s, err := New(Config{Clock: fake, Runner: newFakeRunner()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	_, err = s.RegisterTaskDefinition(&RegisterTaskDefinitionInput{Family: "f", ContainerDefinitions: []ContainerDefinition{{Name: "a", Image: "exit:0"}}})
	require.NoError(t, err)
	old, _, err := s.RunTask(&RunTaskInput{TaskDefinition: "f"})
	require.NoError(t, err)
	_, err = s.Wait(context.Background(), old[0].TaskArn)
	require.NoError(t, err)
	fake.Advance(StoppedRetention + time.Minute)
	_, _, err = s.RunTask(&RunTaskInput{TaskDefinition: "f"})
	require.NoError(t, err)
	_, fails, err := s.DescribeTasks("", []string{old[0].TaskArn})
	require.NoError(t, err)
	require.Equal(t, []Failure{{Arn: old[0].TaskArn, Reason: "MISSING"}}, fails)
}
