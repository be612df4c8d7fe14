package server_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/sfnlocaltest"
)

// waitTask blocks until the ECS task has stopped (no polling: the simulator tells).
func waitTask(t *testing.T, srv *sfnlocaltest.Server, arn string) {
	t.Helper()
	ctx, cancel := clock.WithTimeout(context.Background(), clock.Real(), 60*time.Second, nil)
	defer cancel()
	_, err := srv.ECS().Wait(ctx, arn)
	require.NoError(t, err)
}

func taskID(arn string) string { return arn[strings.LastIndex(arn, "/")+1:] }

// TestECSWithAWSCLI registers, runs, describes and stops ECS tasks on Docker with the real
// `aws ecs` and reads a task's output with `aws logs`.
func TestECSWithAWSCLI(t *testing.T) {
	t.Parallel()
	needTool(t, "aws")
	requireDocker(t)
	srv := sfnlocaltest.New(t)

	c := mustCLI(t, srv, "ecs", "create-cluster", "--cluster-name", "e2e")
	require.Equal(t, "arn:aws:ecs:us-east-1:123456789012:cluster/e2e", c["cluster"].(map[string]any)["clusterArn"])
	td := mustCLI(t, srv, "ecs", "register-task-definition", "--family", "e2e-job", "--requires-compatibilities", "FARGATE",
		"--cpu", "256", "--memory", "512", "--network-mode", "awsvpc", "--container-definitions",
		`[{"name":"app","image":"`+jobImage+`","command":["hello","world"],"essential":true,
		   "logConfiguration":{"logDriver":"awslogs","options":{"awslogs-group":"/ecs/e2e-job","awslogs-region":"us-east-1","awslogs-stream-prefix":"ecs"}}}]`)
	require.Equal(t, float64(1), td["taskDefinition"].(map[string]any)["revision"])

	run := mustCLI(t, srv, "ecs", "run-task", "--cluster", "e2e", "--task-definition", "e2e-job", "--launch-type", "FARGATE",
		"--network-configuration", `{"awsvpcConfiguration":{"subnets":["subnet-1"],"assignPublicIp":"ENABLED"}}`,
		"--overrides", `{"containerOverrides":[{"name":"app","environment":[{"name":"GREETING","value":"from an override"}]}]}`)
	require.Empty(t, run["failures"])
	first := run["tasks"].([]any)[0].(map[string]any)
	require.Equal(t, "PROVISIONING", first["lastStatus"])
	require.Equal(t, "RUNNING", first["desiredStatus"])
	arn := first["taskArn"].(string)
	waitTask(t, srv, arn)

	d := mustCLI(t, srv, "ecs", "describe-tasks", "--cluster", "e2e", "--tasks", arn)
	got := d["tasks"].([]any)[0].(map[string]any)
	require.Equal(t, "STOPPED", got["lastStatus"])
	require.Equal(t, "STOPPED", got["desiredStatus"])
	require.Equal(t, "EssentialContainerExited", got["stopCode"])
	require.Equal(t, "Essential container in task exited", got["stoppedReason"])
	require.Equal(t, float64(0), got["containers"].([]any)[0].(map[string]any)["exitCode"])

	logs := mustCLI(t, srv, "logs", "get-log-events", "--log-group-name", "/ecs/e2e-job", "--log-stream-name", "ecs/app/"+taskID(arn), "--start-from-head")
	var lines []string
	for _, e := range logs["events"].([]any) {
		lines = append(lines, e.(map[string]any)["message"].(string))
	}
	require.Equal(t, []string{"hello", "world", "from an override"}, lines)

	long := mustCLI(t, srv, "ecs", "run-task", "--cluster", "e2e", "--task-definition", "e2e-job:1",
		"--overrides", `{"containerOverrides":[{"name":"app","command":["sleep=60s"]}]}`)
	longArn := long["tasks"].([]any)[0].(map[string]any)["taskArn"].(string)
	listed := mustCLI(t, srv, "ecs", "list-tasks", "--cluster", "e2e")
	require.Equal(t, []any{longArn}, listed["taskArns"])
	stopped := mustCLI(t, srv, "ecs", "stop-task", "--cluster", "e2e", "--task", taskID(longArn), "--reason", "no longer needed")
	require.Equal(t, "STOPPED", stopped["task"].(map[string]any)["desiredStatus"])
	waitTask(t, srv, longArn)
	d = mustCLI(t, srv, "ecs", "describe-tasks", "--cluster", "e2e", "--tasks", longArn, "missing-task")
	got = d["tasks"].([]any)[0].(map[string]any)
	require.Equal(t, "UserInitiated", got["stopCode"])
	require.Equal(t, "no longer needed", got["stoppedReason"])
	require.Equal(t, "MISSING", d["failures"].([]any)[0].(map[string]any)["reason"])

	_, msg, err := awsCLI(t, srv, "ecs", "run-task", "--cluster", "nope", "--task-definition", "e2e-job")
	require.Error(t, err)
	require.Contains(t, msg, "An error occurred (ClusterNotFoundException) when calling the RunTask operation: Cluster not found.")
	_, msg, err = awsCLI(t, srv, "ecs", "describe-task-definition", "--task-definition", "nope")
	require.Error(t, err)
	require.Contains(t, msg, "An error occurred (ClientException) when calling the DescribeTaskDefinition operation: Unable to describe task definition.")
}

// TestECSRunTaskSync runs a state machine with ecs:runTask.sync whose container succeeds, and
// one whose container exits 3 (States.TaskFailed with the stopped task as the cause).
func TestECSRunTaskSync(t *testing.T) {
	t.Parallel()
	needTool(t, "aws")
	requireDocker(t)
	srv := sfnlocaltest.New(t)
	mustCLI(t, srv, "ecs", "register-task-definition", "--family", "sync-job", "--container-definitions",
		`[{"name":"app","image":"`+jobImage+`"}]`)
	def := `{"StartAt":"Run","States":{"Run":{"Type":"Task","Resource":"arn:aws:states:::ecs:runTask.sync",
		"Parameters":{"LaunchType":"FARGATE","Cluster":"default","TaskDefinition":"sync-job",
		"Overrides":{"ContainerOverrides":[{"Name":"app","Command.$":"$.commands"}]}},"End":true}}}`

	ok := runMachine(t, srv, "ecs-sync-ok", def, `{"commands":["fine"]}`)
	require.Equal(t, "SUCCEEDED", string(ok.Status))
	var out map[string]any
	require.NoError(t, json.Unmarshal([]byte(*ok.Output), &out))
	require.Equal(t, "STOPPED", out["LastStatus"])
	require.Equal(t, "AWS Step Functions", out["StartedBy"])
	require.Equal(t, float64(0), out["Containers"].([]any)[0].(map[string]any)["ExitCode"])
	hist := mustCLI(t, srv, "stepfunctions", "get-execution-history", "--execution-arn", *ok.ExecutionArn)
	var types []string
	for _, e := range hist["events"].([]any) {
		types = append(types, e.(map[string]any)["type"].(string))
	}
	require.Equal(t, []string{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSubmitted",
		"TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"}, types)

	bad := runMachine(t, srv, "ecs-sync-fail", def, `{"commands":["oops","exit=3"]}`)
	require.Equal(t, "FAILED", string(bad.Status))
	require.Equal(t, "States.TaskFailed", *bad.Error)
	var cause map[string]any
	require.NoError(t, json.Unmarshal([]byte(*bad.Cause), &cause))
	require.Equal(t, float64(3), cause["Containers"].([]any)[0].(map[string]any)["ExitCode"])
	require.Equal(t, "Essential container in task exited", cause["StoppedReason"])
}

// TestECSBoto3 drives the ECS API with boto3, waiting with its tasks_stopped waiter.
func TestECSBoto3(t *testing.T) {
	t.Parallel()
	python := needTool(t, "python3")
	if err := exec.Command(python, "-c", "import boto3").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("boto3 is required in CI: %v", err)
		}
		t.Skip("boto3 not installed")
	}
	requireDocker(t)
	srv := sfnlocaltest.New(t)
	script := `
import boto3, json, sys
ecs = boto3.client("ecs", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t")
ecs.create_cluster(clusterName="py")
td = ecs.register_task_definition(family="py-job", containerDefinitions=[{"name": "app", "image": sys.argv[2], "command": ["exit=7"]}])
arn = ecs.run_task(cluster="py", taskDefinition=td["taskDefinition"]["taskDefinitionArn"])["tasks"][0]["taskArn"]
ecs.get_waiter("tasks_stopped").wait(cluster="py", tasks=[arn], WaiterConfig={"Delay": 1, "MaxAttempts": 60})
task = ecs.describe_tasks(cluster="py", tasks=[arn])["tasks"][0]
try:
    ecs.describe_clusters(clusters=["py"])
    ecs.stop_task(cluster="nope", task=arn)
    err = None
except ecs.exceptions.ClusterNotFoundException as e:
    err = e.response["Error"]["Code"]
print(json.dumps({"status": task["lastStatus"], "exit": task["containers"][0]["exitCode"], "created": str(type(task["createdAt"]).__name__), "err": err}))
`
	cmd := exec.Command(python, "-c", script, srv.URL, jobImage)
	cmd.Env = append(os.Environ(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	var got map[string]any
	require.NoError(t, json.Unmarshal(out, &got), string(out))
	require.Equal(t, map[string]any{"status": "STOPPED", "exit": float64(7), "created": "datetime", "err": "ClusterNotFoundException"}, got)
}
