package dynamodb

import (
	"crypto/rand"
	"errors"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"strings"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/awsproto"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

const (
	targetPrefix = "DynamoDB_20120810."
	contentType  = "application/x-amz-json-1.0"
	maxBody      = 16 << 20
)

// IsDynamoDBRequest tells whether r is a DynamoDB call in the AWS JSON 1.0 protocol.
func IsDynamoDBRequest(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
}

// Handler serves the DynamoDB JSON API.
func (s *Service) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requestID := newRequestID()
		defer func() {
			if p := recover(); p != nil {
				s.cfg.Logger.Error("dynamodb request panicked", zap.Any("panic", p))
				writeError(w, requestID, &Error{Status: 500, Code: "InternalFailure", Message: "internal error"})
			}
		}()
		if !IsDynamoDBRequest(r) {
			writeError(w, requestID, &Error{Status: 400, Code: "UnknownOperationException"})
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			writeError(w, requestID, &Error{Status: 413, Code: "RequestEntityTooLarge", Message: "Request body too large"})
			return
		}
		op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
		svc := s // unsigned requests: the default region's tables
		if sc, ok := awsproto.ScopeOf(r); ok {
			svc = s.In(sc.Region)
		}
		out, err := svc.Serve(op, body)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				s.cfg.Logger.Error("dynamodb request failed", zap.String("operation", op), zap.Error(err))
				e = &Error{Status: 500, Code: "InternalFailure", Message: err.Error()}
			}
			writeError(w, requestID, e)
			return
		}
		writeBody(w, requestID, http.StatusOK, out)
	})
}

// Serve runs one JSON-protocol operation on its request body and returns the response body.
func (s *Service) Serve(op string, body []byte) ([]byte, error) {
	v, err := task.DecodePlain(body)
	in, ok := v.(map[string]any)
	if err != nil || (!ok && v != nil) {
		return nil, &Error{Status: 400, Code: "SerializationException", Message: "Start of structure or map found where not expected"}
	}
	if e := checkWireTypes(in); e != nil {
		return nil, e
	}
	out, err := s.Do(op, in)
	if err != nil {
		return nil, err
	}
	return encode(out)
}

// stringFields are the request members that must be JSON strings on the wire.
var stringFields = []string{
	"TableName", "ConditionExpression", "UpdateExpression", "KeyConditionExpression",
	"FilterExpression", "ProjectionExpression", "ReturnValues", "Select", "IndexName",
	"BillingMode", "ExclusiveStartTableName", "ReturnValuesOnConditionCheckFailure",
}

func checkWireTypes(in map[string]any) *Error {
	for _, f := range stringFields {
		if v, ok := in[f]; ok && v != nil {
			if _, ok := v.(string); !ok {
				return &Error{Status: 400, Code: "SerializationException", Message: "NUMBER_VALUE cannot be converted to String"}
			}
		}
	}
	return nil
}

func writeBody(w http.ResponseWriter, requestID string, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("x-amzn-RequestId", requestID)
	h.Set("x-amz-crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10))
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeError(w http.ResponseWriter, requestID string, e *Error) {
	m := map[string]any{"__type": e.typeName()}
	if e.Message != "" {
		m["message"] = e.Message
	}
	if e.Item != nil {
		m["Item"] = e.Item
	}
	b, err := encode(m)
	if err != nil {
		b = []byte(`{"__type":"com.amazon.coral.service#InternalFailure"}`)
	}
	writeBody(w, requestID, e.Status, b)
}

// newRequestID returns a request ID in DynamoDB's form: 52 upper-case letters and digits.
func newRequestID() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	var b [52]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}
