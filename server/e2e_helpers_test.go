package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/stretchr/testify/require"

	"github.com/sfnlocal/sfnlocal/sfnlocaltest"
)

// jobImage is the FROM scratch image of testdata/ecsjob the ECS tests run; TestMain removes it.
var jobImage = fmt.Sprintf("sfnlocal-test/ecsjob:%d", os.Getpid())

var (
	imageOnce sync.Once
	imageErr  error
	imageMade bool
)

func TestMain(m *testing.M) {
	code := m.Run()
	if imageMade {
		_ = exec.Command("docker", "rmi", "-f", jobImage).Run()
	}
	os.Exit(code)
}

// requireDocker builds the test job image, skipping without a Docker daemon (failing when
// CI=true).
func requireDocker(t *testing.T) {
	t.Helper()
	imageOnce.Do(func() {
		if out, err := exec.Command("docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput(); err != nil {
			imageErr = fmt.Errorf("docker info: %v: %s", err, out)
			return
		}
		dir, err := os.MkdirTemp("", "ecsjob")
		if err != nil {
			imageErr = err
			return
		}
		defer os.RemoveAll(dir)
		build := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(dir, "job"), "./testdata/ecsjob")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			imageErr = fmt.Errorf("go build: %v: %s", err, out)
			return
		}
		if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\nCOPY job /job\nENTRYPOINT [\"/job\"]\n"), 0o644); err != nil {
			imageErr = err
			return
		}
		if out, err := exec.Command("docker", "build", "-q", "-t", jobImage, dir).CombinedOutput(); err != nil {
			imageErr = fmt.Errorf("docker build: %v: %s", err, out)
			return
		}
		imageMade = true
	})
	if imageErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("docker is required when CI=true: %v", imageErr)
		}
		t.Skipf("no docker daemon: %v", imageErr)
	}
}

// awsCLI runs `aws <service> ...` against srv and decodes its JSON output; on failure it
// returns the CLI's error text.
func awsCLI(t *testing.T, srv *sfnlocaltest.Server, args ...string) (map[string]any, string, error) {
	t.Helper()
	cmd := exec.Command("aws", append(args, "--endpoint-url", srv.URL, "--output", "json")...)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION="+srv.Config.Region,
		"AWS_PAGER=", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, stderr.String(), err
	}
	var m map[string]any
	if strings.TrimSpace(stdout.String()) != "" {
		require.NoError(t, json.Unmarshal([]byte(stdout.String()), &m), stdout.String())
	}
	return m, "", nil
}

// mustCLI is awsCLI that fails the test on an error.
func mustCLI(t *testing.T, srv *sfnlocaltest.Server, args ...string) map[string]any {
	t.Helper()
	m, msg, err := awsCLI(t, srv, args...)
	require.NoError(t, err, msg)
	return m
}

// runMachine creates a state machine from definition with the aws CLI, starts it with input,
// waits for the end through the Go SDK and returns the DescribeExecution result.
func runMachine(t *testing.T, srv *sfnlocaltest.Server, name, definition, input string) *sfn.DescribeExecutionOutput {
	t.Helper()
	sm := mustCLI(t, srv, "stepfunctions", "create-state-machine", "--name", name, "--role-arn", "arn:aws:iam::123456789012:role/r", "--definition", definition)
	client := sfn.NewFromConfig(srv.AWSConfig())
	ctx := context.Background()
	start, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm["stateMachineArn"].(string)), Input: aws.String(input)})
	require.NoError(t, err)
	require.NoError(t, srv.WaitExecution(ctx, *start.ExecutionArn))
	out, err := client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: start.ExecutionArn})
	require.NoError(t, err)
	return out
}
