package convert_test

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

// The recipes in testdata/validate carry the diagnostics each line must
// get as trailing comments, as engine/testdata/errors does:
//
//	formats = ["qcow3"] # ERROR: Unknown format
//
// A line may carry several; # WARNING: expects a warning.

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

func expected(t *testing.T, path string) map[int][]string {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int][]string{}
	sc := bufio.NewScanner(bytes.NewReader(src))
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		i := strings.Index(text, " # ")
		if i < 0 {
			continue
		}
		for _, part := range strings.Split(text[i+3:], " # ") {
			for _, sev := range []string{"ERROR", "WARNING"} {
				if s, ok := strings.CutPrefix(part, sev+": "); ok {
					want[line] = append(want[line], sev+": "+strings.TrimSpace(s))
				}
			}
		}
		slices.Sort(want[line])
	}
	return want
}

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

func TestValidateDiagnostics(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "validate", "*.hcl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no recipes in testdata/validate: %v", err)
	}
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".hcl"), func(t *testing.T) {
			diags := plan(t, path)
			if diff := cmp.Diff(expected(t, path), byLine(diags)); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s\nall: %v", diff, diags)
			}
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
