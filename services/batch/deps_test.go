package batch

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestImportBoundaries enforces the layering of STYLE.md: the Batch simulator depends on the
// task contract and the clock, never on the API server or the interpreter, and the scheduler
// package does not pull in the Docker SDK (only services/batch/docker does).
func TestImportBoundaries(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	require.NoError(t, err, string(out))
	for _, dep := range strings.Fields(string(out)) {
		switch {
		case dep == "github.com/sfnlocal/sfnlocal/api" || strings.HasPrefix(dep, "github.com/sfnlocal/sfnlocal/api/"),
			dep == "github.com/sfnlocal/sfnlocal/interpreter",
			strings.HasPrefix(dep, "github.com/sfnlocal/sfnlocal/interpreter/") && dep != "github.com/sfnlocal/sfnlocal/interpreter/task",
			strings.HasPrefix(dep, "github.com/docker/"):
			t.Errorf("services/batch must not import %s", dep)
		}
	}
}
