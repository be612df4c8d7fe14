package sqs

import "fmt"

// Error is an SQS API error.
//
// Code is the query-protocol error code that AWS still sends in the x-amzn-query-error header
// and that the SDKs and Step Functions report (e.g. "AWS.SimpleQueueService.NonExistentQueue").
// Shape is the modelled exception shape of the JSON protocol (e.g. "QueueDoesNotExist"), or ""
// for errors the model does not name (MissingParameter, InvalidParameterValue), which Step
// Functions reports as SQS.AmazonSQSException.
type Error struct {
	Status  int
	Code    string
	Shape   string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// typeName is the JSON protocol "__type".
func (e *Error) typeName() string {
	if e.Shape != "" {
		return "com.amazonaws.sqs#" + e.Shape
	}
	return "com.amazonaws.sqs#" + e.Code
}

// exception is the Java SDK exception class name that Step Functions puts after "SQS.".
func (e *Error) exception() string {
	if e.Shape != "" {
		return e.Shape + "Exception"
	}
	return "AmazonSQSException"
}

func errMissing(param string) *Error {
	return &Error{Status: 400, Code: "MissingParameter", Message: "The request must contain the parameter " + param + "."}
}

func errInvalidParameter(msg string) *Error {
	return &Error{Status: 400, Code: "InvalidParameterValue", Message: msg}
}

func errInvalidValue(param string, value any, reason string) *Error {
	return errInvalidParameter(fmt.Sprintf("Value %v for parameter %s is invalid. Reason: %s", value, param, reason))
}

func errInvalidAttributeName(name string) *Error {
	return &Error{Status: 400, Code: "InvalidAttributeName", Shape: "InvalidAttributeName", Message: "Unknown Attribute " + name + "."}
}

func errInvalidAttributeValue(name string) *Error {
	return &Error{Status: 400, Code: "InvalidAttributeValue", Shape: "InvalidAttributeValue", Message: "Invalid value for the parameter " + name + "."}
}

func errNoQueue() *Error {
	return &Error{Status: 400, Code: "AWS.SimpleQueueService.NonExistentQueue", Shape: "QueueDoesNotExist", Message: "The specified queue does not exist."}
}

func errReceipt(handle string) *Error {
	return &Error{Status: 400, Code: "ReceiptHandleIsInvalid", Shape: "ReceiptHandleIsInvalid",
		Message: fmt.Sprintf("The input receipt handle \"%s\" is not a valid receipt handle.", handle)}
}

func errNotInflight() *Error {
	return &Error{Status: 400, Code: "AWS.SimpleQueueService.MessageNotInflight", Shape: "MessageNotInflight",
		Message: "Message does not exist or is not available for visibility timeout change."}
}
