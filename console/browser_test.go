package console_test

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/internal/config"
	"github.com/sfnlocal/sfnlocal/server"
)

// The browser test drives a real headless Chromium over the console of a real server whose
// Batch job runs in a real container. Like the other tool tests, it skips when Chromium or
// Docker is missing, and fails instead when CI=true.

const jobImage = "sfnlocal-test/busybox:console"

func need(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is required when CI=true: %v", what, err)
	}
	t.Skipf("%s is not available: %v", what, err)
}

// chromium finds Debian's chromium (scripts/deps.sh installs it).
func chromium() (string, error) {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no chromium on PATH (apt-get install chromium)")
}

// importImage makes jobImage from Debian's static busybox (no registry) and removes it when
// the test ends.
func importImage(t *testing.T) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return err
	}
	if _, err := c.Ping(ctx); err != nil {
		c.Close()
		return err
	}
	bin, err := os.ReadFile("/bin/busybox")
	if err != nil {
		c.Close()
		return fmt.Errorf("busybox-static is needed: %w", err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	_ = tw.WriteHeader(&tar.Header{Name: "bin/", Typeflag: tar.TypeDir, Mode: 0o755})
	_ = tw.WriteHeader(&tar.Header{Name: "bin/busybox", Mode: 0o755, Size: int64(len(bin))})
	_, _ = tw.Write(bin)
	for _, applet := range []string{"sh", "echo", "sleep"} {
		_ = tw.WriteHeader(&tar.Header{Name: "bin/" + applet, Typeflag: tar.TypeSymlink, Linkname: "busybox", Mode: 0o777})
	}
	_ = tw.WriteHeader(&tar.Header{Name: "tmp/", Typeflag: tar.TypeDir, Mode: 0o1777})
	if err := tw.Close(); err != nil {
		c.Close()
		return err
	}
	rc, err := c.ImageImport(ctx, image.ImportSource{Source: &buf, SourceName: "-"}, jobImage,
		image.ImportOptions{Changes: []string{"ENV PATH=/bin", "LABEL sfnlocal.test=console"}})
	if err != nil {
		c.Close()
		return fmt.Errorf("docker import: %w", err)
	}
	_, _ = io.Copy(io.Discard, rc)
	rc.Close()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = c.ImageRemove(ctx, jobImage, image.RemoveOptions{Force: true, PruneChildren: true})
		c.Close()
	})
	return nil
}

// call sends an AWS JSON or REST request to the server.
func call(t *testing.T, base, target, path string, in any) map[string]any {
	t.Helper()
	body, err := json.Marshal(in)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(body))
	require.NoError(t, err)
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
	var out map[string]any
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}

// workflow runs a Batch job in a real container, then a Parallel whose failing branch is
// caught, then waits for an hour.
const workflow = `{"StartAt":"Run job","States":{
 "Run job":{"Type":"Task","Resource":"arn:aws:states:::batch:submitJob.sync",
   "Parameters":{"JobName":"hello","JobQueue":"default","JobDefinition":"console-hello"},"ResultPath":"$.job","Next":"Fan out"},
 "Fan out":{"Type":"Parallel","Branches":[
   {"StartAt":"Fine","States":{"Fine":{"Type":"Pass","End":true}}},
   {"StartAt":"Explode","States":{"Explode":{"Type":"Fail","Error":"Widget.Broken","Cause":"the widget broke"}}}],
  "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"Recover"}],"Next":"Hold"},
 "Recover":{"Type":"Pass","Next":"Hold"},
 "Hold":{"Type":"Wait","Seconds":3600,"End":true}}}`

func TestBrowser(t *testing.T) {
	chrome, err := chromium()
	need(t, "chromium", err)
	need(t, "docker", importImage(t))

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	cfg, err := config.Load([]string{"--addr", ln.Addr().String()}, func(string) string { return "" }, io.Discard)
	require.NoError(t, err)
	srv, err := server.New(cfg, zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)))
	require.NoError(t, err)
	sctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sctx, ln) }()
	t.Cleanup(func() { stop(); require.NoError(t, <-served) })
	base := "http://" + ln.Addr().String()

	call(t, base, "", "/v1/registerjobdefinition", map[string]any{"jobDefinitionName": "console-hello", "type": "container",
		"containerProperties": map[string]any{"image": jobImage, "command": []string{"sh", "-c", "echo hello-from-the-job-container"},
			"resourceRequirements": []map[string]string{{"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "64"}}}})
	sm := call(t, base, "AWSStepFunctions.CreateStateMachine", "/", map[string]any{"name": "console-demo", "definition": workflow,
		"roleArn": "arn:aws:iam::123456789012:role/demo"})["stateMachineArn"].(string)
	exec := call(t, base, "AWSStepFunctions.StartExecution", "/", map[string]any{"stateMachineArn": sm, "name": "demo-run", "input": `{"order":42}`})
	execArn := exec["executionArn"].(string)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chrome), chromedp.NoSandbox,
		chromedp.WindowSize(1400, 1000))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancelCtx := chromedp.NewContext(actx)
	defer cancelCtx()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()

	node := func(state string) string { return `svg.graph g.node[data-state="` + state + `"]` }
	status := func(state string) string {
		t.Helper()
		a, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(node(state)), "data-status"))
		require.NoError(t, err)
		return a.Value
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		require.NoError(t, err)
		return strings.TrimSpace(s)
	}
	// clickJS clicks through the DOM: a full-page screenshot leaves the viewport resized, which
	// moves the coordinates a mouse click would use.
	clickJS := func(sel string) {
		t.Helper()
		js, _ := json.Marshal(sel)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function(){var e=document.querySelector(`+string(js)+
			`);if(!e)return false;e.dispatchEvent(new MouseEvent("click",{bubbles:true,cancelable:true}));return true})()`))
		require.NoError(t, err)
		require.True(t, ok, "no %s to click", sel)
	}
	page := base + "/ui/execution?arn=" + url.QueryEscape(execArn)

	// The page opens while the job runs; server-sent events bring it to the Wait state.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(page),
		chromedp.WaitVisible(chromedp.CSS(`#history`)),
		chromedp.WaitReady(chromedp.CSS(node("Hold")+`[data-status="RUNNING"]`)),
	))
	want := map[string]string{"Run job": "SUCCEEDED", "Fan out": "CAUGHT_ERROR", "Fine": "SUCCEEDED", "Explode": "FAILED",
		"Recover": "SUCCEEDED", "Hold": "RUNNING"}
	for s, st := range want {
		require.Equal(t, st, status(s), s)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#history tbody tr")).map(r => r.dataset.type)`))
	require.NoError(t, err)
	require.Contains(t, rows, "TaskSubmitted")
	require.Contains(t, rows, "ParallelStateFailed")
	require.Equal(t, "WaitStateEntered", rows[len(rows)-1])
	require.Equal(t, "RUNNING", text(`#exec-status`))

	// Clicking the job's state shows its status and its container's log line.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(node("Run job")+` rect`)),
		chromedp.WaitVisible(chromedp.CSS(`#job-logs .line`)),
	))
	require.Contains(t, text(`#job-logs`), "hello-from-the-job-container")
	require.Equal(t, "SUCCEEDED", text(`#job-status`))
	shot(t, ctx, "console-execution.png")

	// The failed branch's panel shows the error and cause.
	clickJS(node("Explode") + ` rect`)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(`.panel[data-panel-state="Explode"]`)),
	))
	require.Equal(t, "Widget.Broken", text(`.panel .error`))
	require.Equal(t, "the widget broke", text(`.panel .cause`))

	// Stop from the page: the Wait is cancelled.
	clickJS(`form[action="/ui/stop"] button`)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(`#exec-status.ABORTED`)),
	))
	require.Equal(t, "CANCELLED", status("Hold"))
	require.Equal(t, "SUCCEEDED", status("Run job"))

	// The index lists the execution.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS(`#executions`)),
	))
	listed := text(`#executions tbody`)
	require.Contains(t, listed, "demo-run")
	require.Contains(t, listed, "ABORTED")
	shot(t, ctx, "console-index.png")
}

// shot saves a screenshot under bin/ (CI keeps bin/ as artifacts).
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "bin")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), png, 0o644))
	t.Logf("screenshot: %s", filepath.Join(dir, name))
}
