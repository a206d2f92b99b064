package guestinstall_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/imgpipe/imgpipe/engine/events"
	"github.com/imgpipe/imgpipe/fixtures"
	"github.com/imgpipe/imgpipe/internal/stagetest"
)

// waitsForSSHKS is an install whose %pre waits until someone logged in to
// the installer creates /tmp/continue (for at most ten minutes).
const waitsForSSHKS = `rootpw --plaintext x
zerombr
clearpart --all --initlabel
autopart
poweroff
%pre
i=0
while [ ! -e /tmp/continue ] && [ $i -lt 600 ]; do sleep 1; i=$((i+1)); done
%end
%packages
@core
%end
`

var sshLine = regexp.MustCompile(`ssh -p (\d+) root@127\.0\.0\.1`)

// With debug_ssh (imgpipe run --debug-install), openssh's client logs in
// to the installer during the install with the test's key and runs a
// command, and the install then completes.
func TestDebugSSHReachesTheInstaller(t *testing.T) {
	tree := fixtures.Tree(t)
	fixtures.NeedTools(t, "qemu-system-x86_64", "ssh", "ssh-keygen")
	dir := t.TempDir()
	key := filepath.Join(dir, "id_ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "imgpipe-test", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v: %s", err, out)
	}
	pub, err := os.ReadFile(key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	type answer struct {
		out string
		err error
	}
	answered := make(chan answer, 1)
	started := false
	sum, _, err := stagetest.Run(t, ctx, `
build {
  name    = "debugged"
  version = "1"
  arches  = ["x86_64"]
}
stage "guest-install" "install" {
  kickstart    = "ks.cfg"
  install_tree = "`+tree+`/${arch}"
  disk_size    = "256M"
  memory       = "512"
  accel        = "tcg"
  debug_ssh    = ["`+strings.TrimSpace(string(pub))+`"]
}
`, map[string]string{"ks.cfg": waitsForSSHKS}, func(e events.Event) {
		m := sshLine.FindStringSubmatch(e.Line)
		if e.Type != events.StageLog || m == nil || started {
			return
		}
		started = true
		go func() {
			// The install waits in %pre until this command has run.
			// -tt: a pseudo-terminal, as an interactive login has.
			cmd := exec.CommandContext(ctx, "ssh", "-tt", "-p", m[1], "-i", key, "-o", "BatchMode=yes",
				"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=30",
				"root@127.0.0.1", "touch /tmp/continue; echo hello-from-installer; cat /proc/cmdline; tty")
			out, err := cmd.CombinedOutput()
			answered <- answer{string(out), err}
		}()
	})
	if !started {
		t.Fatalf("the stage never logged the ssh command (run error: %v)", err)
	}
	a := <-answered
	t.Logf("ssh answered (%v):\n%s", a.err, a.out)
	if a.err != nil || !strings.Contains(a.out, "hello-from-installer") {
		t.Errorf("ssh to the installer failed: %v\n%s", a.err, a.out)
	}
	if !strings.Contains(a.out, "/dev/pts/") {
		t.Errorf("the session has no pseudo-terminal:\n%s", a.out)
	}
	if !strings.Contains(a.out, "inst.sshd") {
		t.Errorf("the installer's kernel command line lacks inst.sshd:\n%s", a.out)
	}
	if err != nil {
		t.Fatalf("the install failed after the ssh session: %v", err)
	}
	if sum == nil || sum.Status != "succeeded" {
		t.Fatalf("summary %+v, want succeeded", sum)
	}
}
