package dynamodb

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDependencyDirection: services/dynamodb implements the interpreter/task contract and must not
// depend on the API server, the interpreter or other services.
func TestDependencyDirection(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	require.NoError(t, err)
	for _, dep := range strings.Fields(string(out)) {
		const mod = "github.com/sfnlocal/sfnlocal/"
		if !strings.HasPrefix(dep, mod) {
			continue
		}
		switch rel := strings.TrimPrefix(dep, mod); rel {
		case "services/dynamodb", "interpreter/task", "internal/storage", "internal/storage/journal", "internal/awsproto", "internal/regional", "internal/clock", "internal/jsoncheck", "internal/value":
		default:
			t.Errorf("services/dynamodb must not import %s", dep)
		}
	}
}
