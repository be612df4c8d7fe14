package iam

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestImportBoundaries enforces the layering of STYLE.md: a service fake depends on internal
// packages only, never on the API server, the interpreter or another service.
func TestImportBoundaries(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	require.NoError(t, err, string(out))
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/sfnlocal/sfnlocal/") && !strings.HasPrefix(dep, "github.com/sfnlocal/sfnlocal/internal/") &&
			dep != "github.com/sfnlocal/sfnlocal/services/iam" {
			t.Errorf("services/iam must not import %s", dep)
		}
	}
}
