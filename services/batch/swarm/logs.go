package swarm

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"
	"go.uber.org/zap"
)

// recentWindow bounds the lines remembered to tell, in the final read, lines the followed
// stream already gave: anything older than the newest line given minus this window counts
// as given.
const recentWindow = 5 * time.Second

// Logs streams the task's stdout and stderr, one line per event. When the task's container
// is on the daemon the runner talks to (a one-node swarm, or a job placed on the manager),
// its container log is followed: it ends with the container, and costs the swarm nothing.
// Otherwise the service log is: a followed service log does not end when the task does, so
// once the task has ended the followed stream is closed and the rest is read in one final,
// unfollowed read, leaving out the lines already given (told apart by their timestamps).
func (r *Runner) Logs(ctx context.Context, id string) (io.ReadCloser, error) {
	if t, ok := r.tasks.latest(id); ok && !r.serviceLogsOnly && t.Status.ContainerStatus != nil && t.Status.ContainerStatus.ContainerID != "" {
		rc, err := r.api.ContainerLogs(ctx, t.Status.ContainerStatus.ContainerID, container.LogsOptions{ShowStdout: true, ShowStderr: true, Follow: true})
		if err == nil {
			pr, pw := io.Pipe()
			go func() {
				_, err := stdcopy.StdCopy(pw, pw, rc)
				rc.Close()
				pw.CloseWithError(err)
			}()
			return &closer{PipeReader: pr, stop: func() { rc.Close() }}, nil
		}
	}
	return r.serviceLogs(ctx, id)
}

// serviceLogs reads the task's output through the swarm's service logs API.
func (r *Runner) serviceLogs(ctx context.Context, id string) (io.ReadCloser, error) {
	followCtx, stopFollow := context.WithCancel(ctx)
	rc, err := r.api.ServiceLogs(followCtx, id, container.LogsOptions{ShowStdout: true, ShowStderr: true, Follow: true, Timestamps: true})
	if err != nil {
		stopFollow()
		return nil, err
	}
	pr, pw := io.Pipe()
	g := &given{out: pw, recent: map[string]int{}}
	followed := make(chan struct{})
	go func() {
		defer close(followed)
		_, _ = stdcopy.StdCopy(g.writer(), g.writer(), rc)
		rc.Close()
	}()
	go func() {
		defer stopFollow()
		_, werr := r.tasks.wait(ctx, id, over)
		stopFollow()
		<-followed
		if werr != nil && !errors.Is(werr, errGone) {
			pw.CloseWithError(werr)
			return
		}
		if r.tasks.isLost(id) {
			// Its node is gone: a final read would wait for it.
			pw.Close()
			return
		}
		final, err := r.api.ServiceLogs(ctx, id, container.LogsOptions{ShowStdout: true, ShowStderr: true, Timestamps: true})
		if err != nil {
			r.log.Debug("final read of swarm service logs failed", zap.String("service_id", id), zap.Error(err))
			pw.Close()
			return
		}
		g.catchUp = true
		_, err = stdcopy.StdCopy(g.writer(), g.writer(), final)
		final.Close()
		pw.CloseWithError(err)
	}()
	return &closer{PipeReader: pr, stop: stopFollow}, nil
}

type closer struct {
	*io.PipeReader
	stop context.CancelFunc
}

func (c *closer) Close() error {
	c.stop()
	return c.PipeReader.Close()
}

// given writes "<timestamp> <message>" lines to out without their timestamps, remembering
// the recent ones so that the final read gives only the lines the followed stream did not.
type given struct {
	mu      sync.Mutex
	out     io.Writer
	newest  time.Time
	recent  map[string]int // "<timestamp> <message>" → times given, within recentWindow of newest
	catchUp bool
}

func (g *given) writer() io.Writer { return &lineWriter{g: g} }

// lineWriter splits one stream's frames into lines.
type lineWriter struct {
	g   *given
	buf bytes.Buffer
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.buf.Write(p)
	for {
		i := bytes.IndexByte(w.buf.Bytes(), '\n')
		if i < 0 {
			return len(p), nil
		}
		line := string(w.buf.Next(i + 1))
		if err := w.g.line(strings.TrimSuffix(line, "\n")); err != nil {
			return 0, err
		}
	}
}

func (g *given) line(raw string) error {
	ts, msg, _ := strings.Cut(raw, " ")
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		// Not a timestamped line: give it as it is.
		_, err := io.WriteString(g.out, raw+"\n")
		return err
	}
	g.mu.Lock()
	if g.catchUp {
		if g.recent[raw] > 0 {
			g.recent[raw]--
			g.mu.Unlock()
			return nil
		}
		if t.Before(g.newest.Add(-recentWindow)) {
			g.mu.Unlock()
			return nil
		}
	}
	if t.After(g.newest) {
		g.newest = t
	}
	g.recent[raw]++
	if len(g.recent) > 4096 {
		cut := g.newest.Add(-recentWindow)
		for k := range g.recent {
			kts, _, _ := strings.Cut(k, " ")
			if kt, err := time.Parse(time.RFC3339Nano, kts); err != nil || kt.Before(cut) {
				delete(g.recent, k)
			}
		}
	}
	g.mu.Unlock()
	_, err = io.WriteString(g.out, msg+"\n")
	return err
}
