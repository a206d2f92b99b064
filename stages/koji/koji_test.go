package koji_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/internal/diagtest"
	"github.com/imgpipe/imgpipe/stages"
	"github.com/imgpipe/imgpipe/stages/koji"
)

func TestLivemediaArgv(t *testing.T) {
	got := koji.LivemediaArgv(koji.LivemediaOptions{
		Name: "Fedora-Workstation-Live", Version: "41", Release: "1.4", Arch: "x86_64",
		Kickstart: "/ks/koji-image.ks", ExtraBootArgs: "rd.live.image quiet",
		LoraxTemplates: "/lorax", LoraxDir: "templates/live",
		SquashfsOnly: true, CompressArgs: []string{"-Xbcj x86", "-b 1M"},
	})
	want := []string{
		"/sbin/livemedia-creator", "--ks", "/ks/koji-image.ks",
		"--logfile", "/chroot_tmpdir/lmc-logs/livemedia-out.log", "--no-virt",
		"--resultdir", "/chroot_tmpdir/lmc", "--project", "Fedora-Workstation-Live",
		"--make-iso", "--volid", "Fedora-WS-Live-41-1.4", "--iso-only",
		"--iso-name", "Fedora-Workstation-Live-x86_64-41-1.4.iso",
		"--releasever", "41", "--macboot",
		"--extra-boot-args", `"rd.live.image quiet"`,
		"--lorax-templates", "/lorax/templates/live",
		"--squashfs-only", "--compress-arg", "-Xbcj x86", "--compress-arg", "-b 1M",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("argv (-want +got):\n%s", diff)
	}
	// --macboot is x86_64 only, and nomacboot turns it off there too.
	for _, tc := range []struct {
		arch string
		no   bool
		want string
	}{{"aarch64", false, "--nomacboot"}, {"x86_64", true, "--nomacboot"}, {"x86_64", false, "--macboot"}} {
		argv := koji.LivemediaArgv(koji.LivemediaOptions{Name: "n", Version: "1", Release: "1", Arch: tc.arch, NoMacboot: tc.no})
		if !slices.Contains(argv, tc.want) {
			t.Errorf("arch %s nomacboot=%v: argv %q lacks %s", tc.arch, tc.no, argv, tc.want)
		}
	}
	// builder/kojid LiveMediaTask.handler adds --lorax-templates only
	// "if 'lorax_url' in self.opts": lorax_dir alone adds nothing.
	if argv := koji.LivemediaArgv(koji.LivemediaOptions{Name: "n", Version: "1", Release: "1", Arch: "x86_64", LoraxDir: "templates/live"}); slices.Contains(argv, "--lorax-templates") {
		t.Errorf("lorax_dir without lorax_url: argv %q has --lorax-templates", argv)
	}
	// An explicit volid wins over the derived one.
	argv := koji.LivemediaArgv(koji.LivemediaOptions{Name: "n", Version: "1", Release: "1", Arch: "x86_64", Volid: "MYVOL"})
	if i := slices.Index(argv, "--volid"); argv[i+1] != "MYVOL" {
		t.Errorf("volid = %q, want MYVOL", argv[i+1])
	}
}

func TestApplianceArgv(t *testing.T) {
	got := koji.ApplianceArgv(koji.ApplianceOptions{Name: "app", Version: "41", Release: "2", Kickstart: "k.ks", Vmem: "2048", Vcpu: "2", Format: "qcow2"})
	want := []string{
		"/usr/bin/appliance-creator", "-c", "k.ks", "-d", "-v",
		"--logfile", "/chroot_tmpdir/appliance.log", "--cache", "/chroot_tmpdir/koji-appliance", "-o", "app-output",
		"--vmem", "2048", "--vcpu", "2", "--format", "qcow2",
		"--name", "app-41-2", "--version", "41", "--release", "2",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("argv (-want +got):\n%s", diff)
	}
	if got := koji.ApplianceArgv(koji.ApplianceOptions{Name: "a", Version: "1", Release: "1"}); !slices.Contains(got, "raw") {
		t.Errorf("default format is not raw: %q", got)
	}
}

// TestPresetDiagnostics plans testdata/errors/*.hcl, whose comments name the
// diagnostics each line must get, as internal/diagtest reads them:
//
//	distro = "RHEL-9" # ERROR: Invalid distro
func TestPresetDiagnostics(t *testing.T) {
	files, _ := filepath.Glob("testdata/errors/*.hcl")
	if len(files) == 0 {
		t.Fatal("no testdata")
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			diagtest.Check(t, path, src, plan(t, src, path))
		})
	}
}

func plan(t *testing.T, src []byte, path string) hcl.Diagnostics {
	t.Helper()
	planner := stages.Planner()
	r, diags := recipe.Parse(src, path, recipe.WithPresets(planner.PresetTypes()...))
	if diags.HasErrors() {
		return diags
	}
	_, _, d := planner.Prepare(t.Context(), r, engine.PrepareOptions{CheckOnly: true})
	return append(diags, d...)
}

// TestRepeatsCountOnce: a repeated repo, format or livemedia arch is built
// once, in the user's order, as Koji's builders do, and warned about:
//   - builder/kojid OzImageTask.prepareKickstart and ImageTask.prepareKickstart
//     add "for user_repo in set(user_repos)" (the set of the URLs as written,
//     before $arch is replaced);
//   - builder/kojid BaseImageTask._format_deps keys the formats in a dict;
//   - builder/kojid BuildLiveMediaTask.handler takes "arches = set(arches)"
//     of the arches koji/cli/commands.py _build_image canonicalised.
func TestRepeatsCountOnce(t *testing.T) {
	const a, b = "https://example.org/a/$arch/", "https://example.org/b/"
	p, warnings := planned(t, `image_build "img" {
  version      = "41"
  install_tree = "https://example.org/41/$arch/os/"
  arches       = ["x86_64"]
  distro       = "Fedora-41"
  kickstart    = "img.ks"
  format       = ["qcow2", "raw", "qcow2"]
  repo         = ["`+a+`", "`+b+`", "`+a+`"]
}
`)
	wantWarnings := []string{"Duplicate image format", "Duplicate repo"}
	if diff := cmp.Diff(wantWarnings, warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	if got := configList(t, p, "images", "formats"); !slices.Equal(got, []string{"qcow2", "raw"}) {
		t.Errorf("convert formats = %q, want [qcow2 raw]", got)
	}
	if got := configList(t, p, "kickstart", "repos"); !slices.Equal(got, []string{"https://example.org/a/x86_64/", b}) {
		t.Errorf("flatten repos = %q, want a (for x86_64), b", got)
	}

	p, warnings = planned(t, `livemedia "live" {
  version   = "41"
  release   = "1"
  arches    = ["x86_64", "aarch64", "x86_64", "i686", "i386"]
  kickstart = "live.ks"
  repo      = ["`+b+`", "`+b+`"]
}
`)
	wantWarnings = []string{"Architecture renamed", "Duplicate architecture", "Duplicate architecture", "Duplicate repo"}
	if diff := cmp.Diff(wantWarnings, warnings); diff != "" {
		t.Errorf("livemedia warnings (-want +got):\n%s", diff)
	}
	if !slices.Equal(p.Build.Arches, []string{"x86_64", "aarch64", "i386"}) {
		t.Errorf("livemedia arches = %q, want [x86_64 aarch64 i386]", p.Build.Arches)
	}
	if got := configList(t, p, "kickstart", "repos"); !slices.Equal(got, []string{b}) {
		t.Errorf("livemedia flatten repos = %q, want [%s]", got, b)
	}
}

// planned plans a recipe, failing on errors; it returns the plan and the
// warnings' summaries, sorted.
func planned(t *testing.T, src string) (*engine.Plan, []string) {
	t.Helper()
	planner := stages.Planner()
	r, diags := recipe.Parse([]byte(src), "r.hcl", recipe.WithPresets(planner.PresetTypes()...))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	p, _, d := planner.Prepare(t.Context(), r, engine.PrepareOptions{CheckOnly: true})
	if d.HasErrors() {
		t.Fatal(d)
	}
	var warnings []string
	for _, w := range append(diags, d...) {
		warnings = append(warnings, w.Summary)
	}
	slices.Sort(warnings)
	return p, warnings
}

// configList is a list attribute of the first node of a stage.
func configList(t *testing.T, p *engine.Plan, stage, attr string) []string {
	t.Helper()
	for _, n := range p.Nodes {
		if n.Name != stage {
			continue
		}
		var out []string
		for it := n.Config.GetAttr(attr).ElementIterator(); it.Next(); {
			_, v := it.Element()
			out = append(out, v.AsString())
		}
		return out
	}
	t.Fatalf("no stage %s", stage)
	return nil
}

// A livemedia, appliance or livecd block without release plans (#14 item
// 6): as in Koji, where the hub picks the next release (kojid
// BuildLiveMediaTask.handler and BuildApplianceTask.handler pass
// initImageBuild's bld_info['release'] to the build tasks), the run settles
// it, and the build-root stage is one the release decides: it uses the
// release (uses_release), so another release is another stage ID.
func TestPresetsWithoutRelease(t *testing.T) {
	for _, tc := range []struct{ preset, stage, extra string }{
		{"livemedia", "livemedia", `install_tree_url = "https://example.org/os/"`},
		{"livecd", "livemedia", ""},
		{"appliance", "appliance", ""},
	} {
		t.Run(tc.preset, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "k.ks"), []byte("part / --size=1000\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			src := func(release string) []byte {
				return []byte(tc.preset + ` "n" {
  version   = "41"
  ` + release + `
  arches    = ["x86_64"]
  kickstart = "k.ks"
  repo      = ["https://example.org/repo/"]
  ` + tc.extra + `
}
`)
			}
			ids := map[string]string{}
			for _, release := range []string{"", `release = "1"`, `release = "2"`} {
				path := filepath.Join(dir, "r.hcl")
				planner := stages.Planner()
				r, diags := recipe.Parse(src(release), path, recipe.WithPresets(planner.PresetTypes()...))
				if diags.HasErrors() {
					t.Fatal(diags)
				}
				p, _, diags := planner.Prepare(t.Context(), r, engine.PrepareOptions{CheckOnly: true})
				if diags.HasErrors() {
					t.Fatalf("%s: %v", release, diags)
				}
				n := p.Instances[tc.stage]["x86_64"]
				if n == nil || !n.UsesRelease() {
					t.Fatalf("%s: stage %s does not use the release", release, tc.stage)
				}
				ids[release] = n.ID
			}
			if ids[`release = "1"`] == ids[`release = "2"`] {
				t.Errorf("releases 1 and 2 give the %s stage the same ID", tc.stage)
			}
		})
	}
}
