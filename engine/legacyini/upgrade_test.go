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

// TestUpgradeGolden: a hand-written INI upgrades to a hand-written HCL,
// never compared with the tool's own earlier output. internal/kojiexport
// exports the same INI and reads it back.
func TestUpgradeGolden(t *testing.T) {
	res, diags := legacyini.Load("testdata/roundtrip/input.ini")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	want, err := os.ReadFile("testdata/roundtrip/expected.hcl")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(res.HCL)); diff != "" {
		t.Errorf("upgrade of testdata/roundtrip/input.ini (-want +got):\n%s", diff)
	}
	var warnings []string
	for _, d := range diags {
		if d.Severity == hcl.DiagWarning {
			warnings = append(warnings, d.Summary)
		}
	}
	slices.Sort(warnings)
	wantWarn := []string{
		"False is true for Koji", "Hyphenated key", "Whitespace around list item",
		"[DEFAULT] keys not passed as OVA options", "[DEFAULT] keys not passed as factory parameters",
	}
	if diff := cmp.Diff(wantWarn, warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s\n%s", diff, diags)
	}
	// The golden is a valid recipe in canonical format.
	if f := hclwrite.Format(want); string(f) != string(want) {
		t.Errorf("expected.hcl is not formatted as imgpipe fmt would")
	}
	planner := stages.Planner()
	r, diags := recipe.Parse(want, "testdata/roundtrip/expected.hcl", recipe.WithPresets(planner.PresetTypes()...))
	if !diags.HasErrors() {
		_, _, diags = planner.Prepare(t.Context(), r, engine.PrepareOptions{CheckOnly: true})
	}
	if diags.HasErrors() {
		t.Errorf("expected.hcl does not plan: %s", diags)
	}
}
