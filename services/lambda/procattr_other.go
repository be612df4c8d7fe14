//go:build unix && !linux

package lambda

import "syscall"

// procAttr starts a runtime in its own process group (killed as a whole on timeout and
// close), as cred's user when set. Only Linux can have the kernel kill it when sfnlocal dies.
func procAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Credential: cred}
}
