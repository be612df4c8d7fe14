package swarm

import (
	"slices"
	"testing"
	"time"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/services/batch"
)

// benchService is a real-time Batch service on backend with a job definition "true" of the
// test image, without resource requirements (so the swarm reserves nothing for it).
func benchService(b *testing.B, backend string) *batch.Service {
	s := newService(b, backend, func(c *batch.Config) { c.Clock = clock.Real() })
	api[map[string]any](b, s, "registerjobdefinition", map[string]any{"jobDefinitionName": "true", "type": "container",
		"containerProperties": map[string]any{"image": testImage, "command": []string{"true"}}})
	return s
}

func runJob(b *testing.B, s *batch.Service) {
	if d := wait(b, s, submit(b, s, map[string]any{"jobDefinition": "true"})); d.Status != batch.StatusSucceeded {
		b.Fatal(d.StatusReason, d.Container.Reason)
	}
}

func p50(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkJobOverhead alternates the same job (SubmitJob to SUCCEEDED) on the local Docker
// runner and on the swarm backend, so that drift in the daemon's speed hits both alike, and
// reports each p50 and the p50 of the difference: what the swarm adds per job.
func BenchmarkJobOverhead(b *testing.B) {
	local, sw := benchService(b, batch.BackendDocker), benchService(b, batch.BackendSwarm)
	wall := clock.Real()
	var locals, swarms, diffs []time.Duration
	for b.Loop() {
		t0 := wall.Now()
		runJob(b, local)
		t1 := wall.Now()
		runJob(b, sw)
		t2 := wall.Now()
		locals = append(locals, t1.Sub(t0))
		swarms = append(swarms, t2.Sub(t1))
		diffs = append(diffs, t2.Sub(t1)-t1.Sub(t0))
	}
	ms := func(d time.Duration) float64 { return float64(d) / 1e6 }
	b.ReportMetric(ms(p50(locals)), "local-p50-ms/job")
	b.ReportMetric(ms(p50(swarms)), "swarm-p50-ms/job")
	b.ReportMetric(ms(p50(diffs)), "overhead-p50-ms/job")
}

// BenchmarkSwarm50Jobs submits 50 short jobs at once to the swarm backend and waits for all
// of them; BenchmarkLocal50Jobs does the same on the local runner.
func BenchmarkSwarm50Jobs(b *testing.B) { bench50(b, batch.BackendSwarm) }

func BenchmarkLocal50Jobs(b *testing.B) { bench50(b, batch.BackendDocker) }

func bench50(b *testing.B, backend string) {
	s := benchService(b, backend)
	for b.Loop() {
		ids := make([]string, 50)
		for i := range ids {
			ids[i] = submit(b, s, map[string]any{"jobDefinition": "true"})
		}
		for _, id := range ids {
			if d := wait(b, s, id); d.Status != batch.StatusSucceeded {
				b.Fatal(d.StatusReason, d.Container.Reason)
			}
		}
	}
}
