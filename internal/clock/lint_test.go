package clock

import (
	"bufio"
	"errors"
	"fmt"
	"go/build"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// lintFixtures are packages that break the rules of .golangci.yml on purpose, each offending
// line marked `// want <linter>`. They sit under testdata/, which ./... (and so `make lint`)
// skips.
var lintFixtures = []string{"services/testdata/lint/wallclock", "interpreter/testdata/lint/layers"}

// TestLintRules runs golangci-lint with the repository's .golangci.yml over the fixtures and
// expects exactly the marked findings: the wall-clock ban (forbidigo, as TestNoWallClockInCore
// checks it) and the interpreter's import rules (depguard) do catch violations, aliased
// imports included, and `//nolint:forbidigo // reason` lets an allowed use through. It skips
// when golangci-lint is not installed (`make deps` installs it) and fails when CI=true.
func TestLintRules(t *testing.T) {
	t.Parallel()
	bin := golangciLint()
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("golangci-lint is required in CI (make deps installs it)")
		}
		t.Skip("golangci-lint not installed (make deps installs it)")
	}
	root := filepath.Join("..", "..")
	var want []string
	for _, dir := range lintFixtures {
		files, err := filepath.Glob(filepath.Join(root, dir, "*.go"))
		require.NoError(t, err)
		require.NotEmpty(t, files, dir)
		for _, f := range files {
			want = append(want, marked(t, root, f)...)
		}
	}
	args := []string{"run", "--max-same-issues=0", "--max-issues-per-linter=0"}
	for _, dir := range lintFixtures {
		args = append(args, "./"+dir)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	// Exit code 1 is "issues found"; anything else is the tool failing.
	var exit *exec.ExitError
	require.True(t, errors.As(err, &exit) && exit.ExitCode() == 1, "golangci-lint: %v\n%s", err, out)
	finding := regexp.MustCompile(`^(\S+\.go):(\d+):\d+: .*\((\w+)\)$`)
	var got []string
	for _, line := range strings.Split(string(out), "\n") {
		if m := finding.FindStringSubmatch(line); m != nil {
			got = append(got, fmt.Sprintf("%s:%s: %s", filepath.ToSlash(m[1]), m[2], m[3]))
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	require.Equal(t, want, got, "golangci-lint findings (output:\n%s)", out)
}

// marked lists a fixture's `// want <linter>` lines as "path:line: linter".
func marked(t *testing.T, root, file string) []string {
	t.Helper()
	f, err := os.Open(file)
	require.NoError(t, err)
	defer f.Close()
	rel, err := filepath.Rel(root, file)
	require.NoError(t, err)
	var want []string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if _, linter, ok := strings.Cut(sc.Text(), "// want "); ok {
			want = append(want, fmt.Sprintf("%s:%d: %s", filepath.ToSlash(rel), n, strings.TrimSpace(linter)))
		}
	}
	require.NoError(t, sc.Err())
	return want
}

// golangciLint finds the golangci-lint binary: on PATH, else where `go install` put it.
func golangciLint() string {
	if p, err := exec.LookPath("golangci-lint"); err == nil {
		return p
	}
	dir := os.Getenv("GOBIN")
	if dir == "" {
		dir = filepath.Join(filepath.SplitList(build.Default.GOPATH)[0], "bin")
	}
	p := filepath.Join(dir, "golangci-lint")
	if _, err := os.Stat(p); err != nil {
		return ""
	}
	return p
}
