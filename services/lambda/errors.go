package lambda

import (
	"fmt"
	"net/http"
)

// APIError is a Lambda API error as AWS writes it on the wire (rest-json): the code goes in the
// x-amzn-ErrorType header and the body is {"Type": "User", "Message": "..."}.
type APIError struct {
	Code    string
	Message string
	Status  int
}

func (e *APIError) Error() string { return e.Code + ": " + e.Message }

// Error codes of the Lambda API (botocore lambda service model).
const (
	CodeResourceNotFound      = "ResourceNotFoundException"
	CodeResourceConflict      = "ResourceConflictException"
	CodeInvalidParameterValue = "InvalidParameterValueException"
	CodeInvalidRequestContent = "InvalidRequestContentException"
	CodeValidation            = "ValidationException"
	CodeRequestTooLarge       = "RequestTooLargeException"
	CodeRequestEntityTooLarge = "RequestEntityTooLargeException"
	CodeService               = "ServiceException"
	CodeInvalidRuntime        = "InvalidRuntimeException"
	CodeUnsupportedMediaType  = "UnsupportedMediaTypeException"
	CodeResourceNotReady      = "ResourceNotReadyException"
	CodeTooManyRequests       = "TooManyRequestsException"
	CodePreconditionFailed    = "PreconditionFailedException"
	CodeUnknownOperation      = "UnknownOperationException"
	CodeInvalidZipFile        = "InvalidZipFileException"
	CodeCodeStorageExceeded   = "CodeStorageExceededException"
	CodeResourceInUse         = "ResourceInUseException"
	CodeEC2Unexpected         = "EC2UnexpectedException"
	CodeServiceUnavailable    = "ServiceUnavailableException"
)

func apiErr(status int, code, format string, args ...any) *APIError {
	return &APIError{Code: code, Message: fmt.Sprintf(format, args...), Status: status}
}

func errNotFound(format string, args ...any) *APIError {
	return apiErr(http.StatusNotFound, CodeResourceNotFound, format, args...)
}

func errConflict(format string, args ...any) *APIError {
	return apiErr(http.StatusConflict, CodeResourceConflict, format, args...)
}

func errInvalidParam(format string, args ...any) *APIError {
	return apiErr(http.StatusBadRequest, CodeInvalidParameterValue, format, args...)
}

// errValidation is AWS's message for a request member that breaks the model's constraints.
func errValidation(value, member, constraint string) *APIError {
	return apiErr(http.StatusBadRequest, CodeValidation,
		"1 validation error detected: Value %s at '%s' failed to satisfy constraint: %s", value, member, constraint)
}
