// Package awsproto holds what every AWS wire protocol served on sfnlocal's one port shares:
// reading the SigV4 credential scope of a request, which names the service and the region the
// client signed for. Routing by it, rather than by URL shape alone, keeps an S3 bucket called
// "v1" or "2015-03-31" from colliding with the Batch or Lambda routes, and gives each request
// the region its client is configured for.
//
// It uses only the standard library: the signature itself is never checked (sfnlocal accepts
// any credentials), only the scope is parsed.
package awsproto

import (
	"net/http"
	"strings"
)

// Scope is the part of a SigV4 credential scope that routing needs.
type Scope struct {
	// AccessKey is the access key id the request was signed with.
	AccessKey string
	// Region is the signing region, e.g. "us-west-2".
	Region string
	// Service is the signing name, e.g. "states", "lambda", "s3", "batch", "logs".
	Service string
}

// ScopeOf returns the credential scope of r from its Authorization header
// (AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/s3/aws4_request, ...) or, for a
// presigned URL, from its X-Amz-Credential query parameter. ok is false for an unsigned
// request or an unreadable scope.
func ScopeOf(r *http.Request) (Scope, bool) {
	if auth := r.Header.Get("Authorization"); auth != "" {
		if strings.HasPrefix(auth, "AWS4-") {
			_, rest, found := strings.Cut(auth, "Credential=")
			if !found {
				return Scope{}, false
			}
			if i := strings.IndexAny(rest, ", "); i >= 0 {
				rest = rest[:i]
			}
			return parseCredential(rest)
		}
		return Scope{}, false
	}
	if c := r.URL.Query().Get("X-Amz-Credential"); c != "" {
		return parseCredential(c)
	}
	return Scope{}, false
}

// parseCredential reads AKID/date/region/service/aws4_request. A region that is not a
// region name (validRegion) makes the scope unreadable: services keep resources per region,
// durably with --data-dir, and a name is not an arbitrary string.
func parseCredential(c string) (Scope, bool) {
	parts := strings.Split(c, "/")
	if len(parts) != 5 || parts[4] != "aws4_request" || !validRegion(parts[2]) || parts[3] == "" {
		return Scope{}, false
	}
	return Scope{AccessKey: parts[0], Region: parts[2], Service: parts[3]}, true
}

// validRegion reports whether s can name a region: lower-case letters, digits and hyphens,
// at most 32 of them (AWS's names, us-east-1 or us-gov-west-1, and local ones a client may
// be configured with, such as "local").
func validRegion(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

// Partition returns the ARN partition of region: aws-cn for China, aws-us-gov for GovCloud,
// aws-iso and aws-iso-b for the isolated regions, aws otherwise.
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	case strings.HasPrefix(region, "us-iso-"):
		return "aws-iso"
	}
	return "aws"
}
