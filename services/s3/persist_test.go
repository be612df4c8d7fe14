package s3

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/internal/storage"
	"github.com/sfnlocal/sfnlocal/internal/storage/storagetest"
)

func durableS3(t *testing.T, db *storage.DB) *Service {
	t.Helper()
	s := New(Config{Clock: clock.NewFake(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)), AccountID: "111111111111", DB: db})
	require.NoError(t, s.LoadError())
	return s
}

// s3Snapshot is every read-only answer about the service's buckets, objects and uploads.
func s3Snapshot(t *testing.T, s *Service) map[string]any {
	t.Helper()
	out := map[string]any{}
	buckets := s.ListBuckets()
	out["ListBuckets"] = buckets
	for _, b := range buckets {
		loc, err := s.BucketLocation(b.Name)
		require.NoError(t, err)
		out[b.Name+" location"] = loc
		nc, err := s.BucketNotificationConfiguration(b.Name)
		require.NoError(t, err)
		out[b.Name+" notifications"] = nc
		list, err := s.ListObjects(b.Name, ListInput{})
		require.NoError(t, err)
		out[b.Name+" objects"] = list
		for _, o := range list.Objects {
			got, err := s.GetObject(b.Name, o.Key)
			require.NoError(t, err)
			out[b.Name+"/"+o.Key] = *got
		}
		ups, err := s.ListMultipartUploads(b.Name, "")
		require.NoError(t, err)
		out[b.Name+" uploads"] = ups
		for _, u := range ups {
			parts, up, _, err := s.ListParts(b.Name, u.Key, u.ID, 0, 0)
			require.NoError(t, err)
			out[u.ID] = []any{parts, up}
		}
	}
	return out
}

func TestDurableRestart(t *testing.T) {
	t.Parallel()
	big := bytes.Repeat([]byte("0123456789abcdef"), minPartSize/16)
	tests := []struct {
		name  string
		build func(t *testing.T, s *Service) func(t *testing.T, s *Service)
	}{
		{"buckets, regions, notifications", func(t *testing.T, s *Service) func(*testing.T, *Service) {
			require.NoError(t, s.CreateBucket("plain", ""))
			require.NoError(t, s.CreateBucket("eu-bucket", "eu-west-1"))
			require.NoError(t, s.CreateBucket("gone", ""))
			require.NoError(t, s.DeleteBucket("gone"))
			require.NoError(t, s.PutBucketNotificationConfiguration("plain", NotificationConfiguration{
				Queues: []QueueConfiguration{{ID: "q", Queue: "arn:aws:sqs:us-east-1:111111111111:q", Events: []string{"s3:ObjectCreated:*"},
					Filter: &Filter{Rules: []FilterRule{{Name: "prefix", Value: "in/"}}}}},
			}))
			return func(t *testing.T, s *Service) {
				require.Error(t, s.CreateBucket("eu-bucket", "eu-west-1"), "still owned")
				require.NoError(t, s.CreateBucket("gone", ""))
			}
		}},
		{"objects with metadata, replaced, tagged, deleted", func(t *testing.T, s *Service) func(*testing.T, *Service) {
			require.NoError(t, s.CreateBucket("data", ""))
			_, err := s.PutObject("data", "a/one.json", []byte(`{"a":1}`), PutOptions{ContentType: "application/json",
				Metadata: map[string]string{"owner": "me"}, CacheControl: "no-cache", ChecksumAlgorithm: "SHA256"})
			require.NoError(t, err)
			_, err = s.PutObject("data", "a/two", []byte("first"), PutOptions{})
			require.NoError(t, err)
			_, err = s.PutObject("data", "a/two", []byte("second"), PutOptions{Tags: map[string]string{"t": "1"}})
			require.NoError(t, err)
			require.NoError(t, s.PutObjectTagging("data", "a/two", map[string]string{"t": "2"}))
			_, err = s.PutObject("data", "empty", nil, PutOptions{})
			require.NoError(t, err)
			_, err = s.PutObject("data", "gone", []byte("x"), PutOptions{})
			require.NoError(t, err)
			require.NoError(t, s.DeleteObject("data", "gone"))
			_, err = s.CopyObject("data", "a/one.json", "data", "copy", CopyOptions{})
			require.NoError(t, err)
			return func(t *testing.T, s *Service) {
				o, err := s.GetObject("data", "a/two")
				require.NoError(t, err)
				require.Equal(t, "second", string(o.Body))
				require.Equal(t, map[string]string{"t": "2"}, o.Tags)
				_, err = s.GetObject("data", "gone")
				require.Error(t, err)
			}
		}},
		{"multipart uploads in progress and completed", func(t *testing.T, s *Service) func(*testing.T, *Service) {
			require.NoError(t, s.CreateBucket("mp-bucket", ""))
			done, err := s.CreateMultipartUpload("mp-bucket", "done", PutOptions{ChecksumAlgorithm: "CRC32"}, "")
			require.NoError(t, err)
			p1, err := s.UploadPart("mp-bucket", "done", done.ID, 1, big, nil, "")
			require.NoError(t, err)
			p2, err := s.UploadPart("mp-bucket", "done", done.ID, 2, []byte("tail"), nil, "")
			require.NoError(t, err)
			_, err = s.CompleteMultipartUpload("mp-bucket", "done", done.ID, []CompletedPart{{1, p1.ETag}, {2, p2.ETag}})
			require.NoError(t, err)
			open, err := s.CreateMultipartUpload("mp-bucket", "open", PutOptions{ContentType: "text/plain"}, "")
			require.NoError(t, err)
			q1, err := s.UploadPart("mp-bucket", "open", open.ID, 1, big, nil, "")
			require.NoError(t, err)
			aborted, err := s.CreateMultipartUpload("mp-bucket", "aborted", PutOptions{}, "")
			require.NoError(t, err)
			require.NoError(t, s.AbortMultipartUpload("mp-bucket", "aborted", aborted.ID))
			return func(t *testing.T, s *Service) {
				q2, err := s.UploadPart("mp-bucket", "open", open.ID, 2, []byte("end"), nil, "")
				require.NoError(t, err)
				o, err := s.CompleteMultipartUpload("mp-bucket", "open", open.ID, []CompletedPart{{1, q1.ETag}, {2, q2.ETag}})
				require.NoError(t, err)
				require.Equal(t, len(big)+3, len(o.Body))
				require.Equal(t, "text/plain", o.ContentType)
				require.Equal(t, 2, o.PartsCount)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := storagetest.Open(t)
			s := durableS3(t, db)
			check := tc.build(t, s)
			before := s3Snapshot(t, s)
			db = storagetest.Reopen(t, db)
			s2 := durableS3(t, db)
			require.Equal(t, before, s3Snapshot(t, s2))
			check(t, s2)
		})
	}
}
