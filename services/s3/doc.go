// Package s3 is sfnlocal's Amazon S3 simulator: the S3 REST API on sfnlocal's one port for
// the `aws s3` and `aws s3api` CLI, boto3 and aws-sdk-go-v2 (path-style /bucket/key and
// virtual-hosted bucket.localhost requests), the AWS SDK integration
// `arn:aws:states:::aws-sdk:s3:<action>`, and a Go API (CreateBucket, PutObject, GetObject,
// ListObjects, ...) for the Distributed Map's ItemReader and ResultWriter and for tests.
//
// It exists because S3 is what real workflows call most after Lambda, SNS and DynamoDB, and
// what the Distributed Map reads its items from and writes its results to.
//
// Served: buckets (CreateBucket, DeleteBucket, HeadBucket, ListBuckets, GetBucketLocation,
// GetBucketVersioning as never enabled), objects (PutObject, GetObject and HeadObject with
// Range or partNumber, conditional headers and response-* overrides, DeleteObject, DeleteObjects,
// CopyObject, user metadata, Content-Type and the other representation headers, ETag = MD5,
// the x-amz-checksum-* checksums CRC32, CRC32C, CRC64NVME, SHA1 and SHA256), listings
// (ListObjects and ListObjectsV2 with prefix, delimiter and CommonPrefixes, max-keys,
// markers, start-after and continuation tokens, encoding-type=url), multipart uploads
// (CreateMultipartUpload, UploadPart, UploadPartCopy, CompleteMultipartUpload with the
// "md5-of-md5s-N" ETag and composite checksums, AbortMultipartUpload, ListParts,
// ListMultipartUploads) and object tagging. Errors are AWS's XML documents (NoSuchBucket,
// NoSuchKey, BucketAlreadyOwnedByYou, BucketNotEmpty, InvalidRange, ...) with a request ID
// and host ID, also sent as x-amz-request-id and x-amz-id-2 on every response.
//
// Request bodies in the aws-chunked encoding are decoded: signed chunks
// (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]) and unsigned chunks with a checksum trailer
// (STREAMING-UNSIGNED-PAYLOAD-TRAILER), which current CLIs, boto3 and SDKs send by default;
// checksums in headers or trailers are verified (BadDigest). Signatures are not checked.
//
// Why not github.com/johannesboyne/gofakes3 (v1.2.0, checked against this list): it decodes
// only signed aws-chunked bodies (its chunk reader requires ";chunk-signature=" and knows no
// trailers), so uploads from current clients, which send unsigned chunks with a CRC32 or
// CRC64NVME trailer, would be stored with their chunk framing; it neither computes nor
// returns x-amz-checksum-* values (which the aws-sdk integration's PutObject output and the
// SDKs' response validation use); and it pulls in bbolt, afero, mgo.v2 (archived) and a
// second copy of the AWS SDK. Wrapping it would still leave the aws-sdk integration and the
// Distributed Map needing typed in-process calls below its HTTP layer. What it does have
// (routing, listings, multipart, ranges) is a few hundred lines here, under our own clock,
// logger and error types.
//
// Event notifications (notify.go): PutBucketNotificationConfiguration and
// GetBucketNotificationConfiguration; object creations (Put, Copy, CompleteMultipartUpload) and
// removals send S3 event messages (Records[], keys URL-encoded) to the configured SQS queues,
// SNS topics and Lambda functions per event type and prefix/suffix filter, after an
// s3:TestEvent to each queue and topic, and with EventBridgeConfiguration "Object Created" and
// "Object Deleted" events to the default bus, through the NotificationSink the server installs.
// Tagging, restore, lifecycle and replication events are accepted in configurations and never
// sent.
//
// Objects live in a Store (NewMemoryStore, or with Config.DB a durable one that writes
// through to sfnlocal's store, persist.go); the Service does the S3 logic above it. Multipart
// uploads in progress are kept by the Service, durably too with Config.DB. Not served: versioning, ACLs and bucket policies (accepted credentials are never
// checked), lifecycle, website, CORS, object lock, storage classes other than STANDARD, SSE-C
// and KMS (objects report SSE-S3, AES256), SelectObjectContent, GetObjectAttributes and
// presigned POST forms. A subresource that selects one of these answers NotImplemented (501).
package s3
