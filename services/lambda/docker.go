package lambda

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/managed"
)

// containerURL rewrites a loopback URL (sfnlocal's endpoint as local processes see it) to
// the host a container reaches sfnlocal at.
func containerURL(u, host string) string {
	for _, lo := range []string{"//127.0.0.1:", "//localhost:", "//[::1]:"} {
		if i := strings.Index(u, lo); i >= 0 {
			return u[:i] + "//" + host + ":" + u[i+len(lo):]
		}
	}
	return u
}

// DockerClient is the part of the Docker SDK client that image functions use.
// *client.Client implements it.
type DockerClient interface {
	ImageInspect(ctx context.Context, imageID string, opts ...client.ImageInspectOption) (image.InspectResponse, error)
	ContainerCreate(ctx context.Context, config *container.Config, hostConfig *container.HostConfig, networkingConfig *network.NetworkingConfig, platform *ocispec.Platform, containerName string) (container.CreateResponse, error)
	ContainerStart(ctx context.Context, containerID string, options container.StartOptions) error
	ContainerWait(ctx context.Context, containerID string, condition container.WaitCondition) (<-chan container.WaitResponse, <-chan error)
	ContainerLogs(ctx context.Context, containerID string, options container.LogsOptions) (io.ReadCloser, error)
	ContainerRemove(ctx context.Context, containerID string, options container.RemoveOptions) error
}

// NewDockerClient connects to the Docker daemon named by the environment (DOCKER_HOST, ...)
// with API version negotiation, so that older daemons (API 1.41) work.
func NewDockerClient() (*client.Client, error) {
	return client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
}

// Labels put on every function container.
const (
	labelFunction = "sfnlocal.lambda.function"
	labelServer   = "sfnlocal.server"
)

func (s *Service) dockerClient() (DockerClient, error) {
	s.dockerOnce.Do(func() {
		if s.docker != nil {
			return
		}
		c, err := NewDockerClient()
		if err != nil {
			s.dockerErr = err
			return
		}
		s.docker = c
	})
	return s.docker, s.dockerErr
}

// inspectImage checks that an image function's image exists locally and returns its digest.
func (s *Service) inspectImage(ctx context.Context, uri string) (string, *APIError) {
	dc, err := s.dockerClient()
	if err != nil {
		return "", apiErr(http.StatusInternalServerError, CodeService, "Docker is not available for image functions: %v", err)
	}
	info, err := dc.ImageInspect(ctx, uri)
	if err != nil {
		if errdefs.IsNotFound(err) {
			return "", errInvalidParam("Source image %s does not exist. Provide a valid source image.", uri)
		}
		return "", apiErr(http.StatusInternalServerError, CodeService, "Docker is not available for image functions: %v", err)
	}
	return strings.TrimPrefix(info.ID, "sha256:"), nil
}

// startContainer runs an image function's image on Docker's default bridge network, like a
// Batch job, with the Runtime API and sfnlocal reachable through the host gateway
// (host.docker.internal). The container carries the managed labels, so that a crashed
// sfnlocal's leftovers are removed at the next start.
func (s *Service) startContainer(v *version, e *env) (*runtimeResult, error) {
	dc, err := s.dockerClient()
	if err != nil {
		return nil, apiErr(http.StatusInternalServerError, CodeService, "Docker is not available for image functions: %v", err)
	}
	ctx := s.ctx
	_, port, _ := net.SplitHostPort(e.addr())
	envs := s.lambdaEnv(v, e, "/var/task", "/var/runtime")
	for i, kv := range envs {
		k, val, _ := strings.Cut(kv, "=")
		switch k {
		case "AWS_LAMBDA_RUNTIME_API":
			envs[i] = k + "=" + net.JoinHostPort(s.cfg.ContainerHost, port)
		case "AWS_ENDPOINT_URL":
			envs[i] = k + "=" + containerURL(val, s.cfg.ContainerHost)
		}
	}
	cfg := &container.Config{
		Image:  v.imageURI,
		Env:    envs,
		Labels: managed.Labels(map[string]string{labelFunction: v.conf.FunctionName, labelServer: s.id}),
	}
	if v.image != nil {
		cfg.Entrypoint = v.image.EntryPoint
		cfg.Cmd = v.image.Command
		cfg.WorkingDir = v.image.WorkingDirectory
	}
	host := &container.HostConfig{ExtraHosts: []string{s.cfg.ContainerHost + ":host-gateway"}}
	if s.cfg.ContainerHost != "host.docker.internal" {
		host.ExtraHosts = nil // a name or address the user chose resolves by itself
	}
	created, err := dc.ContainerCreate(ctx, cfg, host, nil, nil, "")
	if err != nil {
		if errdefs.IsNotFound(err) {
			r := runtimeResult{failed: true, errorType: "Runtime.InvalidEntrypoint", body: mustJSON(orderedError{"Runtime.InvalidEntrypoint", "RequestId:  Error: image " + v.imageURI + " not found"})}
			return &r, nil
		}
		return nil, apiErr(http.StatusInternalServerError, CodeService, "could not create the function container: %v", err)
	}
	id := created.ID
	remove := func() {
		_ = dc.ContainerRemove(context.WithoutCancel(ctx), id, container.RemoveOptions{Force: true})
	}
	waitCh, errCh := dc.ContainerWait(ctx, id, container.WaitConditionNextExit)
	if err := dc.ContainerStart(ctx, id, container.StartOptions{}); err != nil {
		remove()
		r := runtimeResult{failed: true, errorType: "Runtime.InvalidEntrypoint", body: mustJSON(orderedError{"Runtime.InvalidEntrypoint", "RequestId:  Error: " + err.Error()})}
		return &r, nil
	}
	s.log.Debug("function container started", zap.String("function", v.conf.FunctionName), zap.String("container_id", id))
	e.mu.Lock()
	e.stop = remove
	e.mu.Unlock()
	go func() {
		select {
		case w := <-waitCh:
			if w.Error != nil {
				e.exit(fmt.Errorf("%s", w.Error.Message))
			} else {
				e.exit(fmt.Errorf("exit status %d", w.StatusCode))
			}
		case err := <-errCh:
			e.exit(err)
		}
	}()
	go func() {
		rc, err := dc.ContainerLogs(ctx, id, container.LogsOptions{ShowStdout: true, ShowStderr: true, Follow: true})
		if err != nil {
			return
		}
		defer rc.Close()
		_, _ = stdcopy.StdCopy(e.logFile, e.logFile, rc)
	}()
	return nil, nil
}
