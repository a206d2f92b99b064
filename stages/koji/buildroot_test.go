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
	script := livemediaScript(LivemediaOptions{Name: "n", Version: "1", Release: "1", Arch: "x86_64"})
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
