// Package runfolder gives each sfnlocal process one folder for its temporary files (unzipped
// function code, runtime bootstraps, function logs), $TMPDIR/sfnlocal-<pid>, and removes the
// folders of processes that are gone.
//
// It exists so that a crash (kill -9, OOM) leaves nothing behind for long: every temporary
// file of a process lives under the one folder named by its pid, and the next sfnlocal to start
// removes the folders whose process no longer runs. Several servers in one process (Go tests
// with sfnlocaltest) each get their own sub-folder, removed by their Close.
package runfolder

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Prefix starts every run folder's name.
const Prefix = "sfnlocal-"

// New creates a folder for one server under this process' run folder in root ("" means
// os.TempDir()). The caller removes it when done (Remove), and removes the run folders of
// dead processes with Reap (off the path to the first answer: it reads the whole of root).
func New(root string) (string, error) {
	if root == "" {
		root = os.TempDir()
	}
	proc := filepath.Join(root, Prefix+strconv.Itoa(os.Getpid()))
	var err error
	for range 3 { // a concurrent Remove of the process folder can come between the two calls
		if err = os.MkdirAll(proc, 0o755); err != nil {
			return "", fmt.Errorf("run folder: %w", err)
		}
		_ = os.Chmod(proc, 0o755) // readable by the user functions may run as
		var dir string
		if dir, err = os.MkdirTemp(proc, "server-"); err == nil {
			return dir, os.Chmod(dir, 0o755)
		}
	}
	return "", fmt.Errorf("run folder: %w", err)
}

// Remove deletes a folder New returned, and the process folder when it is left empty.
func Remove(dir string) error {
	err := os.RemoveAll(dir)
	_ = os.Remove(filepath.Dir(dir)) // fails, harmlessly, while another server uses it
	return err
}

// Reap removes the run folders under root ("" means os.TempDir()) whose process is gone, and
// returns how many.
func Reap(root string) int {
	if root == "" {
		root = os.TempDir()
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range entries {
		pid, err := strconv.Atoi(strings.TrimPrefix(e.Name(), Prefix))
		if !e.IsDir() || !strings.HasPrefix(e.Name(), Prefix) || err != nil || pid <= 0 || pid == os.Getpid() || Alive(pid) {
			continue
		}
		if os.RemoveAll(filepath.Join(root, e.Name())) == nil {
			n++
		}
	}
	return n
}

// Alive reports whether a process with this pid runs (a process of another user counts).
func Alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
