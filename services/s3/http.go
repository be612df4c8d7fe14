package s3

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"
)

// MaxObjectSize bounds one request body: S3's limit for a single PUT (5 GiB).
const MaxObjectSize = 5 << 30

// maxXMLBody bounds the XML documents requests carry (DeleteObjects, CompleteMultipartUpload).
const maxXMLBody = 4 << 20

// IsS3Request tells whether an unsigned request is meant for S3 without colliding with
// another service's routes: a virtual-hosted request (Host "bucket.localhost"), or a
// path-style request whose first path segment names an existing bucket.
func (s *Service) IsS3Request(r *http.Request) bool {
	if s.virtualBucket(r.Host) != "" {
		return true
	}
	seg, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if seg == "" {
		return false
	}
	_, ok := s.store.Bucket(seg)
	return ok
}

// virtualBucket returns the bucket a virtual-hosted Host header names, or "".
func (s *Service) virtualBucket(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(host)
	for _, base := range s.cfg.Hosts {
		// "bucket.localhost" and "bucket.s3.localhost" name a bucket; "s3.localhost" does not.
		if b, ok := strings.CutSuffix(host, "."+strings.ToLower(base)); ok && b != "" && b != "s3" {
			return strings.TrimSuffix(b, ".s3")
		}
	}
	if strings.HasSuffix(host, ".amazonaws.com") {
		for _, sep := range []string{".s3.", ".s3-"} {
			if i := strings.Index(host, sep); i > 0 {
				return host[:i]
			}
		}
	}
	return ""
}

// Handler serves the S3 REST API, path-style (/bucket/key) and virtual-hosted
// (Host: bucket.localhost, path /key).
func (s *Service) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := &responder{w: w, r: r, requestID: newRequestID(), hostID: newHostID()}
		h := w.Header()
		h.Set("x-amz-request-id", rw.requestID)
		h.Set("x-amz-id-2", rw.hostID)
		h.Set("Server", "AmazonS3")
		if r.ContentLength == 0 && strings.EqualFold(r.Header.Get("Expect"), "100-continue") {
			// net/http sends "100 Continue" only once a handler reads a non-empty body. botocore
			// waits for it before sending an empty body too, and reuses the connection wrongly
			// when the final response comes first: answer it as S3 does.
			w.WriteHeader(http.StatusContinue)
		}
		defer func() {
			if p := recover(); p != nil {
				s.cfg.Logger.Error("s3 request panicked", zap.Any("panic", p), zap.String("method", r.Method), zap.String("path", r.URL.Path))
				rw.error(&Error{Code: "InternalError", Message: "We encountered an internal error. Please try again.", Status: 500})
			}
		}()
		if err := s.serve(rw, r); err != nil {
			var e *Error
			if !errors.As(err, &e) {
				s.cfg.Logger.Error("s3 request failed", zap.Error(err))
				e = &Error{Code: "InternalError", Message: "We encountered an internal error. Please try again.", Status: 500}
			}
			rw.error(e)
		}
	})
}

type responder struct {
	w                 http.ResponseWriter
	r                 *http.Request
	requestID, hostID string
}

func (rw *responder) xml(status int, v any) error {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	if err := xml.NewEncoder(&buf).Encode(v); err != nil {
		return err
	}
	rw.w.Header().Set("Content-Type", "application/xml")
	rw.w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	rw.w.WriteHeader(status)
	_, _ = rw.w.Write(buf.Bytes())
	return nil
}

func (rw *responder) empty(status int) error {
	rw.w.Header().Set("Content-Length", "0")
	rw.w.WriteHeader(status)
	return nil
}

func (rw *responder) error(e *Error) {
	h := rw.w.Header()
	if rw.r.Method == http.MethodHead {
		// HEAD responses have no body: the status says it all.
		_ = rw.empty(e.Status)
		return
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	buf.WriteString("<Error><Code>")
	xmlEscape(&buf, e.Code)
	buf.WriteString("</Code><Message>")
	xmlEscape(&buf, e.Message)
	buf.WriteString("</Message>")
	for _, f := range e.Fields {
		buf.WriteString("<" + f[0] + ">")
		xmlEscape(&buf, f[1])
		buf.WriteString("</" + f[0] + ">")
	}
	buf.WriteString("<RequestId>" + rw.requestID + "</RequestId><HostId>" + rw.hostID + "</HostId></Error>")
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	rw.w.WriteHeader(e.Status)
	_, _ = rw.w.Write(buf.Bytes())
}

func xmlEscape(buf *bytes.Buffer, s string) { _ = xml.EscapeText(buf, []byte(s)) }

// subresources that select an operation S3 has but this simulator does not serve.
var unsupportedSubresources = []string{
	"acl", "policy", "cors", "lifecycle", "website", "logging", "replication",
	"encryption", "object-lock", "retention", "legal-hold", "publicAccessBlock", "ownershipControls",
	"analytics", "inventory", "metrics", "intelligent-tiering", "accelerate", "requestPayment",
	"restore", "select", "torrent", "versions", "attributes", "policyStatus", "session",
}

func (s *Service) serve(rw *responder, r *http.Request) error {
	bucket, key := s.virtualBucket(r.Host), ""
	path := r.URL.Path
	if bucket != "" {
		key = strings.TrimPrefix(path, "/")
	} else {
		bucket, key, _ = strings.Cut(strings.TrimPrefix(path, "/"), "/")
	}
	q := r.URL.Query()
	for _, sub := range unsupportedSubresources {
		if q.Has(sub) && !(sub == "versioning" && r.Method == http.MethodGet) {
			return errNotImplemented()
		}
	}
	switch {
	case bucket == "":
		if r.Method != http.MethodGet {
			return &Error{Code: "MethodNotAllowed", Message: "The specified method is not allowed against this resource.", Status: 405}
		}
		return s.listBuckets(rw, r)
	case key == "":
		return s.serveBucket(rw, r, bucket, q)
	default:
		return s.serveObject(rw, r, bucket, key, q)
	}
}

func methodNotAllowed() *Error {
	return &Error{Code: "MethodNotAllowed", Message: "The specified method is not allowed against this resource.", Status: 405}
}

func (s *Service) serveBucket(rw *responder, r *http.Request, bucket string, q url.Values) error {
	switch r.Method {
	case http.MethodPut:
		if q.Has("notification") {
			return s.putNotification(rw, r, bucket)
		}
		if q.Has("tagging") || q.Has("versioning") {
			return errNotImplemented()
		}
		body, err := readSmall(r)
		if err != nil {
			return err
		}
		var cfg createBucketConfiguration
		if len(bytes.TrimSpace(body)) > 0 {
			if err := xml.Unmarshal(body, &cfg); err != nil {
				return errMalformedXML()
			}
		}
		if err := s.CreateBucket(bucket, cfg.LocationConstraint); err != nil {
			return err
		}
		rw.w.Header().Set("Location", "/"+bucket)
		return rw.empty(200)
	case http.MethodDelete:
		if q.Has("tagging") {
			return errNotImplemented()
		}
		if err := s.DeleteBucket(bucket); err != nil {
			return err
		}
		return rw.empty(204)
	case http.MethodHead:
		loc, err := s.BucketLocation(bucket)
		if err != nil {
			return err
		}
		rw.w.Header().Set("x-amz-bucket-region", regionOf(loc))
		return rw.empty(200)
	case http.MethodPost:
		if q.Has("delete") {
			return s.deleteObjects(rw, r, bucket)
		}
		return methodNotAllowed()
	case http.MethodGet:
		switch {
		case q.Has("notification"):
			cfg, err := s.BucketNotificationConfiguration(bucket)
			if err != nil {
				return err
			}
			return rw.xml(200, notificationXML(cfg))
		case q.Has("location"):
			loc, err := s.BucketLocation(bucket)
			if err != nil {
				return err
			}
			return rw.xml(200, locationConstraint{Xmlns: xmlns, Value: loc})
		case q.Has("versioning"):
			if err := s.HeadBucket(bucket); err != nil {
				return err
			}
			return rw.xml(200, versioningConfiguration{Xmlns: xmlns})
		case q.Has("uploads"):
			return s.listUploads(rw, bucket, q)
		case q.Has("tagging"):
			if err := s.HeadBucket(bucket); err != nil {
				return err
			}
			return &Error{Code: "NoSuchTagSet", Message: "The TagSet does not exist", Status: 404, Fields: [][2]string{{"BucketName", bucket}}}
		case q.Get("list-type") == "2":
			return s.listObjects(rw, bucket, q, true)
		default:
			return s.listObjects(rw, bucket, q, false)
		}
	}
	return methodNotAllowed()
}

func regionOf(loc string) string {
	if loc == "" {
		return "us-east-1"
	}
	return loc
}

func (s *Service) listBuckets(rw *responder, r *http.Request) error {
	out := listAllMyBucketsResult{Xmlns: xmlns, Owner: s.owner()}
	for _, b := range s.ListBuckets() {
		loc, _ := s.BucketLocation(b.Name)
		out.Buckets = append(out.Buckets, xmlBucket{Name: b.Name, CreationDate: isoTime(b.Created), BucketRegion: regionOf(loc)})
	}
	return rw.xml(200, out)
}

func (s *Service) owner() owner {
	return owner{ID: "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a", DisplayName: "sfnlocal"}
}

// listObjects serves ListObjects (v1) and ListObjectsV2.
func (s *Service) listObjects(rw *responder, bucket string, q url.Values, v2 bool) error {
	maxKeys := 1000
	if mk := q.Get("max-keys"); mk != "" {
		n, err := strconv.Atoi(mk)
		if err != nil {
			return errInvalidArgument("Provided max-keys not an integer or within integer range", "max-keys", mk)
		}
		if n < 0 {
			return errInvalidArgument("Argument maxKeys must be an integer between 0 and 2147483647", "maxKeys", mk)
		}
		maxKeys = min(n, 1000)
	}
	enc := q.Get("encoding-type")
	if enc != "" && enc != "url" {
		return errInvalidArgument("Invalid Encoding Method specified in Request", "encoding-type", enc)
	}
	in := ListInput{Prefix: q.Get("prefix"), Delimiter: q.Get("delimiter"), MaxKeys: maxKeys}
	if maxKeys == 0 {
		in.MaxKeys = -1
	}
	out := listBucketResult{Xmlns: xmlns, Name: bucket, MaxKeys: maxKeys, EncodingType: enc}
	encode := func(s string) string {
		if enc == "url" {
			return urlEncode(s)
		}
		return s
	}
	if v2 {
		in.After = q.Get("start-after")
		if tok := q.Get("continuation-token"); q.Has("continuation-token") {
			after, err := decodeToken(tok)
			if err != nil {
				return errInvalidArgument("The continuation token provided is incorrect", "continuation-token", tok)
			}
			in.After = after
			out.ContinuationToken = tok
		}
		out.StartAfter = encode(q.Get("start-after"))
	} else {
		in.After = q.Get("marker")
		m := encode(in.After)
		out.Marker = &m
	}
	res, err := s.ListObjects(bucket, in)
	if err != nil {
		return err
	}
	out.Prefix, out.Delimiter = encode(in.Prefix), encode(in.Delimiter)
	out.IsTruncated = res.IsTruncated
	fetchOwner := !v2 || q.Get("fetch-owner") == "true"
	for _, o := range res.Objects {
		c := xmlContents{Key: encode(o.Key), LastModified: isoTime(o.LastModified), ETag: o.ETag, Size: o.Size(), StorageClass: "STANDARD"}
		for _, alg := range checksumAlgorithms {
			if _, ok := o.Checksums[alg]; ok {
				c.ChecksumAlgorithm, c.ChecksumType = alg, o.ChecksumType
				break
			}
		}
		if fetchOwner {
			ow := s.owner()
			c.Owner = &ow
		}
		out.Contents = append(out.Contents, c)
	}
	for _, p := range res.CommonPrefixes {
		out.CommonPrefixes = append(out.CommonPrefixes, xmlPrefix{Prefix: encode(p)})
	}
	if v2 {
		n := len(res.Objects) + len(res.CommonPrefixes)
		out.KeyCount = &n
		if res.IsTruncated {
			out.NextContinuationToken = encodeToken(res.Next)
		}
	} else if res.IsTruncated && in.Delimiter != "" {
		out.NextMarker = encode(res.Next)
	}
	return rw.xml(200, out)
}

// encodeToken makes an opaque ListObjectsV2 continuation token of the key to resume after.
func encodeToken(after string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("sfnlocal:" + after))
}

func decodeToken(tok string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return "", err
	}
	after, ok := strings.CutPrefix(string(b), "sfnlocal:")
	if !ok {
		return "", errors.New("bad token")
	}
	return after, nil
}

// urlEncode is the encoding of encoding-type=url: query escaping, keeping '/' as is.
func urlEncode(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "%2F", "/")
}

func (s *Service) deleteObjects(rw *responder, r *http.Request, bucket string) error {
	body, err := readSmall(r)
	if err != nil {
		return err
	}
	var req deleteRequest
	if err := xml.Unmarshal(body, &req); err != nil || len(req.Objects) == 0 || len(req.Objects) > 1000 {
		return errMalformedXML()
	}
	keys := make([]string, len(req.Objects))
	for i, o := range req.Objects {
		keys[i] = o.Key
	}
	results, err := s.DeleteObjects(bucket, keys)
	if err != nil {
		return err
	}
	out := deleteResult{Xmlns: xmlns}
	for _, res := range results {
		if res.Err != nil {
			out.Errors = append(out.Errors, xmlDeleteError{Key: res.Key, Code: res.Err.Code, Message: res.Err.Message})
			continue
		}
		if !req.Quiet {
			out.Deleted = append(out.Deleted, struct {
				Key string `xml:"Key"`
			}{res.Key})
		}
	}
	return rw.xml(200, out)
}

// readSmall reads a request's XML document (decoding aws-chunked).
func readSmall(r *http.Request) ([]byte, error) {
	body, _, err := readBody(r, maxXMLBody)
	return body, err
}

// readBody reads a request body up to limit bytes, decoding the aws-chunked encoding, and
// returns it with the checksums sent as headers or trailers (algorithm → base64).
func readBody(r *http.Request, limit int64) ([]byte, map[string]string, error) {
	var body []byte
	var trailers map[string]string
	var err error
	if r.ContentLength > limit {
		return nil, nil, errEntityTooLarge(r.ContentLength, limit)
	}
	if isChunked(r.Header) {
		body, trailers, err = decodeChunked(io.LimitReader(r.Body, limit+limit/8+1<<20), limit)
		if err != nil {
			return nil, nil, &Error{Code: "IncompleteBody", Message: "The request body terminated unexpectedly", Status: 400}
		}
		if dl := r.Header.Get("X-Amz-Decoded-Content-Length"); dl != "" && dl != strconv.Itoa(len(body)) {
			return nil, nil, &Error{Code: "IncompleteBody", Message: "You did not provide the number of bytes specified by the Content-Length HTTP header", Status: 400}
		}
	} else {
		var buf bytes.Buffer
		if r.ContentLength > 0 {
			// Trust the declared length only so far: it costs memory before any byte arrives.
			buf.Grow(int(min(r.ContentLength, 64<<20)) + 1)
		}
		_, err = buf.ReadFrom(io.LimitReader(r.Body, limit+1))
		body = buf.Bytes()
		if err != nil {
			return nil, nil, &Error{Code: "IncompleteBody", Message: "The request body terminated unexpectedly", Status: 400}
		}
		if int64(len(body)) > limit {
			return nil, nil, errEntityTooLarge(int64(len(body)), limit)
		}
	}
	sums := map[string]string{}
	for _, alg := range checksumAlgorithms {
		name := "x-amz-checksum-" + strings.ToLower(alg)
		if v := r.Header.Get(name); v != "" {
			sums[alg] = v
		}
		if v, ok := trailers[name]; ok {
			sums[alg] = v
		}
	}
	return body, sums, nil
}

func errEntityTooLarge(size, limit int64) *Error {
	return &Error{Code: "EntityTooLarge", Message: "Your proposed upload exceeds the maximum allowed size", Status: 400,
		Fields: [][2]string{{"ProposedSize", strconv.FormatInt(size, 10)}, {"MaxSizeAllowed", strconv.FormatInt(limit, 10)}}}
}

func (s *Service) serveObject(rw *responder, r *http.Request, bucket, key string, q url.Values) error {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		switch {
		case q.Has("uploadId") && r.Method == http.MethodGet:
			return s.listParts(rw, bucket, key, q)
		case q.Has("tagging") && r.Method == http.MethodGet:
			obj, err := s.GetObject(bucket, key)
			if err != nil {
				return err
			}
			return rw.xml(200, tagging{Xmlns: xmlns, TagSet: tagList(obj.Tags)})
		}
		return s.getObject(rw, r, bucket, key, q)
	case http.MethodPut:
		switch {
		case q.Has("uploadId"):
			return s.uploadPart(rw, r, bucket, key, q)
		case q.Has("tagging"):
			body, err := readSmall(r)
			if err != nil {
				return err
			}
			var t tagging
			if err := xml.Unmarshal(body, &t); err != nil {
				return errMalformedXML()
			}
			tags := map[string]string{}
			for _, tg := range t.TagSet {
				tags[tg.Key] = tg.Value
			}
			if err := s.PutObjectTagging(bucket, key, tags); err != nil {
				return err
			}
			return rw.empty(200)
		case r.Header.Get("X-Amz-Copy-Source") != "":
			return s.copyObject(rw, r, bucket, key)
		}
		return s.putObject(rw, r, bucket, key)
	case http.MethodDelete:
		switch {
		case q.Has("uploadId"):
			if err := s.AbortMultipartUpload(bucket, key, q.Get("uploadId")); err != nil {
				return err
			}
			return rw.empty(204)
		case q.Has("tagging"):
			if err := s.PutObjectTagging(bucket, key, nil); err != nil {
				return err
			}
			return rw.empty(204)
		}
		if err := s.DeleteObject(bucket, key); err != nil {
			return err
		}
		return rw.empty(204)
	case http.MethodPost:
		switch {
		case q.Has("uploads"):
			return s.createUpload(rw, r, bucket, key)
		case q.Has("uploadId"):
			return s.completeUpload(rw, r, bucket, key, q)
		}
	}
	return methodNotAllowed()
}

func tagList(tags map[string]string) []xmlTag {
	out := []xmlTag{}
	for _, k := range sortedKeys(tags) {
		out = append(out, xmlTag{Key: k, Value: tags[k]})
	}
	return out
}

// putOptions reads PutObject's and CreateMultipartUpload's headers.
func putOptions(r *http.Request) (PutOptions, error) {
	h := r.Header
	opts := PutOptions{
		ContentType: h.Get("Content-Type"), ContentDisposition: h.Get("Content-Disposition"),
		ContentLanguage: h.Get("Content-Language"), CacheControl: h.Get("Cache-Control"), Expires: h.Get("Expires"),
		ChecksumAlgorithm: h.Get("X-Amz-Sdk-Checksum-Algorithm"), ContentMD5: h.Get("Content-Md5"),
	}
	if a := h.Get("X-Amz-Checksum-Algorithm"); a != "" {
		opts.ChecksumAlgorithm = a
	}
	var encs []string
	for _, ce := range strings.Split(h.Get("Content-Encoding"), ",") {
		if ce = strings.TrimSpace(ce); ce != "" && ce != "aws-chunked" {
			encs = append(encs, ce)
		}
	}
	opts.ContentEncoding = strings.Join(encs, ",")
	opts.Metadata = map[string]string{}
	for name, vals := range h {
		if m, ok := strings.CutPrefix(strings.ToLower(name), "x-amz-meta-"); ok {
			opts.Metadata[m] = strings.Join(vals, ",")
		}
	}
	if t := h.Get("X-Amz-Tagging"); t != "" {
		v, err := url.ParseQuery(t)
		if err != nil {
			return opts, errInvalidArgument("The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.", "x-amz-tagging", t)
		}
		opts.Tags = map[string]string{}
		for k := range v {
			opts.Tags[k] = v.Get(k)
		}
	}
	return opts, nil
}

func (s *Service) putObject(rw *responder, r *http.Request, bucket, key string) error {
	opts, err := putOptions(r)
	if err != nil {
		return err
	}
	body, sums, err := readBody(r, MaxObjectSize)
	if err != nil {
		return err
	}
	opts.Checksums = sums
	obj, err := s.PutObject(bucket, key, body, opts)
	if err != nil {
		return err
	}
	h := rw.w.Header()
	h.Set("ETag", obj.ETag)
	h.Set("x-amz-server-side-encryption", "AES256")
	setChecksumHeaders(h, obj)
	return rw.empty(200)
}

func setChecksumHeaders(h http.Header, obj *Object) {
	for _, alg := range checksumAlgorithms {
		if v, ok := obj.Checksums[alg]; ok {
			h.Set("x-amz-checksum-"+strings.ToLower(alg), v)
		}
	}
	if len(obj.Checksums) > 0 {
		h.Set("x-amz-checksum-type", obj.ChecksumType)
	}
}

// parseRange reads a single "bytes=first-last", "bytes=first-" or "bytes=-suffix" range
// against size. ok is false when the header is to be ignored (absent, malformed, several
// ranges), as S3 then returns the whole object; err is InvalidRange when unsatisfiable.
func parseRange(header string, size int64) (start, end int64, ok bool, err error) {
	spec, found := strings.CutPrefix(strings.TrimSpace(header), "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false, nil
	}
	a, b, found := strings.Cut(spec, "-")
	if !found {
		return 0, 0, false, nil
	}
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	switch {
	case a == "" && b == "":
		return 0, 0, false, nil
	case a == "":
		n, perr := strconv.ParseInt(b, 10, 64)
		if perr != nil || n < 0 {
			return 0, 0, false, nil
		}
		if n == 0 || size == 0 {
			return 0, 0, false, errInvalidRange(size, header)
		}
		return max(size-n, 0), size - 1, true, nil
	}
	first, perr := strconv.ParseInt(a, 10, 64)
	if perr != nil || first < 0 {
		return 0, 0, false, nil
	}
	last := size - 1
	if b != "" {
		l, perr := strconv.ParseInt(b, 10, 64)
		if perr != nil || l < first {
			return 0, 0, false, nil
		}
		last = min(l, size-1)
	}
	if first >= size {
		return 0, 0, false, errInvalidRange(size, header)
	}
	return first, last, true, nil
}

// checkConditions applies If-Match, If-None-Match, If-Modified-Since and If-Unmodified-Since;
// notModified is set for a 304.
func checkConditions(h http.Header, obj *Object) (notModified bool, err error) {
	lm := obj.LastModified.Truncate(time.Second)
	im, inm := h.Get("If-Match"), h.Get("If-None-Match")
	if im != "" {
		if !etagMatches(im, obj.ETag) {
			return false, errPreconditionFailed("If-Match")
		}
	} else if ius := h.Get("If-Unmodified-Since"); ius != "" {
		if t, err := http.ParseTime(ius); err == nil && lm.After(t) {
			return false, errPreconditionFailed("If-Unmodified-Since")
		}
	}
	if inm != "" {
		if etagMatches(inm, obj.ETag) {
			return true, nil
		}
	} else if ims := h.Get("If-Modified-Since"); ims != "" {
		if t, err := http.ParseTime(ims); err == nil && !lm.After(t) {
			return true, nil
		}
	}
	return false, nil
}

func etagMatches(cond, etag string) bool {
	for _, c := range strings.Split(cond, ",") {
		c = strings.TrimSpace(c)
		if c == "*" || strings.Trim(c, `"`) == strings.Trim(etag, `"`) {
			return true
		}
	}
	return false
}

func (s *Service) getObject(rw *responder, r *http.Request, bucket, key string, q url.Values) error {
	obj, err := s.GetObject(bucket, key)
	if err != nil {
		return err
	}
	h := rw.w.Header()
	notModified, err := checkConditions(r.Header, obj)
	if err != nil {
		return err
	}
	h.Set("ETag", obj.ETag)
	h.Set("Last-Modified", obj.LastModified.UTC().Format(http.TimeFormat))
	if notModified {
		rw.w.WriteHeader(http.StatusNotModified)
		return nil
	}
	size := obj.Size()
	start, end, ranged, err := parseRange(r.Header.Get("Range"), size)
	if err != nil {
		return err
	}
	if pn := q.Get("partNumber"); pn != "" {
		if ranged {
			return errInvalidRequest("Cannot specify both Range header and partNumber query parameter")
		}
		if start, end, ranged, err = partRange(obj, pn); err != nil {
			return err
		}
	}
	h.Set("Accept-Ranges", "bytes")
	h.Set("x-amz-server-side-encryption", "AES256")
	ct := obj.ContentType
	if v := q.Get("response-content-type"); v != "" {
		ct = v
	}
	h.Set("Content-Type", ct)
	for _, f := range []struct{ name, val, override string }{
		{"Content-Encoding", obj.ContentEncoding, "response-content-encoding"},
		{"Content-Disposition", obj.ContentDisposition, "response-content-disposition"},
		{"Content-Language", obj.ContentLanguage, "response-content-language"},
		{"Cache-Control", obj.CacheControl, "response-cache-control"},
		{"Expires", obj.Expires, "response-expires"},
	} {
		v := f.val
		if o := q.Get(f.override); o != "" {
			v = o
		}
		if v != "" {
			h.Set(f.name, v)
		}
	}
	for k, v := range obj.Metadata {
		h["x-amz-meta-"+k] = []string{v} // lower-case on the wire: clients keep the case after the prefix
	}
	if len(obj.Tags) > 0 {
		h.Set("x-amz-tagging-count", strconv.Itoa(len(obj.Tags)))
	}
	if obj.PartsCount > 0 && q.Get("partNumber") != "" {
		h.Set("x-amz-mp-parts-count", strconv.Itoa(obj.PartsCount))
	}
	if strings.EqualFold(r.Header.Get("X-Amz-Checksum-Mode"), "ENABLED") && !ranged {
		setChecksumHeaders(h, obj)
	}
	body := obj.Body
	status := http.StatusOK
	if ranged {
		body = body[start : end+1]
		status = http.StatusPartialContent
		h.Set("Content-Range", "bytes "+strconv.FormatInt(start, 10)+"-"+strconv.FormatInt(end, 10)+"/"+strconv.FormatInt(size, 10))
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	rw.w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = rw.w.Write(body)
	}
	return nil
}

// partRange is the byte range of part pn of obj (GetObject and HeadObject ?partNumber=):
// ranged only for a multipart object, whose parts are answered as 206 Partial Content; part
// 1 of any other object is the whole object.
func partRange(obj *Object, pn string) (start, end int64, ranged bool, err error) {
	n, perr := strconv.Atoi(pn)
	if perr != nil || n < 1 || n > 10000 {
		return 0, 0, false, errInvalidArgument("Part number must be an integer between 1 and 10000, inclusive", "partNumber", pn)
	}
	sizes := obj.PartSizes
	if len(sizes) == 0 {
		sizes = []int64{obj.Size()}
	}
	if n > len(sizes) {
		return 0, 0, false, &Error{Code: "InvalidPartNumber", Message: "The requested partnumber is not satisfiable", Status: http.StatusRequestedRangeNotSatisfiable,
			Fields: [][2]string{{"PartNumberRequested", pn}, {"ActualPartCount", itoa(len(sizes))}}}
	}
	for _, sz := range sizes[:n-1] {
		start += sz
	}
	end = start + sizes[n-1] - 1
	return start, end, len(obj.PartSizes) > 0 && end >= start, nil
}

// copySource parses x-amz-copy-source: "[/]bucket/key[?versionId=...]", URL-encoded.
func copySource(v string) (bucket, key string, err error) {
	v, _, _ = strings.Cut(v, "?")
	dec, uerr := url.PathUnescape(v)
	if uerr != nil {
		dec = v
	}
	bucket, key, _ = strings.Cut(strings.TrimPrefix(dec, "/"), "/")
	if bucket == "" || key == "" {
		return "", "", errInvalidArgument("Copy Source must mention the source bucket and key: sourcebucket/sourcekey", "x-amz-copy-source", v)
	}
	return bucket, key, nil
}

func (s *Service) copyObject(rw *responder, r *http.Request, bucket, key string) error {
	srcBucket, srcKey, err := copySource(r.Header.Get("X-Amz-Copy-Source"))
	if err != nil {
		return err
	}
	put, err := putOptions(r)
	if err != nil {
		return err
	}
	if _, _, err := readBody(r, 0); err != nil {
		return err
	}
	src, err := s.GetObject(srcBucket, srcKey)
	if err != nil {
		return err
	}
	if im := r.Header.Get("X-Amz-Copy-Source-If-Match"); im != "" && !etagMatches(im, src.ETag) {
		return errPreconditionFailed("x-amz-copy-source-If-Match")
	}
	if inm := r.Header.Get("X-Amz-Copy-Source-If-None-Match"); inm != "" && etagMatches(inm, src.ETag) {
		return errPreconditionFailed("x-amz-copy-source-If-None-Match")
	}
	opts := CopyOptions{
		ReplaceMetadata: strings.EqualFold(r.Header.Get("X-Amz-Metadata-Directive"), "REPLACE"),
		ReplaceTags:     strings.EqualFold(r.Header.Get("X-Amz-Tagging-Directive"), "REPLACE"),
		Put:             put,
	}
	obj, err := s.CopyObject(srcBucket, srcKey, bucket, key, opts)
	if err != nil {
		return err
	}
	out := copyObjectResult{Xmlns: xmlns, LastModified: isoTime(obj.LastModified), ETag: obj.ETag, ChecksumType: obj.ChecksumType}
	out.ChecksumCRC32, out.ChecksumCRC32C, out.ChecksumCRC64NVME = obj.Checksums[CRC32], obj.Checksums[CRC32C], obj.Checksums[CRC64NVME]
	out.ChecksumSHA1, out.ChecksumSHA256 = obj.Checksums[SHA1], obj.Checksums[SHA256]
	rw.w.Header().Set("x-amz-server-side-encryption", "AES256")
	return rw.xml(200, out)
}
