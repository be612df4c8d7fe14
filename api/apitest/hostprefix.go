package apitest

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// DisableHostPrefix is an sfn.Options function, the Go SDK's equivalent of the CLI's
// AWS_DISABLE_HOST_PREFIX_INJECTION=true: StartSyncExecution and TestState then keep the
// endpoint's host instead of sending to "sync-<host>", which does not resolve locally.
//
//	client := sfn.New(opts, apitest.DisableHostPrefix)
func DisableHostPrefix(o *sfn.Options) {
	o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("DisableHostPrefix",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				return next.HandleInitialize(smithyhttp.DisableEndpointHostPrefix(ctx, true), in)
			}), middleware.Before)
	})
}
