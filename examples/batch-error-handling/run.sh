#!/usr/bin/env bash
# Runs AWS's Batch error-handling sample: Retry (30 s, x1.5, 2 attempts) and Catch around the
# job, then SNS. The server runs with --time instant, so the retry waits take no wall time
# while the history's timestamps show them.
source "$(dirname "$0")/../lib.sh"
SFNLOCAL_ARGS="--time instant" start_server

IMAGE=sfnlocal-example/batch-job:latest
build_job_image "$IMAGE"
TOPIC=$(awsl sns create-topic --name error-handling-topic --query TopicArn --output text)
awsl batch create-compute-environment --compute-environment-name error-handling-ce --type MANAGED \
  --compute-resources type=EC2,maxvCpus=4,minvCpus=0,instanceTypes=optimal,subnets=subnet-1,securityGroupIds=sg-1,instanceRole=ecsInstanceRole >/dev/null
QUEUE=$(awsl batch create-job-queue --job-queue-name error-handling-queue --priority 1 \
  --compute-environment-order order=1,computeEnvironment=error-handling-ce --query jobQueueArn --output text)
OKDEF=$(awsl batch register-job-definition --job-definition-name error-handling-job --type container \
  --container-properties "{\"image\":\"$IMAGE\",\"command\":[\"--message\",\"error handling example\"],\"vcpus\":1,\"memory\":128}" \
  --query jobDefinitionArn --output text)
FAILDEF=$(awsl batch register-job-definition --job-definition-name error-handling-failing-job --type container \
  --container-properties "{\"image\":\"$IMAGE\",\"command\":[\"--exit-code\",\"2\"],\"vcpus\":1,\"memory\":128}" \
  --query jobDefinitionArn --output text)

DIR=$(dirname "$0")
common=(-e "s|arn:aws:batch:us-west-2:123456789012:job-queue/BatchJobQueue-123456789abcdef|$QUEUE|"
        -e "s|arn:aws:sns:us-west-2:123456789012:StepFunctionsSample-BatchJobManagement12345678-9abc-def0-1234-567890abcdef-SNSTopic-A2B3C4D5E6F7G|$TOPIC|")
SM=$(create_state_machine batch-error-handling "$DIR/statemachine.json" "${common[@]}" \
  -e "s|arn:aws:batch:us-west-2:123456789012:job-definition/BatchJobDefinition-123456789abcdef:1|$OKDEF|")
SMFAIL=$(create_state_machine batch-error-handling-failing "$DIR/statemachine.json" "${common[@]}" \
  -e "s|arn:aws:batch:us-west-2:123456789012:job-definition/BatchJobDefinition-123456789abcdef:1|$FAILDEF|")

r=$(run_execution "$SM")
show "job succeeds" "$r"
expect "$r" 'd["status"] == "SUCCEEDED" and types.count("TaskSubmitted") == 1' "succeeds on the first attempt"

r=$(run_execution "$SMFAIL")
show "job always fails: 1 try + 2 retries, then Catch" "$r"
expect "$r" 'd["status"] == "SUCCEEDED"' "the Catch sends the failure notification"
expect "$r" 'types.count("TaskSubmitted") == 3 and types.count("TaskFailed") == 3' "the job ran three times (MaxAttempts 2)"
expect "$r" '[e["stateEnteredEventDetails"]["name"] for e in h if e["type"] == "TaskStateEntered"] == ["Submit Batch Job", "Notify Failure"]' "then takes the failure path"
finish
