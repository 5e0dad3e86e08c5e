// Package layout checks the shape of the repository a newcomer relies on:
// small files and functions, a cmd that only wires, and imports that only
// point down (docs/architecture.md draws the layers).
package layout

import (
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

const (
	module   = "github.com/fivechoice/fivechoice/"
	maxLines = 400 // per file, tests included
	maxFunc  = 80  // lines per function, tests included
)

// oversize lists the test files and functions that were already over the
// limits when this check came, so that it could come at once: each must
// still be over (fixing one fails here until it is taken off), and nothing
// new may join them.
var oversize = map[string]bool{
	"cmd/fivechoice/avr_test.go":                         true,
	"hardware/gpio/kernel_test.go":                       true,
	"hardware/gpio/session_test.go":                      true,
	"cmd/fivechoice/diskfull_test.go:TestServeDiskFull":  true,
	"controller/config/config_test.go:TestRefused":       true,
	"controller/httpapi/api_test.go:TestAPI":             true,
	"hardware/gpio/session_test.go:runScriptedSession":   true,
	"hardware/serial/session_test.go:TestSessionOverPTY": true,
}

// root is the repository's top directory.
func root(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Fatalf("no go.mod at %s: %v", dir, err)
	}
	return dir
}

// goFiles walks the repository's Go files (testdata and hidden folders
// aside), parsed, by path relative to the top.
func goFiles(t *testing.T, fn func(rel string, fset *token.FileSet, f *ast.File)) {
	top := root(t)
	err := filepath.WalkDir(top, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && path != top && (name == "testdata" || strings.HasPrefix(name, ".")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(name, ".go") {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(top, path)
		fn(filepath.ToSlash(rel), fset, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestSizes: no file over 400 lines, no function over 80.
func TestSizes(t *testing.T) {
	seen := map[string]bool{}
	over := func(key, what string, n, limit int) {
		seen[key] = true
		if !oversize[key] {
			t.Errorf("%s is %d lines, over %d: split it by what each part does", what, n, limit)
		}
	}
	goFiles(t, func(rel string, fset *token.FileSet, f *ast.File) {
		if n := fset.File(f.Pos()).LineCount(); n > maxLines {
			over(rel, rel, n, maxLines)
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok {
				n := fset.Position(fd.End()).Line - fset.Position(fd.Pos()).Line + 1
				if n > maxFunc {
					over(rel+":"+fd.Name.Name, rel+": "+fd.Name.Name, n, maxFunc)
				}
			}
		}
	})
	for key := range oversize {
		if !seen[key] {
			t.Errorf("%s is within the limits now: take it off the oversize list", key)
		}
	}
}

// sqlWords are what an SQL statement starts with.
var sqlWords = regexp.MustCompile(`(?is)^\s*(select\s.+\sfrom\s|insert\s+(or\s+\w+\s+)?into\s|update\s+\w+\s+set\s|delete\s+from\s|(create|alter|drop)\s+(table|index|view|trigger)\s|pragma\s+\w|with\s+\w+\s+as\s*\()`)

// TestCmdHasNoSQL: cmd/fivechoice holds flags and wiring; the schema and
// every statement live in storage alone.
func TestCmdHasNoSQL(t *testing.T) {
	goFiles(t, func(rel string, fset *token.FileSet, f *ast.File) {
		if !strings.HasPrefix(rel, "cmd/") {
			return
		}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == "database/sql" || strings.Contains(p, "sqlite") {
				t.Errorf("%s imports %s: SQL belongs in storage", rel, p)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil && sqlWords.MatchString(s) {
					t.Errorf("%s: SQL in a string (%.40q): it belongs in storage", fset.Position(lit.Pos()), s)
				}
			}
			return true
		})
	})
}

// forbidden says which of the project's packages a package may not import
// (by path prefix), so that imports point only down:
//
//   - protocols is the task's rules: it imports only the hardware
//     vocabulary (package hardware itself), never a device or anything above.
//   - hardware and its devices never import controller, storage, protocols,
//     the virtual rat, the study or anything else above them.
//   - storage never imports controller, the rat, the study, or the
//     packages that drive sessions.
//   - controller (the runner and supervisor) never imports the daemon's
//     front parts built on it (config, wiring, httpapi, metrics).
//   - rat (the virtual subject) never imports controller or storage.
//     rat/validate runs the rat through the real runner to check it against
//     the literature, so it may import controller: it is a harness at the
//     top, like cmd, and only cmd imports it.
func forbidden(pkg string) []string {
	above := []string{"controller", "storage", "study", "simulate", "bench", "rat", "analysis", "cmd"}
	switch {
	case pkg == "protocols":
		return append(above, "hardware/", "protocols/")
	case pkg == "hardware" || strings.HasPrefix(pkg, "hardware/"):
		return append(above, "protocols")
	case pkg == "storage":
		return []string{"controller", "study", "simulate", "bench", "rat", "cmd"}
	case pkg == "controller":
		return []string{"controller/config", "controller/wiring", "controller/httpapi", "controller/metrics", "simulate", "bench", "cmd", "rat/validate"}
	case pkg == "rat":
		return []string{"controller", "storage", "study", "simulate", "bench", "cmd", "rat/validate"}
	}
	return []string{"cmd", "rat/validate"}
}

// TestNoUpwardImports checks every package's (non-test) imports against
// forbidden, read with go/build.
func TestNoUpwardImports(t *testing.T) {
	top := root(t)
	dirs := map[string]bool{}
	goFiles(t, func(rel string, _ *token.FileSet, _ *ast.File) { dirs[filepath.Dir(rel)] = true })
	for dir := range dirs {
		p, err := build.ImportDir(filepath.Join(top, dir), 0)
		if err != nil {
			continue // only test files, or none for this platform
		}
		pkg := filepath.ToSlash(dir)
		for _, imp := range p.Imports {
			rest, ok := strings.CutPrefix(imp, module)
			if !ok {
				continue
			}
			if strings.HasPrefix(pkg, "cmd/") && rest == "rat/validate" {
				continue
			}
			for _, bad := range forbidden(pkg) {
				if under(rest, bad) {
					t.Errorf("%s imports %s: an upward import (see forbidden)", pkg, rest)
				}
			}
		}
	}
}

// under says whether package path p is bad or below it; a bad ending in
// "/" means only below it.
func under(p, bad string) bool {
	if strings.HasSuffix(bad, "/") {
		return strings.HasPrefix(p, bad)
	}
	return p == bad || strings.HasPrefix(p, bad+"/")
}
