package s3

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDependencyDirection: services/s3 implements the interpreter/task contract and must not
// depend on the API server, the interpreter or other services. interpreter/itemio (the
// Distributed Map's item and result formats, itself importing only task and value) is allowed
// so that the listing items of the ItemReader integration have one definition.
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
		case "services/s3", "interpreter/task", "internal/storage", "internal/storage/journal", "internal/clock", "internal/jsoncheck", "internal/value",
			"interpreter/itemio": // the Distributed Map's data formats: a leaf over task and value
		default:
			t.Errorf("services/s3 must not import %s", dep)
		}
	}
}
