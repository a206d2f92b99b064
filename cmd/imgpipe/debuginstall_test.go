package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/imgpipe/imgpipe/fixtures"
)

// debugKS is an install whose %pre waits until someone logged in to the
// installer creates /tmp/continue (for at most ten minutes).
const debugKS = `rootpw --plaintext x
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

// `imgpipe run --debug-install=KEY.pub`: the run prints the ssh command
// once the installer's sshd is up, openssh's client logs in with the key
// during the install and runs a command, the install then completes and
// its object is committed; and the plan without the flag does not take
// that object for its own.
func TestRunDebugInstall(t *testing.T) {
	tree := fixtures.Tree(t)
	fixtures.NeedTools(t, "qemu-system-x86_64", "ssh", "ssh-keygen")
	dir := t.TempDir()
	key := filepath.Join(dir, "id_ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "imgpipe-test", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v: %s", err, out)
	}
	recipe := filepath.Join(dir, "install.hcl")
	files := map[string]string{
		"ks.cfg": debugKS,
		"install.hcl": `
build {
  name    = "debugged"
  version = "1"
  arches  = ["x86_64"]
}
stage "guest-install" "install" {
  kickstart    = "ks.cfg"
  install_tree = "` + tree + `/${arch}"
  disk_size    = "256M"
  memory       = "512"
  accel        = "tcg"
}
`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	run := imgpipeCmd("run", "--progress", "plain", "--debug-install="+key+".pub", recipe)
	stderr, err := run.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { <-ctx.Done(); run.Process.Kill() }()
	var output strings.Builder
	sshLine := regexp.MustCompile(`ssh -p (\d+) root@127\.0\.0\.1`)
	port := ""
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		output.WriteString(sc.Text() + "\n")
		if m := sshLine.FindStringSubmatch(sc.Text()); m != nil {
			port = m[1]
			break
		}
	}
	if port == "" {
		run.Wait()
		t.Fatalf("the run never printed the ssh command:\n%s", output.String())
	}
	// Keep reading, so that the run never blocks on a full pipe.
	rest := make(chan string)
	go func() { b, _ := io.ReadAll(stderr); rest <- string(b) }()

	ssh := exec.CommandContext(ctx, "ssh", "-p", port, "-i", key, "-o", "BatchMode=yes",
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=30",
		"root@127.0.0.1", "touch /tmp/continue; echo hello-from-installer")
	out, sshErr := ssh.CombinedOutput()
	runErr := run.Wait()
	output.WriteString(<-rest)
	t.Logf("ssh: %v\n%s", sshErr, out)
	if sshErr != nil || !strings.Contains(string(out), "hello-from-installer") {
		t.Errorf("ssh to the installer failed: %v\n%s", sshErr, out)
	}
	if runErr != nil {
		t.Fatalf("imgpipe run: %v\n%s", runErr, output.String())
	}
	if !regexp.MustCompile(`(?m)^run \S+ succeeded: 1 done$`).MatchString(output.String()) {
		t.Errorf("the run did not build the install:\n%s", output.String())
	}

	// The same recipe without the flag: its install is not the one built.
	plan := imgpipeCmd("plan", "--json", recipe)
	js, err := plan.Output()
	if err != nil {
		t.Fatalf("imgpipe plan: %v", err)
	}
	var doc struct {
		Stages []struct{ Key, Status string }
	}
	if err := json.Unmarshal(js, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Stages) != 1 || doc.Stages[0].Status != "run" {
		t.Errorf("without --debug-install the plan says %+v, want the install to run", doc.Stages)
	}
}
