package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"sort"
	"strconv"
	"time"

	"github.com/sfnlocal/sfnlocal/internal/value"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// optimizedActions are the actions of the optimized integration
// (arn:aws:states:::dynamodb:<action>).
var optimizedActions = map[string]string{
	"getItem": "GetItem", "putItem": "PutItem", "deleteItem": "DeleteItem", "updateItem": "UpdateItem",
}

// sdkActions are the DynamoDB actions this fake serves through
// arn:aws:states:::aws-sdk:dynamodb:<action>.
var sdkActions = map[string]string{
	"getItem": "GetItem", "putItem": "PutItem", "deleteItem": "DeleteItem", "updateItem": "UpdateItem",
	"query": "Query", "scan": "Scan", "createTable": "CreateTable", "describeTable": "DescribeTable",
	"listTables": "ListTables", "deleteTable": "DeleteTable", "batchWriteItem": "BatchWriteItem",
	"batchGetItem": "BatchGetItem",
}

// modeledExceptions are the DynamoDB errors the AWS SDKs have classes for; any other error
// (notably ValidationException) surfaces as the service's base exception.
var modeledExceptions = map[string]bool{
	"ConditionalCheckFailedException": true, "ResourceNotFoundException": true,
	"ResourceInUseException": true, "ProvisionedThroughputExceededException": true,
	"ItemCollectionSizeLimitExceededException": true, "TransactionConflictException": true,
	"RequestLimitExceeded": true, "InternalServerErrorException": true, "LimitExceededException": true,
}

// Integration returns the task.Handler for the optimized integration
// `arn:aws:states:::dynamodb:getItem|putItem|deleteItem|updateItem` (registered as "dynamodb").
// Its output carries SdkHttpMetadata and SdkResponseMetadata, and its errors are
// DynamoDB.<Exception> with the Java SDK v1 cause, as Step Functions records them.
func (s *Service) Integration() task.Handler { return task.HandlerFunc(s.invokeOptimized) }

// SDKIntegration returns the task.Handler for `arn:aws:states:::aws-sdk:dynamodb:<action>`
// (registered as "aws-sdk:dynamodb"): the plain API output, errors DynamoDb.<Exception>.
func (s *Service) SDKIntegration() task.Handler { return task.HandlerFunc(s.invokeSDK) }

func unknownResource(req *task.Request) error {
	return &task.Failure{Name: "States.Runtime", Cause: fmt.Sprintf("The resource provided %s is not recognized. The value is not a valid resource ARN, or the resource is not available in this region.", req.Resource)}
}

func (s *Service) invokeOptimized(_ context.Context, req *task.Request) (any, error) {
	op, ok := optimizedActions[req.Action]
	if !ok || req.Pattern != task.RequestResponse {
		return nil, unknownResource(req)
	}
	params, _ := task.Plain(req.Parameters).(map[string]any)
	requestID := newRequestID()
	out, err := s.In(req.Region).Do(op, copyValue(params).(map[string]any)) // the execution's region
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return nil, err
		}
		name := e.Code
		if !modeledExceptions[name] {
			name = "AmazonDynamoDBException"
		}
		return nil, &task.Failure{
			Name:  "DynamoDB." + name,
			Cause: fmt.Sprintf("%s (Service: AmazonDynamoDBv2; Status Code: %d; Error Code: %s; Request ID: %s; Proxy: null)", e.Message, e.Status, e.Code, requestID),
		}
	}
	body, err := encode(out)
	if err != nil {
		return nil, err
	}
	for _, k := range []string{"Item", "Attributes"} { // getItem, and updateItem/deleteItem's ReturnValues
		if m, ok := out[k].(map[string]any); ok {
			out[k] = javaMap(m)
		}
	}
	out["SdkHttpMetadata"] = sdkHTTPMetadata(body, requestID, s.cfg.Clock.Now(), op == "GetItem")
	out["SdkResponseMetadata"] = map[string]any{"RequestId": requestID}
	return out, nil
}

// javaMap orders an item's attributes (and those of its M values, at any depth) as the Java
// SDK v1 hands them to Step Functions: a java.util.HashMap, in its iteration order
// (value.JavaHashOrder), which is how the SDK's other maps appear in AWS's recordings (every
// recorded SdkHttpMetadata.AllHttpHeaders). The members of an attribute value stay sorted.
func javaMap(m map[string]any) any {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	out := value.NewObject(len(names))
	for _, k := range value.JavaHashOrder(names) {
		out.Append(k, javaAttr(m[k]))
	}
	return out
}

// javaAttr orders the maps inside an attribute value ({"M": {...}}, {"L": [...]}).
func javaAttr(v any) any {
	av, ok := v.(map[string]any)
	if !ok {
		return v
	}
	c := make(map[string]any, len(av))
	for k, e := range av {
		switch x := e.(type) {
		case map[string]any:
			if k == "M" {
				c[k] = javaMap(x)
				continue
			}
		case []any:
			if k == "L" {
				l := make([]any, len(x))
				for i, it := range x {
					l[i] = javaAttr(it)
				}
				c[k] = l
				continue
			}
		}
		c[k] = e
	}
	return c
}

func (s *Service) invokeSDK(_ context.Context, req *task.Request) (any, error) {
	op, ok := sdkActions[req.Action]
	// AWS SDK integrations support Request Response and .waitForTaskToken (the interpreter
	// does the waiting), never .sync.
	if !ok || req.Pattern == task.Sync {
		return nil, unknownResource(req)
	}
	params, _ := task.Plain(req.Parameters).(map[string]any)
	out, err := s.In(req.Region).Do(op, copyValue(params).(map[string]any)) // the execution's region
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return nil, err
		}
		name := e.Code
		if !modeledExceptions[name] {
			name = "DynamoDbException"
		}
		return nil, &task.Failure{
			Name:  "DynamoDb." + name,
			Cause: fmt.Sprintf("%s (Service: DynamoDb, Status Code: %d, Request ID: %s)", e.Message, e.Status, newRequestID()),
		}
	}
	return out, nil
}

// sdkHTTPMetadata is the SdkHttpMetadata Step Functions' Java SDK adds to the output of the
// optimized integration. AWS's recordings spell the request-ID header x-amzn-requestid for
// GetItem and x-amzn-RequestId for the other actions; lower is set for GetItem.
func sdkHTTPMetadata(body []byte, requestID string, now time.Time, lower bool) any {
	idHeader := "x-amzn-RequestId"
	if lower {
		idHeader = "x-amzn-requestid"
	}
	return task.SdkHTTPMetadata(map[string]string{
		"Server":         "Server",
		"Connection":     "keep-alive",
		idHeader:         requestID,
		"x-amz-crc32":    strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10),
		"Content-Length": strconv.Itoa(len(body)),
		"Date":           task.HTTPDate(now),
		"Content-Type":   contentType,
	}, 200)
}
