package server

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/api"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
	"github.com/sfnlocal/sfnlocal/services/events"
	"github.com/sfnlocal/sfnlocal/services/lambda"
	"github.com/sfnlocal/sfnlocal/services/s3"
	"github.com/sfnlocal/sfnlocal/services/sns"
	"github.com/sfnlocal/sfnlocal/services/sqs"
)

// This file wires the flows between the services, which never import each other: EventBridge
// targets, SNS subscribers, Lambda's SQS event source mappings, S3 event notifications and Step
// Functions' execution status events.

// wireFlows installs the sinks and pollers; s.sfn may still be nil (the states sink looks it up
// at delivery time).
func (s *Server) wireFlows() {
	s.events.SetSink("states", events.SinkFunc(func(ctx context.Context, d events.Delivery) error {
		if s.sfn == nil {
			return errors.New("step functions is not ready")
		}
		input := string(d.Input)
		_, err := s.sfn.StartExecution(ctx, &api.StartExecutionInput{StateMachineArn: &d.Arn, Input: &input})
		var ae *api.Error
		if errors.As(err, &ae) && (ae.Code == api.CodeStateMachineDoesNotExist || ae.Code == "InvalidArn") {
			return fmt.Errorf("%w: %v", events.ErrTargetNotFound, err)
		}
		return err
	}))
	s.events.SetSink("lambda", events.SinkFunc(func(ctx context.Context, d events.Delivery) error {
		return s.invokeAsync(ctx, d.Arn, d.Input, events.ErrTargetNotFound)
	}))
	s.events.SetSink("sqs", events.SinkFunc(func(_ context.Context, d events.Delivery) error {
		in := &sqs.SendMessageInput{QueueUrl: s.queueURL(d.Arn), MessageBody: string(d.Input)}
		if p, ok := d.Target["SqsParameters"].(map[string]any); ok {
			in.MessageGroupId = task.Text(p["MessageGroupId"])
			if in.MessageGroupId != "" {
				in.MessageDeduplicationId = d.EventID
			}
		}
		if len(d.Attributes) > 0 {
			in.MessageAttributes = map[string]sqs.MessageAttributeValue{}
			for k, v := range d.Attributes {
				in.MessageAttributes[k] = sqs.MessageAttributeValue{DataType: "String", StringValue: v}
			}
		}
		return sqsErr(s.sqsSend(in), events.ErrTargetNotFound)
	}))
	s.events.SetSink("sns", events.SinkFunc(func(_ context.Context, d events.Delivery) error {
		_, _, err := s.sns.Publish(sns.PublishInput{TopicArn: d.Arn, Message: string(d.Input)})
		var se *sns.Error
		if errors.As(err, &se) && se.Code == "NotFound" {
			return fmt.Errorf("%w: %v", events.ErrTargetNotFound, err)
		}
		return err
	}))

	s.sns.SetSink("sqs", sns.SinkFunc(func(_ context.Context, d sns.Delivery) error {
		in := &sqs.SendMessageInput{QueueUrl: s.queueURL(d.Endpoint), MessageBody: string(d.Body),
			MessageGroupId: d.MessageGroupID, MessageDeduplicationId: d.MessageDeduplicationID}
		if len(d.Attributes) > 0 {
			in.MessageAttributes = map[string]sqs.MessageAttributeValue{}
			for k, a := range d.Attributes {
				v := sqs.MessageAttributeValue{DataType: a.DataType, StringValue: a.StringValue}
				if strings.HasPrefix(a.DataType, "Binary") {
					v = sqs.MessageAttributeValue{DataType: a.DataType, BinaryValue: []byte(a.BinaryValue)}
				}
				in.MessageAttributes[k] = v
			}
		}
		return sqsErr(s.sqsSend(in), sns.ErrEndpointNotFound)
	}))
	s.sns.SetSink("lambda", sns.SinkFunc(func(ctx context.Context, d sns.Delivery) error {
		return s.invokeAsync(ctx, d.Endpoint, d.Body, sns.ErrEndpointNotFound)
	}))

	s.lambda.SetQueuePoller(queuePoller{s})

	s.s3.SetNotificationSink(s3.NotificationSinkFunc(func(ctx context.Context, n s3.Notification) error {
		switch n.Kind {
		case "sqs":
			return s.sqsSend(&sqs.SendMessageInput{QueueUrl: s.queueURL(n.Arn), MessageBody: string(n.Body)})
		case "sns":
			_, _, err := s.sns.Publish(sns.PublishInput{TopicArn: n.Arn, Message: string(n.Body), Subject: "Amazon S3 Notification"})
			return err
		case "lambda":
			return s.invokeAsync(ctx, n.Arn, n.Body, errors.New("function not found"))
		case "events":
			_, _, err := s.events.PutEvents([]events.Entry{{
				Source: "aws.s3", DetailType: n.DetailType, Detail: string(n.Body), HasDetail: true,
				Resources: []string{"arn:aws:s3:::" + n.Bucket},
			}})
			return err
		}
		return fmt.Errorf("unknown notification kind %q", n.Kind)
	}))
}

func (s *Server) sqsSend(in *sqs.SendMessageInput) error {
	_, err := s.sqs.SendMessage(in)
	return err
}

// queueURL turns a queue ARN into the URL the SQS fake answers to: AWS's form, which names the
// ARN's region (queues are kept per region).
func (s *Server) queueURL(arn string) string { return sqs.URLOf(arn) }

func sqsErr(err, notFound error) error {
	var qe *sqs.Error
	if errors.As(err, &qe) && qe.Code == "AWS.SimpleQueueService.NonExistentQueue" {
		return fmt.Errorf("%w: %v", notFound, err)
	}
	return err
}

// invokeAsync invokes a function with InvocationType Event, as EventBridge and SNS do.
func (s *Server) invokeAsync(ctx context.Context, arn string, payload []byte, notFound error) error {
	_, err := s.lambda.Invoke(ctx, &lambda.InvokeInput{FunctionName: arn, InvocationType: "Event", Payload: payload})
	var ae *lambda.APIError
	if errors.As(err, &ae) && ae.Code == lambda.CodeResourceNotFound {
		return fmt.Errorf("%w: %v", notFound, err)
	}
	return err
}

// queuePoller lets Lambda's event source mappings poll the SQS fake.
type queuePoller struct{ s *Server }

func (p queuePoller) Exists(queueArn string) bool {
	_, err := p.s.sqs.GetQueueAttributes(p.s.queueURL(queueArn), []string{"QueueArn"})
	return err == nil
}

func (p queuePoller) Receive(ctx context.Context, queueArn string, max int, wait time.Duration) ([]lambda.QueueMessage, error) {
	secs := int(wait / time.Second)
	out, err := p.s.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl: p.s.queueURL(queueArn), MaxNumberOfMessages: &max, WaitTimeSeconds: &secs,
		MessageSystemAttributeNames: []string{"All"}, MessageAttributeNames: []string{"All"},
	})
	if err != nil {
		return nil, err
	}
	msgs := make([]lambda.QueueMessage, 0, len(out.Messages))
	for _, m := range out.Messages {
		qm := lambda.QueueMessage{MessageID: m.MessageId, ReceiptHandle: m.ReceiptHandle, Body: m.Body, MD5OfBody: m.MD5OfBody, Attributes: m.Attributes}
		if len(m.MessageAttributes) > 0 {
			qm.MessageAttributes = map[string]lambda.QueueMessageAttribute{}
			for k, a := range m.MessageAttributes {
				qm.MessageAttributes[k] = lambda.QueueMessageAttribute{DataType: a.DataType, StringValue: a.StringValue, BinaryValue: a.BinaryValue}
			}
		}
		msgs = append(msgs, qm)
	}
	return msgs, nil
}

func (p queuePoller) Delete(_ context.Context, queueArn string, handles []string) error {
	var errs []error
	for _, h := range handles {
		errs = append(errs, p.s.sqs.DeleteMessage(p.s.queueURL(queueArn), h))
	}
	return errors.Join(errs...)
}

// maxStatusPayload is where Step Functions starts leaving input and output out of its events
// (248 KB of escaped input and output, EventBridge's event size limit).
const maxStatusPayload = 248 * 1024

// statusEvents puts a "Step Functions Execution Status Change" event on the default event bus
// for every status change of a Standard execution (Express executions emit none, as on AWS).
func (s *Server) statusEvents() api.Observer {
	return api.ObserverFunc(func(e api.ExecutionStatus) {
		if e.Express {
			return
		}
		detail := executionDetail(e)
		// On the default bus of the execution's region.
		_, _, err := s.events.ForArn(e.ExecutionArn).PutEvents([]events.Entry{{
			Source: "aws.states", DetailType: "Step Functions Execution Status Change", Detail: detail, HasDetail: true,
			Resources: []string{e.ExecutionArn},
		}})
		if err != nil {
			s.log.Warn("execution status event not put", zap.String("execution_arn", e.ExecutionArn), zap.Error(err))
		}
	})
}

// executionDetail renders the event's detail with AWS's fields in AWS's order.
func executionDetail(e api.ExecutionStatus) string {
	ms := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t.UnixMilli()
	}
	var input, output any = e.Input, nil
	inputDetails := map[string]bool{"included": true}
	var outputDetails any
	if e.HasOutput {
		output = e.Output
		outputDetails = map[string]bool{"included": true}
	}
	if len(e.Output) > maxStatusPayload {
		output, outputDetails = nil, map[string]bool{"included": false}
	}
	if len(e.Input)+len(e.Output) > maxStatusPayload {
		input, inputDetails = nil, map[string]bool{"included": false}
	}
	redriveStatus, reason := "NOT_REDRIVABLE", any("Execution is "+e.Status+" and cannot be redriven")
	switch e.Status {
	case "FAILED", "TIMED_OUT", "ABORTED":
		redriveStatus, reason = "REDRIVABLE", nil
	}
	var errField, cause any
	if e.Error != "" {
		errField = e.Error
	}
	if e.Cause != "" {
		cause = e.Cause
	}
	var redriveDate any
	type detail struct {
		ExecutionArn           string `json:"executionArn"`
		StateMachineArn        string `json:"stateMachineArn"`
		Name                   string `json:"name"`
		Status                 string `json:"status"`
		StartDate              any    `json:"startDate"`
		StopDate               any    `json:"stopDate"`
		Input                  any    `json:"input"`
		Output                 any    `json:"output"`
		StateMachineVersionArn any    `json:"stateMachineVersionArn"`
		StateMachineAliasArn   any    `json:"stateMachineAliasArn"`
		RedriveCount           int    `json:"redriveCount"`
		RedriveDate            any    `json:"redriveDate"`
		RedriveStatus          string `json:"redriveStatus"`
		RedriveStatusReason    any    `json:"redriveStatusReason"`
		InputDetails           any    `json:"inputDetails"`
		OutputDetails          any    `json:"outputDetails"`
		Error                  any    `json:"error"`
		Cause                  any    `json:"cause"`
	}
	b, _ := task.Encode(detail{
		ExecutionArn: e.ExecutionArn, StateMachineArn: e.StateMachineArn, Name: e.Name, Status: e.Status,
		StartDate: ms(e.StartDate), StopDate: ms(e.StopDate), Input: input, Output: output,
		RedriveCount: e.RedriveCount, RedriveDate: redriveDate, RedriveStatus: redriveStatus, RedriveStatusReason: reason,
		InputDetails: inputDetails, OutputDetails: outputDetails, Error: errField, Cause: cause,
	})
	return strings.TrimSpace(string(b))
}
