package s3

import (
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/internal/clock"
)

type step struct {
	name    string
	method  string
	target  string // path and query
	host    string
	headers map[string]string
	body    string
	status  int
	// want are substrings of the response body; wantHeaders are exact header values.
	want        []string
	notWant     []string
	wantHeaders map[string]string
}

func newTestService() *Service {
	return New(Config{Clock: clock.NewFake(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))})
}

func serve(h http.Handler, st step) *httptest.ResponseRecorder {
	req := httptest.NewRequest(st.method, st.target, strings.NewReader(st.body))
	if st.host != "" {
		req.Host = st.host
	}
	for k, v := range st.headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// header reads a response header case-insensitively, including names set non-canonically.
func header(h http.Header, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

func runSteps(t *testing.T, h http.Handler, steps []step) {
	t.Helper()
	for _, st := range steps {
		rec := serve(h, st)
		require.Equal(t, st.status, rec.Code, "%s: %s", st.name, rec.Body.String())
		for _, w := range st.want {
			require.Contains(t, rec.Body.String(), w, st.name)
		}
		for _, w := range st.notWant {
			require.NotContains(t, rec.Body.String(), w, st.name)
		}
		for k, v := range st.wantHeaders {
			require.Equal(t, v, header(rec.Header(), k), "%s: header %s", st.name, k)
		}
		require.Len(t, rec.Header().Get("x-amz-request-id"), 16, st.name)
	}
}

// awsChunkedExample is the signed aws-chunked body of AWS's SigV4 streaming example (a 66560
// byte object of 'a's in chunks of 65536 and 1024 bytes).
func awsChunkedExample() string {
	return "10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n" +
		strings.Repeat("a", 65536) + "\r\n" +
		"400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n" +
		strings.Repeat("a", 1024) + "\r\n" +
		"0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n"
}

func TestBucketsAndObjects(t *testing.T) {
	t.Parallel()
	h := newTestService().Handler()
	runSteps(t, h, []step{
		{name: "no bucket", method: "GET", target: "/bk1?list-type=2", status: 404, want: []string{"<Code>NoSuchBucket</Code>", "<BucketName>bk1</BucketName>", "<RequestId>", "<HostId>"}},
		{name: "bad name", method: "PUT", target: "/Bad_Name", status: 400, want: []string{"InvalidBucketName"}},
		{name: "create", method: "PUT", target: "/bk1", status: 200, wantHeaders: map[string]string{"Location": "/bk1"}},
		{name: "create again us-east-1", method: "PUT", target: "/bk1", status: 200},
		{name: "create eu", method: "PUT", target: "/bk2", body: `<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>`, status: 200},
		{name: "create eu again", method: "PUT", target: "/bk2", body: `<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>`, status: 409, want: []string{"BucketAlreadyOwnedByYou"}},
		{name: "location", method: "GET", target: "/bk2?location", status: 200, want: []string{">eu-west-1</LocationConstraint>"}},
		{name: "head bucket", method: "HEAD", target: "/bk2", status: 200, wantHeaders: map[string]string{"x-amz-bucket-region": "eu-west-1"}},
		{name: "head missing bucket", method: "HEAD", target: "/nope", status: 404, wantHeaders: map[string]string{"Content-Length": "0"}},
		{name: "list buckets", method: "GET", target: "/", status: 200, want: []string{"<Name>bk1</Name>", "<Name>bk2</Name>", "<CreationDate>2026-01-02T03:04:05.000Z</CreationDate>"}},
		{name: "put", method: "PUT", target: "/bk1/dir/a.txt", body: "hello world",
			headers: map[string]string{"Content-Type": "text/plain", "X-Amz-Meta-Color": "blue", "x-amz-tagging": "k=v&a=b"}, status: 200,
			wantHeaders: map[string]string{"ETag": `"5eb63bbbe01eeed093cb22bb8f5acdc3"`, "x-amz-checksum-crc64nvme": "jSnVw/bqjr4=", "x-amz-checksum-type": "FULL_OBJECT"}},
		{name: "put crc32 header", method: "PUT", target: "/bk1/c.txt", body: "text data", headers: map[string]string{"x-amz-checksum-crc32": "0Q/6SA=="}, status: 200,
			wantHeaders: map[string]string{"x-amz-checksum-crc32": "0Q/6SA=="}},
		{name: "put bad crc32", method: "PUT", target: "/bk1/c.txt", body: "text data", headers: map[string]string{"x-amz-checksum-crc32": "AAAAAA=="}, status: 400,
			want: []string{"BadDigest", "The CRC32 you specified did not match the calculated checksum."}},
		{name: "put bad md5", method: "PUT", target: "/bk1/c.txt", body: "text data", headers: map[string]string{"Content-MD5": "AAAAAAAAAAAAAAAAAAAAAA=="}, status: 400, want: []string{"BadDigest"}},
		{name: "put signed chunked", method: "PUT", target: "/bk1/chunked", body: awsChunkedExample(),
			headers: map[string]string{"x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "Content-Encoding": "aws-chunked", "x-amz-decoded-content-length": "66560"}, status: 200},
		{name: "put unsigned trailer", method: "PUT", target: "/bk1/trailer", body: "5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n",
			headers: map[string]string{"x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "Content-Encoding": "aws-chunked", "x-amz-trailer": "x-amz-checksum-crc32", "x-amz-decoded-content-length": "11"}, status: 200,
			wantHeaders: map[string]string{"ETag": `"5eb63bbbe01eeed093cb22bb8f5acdc3"`, "x-amz-checksum-crc32": "DUoRhQ=="}},
		{name: "put bad trailer", method: "PUT", target: "/bk1/trailer", body: "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n",
			headers: map[string]string{"x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "Content-Encoding": "aws-chunked"}, status: 400, want: []string{"BadDigest"}},
		{name: "put truncated chunks", method: "PUT", target: "/bk1/trailer", body: "50\r\nhello",
			headers: map[string]string{"x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER"}, status: 400, want: []string{"IncompleteBody"}},
		{name: "get chunked", method: "GET", target: "/bk1/chunked", status: 200, wantHeaders: map[string]string{"Content-Length": "66560", "Content-Encoding": ""}},
		{name: "get", method: "GET", target: "/bk1/dir/a.txt", status: 200, want: []string{"hello world"},
			wantHeaders: map[string]string{"Content-Type": "text/plain", "x-amz-meta-color": "blue", "ETag": `"5eb63bbbe01eeed093cb22bb8f5acdc3"`,
				"Last-Modified": "Fri, 02 Jan 2026 03:04:05 GMT", "Accept-Ranges": "bytes", "x-amz-tagging-count": "2", "x-amz-checksum-crc64nvme": ""}},
		{name: "get checksum mode", method: "GET", target: "/bk1/dir/a.txt", headers: map[string]string{"x-amz-checksum-mode": "ENABLED"}, status: 200,
			wantHeaders: map[string]string{"x-amz-checksum-crc64nvme": "jSnVw/bqjr4="}},
		{name: "range", method: "GET", target: "/bk1/dir/a.txt", headers: map[string]string{"Range": "bytes=0-4"}, status: 206,
			wantHeaders: map[string]string{"Content-Range": "bytes 0-4/11", "Content-Length": "5"}},
		{name: "suffix range", method: "GET", target: "/bk1/dir/a.txt", headers: map[string]string{"Range": "bytes=-5"}, status: 206, want: []string{"world"},
			wantHeaders: map[string]string{"Content-Range": "bytes 6-10/11"}},
		{name: "open range past end", method: "GET", target: "/bk1/dir/a.txt", headers: map[string]string{"Range": "bytes=6-100"}, status: 206,
			wantHeaders: map[string]string{"Content-Range": "bytes 6-10/11"}},
		{name: "unsatisfiable range", method: "GET", target: "/bk1/dir/a.txt", headers: map[string]string{"Range": "bytes=11-"}, status: 416,
			want: []string{"<Code>InvalidRange</Code>", "<ActualObjectSize>11</ActualObjectSize>", "<RangeRequested>bytes=11-</RangeRequested>"}},
		{name: "malformed range ignored", method: "GET", target: "/bk1/dir/a.txt", headers: map[string]string{"Range": "bytes=x-y"}, status: 200},
		{name: "if-none-match", method: "GET", target: "/bk1/dir/a.txt", headers: map[string]string{"If-None-Match": `"5eb63bbbe01eeed093cb22bb8f5acdc3"`}, status: 304},
		{name: "if-match fails", method: "GET", target: "/bk1/dir/a.txt", headers: map[string]string{"If-Match": `"nope"`}, status: 412, want: []string{"PreconditionFailed"}},
		{name: "response overrides", method: "GET", target: "/bk1/dir/a.txt?response-content-type=application/json&response-content-disposition=attachment", status: 200,
			wantHeaders: map[string]string{"Content-Type": "application/json", "Content-Disposition": "attachment"}},
		{name: "head", method: "HEAD", target: "/bk1/dir/a.txt", status: 200, wantHeaders: map[string]string{"Content-Length": "11", "ETag": `"5eb63bbbe01eeed093cb22bb8f5acdc3"`}},
		{name: "head missing", method: "HEAD", target: "/bk1/nope", status: 404, wantHeaders: map[string]string{"Content-Length": "0"}},
		{name: "get missing", method: "GET", target: "/bk1/nope", status: 404, want: []string{"<Code>NoSuchKey</Code>", "<Key>nope</Key>", "<Message>The specified key does not exist.</Message>"}},
		{name: "tagging", method: "GET", target: "/bk1/dir/a.txt?tagging", status: 200, want: []string{"<Tag><Key>a</Key><Value>b</Value></Tag><Tag><Key>k</Key><Value>v</Value></Tag>"}},
		{name: "put tagging", method: "PUT", target: "/bk1/dir/a.txt?tagging", body: `<Tagging><TagSet><Tag><Key>x</Key><Value>y</Value></Tag></TagSet></Tagging>`, status: 200},
		{name: "tagging replaced", method: "GET", target: "/bk1/dir/a.txt?tagging", status: 200, want: []string{"<Key>x</Key>"}, notWant: []string{"<Key>k</Key>"}},
		{name: "delete tagging", method: "DELETE", target: "/bk1/dir/a.txt?tagging", status: 204},
		{name: "copy", method: "PUT", target: "/bk2/copy.txt", headers: map[string]string{"x-amz-copy-source": "/bk1/dir%2Fa.txt"}, status: 200,
			want: []string{"<CopyObjectResult", `<ETag>&#34;5eb63bbbe01eeed093cb22bb8f5acdc3&#34;</ETag>`}},
		{name: "copied metadata", method: "HEAD", target: "/bk2/copy.txt", status: 200, wantHeaders: map[string]string{"x-amz-meta-color": "blue", "Content-Type": "text/plain"}},
		{name: "copy replace", method: "PUT", target: "/bk2/copy.txt", headers: map[string]string{"x-amz-copy-source": "bk2/copy.txt", "x-amz-metadata-directive": "REPLACE", "Content-Type": "x/y"}, status: 200},
		{name: "replaced metadata", method: "HEAD", target: "/bk2/copy.txt", status: 200, wantHeaders: map[string]string{"x-amz-meta-color": "", "Content-Type": "x/y"}},
		{name: "copy onto itself", method: "PUT", target: "/bk2/copy.txt", headers: map[string]string{"x-amz-copy-source": "bk2/copy.txt"}, status: 400, want: []string{"InvalidRequest"}},
		{name: "copy missing source", method: "PUT", target: "/bk2/x", headers: map[string]string{"x-amz-copy-source": "bk1/nope"}, status: 404, want: []string{"NoSuchKey"}},
		{name: "delete bucket not empty", method: "DELETE", target: "/bk2", status: 409, want: []string{"BucketNotEmpty"}},
		{name: "delete objects", method: "POST", target: "/bk2?delete", body: `<Delete><Object><Key>copy.txt</Key></Object><Object><Key>never</Key></Object></Delete>`, status: 200,
			want: []string{"<Deleted><Key>copy.txt</Key></Deleted><Deleted><Key>never</Key></Deleted>"}},
		{name: "delete objects quiet", method: "POST", target: "/bk2?delete", body: `<Delete><Quiet>true</Quiet><Object><Key>x</Key></Object></Delete>`, status: 200, notWant: []string{"<Deleted>"}},
		{name: "delete objects malformed", method: "POST", target: "/bk2?delete", body: `<Delete>`, status: 400, want: []string{"MalformedXML"}},
		{name: "delete bucket", method: "DELETE", target: "/bk2", status: 204},
		{name: "delete object", method: "DELETE", target: "/bk1/dir/a.txt", status: 204},
		{name: "delete missing object", method: "DELETE", target: "/bk1/dir/a.txt", status: 204},
		{name: "gone", method: "GET", target: "/bk1/dir/a.txt", status: 404},
		{name: "unsupported subresource", method: "GET", target: "/bk1?acl", status: 501, want: []string{"NotImplemented"}},
		{name: "versioning", method: "GET", target: "/bk1?versioning", status: 200, want: []string{"<VersioningConfiguration"}},
		{name: "key too long", method: "PUT", target: "/bk1/" + strings.Repeat("k", 1025), status: 400, want: []string{"KeyTooLongError"}},
		{name: "method not allowed", method: "POST", target: "/bk1/x", status: 405},
		{name: "virtual-hosted put", method: "PUT", target: "/v.txt", host: "bk1.localhost:8083", body: "v", status: 200},
		{name: "virtual-hosted get", method: "GET", target: "/v.txt", host: "bk1.localhost", status: 200, want: []string{"v"}},
		{name: "path-style sees it", method: "GET", target: "/bk1/v.txt", status: 200},
		{name: "virtual-hosted list", method: "GET", target: "/?list-type=2", host: "bk1.s3.us-east-1.amazonaws.com", status: 200, want: []string{"<Key>v.txt</Key>"}},
		{name: "key with spaces and slashes", method: "PUT", target: "/bk1/a%20b//c%2Fd", body: "x", status: 200},
		{name: "listed raw", method: "GET", target: "/bk1?list-type=2&prefix=a", status: 200, want: []string{"<Key>a b//c/d</Key>"}},
		{name: "listed url-encoded", method: "GET", target: "/bk1?list-type=2&prefix=a&encoding-type=url", status: 200, want: []string{"<Key>a+b//c/d</Key>", "<EncodingType>url</EncodingType>"}},
	})
}

type listV2 struct {
	XMLName               xml.Name `xml:"ListBucketResult"`
	KeyCount              int
	IsTruncated           bool
	NextContinuationToken string
	NextMarker            string
	Contents              []struct{ Key string }
	CommonPrefixes        []struct{ Prefix string }
}

func TestListObjectsPaging(t *testing.T) {
	t.Parallel()
	s := newTestService()
	require.NoError(t, s.CreateBucket("bkt", ""))
	keys := []string{"a/1", "a/2", "a/3/x", "a/3/y", "a/4", "b", "c/1", "c/2", "d"}
	for _, k := range keys {
		_, err := s.PutObject("bkt", k, []byte(k), PutOptions{})
		require.NoError(t, err)
	}
	h := s.Handler()
	page := func(target string) listV2 {
		rec := serve(h, step{method: "GET", target: target})
		require.Equal(t, 200, rec.Code, rec.Body.String())
		var out listV2
		require.NoError(t, xml.Unmarshal(rec.Body.Bytes(), &out))
		return out
	}
	tests := []struct {
		name, query string
		v1          bool
		want        []string // keys, then "P:" common prefixes, page by page
	}{
		{name: "all", query: "", want: keys},
		{name: "delimiter", query: "&delimiter=/", want: []string{"b", "d", "P:a/", "P:c/"}},
		{name: "prefix and delimiter", query: "&prefix=a/&delimiter=/", want: []string{"a/1", "a/2", "a/4", "P:a/3/"}},
		{name: "paged by 2", query: "&max-keys=2", want: keys},
		{name: "paged by 1 with delimiter", query: "&max-keys=1&delimiter=/", want: []string{"P:a/", "b", "P:c/", "d"}},
		{name: "paged prefix delimiter", query: "&max-keys=2&prefix=a/&delimiter=/", want: []string{"a/1", "a/2", "P:a/3/", "a/4"}},
		{name: "start-after", query: "&start-after=c/1", want: []string{"c/2", "d"}},
		{name: "v1 paged", query: "&max-keys=2", v1: true, want: keys},
		{name: "v1 paged delimiter", query: "&max-keys=1&delimiter=/", v1: true, want: []string{"P:a/", "b", "P:c/", "d"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			token, marker := "", ""
			for range 20 {
				var p listV2
				if tc.v1 {
					p = page("/bkt?marker=" + marker + tc.query)
				} else {
					q := "/bkt?list-type=2" + tc.query
					if token != "" {
						q += "&continuation-token=" + token
					}
					p = page(q)
					require.Equal(t, len(p.Contents)+len(p.CommonPrefixes), p.KeyCount)
				}
				var keysOnPage []string
				for _, c := range p.Contents {
					keysOnPage = append(keysOnPage, c.Key)
				}
				// Keys and prefixes of a page interleave in key order.
				for _, cp := range p.CommonPrefixes {
					keysOnPage = append(keysOnPage, "P:"+cp.Prefix)
				}
				got = append(got, keysOnPage...)
				if !p.IsTruncated {
					break
				}
				token = p.NextContinuationToken
				marker = p.NextMarker
				if tc.v1 && marker == "" {
					marker = p.Contents[len(p.Contents)-1].Key
				}
			}
			require.ElementsMatch(t, tc.want, got)
		})
	}
	t.Run("max-keys 0", func(t *testing.T) {
		t.Parallel()
		p := page("/bkt?list-type=2&max-keys=0")
		require.Zero(t, p.KeyCount)
		require.False(t, p.IsTruncated)
	})
	t.Run("bad token", func(t *testing.T) {
		t.Parallel()
		rec := serve(h, step{method: "GET", target: "/bkt?list-type=2&continuation-token=zzz"})
		require.Equal(t, 400, rec.Code)
		require.Contains(t, rec.Body.String(), "InvalidArgument")
	})
	t.Run("bad max-keys", func(t *testing.T) {
		t.Parallel()
		rec := serve(h, step{method: "GET", target: "/bkt?list-type=2&max-keys=x"})
		require.Equal(t, 400, rec.Code)
	})
}

func TestMultipartUpload(t *testing.T) {
	t.Parallel()
	s := newTestService()
	require.NoError(t, s.CreateBucket("bkt", ""))
	h := s.Handler()
	rec := serve(h, step{method: "POST", target: "/bkt/big?uploads", headers: map[string]string{"x-amz-checksum-algorithm": "CRC32", "Content-Type": "text/csv"}})
	require.Equal(t, 200, rec.Code, rec.Body.String())
	require.Equal(t, "COMPOSITE", rec.Header().Get("x-amz-checksum-type"))
	var init struct{ UploadId string }
	require.NoError(t, xml.Unmarshal(rec.Body.Bytes(), &init))
	part1 := strings.Repeat("x", minPartSize)
	part2 := "tail"
	id := init.UploadId
	rec = serve(h, step{method: "PUT", target: "/bkt/big?partNumber=1&uploadId=" + id, body: part1, headers: map[string]string{"x-amz-checksum-crc32": checksum(CRC32, []byte(part1))}})
	require.Equal(t, 200, rec.Code, rec.Body.String())
	etag1 := rec.Header().Get("ETag")
	rec = serve(h, step{method: "PUT", target: "/bkt/big?partNumber=2&uploadId=" + id, body: part2})
	require.Equal(t, 200, rec.Code)
	etag2 := rec.Header().Get("ETag")
	rec = serve(h, step{method: "PUT", target: "/bkt/big?partNumber=3&uploadId=" + id, body: "zz"})
	require.Equal(t, 200, rec.Code)
	etag3 := rec.Header().Get("ETag")
	runSteps(t, h, []step{
		{name: "list parts", method: "GET", target: "/bkt/big?uploadId=" + id, status: 200, want: []string{"<PartNumber>1</PartNumber>", "<PartNumber>2</PartNumber>", "<Size>4</Size>", "<ChecksumCRC32>"}},
		{name: "list parts paged", method: "GET", target: "/bkt/big?max-parts=1&uploadId=" + id, status: 200, want: []string{"<IsTruncated>true</IsTruncated>", "<NextPartNumberMarker>1</NextPartNumberMarker>"}},
		{name: "list uploads", method: "GET", target: "/bkt?uploads", status: 200, want: []string{"<UploadId>" + id + "</UploadId>"}},
		{name: "wrong upload", method: "PUT", target: "/bkt/big?partNumber=1&uploadId=nope", body: "x", status: 404, want: []string{"NoSuchUpload"}},
		{name: "bad part number", method: "PUT", target: "/bkt/big?partNumber=0&uploadId=" + id, body: "x", status: 400, want: []string{"InvalidArgument"}},
		{name: "wrong etag", method: "POST", target: "/bkt/big?uploadId=" + id, status: 400, want: []string{"InvalidPart"},
			body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"00"</ETag></Part></CompleteMultipartUpload>`},
		{name: "out of order", method: "POST", target: "/bkt/big?uploadId=" + id, status: 400, want: []string{"InvalidPartOrder"},
			body: `<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>` + etag2 + `</ETag></Part><Part><PartNumber>1</PartNumber><ETag>` + etag1 + `</ETag></Part></CompleteMultipartUpload>`},
		{name: "too small", method: "POST", target: "/bkt/big?uploadId=" + id, status: 400, want: []string{"EntityTooSmall"},
			body: `<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>` + etag2 + `</ETag></Part><Part><PartNumber>3</PartNumber><ETag>` + etag3 + `</ETag></Part></CompleteMultipartUpload>`},
		{name: "complete", method: "POST", target: "/bkt/big?uploadId=" + id, status: 200,
			body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>` + etag1 + `</ETag></Part><Part><PartNumber>2</PartNumber><ETag>` + etag2 + `</ETag></Part></CompleteMultipartUpload>`,
			want: []string{multipartETag([]string{etag1, etag2})[1:33] + "-2", "<ChecksumType>COMPOSITE</ChecksumType>", "-2</ChecksumCRC32>"}},
		{name: "completed object", method: "HEAD", target: "/bkt/big", status: 200, wantHeaders: map[string]string{"Content-Length": "5242884", "Content-Type": "text/csv", "ETag": multipartETag([]string{etag1, etag2})}},
		{name: "upload gone", method: "GET", target: "/bkt/big?uploadId=" + id, status: 404, want: []string{"NoSuchUpload"}},
		{name: "get part 2", method: "GET", target: "/bkt/big?partNumber=2", status: 206, want: []string{"tail"},
			wantHeaders: map[string]string{"Content-Range": "bytes 5242880-5242883/5242884", "x-amz-mp-parts-count": "2", "Content-Length": "4"}},
		{name: "head part 1", method: "HEAD", target: "/bkt/big?partNumber=1", status: 206, wantHeaders: map[string]string{"Content-Length": "5242880", "x-amz-mp-parts-count": "2"}},
		{name: "part 3 of 2", method: "GET", target: "/bkt/big?partNumber=3", status: 416, want: []string{"InvalidPartNumber", "<ActualPartCount>2</ActualPartCount>"}},
		{name: "part and range", method: "GET", target: "/bkt/big?partNumber=1", headers: map[string]string{"Range": "bytes=0-1"}, status: 400, want: []string{"InvalidRequest"}},
	})
	obj, err := s.GetObject("bkt", "big")
	require.NoError(t, err)
	require.Equal(t, part1+part2, string(obj.Body))
	require.Equal(t, 2, obj.PartsCount)

	// Abort, and UploadPartCopy from a range of the object just made.
	u, err := s.CreateMultipartUpload("bkt", "copy", PutOptions{}, "")
	require.NoError(t, err)
	require.Equal(t, "FULL_OBJECT", u.ChecksumType)
	runSteps(t, h, []step{
		{name: "part copy", method: "PUT", target: "/bkt/copy?partNumber=1&uploadId=" + u.ID, headers: map[string]string{"x-amz-copy-source": "bkt/big", "x-amz-copy-source-range": "bytes=5242880-5242883"}, status: 200, want: []string{"<CopyPartResult"}},
		{name: "abort", method: "DELETE", target: "/bkt/copy?uploadId=" + u.ID, status: 204},
		{name: "aborted", method: "DELETE", target: "/bkt/copy?uploadId=" + u.ID, status: 404, want: []string{"NoSuchUpload"}},
	})
}

func TestMultipartETag(t *testing.T) {
	t.Parallel()
	// S3's multipart ETag: MD5 of the concatenated binary part MD5s, "-" part count.
	require.Equal(t, `"96e024ba2074fe77e8e965ba43a704be-2"`, multipartETag([]string{etag([]byte("a")), etag([]byte("b"))}))
}

func TestIsS3Request(t *testing.T) {
	t.Parallel()
	s := newTestService()
	require.NoError(t, s.CreateBucket("data", ""))
	tests := []struct {
		name, host, path string
		want             bool
	}{
		{"virtual host", "data.localhost:8083", "/k", true},
		{"virtual host unknown bucket", "other.localhost", "/", true},
		{"s3 label", "s3.localhost:8083", "/nothing-here", false},
		{"bucket under s3 label", "data.s3.localhost:8083", "/k", true},
		{"existing bucket", "127.0.0.1:8083", "/data/k", true},
		{"unknown path", "127.0.0.1:8083", "/nothing-here", false},
		{"root", "localhost:8083", "/", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("GET", tc.path, nil)
			r.Host = tc.host
			require.Equal(t, tc.want, s.IsS3Request(r))
		})
	}
}

func TestSinglePartNumber(t *testing.T) {
	t.Parallel()
	s := newTestService()
	require.NoError(t, s.CreateBucket("bkt", ""))
	_, err := s.PutObject("bkt", "k", []byte("whole"), PutOptions{})
	require.NoError(t, err)
	runSteps(t, s.Handler(), []step{
		{name: "part 1 is the object", method: "GET", target: "/bkt/k?partNumber=1", status: 200, want: []string{"whole"}, wantHeaders: map[string]string{"x-amz-mp-parts-count": ""}},
		{name: "part 2", method: "GET", target: "/bkt/k?partNumber=2", status: 416, want: []string{"InvalidPartNumber"}},
		{name: "bad part", method: "GET", target: "/bkt/k?partNumber=x", status: 400, want: []string{"InvalidArgument"}},
	})
}
