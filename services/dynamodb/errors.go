package dynamodb

import "fmt"

// Error is a DynamoDB API error: the exception name, its message and the HTTP status.
type Error struct {
	Code    string // e.g. "ValidationException", "ResourceNotFoundException"
	Message string
	Status  int
	// Item is the existing item a ConditionalCheckFailedException returns when the request set
	// ReturnValuesOnConditionCheckFailure to ALL_OLD.
	Item map[string]any
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// typeName is the __type AWS writes for the error.
func (e *Error) typeName() string {
	switch e.Code {
	case "ValidationException":
		return "com.amazon.coral.validate#ValidationException"
	case "UnknownOperationException", "SerializationException", "InternalFailure":
		return "com.amazon.coral.service#" + e.Code
	}
	return "com.amazonaws.dynamodb.v20120810#" + e.Code
}

func errValidation(format string, args ...any) *Error {
	return &Error{Code: "ValidationException", Message: fmt.Sprintf(format, args...), Status: 400}
}

func errNotFound() *Error {
	return &Error{Code: "ResourceNotFoundException", Message: "Requested resource not found", Status: 400}
}

func errConditionFailed() *Error {
	return &Error{Code: "ConditionalCheckFailedException", Message: "The conditional request failed", Status: 400}
}

func errInvalidParam(format string, args ...any) *Error {
	return errValidation("One or more parameter values were invalid: "+format, args...)
}
