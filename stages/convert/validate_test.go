package convert_test

import (
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

// The recipes in testdata/validate name the diagnostics each line must get
// in comments, as internal/diagtest reads them:
//
//	formats = ["qcow3"] # ERROR: Unknown format

func plan(t *testing.T, path string) hcl.Diagnostics {
	t.Helper()
	planner := stages.Planner()
	r, diags := recipe.LoadFile(path, recipe.WithPresets(planner.PresetTypes()...))
	if r == nil || diags.HasErrors() {
		t.Fatalf("LoadFile(%s): %v", path, diags)
	}
	_, _, d := planner.Prepare(t.Context(), r, engine.PrepareOptions{})
	return append(diags, d...)
}

func TestValidateDiagnostics(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "validate", "*.hcl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no recipes in testdata/validate: %v", err)
	}
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".hcl"), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			diagtest.Check(t, path, src, plan(t, path))
		})
	}
}

// TestValidateDetails checks what the diagnostics say beyond their summary.
func TestValidateDetails(t *testing.T) {
	detail := func(path, summary string) string {
		for _, d := range plan(t, filepath.Join("testdata", "validate", path)) {
			if d.Summary == summary {
				return d.Detail
			}
		}
		t.Fatalf("%s: no %q diagnostic", path, summary)
		return ""
	}
	for _, c := range []struct{ path, summary, want string }{
		{"formats.hcl", "Unknown format", `Did you mean "qcow"?`},
		{"ova.hcl", "Unknown ova option", `Did you mean "ovf_memory_mb"?`},
		{"factory.hcl", "Unknown factory parameter", `Did you mean "docker_label"?`},
		{"factory.hcl", "Factory parameter not supported", "tar_options"},
	} {
		if got := detail(c.path, c.summary); !strings.Contains(got, c.want) {
			t.Errorf("%s %q: detail %q does not say %q", c.path, c.summary, got, c.want)
		}
	}
}
