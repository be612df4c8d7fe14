// Package batch simulates AWS Batch on a local container engine so that state machines calling
// arn:aws:states:::batch:submitJob(.sync) run real job containers with Batch's semantics.
//
// It has four faces, all served by one Service:
//
//   - Handler: the Batch REST API (POST /v1/<operation>, botocore's requestUris), so that
//     `aws batch --endpoint-url ...` and the SDKs work against sfnlocal;
//   - LogsHandler: the CloudWatch Logs GetLogEvents/DescribeLogStreams subset (awsJson1_1),
//     serving each attempt's output under log group /aws/batch/job and the job's logStreamName,
//     and the groups other simulators write through CreateLogStream/PutLogLine (ECS tasks'
//     awslogs output);
//   - Integration: the task.Handler for Request.Service "batch" (submitJob and submitJob.sync);
//   - the scheduler: job status moves SUBMITTED→(PENDING while it has dependencies)→RUNNABLE→
//     STARTING→RUNNING→SUCCEEDED or FAILED through one explicit transition table
//     (CheckTransition, ErrInvalidTransition), with dependsOn, array jobs,
//     retryStrategy/evaluateOnExit, attempt timeouts and maxvCpus queueing.
//
// Containers run through the ContainerRunner interface; services/batch/docker implements it
// on the Docker Engine API, services/batch/swarm as Docker Swarm services (a compute
// environment picks its runner by Config.Backend or its TagBackend tag), and the scheduler
// tests use a scripted fake with clock.Fake. All
// time comes from the injected clock, so Batch timestamps (epoch milliseconds) agree with the
// rest of sfnlocal in every time mode.
//
// At start New creates compute environment DefaultComputeEnvironment ("default", MANAGED,
// maxvCpus DefaultMaxVCPUs) and job queue DefaultJobQueue ("default", priority 1) that uses it.
// Resources resolve by name or by ARN everywhere the Batch API accepts either.
//
// Safety: job definitions asking for privileged containers or host bind mounts
// (volumes[].host.sourcePath) are refused with a ClientException unless Config allows them.
package batch
