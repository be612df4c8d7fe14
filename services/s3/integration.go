package s3

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sfnlocal/sfnlocal/internal/value"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// This file is the AWS SDK integration arn:aws:states:::aws-sdk:s3:<action>. Step Functions
// runs these calls with the AWS SDK for Java v2 and outputs the SDK's response object with
// PascalCase members: GetObject's body as text in Body, timestamps as ISO-8601, absent
// members left out. Errors are S3.<Code>Exception for the errors the SDK models and
// S3.S3Exception for the rest, with the SDK's exception text as the cause (shared
// conformance cases services-aws-sdk-s3 and errorhandling test_s3_no_such_key,
// test_no_such_bucket).

// sdkActions maps the integration's action names to the operations served.
var sdkActions = map[string]func(*Service, map[string]any) (map[string]any, error){
	"createBucket":            (*Service).sdkCreateBucket,
	"deleteBucket":            (*Service).sdkDeleteBucket,
	"headBucket":              (*Service).sdkHeadBucket,
	"listBuckets":             (*Service).sdkListBuckets,
	"getBucketLocation":       (*Service).sdkGetBucketLocation,
	"putObject":               (*Service).sdkPutObject,
	"getObject":               (*Service).sdkGetObject,
	"headObject":              (*Service).sdkHeadObject,
	"deleteObject":            (*Service).sdkDeleteObject,
	"deleteObjects":           (*Service).sdkDeleteObjects,
	"copyObject":              (*Service).sdkCopyObject,
	"listObjects":             (*Service).sdkListObjects,
	"listObjectsV2":           (*Service).sdkListObjectsV2,
	"createMultipartUpload":   (*Service).sdkCreateMultipartUpload,
	"uploadPart":              (*Service).sdkUploadPart,
	"completeMultipartUpload": (*Service).sdkCompleteMultipartUpload,
	"abortMultipartUpload":    (*Service).sdkAbortMultipartUpload,
	"listParts":               (*Service).sdkListParts,
	"listMultipartUploads":    (*Service).sdkListMultipartUploads,
	"putObjectTagging":        (*Service).sdkPutObjectTagging,
	"getObjectTagging":        (*Service).sdkGetObjectTagging,
	"deleteObjectTagging":     (*Service).sdkDeleteObjectTagging,
}

// SDKActions lists the actions of arn:aws:states:::aws-sdk:s3:<action> that are served.
func SDKActions() []string {
	out := make([]string, 0, len(sdkActions))
	for a := range sdkActions {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// modeledErrors are the S3 error codes the AWS SDKs have exception classes for; the others
// surface as the service's base exception, S3Exception.
var modeledErrors = map[string]bool{
	"BucketAlreadyExists": true, "BucketAlreadyOwnedByYou": true, "InvalidObjectState": true,
	"NoSuchBucket": true, "NoSuchKey": true, "NoSuchUpload": true, "ObjectAlreadyInActiveTierError": true,
	"ObjectNotInActiveTierError": true, "InvalidRequest": true, "InvalidWriteOffset": true,
	"TooManyParts": true, "EncryptionTypeMismatch": true, "IdempotencyParameterMismatch": true,
}

// headOperations answer errors without a body, so the SDK's exception has no message.
var headOperations = map[string]bool{"headObject": true, "headBucket": true}

// SDKIntegration returns the task.Handler for arn:aws:states:::aws-sdk:s3:<action>
// (registered as "aws-sdk:s3").
func (s *Service) SDKIntegration() task.Handler { return task.HandlerFunc(s.invokeSDK) }

func (s *Service) invokeSDK(_ context.Context, req *task.Request) (any, error) {
	op, ok := sdkActions[req.Action]
	if !ok || req.Pattern != task.RequestResponse {
		return nil, &task.Failure{Name: "States.Runtime", Cause: fmt.Sprintf("The resource provided %s is not recognized. The value is not a valid resource ARN, or the resource is not available in this region.", req.Resource)}
	}
	params, _ := task.PlainExcept(req.Parameters, "Body") // a JSON Body keeps its key order
	if params == nil {
		params = map[string]any{}
	}
	out, err := op(s, params)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return nil, err
		}
		return nil, sdkFailure(e, headOperations[req.Action])
	}
	return sdkOrder(out), nil
}

// sdkOrder puts an output's members in the order AWS writes them: sorted, with the streaming
// payload member Body last (recorded: conformance services-aws-sdk-s3 test_s3_get_object[*],
// {AcceptRanges, ContentLength, ContentType, ETag, LastModified, Metadata,
// ServerSideEncryption, Body}). Outputs without a Body stay maps (sorted when encoded).
func sdkOrder(out map[string]any) any {
	body, ok := out["Body"]
	if !ok {
		return out
	}
	keys := make([]string, 0, len(out))
	for k := range out {
		if k != "Body" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	o := value.NewObject(len(out))
	for _, k := range keys {
		o.Append(k, value.FromPlain(out[k]))
	}
	o.Append("Body", body)
	return o
}

// sdkFailure is the Failure Step Functions records for an S3 error.
func sdkFailure(e *Error, head bool) *task.Failure {
	name := "S3Exception"
	if modeledErrors[e.Code] {
		name = e.Code
		if !strings.HasSuffix(name, "Exception") {
			name += "Exception"
		}
	}
	msg := e.Message
	if head {
		msg = "null"
	}
	return &task.Failure{
		Name:  "S3." + name,
		Cause: fmt.Sprintf("%s (Service: S3, Status Code: %d, Request ID: %s, Extended Request ID: %s)", msg, e.Status, newRequestID(), newHostID()),
	}
}

// param readers: Step Functions validates parameter types against the SDK's model before
// calling; a wrong type here fails like a missing parameter would on AWS.

func str(p map[string]any, name string) string {
	switch v := p[name].(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	}
	return ""
}

func intParam(p map[string]any, name string) (int, bool) {
	switch v := p[name].(type) {
	case json.Number:
		n, err := strconv.Atoi(v.String())
		return n, err == nil
	case string:
		n, err := strconv.Atoi(v)
		return n, err == nil
	}
	return 0, false
}

func boolParam(p map[string]any, name string) bool {
	b, _ := p[name].(bool)
	return b
}

func strMap(p map[string]any, name string) map[string]string {
	m, _ := p[name].(map[string]any)
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = task.Text(v)
	}
	return out
}

func required(p map[string]any, names ...string) error {
	for _, n := range names {
		if v, ok := p[n]; !ok || v == nil {
			return &Error{Code: "InvalidRequest", Message: fmt.Sprintf("Missing required parameter: %s", n), Status: 400}
		}
	}
	return nil
}

// instant is a timestamp as the Java SDK's Instant prints it.
func instant(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond() == 0 {
		return t.Format("2006-01-02T15:04:05Z")
	}
	return t.Format("2006-01-02T15:04:05.000Z")
}

func num(n int64) json.Number { return json.Number(strconv.FormatInt(n, 10)) }

func putOpts(p map[string]any) (PutOptions, error) {
	opts := PutOptions{
		ContentType: str(p, "ContentType"), ContentEncoding: str(p, "ContentEncoding"),
		ContentDisposition: str(p, "ContentDisposition"), ContentLanguage: str(p, "ContentLanguage"),
		CacheControl: str(p, "CacheControl"), Expires: str(p, "Expires"), Metadata: strMap(p, "Metadata"),
		ChecksumAlgorithm: str(p, "ChecksumAlgorithm"), ContentMD5: str(p, "ContentMD5"),
	}
	if opts.ChecksumAlgorithm == "" {
		// The Java SDK computes a CRC32 for every upload.
		opts.ChecksumAlgorithm = CRC32
	}
	if t := str(p, "Tagging"); t != "" {
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

// sdkBody is the bytes Step Functions uploads for a Body parameter: its JSON text, so a
// string keeps its quotes (the recorded PutObject of "text data" has the MD5 of
// "\"text data\"").
func sdkBody(p map[string]any) []byte {
	v, ok := p["Body"]
	if !ok {
		return nil
	}
	b, err := task.Encode(v)
	if err != nil {
		return []byte(task.Text(v))
	}
	return b
}

func checksumMembers(out map[string]any, obj *Object) {
	for _, alg := range checksumAlgorithms {
		if v, ok := obj.Checksums[alg]; ok {
			out["Checksum"+alg] = v
		}
	}
	if len(obj.Checksums) > 0 {
		out["ChecksumType"] = obj.ChecksumType
	}
}

func (s *Service) sdkCreateBucket(p map[string]any) (map[string]any, error) {
	if err := required(p, "Bucket"); err != nil {
		return nil, err
	}
	cfg, _ := p["CreateBucketConfiguration"].(map[string]any)
	bucket := str(p, "Bucket")
	if err := s.CreateBucket(bucket, str(cfg, "LocationConstraint")); err != nil {
		return nil, err
	}
	return map[string]any{"Location": "/" + bucket}, nil
}

func (s *Service) sdkDeleteBucket(p map[string]any) (map[string]any, error) {
	if err := required(p, "Bucket"); err != nil {
		return nil, err
	}
	return map[string]any{}, s.DeleteBucket(str(p, "Bucket"))
}

func (s *Service) sdkHeadBucket(p map[string]any) (map[string]any, error) {
	if err := required(p, "Bucket"); err != nil {
		return nil, err
	}
	loc, err := s.BucketLocation(str(p, "Bucket"))
	if err != nil {
		return nil, err
	}
	return map[string]any{"BucketRegion": regionOf(loc), "AccessPointAlias": false}, nil
}

func (s *Service) sdkListBuckets(map[string]any) (map[string]any, error) {
	buckets := []any{}
	for _, b := range s.ListBuckets() {
		loc, _ := s.BucketLocation(b.Name)
		buckets = append(buckets, map[string]any{"Name": b.Name, "CreationDate": instant(b.Created), "BucketRegion": regionOf(loc)})
	}
	o := s.owner()
	return map[string]any{"Buckets": buckets, "Owner": map[string]any{"DisplayName": o.DisplayName, "ID": o.ID}}, nil
}

func (s *Service) sdkGetBucketLocation(p map[string]any) (map[string]any, error) {
	if err := required(p, "Bucket"); err != nil {
		return nil, err
	}
	loc, err := s.BucketLocation(str(p, "Bucket"))
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	if loc != "" {
		out["LocationConstraint"] = loc
	}
	return out, nil
}

func (s *Service) sdkPutObject(p map[string]any) (map[string]any, error) {
	if err := required(p, "Bucket", "Key"); err != nil {
		return nil, err
	}
	opts, err := putOpts(p)
	if err != nil {
		return nil, err
	}
	obj, err := s.PutObject(str(p, "Bucket"), str(p, "Key"), sdkBody(p), opts)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"ETag": obj.ETag, "ServerSideEncryption": "AES256"}
	checksumMembers(out, obj)
	return out, nil
}

// objectMembers are the members GetObject and HeadObject share.
func objectMembers(obj *Object, length int64) map[string]any {
	out := map[string]any{
		"AcceptRanges": "bytes", "ContentLength": num(length), "ContentType": obj.ContentType,
		"ETag": obj.ETag, "LastModified": instant(obj.LastModified.Truncate(time.Second)),
		"Metadata": map[string]any{}, "ServerSideEncryption": "AES256",
	}
	for k, v := range obj.Metadata {
		out["Metadata"].(map[string]any)[k] = v
	}
	for name, v := range map[string]string{
		"ContentEncoding": obj.ContentEncoding, "ContentDisposition": obj.ContentDisposition,
		"ContentLanguage": obj.ContentLanguage, "CacheControl": obj.CacheControl, "ExpiresString": obj.Expires,
	} {
		if v != "" {
			out[name] = v
		}
	}
	if len(obj.Tags) > 0 {
		out["TagCount"] = num(int64(len(obj.Tags)))
	}
	return out
}

func (s *Service) sdkGetObject(p map[string]any) (map[string]any, error) {
	obj, err := s.sdkReadObject(p)
	if err != nil {
		return nil, err
	}
	body := obj.Body
	start, end, ranged, err := parseRange(str(p, "Range"), obj.Size())
	if err != nil {
		return nil, err
	}
	if pn := str(p, "PartNumber"); pn != "" {
		if ranged {
			return nil, errInvalidRequest("Cannot specify both Range header and partNumber query parameter")
		}
		if start, end, ranged, err = partRange(obj, pn); err != nil {
			return nil, err
		}
	}
	if ranged {
		body = body[start : end+1]
	}
	out := objectMembers(obj, int64(len(body)))
	if ranged {
		out["ContentRange"] = fmt.Sprintf("bytes %d-%d/%d", start, end, obj.Size())
	}
	if str(p, "PartNumber") != "" && obj.PartsCount > 0 {
		out["PartsCount"] = num(int64(obj.PartsCount))
	}
	if strings.EqualFold(str(p, "ChecksumMode"), "ENABLED") && !ranged {
		checksumMembers(out, obj)
	}
	if v := str(p, "ResponseContentType"); v != "" {
		out["ContentType"] = v
	}
	out["Body"] = strings.ToValidUTF8(string(body), "\uFFFD")
	return out, nil
}

// sdkReadObject gets the object GetObject and HeadObject name, applying their conditions.
func (s *Service) sdkReadObject(p map[string]any) (*Object, error) {
	if err := required(p, "Bucket", "Key"); err != nil {
		return nil, err
	}
	obj, err := s.GetObject(str(p, "Bucket"), str(p, "Key"))
	if err != nil {
		return nil, err
	}
	if im := str(p, "IfMatch"); im != "" && !etagMatches(im, obj.ETag) {
		return nil, errPreconditionFailed("If-Match")
	}
	if inm := str(p, "IfNoneMatch"); inm != "" && etagMatches(inm, obj.ETag) {
		return nil, &Error{Code: "NotModified", Message: "Not Modified", Status: 304}
	}
	return obj, nil
}

func (s *Service) sdkHeadObject(p map[string]any) (map[string]any, error) {
	obj, err := s.sdkReadObject(p)
	if err != nil {
		return nil, err
	}
	out := objectMembers(obj, obj.Size())
	if strings.EqualFold(str(p, "ChecksumMode"), "ENABLED") {
		checksumMembers(out, obj)
	}
	return out, nil
}

func (s *Service) sdkDeleteObject(p map[string]any) (map[string]any, error) {
	if err := required(p, "Bucket", "Key"); err != nil {
		return nil, err
	}
	return map[string]any{}, s.DeleteObject(str(p, "Bucket"), str(p, "Key"))
}

func (s *Service) sdkDeleteObjects(p map[string]any) (map[string]any, error) {
	if err := required(p, "Bucket", "Delete"); err != nil {
		return nil, err
	}
	del, _ := p["Delete"].(map[string]any)
	objs, _ := del["Objects"].([]any)
	if len(objs) == 0 || len(objs) > 1000 {
		return nil, errMalformedXML()
	}
	keys := make([]string, 0, len(objs))
	for _, o := range objs {
		m, _ := o.(map[string]any)
		keys = append(keys, str(m, "Key"))
	}
	results, err := s.DeleteObjects(str(p, "Bucket"), keys)
	if err != nil {
		return nil, err
	}
	var deleted, errs []any
	for _, r := range results {
		if r.Err != nil {
			errs = append(errs, map[string]any{"Key": r.Key, "Code": r.Err.Code, "Message": r.Err.Message})
		} else if !boolParam(del, "Quiet") {
			deleted = append(deleted, map[string]any{"Key": r.Key})
		}
	}
	out := map[string]any{}
	if deleted != nil {
		out["Deleted"] = deleted
	}
	if errs != nil {
		out["Errors"] = errs
	}
	return out, nil
}

func (s *Service) sdkCopyObject(p map[string]any) (map[string]any, error) {
	if err := required(p, "Bucket", "Key", "CopySource"); err != nil {
		return nil, err
	}
	srcBucket, srcKey, err := copySource(str(p, "CopySource"))
	if err != nil {
		return nil, err
	}
	put, err := putOpts(p)
	if err != nil {
		return nil, err
	}
	if str(p, "ChecksumAlgorithm") == "" {
		put.ChecksumAlgorithm = ""
	}
	obj, err := s.CopyObject(srcBucket, srcKey, str(p, "Bucket"), str(p, "Key"), CopyOptions{
		ReplaceMetadata: strings.EqualFold(str(p, "MetadataDirective"), "REPLACE"),
		ReplaceTags:     strings.EqualFold(str(p, "TaggingDirective"), "REPLACE"),
		Put:             put,
	})
	if err != nil {
		return nil, err
	}
	res := map[string]any{"ETag": obj.ETag, "LastModified": instant(obj.LastModified)}
	checksumMembers(res, obj)
	return map[string]any{"CopyObjectResult": res, "ServerSideEncryption": "AES256"}, nil
}

func (s *Service) sdkContents(objs []*Object, withOwner bool) []any {
	out := make([]any, 0, len(objs))
	for _, o := range objs {
		c := map[string]any{"Key": o.Key, "LastModified": instant(o.LastModified), "ETag": o.ETag, "Size": num(o.Size()), "StorageClass": "STANDARD"}
		for _, alg := range checksumAlgorithms {
			if _, ok := o.Checksums[alg]; ok {
				c["ChecksumAlgorithm"] = []any{alg}
				c["ChecksumType"] = o.ChecksumType
				break
			}
		}
		if withOwner {
			ow := s.owner()
			c["Owner"] = map[string]any{"DisplayName": ow.DisplayName, "ID": ow.ID}
		}
		out = append(out, c)
	}
	return out
}

func sdkListInput(p map[string]any) (ListInput, int, error) {
	in := ListInput{Prefix: str(p, "Prefix"), Delimiter: str(p, "Delimiter")}
	maxKeys := 1000
	if n, ok := intParam(p, "MaxKeys"); ok {
		if n < 0 {
			return in, 0, errInvalidArgument("Argument maxKeys must be an integer between 0 and 2147483647", "maxKeys", strconv.Itoa(n))
		}
		maxKeys = min(n, 1000)
	}
	in.MaxKeys = maxKeys
	if maxKeys == 0 {
		in.MaxKeys = -1
	}
	return in, maxKeys, nil
}

func commonPrefixes(cps []string) []any {
	out := make([]any, len(cps))
	for i, cp := range cps {
		out[i] = map[string]any{"Prefix": cp}
	}
	return out
}

func (s *Service) sdkListObjects(p map[string]any) (map[string]any, error) {
	if err := required(p, "Bucket"); err != nil {
		return nil, err
	}
	in, maxKeys, err := sdkListInput(p)
	if err != nil {
		return nil, err
	}
	in.After = str(p, "Marker")
	bucket := str(p, "Bucket")
	res, err := s.ListObjects(bucket, in)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"IsTruncated": res.IsTruncated, "Marker": in.After, "MaxKeys": num(int64(maxKeys)), "Name": bucket, "Prefix": in.Prefix}
	if len(res.Objects) > 0 {
		out["Contents"] = s.sdkContents(res.Objects, true)
	}
	if len(res.CommonPrefixes) > 0 {
		out["CommonPrefixes"] = commonPrefixes(res.CommonPrefixes)
	}
	if in.Delimiter != "" {
		out["Delimiter"] = in.Delimiter
		if res.IsTruncated {
			out["NextMarker"] = res.Next
		}
	}
	return out, nil
}

func (s *Service) sdkListObjectsV2(p map[string]any) (map[string]any, error) {
	if err := required(p, "Bucket"); err != nil {
		return nil, err
	}
	in, maxKeys, err := sdkListInput(p)
	if err != nil {
		return nil, err
	}
	in.After = str(p, "StartAfter")
	tok := str(p, "ContinuationToken")
	if tok != "" {
		after, err := decodeToken(tok)
		if err != nil {
			return nil, errInvalidArgument("The continuation token provided is incorrect", "continuation-token", tok)
		}
		in.After = after
	}
	bucket := str(p, "Bucket")
	res, err := s.ListObjects(bucket, in)
	if err != nil {
		return nil, err
	}
	out := map[string]any{
		"IsTruncated": res.IsTruncated, "KeyCount": num(int64(len(res.Objects) + len(res.CommonPrefixes))),
		"MaxKeys": num(int64(maxKeys)), "Name": bucket, "Prefix": in.Prefix,
	}
	if len(res.Objects) > 0 {
		out["Contents"] = s.sdkContents(res.Objects, boolParam(p, "FetchOwner"))
	}
	if len(res.CommonPrefixes) > 0 {
		out["CommonPrefixes"] = commonPrefixes(res.CommonPrefixes)
	}
	if in.Delimiter != "" {
		out["Delimiter"] = in.Delimiter
	}
	if tok != "" {
		out["ContinuationToken"] = tok
	}
	if res.IsTruncated {
		out["NextContinuationToken"] = encodeToken(res.Next)
	}
	if sa := str(p, "StartAfter"); sa != "" {
		out["StartAfter"] = sa
	}
	return out, nil
}

func (s *Service) sdkCreateMultipartUpload(p map[string]any) (map[string]any, error) {
	if err := required(p, "Bucket", "Key"); err != nil {
		return nil, err
	}
	opts, err := putOpts(p)
	if err != nil {
		return nil, err
	}
	if str(p, "ChecksumAlgorithm") == "" {
		opts.ChecksumAlgorithm = ""
	}
	u, err := s.CreateMultipartUpload(str(p, "Bucket"), str(p, "Key"), opts, str(p, "ChecksumType"))
	if err != nil {
		return nil, err
	}
	out := map[string]any{"Bucket": u.Bucket, "Key": u.Key, "UploadId": u.ID, "ServerSideEncryption": "AES256", "ChecksumType": u.ChecksumType}
	if u.ChecksumAlgorithm != "" {
		out["ChecksumAlgorithm"] = u.ChecksumAlgorithm
	}
	return out, nil
}

func (s *Service) sdkUploadPart(p map[string]any) (map[string]any, error) {
	if err := required(p, "Bucket", "Key", "UploadId", "PartNumber"); err != nil {
		return nil, err
	}
	n, _ := intParam(p, "PartNumber")
	part, err := s.UploadPart(str(p, "Bucket"), str(p, "Key"), str(p, "UploadId"), n, sdkBody(p), nil, str(p, "ContentMD5"))
	if err != nil {
		return nil, err
	}
	out := map[string]any{"ETag": part.ETag, "ServerSideEncryption": "AES256"}
	return out, nil
}

func (s *Service) sdkCompleteMultipartUpload(p map[string]any) (map[string]any, error) {
	if err := required(p, "Bucket", "Key", "UploadId"); err != nil {
		return nil, err
	}
	mu, _ := p["MultipartUpload"].(map[string]any)
	list, _ := mu["Parts"].([]any)
	parts := make([]CompletedPart, 0, len(list))
	for _, e := range list {
		m, _ := e.(map[string]any)
		n, _ := intParam(m, "PartNumber")
		parts = append(parts, CompletedPart{Number: n, ETag: str(m, "ETag")})
	}
	bucket, key := str(p, "Bucket"), str(p, "Key")
	obj, err := s.CompleteMultipartUpload(bucket, key, str(p, "UploadId"), parts)
	if err != nil {
		return nil, err
	}
	out := map[string]any{"Bucket": bucket, "Key": key, "ETag": obj.ETag, "Location": "/" + bucket + "/" + key, "ServerSideEncryption": "AES256"}
	checksumMembers(out, obj)
	return out, nil
}

func (s *Service) sdkAbortMultipartUpload(p map[string]any) (map[string]any, error) {
	if err := required(p, "Bucket", "Key", "UploadId"); err != nil {
		return nil, err
	}
	return map[string]any{}, s.AbortMultipartUpload(str(p, "Bucket"), str(p, "Key"), str(p, "UploadId"))
}

func (s *Service) sdkListParts(p map[string]any) (map[string]any, error) {
	if err := required(p, "Bucket", "Key", "UploadId"); err != nil {
		return nil, err
	}
	after, _ := intParam(p, "PartNumberMarker")
	maxParts, ok := intParam(p, "MaxParts")
	if !ok {
		maxParts = 1000
	}
	parts, u, truncated, err := s.ListParts(str(p, "Bucket"), str(p, "Key"), str(p, "UploadId"), after, maxParts)
	if err != nil {
		return nil, err
	}
	ow := s.owner()
	owner := map[string]any{"DisplayName": ow.DisplayName, "ID": ow.ID}
	out := map[string]any{
		"Bucket": u.Bucket, "Key": u.Key, "UploadId": u.ID, "IsTruncated": truncated, "MaxParts": num(int64(maxParts)),
		"PartNumberMarker": num(int64(after)), "StorageClass": "STANDARD", "Initiator": owner, "Owner": owner,
		"ChecksumType": u.ChecksumType,
	}
	if u.ChecksumAlgorithm != "" {
		out["ChecksumAlgorithm"] = u.ChecksumAlgorithm
	}
	if len(parts) > 0 {
		list := make([]any, len(parts))
		for i, pt := range parts {
			m := map[string]any{"PartNumber": num(int64(pt.Number)), "ETag": pt.ETag, "Size": num(int64(len(pt.Body))), "LastModified": instant(pt.LastModified)}
			if pt.Checksum != "" {
				m["Checksum"+u.ChecksumAlgorithm] = pt.Checksum
			}
			list[i] = m
		}
		out["Parts"] = list
		out["NextPartNumberMarker"] = num(int64(parts[len(parts)-1].Number))
	}
	return out, nil
}

func (s *Service) sdkListMultipartUploads(p map[string]any) (map[string]any, error) {
	if err := required(p, "Bucket"); err != nil {
		return nil, err
	}
	ups, err := s.ListMultipartUploads(str(p, "Bucket"), str(p, "Prefix"))
	if err != nil {
		return nil, err
	}
	ow := s.owner()
	owner := map[string]any{"DisplayName": ow.DisplayName, "ID": ow.ID}
	out := map[string]any{"Bucket": str(p, "Bucket"), "IsTruncated": false, "MaxUploads": num(1000), "KeyMarker": "", "UploadIdMarker": ""}
	if pf := str(p, "Prefix"); pf != "" {
		out["Prefix"] = pf
	}
	if len(ups) > 0 {
		list := make([]any, len(ups))
		for i, u := range ups {
			m := map[string]any{"Key": u.Key, "UploadId": u.ID, "Initiated": instant(u.Initiated), "StorageClass": "STANDARD",
				"Initiator": owner, "Owner": owner, "ChecksumType": u.ChecksumType}
			if u.ChecksumAlgorithm != "" {
				m["ChecksumAlgorithm"] = u.ChecksumAlgorithm
			}
			list[i] = m
		}
		out["Uploads"] = list
	}
	return out, nil
}

func (s *Service) sdkPutObjectTagging(p map[string]any) (map[string]any, error) {
	if err := required(p, "Bucket", "Key", "Tagging"); err != nil {
		return nil, err
	}
	t, _ := p["Tagging"].(map[string]any)
	set, _ := t["TagSet"].([]any)
	tags := map[string]string{}
	for _, e := range set {
		m, _ := e.(map[string]any)
		tags[str(m, "Key")] = str(m, "Value")
	}
	return map[string]any{}, s.PutObjectTagging(str(p, "Bucket"), str(p, "Key"), tags)
}

func (s *Service) sdkGetObjectTagging(p map[string]any) (map[string]any, error) {
	if err := required(p, "Bucket", "Key"); err != nil {
		return nil, err
	}
	obj, err := s.GetObject(str(p, "Bucket"), str(p, "Key"))
	if err != nil {
		return nil, err
	}
	set := []any{}
	for _, t := range tagList(obj.Tags) {
		set = append(set, map[string]any{"Key": t.Key, "Value": t.Value})
	}
	return map[string]any{"TagSet": set}, nil
}

func (s *Service) sdkDeleteObjectTagging(p map[string]any) (map[string]any, error) {
	if err := required(p, "Bucket", "Key"); err != nil {
		return nil, err
	}
	return map[string]any{}, s.PutObjectTagging(str(p, "Bucket"), str(p, "Key"), nil)
}
