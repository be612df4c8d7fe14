package interpreter

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestNoForbiddenDependencies keeps the interpreter free of HTTP and Docker: integrations reach
// it only through interpreter/task. One exception is documented: go.uber.org/zap (the injected
// logger the house style requires) imports net/http for its level handler; no other package
// in the interpreter's dependency graph may.
func TestNoForbiddenDependencies(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "./...").CombinedOutput()
	require.NoError(t, err, string(out))
	forbidden := func(dep string) bool {
		for _, f := range []string{"github.com/gorilla/mux", "github.com/docker/", "github.com/moby/"} {
			if strings.HasPrefix(dep, f) {
				return true
			}
		}
		return dep == "net/http"
	}
	allowedImporter := func(pkg string) bool {
		return strings.HasPrefix(pkg, "go.uber.org/zap") || strings.HasPrefix(pkg, "net/http")
	}
	var bad []string
	sawTask := false
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		pkg := fields[0]
		if pkg == "github.com/sfnlocal/sfnlocal/interpreter/task" {
			sawTask = true
		}
		if forbidden(pkg) && !strings.HasPrefix(pkg, "net/http") {
			bad = append(bad, pkg)
		}
		for _, imp := range fields[1:] {
			if forbidden(imp) && !allowedImporter(pkg) {
				bad = append(bad, pkg+" imports "+imp)
			}
		}
	}
	require.True(t, sawTask, "sanity: the listing includes the task contract")
	require.Empty(t, bad, "interpreter/... must not import HTTP or Docker packages")
}
