package batch

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/clock"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
)

// ExampleService_Integration submits a job through the Task integration and waits for it
// (the runner here is the scripted fake; sfnlocal wires services/batch/docker).
func ExampleService_Integration() {
	s, _ := New(Config{Clock: clock.Real(), Logger: zap.NewNop(), Runner: newFakeRunner()})
	defer s.Close()
	// Job definitions come in through the Batch REST API, as from `aws batch register-job-definition`.
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("POST", "/v1/registerjobdefinition", strings.NewReader(
		`{"jobDefinitionName":"hello","type":"container","containerProperties":{"image":"img","command":["exit","Ref::code"]}}`)))
	fmt.Println(rec.Code)

	params, _ := task.Decode([]byte(`{"JobName":"hello","JobQueue":"default","JobDefinition":"hello","Parameters":{"code":"0"}}`))
	out, err := s.Integration().Invoke(context.Background(), &task.Request{
		Service: "batch", Action: "submitJob", Pattern: task.Sync, Parameters: params, Submitted: func(any) {}})
	detail := task.Plain(out).(map[string]any)
	fmt.Println(err, detail["Status"], detail["StatusReason"], detail["Container"].(map[string]any)["Command"])
	// Output:
	// 200
	// <nil> SUCCEEDED Essential container in task exited [exit 0]
}
