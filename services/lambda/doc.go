// Package lambda is sfnlocal's AWS Lambda simulator: the Lambda REST API (CreateFunction,
// Invoke and friends, under /2015-03-31/functions), the executors that run the user's real
// function code, and the Step Functions integration (arn:aws:states:::lambda:invoke, its
// .waitForTaskToken form and the legacy function ARN resource).
//
// It exists so that a state machine's Lambda Tasks run the same code they run on AWS and hand
// back what AWS hands back: the lambda:invoke output wrapper, function errors as
// {errorType, error JSON}, API errors as Lambda.<Code> with the AWS SDK's cause text.
//
// Executors. Every function version owns a pool of execution environments. An environment is
// one runtime process (python3.x and nodejs under a bootstrap shipped in this package,
// provided.al2/al2023 running the zip's bootstrap) or one Docker container (image functions),
// each with its own loopback listener serving the Lambda Runtime API
// (/2018-06-01/runtime/invocation/next, /response, /error, /init/error) given to it as
// AWS_LAMBDA_RUNTIME_API. An environment runs one invocation at a time and is kept warm for
// the next; concurrent invokes start more environments. Go functions registered with
// RegisterGoFunction run in-process, and with Config.ForwardEndpoint set every other invoke is
// sent to another Lambda-compatible endpoint (like Step Functions Local's LAMBDA_ENDPOINT).
//
// Time. The function Timeout is measured on Config.Clock (never the time package). Tests
// drive it with Fake or Scaled clocks; a server should pass the real clock, since function
// code runs in real time whatever the execution time mode.
//
// Wiring (cmd/sfnlocal):
//
//	svc, err := lambda.New(lambda.Config{Clock: clk, Logger: log, Region: cfg.Region,
//		AccountID: cfg.AccountID, ForwardEndpoint: cfg.LambdaEndpoint})
//	mux.Handle("/2015-03-31/functions", svc.Handler())
//	mux.Handle("/2015-03-31/functions/", svc.Handler())
//	tasks := task.Registry{"lambda": svc.Integration()}
//	defer svc.Close()
//
// Event source mappings. CreateEventSourceMapping and friends (under
// /2015-03-31/event-source-mappings) map an SQS queue to a function: one poller per enabled
// mapping long-polls the queue through the QueuePoller the server installs (the SQS fake),
// gathers up to BatchSize messages within MaximumBatchingWindowInSeconds, invokes the function
// with the SQS event (Records[]) and deletes the batch, or with ReportBatchItemFailures all but
// the batchItemFailures. A failed batch is left alone: its messages come back after the queue's
// visibility timeout and move to the queue's dead-letter queue after maxReceiveCount, as on AWS.
// Unlike AWS, a mapping polls with one poller (no scaling up to five), and only SQS sources are
// accepted.
//
// Design note: the runtime code of an invocation is not cancelled when the caller's context
// ends (a Task timeout or StopExecution): as on AWS the invocation runs on until it finishes or
// hits the function Timeout, and only then is its environment reused.
package lambda
