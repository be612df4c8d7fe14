package batch

import (
	"errors"
	"fmt"
	"net/http"
)

// APIError is a Batch API error as AWS writes it: ClientException (HTTP 400) or
// ServerException (HTTP 500), with a message.
type APIError struct {
	Code    string
	Message string
	Status  int
}

func (e *APIError) Error() string { return e.Code + ": " + e.Message }

// Batch error codes (BOTO-BATCH).
const (
	CodeClientException = "ClientException"
	CodeServerException = "ServerException"
)

func clientErrorf(format string, args ...any) *APIError {
	return &APIError{Code: CodeClientException, Message: fmt.Sprintf(format, args...), Status: http.StatusBadRequest}
}

// asAPIError turns any error into the APIError written on the wire; anything that is not one
// already is a bug and becomes a ServerException.
func asAPIError(err error) *APIError {
	var e *APIError
	if errors.As(err, &e) {
		return e
	}
	return &APIError{Code: CodeServerException, Message: err.Error(), Status: http.StatusInternalServerError}
}
