// Package events is sfnlocal's Amazon EventBridge fake: the
// `arn:aws:states:::events:putEvents` Task integration (and its `.waitForTaskToken` form) with
// AWS's output shape and EventBridge.FailedEntry failures, and the EventBridge JSON 1.1 API
// (X-Amz-Target AWSEvents.*) for event buses, rules and targets on sfnlocal's port, so that
// `aws events --endpoint-url` and boto3 work against it.
//
// Rules deliver. An event put on a bus is matched against the bus's enabled rules (the full
// EventBridge pattern language, internal/eventpattern), and every target of every matching rule
// gets the event, or what its InputPath, Input or InputTransformer makes of it. Targets are
// reached through Sinks the server installs per ARN service (a state machine: StartExecution,
// the target's role ignored; a Lambda function: an asynchronous invoke; an SQS queue; an SNS
// topic), so that this package imports none of them; an event bus target is routed here.
// Deliveries run on one goroutine per rule, in order, from a bounded queue, and never block
// PutEvents. A failed delivery is retried with exponential backoff on the clock under the
// target's RetryPolicy (default 185 attempts, 24 hours) and then goes to its DeadLetterConfig
// queue with AWS's message attributes (RULE_ARN, TARGET_ARN, ERROR_CODE, ERROR_MESSAGE,
// EXHAUSTED_RETRY_CONDITION, RETRY_ATTEMPTS); a target that does not exist goes there at once.
// Rules with a ScheduleExpression (rate() or cron(), UTC) fire "Scheduled Event"s on the
// injected clock, so tests drive them with clock.Fake. TestEventPattern answers as AWS does.
//
// Every event put is also kept (and logged) so that tests can read it back, over HTTP at
// GET /_sfnlocal/events/events[?EventBusName=NAME] or with Events in Go. As on AWS, events put
// to a bus that does not exist are accepted.
//
// With a store (Config.DB, the server's --data-dir), buses, rules, targets, connections, the
// kept events and the deliveries still to be made survive a crash or a restart (persist.go):
// every delivery is recorded before the PutEvents that caused it answers, and one still queued
// or waiting to retry when the process ends is queued again by Resume at the next start, its
// attempt count and its MaximumEventAgeInSeconds deadline going on. Delivery is at least once:
// one in flight at a crash is made again.
package events
