package console

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// bigExecution runs a Map over n items (four history events each) and returns its ARN.
func bigExecution(tb testing.TB, e *env, n int) string {
	items := make([]string, n)
	for i := range items {
		items[i] = strconv.Itoa(i)
	}
	def := `{"StartAt":"Each","States":{"Each":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":1,
	  "ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"Touch","States":{"Touch":{"Type":"Pass","End":true}}},"End":true}}}`
	return e.run(e.create("big", def), "big", `{"items":[`+strings.Join(items, ",")+`]}`, true)
}

// BenchmarkExecutionPage10k measures the execution page of an execution with 10,000 events
// (the issue asks for under 100 ms).
func BenchmarkExecutionPage10k(b *testing.B) {
	e := newEnv(b)
	arn := bigExecution(b, e, 2500)
	run, _ := e.svc.ExecutionRun(arn)
	require.GreaterOrEqual(b, len(run.History()), 10000)
	path := "/ui/execution?arn=" + url.QueryEscape(arn) + "&state=Touch"
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}

func TestBigExecutionPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	arn := bigExecution(t, e, 50)
	code, page, _ := e.get("/ui/execution?arn=" + url.QueryEscape(arn) + "&state=Each")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, 206, strings.Count(page, `<tr id="ev-`))
	require.Contains(t, page, `data-state="Each" data-type="Map" data-status="SUCCEEDED"`)
	require.Contains(t, page, `data-state="Touch" data-type="Pass" data-status="SUCCEEDED"`)
	require.Contains(t, page, `<h3>Iterations</h3>`)
	require.Equal(t, 50, strings.Count(page, `<tr data-status="SUCCEEDED"><td>#`))
}
