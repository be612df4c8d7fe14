package api

import (
	"errors"
	"fmt"
	"net/http"
)

// Error codes, copied from aws-sdk-go-v2/service/sfn/types/errors.go (ErrorCode methods), plus
// the awsJson1_0 protocol errors the Coral front end answers before an operation runs.
const (
	CodeActivityAlreadyExists          = "ActivityAlreadyExists"
	CodeActivityDoesNotExist           = "ActivityDoesNotExist"
	CodeActivityLimitExceeded          = "ActivityLimitExceeded"
	CodeActivityWorkerLimitExceeded    = "ActivityWorkerLimitExceeded"
	CodeConflictException              = "ConflictException"
	CodeExecutionAlreadyExists         = "ExecutionAlreadyExists"
	CodeExecutionDoesNotExist          = "ExecutionDoesNotExist"
	CodeExecutionLimitExceeded         = "ExecutionLimitExceeded"
	CodeExecutionNotRedrivable         = "ExecutionNotRedrivable"
	CodeInvalidArn                     = "InvalidArn"
	CodeInvalidDefinition              = "InvalidDefinition"
	CodeInvalidEncryptionConfiguration = "InvalidEncryptionConfiguration"
	CodeInvalidExecutionInput          = "InvalidExecutionInput"
	CodeInvalidLoggingConfiguration    = "InvalidLoggingConfiguration"
	CodeKmsInvalidState                = "KmsInvalidStateException"
	CodeInvalidName                    = "InvalidName"
	CodeInvalidOutput                  = "InvalidOutput"
	CodeInvalidToken                   = "InvalidToken"
	CodeInvalidTracingConfiguration    = "InvalidTracingConfiguration"
	CodeMissingRequiredParameter       = "MissingRequiredParameter"
	CodeResourceNotFound               = "ResourceNotFound"
	CodeServiceQuotaExceededException  = "ServiceQuotaExceededException"
	CodeStateMachineAlreadyExists      = "StateMachineAlreadyExists"
	CodeStateMachineDeleting           = "StateMachineDeleting"
	CodeStateMachineDoesNotExist       = "StateMachineDoesNotExist"
	CodeStateMachineLimitExceeded      = "StateMachineLimitExceeded"
	CodeStateMachineTypeNotSupported   = "StateMachineTypeNotSupported"
	CodeTaskDoesNotExist               = "TaskDoesNotExist"
	CodeTaskTimedOut                   = "TaskTimedOut"
	CodeTooManyTags                    = "TooManyTags"
	CodeValidationException            = "ValidationException"

	CodeUnknownOperation = "UnknownOperationException"
	CodeSerialization    = "SerializationException"
	CodeInternalFailure  = "InternalFailure"
)

// Namespaces of the __type discriminator. Service errors carry the Step Functions model's
// namespace; constraint and protocol errors come from the Coral framework.
const (
	nsService  = "com.amazonaws.swf.service.v2.model"
	nsValidate = "com.amazon.coral.validate"
	nsCoral    = "com.amazon.coral.service"
)

// Error is an API error as it goes on the wire: HTTP status, the __type code and a message.
// Handlers return it (or a core error that apiError maps to one).
type Error struct {
	Code    string
	Message string
	// Status is the HTTP status; 0 means 400.
	Status int
	// Reason is ValidationException's reason member, ResourceName ResourceNotFound's and
	// TooManyTags' resourceName member; both optional.
	Reason       string
	ResourceName string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func (e *Error) status() int {
	if e.Status == 0 {
		return http.StatusBadRequest
	}
	return e.Status
}

func (e *Error) typeName() string {
	switch e.Code {
	case CodeValidationException:
		return nsValidate + "#" + e.Code
	case CodeUnknownOperation, CodeSerialization, CodeInternalFailure:
		return nsCoral + "#" + e.Code
	}
	return nsService + "#" + e.Code
}

func newError(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Sentinels and typed errors of the execution core. The engine adapter wraps the interpreter's
// own errors in these; apiError maps them to wire errors.
var (
	ErrTaskTokenInvalid    = errors.New("invalid task token")
	ErrTaskDoesNotExist    = errors.New("task does not exist")
	ErrTaskTimedOut        = errors.New("task timed out")
	ErrTaskOutputBad       = errors.New("invalid task output")
	ErrExecutionNotRunning = errors.New("execution is not running")
)

// DefinitionError is a definition the engine refuses; Message is AWS's whole InvalidDefinition
// message ("Invalid State Machine Definition: '...'").
type DefinitionError struct{ Message string }

func (e *DefinitionError) Error() string { return e.Message }

// apiError is the one place that turns any error into a wire error.
func apiError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var de *DefinitionError
	switch {
	case errors.As(err, &de):
		return &Error{Code: CodeInvalidDefinition, Message: de.Message}
	case errors.Is(err, ErrTaskTokenInvalid):
		return newError(CodeInvalidToken, "Invalid Token: 'Invalid token'")
	case errors.Is(err, ErrTaskDoesNotExist):
		return newError(CodeTaskDoesNotExist, "Task Does Not Exist: 'Provided task does not exist anymore'")
	case errors.Is(err, ErrTaskTimedOut):
		return newError(CodeTaskTimedOut, "Task Timed Out: 'Provided task has timed out'")
	case errors.Is(err, ErrTaskOutputBad):
		// SendTaskSuccess words it in Jackson's terms; this is the fallback, without Go's text.
		return newError(CodeInvalidOutput, "Invalid Output: 'Output is not valid JSON'")
	}
	return &Error{Code: CodeInternalFailure, Message: "An internal error occurred.", Status: http.StatusInternalServerError}
}

// Constructors for the errors whose message text AWS fixes (recorded by LocalStack's
// aws.validated snapshots).

func errStateMachineDoesNotExist(arn string) *Error {
	return newError(CodeStateMachineDoesNotExist, "State Machine Does Not Exist: '%s'", arn)
}

func errExecutionDoesNotExist(arn string) *Error {
	return newError(CodeExecutionDoesNotExist, "Execution Does Not Exist: '%s'", arn)
}

func errActivityDoesNotExist(arn string) *Error {
	return newError(CodeActivityDoesNotExist, "Activity Does Not Exist: '%s'", arn)
}

func errInvalidArn(detail string) *Error {
	return newError(CodeInvalidArn, "Invalid Arn: '%s'", detail)
}

func errInvalidName(name string) *Error {
	return newError(CodeInvalidName, "Invalid Name: '%s'", name)
}

func errTypeNotSupported() *Error {
	return newError(CodeStateMachineTypeNotSupported, "This operation is not supported by this type of state machine")
}

// errTagResourceNotFound is the tagging operations' ResourceNotFound, whose message differs
// from the alias operations' (both as recorded).
func errTagResourceNotFound(arn string) *Error {
	return &Error{Code: CodeResourceNotFound, Message: fmt.Sprintf("Resource not found: '%s'", arn), ResourceName: arn}
}

func errResourceNotFound(arn string) *Error {
	return &Error{Code: CodeResourceNotFound, Message: "Request references a resource that does not exist.", ResourceName: arn}
}

func errInvalidPageToken() *Error {
	return newError(CodeInvalidToken, "Invalid Token: 'Invalid pagination token'")
}
