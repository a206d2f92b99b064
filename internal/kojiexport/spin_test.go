package kojiexport_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/imgpipe/imgpipe/internal/kojiexport"
)

// allSummaries joins every diagnostic's summary, in order.
func allSummaries(diags hcl.Diagnostics) string {
	var s []string
	for _, d := range diags {
		s = append(s, d.Summary)
	}
	return strings.Join(s, "; ")
}

func TestSpinCommand(t *testing.T) {
	for _, tc := range []struct {
		name, src, want, diags string
	}{{
		name: "livemedia, options in --help order",
		src: `livemedia "Live" {
  scratch = true
  version = "41"
  release = "1"
  target = "f41"
  arches = ["x86_64", "aarch64"]
  kickstart = "dir/live.ks"
  ksurl = "git+https://example.org/ks.git?#0123456789abcdef0123456789abcdef01234567"
  repo = ["https://a/", "https://b/"]
  volid = "LIVE 41"
  squashfs_only = true
  skip_tag = false
  background = true
}`,
		want: "koji spin-livemedia --background --ksurl='git+https://example.org/ks.git?#0123456789abcdef0123456789abcdef01234567' --scratch --repo=https://a/ --repo=https://b/ --release=1 --volid='LIVE 41' --squashfs-only Live 41 f41 x86_64,aarch64 dir/live.ks",
	}, {
		name: "repo_mode append has no Koji option",
		src: `livemedia "Live" {
  version = "41"
  release = "1"
  target = "f41"
  arches = ["x86_64"]
  kickstart = "live.ks"
  ksurl = "git+https://example.org/ks.git?#0123456789abcdef0123456789abcdef01234567"
  repo = ["https://a/"]
  repo_mode = "append"
}`,
		want:  "koji spin-livemedia --ksurl='git+https://example.org/ks.git?#0123456789abcdef0123456789abcdef01234567' --repo=https://a/ --release=1 Live 41 f41 x86_64 live.ks",
		diags: "repo_mode has no Koji option",
	}, {
		name: "Koji needs target",
		src: `appliance "app" {
  version = "41"
  release = "1"
  arches = ["x86_64"]
  kickstart = "a.ks"
  ksurl = "git+https://example.org/ks.git?#0123456789abcdef0123456789abcdef01234567"
  repo_mode = "keep"
}`,
		want:  "koji spin-appliance --ksurl='git+https://example.org/ks.git?#0123456789abcdef0123456789abcdef01234567' --release=1 app 41 '' x86_64 a.ks",
		diags: "repo_mode has no Koji option; Koji needs target",
	}, {
		// kojid BuildApplianceTask.handler: a scratch build's release is
		// opts.get('release'), None without --release.
		name: "scratch appliance without release",
		src: `appliance "app" {
  scratch = true
  version = "41"
  target = "f41"
  arches = ["x86_64"]
  kickstart = "a.ks"
  repo = ["https://a/"]
}`,
		want:  "koji spin-appliance --scratch --repo=https://a/ app 41 f41 x86_64 a.ks",
		diags: "Koji's scratch build needs --release",
	}, {
		// kojid BuildLiveCDTask.handler asks getNextRelease: no warning.
		name: "scratch livecd without release",
		src: `livecd "cd" {
  scratch = true
  version = "41"
  target = "f41"
  arches = ["x86_64"]
  kickstart = "a.ks"
  repo = ["https://a/"]
}`,
		want: "koji spin-livecd --scratch --repo=https://a/ cd 41 f41 x86_64 a.ks",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			plan := planHCL(t, filepath.Join(t.TempDir(), "r.hcl"), []byte(tc.src))
			got, diags := kojiexport.SpinCommand(plan)
			if got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
			if s := allSummaries(diags); s != tc.diags {
				t.Errorf("diagnostics %q, want %q", s, tc.diags)
			}
		})
	}
}

func TestCheckUpload(t *testing.T) {
	dir := t.TempDir()
	for name, src := range map[string]string{
		"flat.ks":   "text\n%packages\n@core\n%end\n",
		"nested.ks": "text\n  %include common.ks\n%ksappend extra.ks\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "r.hcl")
	recipe := func(ks, extra string) []byte {
		return []byte(`image_build "i" {
  version = "1"
  target = "t"
  install_tree = "https://example.org/$arch/os/"
  arches = ["x86_64"]
  distro = "Fedora-41"
  repo = ["https://example.org/$arch/os/"]
  kickstart = "` + ks + `"
` + extra + `}`)
	}
	if d := kojiexport.CheckUpload(planHCL(t, path, recipe("flat.ks", ""))); len(d) != 0 {
		t.Errorf("flat kickstart: %v", d)
	}
	d := kojiexport.CheckUpload(planHCL(t, path, recipe("nested.ks", "")))
	if len(d) != 1 || d[0].Severity != hcl.DiagWarning || d[0].Subject.Start.Line != 8 ||
		!strings.Contains(d[0].Detail, "line 2: %include common.ks") || !strings.Contains(d[0].Detail, "line 3: %ksappend extra.ks") {
		t.Errorf("nested kickstart: %v", d)
	}
	// With ksurl, Koji fetches the whole checkout: no warning.
	withURL := recipe("nested.ks", `  ksurl = "git+https://example.org/ks.git?#0123456789abcdef0123456789abcdef01234567"`+"\n")
	if d := kojiexport.CheckUpload(planHCL(t, path, withURL)); len(d) != 0 {
		t.Errorf("with ksurl: %v", d)
	}
}
