package s3

import (
	"fmt"
	"net/http"
)

// Error is an S3 API error: AWS's error code, message and HTTP status, plus the extra members
// some codes carry in their XML body (BucketName, Key, ActualObjectSize, ...).
type Error struct {
	Code    string // e.g. "NoSuchKey", "NoSuchBucket"
	Message string
	Status  int
	// Fields are extra elements of the XML error body, in order.
	Fields [][2]string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Is matches errors by Code, so errors.Is(err, s3.ErrNoSuchKey) holds for any NoSuchKey.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Sentinels for errors.Is; the errors the Service returns carry the bucket or key as well.
var (
	ErrNoSuchBucket = &Error{Code: "NoSuchBucket", Message: "The specified bucket does not exist", Status: http.StatusNotFound}
	ErrNoSuchKey    = &Error{Code: "NoSuchKey", Message: "The specified key does not exist.", Status: http.StatusNotFound}
	ErrNoSuchUpload = &Error{Code: "NoSuchUpload", Message: "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.", Status: http.StatusNotFound}
)

func errNoSuchBucket(bucket string) *Error {
	return &Error{Code: ErrNoSuchBucket.Code, Message: ErrNoSuchBucket.Message, Status: 404, Fields: [][2]string{{"BucketName", bucket}}}
}

func errNoSuchKey(key string) *Error {
	return &Error{Code: ErrNoSuchKey.Code, Message: ErrNoSuchKey.Message, Status: 404, Fields: [][2]string{{"Key", key}}}
}

func errNoSuchUpload(id string) *Error {
	return &Error{Code: ErrNoSuchUpload.Code, Message: ErrNoSuchUpload.Message, Status: 404, Fields: [][2]string{{"UploadId", id}}}
}

func errBucketOwned(bucket string) *Error {
	return &Error{Code: "BucketAlreadyOwnedByYou", Message: "Your previous request to create the named bucket succeeded and you already own it.", Status: http.StatusConflict, Fields: [][2]string{{"BucketName", bucket}}}
}

func errBucketNotEmpty(bucket string) *Error {
	return &Error{Code: "BucketNotEmpty", Message: "The bucket you tried to delete is not empty", Status: http.StatusConflict, Fields: [][2]string{{"BucketName", bucket}}}
}

func errInvalidBucketName(bucket string) *Error {
	return &Error{Code: "InvalidBucketName", Message: "The specified bucket is not valid.", Status: http.StatusBadRequest, Fields: [][2]string{{"BucketName", bucket}}}
}

func errInvalidArgument(msg, name, value string) *Error {
	return &Error{Code: "InvalidArgument", Message: msg, Status: http.StatusBadRequest, Fields: [][2]string{{"ArgumentName", name}, {"ArgumentValue", value}}}
}

func errInvalidRequest(msg string) *Error {
	return &Error{Code: "InvalidRequest", Message: msg, Status: http.StatusBadRequest}
}

func errInvalidRange(size int64, requested string) *Error {
	return &Error{Code: "InvalidRange", Message: "The requested range is not satisfiable", Status: http.StatusRequestedRangeNotSatisfiable,
		Fields: [][2]string{{"RangeRequested", requested}, {"ActualObjectSize", fmt.Sprint(size)}}}
}

func errBadDigest(alg string) *Error {
	if alg == "" {
		return &Error{Code: "BadDigest", Message: "The Content-MD5 you specified did not match what we received.", Status: http.StatusBadRequest}
	}
	return &Error{Code: "BadDigest", Message: fmt.Sprintf("The %s you specified did not match the calculated checksum.", alg), Status: http.StatusBadRequest}
}

func errMalformedXML() *Error {
	return &Error{Code: "MalformedXML", Message: "The XML you provided was not well-formed or did not validate against our published schema", Status: http.StatusBadRequest}
}

func errKeyTooLong() *Error {
	return &Error{Code: "KeyTooLongError", Message: "Your key is too long", Status: http.StatusBadRequest}
}

func errNotImplemented() *Error {
	return &Error{Code: "NotImplemented", Message: "A header you provided implies functionality that is not implemented", Status: http.StatusNotImplemented}
}

func errPreconditionFailed(cond string) *Error {
	return &Error{Code: "PreconditionFailed", Message: "At least one of the pre-conditions you specified did not hold", Status: http.StatusPreconditionFailed, Fields: [][2]string{{"Condition", cond}}}
}

func errInvalidPart(msg string) *Error {
	return &Error{Code: "InvalidPart", Message: msg, Status: http.StatusBadRequest}
}
