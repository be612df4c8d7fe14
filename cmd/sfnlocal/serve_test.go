package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/config"
)

func testConfig(t testing.TB) config.Config {
	t.Helper()
	cfg, err := config.Load([]string{"--addr", "127.0.0.1:0", "--time", "instant"}, func(string) string { return "" }, io.Discard)
	require.NoError(t, err)
	return cfg
}

func TestServeRouting(t *testing.T) {
	t.Parallel()
	srv, err := newServer(testConfig(t), zap.NewNop())
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	cases := []struct {
		name, method, path, target string
		status                     int
		body                       string
	}{
		{"step functions", "POST", "/", "AWSStepFunctions.ListStateMachines", 200, `{"stateMachines":[]}`},
		{"unknown awsJson service", "POST", "/", "Logs_20140328.PutLogEvents", 400, `UnknownOperationException`},
		{"unclaimed path", "GET", "/2015-03-31/functions", "", 404, "404 page not found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(tc.method, tc.path, strings.NewReader("{}"))
			if tc.target != "" {
				r.Header.Set("X-Amz-Target", tc.target)
			}
			w := httptest.NewRecorder()
			srv.Handler().ServeHTTP(w, r)
			require.Equal(t, tc.status, w.Code)
			require.Contains(t, w.Body.String(), tc.body)
		})
	}
}

func TestServeGracefulShutdown(t *testing.T) {
	t.Parallel()
	srv, err := newServer(testConfig(t), zap.NewNop())
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- srv.serve(ctx, func(a string) { addrc <- a }) }()
	addr := <-addrc
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
	cancel()
	require.NoError(t, <-done)
}

func TestServeCommandFlags(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"help", []string{"-h"}, 0, "-addr"},
		{"bad region", []string{"--region", "nowhere"}, 2, "invalid --region"},
		{"unknown flag", []string{"--nope"}, 2, "flag provided but not defined"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := serveCommand(tc.args, func(string) string { return "" }, &stdout, &stderr)
			require.Equal(t, tc.code, code)
			require.Contains(t, stderr.String(), tc.out)
		})
	}
}

// BenchmarkServeColdStart measures a cold start: build the server, open a listener, answer
// the first request over loopback, shut down.
func BenchmarkServeColdStart(b *testing.B) {
	cfg := testConfig(b)
	for b.Loop() {
		srv, err := newServer(cfg, zap.NewNop())
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		addrc := make(chan string, 1)
		done := make(chan error, 1)
		go func() { done <- srv.serve(ctx, func(a string) { addrc <- a }) }()
		addr := <-addrc
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
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	}
}
