package sqs

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/awsproto"
)

const (
	targetPrefix = "AmazonSQS."
	contentType  = "application/x-amz-json-1.0"
	maxBody      = 2 << 20
)

// IsSQSRequest tells whether r is an SQS call in the AWS JSON 1.0 protocol.
func IsSQSRequest(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
}

// Handler serves the SQS JSON API.
func (s *Service) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requestID := uuid.NewString()
		defer func() {
			if p := recover(); p != nil {
				s.cfg.Logger.Error("sqs request panicked", zap.Any("panic", p))
				writeError(w, requestID, &Error{Status: 500, Code: "InternalFailure", Message: "internal error"})
			}
		}()
		if !IsSQSRequest(r) {
			writeError(w, requestID, &Error{Status: 400, Code: "UnknownOperationException", Message: ""})
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			writeError(w, requestID, &Error{Status: 413, Code: "RequestEntityTooLarge", Message: "Request body too large"})
			return
		}
		op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
		region := s.cfg.Region // unsigned requests: the default region
		if sc, ok := awsproto.ScopeOf(r); ok {
			region = sc.Region
		}
		out, err := s.Serve(WithRegion(r.Context(), region), "http://"+r.Host, op, body)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				s.cfg.Logger.Error("sqs request failed", zap.String("operation", op), zap.Error(err))
				e = &Error{Status: 500, Code: "InternalFailure", Message: err.Error()}
			}
			writeError(w, requestID, e)
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("x-amzn-RequestId", requestID)
		w.Header().Set("Content-Length", fmt.Sprint(len(out)))
		_, _ = w.Write(out)
	})
}

func writeError(w http.ResponseWriter, requestID string, e *Error) {
	typ := "Sender"
	if e.Status >= 500 {
		typ = "Receiver"
	}
	b, _ := json.Marshal(map[string]string{"__type": e.typeName(), "message": e.Message})
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("x-amzn-RequestId", requestID)
	w.Header().Set("x-amzn-query-error", e.Code+";"+typ)
	w.WriteHeader(e.Status)
	_, _ = w.Write(b)
}

// regionKey carries a request's region in its context.
type regionKey struct{}

// WithRegion returns ctx for a request signed for region: Serve creates, lists and finds the
// queues of that region (queues are kept per region, as on AWS).
func WithRegion(ctx context.Context, region string) context.Context {
	return context.WithValue(ctx, regionKey{}, region)
}

// Serve runs one JSON-protocol operation on its request body and returns the response body.
// base is the scheme and host that queue URLs in the response start with; the queues are those
// of the region of ctx (WithRegion), else of the default region.
func (s *Service) Serve(ctx context.Context, base, op string, body []byte) ([]byte, error) {
	region, _ := ctx.Value(regionKey{}).(string)
	if region == "" {
		region = s.cfg.Region
	}
	switch op {
	case "CreateQueue":
		var in CreateQueueInput
		if err := decode(body, &in); err != nil {
			return nil, err
		}
		u, err := s.createQueue(base, region, &in)
		if err != nil {
			return nil, err
		}
		return encode(map[string]string{"QueueUrl": u})
	case "GetQueueUrl":
		var in struct {
			QueueName              string
			QueueOwnerAWSAccountId string //nolint:revive // AWS's member name
		}
		if err := decode(body, &in); err != nil {
			return nil, err
		}
		if in.QueueOwnerAWSAccountId != "" && in.QueueOwnerAWSAccountId != s.cfg.AccountID {
			return nil, errNoQueue()
		}
		u, err := s.getQueueURL(base, region, in.QueueName)
		if err != nil {
			return nil, err
		}
		return encode(map[string]string{"QueueUrl": u})
	case "ListQueues":
		return s.serveListQueues(base, region, body)
	case "DeleteQueue", "PurgeQueue":
		var in struct{ QueueUrl string } //nolint:revive // AWS's member name
		if err := decode(body, &in); err != nil {
			return nil, err
		}
		in.QueueUrl = s.InRegion(in.QueueUrl, region)
		var err error
		if op == "DeleteQueue" {
			err = s.DeleteQueue(in.QueueUrl)
		} else {
			err = s.PurgeQueue(in.QueueUrl)
		}
		if err != nil {
			return nil, err
		}
		return []byte("{}"), nil
	case "GetQueueAttributes":
		var in struct {
			QueueUrl       string //nolint:revive // AWS's member name
			AttributeNames []string
		}
		if err := decode(body, &in); err != nil {
			return nil, err
		}
		in.QueueUrl = s.InRegion(in.QueueUrl, region)
		attrs, err := s.GetQueueAttributes(in.QueueUrl, in.AttributeNames)
		if err != nil {
			return nil, err
		}
		if len(attrs) == 0 {
			return []byte("{}"), nil
		}
		return encode(map[string]any{"Attributes": attrs})
	case "SetQueueAttributes":
		var in struct {
			QueueUrl   string //nolint:revive // AWS's member name
			Attributes map[string]string
		}
		if err := decode(body, &in); err != nil {
			return nil, err
		}
		in.QueueUrl = s.InRegion(in.QueueUrl, region)
		if err := s.SetQueueAttributes(in.QueueUrl, in.Attributes); err != nil {
			return nil, err
		}
		return []byte("{}"), nil
	case "SendMessage":
		var in SendMessageInput
		if err := decode(body, &in); err != nil {
			return nil, err
		}
		in.QueueUrl = s.InRegion(in.QueueUrl, region)
		out, err := s.SendMessage(&in)
		if err != nil {
			return nil, err
		}
		return encode(out)
	case "ReceiveMessage":
		var in ReceiveMessageInput
		if err := decode(body, &in); err != nil {
			return nil, err
		}
		in.QueueUrl = s.InRegion(in.QueueUrl, region)
		out, err := s.ReceiveMessage(ctx, &in)
		if err != nil {
			return nil, err
		}
		return encode(out)
	case "DeleteMessage", "ChangeMessageVisibility":
		var in struct {
			QueueUrl          string //nolint:revive // AWS's member name
			ReceiptHandle     string
			VisibilityTimeout *int
		}
		if err := decode(body, &in); err != nil {
			return nil, err
		}
		in.QueueUrl = s.InRegion(in.QueueUrl, region)
		var err error
		if op == "DeleteMessage" {
			err = s.DeleteMessage(in.QueueUrl, in.ReceiptHandle)
		} else {
			if in.VisibilityTimeout == nil {
				return nil, errMissing("VisibilityTimeout")
			}
			err = s.ChangeMessageVisibility(in.QueueUrl, in.ReceiptHandle, *in.VisibilityTimeout)
		}
		if err != nil {
			return nil, err
		}
		return []byte("{}"), nil
	}
	return nil, &Error{Status: 400, Code: "UnknownOperationException", Message: "An unknown operation was requested."}
}

func (s *Service) serveListQueues(base, region string, body []byte) ([]byte, error) {
	var in struct {
		QueueNamePrefix string
		NextToken       string
		MaxResults      *int
	}
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	urls := s.listQueues(base, region, in.QueueNamePrefix)
	if in.NextToken != "" {
		after, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		if err != nil {
			return nil, errInvalidParameter("Invalid NextToken value.")
		}
		i := 0
		for i < len(urls) && urls[i] <= string(after) {
			i++
		}
		urls = urls[i:]
	}
	out := map[string]any{}
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 1000 {
			return nil, errInvalidValue("MaxResults", *in.MaxResults, "Must be between 1 and 1000, if provided.")
		}
		if len(urls) > *in.MaxResults {
			urls = urls[:*in.MaxResults]
			out["NextToken"] = base64.RawURLEncoding.EncodeToString([]byte(urls[len(urls)-1]))
		}
	} else if len(urls) > 1000 {
		urls = urls[:1000]
	}
	if len(urls) > 0 {
		out["QueueUrls"] = urls
	}
	return encode(out)
}

// decode reads a JSON request body strictly enough to report wrong member types as AWS does.
func decode(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return &Error{Status: 400, Code: "SerializationException", Shape: "", Message: "Start of structure or map found where not expected."}
	}
	return nil
}

func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode sqs response: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
