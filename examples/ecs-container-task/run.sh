#!/usr/bin/env bash
# Runs AWS's "Manage a container task" sample (an ECS/Fargate task with runTask.sync, then SNS
# on success or failure) exactly as published. Its ARNs name account 123456789012 in
# ap-northeast-1, so sfnlocal runs in that region and the example creates the cluster, task
# definition and topic under those very names. The task's container is a FROM scratch image
# built here and removed at the end.
source "$(dirname "$0")/../lib.sh"
export AWS_DEFAULT_REGION=ap-northeast-1
SFNLOCAL_ARGS="--region ap-northeast-1 ${SFNLOCAL_ARGS:-}"
DIR=$(cd "$(dirname "$0")" && pwd)
IMAGE=sfnlocal-example/ecs-task:$$
trap 'docker rmi -f "$IMAGE" >/dev/null 2>&1 || true; cleanup' EXIT
start_server

ctx="$WORK/task-image"
mkdir -p "$ctx"
(cd "$ROOT" && CGO_ENABLED=0 go build -trimpath -o "$ctx/task" ./examples/ecs-container-task/task)
cp "$DIR/task/Dockerfile" "$ctx/"
docker build -q -t "$IMAGE" "$ctx" >/dev/null

TOPIC=$(awsl sns create-topic --name FargateTaskNotification-SNSTopic-1XYW5YD5V0M7C --query TopicArn --output text)
awsl ecs create-cluster --cluster-name FargateTaskNotification-ECSCluster-VHLR20IF9IMP >/dev/null
FAMILY=FargateTaskNotification-ECSTaskDefinition-13YOJT8Z2LY5Q
register() {
  awsl ecs register-task-definition --family "$FAMILY" --requires-compatibilities FARGATE --network-mode awsvpc \
    --cpu 256 --memory 512 --container-definitions "[{\"name\":\"app\",\"image\":\"$IMAGE\",\"essential\":true,
      \"command\":$1,\"logConfiguration\":{\"logDriver\":\"awslogs\",\"options\":{\"awslogs-group\":\"/ecs/$FAMILY\",
      \"awslogs-region\":\"ap-northeast-1\",\"awslogs-stream-prefix\":\"ecs\"}}}]" --query taskDefinition.taskDefinitionArn --output text
}
register '["--message","container task example"]' >/dev/null
FAILDEF=$(register '["--exit-code","1"]')

SM=$(create_state_machine container-task-notification "$DIR/statemachine.json" -e "")
SMFAIL=$(create_state_machine container-task-notification-failing "$DIR/statemachine.json" \
  -e "s|task-definition/$FAMILY:1|task-definition/$FAMILY:2|")

r=$(run_execution "$SM")
show "task succeeds -> Notify Success" "$r"
expect "$r" 'd["status"] == "SUCCEEDED" and "MessageId" in out' "succeeds with the SNS publish result"
expect "$r" '[e["stateEnteredEventDetails"]["name"] for e in h if e["type"] == "TaskStateEntered"] == ["Run Fargate Task", "Notify Success"]' "takes the success path"
expect "$r" 'types[:6] == ["ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded"]' "runTask.sync records TaskSubmitted, then TaskSucceeded"
expect "$r" 'json.loads([e for e in h if e["type"] == "TaskSucceeded"][0]["taskSucceededEventDetails"]["output"])["StopCode"] == "EssentialContainerExited"' "the task's result is the stopped task"

r=$(run_execution "$SMFAIL")
show "task fails -> Notify Failure" "$r"
expect "$r" 'd["status"] == "SUCCEEDED"' "the Catch turns the failure into a notification"
expect "$r" '[e["stateEnteredEventDetails"]["name"] for e in h if e["type"] == "TaskStateEntered"] == ["Run Fargate Task", "Notify Failure"]' "takes the failure path"
expect "$r" '[e for e in h if e["type"] == "TaskFailed"][0]["taskFailedEventDetails"]["error"] == "States.TaskFailed"' "the container's exit code 1 fails the task with States.TaskFailed"

curl -s "$ENDPOINT/_sfnlocal/sns/messages?TopicArn=$TOPIC" > "$WORK/messages.json"
expect "$r" "[m['Message'] for m in json.load(open('$WORK/messages.json'))['Messages']] == ['AWS Fargate Task started by Step Functions succeeded', 'AWS Fargate Task started by Step Functions failed']" "both notifications were published and can be read back"

: > "$WORK/logs.txt"
for stream in $(awsl logs describe-log-streams --log-group-name "/ecs/$FAMILY" --query 'logStreams[].logStreamName' --output text); do
  awsl logs get-log-events --log-group-name "/ecs/$FAMILY" --log-stream-name "$stream" --start-from-head \
    --query 'events[].message' --output text >> "$WORK/logs.txt"
done
expect "$r" "'container task example' in open('$WORK/logs.txt').read() and 'failing on purpose with exit code 1' in open('$WORK/logs.txt').read()" "both tasks' output is in CloudWatch Logs under the awslogs group"
finish
