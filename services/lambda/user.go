package lambda

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// UserAuto is Config.User's default: zip functions run as "nobody" when sfnlocal runs as
// root, else as sfnlocal's own user.
const UserAuto = "auto"

// nobodyID is the uid and gid of "nobody" on Linux, for systems without a user database.
const nobodyID = "65534"

// resolveUser turns Config.User into the credential runtime processes start with; nil means
// sfnlocal's own user. euid is the server's effective uid.
func resolveUser(name string, euid int, lookup func(string) (*user.User, error)) (*syscall.Credential, error) {
	switch name {
	case "", "root", "0":
		return nil, nil
	case UserAuto:
		if euid != 0 {
			return nil, nil
		}
		u, err := lookup("nobody")
		if err != nil {
			// A FROM-scratch image has no /etc/passwd: nobody's conventional ids.
			u = &user.User{Uid: nobodyID, Gid: nobodyID}
		}
		return credential("nobody", u, euid)
	}
	u, err := lookup(name)
	if err != nil {
		if _, nerr := strconv.Atoi(name); nerr != nil {
			return nil, fmt.Errorf("lambda: user %q: %w", name, err)
		}
		u = &user.User{Uid: name, Gid: name}
	}
	return credential(name, u, euid)
}

// credential is the credential to run functions as user u (named name), nil for the server's
// own user.
func credential(name string, u *user.User, euid int) (*syscall.Credential, error) {
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("lambda: user %q has no numeric uid and gid", name)
	}
	if int(uid) == euid {
		return nil, nil
	}
	if euid != 0 {
		return nil, fmt.Errorf("lambda: running functions as user %q needs sfnlocal to run as root", name)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: false}, nil
}

// lookupUser is user.Lookup, falling back to a numeric uid.
func lookupUser(name string) (*user.User, error) {
	u, err := user.Lookup(name)
	if err != nil {
		if u2, err2 := user.LookupId(name); err2 == nil {
			return u2, nil
		}
	}
	return u, err
}

// shareDir makes a folder readable by the user functions run as.
func (s *Service) shareDir(dir string) {
	if s.cred != nil {
		_ = os.Chmod(dir, 0o755)
	}
}
