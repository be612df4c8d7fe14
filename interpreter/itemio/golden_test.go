package itemio

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sfnlocal/sfnlocal/internal/value"
	"github.com/sfnlocal/sfnlocal/interpreter/task"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the .want golden files of sfnlocal's own cases (never the AWS-recorded ones)")

// readerCase is testdata/reader/<name>.json: a ReaderConfig, the object's content (inline or
// a file under testdata/objects) and where the expectation comes from ("aws: <test>" for
// recorded AWS behaviour, which -update never rewrites).
type readerCase struct {
	Source string       `json:"source"`
	Config ReaderConfig `json:"config"`
	Object string       `json:"object"`
	Body   *string      `json:"body"`
}

// render writes items one compact JSON value a line, or an error as "error: Name: Cause".
func render(t *testing.T, items []any, err error) string {
	t.Helper()
	if err != nil {
		var f *task.Failure
		require.True(t, errors.As(err, &f), "error is not a *task.Failure: %v", err)
		return "error: " + f.Name + ": " + f.Cause + "\n"
	}
	var b strings.Builder
	for _, it := range items {
		b.WriteString(value.MustEncode(it))
		b.WriteByte('\n')
	}
	return b.String()
}

func checkGolden(t *testing.T, wantFile, got string, aws bool) {
	t.Helper()
	if *update && !aws {
		require.NoError(t, os.WriteFile(wantFile, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(wantFile)
	require.NoError(t, err, "missing golden file (run go test -update for sfnlocal's own cases)")
	require.Equal(t, string(want), got)
}

func TestDecodeGolden(t *testing.T) {
	t.Parallel()
	eachGolden(t, "testdata/reader", func(t *testing.T, file string, tc readerCase) {
		var body []byte
		var err error
		if tc.Body != nil {
			body = []byte(*tc.Body)
		} else {
			body, err = os.ReadFile(filepath.Join("testdata", tc.Object))
			require.NoError(t, err)
		}
		items, err := DecodeAll(tc.Config, body)
		got := render(t, items, err)
		checkGolden(t, strings.TrimSuffix(file, ".json")+".want", got, strings.HasPrefix(tc.Source, "aws"))
	})
}

// eachGolden runs fn as a parallel subtest for every case file dir/*.json, decoded into a C.
func eachGolden[C any](t *testing.T, dir string, fn func(t *testing.T, file string, tc C)) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			t.Parallel()
			raw, err := os.ReadFile(file)
			require.NoError(t, err)
			var tc C
			require.NoError(t, json.Unmarshal(raw, &tc))
			fn(t, file, tc)
		})
	}
}
