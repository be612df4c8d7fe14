package s3_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/services/s3"
)

// contentSHAs records the x-amz-content-sha256 of every request the server sees.
type contentSHAs struct {
	mu   sync.Mutex
	seen map[string]int
}

func (c *contentSHAs) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		v := r.Header.Get("X-Amz-Content-Sha256")
		if !strings.HasPrefix(v, "STREAMING-") && v != "UNSIGNED-PAYLOAD" {
			v = "hash"
		}
		c.seen[v]++
		c.mu.Unlock()
		h.ServeHTTP(w, r)
	})
}

// sdkClient is an aws-sdk-go-v2 S3 client for a server. With virtual hosting, requests go to
// bucket.localhost, which the client's dialer sends to the server.
func sdkClient(t *testing.T, url string, pathStyle bool) *awss3.Client {
	t.Helper()
	addr := strings.TrimPrefix(url, "http://")
	_, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	dialer := &net.Dialer{}
	httpClient := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return dialer.DialContext(ctx, network, addr)
	}}}
	return awss3.New(awss3.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String("http://localhost:" + port),
		UsePathStyle: pathStyle,
		HTTPClient:   httpClient,
	})
}

func TestGoSDK(t *testing.T) {
	t.Parallel()
	svc := s3.New(s3.Config{})
	rec := &contentSHAs{seen: map[string]int{}}
	srv := httptest.NewServer(rec.wrap(svc.Handler()))
	t.Cleanup(srv.Close)
	// Over TLS the SDK streams uploads as aws-chunked with a checksum trailer.
	tlsSrv := httptest.NewTLSServer(rec.wrap(svc.Handler()))
	t.Cleanup(tlsSrv.Close)
	ctx := context.Background()
	for _, style := range []struct {
		name      string
		pathStyle bool
		tls       bool
	}{{"path-style", true, false}, {"virtual-hosted", false, false}, {"tls-chunked", true, true}} {
		t.Run(style.name, func(t *testing.T) {
			c := sdkClient(t, srv.URL, style.pathStyle)
			if style.tls {
				c = awss3.New(awss3.Options{
					Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
					BaseEndpoint: aws.String(tlsSrv.URL), UsePathStyle: true, HTTPClient: tlsSrv.Client(),
				})
			}
			bucket := "sdk-" + strings.ToLower(strings.ReplaceAll(style.name, "-", ""))
			_, err := c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String(bucket)})
			require.NoError(t, err)
			put, err := c.PutObject(ctx, &awss3.PutObjectInput{
				Bucket: aws.String(bucket), Key: aws.String("dir/hello.txt"), Body: strings.NewReader("hello world"),
				ContentType: aws.String("text/plain"), Metadata: map[string]string{"Owner": "me"},
				ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
			})
			require.NoError(t, err)
			require.Equal(t, `"5eb63bbbe01eeed093cb22bb8f5acdc3"`, aws.ToString(put.ETag))
			require.Equal(t, "DUoRhQ==", aws.ToString(put.ChecksumCRC32))

			get, err := c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("dir/hello.txt"), ChecksumMode: types.ChecksumModeEnabled})
			require.NoError(t, err)
			body, err := io.ReadAll(get.Body)
			require.NoError(t, err)
			require.Equal(t, "hello world", string(body))
			require.Equal(t, "text/plain", aws.ToString(get.ContentType))
			require.Equal(t, map[string]string{"owner": "me"}, get.Metadata)

			if !style.tls {
				// A presigned GET, fetched with a plain HTTP client.
				ps, err := awss3.NewPresignClient(c).PresignGetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("dir/hello.txt")})
				require.NoError(t, err)
				req, err := http.NewRequestWithContext(ctx, ps.Method, ps.URL, nil)
				require.NoError(t, err)
				resp, err := c.Options().HTTPClient.(*http.Client).Do(req)
				require.NoError(t, err)
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				require.Equal(t, 200, resp.StatusCode, string(body))
				require.Equal(t, "hello world", string(body))
			}

			rng, err := c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("dir/hello.txt"), Range: aws.String("bytes=6-")})
			require.NoError(t, err)
			body, _ = io.ReadAll(rng.Body)
			require.Equal(t, "world", string(body))
			require.Equal(t, "bytes 6-10/11", aws.ToString(rng.ContentRange))

			for _, k := range []string{"a/1", "a/2", "b/1", "c", "d"} {
				_, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(k), Body: strings.NewReader(k)})
				require.NoError(t, err)
			}
			var keys []string
			pages := 0
			p := awss3.NewListObjectsV2Paginator(c, &awss3.ListObjectsV2Input{Bucket: aws.String(bucket), MaxKeys: aws.Int32(2)})
			for p.HasMorePages() {
				page, err := p.NextPage(ctx)
				require.NoError(t, err)
				pages++
				for _, o := range page.Contents {
					keys = append(keys, aws.ToString(o.Key))
				}
			}
			require.Equal(t, []string{"a/1", "a/2", "b/1", "c", "d", "dir/hello.txt"}, keys)
			require.Equal(t, 3, pages)
			delim, err := c.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String(bucket), Delimiter: aws.String("/")})
			require.NoError(t, err)
			var prefixes []string
			for _, cp := range delim.CommonPrefixes {
				prefixes = append(prefixes, aws.ToString(cp.Prefix))
			}
			require.Equal(t, []string{"a/", "b/", "dir/"}, prefixes)
			require.Equal(t, int32(5), aws.ToInt32(delim.KeyCount))

			_, err = c.CopyObject(ctx, &awss3.CopyObjectInput{Bucket: aws.String(bucket), Key: aws.String("copy"), CopySource: aws.String(bucket + "/dir/hello.txt")})
			require.NoError(t, err)

			// Multipart: two parts with CRC32 checksums, the first at the 5 MiB minimum.
			up, err := c.CreateMultipartUpload(ctx, &awss3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("big"), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
			require.NoError(t, err)
			part1 := bytes.Repeat([]byte("p"), 5<<20)
			var done []types.CompletedPart
			for i, data := range [][]byte{part1, []byte("end")} {
				n := aws.Int32(int32(i + 1))
				res, err := c.UploadPart(ctx, &awss3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String("big"), UploadId: up.UploadId,
					PartNumber: n, Body: bytes.NewReader(data), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
				require.NoError(t, err)
				done = append(done, types.CompletedPart{ETag: res.ETag, PartNumber: n, ChecksumCRC32: res.ChecksumCRC32})
			}
			_, err = c.CompleteMultipartUpload(ctx, &awss3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("big"), UploadId: up.UploadId,
				MultipartUpload: &types.CompletedMultipartUpload{Parts: done}})
			require.NoError(t, err)
			head, err := c.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("big")})
			require.NoError(t, err)
			require.Equal(t, int64(5<<20+3), aws.ToInt64(head.ContentLength))
			require.True(t, strings.HasSuffix(aws.ToString(head.ETag), `-2"`))
			big, err := c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("big"), ChecksumMode: types.ChecksumModeEnabled})
			require.NoError(t, err)
			body, err = io.ReadAll(big.Body)
			require.NoError(t, err)
			require.Equal(t, append(part1, "end"...), body)

			// Typed errors.
			_, err = c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("missing")})
			var nsk *types.NoSuchKey
			require.ErrorAs(t, err, &nsk)
			_, err = c.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("missing")})
			var nf *types.NotFound
			require.ErrorAs(t, err, &nf)
			_, err = c.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String("missing-bucket")})
			var nsb *types.NoSuchBucket
			require.ErrorAs(t, err, &nsb)
			_, err = c.DeleteBucket(ctx, &awss3.DeleteBucketInput{Bucket: aws.String(bucket)})
			require.Error(t, err)
			require.Contains(t, err.Error(), "BucketNotEmpty")

			del, err := c.DeleteObjects(ctx, &awss3.DeleteObjectsInput{Bucket: aws.String(bucket), Delete: &types.Delete{Objects: []types.ObjectIdentifier{
				{Key: aws.String("a/1")}, {Key: aws.String("a/2")}, {Key: aws.String("b/1")}, {Key: aws.String("c")}, {Key: aws.String("d")},
				{Key: aws.String("dir/hello.txt")}, {Key: aws.String("copy")}, {Key: aws.String("big")},
			}}})
			require.NoError(t, err)
			require.Len(t, del.Deleted, 8)
			_, err = c.DeleteBucket(ctx, &awss3.DeleteBucketInput{Bucket: aws.String(bucket)})
			require.NoError(t, err)
			var nb *types.NotFound
			_, err = c.HeadBucket(ctx, &awss3.HeadBucketInput{Bucket: aws.String(bucket)})
			require.True(t, errors.As(err, &nb), "%v", err)
		})
	}
	t.Logf("x-amz-content-sha256 kinds seen: %v", rec.seen)
	require.NotZero(t, rec.seen["STREAMING-UNSIGNED-PAYLOAD-TRAILER"], "the TLS client sent no aws-chunked upload")
}
