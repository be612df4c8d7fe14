package sfnlocaltest_test

import (
	"context"
	"encoding/json"
	"io"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/sfnlocaltest"
)

// TestS3StateMachine runs a state machine that writes an object with aws-sdk:s3:putObject,
// reads it back with getObject and catches S3.NoSuchKeyException, against the S3 simulator
// on the same port; the test seeds and checks S3 with aws-sdk-go-v2.
func TestS3StateMachine(t *testing.T) {
	t.Parallel()
	srv := sfnlocaltest.New(t, sfnlocaltest.WithTime("instant"))
	ctx := context.Background()
	s3c := awss3.NewFromConfig(srv.AWSConfig())
	_, err := s3c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("reports")})
	require.NoError(t, err)

	const def = `{
	  "StartAt": "Write",
	  "States": {
	    "Write": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:putObject",
	      "Parameters": {"Bucket": "reports", "Key.$": "$.key", "Body.$": "$.report", "ContentType": "application/json"},
	      "ResultPath": "$.put", "Next": "Read"},
	    "Read": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
	      "Parameters": {"Bucket": "reports", "Key.$": "$.key"},
	      "ResultSelector": {"report.$": "States.StringToJson($.Body)", "type.$": "$.ContentType", "etag.$": "$.ETag"},
	      "ResultPath": "$.read", "Next": "Missing"},
	    "Missing": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
	      "Parameters": {"Bucket": "reports", "Key": "does/not/exist"},
	      "Catch": [{"ErrorEquals": ["S3.NoSuchKeyException"], "ResultPath": "$.missing", "Next": "Done"}],
	      "End": true},
	    "Done": {"Type": "Pass", "End": true}
	  }
	}`
	c := sfn.NewFromConfig(srv.AWSConfig())
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name: aws.String("s3-report"), Definition: aws.String(def), RoleArn: aws.String("arn:aws:iam::123456789012:role/sfn"),
	})
	require.NoError(t, err)
	ex, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn,
		Input: aws.String(`{"key":"daily/2026-01-02.json","report":{"orders":3,"total":42.5}}`)})
	require.NoError(t, err)
	require.NoError(t, srv.WaitExecution(ctx, *ex.ExecutionArn))
	d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: ex.ExecutionArn})
	require.NoError(t, err)
	require.Equal(t, types.ExecutionStatusSucceeded, d.Status, aws.ToString(d.Cause))

	var out struct {
		Put  struct{ ETag, ChecksumCRC32 string }
		Read struct {
			Report map[string]any
			Type   string
			ETag   string
		}
		Missing struct{ Error, Cause string }
	}
	require.NoError(t, json.Unmarshal([]byte(aws.ToString(d.Output)), &out))
	require.Equal(t, map[string]any{"orders": float64(3), "total": 42.5}, out.Read.Report)
	require.Equal(t, "application/json", out.Read.Type)
	require.Equal(t, out.Put.ETag, out.Read.ETag)
	require.NotEmpty(t, out.Put.ChecksumCRC32)
	require.Equal(t, "S3.NoSuchKeyException", out.Missing.Error)
	require.Contains(t, out.Missing.Cause, "The specified key does not exist. (Service: S3, Status Code: 404")

	// The object the state machine wrote, read with the Go SDK.
	got, err := s3c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("reports"), Key: aws.String("daily/2026-01-02.json")})
	require.NoError(t, err)
	body, err := io.ReadAll(got.Body)
	require.NoError(t, err)
	require.JSONEq(t, `{"orders":3,"total":42.5}`, string(body))
	require.Equal(t, out.Put.ETag, aws.ToString(got.ETag))
}
