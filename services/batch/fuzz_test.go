package batch

import (
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/zap"

	"github.com/sfnlocal/sfnlocal/internal/clock"
)

var fuzzPaths = []string{
	"/v1/submitjob", "/v1/registerjobdefinition", "/v1/describejobs", "/v1/listjobs", "/v1/createjobqueue",
	"/v1/updatejobqueue", "/v1/createcomputeenvironment", "/v1/updatecomputeenvironment", "/v1/canceljob",
	"/v1/terminatejob", "/v1/describejobdefinitions", "/v1/deregisterjobdefinition", "/v1/describejobqueues",
}

// FuzzHandler feeds arbitrary bodies to every Batch operation: the answer must be a 200 or a
// ClientException, never a panic or a ServerException.
func FuzzHandler(f *testing.F) {
	f.Add(0, `{"jobName":"j","jobQueue":"default","jobDefinition":"jd","arrayProperties":{"size":2},"dependsOn":[{"type":"SEQUENTIAL"}]}`)
	f.Add(1, `{"jobDefinitionName":"jd","type":"container","containerProperties":{"image":"i","command":["exit","0"]},"retryStrategy":{"attempts":2,"evaluateOnExit":[{"action":"RETRY","onExitCode":"1*"}]}}`)
	f.Add(3, `{"jobQueue":"default","filters":[{"name":"JOB_NAME","values":["j*"]}],"maxResults":-1,"nextToken":"9"}`)
	f.Add(4, `{"jobQueueName":"q","priority":1,"computeEnvironmentOrder":[{"order":1,"computeEnvironment":"default"}]}`)
	f.Add(6, `{"computeEnvironmentName":"c","type":"MANAGED","computeResources":{"maxvCpus":-4}}`)
	f.Add(2, `{"jobs":null}`)
	f.Add(0, `[]`)
	s, err := New(Config{Clock: clock.Real(), Logger: zap.NewNop(), Runner: newFakeRunner()})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	h := s.Handler()
	f.Fuzz(func(t *testing.T, op int, body string) {
		path := fuzzPaths[(op%len(fuzzPaths)+len(fuzzPaths))%len(fuzzPaths)]
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", path, strings.NewReader(body)))
		if rec.Code != 200 && rec.Code != 400 {
			t.Fatalf("%s %q: status %d: %s", path, body, rec.Code, rec.Body.String())
		}
	})
}

// FuzzLogsHandler does the same for the CloudWatch Logs subset.
func FuzzLogsHandler(f *testing.F) {
	f.Add(`{"logGroupName":"/aws/batch/job","logStreamName":"s","limit":1,"nextToken":"b/00000000000000000001"}`)
	f.Add(`{"logGroupName":"/aws/batch/job","logStreamName":"s","startTime":5,"endTime":1,"nextToken":"f/-1"}`)
	s, err := New(Config{Clock: clock.Real(), Logger: zap.NewNop(), Runner: newFakeRunner()})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	s.logs.append("s", "a", 1)
	s.logs.append("s", "b", 2)
	h := s.LogsHandler()
	f.Fuzz(func(t *testing.T, body string) {
		for _, target := range []string{"Logs_20140328.GetLogEvents", "Logs_20140328.DescribeLogStreams"} {
			req := httptest.NewRequest("POST", "/", strings.NewReader(body))
			req.Header.Set("X-Amz-Target", target)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != 200 && rec.Code != 400 {
				t.Fatalf("%s %q: status %d: %s", target, body, rec.Code, rec.Body.String())
			}
		}
	})
}
