package engine_test

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/stages"
)

// FuzzLoadAndPlan parses and plans arbitrary recipes. Nothing may panic;
// every error points into the recipe; a recipe without errors has a plan.
// Crashers found by `go test -fuzz` go to testdata/fuzz/FuzzLoadAndPlan,
// which plain `go test` replays.
func FuzzLoadAndPlan(f *testing.F) {
	var seeds []string
	for _, pattern := range []string{"testdata/valid/*.hcl", "testdata/errors/*.hcl"} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, files...)
	}
	// The examples, and the preset recipes of the Koji stages.
	for _, dir := range []string{"../examples", "../stages/koji/testdata"} {
		err := filepath.WalkDir(filepath.FromSlash(dir), func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(path, ".hcl") {
				seeds = append(seeds, path)
			}
			return err
		})
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			f.Fatal(err)
		}
	}
	for _, path := range seeds {
		src, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}

	planner := stages.Planner() // every kind and preset, as the command line
	presets := recipe.WithPresets(planner.PresetTypes()...)
	f.Fuzz(func(t *testing.T, src []byte) {
		const filename = "fuzz.hcl"
		r, diags := recipe.Parse(src, filename, presets)
		if r == nil {
			t.Fatalf("Parse returned no recipe: %v", diags)
		}
		// Plan even after parse errors: the planner must cope with
		// whatever a broken recipe leaves, though the command line stops.
		plan, _, planDiags := planner.Prepare(t.Context(), r, engine.PrepareOptions{CheckOnly: true})
		if !planDiags.HasErrors() && plan == nil {
			t.Fatalf("no plan and no error: %v", planDiags)
		}
		if planDiags.HasErrors() && plan != nil {
			t.Fatalf("a plan along with errors: %v", planDiags)
		}
		all := append(diags, planDiags...)
		for _, d := range all {
			if d.Severity != hcl.DiagError {
				continue
			}
			if d.Subject == nil || d.Subject.Filename != filename {
				t.Fatalf("error without a range in the recipe: %s", d.Error())
			}
		}
		w := hcl.NewDiagnosticTextWriter(io.Discard, r.Files, 80, true)
		if err := w.WriteDiagnostics(all); err != nil {
			t.Fatal(err)
		}
		if plan != nil {
			_ = plan.Doc(nil)
		}
	})
}
