package s3_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sfnlocal/sfnlocal/services/s3"
)

// BenchmarkGetObject1MB reads a 1 MiB object over loopback HTTP with a keep-alive client
// (target: under 1 ms per GetObject).
func BenchmarkGetObject1MB(b *testing.B) {
	svc := s3.New(s3.Config{})
	if err := svc.CreateBucket("bench", ""); err != nil {
		b.Fatal(err)
	}
	data := make([]byte, 1<<20)
	_, _ = rand.Read(data)
	if _, err := svc.PutObject("bench", "obj", data, s3.PutOptions{}); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(svc.Handler())
	b.Cleanup(srv.Close)
	client := srv.Client()
	url := srv.URL + "/bench/obj"
	buf := bytes.NewBuffer(make([]byte, 0, 1<<20))
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		buf.Reset()
		n, err := io.Copy(buf, resp.Body)
		resp.Body.Close()
		if err != nil || n != int64(len(data)) || resp.StatusCode != 200 {
			b.Fatalf("read %d bytes, status %d: %v", n, resp.StatusCode, err)
		}
	}
}

// BenchmarkPutObject1MB stores a 1 MiB object through the Go API (MD5 and CRC64NVME).
func BenchmarkPutObject1MB(b *testing.B) {
	svc := s3.New(s3.Config{})
	if err := svc.CreateBucket("bench", ""); err != nil {
		b.Fatal(err)
	}
	data := make([]byte, 1<<20)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := svc.PutObject("bench", "obj", data, s3.PutOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
