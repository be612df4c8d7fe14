package ecs

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDependencyDirection: services/ecs implements the interpreter/task contract and must not
// depend on the API server, the interpreter, other services or the Docker SDK (the server
// adapts the Batch simulator's Docker runner to ContainerRunner).
func TestDependencyDirection(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	require.NoError(t, err, string(out))
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/docker/") {
			t.Errorf("services/ecs must not import %s", dep)
		}
		const mod = "github.com/sfnlocal/sfnlocal/"
		if !strings.HasPrefix(dep, mod) {
			continue
		}
		switch rel := strings.TrimPrefix(dep, mod); rel {
		case "services/ecs", "interpreter/task", "internal/storage", "internal/storage/journal", "internal/clock", "internal/jsoncheck", "internal/value", "internal/awsproto", "internal/regional":
		default:
			t.Errorf("services/ecs must not import %s", dep)
		}
	}
}
