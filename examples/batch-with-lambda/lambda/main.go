// Command lambda is the "Generate batch job input" function of AWS's "AWS Batch with Lambda"
// sample: real handler code, built with aws-lambda-go as a provided.al2023 bootstrap and run by
// sfnlocal's Lambda simulator. It returns {"batch_input": {...}}: the Batch job's Parameters.
package main

import (
	"context"
	"fmt"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// Output is what the function returns; the state machine passes batch_input to SubmitJob as
// Parameters, which Batch substitutes into the job's command (Ref::message).
type Output struct {
	BatchInput map[string]string `json:"batch_input"`
}

func handler(ctx context.Context, event map[string]any) (Output, error) {
	requestID := ""
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		requestID = lc.AwsRequestID
	}
	return Output{BatchInput: map[string]string{
		"message": fmt.Sprintf("input prepared by lambda request %s", requestID),
	}}, nil
}

func main() { lambda.Start(handler) }
