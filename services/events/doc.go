// Package events is sfnlocal's Amazon EventBridge fake: the
// `arn:aws:states:::events:putEvents` Task integration (and its `.waitForTaskToken` form) with
// AWS's output shape and EventBridge.FailedEntry failures, and the EventBridge JSON 1.1 API
// (X-Amz-Target AWSEvents.*) for event buses, rules and targets on sfnlocal's port, so that
// `aws events --endpoint-url` and boto3 work against it.
//
// It exists because state machines commonly announce progress on an event bus. Nothing is
// delivered to targets: every event put is kept (and logged) so that tests can read it back,
// over HTTP at GET /_sfnlocal/events/events[?EventBusName=NAME] or with Events in Go. As on
// AWS, events put to a bus that does not exist are accepted.
package events
