// Command gobootstrap is a Lambda function built with aws-lambda-go, used by the tests of
// services/lambda as the bootstrap of a provided.al2023 function and as a container image's
// entry point. It echoes its event with the function name; {"fail": "msg"} returns an error.
package main

import (
	"context"
	"errors"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type event struct {
	Fail string `json:"fail"`
	Echo any    `json:"echo"`
}

type result struct {
	Echo      any    `json:"echo"`
	Function  string `json:"function"`
	RequestID string `json:"requestId"`
	Greeting  string `json:"greeting"`
}

// BadInput is a custom error type; its name becomes the errorType.
type BadInput struct{ msg string }

func (e *BadInput) Error() string { return e.msg }

func handle(ctx context.Context, ev event) (result, error) {
	if ev.Fail != "" {
		return result{}, &BadInput{ev.Fail}
	}
	lc, ok := lambdacontext.FromContext(ctx)
	if !ok {
		return result{}, errors.New("no lambda context")
	}
	os.Stderr.WriteString("go handler ran\n")
	return result{Echo: ev.Echo, Function: lambdacontext.FunctionName, RequestID: lc.AwsRequestID, Greeting: os.Getenv("GREETING")}, nil
}

func main() { lambda.Start(handle) }
