package ecs

import (
	"context"
	"testing"
)

// BenchmarkRunTaskLifecycle measures the simulator's own cost of a task: RunTask through
// PROVISIONING→PENDING→RUNNING→DEPROVISIONING→STOPPED on a runner whose container exits at
// once (Docker's own start and stop time is not included).
func BenchmarkRunTaskLifecycle(b *testing.B) {
	s, err := New(Config{Runner: newFakeRunner(), Logs: &memLogs{}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	if _, err := s.RegisterTaskDefinition(&RegisterTaskDefinitionInput{Family: "f", ContainerDefinitions: []ContainerDefinition{{Name: "a", Image: "exit:0", Command: []string{"line"},
		LogConfiguration: &LogConfiguration{LogDriver: "awslogs", Options: map[string]string{"awslogs-group": "g"}}}}}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		tasks, _, err := s.RunTask(&RunTaskInput{TaskDefinition: "f"})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Wait(context.Background(), tasks[0].TaskArn); err != nil {
			b.Fatal(err)
		}
	}
}
