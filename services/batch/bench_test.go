package batch

import (
	"context"
	"testing"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/clock"
)

// BenchmarkSchedulerJob measures what sfnlocal itself spends on one job, from SubmitJob to
// SUCCEEDED, with a runner whose containers exit at once: the per-job overhead over the
// container engine.
func BenchmarkSchedulerJob(b *testing.B) {
	s, err := New(Config{Clock: clock.Real(), Logger: zap.NewNop(), Runner: newFakeRunner()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.registerJobDefinition(&registerJDInput{JobDefinitionName: "jd", Type: "container",
		ContainerProperties: &ContainerProperties{Image: "img", Command: []string{"exit", "0"}}}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		out, err := s.SubmitJob(&SubmitJobInput{JobName: "j", JobQueue: DefaultJobQueue, JobDefinition: "jd"})
		if err != nil {
			b.Fatal(err)
		}
		if d, err := s.Wait(context.Background(), out.JobID); err != nil || d.Status != StatusSucceeded {
			b.Fatal(err, d.Status)
		}
	}
}

// BenchmarkScheduler50Jobs submits 50 jobs at once and waits for all of them.
func BenchmarkScheduler50Jobs(b *testing.B) {
	s, err := New(Config{Clock: clock.Real(), Logger: zap.NewNop(), Runner: newFakeRunner()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.registerJobDefinition(&registerJDInput{JobDefinitionName: "jd", Type: "container",
		ContainerProperties: &ContainerProperties{Image: "img", Command: []string{"exit", "0"}}}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		ids := make([]string, 50)
		for i := range ids {
			out, err := s.SubmitJob(&SubmitJobInput{JobName: "j", JobQueue: DefaultJobQueue, JobDefinition: "jd"})
			if err != nil {
				b.Fatal(err)
			}
			ids[i] = out.JobID
		}
		for _, id := range ids {
			if _, err := s.Wait(context.Background(), id); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkArray10000 runs the largest array job AWS allows (10,000 children) to completion.
func BenchmarkArray10000(b *testing.B) {
	s, err := New(Config{Clock: clock.Real(), Logger: zap.NewNop(), Runner: newFakeRunner()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.registerJobDefinition(&registerJDInput{JobDefinitionName: "jd", Type: "container",
		ContainerProperties: &ContainerProperties{Image: "img", Command: []string{"exit", "0"}}}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		out, err := s.SubmitJob(&SubmitJobInput{JobName: "j", JobQueue: DefaultJobQueue, JobDefinition: "jd",
			ArrayProperties: &ArrayProperties{Size: intp(10000)}})
		if err != nil {
			b.Fatal(err)
		}
		if d, err := s.Wait(context.Background(), out.JobID); err != nil || d.Status != StatusSucceeded {
			b.Fatal(err, d.Status)
		}
	}
}
