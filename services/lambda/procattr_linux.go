package lambda

import "syscall"

// procAttr starts a runtime in its own process group (killed as a whole on timeout and
// close), as cred's user when set, and killed by the kernel if sfnlocal dies first: a crash
// leaves no function process running.
func procAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL, Credential: cred}
}
