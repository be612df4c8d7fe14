package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sfnlocal/sfnlocal/api"
)

// sse writes server-sent events.
type sse struct {
	w http.ResponseWriter
	f http.Flusher
}

func newSSE(w http.ResponseWriter) (*sse, bool) {
	f, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return nil, false
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	f.Flush()
	return &sse{w, f}, true
}

// send writes one event; data may span lines.
func (s *sse) send(event, data string) error {
	var b strings.Builder
	b.WriteString("event: ")
	b.WriteString(event)
	b.WriteByte('\n')
	for _, line := range strings.Split(data, "\n") {
		b.WriteString("data: ")
		b.WriteString(line)
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	if _, err := s.w.Write([]byte(b.String())); err != nil {
		return err
	}
	s.f.Flush()
	return nil
}

// stream sends an execution's changes as they happen: "states" (a JSON object of changed
// state statuses), "rows" (new history rows as HTML), "exec" (the execution's status) and
// "end" once it has ended. ?after=N skips the first N events the page already shows.
func (c *Console) stream(w http.ResponseWriter, r *http.Request) {
	arn := r.URL.Query().Get("arn")
	run, ok := c.svc.ExecutionRun(arn)
	if !ok {
		http.NotFound(w, r)
		return
	}
	def, err := c.svc.DescribeStateMachineForExecution(r.Context(), &api.DescribeStateMachineForExecutionInput{ExecutionArn: &arn})
	if err != nil {
		http.NotFound(w, r)
		return
	}
	g, _ := parseGraph(def.Definition)
	after, _ := strconv.Atoi(r.URL.Query().Get("after"))
	wake, unsubscribe := c.subscribe(arn)
	defer unsubscribe()
	out, ok := newSSE(w)
	if !ok {
		return
	}
	tick := time.NewTicker(c.cfg.Tick)
	defer tick.Stop()
	sent := map[string]string{}
	seen, lastStatus := after, ""
	for first := true; ; first = false {
		status := run.Status()
		hist := run.History()
		if len(hist) != seen || status != lastStatus || first {
			m := buildModel(eventsOf(hist), g, status)
			changed := map[string]string{}
			for n, st := range m.statusMap(g) {
				if sent[n] != st {
					changed[n], sent[n] = st, st
				}
			}
			if len(changed) > 0 {
				b, _ := json.Marshal(changed)
				if out.send("states", string(b)) != nil {
					return
				}
			}
			if len(hist) > seen {
				if out.send("rows", historyRows(m, arn, min(seen, len(m.Events)))) != nil {
					return
				}
				seen = len(hist)
			}
			if status != lastStatus {
				if out.send("exec", status) != nil {
					return
				}
				lastStatus = status
			}
		}
		if status != "RUNNING" {
			_ = out.send("end", status)
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
		case <-wake:
		}
	}
}

// jobLogs streams a Batch job's log lines ("log", one per line) from line ?from=N, then its
// final status ("end").
func (c *Console) jobLogs(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("job")
	from, _ := strconv.Atoi(r.URL.Query().Get("from"))
	if c.cfg.Batch == nil {
		http.NotFound(w, r)
		return
	}
	if jobs, err := c.cfg.Batch.DescribeJobs([]string{id}); err != nil || len(jobs) == 0 {
		http.NotFound(w, r)
		return
	}
	out, ok := newSSE(w)
	if !ok {
		return
	}
	tick := time.NewTicker(c.cfg.Tick)
	defer tick.Stop()
	lastStatus := ""
	for {
		jobs, err := c.cfg.Batch.DescribeJobs([]string{id})
		if err != nil || len(jobs) == 0 {
			return
		}
		j := jobs[0]
		if string(j.Status) != lastStatus {
			lastStatus = string(j.Status)
			if out.send("status", lastStatus) != nil {
				return
			}
		}
		if j.Container != nil && j.Container.LogStreamName != "" {
			evs := c.cfg.Batch.Events(j.Container.LogStreamName)
			for ; from < len(evs); from++ {
				if out.send("log", evs[from].Message) != nil {
					return
				}
			}
		}
		if j.Status.Terminal() {
			_ = out.send("end", fmt.Sprint(j.Status))
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
		}
	}
}
