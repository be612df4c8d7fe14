#!/usr/bin/env bash
# Runs AWS's "Fan out batch jobs" sample: a Lambda returns an array, then a Map submits one
# Batch job per item (real containers, side by side).
source "$(dirname "$0")/../lib.sh"
start_server

IMAGE=sfnlocal-example/batch-job:latest
build_job_image "$IMAGE"
deploy_lambda fan-out-input ./examples/batch-fan-out/lambda
awsl batch create-compute-environment --compute-environment-name fan-out-ce --type MANAGED \
  --compute-resources type=EC2,maxvCpus=4,minvCpus=0,instanceTypes=optimal,subnets=subnet-1,securityGroupIds=sg-1,instanceRole=ecsInstanceRole >/dev/null
QUEUE=$(awsl batch create-job-queue --job-queue-name fan-out-queue --priority 1 \
  --compute-environment-order order=1,computeEnvironment=fan-out-ce --query jobQueueArn --output text)
OKDEF=$(awsl batch register-job-definition --job-definition-name fan-out-job --type container \
  --container-properties "{\"image\":\"$IMAGE\",\"command\":[\"--message\",\"fan-out item\"],\"vcpus\":1,\"memory\":128}" \
  --query jobDefinitionArn --output text)
FAILDEF=$(awsl batch register-job-definition --job-definition-name fan-out-failing-job --type container \
  --container-properties "{\"image\":\"$IMAGE\",\"command\":[\"--exit-code\",\"4\"],\"vcpus\":1,\"memory\":128}" \
  --query jobDefinitionArn --output text)

DIR=$(dirname "$0")
fill=(-e "s|<GENERATE_BATCH_JOB_INPUT_LAMBDA_FUNCTION_NAME>|fan-out-input|" -e "s|<BATCH_QUEUE_ARN>|$QUEUE|")
SM=$(create_state_machine batch-fan-out "$DIR/statemachine.json" "${fill[@]}" -e "s|<BATCH_JOB_DEFINITION_ARN>|$OKDEF|")
SMFAIL=$(create_state_machine batch-fan-out-failing "$DIR/statemachine.json" "${fill[@]}" -e "s|<BATCH_JOB_DEFINITION_ARN>|$FAILDEF|")

r=$(run_execution "$SM")
show "three jobs succeed" "$r"
expect "$r" 'd["status"] == "SUCCEEDED" and len(out) == 3 and all(j["Status"] == "SUCCEEDED" for j in out)' "the Map's output is the three job details"
expect "$r" 'types.count("MapIterationSucceeded") == 3 and types.count("TaskSubmitted") == 3' "three iterations, three jobs"

r=$(run_execution "$SMFAIL")
show "jobs fail" "$r"
expect "$r" 'd["status"] == "FAILED" and d["error"] == "States.TaskFailed"' "a failed job fails the Map and the execution"
expect "$r" '"MapStateFailed" in types' "the Map records MapStateFailed"
finish
