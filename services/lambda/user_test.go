package lambda

import (
	"context"
	"errors"
	"os"
	"os/user"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/internal/clock"
)

func TestResolveUser(t *testing.T) {
	t.Parallel()
	users := map[string]*user.User{
		"nobody": {Uid: "65534", Gid: "65534"},
		"app":    {Uid: "1000", Gid: "1001"},
		"me":     {Uid: "1000", Gid: "1000"},
	}
	lookup := func(n string) (*user.User, error) {
		if u, ok := users[n]; ok {
			return u, nil
		}
		return nil, errors.New("unknown user")
	}
	tests := []struct {
		name    string
		user    string
		euid    int
		want    *syscall.Credential
		wantErr string
	}{
		{name: "auto as root runs nobody", user: UserAuto, euid: 0, want: &syscall.Credential{Uid: 65534, Gid: 65534}},
		{name: "auto as a user changes nothing", user: UserAuto, euid: 1000},
		{name: "opt out", user: "", euid: 0},
		{name: "root opts out", user: "root", euid: 0},
		{name: "named user", user: "app", euid: 0, want: &syscall.Credential{Uid: 1000, Gid: 1001}},
		{name: "numeric uid", user: "4242", euid: 0, want: &syscall.Credential{Uid: 4242, Gid: 4242}},
		{name: "own user needs no switch", user: "me", euid: 1000},
		{name: "another user needs root", user: "app", euid: 1002, wantErr: "needs sfnlocal to run as root"},
		{name: "unknown user", user: "ghost", euid: 0, wantErr: `user "ghost"`},
	}
	// A FROM-scratch image: no user database at all.
	noUsers := func(string) (*user.User, error) {
		return nil, errors.New("open /etc/passwd: no such file or directory")
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := resolveUser(tc.user, tc.euid, lookup)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
	got, err := resolveUser(UserAuto, 0, noUsers)
	require.NoError(t, err, "auto as root without /etc/passwd")
	require.Equal(t, &syscall.Credential{Uid: 65534, Gid: 65534}, got)
	_, err = resolveUser("app", 0, noUsers)
	require.ErrorContains(t, err, `user "app"`, "a named user must exist")
}

// TestPythonRunsAsLambdaUser: as root, a zip function runs as the unprivileged user, can read
// its code and cannot write to it.
func TestPythonRunsAsLambdaUser(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root to switch users")
	}
	nobody, err := user.Lookup("nobody")
	require.NoError(t, err)
	tmp := t.TempDir()
	// t.TempDir's folders are private to root: open the path to the function's user.
	for d := tmp; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		require.NoError(t, os.Chmod(d, 0o755))
	}
	s, err := New(Config{Clock: clock.Real(), Logger: zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)), TempDir: tmp, User: UserAuto})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	createFn(t, s, pyFn("who", `import os
def handler(event, context):
    try:
        open(os.path.join(os.environ["LAMBDA_TASK_ROOT"], "x"), "w")
        wrote = True
    except OSError:
        wrote = False
    return {"uid": os.getuid(), "wrote": wrote, "code": open(__file__).read()[:9]}
`))
	out, err := s.Invoke(context.Background(), &InvokeInput{FunctionName: "who", Payload: []byte(`{}`)})
	require.NoError(t, err)
	require.Empty(t, out.FunctionError, string(out.Payload))
	require.JSONEq(t, `{"uid":`+nobody.Uid+`,"wrote":false,"code":"import os"}`, string(out.Payload))
}
