package engine_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/internal/diagtest"
	"github.com/imgpipe/imgpipe/stages"
)

// The recipes in testdata/errors each hold one or more mistakes, and
// comments naming the diagnostic each line must get, as internal/diagtest
// reads them:
//
//	repo_mode = "overide" # ERROR: Invalid value for repo_mode
//
// Every diagnostic of a phase is reported at once, but a phase runs only
// when the ones before it found no error: a recipe is planned only when it
// parses cleanly (as on the command line), and stages are evaluated only
// when variables, locals, the build block and the stage graph are sound. So
// each file keeps its mistakes to one of these phases.

// load parses and plans a recipe as `imgpipe validate` does, with every
// kind and preset.
func load(t *testing.T, path string) (*recipe.Recipe, *engine.Plan, hcl.Diagnostics) {
	t.Helper()
	planner := stages.Planner()
	r, diags := recipe.LoadFile(path, recipe.WithPresets(planner.PresetTypes()...))
	if r == nil {
		t.Fatalf("LoadFile(%s) returned no recipe: %v", path, diags)
	}
	if diags.HasErrors() {
		return r, nil, diags
	}
	plan, _, planDiags := planner.Prepare(t.Context(), r, engine.PrepareOptions{})
	return r, plan, append(diags, planDiags...)
}

func errorRecipes(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "errors", "*.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 30 {
		t.Fatalf("testdata/errors holds %d recipes; want at least 30", len(files))
	}
	return files
}

func TestErrorDiagnostics(t *testing.T) {
	for _, path := range errorRecipes(t) {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".hcl"), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			_, plan, diags := load(t, path)
			if !diags.HasErrors() {
				t.Fatalf("no error diagnostics")
			}
			if plan != nil {
				t.Errorf("Plan returned a plan along with errors")
			}
			diagtest.Check(t, path, src, diags)
			for _, d := range diags {
				if d.Severity == hcl.DiagError && strings.TrimSpace(d.Detail) == "" {
					t.Errorf("%q has no detail", d.Summary)
				}
			}
		})
	}
}

// TestErrorDiagnosticsRender renders each file's diagnostics with source
// snippets, as the command line prints them.
func TestErrorDiagnosticsRender(t *testing.T) {
	for _, path := range errorRecipes(t) {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".hcl"), func(t *testing.T) {
			r, _, diags := load(t, path)
			var buf bytes.Buffer
			w := hcl.NewDiagnosticTextWriter(&buf, r.Files, 100, false)
			if err := w.WriteDiagnostics(diags); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			for _, d := range diags {
				if !strings.Contains(out, d.Summary) {
					t.Errorf("rendered output lacks %q:\n%s", d.Summary, out)
				}
			}
			if !strings.Contains(out, "on "+path+" line ") {
				t.Errorf("rendered output names no source line of %s:\n%s", path, out)
			}
		})
	}
}
