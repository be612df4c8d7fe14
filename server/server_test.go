package server

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/config"
	"github.com/sfnlocal/sfnlocal/services/s3"
)

func testConfig(t testing.TB) config.Config {
	t.Helper()
	cfg, err := config.Load([]string{"--addr", "127.0.0.1:0", "--time", "instant"}, func(string) string { return "" }, io.Discard)
	require.NoError(t, err)
	return cfg
}

func TestRouting(t *testing.T) {
	t.Parallel()
	srv, err := New(testConfig(t), zap.NewNop())
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	cases := []struct {
		name, method, path, target, contentType, body, accept string
		status                                                int
		want                                                  string
	}{
		{name: "step functions", method: "POST", path: "/", target: "AWSStepFunctions.ListStateMachines", body: "{}", status: 200, want: `{"stateMachines":[]}`},
		{name: "lambda", method: "GET", path: "/2015-03-31/functions/", status: 200, want: `"Functions"`},
		{name: "batch", method: "POST", path: "/v1/describejobqueues", body: "{}", status: 200, want: `"jobQueueName":"default"`},
		{name: "logs", method: "POST", path: "/", target: "Logs_20140328.GetLogEvents", body: `{"logGroupName":"/aws/batch/job","logStreamName":"nope"}`, status: 400, want: "ResourceNotFoundException"},
		{name: "sns", method: "POST", path: "/", contentType: "application/x-www-form-urlencoded", body: "Action=ListTopics", status: 200, want: "<ListTopicsResponse"},
		{name: "sns messages", method: "GET", path: "/_sfnlocal/sns/messages", status: 200, want: `"Messages":[]`},
		{name: "dynamodb", method: "POST", path: "/", target: "DynamoDB_20120810.ListTables", body: "{}", status: 200, want: `"TableNames":[]`},
		{name: "sqs", method: "POST", path: "/", target: "AmazonSQS.ListQueues", body: "{}", status: 200, want: "{"},
		{name: "events", method: "POST", path: "/", target: "AWSEvents.ListEventBuses", body: "{}", status: 200, want: `"EventBuses"`},
		{name: "ecs", method: "POST", path: "/", target: "AmazonEC2ContainerServiceV20141113.ListClusters", body: "{}", status: 200, want: `"clusterArns":["arn:aws:ecs:us-east-1:123456789012:cluster/default"]`},
		{name: "events connections", method: "POST", path: "/", target: "AWSEvents.ListConnections", body: "{}", status: 200, want: `"Connections":[]`},
		{name: "unknown awsJson service", method: "POST", path: "/", target: "DynamoDBStreams_20120810.ListStreams", body: "{}", status: 400, want: "UnknownOperationException"},
		{name: "unclaimed path", method: "GET", path: "/nothing-here", status: 404, want: "404 page not found"},
		{name: "browser at the root", method: "GET", path: "/", accept: "text/html,application/xhtml+xml", status: 302, want: `<a href="/ui/">Found</a>`},
		{name: "console", method: "GET", path: "/ui/", status: 200, want: `<table class="list" id="state-machines">`},
		{name: "console asset", method: "GET", path: "/ui/assets/app.js", status: 200, want: "EventSource"},
		{name: "metrics", method: "GET", path: "/metrics", status: 200, want: "# TYPE go_goroutines gauge"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			if tc.target != "" {
				r.Header.Set("X-Amz-Target", tc.target)
			}
			if tc.contentType != "" {
				r.Header.Set("Content-Type", tc.contentType)
			}
			if tc.accept != "" {
				r.Header.Set("Accept", tc.accept)
			}
			w := httptest.NewRecorder()
			srv.Handler().ServeHTTP(w, r)
			require.Equal(t, tc.status, w.Code, w.Body.String())
			require.Contains(t, w.Body.String(), tc.want)
		})
	}
}

func TestNoConsole(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.NoConsole = true
	srv, err := New(cfg, zap.NewNop())
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	for path, want := range map[string]int{"/ui/": 404, "/": 404, "/metrics": 200} {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.Header.Set("Accept", "text/html")
		w := httptest.NewRecorder()
		srv.Handler().ServeHTTP(w, r)
		require.Equal(t, want, w.Code, path)
	}
}

func TestBadOTLPEndpoint(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	cfg.OTLPEndpoint = "not a url"
	_, err := New(cfg, zap.NewNop())
	require.ErrorContains(t, err, "invalid OTLP endpoint")
}

// start builds and serves a server on a free loopback port.
func start(t testing.TB) (addr string, stop func() error) {
	t.Helper()
	_, addr, stop = startListening(t)
	return addr, stop
}

// startListening is start that also returns the Server, e.g. for WaitExecution.
func startListening(t testing.TB) (srv *Server, addr string, stop func() error) {
	t.Helper()
	cfg := testConfig(t)
	ln, err := net.Listen("tcp", cfg.Addr)
	require.NoError(t, err)
	cfg.Addr = ln.Addr().String()
	srv, err = New(cfg, zap.NewNop())
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	return srv, cfg.Addr, func() error { cancel(); return <-done }
}

func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	addr, stop := start(t)
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/", strings.NewReader(`{}`))
	require.NoError(t, err)
	req.Header.Set("X-Amz-Target", "AWSStepFunctions.ListActivities")
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	require.JSONEq(t, `{"activities":[]}`, string(body))
	require.NoError(t, stop())
	_, err = http.DefaultClient.Do(req)
	require.Error(t, err, "the listener is closed after shutdown")
}

// BenchmarkColdStart measures a cold start: build every service, open a listener, answer the
// first request over loopback, shut down.
func BenchmarkColdStart(b *testing.B) {
	for b.Loop() {
		addr, stop := start(b)
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/", strings.NewReader(`{}`))
		req.Header.Set("X-Amz-Target", "AWSStepFunctions.ListStateMachines")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
		if err := stop(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRoutingS3: signed S3 requests reach S3 by their signing name, even for buckets named
// like other services' routes; unsigned ones only by a bucket.localhost host or an existing
// bucket's name, so other unsigned routes keep working.
func TestRoutingS3(t *testing.T) {
	t.Parallel()
	srv, err := New(testConfig(t), zap.NewNop())
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	const s3Auth = "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00"
	steps := []struct {
		name, method, path, host, auth, body string
		status                               int
		want                                 string
	}{
		{name: "signed v1 is S3's", method: "PUT", path: "/v1", auth: s3Auth, status: 400, want: "<Code>InvalidBucketName</Code>"},
		{name: "signed create bucket 2015-03-31", method: "PUT", path: "/2015-03-31", auth: s3Auth, status: 200},
		{name: "signed put", method: "PUT", path: "/2015-03-31/functions/", auth: s3Auth, body: "not lambda", status: 200},
		{name: "signed list", method: "GET", path: "/2015-03-31?list-type=2", auth: s3Auth, status: 200, want: "<Key>functions/</Key>"},
		{name: "unsigned lambda route stays lambda", method: "GET", path: "/2015-03-31/functions/", status: 200, want: `"Functions"`},
		{name: "unsigned batch route stays batch", method: "POST", path: "/v1/describejobqueues", body: "{}", status: 200, want: `"jobQueueName":"default"`},
		{name: "unsigned virtual-hosted", method: "GET", path: "/functions/", host: "2015-03-31.localhost:8083", status: 200, want: "not lambda"},
		{name: "signed missing bucket", method: "GET", path: "/nope-bucket/k", auth: s3Auth, status: 404, want: "<Code>NoSuchBucket</Code>"},
		{name: "signed create data", method: "PUT", path: "/data-bucket", auth: s3Auth, status: 200},
		{name: "unsigned existing bucket", method: "PUT", path: "/data-bucket/k", body: "curl", status: 200},
		{name: "unsigned get", method: "GET", path: "/data-bucket/k", status: 200, want: "curl"},
		{name: "unclaimed path", method: "GET", path: "/nothing-here", status: 404, want: "404 page not found"},
	}
	for _, st := range steps {
		r := httptest.NewRequest(st.method, st.path, strings.NewReader(st.body))
		if st.host != "" {
			r.Host = st.host
		}
		if st.auth != "" {
			r.Header.Set("Authorization", st.auth)
		}
		w := httptest.NewRecorder()
		srv.Handler().ServeHTTP(w, r)
		require.Equal(t, st.status, w.Code, "%s: %s", st.name, w.Body.String())
		require.Contains(t, w.Body.String(), st.want, st.name)
	}
	obj, err := srv.S3().GetObject("2015-03-31", "functions/")
	require.NoError(t, err)
	require.Equal(t, "not lambda", string(obj.Body))
	_, err = srv.S3().GetObject("2015-03-31", "x")
	require.ErrorIs(t, err, s3.ErrNoSuchKey)
}
