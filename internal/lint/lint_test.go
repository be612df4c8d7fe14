package lint

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// testFiles parses every _test.go file of the module.
func testFiles(t *testing.T, visit func(fset *token.FileSet, f *ast.File, imports map[string]string)) {
	t.Helper()
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") && path != "../..") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		imports := map[string]string{} // local name → import path
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			name := p[strings.LastIndexByte(p, '/')+1:]
			if imp.Name != nil {
				name = imp.Name.Name
			}
			imports[name] = p
		}
		visit(fset, f, imports)
		return nil
	})
	require.NoError(t, err)
}

// allowed lists files this check leaves alone for now, each with its reason.
var allowed = map[string]bool{
	// internal/clock is being rewritten (virtual time); its test's one require in a goroutine
	// goes with that rewrite.
}

// TestNoRequireInGoroutines: require.* stops the test with t.FailNow, which must be called
// from the test's goroutine; in a goroutine it only ends that goroutine and the test goes on
// (or hangs). Goroutines report errors back (a channel, assert, t.Error) instead.
func TestNoRequireInGoroutines(t *testing.T) {
	t.Parallel()
	var found []string
	testFiles(t, func(fset *token.FileSet, f *ast.File, imports map[string]string) {
		ast.Inspect(f, func(n ast.Node) bool {
			g, ok := n.(*ast.GoStmt)
			if !ok {
				return true
			}
			ast.Inspect(g.Call, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if id, ok := sel.X.(*ast.Ident); ok && imports[id.Name] == "github.com/stretchr/testify/require" {
					found = append(found, fset.Position(sel.Pos()).String())
				}
				return true
			})
			return false
		})
	})
	var left []string
	for _, f := range found {
		if !allowed[f[:strings.IndexByte(f, ':')]] {
			left = append(left, f)
		}
	}
	require.Empty(t, left, "require called inside a goroutine: use assert, t.Error or a channel")
}
