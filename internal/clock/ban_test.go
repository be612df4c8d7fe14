package clock

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

// banned are the calls that read or wait on the wall clock behind the Clock's back.
var banned = map[string]map[string]bool{
	"time":    {"Now": true, "Sleep": true, "After": true, "NewTimer": true, "Tick": true, "NewTicker": true, "AfterFunc": true, "Since": true, "Until": true},
	"context": {"WithTimeout": true, "WithDeadline": true, "WithTimeoutCause": true, "WithDeadlineCause": true},
}

// TestNoWallClockInCore fails if non-test code under interpreter/ or services/ calls the
// time or context functions that bypass the Clock (the house style's forbidigo rule, as a
// test so that it runs everywhere `go test` does).
func TestNoWallClockInCore(t *testing.T) {
	t.Parallel()
	var violations []string
	for _, dir := range []string{"../../interpreter", "../../services"} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "testdata" {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			// Map local import names to the banned packages.
			names := map[string]string{}
			for _, imp := range f.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				if _, ok := banned[p]; !ok {
					continue
				}
				name := p
				if imp.Name != nil {
					name = imp.Name.Name
				}
				names[name] = p
			}
			ast.Inspect(f, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if id, ok := sel.X.(*ast.Ident); ok {
					if pkg, ok := names[id.Name]; ok && banned[pkg][sel.Sel.Name] {
						violations = append(violations, fset.Position(sel.Pos()).String()+": "+pkg+"."+sel.Sel.Name)
					}
				}
				return true
			})
			return nil
		})
		require.NoError(t, err)
	}
	require.Empty(t, violations, "use internal/clock (Clock, Sleep, WithTimeout) instead")
}
