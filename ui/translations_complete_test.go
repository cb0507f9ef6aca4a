package ui

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// Every English text the console passes to T as a literal has its German in
// translations/de.json: an English word on a German screen is a bug (the
// customer panel's other cases said "solved · 27. Nov. 2026"). The check
// reads the package's source, so a new T("…") without its German fails here
// before anyone has to spot it on a capture.
func TestEveryTranslatedTextHasItsGerman(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("translations", "de.json"))
	if err != nil {
		t.Fatal(err)
	}
	de := map[string]string{}
	if err := json.Unmarshal(raw, &de); err != nil {
		t.Fatalf("de.json: %v", err)
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	missing := map[string]string{}
	seen := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			switch fn := call.Fun.(type) {
			case *ast.Ident:
				if fn.Name != "T" {
					return true
				}
			case *ast.SelectorExpr:
				if x, ok := fn.X.(*ast.Ident); !ok || x.Name != "lang" || (fn.Sel.Name != "L" && fn.Sel.Name != "X") {
					return true
				}
			default:
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			text, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			seen++
			if _, ok := de[text]; !ok {
				missing[text] = fset.Position(lit.Pos()).String()
			}
			return true
		})
	}
	if seen < 100 {
		t.Fatalf("found only %d texts passed to T: the scan is broken", seen)
	}
	var keys []string
	for k := range missing {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Errorf("%s: %q has no German in translations/de.json", missing[k], k)
	}
}
