package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSIGHUPReloadsMocks runs the built binary with --mock-config, rewrites the file and
// sends SIGHUP: the new test cases are served; a bad file then keeps them in force.
func TestSIGHUPReloadsMocks(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel()
	dir := t.TempDir()
	bin := filepath.Join(dir, "sfnlocal")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)

	mocks := filepath.Join(dir, "mocks.json")
	write := func(sm string) {
		require.NoError(t, os.WriteFile(mocks, []byte(`{"StateMachines":{"`+sm+`":{"TestCases":{"T":{"S":"R"}}}},"MockedResponses":{"R":{"0":{"Return":1}}}}`), 0o600))
	}
	write("First")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "serve", "--addr", addr, "--mock-config", mocks, "--log-level", "info")
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	logs := bufio.NewScanner(stderr)
	// waitLog reads the server's log up to a line holding want (no sleeping, no polling).
	waitLog := func(want string) {
		t.Helper()
		for logs.Scan() {
			if strings.Contains(logs.Text(), want) {
				return
			}
		}
		t.Fatalf("the server's log ended before %q", want)
	}
	loaded := func() map[string]any {
		t.Helper()
		resp, err := http.Get("http://" + addr + "/_sfnlocal/mocks")
		require.NoError(t, err)
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		var m map[string]any
		require.NoError(t, json.Unmarshal(data, &m), "%s", data)
		return m["stateMachines"].(map[string]any)
	}
	waitLog("listening")
	require.Contains(t, loaded(), "First")

	write("Second")
	require.NoError(t, cmd.Process.Signal(syscall.SIGHUP))
	waitLog("mock configuration loaded")
	require.Equal(t, map[string]any{"Second": []any{"T"}}, loaded())

	require.NoError(t, os.WriteFile(mocks, []byte(`{"StateMachines":{},"MockedResponses":{"R":{"1":{"Return":1}}}}`), 0o600))
	require.NoError(t, cmd.Process.Signal(syscall.SIGHUP))
	waitLog("keeping the one in force")
	require.Equal(t, map[string]any{"Second": []any{"T"}}, loaded(), "a bad file changes nothing")
	go func() { _, _ = io.Copy(io.Discard, stderr) }()
}
