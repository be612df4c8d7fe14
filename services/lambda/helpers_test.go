package lambda

import (
	"archive/zip"
	"bytes"
	"context"
	"io/fs"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/sfnlocal/sfnlocal/internal/clock"
)

const (
	testRegion  = "us-east-1"
	testAccount = "111111111111"
	testRole    = "arn:aws:iam::111111111111:role/test-role"
)

// newTestService starts a service that is closed when the test ends.
func newTestService(t testing.TB, cfg Config) *Service {
	t.Helper()
	if cfg.Logger == nil {
		if tt, ok := t.(*testing.T); ok {
			cfg.Logger = zaptest.NewLogger(tt, zaptest.Level(zap.WarnLevel))
		}
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real()
	}
	cfg.Region, cfg.AccountID = testRegion, testAccount
	cfg.TempDir = t.TempDir()
	s, err := New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// zipOf builds a deployment package; names listed in exec get mode 0755.
func zipOf(t testing.TB, files map[string][]byte, exec ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		h := &zip.FileHeader{Name: n, Method: zip.Deflate}
		mode := fs.FileMode(0o644)
		for _, e := range exec {
			if e == n {
				mode = 0o755
			}
		}
		h.SetMode(mode)
		w, err := zw.CreateHeader(h)
		require.NoError(t, err)
		_, err = w.Write(files[n])
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

type fnSpec struct {
	name, runtime, handler string
	files                  map[string][]byte
	exec                   []string
	timeout                int
	env                    map[string]string
}

func createFn(t testing.TB, s *Service, f fnSpec) *FunctionConfiguration {
	t.Helper()
	role := testRole
	in := &CreateFunctionInput{FunctionName: &f.name, Role: &role, Runtime: f.runtime, Handler: f.handler, Code: &FunctionCode{ZipFile: zipOf(t, f.files, f.exec...)}}
	if f.timeout > 0 {
		in.Timeout = &f.timeout
	}
	if f.env != nil {
		in.Environment = &Environment{Variables: f.env}
	}
	out, err := s.createFunction(context.Background(), in)
	require.NoError(t, err)
	return out
}

func pyFn(name, code string) fnSpec {
	return fnSpec{name: name, runtime: "python3.12", handler: "handler.handler", files: map[string][]byte{"handler.py": []byte(code)}}
}
