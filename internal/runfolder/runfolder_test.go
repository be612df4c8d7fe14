package runfolder

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNewRemoveReap(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	// A process that has ended: its run folder is a leftover.
	done := exec.Command("true")
	require.NoError(t, done.Run())
	dead := filepath.Join(root, Prefix+strconv.Itoa(done.Process.Pid))
	require.NoError(t, os.MkdirAll(filepath.Join(dead, "server-1", "code"), 0o700))
	alive := filepath.Join(root, Prefix+"1") // init runs as long as the machine
	require.NoError(t, os.Mkdir(alive, 0o700))
	other := filepath.Join(root, Prefix+"lambda-123")
	require.NoError(t, os.Mkdir(other, 0o700))

	a, err := New(root)
	require.NoError(t, err)
	b, err := New(root)
	require.NoError(t, err)
	require.Equal(t, filepath.Dir(a), filepath.Dir(b), "one folder per process")
	require.Equal(t, filepath.Join(root, Prefix+strconv.Itoa(os.Getpid())), filepath.Dir(a))

	require.Equal(t, 1, Reap(root))
	require.NoDirExists(t, dead)
	require.DirExists(t, alive)
	require.DirExists(t, other)
	require.DirExists(t, a)

	require.NoError(t, Remove(a))
	require.DirExists(t, b, "another server of the process keeps its folder")
	require.NoError(t, Remove(b))
	require.NoDirExists(t, filepath.Dir(a))
}
