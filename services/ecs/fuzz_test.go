package ecs

import (
	"errors"
	"testing"
)

// FuzzServe feeds arbitrary request bodies to every operation: the answer is a response or an
// APIError, never a panic or another error.
func FuzzServe(f *testing.F) {
	for _, seed := range []string{
		`{"family":"f","containerDefinitions":[{"name":"a","image":"exit:0","logConfiguration":{"logDriver":"awslogs","options":{"awslogs-group":"g"}}}]}`,
		`{"taskDefinition":"f","count":2,"overrides":{"containerOverrides":[{"name":"a","command":["x"]}]}}`,
		`{"cluster":"arn:aws:ecs:us-east-1:1:cluster/x","tasks":["a"]}`,
		`{"taskDefinition":"f:99"}`, `{"clusterName":"c"}`, `[]`, `null`, `{"count":-1}`,
	} {
		for _, op := range []string{"RegisterTaskDefinition", "RunTask", "DescribeTasks", "StopTask", "ListTasks", "CreateCluster", "DescribeTaskDefinition", "DeregisterTaskDefinition", "DeleteCluster"} {
			f.Add(op, seed)
		}
	}
	s, err := New(Config{Runner: newFakeRunner()})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = s.Close() })
	f.Fuzz(func(t *testing.T, op, body string) {
		_, err := s.Serve(op, []byte(body))
		var e *APIError
		if err != nil && !errors.As(err, &e) {
			t.Fatalf("%s %s: unexpected error %v", op, body, err)
		}
	})
}
