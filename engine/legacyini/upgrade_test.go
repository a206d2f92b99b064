package legacyini_test

import (
	"os"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/legacyini"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/stages"
)

// The upgrade compares with a golden written by hand (testdata/roundtrip),
// never with the tool's own earlier output. internal/kojiexport exports the
// same INI and reads it back.

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// planHCL parses and plans recipe source as imgpipe validate does.
func planHCL(t *testing.T, filename string, src []byte) *engine.Plan {
	t.Helper()
	planner := stages.Planner()
	r, diags := recipe.Parse(src, filename, recipe.WithPresets(planner.PresetTypes()...))
	if diags.HasErrors() {
		t.Fatalf("parse %s: %s\n%s", filename, diags, src)
	}
	plan, _, diags := planner.Prepare(t.Context(), r, engine.PrepareOptions{CheckOnly: true})
	if diags.HasErrors() {
		t.Fatalf("plan %s: %s\n%s", filename, diags, src)
	}
	return plan
}

func summaries(diags hcl.Diagnostics, sev hcl.DiagnosticSeverity) []string {
	var out []string
	for _, d := range diags {
		if d.Severity == sev {
			out = append(out, d.Summary)
		}
	}
	slices.Sort(out)
	return out
}

func upgrade(t *testing.T, path string) ([]byte, hcl.Diagnostics) {
	t.Helper()
	res, diags := legacyini.Load(path)
	if diags.HasErrors() {
		t.Fatalf("%s: %s", path, diags)
	}
	return res.HCL, diags
}

// TestUpgradeGolden: a hand-written INI upgrades to a hand-written HCL.
func TestUpgradeGolden(t *testing.T) {
	got, diags := upgrade(t, "testdata/roundtrip/input.ini")
	want := readFile(t, "testdata/roundtrip/expected.hcl")
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("upgrade of testdata/roundtrip/input.ini (-want +got):\n%s", diff)
	}
	wantWarn := []string{
		"False is true for Koji", "Hyphenated key", "Whitespace around list item",
		"[DEFAULT] keys not passed as OVA options", "[DEFAULT] keys not passed as factory parameters",
	}
	if diff := cmp.Diff(wantWarn, summaries(diags, hcl.DiagWarning)); diff != "" {
		t.Errorf("warnings (-want +got):\n%s\n%s", diff, diags)
	}
	// The golden is a valid recipe in canonical format.
	if f := hclwrite.Format(want); string(f) != string(want) {
		t.Errorf("expected.hcl is not formatted as imgpipe fmt would")
	}
	planHCL(t, "testdata/roundtrip/expected.hcl", want)
}
