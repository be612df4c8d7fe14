package lambda

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDependencyDirection: services/lambda implements the interpreter/task contract and must
// not depend on the API server or the interpreter itself.
func TestDependencyDirection(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	require.NoError(t, err)
	for _, dep := range strings.Fields(string(out)) {
		const mod = "github.com/sfnlocal/sfnlocal/"
		if !strings.HasPrefix(dep, mod) {
			continue
		}
		switch rel := strings.TrimPrefix(dep, mod); {
		case rel == "services/lambda", rel == "interpreter/task", strings.HasPrefix(rel, "internal/"):
		default:
			t.Errorf("services/lambda must not import %s", dep)
		}
	}
}
