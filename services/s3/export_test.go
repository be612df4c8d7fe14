package s3

// Etag exposes etag to the external tests.
func Etag(s string) string { return etag([]byte(s)) }

var zeroTime = newTestService().now()
