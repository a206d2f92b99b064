package koji_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"

	"github.com/imgpipe/imgpipe/engine"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/stages"
	"github.com/imgpipe/imgpipe/stages/koji"
)

func TestCanonArch(t *testing.T) {
	for in, want := range map[string]string{
		"i686": "i386", "i386": "i386", "athlon": "i386", "ia32e": "x86_64",
		"x86_64": "x86_64", "ppc64le": "ppc64le", "ppc64": "ppc64", "ppc64p7": "ppc64",
		"armv7hl": "armhfp", "armv7hnl": "armhfp", "armv7l": "arm", "aarch64": "aarch64",
		"s390x": "s390x", "noarch": "noarch",
	} {
		if got := koji.CanonArch(in); got != want {
			t.Errorf("CanonArch(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckDistro(t *testing.T) {
	for _, ok := range []string{"Fedora-41", "Fedora-rawhide", "RHEL-9.4", "CentOS-8.5", "SL-7.9", "RHEL-5.11"} {
		if why := koji.CheckDistro(ok); why != "" {
			t.Errorf("CheckDistro(%q) = %q, want accepted", ok, why)
		}
	}
	for bad, want := range map[string]string{
		"RHEL-9":           "has no minor version",
		"CentOS-9":         "has no minor version",
		"Fedora 41":        "not a distro Koji knows",
		"CentOS-Stream-9":  "not a distro Koji knows",
		"fedora-41":        "not a distro Koji knows",
		"Fedora-41-extras": "not a distro Koji knows",
	} {
		if why := koji.CheckDistro(bad); !strings.Contains(why, want) {
			t.Errorf("CheckDistro(%q) = %q, want it to say %q", bad, why, want)
		}
	}
}

func TestShortenVolID(t *testing.T) {
	for _, tc := range []struct{ n, v, r, want string }{
		{"Fedora-Workstation-Live", "41", "1.4", "Fedora-WS-Live-41-1.4"},
		{"Fedora-WorkstationOstree", "Rawhide", "20241201.n.0", "Fedora-WS-rawh-20241201.n.0"},
		{"Fedora-Astronomy_KDE-Live", "41", "1.4", "Fedora-AstK-Live-41-1.4"},
		{"Fedora-Python-Classroom-Live", "41", "1", "Fedora-Clss-Live-41-1"},
		{"Fedora-Cloud-Base-Images", "41", "20241105.0", "Fedora-C-Base-img-41-20241105.0"},
		{"Some-Very-Long-Name-That-Goes-On", "41", "1", "Some-Very-Long-Name-That-Goes-On"},
		{"Fedora-Everything-Netinstall", "41", "1.10", "Fedora-E-Netinstall-41-1.10"},
	} {
		got := koji.ShortenVolID(tc.n, tc.v, tc.r)
		if got != tc.want {
			t.Errorf("ShortenVolID(%q, %q, %q) = %q, want %q", tc.n, tc.v, tc.r, got, tc.want)
		}
		if len(got) > 32 {
			t.Errorf("ShortenVolID(%q, %q, %q) is %d characters", tc.n, tc.v, tc.r, len(got))
		}
	}
}

// TestImageFileName is the golden of docs/koji-behaviour.md#image-formats-and-file-names written by hand: every
// format of Koji's --format, plus vhdx, for one N-V-R and arch. A format
// missing here fails the test.
func TestImageFileName(t *testing.T) {
	want := map[string]string{
		"raw":                   "f-41-1.x86_64.raw",
		"raw-xz":                "f-41-1.x86_64.raw.xz",
		"qcow":                  "f-41-1.x86_64.qcow",
		"qcow2":                 "f-41-1.x86_64.qcow2",
		"vmdk":                  "f-41-1.x86_64.vmdk",
		"vdi":                   "f-41-1.x86_64.vdi",
		"vpc":                   "f-41-1.x86_64.vhd",
		"vhdx":                  "f-41-1.x86_64.vhdx",
		"tar-gz":                "f-41-1.x86_64.tar.gz",
		"liveimg-squashfs":      "f-41-1.x86_64.liveimg.squashfs",
		"docker":                "f-41-1.x86_64.tar.xz",
		"rhevm-ova":             "f-41-1.x86_64.rhevm.ova",
		"vsphere-ova":           "f-41-1.x86_64.vsphere.ova",
		"vagrant-libvirt":       "f-41-1.x86_64.vagrant-libvirt.box",
		"vagrant-virtualbox":    "f-41-1.x86_64.vagrant-virtualbox.box",
		"vagrant-vmware-fusion": "f-41-1.x86_64.vagrant-vmware-fusion.box",
		"vagrant-hyperv":        "f-41-1.x86_64.vagrant-hyperv.box",
	}
	for _, format := range append(slices.Clone(koji.Formats), "vhdx") {
		w, ok := want[format]
		if !ok {
			t.Errorf("format %q has no file name in this golden", format)
			continue
		}
		if got := koji.ImageFileName("f", "41", "1", "x86_64", format); got != w {
			t.Errorf("ImageFileName(%s) = %q, want %q", format, got, w)
		}
	}
	if len(want) != len(koji.Formats)+1 {
		t.Errorf("the golden has %d formats, Koji %d plus vhdx", len(want), len(koji.Formats))
	}
}

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

var errorComment = regexp.MustCompile(`#\s*ERROR:\s*(.+?)\s*$`)
var warnComment = regexp.MustCompile(`#\s*WARNING:\s*(.+?)\s*$`)

// TestPresetDiagnostics plans testdata/errors/*.hcl; each line that must
// carry a diagnostic ends with `# ERROR: <summary>` or `# WARNING: <summary>`.
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
			want := map[string][]string{}
			for i, line := range strings.Split(string(src), "\n") {
				if m := errorComment.FindStringSubmatch(line); m != nil {
					key := lineKey(i+1, "error")
					want[key] = append(want[key], strings.Split(m[1], "; ERROR: ")...)
				}
				if m := warnComment.FindStringSubmatch(line); m != nil {
					key := lineKey(i+1, "warning")
					want[key] = append(want[key], m[1])
				}
			}
			diags := plan(t, src, path)
			got := map[string][]string{}
			for _, d := range diags {
				if d.Subject == nil || d.Subject.Filename != path {
					t.Errorf("diagnostic %q has no range in %s: %v", d.Summary, path, d.Subject)
					continue
				}
				sev := "error"
				if d.Severity == hcl.DiagWarning {
					sev = "warning"
				}
				key := lineKey(d.Subject.Start.Line, sev)
				got[key] = append(got[key], d.Summary)
			}
			for _, m := range []map[string][]string{want, got} {
				for k := range m {
					slices.Sort(m[k])
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("diagnostics (-want +got):\n%s\nall:\n%s", diff, diags)
			}
		})
	}
}

func lineKey(line int, sev string) string { return fmt.Sprintf("%s:%04d", sev, line) }

func plan(t *testing.T, src []byte, path string) hcl.Diagnostics {
	t.Helper()
	planner := stages.Planner()
	r, diags := recipe.Parse(src, path, recipe.WithPresets(planner.PresetTypes()...))
	if diags.HasErrors() {
		return diags
	}
	_, d := planner.Plan(r, engine.PlanOptions{})
	return append(diags, d...)
}

func TestOCIArch(t *testing.T) {
	for arch, want := range map[string]string{"x86_64": "amd64", "aarch64": "arm64", "i686": "386", "ppc64le": "ppc64le", "s390x": "s390x", "armhfp": "arm/v7"} {
		a, v := koji.OCIArch(arch)
		if v != "" {
			a += "/" + v
		}
		if a != want {
			t.Errorf("%s: %s, want %s", arch, a, want)
		}
	}
}
