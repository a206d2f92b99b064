package engine_test

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/stages"
)

// The recipes in testdata/errors each hold one or more mistakes. The line a
// diagnostic must point at carries a trailing comment with its exact summary,
// in Terraform's style:
//
//	repo_mode = "overide" # ERROR: Invalid value for repo_mode
//
// A line may carry several (`# ERROR: A # ERROR: B`); a `# WARNING:` comment
// expects a warning. Every diagnostic of a phase is reported at once, but a
// phase runs only when the ones before it found no error: a recipe is
// planned only when it parses cleanly (as on the command line), and stages
// are evaluated only when variables, locals, the build block and the stage
// graph are sound. So each file keeps its mistakes to one of these phases.

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

// expectations reads the `# ERROR:` and `# WARNING:` comments of a recipe.
func expectations(t *testing.T, path string) map[int][]string {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int][]string{}
	sc := bufio.NewScanner(bytes.NewReader(src))
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		for {
			i := strings.Index(text, "# ERROR: ")
			j := strings.Index(text, "# WARNING: ")
			if i < 0 && j < 0 {
				break
			}
			sev, start := "ERROR", i
			if i < 0 || (j >= 0 && j < i) {
				sev, start = "WARNING", j
			}
			text = text[start+len("# "+sev+": "):]
			summary := text
			if k := strings.Index(text, " # "); k >= 0 {
				summary = text[:k]
			}
			want[line] = append(want[line], sev+": "+strings.TrimSpace(summary))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for _, s := range want {
		slices.Sort(s)
	}
	return want
}

// byLine groups diagnostics by the line their subject starts on; those
// without a subject go to line 0.
func byLine(diags hcl.Diagnostics) map[int][]string {
	got := map[int][]string{}
	for _, d := range diags {
		sev := "ERROR"
		if d.Severity == hcl.DiagWarning {
			sev = "WARNING"
		}
		line := 0
		if d.Subject != nil {
			line = d.Subject.Start.Line
		}
		got[line] = append(got[line], sev+": "+d.Summary)
	}
	for _, s := range got {
		slices.Sort(s)
	}
	return got
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
			want := expectations(t, path)
			if len(want) == 0 {
				t.Fatalf("%s has no # ERROR: comment", path)
			}
			_, plan, diags := load(t, path)
			if !diags.HasErrors() {
				t.Fatalf("no error diagnostics")
			}
			if plan != nil {
				t.Errorf("Plan returned a plan along with errors")
			}
			if diff := cmp.Diff(want, byLine(diags)); diff != "" {
				var b strings.Builder
				for _, d := range diags {
					b.WriteString("\n  " + d.Error())
				}
				t.Errorf("diagnostics by line (-want +got):\n%s\nall diagnostics:%s", diff, b.String())
			}
			for _, d := range diags {
				if d.Severity != hcl.DiagError {
					continue
				}
				switch {
				case d.Subject == nil:
					t.Errorf("%q has no subject", d.Summary)
				case d.Subject.Filename != path:
					t.Errorf("%q points into %q, not the recipe", d.Summary, d.Subject.Filename)
				}
				if strings.TrimSpace(d.Detail) == "" {
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
