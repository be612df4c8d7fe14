package lambda

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"testing"

	"github.com/docker/docker/api/types/image"
	"github.com/stretchr/testify/require"
)

// dockerOrSkip returns a Docker client, skipping the test without a daemon (failing it when
// CI=true).
func dockerOrSkip(t *testing.T) interface {
	DockerClient
	ImageImport(ctx context.Context, source image.ImportSource, ref string, options image.ImportOptions) (io.ReadCloser, error)
	ImageRemove(ctx context.Context, imageID string, options image.RemoveOptions) ([]image.DeleteResponse, error)
} {
	t.Helper()
	c, err := NewDockerClient()
	if err == nil {
		_, err = c.Ping(context.Background())
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Docker daemon required in CI: %v", err)
		}
		t.Skipf("no Docker daemon: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// TestContainerImageFunction builds a FROM-scratch image holding the aws-lambda-go bootstrap
// (docker import, no registry needed) and runs it as an image function.
func TestContainerImageFunction(t *testing.T) {
	t.Parallel()
	dc := dockerOrSkip(t)
	bin, err := os.ReadFile(goBootstrap(t))
	require.NoError(t, err)
	var tarBuf bytes.Buffer
	tw := tar.NewWriter(&tarBuf)
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: "bootstrap", Mode: 0o755, Size: int64(len(bin)), Typeflag: tar.TypeReg}))
	_, err = tw.Write(bin)
	require.NoError(t, err)
	require.NoError(t, tw.Close())
	ref := "sfnlocal-lambda-test:" + randHex(6)
	ctx := context.Background()
	rc, err := dc.ImageImport(ctx, image.ImportSource{Source: &tarBuf, SourceName: "-"}, ref, image.ImportOptions{Changes: []string{`ENTRYPOINT ["/bootstrap"]`}})
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, rc)
	require.NoError(t, rc.Close())
	t.Cleanup(func() {
		_, _ = dc.ImageRemove(context.Background(), ref, image.RemoveOptions{Force: true, PruneChildren: true})
	})

	s := newTestService(t, Config{Docker: dc})
	name, role := "img", testRole
	conf, err := s.createFunction(ctx, &CreateFunctionInput{FunctionName: &name, Role: &role, PackageType: "Image", Code: &FunctionCode{ImageURI: ref}, Environment: &Environment{Variables: map[string]string{"GREETING": "from-docker"}}})
	require.NoError(t, err)
	require.Equal(t, "Image", conf.PackageType)
	require.NotEmpty(t, conf.CodeSha256)

	out, err := s.Invoke(ctx, &InvokeInput{FunctionName: "img", Payload: []byte(`{"echo": "x"}`)})
	require.NoError(t, err)
	require.Empty(t, out.FunctionError, string(out.Payload))
	var m map[string]any
	require.NoError(t, json.Unmarshal(out.Payload, &m))
	require.Equal(t, map[string]any{"echo": "x", "function": "img", "requestId": out.RequestID, "greeting": "from-docker"}, m)

	// Warm: the same container serves the next invocation; errors keep their type.
	out, err = s.Invoke(ctx, &InvokeInput{FunctionName: "img", Payload: []byte(`{"fail": "bad"}`)})
	require.NoError(t, err)
	require.Equal(t, "Unhandled", out.FunctionError)
	require.NoError(t, json.Unmarshal(out.Payload, &m))
	require.Equal(t, "BadInput", m["errorType"])

	// An image that does not exist is refused, and nothing is registered.
	missing := "missing"
	_, err = s.createFunction(ctx, &CreateFunctionInput{FunctionName: &missing, Role: &role, PackageType: "Image", Code: &FunctionCode{ImageURI: "sfnlocal-no-such-image:latest"}})
	require.Equal(t, errInvalidParam("Source image sfnlocal-no-such-image:latest does not exist. Provide a valid source image."), err)
	_, _, aerr := s.resolve("", "missing", "", false)
	require.Equal(t, CodeResourceNotFound, aerr.Code)
}
