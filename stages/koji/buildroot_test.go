package koji

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The livemedia script reads bootloader --append from the rewritten
// kickstart with sed; run those lines of the script with sh on kickstarts
// as flatten renders them.
func TestLivemediaScriptExtraBootArgs(t *testing.T) {
	script := livemediaScript(LivemediaOptions{Name: "n", Version: "1", Release: "1", Arch: "x86_64"}, false)
	var lines []string
	for l := range strings.Lines(script) {
		if strings.HasPrefix(l, "append=") || strings.Contains(l, `set -- --extra-boot-args`) {
			lines = append(lines, l)
		}
	}
	if len(lines) != 2 {
		t.Fatalf("the script has %d lines about --extra-boot-args, want 2:\n%s", len(lines), script)
	}
	for _, tc := range []struct {
		ks   string
		want []string
	}{
		{"bootloader --append=\"rd.live.image quiet\" --location=mbr --timeout=1\n", []string{"--extra-boot-args", `"rd.live.image quiet"`}},
		{"lang C\nbootloader --append=\"console=ttyS0,115200n8\"\npart / --size=1\n", []string{"--extra-boot-args", `"console=ttyS0,115200n8"`}},
		{"bootloader --location=mbr --timeout=1\n", nil},
		{"lang C\n", nil},
		// Only the bootloader command counts.
		{"# bootloader --append=\"no\"\nzipl --append=\"no\"\n", nil},
	} {
		ks := filepath.Join(t.TempDir(), "ks.cfg")
		if err := os.WriteFile(ks, []byte(tc.ks), 0o644); err != nil {
			t.Fatal(err)
		}
		src := strings.ReplaceAll(strings.Join(lines, ""), KickstartPath, ks) + `for a in "$@"; do echo "$a"; done` + "\n"
		out, err := exec.Command("sh", "-c", src).Output()
		if err != nil {
			t.Fatalf("%v\n%s", err, src)
		}
		var got []string
		for l := range strings.Lines(string(out)) {
			got = append(got, strings.TrimSuffix(l, "\n"))
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("kickstart %q: args (-want +got):\n%s", tc.ks, diff)
		}
	}
}

// scriptLines runs the lines of script from the one starting with first
// through the one holding tool with sh, with IMGPIPE_RELEASE=release, the
// kickstart at ks, and tool replaced by printf, then echo "$@" for each
// name in vars: it returns the argv the script gives the tool and the
// variables' values. The kickstart path in the argv is ks.
func scriptLines(t *testing.T, script, first, tool, ks, release string, vars ...string) ([]string, map[string]string) {
	t.Helper()
	start := strings.Index(script, first)
	end := strings.Index(script, tool)
	if start < 0 || end < start {
		t.Fatalf("the script has no %q before %q:\n%s", first, tool, script)
	}
	end += strings.IndexByte(script[end:], '\n')
	src := strings.Replace(script[start:end], tool, `printf 'argv: %s\n' `+tool, 1)
	src = strings.ReplaceAll(src, KickstartPath, ks) + "\n"
	for _, v := range vars {
		src += `echo "` + v + `=$` + v + `"` + "\n"
	}
	cmd := exec.Command("sh", "-c", src)
	cmd.Env = []string{"IMGPIPE_RELEASE=" + release, "PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s\n%s", err, out, src)
	}
	var argv []string
	values := map[string]string{}
	for l := range strings.Lines(string(out)) {
		l = strings.TrimSuffix(l, "\n")
		if a, ok := strings.CutPrefix(l, "argv: "); ok {
			argv = append(argv, a)
		} else if k, v, ok := strings.Cut(l, "="); ok {
			values[k] = v
		}
	}
	return argv, values
}

// The build-root scripts take the release from IMGPIPE_RELEASE, which the
// run settles (item 6 of #14: a recipe without release works as in Koji,
// where the hub picks it): the argv they run must be the one Koji's
// builder makes with that release, volume ID included. Expected values
// come from kojid: LiveMediaTask.handler (--volid, --iso-name
// N-arch-V-R.iso), _shortenVolID (substitutions on N, V and R, longest
// key first, cut to 32 characters), LiveCDTask.handler (the ISO uploaded
// as N-V-R.iso) and ApplianceTask.handler (--name N-V-R, --release R).
func TestScriptsUseTheRunsRelease(t *testing.T) {
	ks := filepath.Join(t.TempDir(), "ks.cfg")
	if err := os.WriteFile(ks, []byte("bootloader --append=\"rd.live.image\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, release, volid, iso, livecdISO string
	}{
		// kojid _shortenVolID: Workstation → WS; 22 characters, not cut.
		{"Fedora-Workstation-Live", "1", "Fedora-WS-Live-41-1", "Fedora-Workstation-Live-x86_64-41-1.iso", "Fedora-Workstation-Live-41-1.iso"},
		// The release is substituted too (Beta → B, Rawhide → rawh).
		{"Fedora-Workstation-Live", "0.3.Beta", "Fedora-WS-Live-41-0.3.B", "Fedora-Workstation-Live-x86_64-41-0.3.Beta.iso", "Fedora-Workstation-Live-41-0.3.Beta.iso"},
		{"Fedora-Scientific_KDE-Live-Extended", "1.23.Rawhide", "Fedora-SciK-Live-Extended-41-1.2", "Fedora-Scientific_KDE-Live-Extended-x86_64-41-1.23.Rawhide.iso", "Fedora-Scientific_KDE-Live-Extended-41-1.23.Rawhide.iso"},
		// A release no substitution touches; the cut at 32 falls in it.
		{"A-very-long-live-media-name", "12.fc41", "A-very-long-live-media-name-41-1", "A-very-long-live-media-name-x86_64-41-12.fc41.iso", "A-very-long-live-media-name-41-12.fc41.iso"},
		// Characters, as Python's str slice counts them (kojid
		// _shortenVolID: "volid[:32]"), not bytes: N-V- has 25 characters
		// (42 bytes), and the 7 of the release fit.
		{"Ĳĳ-ŉŉŉŉ-ŉŉŉŉ-ŉŉŉŉ-ŉŉŉ", "12.fc41", "Ĳĳ-ŉŉŉŉ-ŉŉŉŉ-ŉŉŉŉ-ŉŉŉ-41-12.fc41", "Ĳĳ-ŉŉŉŉ-ŉŉŉŉ-ŉŉŉŉ-ŉŉŉ-x86_64-41-12.fc41.iso", "Ĳĳ-ŉŉŉŉ-ŉŉŉŉ-ŉŉŉŉ-ŉŉŉ-41-12.fc41.iso"},
		// N-V- alone has 32 characters or more: no release in it.
		{"ĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲ", "3", "ĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲ-4", "ĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲ-x86_64-41-3.iso", "ĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲĲ-41-3.iso"},
	} {
		for _, livecd := range []bool{false, true} {
			o := LivemediaOptions{Name: tc.name, Version: "41", Arch: "x86_64", Kickstart: ks}
			argv, vars := scriptLines(t, livemediaScript(o, livecd), "release=", LivemediaCreator, ks, tc.release, "livecd_iso")
			o.Release, o.ExtraBootArgs = tc.release, "rd.live.image"
			if diff := cmp.Diff(LivemediaArgv(o), argv); diff != "" {
				t.Errorf("%s release %s: argv (-Go +script):\n%s", tc.name, tc.release, diff)
			}
			if i := slicesIndex(argv, "--volid"); i < 0 || argv[i+1] != tc.volid {
				t.Errorf("%s release %s: volume ID in %q, want %s", tc.name, tc.release, argv, tc.volid)
			}
			if i := slicesIndex(argv, "--iso-name"); i < 0 || argv[i+1] != tc.iso {
				t.Errorf("%s release %s: ISO name in %q, want %s", tc.name, tc.release, argv, tc.iso)
			}
			if livecd && vars["livecd_iso"] != tc.livecdISO {
				t.Errorf("%s release %s: livecd publishes %q, want %s", tc.name, tc.release, vars["livecd_iso"], tc.livecdISO)
			}
		}
	}
	// An explicit volid is used as it is, whatever the release.
	o := LivemediaOptions{Name: "n", Version: "41", Arch: "aarch64", Volid: "MY-VOL", Kickstart: ks}
	argv, _ := scriptLines(t, livemediaScript(o, false), "release=", LivemediaCreator, ks, "7", "")
	o.Release, o.ExtraBootArgs = "7", "rd.live.image"
	if diff := cmp.Diff(LivemediaArgv(o), argv); diff != "" {
		t.Errorf("explicit volid: argv (-Go +script):\n%s", diff)
	}

	a := ApplianceOptions{Name: "app", Version: "41", Vmem: "1024", Format: "raw", Kickstart: ks}
	argv, _ = scriptLines(t, applianceScript(a), "release=", ApplianceCreator, ks, "3.fc41", "")
	a.Release = "3.fc41"
	if diff := cmp.Diff(ApplianceArgv(a), argv); diff != "" {
		t.Errorf("appliance argv (-Go +script):\n%s", diff)
	}
	if i := slicesIndex(argv, "--name"); i < 0 || argv[i+1] != "app-41-3.fc41" {
		t.Errorf("appliance --name in %q, want app-41-3.fc41", argv)
	}

	// Without IMGPIPE_RELEASE the script stops and says why.
	script := livemediaScript(LivemediaOptions{Name: "n", Version: "1", Arch: "x86_64"}, false)
	src := script[strings.Index(script, "release="):]
	out, err := exec.Command("sh", "-c", src).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "IMGPIPE_RELEASE is not set") {
		t.Errorf("without IMGPIPE_RELEASE: %v\n%s", err, out)
	}
}

func slicesIndex(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

func TestScmCheckout(t *testing.T) {
	for url, want := range map[string]string{
		"git+https://pagure.io/lorax-templates.git?#abc":          "/chroot_tmpdir/lorax-templates",
		"git+https://h/r/lorax-templates.git?templates/f41#abc":   "/chroot_tmpdir/lorax-templates/templates/f41",
		"git://h/templates?sub#origin/main":                       "/chroot_tmpdir/templates/sub",
		"git+file:///tmp/x/lorax-templates.git?templates#0123abc": "/chroot_tmpdir/lorax-templates/templates",
	} {
		if got, ok := scmCheckout(ChrootTmpdir, url); !ok || got != want {
			t.Errorf("scmCheckout(%q) = %q, %v; want %q", url, got, ok, want)
		}
	}
	if got, ok := scmCheckout(ChrootTmpdir, "templates"); ok {
		t.Errorf("scmCheckout(a plain path) = %q, want not ok", got)
	}
}
