package s3

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

var fuzzMethods = []string{"GET", "PUT", "POST", "DELETE", "HEAD", "PATCH"}

// FuzzHandler sends arbitrary requests (method, target, a few headers, body) to a simulator
// holding one bucket with two objects and an upload in progress: the answer must be a success
// or a well-formed S3 XML error with a 3xx/4xx/501 status, never a 5xx otherwise or a panic.
func FuzzHandler(f *testing.F) {
	f.Add(uint8(0), "/fzz/a.txt", "bytes=0-3", "", "", "")
	f.Add(uint8(0), "/fzz?list-type=2&delimiter=/&max-keys=1&continuation-token=c2ZubG9jYWw6YS50eHQ", "", "", "", "")
	f.Add(uint8(0), "/fzz?prefix=d&marker=a&encoding-type=url", "", "", "", "")
	f.Add(uint8(1), "/fzz/new", "", "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "", "3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\n\r\n")
	f.Add(uint8(1), "/fzz/new", "", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "", "3;chunk-signature=x\r\nabc\r\n0;chunk-signature=y\r\n\r\n")
	f.Add(uint8(1), "/fzz/copy", "", "", "/fzz/a.txt", "")
	f.Add(uint8(1), "/fzz/dir/b?partNumber=1&uploadId=UPLOAD", "", "", "fzz/a.txt", "")
	f.Add(uint8(2), "/fzz?delete", "", "", "", "<Delete><Object><Key>a.txt</Key></Object></Delete>")
	f.Add(uint8(2), "/fzz/dir/b?uploadId=UPLOAD", "", "", "", "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>")
	f.Add(uint8(2), "/fzz/k?uploads", "", "", "", "")
	f.Add(uint8(1), "/fzz/a.txt?tagging", "", "", "", "<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>")
	f.Add(uint8(3), "/fzz/a.txt", "", "", "", "")
	f.Add(uint8(1), "/new-bucket", "", "", "", "<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>")
	f.Add(uint8(4), "/fzz/a.txt", "bytes=-0", "", "", "")
	f.Fuzz(func(t *testing.T, method uint8, target, rng, sha, copySrc, body string) {
		if !strings.HasPrefix(target, "/") || strings.ContainsAny(target, " \r\n#") {
			return
		}
		s := New(Config{})
		if err := s.CreateBucket("fzz", ""); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"a.txt", "dir/b"} {
			if _, err := s.PutObject("fzz", k, []byte("content of "+k), PutOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		u, err := s.CreateMultipartUpload("fzz", "dir/b", PutOptions{}, "")
		if err != nil {
			t.Fatal(err)
		}
		target = strings.ReplaceAll(target, "UPLOAD", u.ID)
		req, err := http.NewRequest(fuzzMethods[int(method)%len(fuzzMethods)], "http://localhost"+target, bytes.NewReader([]byte(body)))
		if err != nil {
			return
		}
		req.Header.Set("Range", rng)
		req.Header.Set("X-Amz-Content-Sha256", sha)
		if copySrc != "" {
			req.Header.Set("X-Amz-Copy-Source", copySrc)
		}
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		switch {
		case rec.Code < 300:
		case rec.Code >= 500 && rec.Code != http.StatusNotImplemented:
			t.Fatalf("%s %s: status %d: %s", req.Method, target, rec.Code, rec.Body.String())
		case rec.Code == http.StatusNotModified || req.Method == http.MethodHead:
		default:
			var e struct {
				Code      string
				RequestID string `xml:"RequestId"`
			}
			if err := xml.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Code == "" || e.RequestID == "" {
				t.Fatalf("%s %s: malformed error %d %q", req.Method, target, rec.Code, rec.Body.String())
			}
		}
	})
}
