package s3

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

func invoke(t *testing.T, s *Service, action, params string) (map[string]any, error) {
	t.Helper()
	p, err := task.Decode([]byte(params))
	require.NoError(t, err)
	out, err := s.SDKIntegration().Invoke(context.Background(), &task.Request{
		Resource: "arn:aws:states:::aws-sdk:s3:" + action, Service: "aws-sdk:s3", Action: action, Parameters: p,
	})
	if err != nil {
		return nil, err
	}
	return task.Plain(out).(map[string]any), nil
}

func TestSDKIntegration(t *testing.T) {
	t.Parallel()
	s := newTestService()
	type call struct {
		name, action, params string
		want                 map[string]any // members that must equal
		wantErr              string         // Failure name
		wantCause            string         // cause prefix
	}
	calls := []call{
		{name: "create", action: "createBucket", params: `{"Bucket":"bkt"}`, want: map[string]any{"Location": "/bkt"}},
		{name: "head bucket", action: "headBucket", params: `{"Bucket":"bkt"}`, want: map[string]any{"BucketRegion": "us-east-1"}},
		{name: "head missing bucket", action: "headBucket", params: `{"Bucket":"nope"}`, wantErr: "S3.NoSuchBucketException", wantCause: "null (Service: S3, Status Code: 404, Request ID: "},
		{name: "put string", action: "putObject", params: `{"Bucket":"bkt","Key":"a.json","Body":"text data","ContentType":"application/json","Metadata":{"Run":"1"}}`,
			want: map[string]any{"ETag": `"2b5df3712557f503a9977a8ea893b2c9"`, "ChecksumCRC32": "KUmHvQ==", "ChecksumType": "FULL_OBJECT", "ServerSideEncryption": "AES256"}},
		{name: "put object body", action: "putObject", params: `{"Bucket":"bkt","Key":"dir/b.json","Body":{"Dict":"Value"}}`,
			want: map[string]any{"ETag": `"49e31cee5aec8faf3345893addb14346"`}},
		{name: "get", action: "getObject", params: `{"Bucket":"bkt","Key":"a.json"}`,
			want: map[string]any{"Body": `"text data"`, "ContentLength": json.Number("11"), "ContentType": "application/json", "AcceptRanges": "bytes",
				"Metadata": map[string]any{"run": "1"}, "LastModified": "2026-01-02T03:04:05Z", "ServerSideEncryption": "AES256"}},
		{name: "get range", action: "getObject", params: `{"Bucket":"bkt","Key":"a.json","Range":"bytes=1-4"}`,
			want: map[string]any{"Body": "text", "ContentLength": json.Number("4"), "ContentRange": "bytes 1-4/11"}},
		{name: "get bad range", action: "getObject", params: `{"Bucket":"bkt","Key":"a.json","Range":"bytes=50-"}`, wantErr: "S3.S3Exception", wantCause: "The requested range is not satisfiable (Service: S3, Status Code: 416"},
		{name: "get checksum", action: "getObject", params: `{"Bucket":"bkt","Key":"a.json","ChecksumMode":"ENABLED"}`, want: map[string]any{"ChecksumCRC32": "KUmHvQ=="}},
		{name: "get missing key", action: "getObject", params: `{"Bucket":"bkt","Key":"nope"}`, wantErr: "S3.NoSuchKeyException", wantCause: "The specified key does not exist. (Service: S3, Status Code: 404, Request ID: "},
		{name: "get missing bucket", action: "getObject", params: `{"Bucket":"nope","Key":"x"}`, wantErr: "S3.NoSuchBucketException", wantCause: "The specified bucket does not exist (Service: S3, Status Code: 404"},
		{name: "head", action: "headObject", params: `{"Bucket":"bkt","Key":"a.json"}`, want: map[string]any{"ContentLength": json.Number("11"), "ETag": `"2b5df3712557f503a9977a8ea893b2c9"`}},
		{name: "head missing", action: "headObject", params: `{"Bucket":"bkt","Key":"nope"}`, wantErr: "S3.NoSuchKeyException", wantCause: "null (Service: S3, Status Code: 404"},
		{name: "list v2", action: "listObjectsV2", params: `{"Bucket":"bkt","Delimiter":"/"}`,
			want: map[string]any{"KeyCount": json.Number("2"), "IsTruncated": false, "CommonPrefixes": []any{map[string]any{"Prefix": "dir/"}}, "Name": "bkt", "MaxKeys": json.Number("1000")}},
		{name: "list v2 paged", action: "listObjectsV2", params: `{"Bucket":"bkt","MaxKeys":1}`, want: map[string]any{"KeyCount": json.Number("1"), "IsTruncated": true}},
		{name: "list v1", action: "listObjects", params: `{"Bucket":"bkt","Prefix":"dir/"}`, want: map[string]any{"Marker": "", "Prefix": "dir/", "IsTruncated": false}},
		{name: "list missing bucket", action: "listObjects", params: `{"Bucket":"someNonexistentBucketName"}`, wantErr: "S3.NoSuchBucketException", wantCause: "The specified bucket does not exist (Service: S3, Status Code: 404"},
		{name: "copy", action: "copyObject", params: `{"Bucket":"bkt","Key":"c.json","CopySource":"bkt/a.json"}`},
		{name: "copied", action: "headObject", params: `{"Bucket":"bkt","Key":"c.json"}`, want: map[string]any{"ContentType": "application/json", "Metadata": map[string]any{"run": "1"}}},
		{name: "tag", action: "putObjectTagging", params: `{"Bucket":"bkt","Key":"c.json","Tagging":{"TagSet":[{"Key":"k","Value":"v"}]}}`, want: map[string]any{}},
		{name: "tags", action: "getObjectTagging", params: `{"Bucket":"bkt","Key":"c.json"}`, want: map[string]any{"TagSet": []any{map[string]any{"Key": "k", "Value": "v"}}}},
		{name: "untag", action: "deleteObjectTagging", params: `{"Bucket":"bkt","Key":"c.json"}`, want: map[string]any{}},
		{name: "delete objects", action: "deleteObjects", params: `{"Bucket":"bkt","Delete":{"Objects":[{"Key":"c.json"}]}}`, want: map[string]any{"Deleted": []any{map[string]any{"Key": "c.json"}}}},
		{name: "delete", action: "deleteObject", params: `{"Bucket":"bkt","Key":"dir/b.json"}`, want: map[string]any{}},
		{name: "delete bucket not empty", action: "deleteBucket", params: `{"Bucket":"bkt"}`, wantErr: "S3.S3Exception", wantCause: "The bucket you tried to delete is not empty (Service: S3, Status Code: 409"},
		{name: "create eu", action: "createBucket", params: `{"Bucket":"eu-bkt","CreateBucketConfiguration":{"LocationConstraint":"eu-west-1"}}`},
		{name: "create eu again", action: "createBucket", params: `{"Bucket":"eu-bkt","CreateBucketConfiguration":{"LocationConstraint":"eu-west-1"}}`, wantErr: "S3.BucketAlreadyOwnedByYouException"},
		{name: "location", action: "getBucketLocation", params: `{"Bucket":"eu-bkt"}`, want: map[string]any{"LocationConstraint": "eu-west-1"}},
		{name: "list buckets", action: "listBuckets", params: `{}`},
		{name: "missing parameter", action: "getObject", params: `{"Bucket":"bkt"}`, wantErr: "S3.InvalidRequestException"},
		{name: "unknown action", action: "getBucketPolicy", params: `{"Bucket":"bkt"}`, wantErr: "States.Runtime"},
	}
	for _, c := range calls {
		out, err := invoke(t, s, c.action, c.params)
		if c.wantErr != "" {
			var f *task.Failure
			require.ErrorAs(t, err, &f, c.name)
			require.Equal(t, c.wantErr, f.Name, c.name)
			require.Contains(t, f.Cause, c.wantCause, c.name)
			continue
		}
		require.NoError(t, err, c.name)
		for k, v := range c.want {
			require.Equal(t, v, out[k], "%s: %s in %v", c.name, k, out)
		}
	}
}

func TestSDKMultipart(t *testing.T) {
	t.Parallel()
	s := newTestService()
	require.NoError(t, s.CreateBucket("bkt", ""))
	up, err := invoke(t, s, "createMultipartUpload", `{"Bucket":"bkt","Key":"m"}`)
	require.NoError(t, err)
	id := up["UploadId"].(string)
	p1, err := invoke(t, s, "uploadPart", `{"Bucket":"bkt","Key":"m","UploadId":"`+id+`","PartNumber":1,"Body":"only"}`)
	require.NoError(t, err)
	parts, err := invoke(t, s, "listParts", `{"Bucket":"bkt","Key":"m","UploadId":"`+id+`"}`)
	require.NoError(t, err)
	require.Len(t, parts["Parts"], 1)
	ups, err := invoke(t, s, "listMultipartUploads", `{"Bucket":"bkt"}`)
	require.NoError(t, err)
	require.Len(t, ups["Uploads"], 1)
	etagJSON, _ := json.Marshal(p1["ETag"])
	done, err := invoke(t, s, "completeMultipartUpload", `{"Bucket":"bkt","Key":"m","UploadId":"`+id+`","MultipartUpload":{"Parts":[{"PartNumber":1,"ETag":`+string(etagJSON)+`}]}}`)
	require.NoError(t, err)
	require.Regexp(t, `-1"$`, done["ETag"])
	got, err := invoke(t, s, "getObject", `{"Bucket":"bkt","Key":"m"}`)
	require.NoError(t, err)
	require.Equal(t, `"only"`, got["Body"])
	part, err := invoke(t, s, "getObject", `{"Bucket":"bkt","Key":"m","PartNumber":1}`)
	require.NoError(t, err)
	require.Equal(t, json.Number("1"), part["PartsCount"])
	require.Equal(t, "bytes 0-5/6", part["ContentRange"])
	_, err = invoke(t, s, "abortMultipartUpload", `{"Bucket":"bkt","Key":"m","UploadId":"`+id+`"}`)
	var f *task.Failure
	require.ErrorAs(t, err, &f)
	require.Equal(t, "S3.NoSuchUploadException", f.Name)
}

func TestSDKActionsAllServed(t *testing.T) {
	t.Parallel()
	// Every action runs (with its bucket missing) to a modeled failure, never a Go error.
	s := newTestService()
	for _, a := range SDKActions() {
		if a == "listBuckets" || a == "createBucket" {
			continue
		}
		_, err := invoke(t, s, a, `{"Bucket":"nope","Key":"k","UploadId":"u","PartNumber":1,"CopySource":"nope/k","Delete":{"Objects":[{"Key":"k"}]},"Tagging":{"TagSet":[]}}`)
		var f *task.Failure
		require.ErrorAs(t, err, &f, a)
		require.Contains(t, []string{"S3.NoSuchBucketException", "S3.NoSuchUploadException"}, f.Name, a)
	}
}
