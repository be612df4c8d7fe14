// Package ecs simulates Amazon ECS on a local container engine so that state machines calling
// arn:aws:states:::ecs:runTask (and its .sync and .waitForTaskToken forms) run real
// containers with ECS's task lifecycle, and so that `aws ecs --endpoint-url` works against
// sfnlocal.
//
// It has three faces, all served by one Service:
//
//   - Handler: the ECS JSON API (awsJson1_1, X-Amz-Target
//     AmazonEC2ContainerServiceV20141113.*): clusters, task definitions, RunTask,
//     DescribeTasks, StopTask and ListTasks, with AWS's shapes and errors
//     (ClusterNotFoundException, InvalidParameterException, ClientException);
//   - Integration: the task.Handler for Request.Service "ecs" (runTask, runTask.sync,
//     runTask.waitForTaskToken), with Step Functions' PascalCase output;
//   - the task runner: every container of a task runs as one container on the engine.
//     A task moves PROVISIONING→PENDING→RUNNING→DEPROVISIONING→STOPPED through one
//     transition table (CheckTransition); when an essential container exits, the others are
//     stopped and the task stops with "Essential container in task exited".
//
// Containers run through the ContainerRunner interface, which the server satisfies with the
// Batch simulator's runners through services/ecs/batchrunner: the Docker runner
// (services/batch/docker), or, for a cluster tagged sfnlocal:backend=swarm (TagBackend; or
// every cluster when Config.Backend says so, --batch-backend swarm), the Docker Swarm runner
// (services/batch/swarm), where each container is a swarm service placed by the cluster's
// sfnlocal:constraint tags (the containers after a task's first on the first one's node)
// and a container start waits in PENDING until a node takes it
// (StopTask gives it up). A container whose host goes away stops the task with stop code
// TerminationNotice and "Host EC2 (instance i-...) terminated.". So labels, resource limits,
// reaping of leftovers and image pulls are shared with Batch. Output of containers whose
// definition uses the awslogs log driver is written, one event per line, to the
// CloudWatch Logs group and stream prefix it names (stream <prefix>/<container>/<task id>)
// through the LogSink interface, which the Batch simulator's CloudWatch Logs subset
// implements. This package imports neither: the server adapts them. All time comes from the
// injected clock.
//
// Not simulated: services, container instances, capacity providers, task networking (each
// container gets Docker's default bridge network; containers of one task do not share
// localhost), secrets, volumes and health checks. A cluster named "default" exists at
// start, as RunTask without a cluster uses it.
package ecs
