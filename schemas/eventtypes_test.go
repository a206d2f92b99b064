package schemas_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/imgpipe/imgpipe/schemas"
)

// TestEventTypesComplete checks schemas.EventTypes lists every constant of
// type events.Type declared in engine/events, so a new event type cannot be
// left out of the schema's enum.
func TestEventTypesComplete(t *testing.T) {
	const dir = "../engine/events"
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var declared []string
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			isType := false
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				if vs.Type != nil || len(vs.Values) > 0 {
					id, ok := vs.Type.(*ast.Ident)
					isType = ok && id.Name == "Type"
				}
				if !isType {
					continue
				}
				if len(vs.Values) != len(vs.Names) {
					t.Fatalf("%s: events.Type constants must be string literals", fset.Position(vs.Pos()))
				}
				for i := range vs.Names {
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						t.Fatalf("%s: not a string literal", vs.Names[i].Name)
					}
					s, _ := strconv.Unquote(lit.Value)
					declared = append(declared, s)
				}
			}
		}
	}
	var listed []string
	for _, et := range schemas.EventTypes {
		listed = append(listed, string(et))
	}
	slices.Sort(declared)
	slices.Sort(listed)
	if len(declared) == 0 || !slices.Equal(declared, listed) {
		t.Errorf("events declares types %q; schemas.EventTypes lists %q", declared, listed)
	}
}
