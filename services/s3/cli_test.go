package s3_test

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/services/s3"
)

// needTool skips when a client is missing locally; in CI (CI=true) it fails instead.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required in CI: %v", name, err)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

var cliEnv = []string{"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION=us-east-1",
	"AWS_PAGER=", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "PYTHONWARNINGS=ignore"}

// TestAWSCLI drives the simulator with the real aws CLI: aws s3 cp (a multipart upload for
// the 9 MB file), ls, sync both ways, rb, and s3api calls with metadata, ranges, paging,
// delimiters and AWS's error codes. The TLS server makes the CLI stream uploads as
// aws-chunked bodies with checksum trailers.
func TestAWSCLI(t *testing.T) {
	t.Parallel()
	awsBin := needTool(t, "aws")
	svc := s3.New(s3.Config{})
	srv := httptest.NewServer(svc.Handler())
	t.Cleanup(srv.Close)
	rec := &contentSHAs{seen: map[string]int{}}
	tlsSrv := httptest.NewTLSServer(rec.wrap(svc.Handler()))
	t.Cleanup(tlsSrv.Close)
	dir := t.TempDir()
	run := func(endpoint string, args ...string) (string, error) {
		full := append([]string{"--endpoint-url", endpoint, "--output", "json"}, args...)
		if strings.HasPrefix(endpoint, "https") {
			full = append(full, "--no-verify-ssl")
		}
		cmd := exec.Command(awsBin, full...)
		cmd.Env = append(os.Environ(), cliEnv...)
		cmd.Dir = dir
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return string(out) + stderr.String(), err
		}
		return string(out), nil
	}
	aws := func(args ...string) string {
		t.Helper()
		out, err := run(srv.URL, args...)
		require.NoError(t, err, "aws %v: %s", args, out)
		return out
	}
	awsJSON := func(args ...string) map[string]any {
		t.Helper()
		out := aws(args...)
		m := map[string]any{}
		if strings.TrimSpace(out) != "" {
			require.NoError(t, json.Unmarshal([]byte(out), &m), out)
		}
		return m
	}
	awsFails := func(want string, args ...string) {
		t.Helper()
		out, err := run(srv.URL, args...)
		require.Error(t, err, "aws %v succeeded: %s", args, out)
		require.Contains(t, out, want)
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, data, 0o644))
		return p
	}

	aws("s3", "mb", "s3://cli-bucket")
	require.Contains(t, aws("s3", "ls"), "cli-bucket")
	awsFails("BucketAlreadyOwnedByYou", "s3api", "create-bucket", "--bucket", "cli-bucket", "--create-bucket-configuration", "LocationConstraint=eu-west-1")

	small := write("small.txt", []byte("hello cli"))
	big := make([]byte, 9<<20)
	_, _ = rand.Read(big)
	bigPath := write("big.bin", big)
	aws("s3", "cp", small, "s3://cli-bucket/docs/small.txt", "--only-show-errors")
	aws("s3", "cp", bigPath, "s3://cli-bucket/blobs/big.bin", "--only-show-errors")
	head := awsJSON("s3api", "head-object", "--bucket", "cli-bucket", "--key", "blobs/big.bin")
	require.Equal(t, float64(9<<20), head["ContentLength"])
	require.Regexp(t, `-2"$`, head["ETag"], "a 9 MB cp is a two-part multipart upload")
	aws("s3", "cp", "s3://cli-bucket/blobs/big.bin", filepath.Join(dir, "big.back"), "--only-show-errors")
	back, err := os.ReadFile(filepath.Join(dir, "big.back"))
	require.NoError(t, err)
	require.True(t, bytes.Equal(big, back), "downloaded object differs")

	ls := aws("s3", "ls", "s3://cli-bucket/")
	require.Contains(t, ls, "PRE docs/")
	require.Contains(t, ls, "PRE blobs/")
	require.Contains(t, aws("s3", "ls", "s3://cli-bucket", "--recursive"), "docs/small.txt")

	// sync up, then down into an empty directory; a second sync copies nothing.
	write("tree/a.txt", []byte("a"))
	write("tree/sub dir/b.txt", []byte("b"))
	write("tree/sub dir/deeper/c.txt", []byte("c"))
	aws("s3", "sync", filepath.Join(dir, "tree"), "s3://cli-bucket/tree/", "--only-show-errors")
	require.Empty(t, strings.TrimSpace(aws("s3", "sync", filepath.Join(dir, "tree"), "s3://cli-bucket/tree/")))
	aws("s3", "sync", "s3://cli-bucket/tree/", filepath.Join(dir, "copy"), "--only-show-errors")
	got, err := os.ReadFile(filepath.Join(dir, "copy", "sub dir", "deeper", "c.txt"))
	require.NoError(t, err)
	require.Equal(t, "c", string(got))

	// s3api: metadata, content type, get with a range, copy.
	put := awsJSON("s3api", "put-object", "--bucket", "cli-bucket", "--key", "api/obj.json", "--body", small,
		"--content-type", "application/json", "--metadata", "team=data,run=7")
	require.Equal(t, `"`+md5hex("hello cli")+`"`, put["ETag"])
	get := awsJSON("s3api", "get-object", "--bucket", "cli-bucket", "--key", "api/obj.json", "--range", "bytes=0-4", filepath.Join(dir, "part.out"))
	require.Equal(t, "bytes 0-4/9", get["ContentRange"])
	require.Equal(t, map[string]any{"team": "data", "run": "7"}, get["Metadata"])
	part, _ := os.ReadFile(filepath.Join(dir, "part.out"))
	require.Equal(t, "hello", string(part))
	awsJSON("s3api", "copy-object", "--bucket", "cli-bucket", "--key", "api/copy.json", "--copy-source", "cli-bucket/api/obj.json")
	require.Equal(t, "application/json", awsJSON("s3api", "head-object", "--bucket", "cli-bucket", "--key", "api/copy.json")["ContentType"])

	// list-objects-v2: a delimiter, then pages of 2 (the CLI follows the continuation tokens).
	lv := awsJSON("s3api", "list-objects-v2", "--bucket", "cli-bucket", "--delimiter", "/")
	require.Len(t, lv["CommonPrefixes"], 4)
	all := awsJSON("s3api", "list-objects-v2", "--bucket", "cli-bucket", "--page-size", "2")
	require.Len(t, all["Contents"], 7)
	first := awsJSON("s3api", "list-objects-v2", "--bucket", "cli-bucket", "--max-items", "3")
	require.Len(t, first["Contents"], 3)
	require.NotEmpty(t, first["NextToken"])
	rest := awsJSON("s3api", "list-objects-v2", "--bucket", "cli-bucket", "--starting-token", first["NextToken"].(string))
	require.Len(t, rest["Contents"], 4)
	v1 := awsJSON("s3api", "list-objects", "--bucket", "cli-bucket", "--prefix", "tree/", "--page-size", "1")
	require.Len(t, v1["Contents"], 3)

	// Errors.
	awsFails("An error occurred (NoSuchKey) when calling the GetObject operation: The specified key does not exist.",
		"s3api", "get-object", "--bucket", "cli-bucket", "--key", "nope", filepath.Join(dir, "x"))
	awsFails("(NoSuchBucket)", "s3api", "list-objects-v2", "--bucket", "no-such-bucket")
	awsFails("(InvalidRange)", "s3api", "get-object", "--bucket", "cli-bucket", "--key", "api/obj.json", "--range", "bytes=100-", filepath.Join(dir, "x"))
	awsFails("(BucketNotEmpty)", "s3api", "delete-bucket", "--bucket", "cli-bucket")
	awsFails("(404)", "s3api", "head-object", "--bucket", "cli-bucket", "--key", "nope")

	// An S3-to-S3 copy of the 9 MB object is a multipart copy (UploadPartCopy); mv and rm.
	aws("s3", "cp", "s3://cli-bucket/blobs/big.bin", "s3://cli-bucket/copies/big.bin", "--only-show-errors")
	require.Equal(t, head["ETag"], awsJSON("s3api", "head-object", "--bucket", "cli-bucket", "--key", "copies/big.bin")["ETag"])
	aws("s3", "mv", "s3://cli-bucket/copies/big.bin", "s3://cli-bucket/copies/moved.bin", "--only-show-errors")
	aws("s3", "rm", "s3://cli-bucket/copies/", "--recursive", "--only-show-errors")
	require.NotContains(t, aws("s3", "ls", "s3://cli-bucket/"), "copies/")

	// Over TLS the CLI sends uploads as aws-chunked with a CRC trailer.
	out, err := run(tlsSrv.URL, "s3", "cp", small, "s3://cli-bucket/tls/small.txt", "--only-show-errors")
	require.NoError(t, err, out)
	obj, err := svc.GetObject("cli-bucket", "tls/small.txt")
	require.NoError(t, err)
	require.Equal(t, "hello cli", string(obj.Body))
	rec.mu.Lock()
	require.NotZero(t, rec.seen["STREAMING-UNSIGNED-PAYLOAD-TRAILER"], "the CLI sent no aws-chunked upload over TLS: %v", rec.seen)
	rec.mu.Unlock()

	aws("s3", "rb", "s3://cli-bucket", "--force")
	require.NotContains(t, aws("s3", "ls"), "cli-bucket")
}

// TestBoto3 drives the simulator with boto3: objects, paging, an upload_file large enough
// for a multipart upload, download_file, and error codes, over plain HTTP and over TLS
// (where botocore sends aws-chunked bodies with checksum trailers).
func TestBoto3(t *testing.T) {
	t.Parallel()
	py := needTool(t, "python3")
	if err := exec.Command(py, "-c", "import boto3").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("boto3 is required in CI")
		}
		t.Skip("boto3 not installed")
	}
	svc := s3.New(s3.Config{})
	srv := httptest.NewServer(svc.Handler())
	t.Cleanup(srv.Close)
	rec := &contentSHAs{seen: map[string]int{}}
	tlsSrv := httptest.NewTLSServer(rec.wrap(svc.Handler()))
	t.Cleanup(tlsSrv.Close)
	for _, endpoint := range []string{srv.URL, tlsSrv.URL} {
		cmd := exec.Command(py, "-c", boto3Script, endpoint)
		cmd.Env = append(os.Environ(), cliEnv...)
		cmd.Dir = t.TempDir()
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		require.Contains(t, string(out), "boto3 ok")
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	require.NotZero(t, rec.seen["STREAMING-UNSIGNED-PAYLOAD-TRAILER"], "boto3 sent no aws-chunked upload over TLS: %v", rec.seen)
}

const boto3Script = `
import sys, os, hashlib, boto3, botocore
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
ep = sys.argv[1]
c = boto3.client("s3", endpoint_url=ep, verify=False, config=Config(s3={"addressing_style": "path"}))
bucket = "boto-" + ("tls" if ep.startswith("https") else "plain")
c.create_bucket(Bucket=bucket)
r = c.put_object(Bucket=bucket, Key="k/one.txt", Body=b"one", ContentType="text/plain", Metadata={"a": "b"})
assert r["ETag"] == '"%s"' % hashlib.md5(b"one").hexdigest(), r
g = c.get_object(Bucket=bucket, Key="k/one.txt", ChecksumMode="ENABLED")
assert g["Body"].read() == b"one" and g["Metadata"] == {"a": "b"} and g["ContentType"] == "text/plain", g
for i in range(5):
    c.put_object(Bucket=bucket, Key="p/%d" % i, Body=b"x" * i)
pages = list(c.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="p/", PaginationConfig={"PageSize": 2}))
assert [o["Key"] for p in pages for o in p.get("Contents", [])] == ["p/%d" % i for i in range(5)], pages
assert len(pages) == 3
d = c.list_objects_v2(Bucket=bucket, Delimiter="/")
assert [p["Prefix"] for p in d["CommonPrefixes"]] == ["k/", "p/"], d
data = os.urandom(6 * 1024 * 1024 + 17)
open("up.bin", "wb").write(data)
c.upload_file("up.bin", bucket, "big.bin", Config=TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024))
h = c.head_object(Bucket=bucket, Key="big.bin")
assert h["ContentLength"] == len(data) and h["ETag"].endswith('-2"'), h
c.download_file(bucket, "big.bin", "down.bin")
assert open("down.bin", "rb").read() == data
for call, code in [
    (lambda: c.get_object(Bucket=bucket, Key="missing"), "NoSuchKey"),
    (lambda: c.list_objects_v2(Bucket="missing-bucket"), "NoSuchBucket"),
    (lambda: c.delete_bucket(Bucket=bucket), "BucketNotEmpty"),
    (lambda: c.head_object(Bucket=bucket, Key="missing"), "404"),
]:
    try:
        call()
        raise SystemExit("no error, wanted " + code)
    except botocore.exceptions.ClientError as e:
        assert e.response["Error"]["Code"] == code, e.response
        assert e.response["ResponseMetadata"]["RequestId"], e.response
c.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k["Key"]} for k in c.list_objects_v2(Bucket=bucket)["Contents"]]})
c.delete_bucket(Bucket=bucket)
print("boto3 ok")
`

func md5hex(s string) string {
	return strings.Trim(s3.Etag(s), `"`)
}
