package koji_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/internal/qemu"
	"github.com/imgpipe/imgpipe/stages"
)

// imageBuild is an image_build recipe with extra lines in its block.
func imageBuild(extra string) []byte {
	return []byte(`image_build "fedora-cloud" {
  version      = "41"
  install_tree = "https://example.org/41/Cloud/$arch/os/"
  arches       = ["x86_64"]
  distro       = "Fedora-41"
  kickstart    = "fedora-cloud.ks"
  repo         = ["https://example.org/41/Everything/$arch/os/"]
` + extra + `
}
`)
}

// planImageBuild plans an image_build recipe (check only).
func planImageBuild(t *testing.T, extra string) (*engine.Plan, hcl.Diagnostics) {
	t.Helper()
	planner := stages.Planner()
	r, diags := recipe.Parse(imageBuild(extra), "cloud.hcl", recipe.WithPresets(planner.PresetTypes()...))
	if diags.HasErrors() {
		return nil, diags
	}
	p, _, d := planner.Prepare(t.Context(), r, engine.PrepareOptions{CheckOnly: true})
	return p, append(diags, d...)
}

func stageAttr(t *testing.T, p *engine.Plan, stage, attr string) cty.Value {
	t.Helper()
	n := p.Instances[stage]["x86_64"]
	if n == nil {
		t.Fatalf("no stage %s for x86_64", stage)
	}
	return n.Config.GetAttr(attr)
}

// TestImageBuildDiskSizeAsOz: the preset takes exactly the disk sizes
// Koji's Oz takes (Koji writes disk_size into the TDL's <disk><size>,
// builder/kojid ImageBuildTask; oz/TDL.py _parse_disksize reads it), and
// guest-install makes a disk of the size Oz would.
func TestImageBuildDiskSizeAsOz(t *testing.T) {
	for in, want := range map[string]int64{
		"20gib":      20 << 30,   // lower-cased: Oz accepts it
		"10gb":       10e9,       // "gb" is 10**9
		"20":         20 << 30,   // no suffix: GiB
		"10T":        10 << 40,   // "t" is TiB (Oz's tests/tdl/test-58)
		"2EiB":       2 << 60,    // Oz's tests/tdl/test-63
		"1 0 G i B":  10 << 30,   // Oz drops every space
		"10000000 B": 10_000_000, // Oz's tests/tdl/test-65
	} {
		t.Run(in, func(t *testing.T) {
			p, diags := planImageBuild(t, fmt.Sprintf("  disk_size = %q", in))
			if diags.HasErrors() {
				t.Fatalf("refused: %s", diags.Error())
			}
			s := stageAttr(t, p, "install", "disk_size").AsString()
			got, err := parseGuestInstallSize(s)
			if err != nil || got != want {
				t.Errorf("guest-install disk_size = %q (%d bytes, %v), want %d bytes", s, got, err, want)
			}
		})
	}
}

// TestImageBuildDiskSizeRefused: what Oz refuses is a located error that
// spells the size as Oz would.
func TestImageBuildDiskSizeRefused(t *testing.T) {
	for in, want := range map[string]string{
		"4096M": `Oz spells this size "4GiB"`, // "m" alone is no Oz unit (only g and t are)
		"20K":   `Oz spells this size "20KiB"`,
		"20Gi":  `Oz spells this size "20GiB"`,
		"1.5G":  `Oz spells this size "1536MiB"`,                       // Oz takes integers only
		"10E":   "integer size with an optional SI or IEC unit suffix", // Oz's tests/tdl/test-56: refused
		"10ZB":  "more than 8 EiB",                                     // Oz's test-64 accepts 10**22 bytes; no disk is that large
		"0":     "a disk of 0 bytes",
	} {
		t.Run(in, func(t *testing.T) {
			_, diags := planImageBuild(t, fmt.Sprintf("  disk_size = %q", in))
			var found *hcl.Diagnostic
			for _, d := range diags {
				if d.Summary == "Invalid disk_size" {
					found = d
				}
			}
			if found == nil || found.Severity != hcl.DiagError {
				t.Fatalf("no Invalid disk_size error: %v", diags)
			}
			if !strings.Contains(found.Detail, want) {
				t.Errorf("detail %q lacks %q", found.Detail, want)
			}
			if found.Subject == nil || found.Subject.Filename != "cloud.hcl" || found.Subject.Start.Line != 8 {
				t.Errorf("located at %v, want cloud.hcl line 8", found.Subject)
			}
		})
	}
}

// parseGuestInstallSize reads a disk_size as guest-install does.
func parseGuestInstallSize(s string) (int64, error) { return qemu.ParseSize(s, 1<<30) }
