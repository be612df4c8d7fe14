package events

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDependencyDirection: services/events implements the interpreter/task contract and must
// not depend on the API server, the interpreter or other services.
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
		case "services/events", "interpreter/task", "internal/storage", "internal/storage/journal", "internal/clock", "internal/jsoncheck", "internal/eventpattern", "internal/value", "internal/delivery", "internal/awsproto", "internal/regional":
		default:
			t.Errorf("services/events must not import %s", dep)
		}
	}
}
