package kojiexport_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/legacyini"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/internal/kojiexport"
	"github.com/imgpipe/imgpipe/stages"
)

// The round trips compare with goldens written by hand (testdata/export,
// and engine/legacyini's testdata/roundtrip, whose upgrade legacyini tests),
// never with the tool's own earlier output.

// roundtripINI is the hand-written INI engine/legacyini upgrades to its
// golden HCL; here it is upgraded, exported and read back.
const roundtripINI = "../../engine/legacyini/testdata/roundtrip/input.ini"

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

func export(t *testing.T, plan *engine.Plan) []byte {
	t.Helper()
	out, diags := kojiexport.INI(plan)
	if diags.HasErrors() {
		t.Fatalf("export: %s", diags)
	}
	return out
}

// TestExportGolden: a hand-written HCL exports to a hand-written INI.
func TestExportGolden(t *testing.T) {
	plan := planHCL(t, "testdata/export/input.hcl", readFile(t, "testdata/export/input.hcl"))
	got := export(t, plan)
	want := readFile(t, "testdata/export/expected.ini")
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("export of testdata/export/input.hcl (-want +got):\n%s", diff)
	}
	// Read back, the INI describes the same build, arch by arch.
	res, diags := legacyini.Convert("expected.ini", []legacyini.Source{{Filename: "expected.ini", Bytes: want}})
	if diags.HasErrors() || len(diags) > 0 {
		t.Fatalf("reading the exported INI back: %s", diags)
	}
	sameBuild(t, plan, planHCL(t, res.Filename, res.HCL))
}

// sameBuild compares every image_build attribute of two plans for every
// arch.
func sameBuild(t *testing.T, a, b *engine.Plan) {
	t.Helper()
	names := append(append([]string{}, legacyini.Keys[1:]...), "repo_mode", "ova_options", "factory_parameters")
	for _, arch := range a.Build.Arches {
		for _, n := range names {
			va, _ := kojiexport.PresetValue(a, n, arch)
			vb, _ := kojiexport.PresetValue(b, n, arch)
			if norm(n, arch, va).Equals(norm(n, arch, vb)).False() {
				t.Errorf("%s for %s: %#v, read back as %#v", n, arch, va, vb)
			}
		}
	}
	if a.Preset.Label != b.Preset.Label {
		t.Errorf("name %q, read back as %q", a.Preset.Label, b.Preset.Label)
	}
}

// norm makes two values comparable: unset booleans are false, an unset
// repo_mode is override, and Koji's literal $arch in install_tree and repo
// is substituted, as the preset does.
func norm(name, arch string, v cty.Value) cty.Value {
	switch {
	case !v.IsNull() && (name == "install_tree" || name == "repo"):
		if v.Type() == cty.String {
			return cty.StringVal(strings.ReplaceAll(v.AsString(), "$arch", arch))
		}
		var items []cty.Value
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			items = append(items, cty.StringVal(strings.ReplaceAll(e.AsString(), "$arch", arch)))
		}
		return cty.ListVal(items)
	case v.IsNull() && (name == "scratch" || name == "skip_tag" || name == "noverifyssl" || name == "background"):
		return cty.False
	case v.IsNull() && name == "repo_mode":
		return cty.StringVal("override")
	case v.IsNull():
		return cty.NullVal(cty.DynamicPseudoType)
	}
	return v
}

// TestRoundTripEdit: editing one attribute of the upgraded HCL changes only
// that key of the export.
func TestRoundTripEdit(t *testing.T) {
	src, _ := upgrade(t, roundtripINI)
	before := export(t, planHCL(t, "upgraded.hcl", src))

	f, diags := hclwrite.ParseConfig(src, "upgraded.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	f.Body().Blocks()[0].Body().SetAttributeValue("disk_size", cty.StringVal("40GiB"))
	after := export(t, planHCL(t, "edited.hcl", f.Bytes()))

	b, a := strings.Split(string(before), "\n"), strings.Split(string(after), "\n")
	if len(a) != len(b) {
		t.Fatalf("the export has %d lines before the edit and %d after:\n%s\n---\n%s", len(b), len(a), before, after)
	}
	var changed []string
	for i := range b {
		if a[i] != b[i] {
			changed = append(changed, b[i]+" → "+a[i])
		}
	}
	if diff := cmp.Diff([]string{"disk_size = 5GiB → disk_size = 40GiB"}, changed); diff != "" {
		t.Errorf("changed lines (-want +got):\n%s", diff)
	}
}

// TestReadBackExport: an upgraded INI exported and read again is the same
// build, and exporting that gives the same INI: export is a fixed point.
func TestReadBackExport(t *testing.T) {
	src, _ := upgrade(t, roundtripINI)
	first := planHCL(t, "upgraded.hcl", src)
	ini := export(t, first)
	res, diags := legacyini.Convert("exported.ini", []legacyini.Source{{Filename: "exported.ini", Bytes: ini}})
	if diags.HasErrors() {
		t.Fatalf("%s\n%s", diags, ini)
	}
	second := planHCL(t, res.Filename, res.HCL)
	sameBuild(t, first, second)
	if again := export(t, second); string(again) != string(ini) {
		t.Errorf("exporting the read-back INI differs:\n%s\n---\n%s", ini, again)
	}
}

// TestExamplesRoundTrip: every INI example reads, plans, exports and reads
// back as the same build.
func TestExamplesRoundTrip(t *testing.T) {
	paths, _ := filepath.Glob("../../examples/*/*.ini")
	if len(paths) == 0 {
		t.Fatal("no INI examples in examples/*/")
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, _ := upgrade(t, path)
			first := planHCL(t, path+".hcl", src)
			ini := export(t, first)
			res, diags := legacyini.Convert("exported.ini", []legacyini.Source{{Filename: "exported.ini", Bytes: ini}})
			if diags.HasErrors() {
				t.Fatalf("%s\n%s", diags, ini)
			}
			sameBuild(t, first, planHCL(t, res.Filename, res.HCL))
		})
	}
}
