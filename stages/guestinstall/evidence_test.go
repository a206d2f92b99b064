package guestinstall_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/imgpipe/imgpipe/fixtures"
	"github.com/imgpipe/imgpipe/internal/stagetest"
)

// A failed install leaves its evidence in one place: the error names the
// screenshot, the console log and the installer's own logs, each kept
// beside the others, and quotes the log lines that say what went wrong.
// What it keeps is masked: the kickstart's password, which its script
// prints, shows as the marker (docs/reliability-secrets.md).
func TestFailedInstallKeepsInstallerLogs(t *testing.T) {
	tree := fixtures.Tree(t)
	fixtures.NeedTools(t, "qemu-system-x86_64")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	_, _, err := stagetest.Run(t, ctx, `
build {
  name    = "fails"
  version = "1"
  arches  = ["x86_64"]
}
stage "guest-install" "install" {
  kickstart    = "ks.cfg"
  install_tree = "`+tree+`/${arch}"
  disk_size    = "256M"
  memory       = "512"
  accel        = "tcg"
}
`, map[string]string{"ks.cfg": `rootpw --plaintext rootpw-7f3e2
zerombr
clearpart --all --initlabel
autopart
poweroff
%pre --erroronfail
echo "storage check: no disk named sdz" >&2
echo "root password: rootpw-7f3e2" >&2
exit 3
%end
%packages
@core
%end
`})
	if err == nil {
		t.Fatal("the install succeeded")
	}
	msg := err.Error()
	t.Logf("the error:\n%s", msg)
	if d := time.Since(start); d > 3*time.Minute {
		t.Errorf("took %s: the failure was not noticed when the installer reported it", d)
	}
	if !strings.Contains(msg, "ran the kickstart's %onerror scripts") {
		t.Errorf("the error does not say the installer failed:\n%s", msg)
	}
	for _, prefix := range []string{"screenshot: ", "console log: "} {
		p := field(msg, prefix)
		if _, serr := os.Stat(p); p == "" || serr != nil {
			t.Errorf("%q names no kept file (%v):\n%s", prefix, serr, msg)
		}
	}
	logs := map[string]string{}
	for _, l := range strings.Split(msg, "\n") {
		if p, ok := strings.CutPrefix(l, "installer log: "); ok {
			b, rerr := os.ReadFile(p)
			if rerr != nil {
				t.Errorf("installer log %s: %v", p, rerr)
			}
			logs[p[strings.LastIndex(p, "/")+1:]] = string(b)
		}
	}
	for _, name := range []string{"anaconda.log", "program.log"} {
		if _, ok := logs[name]; !ok {
			t.Errorf("no %s kept and named:\n%s", name, msg)
		}
	}
	if !strings.Contains(logs["program.log"], "storage check: no disk named sdz") {
		t.Errorf("program.log lacks the script's output:\n%s", logs["program.log"])
	}
	if !strings.Contains(logs["program.log"], "root password: [sensitive]") {
		t.Errorf("program.log does not show the password masked:\n%s", logs["program.log"])
	}
	console, _ := os.ReadFile(field(msg, "console log: "))
	for name, text := range map[string]string{"program.log": logs["program.log"], "anaconda.log": logs["anaconda.log"], "the console log": string(console)} {
		if strings.Contains(text, "rootpw-7f3e2") {
			t.Errorf("%s holds the kickstart's password", name)
		}
	}
	for _, quote := range []string{
		"| storage check: no disk named sdz",
		"ERR program: %pre script (ks.cfg line 6) failed: exit status 3",
		"ERR anaconda: %pre script (ks.cfg line 6) failed: exit status 3",
	} {
		if !strings.Contains(msg, quote) {
			t.Errorf("the error does not quote %q", quote)
		}
	}
	if strings.Contains(field(msg, "last console lines:"), "imgpipe-log-begin") {
		t.Errorf("the console lines quote the log markers")
	}
}
