package main

import (
	"bufio"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/imgpipe/imgpipe/fixtures"
)

// With --on-error=abort a failed install keeps its VM: the run says how to
// reach its console, a person (this test) attaches and sees the installer
// waiting, then ends qemu; the run then fails as it would have.
func TestOnErrorAbortKeepsTheVM(t *testing.T) {
	tree := fixtures.Tree(t)
	fixtures.NeedTools(t, "qemu-system-x86_64")
	dir := waitingRecipe(t)
	cmd := imgpipeCmd("run", "--on-error=abort", "--progress", "plain", "-var", "tree="+tree, filepath.Join(dir, "waits.hcl"))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := make(chan string, 1000)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	kept := regexp.MustCompile("attach to its console with `imgpipe console (\\S+)`.*end it with `kill (\\d+)`")
	var sock string
	var pid int
	var seen []string
	deadline := time.After(10 * time.Minute)
	for sock == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the run ended without keeping the VM:\n%s", strings.Join(seen, "\n"))
			}
			seen = append(seen, l)
			if m := kept.FindStringSubmatch(l); m != nil {
				sock = m[1]
				pid, _ = strconv.Atoi(m[2])
			}
		case <-deadline:
			t.Fatalf("no kept VM after 10 minutes:\n%s", strings.Join(seen, "\n"))
		}
	}
	if pid <= 0 {
		t.Fatalf("no qemu pid in the message")
	}

	// Attach as `imgpipe console` does: the recent console is replayed,
	// and keys reach the installer.
	conn, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(time.Minute))
	var console strings.Builder
	buf := make([]byte, 4096)
	for !strings.Contains(console.String(), "Root password") {
		n, err := conn.Read(buf)
		console.Write(buf[:n])
		if err != nil {
			t.Fatalf("the kept VM's console never showed the installer's hub: %v\n%s", err, console.String())
		}
	}
	if _, err := conn.Write([]byte("\r")); err != nil {
		t.Fatal(err)
	}

	// The person ends the VM; the run then fails, exit 1.
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Fatalf("kill qemu %d: %v", pid, err)
	}
	for l := range lines {
		seen = append(seen, l)
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitFailed {
		t.Fatalf("run: %v, want exit %d:\n%s", err, exitFailed, strings.Join(seen, "\n"))
	}
	if !strings.Contains(strings.Join(seen, "\n"), "no disk or network activity") {
		t.Errorf("the run's failure does not say why the install failed:\n%s", strings.Join(seen, "\n"))
	}
	if _, err := os.Stat(sock); err == nil {
		t.Errorf("the console socket %s is left behind", sock)
	}
}

// waitingRecipe writes waits.hcl, whose install of waits.ks stops at the
// installer's hub: no rootpw and no user, so it waits for input, as Anaconda
// does, until the inactivity timeout fails the install.
func waitingRecipe(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	ks := "zerombr\nclearpart --all --initlabel\npart / --fstype=ext4 --size=100 --grow\npoweroff\n%packages\n@core\n%end\n"
	recipe := `
variable "tree" {}
build {
  name    = "waits"
  version = "1"
  arches  = ["x86_64"]
}
stage "fetch-ks" "ks" {
  url = "./waits.ks"
}
stage "flatten" "kickstart" {
  source    = stage.ks.kickstart
  repo_mode = "keep"
}
stage "guest-install" "install" {
  kickstart          = stage.kickstart.kickstart
  install_tree       = "${var.tree}/${arch}"
  disk_size          = "256M"
  memory             = "512"
  inactivity_timeout = "20s"
}
`
	for name, text := range map[string]string{"waits.ks": ks, "waits.hcl": recipe} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// --on-error=ask on a terminal: the failed install's question offers the
// console (the installer's hub is there, and Ctrl-A x comes back to the
// question), retry (the install runs again and fails again) and clean up
// (the run fails, exit 1, and the terminal is as it was).
func TestOnErrorAsk(t *testing.T) {
	tree := fixtures.Tree(t)
	fixtures.NeedTools(t, "qemu-system-x86_64")
	dir := waitingRecipe(t)
	term := startOnTerminal(t, "run", "--on-error=ask", "--progress", "plain", "-var", "tree="+tree, filepath.Join(dir, "waits.hcl"))
	scr, exited, key := term.screen, term.exited, term.typeKeys

	at := scr.waitFor(t, 0, "[r] retry  [c] console", 10*time.Minute)
	key("c")
	at = scr.waitFor(t, at, "Root password", time.Minute)
	key("\x01x")
	at = scr.waitFor(t, at, "[r] retry  [c] console", time.Minute)
	key("r")
	at = scr.waitFor(t, at, "retrying the stage, as asked", time.Minute)
	at = scr.waitFor(t, at, "[r] retry  [c] console", 10*time.Minute)
	key("q")
	select {
	case err := <-exited:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != exitFailed {
			t.Fatalf("run: %v, want exit %d", err, exitFailed)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("q did not end the run")
	}
	after, err := unix.IoctlGetTermios(int(term.tty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if *after != *term.before {
		t.Errorf("the terminal's mode is not restored")
	}
}
