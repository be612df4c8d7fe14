package sqs

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// Integration returns the task.Handler for `arn:aws:states:::sqs:sendMessage` and its
// `.waitForTaskToken` form (the handler sends; the interpreter waits for the token).
func (s *Service) Integration() task.Handler { return task.HandlerFunc(s.invoke) }

func (s *Service) invoke(_ context.Context, req *task.Request) (any, error) {
	if req.Action != "sendMessage" || req.Pattern == task.Sync {
		return nil, &task.Failure{Name: "States.Runtime", Cause: fmt.Sprintf("The resource provided %s is not recognized. The value is not a valid resource ARN, or the resource is not available in this region.", req.Resource)}
	}
	params, _ := task.Object(req.Parameters) // shallow: an object body keeps its key order
	requestID := uuid.NewString()
	in, err := sendInput(params)
	if err != nil {
		return nil, failure(err, requestID)
	}
	// The queue is the one of the execution's region (its ARN's), unless the URL names an AWS
	// endpoint, whose region it is.
	in.QueueUrl = s.InRegion(in.QueueUrl, req.Region)
	out, err := s.SendMessage(in)
	if err != nil {
		return nil, failure(err, requestID)
	}
	body, err := encode(out)
	if err != nil {
		return nil, err
	}
	res := map[string]any{
		"MD5OfMessageBody":    out.MD5OfMessageBody,
		"MessageId":           out.MessageId,
		"SdkHttpMetadata":     sdkHTTPMetadata(len(body), requestID, s.cfg.Clock.Now()),
		"SdkResponseMetadata": map[string]any{"RequestId": requestID},
	}
	if out.MD5OfMessageAttributes != "" {
		res["MD5OfMessageAttributes"] = out.MD5OfMessageAttributes
	}
	if out.MD5OfMessageSystemAttributes != "" {
		res["MD5OfMessageSystemAttributes"] = out.MD5OfMessageSystemAttributes
	}
	if out.SequenceNumber != "" {
		res["SequenceNumber"] = out.SequenceNumber
	}
	return res, nil
}

// failure turns an SQS error into the ASL error Step Functions reports, e.g.
// SQS.AmazonSQSException with "... (Service: AmazonSQS; Status Code: 400; Error Code:
// MissingParameter; Request ID: ...; Proxy: null)".
func failure(err error, requestID string) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	return &task.Failure{
		Name:  "SQS." + e.exception(),
		Cause: fmt.Sprintf("%s (Service: AmazonSQS; Status Code: %d; Error Code: %s; Request ID: %s; Proxy: null)", e.Message, e.Status, e.Code, requestID),
	}
}

// sendInput reads the Task's parameters. A MessageBody that is not a string is sent as its
// JSON text, as Step Functions does.
func sendInput(p map[string]any) (*SendMessageInput, error) {
	in := &SendMessageInput{
		QueueUrl:               task.Text(p["QueueUrl"]),
		MessageDeduplicationId: task.Text(p["MessageDeduplicationId"]),
		MessageGroupId:         task.Text(p["MessageGroupId"]),
	}
	switch b := p["MessageBody"].(type) {
	case nil:
	case string:
		in.MessageBody = b
	default:
		enc, err := task.Encode(b)
		if err != nil {
			return nil, fmt.Errorf("encode MessageBody: %w", err)
		}
		in.MessageBody = string(enc)
	}
	if d, ok := p["DelaySeconds"]; ok && d != nil {
		n, ok := d.(json.Number)
		i, err := n.Int64()
		if !ok || err != nil || i < -1<<31 || i > 1<<31-1 {
			return nil, errInvalidValue("DelaySeconds", task.Text(d), "Must be >= 0 and <= 900, if provided.")
		}
		v := int(i)
		in.DelaySeconds = &v
	}
	var err error
	if in.MessageAttributes, err = attributes(p["MessageAttributes"]); err != nil {
		return nil, err
	}
	if in.MessageSystemAttributes, err = attributes(p["MessageSystemAttributes"]); err != nil {
		return nil, err
	}
	return in, nil
}

func attributes(v any) (map[string]MessageAttributeValue, error) {
	m, ok := task.Object(v)
	if !ok || len(m) == 0 {
		return nil, nil
	}
	out := make(map[string]MessageAttributeValue, len(m))
	for k, raw := range m {
		a, _ := task.Object(raw)
		av := MessageAttributeValue{DataType: task.Text(a["DataType"]), StringValue: task.Text(a["StringValue"])}
		if b := task.Text(a["BinaryValue"]); b != "" {
			dec, err := base64.StdEncoding.DecodeString(b)
			if err != nil {
				return nil, errInvalidParameter(fmt.Sprintf("The message attribute '%s' has an invalid binary value.", k))
			}
			av.BinaryValue = dec
		}
		out[k] = av
	}
	return out, nil
}

// sdkHTTPMetadata is the SdkHttpMetadata of an SQS (awsJson 1.0) response.
func sdkHTTPMetadata(contentLength int, requestID string, now time.Time) any {
	return task.SdkHTTPMetadata(map[string]string{
		"x-amzn-RequestId": requestID,
		"connection":       "keep-alive",
		"Content-Length":   fmt.Sprint(contentLength),
		"Date":             task.HTTPDate(now),
		"Content-Type":     contentType,
	}, 200)
}
