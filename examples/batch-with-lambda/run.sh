#!/usr/bin/env bash
# Runs AWS's "AWS Batch with Lambda" sample on sfnlocal with real containers:
#   1. the definition exactly as published  -> FAILED with States.Runtime, as on AWS;
#   2. with OutputPath corrected to $.Payload -> Lambda, then a Batch job in Docker, SUCCEEDED;
#   3. corrected, with a job that exits 3   -> FAILED with States.TaskFailed.
source "$(dirname "$0")/../lib.sh"
start_server

IMAGE=sfnlocal-example/batch-job:latest
build_job_image "$IMAGE"
deploy_lambda generate-batch-job-input

awsl batch create-compute-environment --compute-environment-name example-ce --type MANAGED \
  --compute-resources type=EC2,maxvCpus=4,minvCpus=0,instanceTypes=optimal,subnets=subnet-1,securityGroupIds=sg-1,instanceRole=ecsInstanceRole >/dev/null
QUEUE=$(awsl batch create-job-queue --job-queue-name example-queue --priority 1 \
  --compute-environment-order order=1,computeEnvironment=example-ce --query jobQueueArn --output text)
JOBDEF=$(awsl batch register-job-definition --job-definition-name example-job --type container \
  --container-properties "{\"image\":\"$IMAGE\",\"command\":[\"--message\",\"Ref::message\"],\"resourceRequirements\":[{\"type\":\"VCPU\",\"value\":\"1\"},{\"type\":\"MEMORY\",\"value\":\"128\"}]}" \
  --query jobDefinitionArn --output text)
FAILDEF=$(awsl batch register-job-definition --job-definition-name example-failing-job --type container \
  --container-properties "{\"image\":\"$IMAGE\",\"command\":[\"--message\",\"Ref::message\",\"--exit-code\",\"3\"],\"resourceRequirements\":[{\"type\":\"VCPU\",\"value\":\"1\"},{\"type\":\"MEMORY\",\"value\":\"128\"}]}" \
  --query jobDefinitionArn --output text)

fill=(-e "s|<GENERATE_BATCH_JOB_INPUT_LAMBDA_FUNCTION_NAME>|generate-batch-job-input|" -e "s|<BATCH_QUEUE_ARN>|$QUEUE|")
DIR=$(dirname "$0")
PUBLISHED=$(create_state_machine batch-with-lambda-published "$DIR/statemachine.json" "${fill[@]}" -e "s|<BATCH_JOB_DEFINITION_ARN>|$JOBDEF|")
CORRECTED=$(create_state_machine batch-with-lambda "$DIR/statemachine.corrected.json" "${fill[@]}" -e "s|<BATCH_JOB_DEFINITION_ARN>|$JOBDEF|")
FAILING=$(create_state_machine batch-with-lambda-failing "$DIR/statemachine.corrected.json" "${fill[@]}" -e "s|<BATCH_JOB_DEFINITION_ARN>|$FAILDEF|")

r=$(run_execution "$PUBLISHED")
show "as published (OutputPath \$.batch_input)" "$r"
expect "$r" 'd["status"] == "FAILED" and d["error"] == "States.Runtime"' "fails with States.Runtime"
expect "$r" "\"Invalid path '\$.batch_input' : No results for path: \$['batch_input']\" in d['cause']" "cause names the OutputPath"
expect "$r" '"TaskSubmitted" not in types and sum(t == "TaskScheduled" for t in types) == 1' "no Batch job is submitted"

r=$(run_execution "$CORRECTED")
show "corrected (OutputPath \$.Payload)" "$r"
expect "$r" 'd["status"] == "SUCCEEDED"' "succeeds"
expect "$r" 'out["Status"] == "SUCCEEDED" and out["Container"]["ExitCode"] == 0 and out["JobName"] == "BatchJobFanOut"' "output is the job detail"
expect "$r" 'out["Parameters"]["message"].startswith("input prepared by lambda")' "the Lambda's batch_input became the job's Parameters"
expect "$r" 'types == ["ExecutionStarted","TaskStateEntered","TaskScheduled","TaskStarted","TaskSucceeded","TaskStateExited","TaskStateEntered","TaskScheduled","TaskStarted","TaskSubmitted","TaskSucceeded","TaskStateExited","ExecutionSucceeded"]' "history as AWS records it"
LOG_STREAM=$(python3 -c 'import json,sys; print(json.loads(json.load(open(sys.argv[1]))["output"])["Container"]["LogStreamName"])' "$r")
awsl logs get-log-events --log-group-name /aws/batch/job --log-stream-name "$LOG_STREAM" > "$WORK/log.json"
expect "$r" "'input prepared by lambda' in open('$WORK/log.json').read()" "the container's log is readable with aws logs get-log-events"

r=$(run_execution "$FAILING")
show "corrected, job exits 3" "$r"
expect "$r" 'd["status"] == "FAILED" and d["error"] == "States.TaskFailed"' "fails with States.TaskFailed"
expect "$r" 'json.loads(d["cause"])["Status"] == "FAILED" and json.loads(d["cause"])["Container"]["ExitCode"] == 3' "cause is the failed job's detail"
finish
