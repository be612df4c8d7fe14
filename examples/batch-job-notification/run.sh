#!/usr/bin/env bash
# Runs AWS's "Manage a Batch job" sample (Batch job, then SNS on success or failure) exactly as
# published: its ARNs name account 123456789012 in us-east-1, sfnlocal's defaults, so the
# example creates the queue, job definition and topic under those very names.
source "$(dirname "$0")/../lib.sh"
start_server

IMAGE=sfnlocal-example/batch-job:latest
build_job_image "$IMAGE"
TOPIC=$(awsl sns create-topic --name batchjobnotificatiointemplate-SNSTopic-1J757CVBQ2KHM --query TopicArn --output text)
awsl batch create-compute-environment --compute-environment-name notification-ce --type MANAGED \
  --compute-resources type=EC2,maxvCpus=4,minvCpus=0,instanceTypes=optimal,subnets=subnet-1,securityGroupIds=sg-1,instanceRole=ecsInstanceRole >/dev/null
awsl batch create-job-queue --job-queue-name BatchJobQueue-7049d367474b4dd --priority 1 \
  --compute-environment-order order=1,computeEnvironment=notification-ce >/dev/null
awsl batch register-job-definition --job-definition-name BatchJobDefinition-74d55ec34c4643c --type container \
  --container-properties "{\"image\":\"$IMAGE\",\"command\":[\"--message\",\"notification example\"],\"vcpus\":1,\"memory\":128}" >/dev/null
FAILDEF=$(awsl batch register-job-definition --job-definition-name notification-failing-job --type container \
  --container-properties "{\"image\":\"$IMAGE\",\"command\":[\"--exit-code\",\"1\"],\"vcpus\":1,\"memory\":128}" \
  --query jobDefinitionArn --output text)

DIR=$(dirname "$0")
SM=$(create_state_machine batch-job-notification "$DIR/statemachine.json" -e "")
SMFAIL=$(create_state_machine batch-job-notification-failing "$DIR/statemachine.json" \
  -e "s|arn:aws:batch:us-east-1:123456789012:job-definition/BatchJobDefinition-74d55ec34c4643c:1|$FAILDEF|")

r=$(run_execution "$SM")
show "job succeeds -> Notify Success" "$r"
expect "$r" 'd["status"] == "SUCCEEDED" and "MessageId" in out' "succeeds with the SNS publish result"
expect "$r" '[e["stateEnteredEventDetails"]["name"] for e in h if e["type"] == "TaskStateEntered"] == ["Submit Batch Job", "Notify Success"]' "takes the success path"

r=$(run_execution "$SMFAIL")
show "job fails -> Notify Failure" "$r"
expect "$r" 'd["status"] == "SUCCEEDED"' "the Catch turns the failure into a notification"
expect "$r" '[e["stateEnteredEventDetails"]["name"] for e in h if e["type"] == "TaskStateEntered"] == ["Submit Batch Job", "Notify Failure"]' "takes the failure path"

curl -s "$ENDPOINT/_sfnlocal/sns/messages?TopicArn=$TOPIC" > "$WORK/messages.json"
expect "$r" "[m['Message'] for m in json.load(open('$WORK/messages.json'))['Messages']] == ['Batch job submitted through Step Functions succeeded', 'Batch job submitted through Step Functions failed']" "both notifications were published and can be read back"
finish
