package main

import (
	"bytes"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/imgpipe/imgpipe/fixtures"
)

// screen is what a person at the terminal sees: everything imgpipe writes
// to the pty.
type screen struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

// waitFor polls the screen until it shows want after offset from, and
// returns the offset after it.
func (s *screen) waitFor(t *testing.T, from int, want string, timeout time.Duration) int {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s.mu.Lock()
		text := s.buf.String()
		s.mu.Unlock()
		if i := strings.Index(text[min(from, len(text)):], want); i >= 0 {
			return from + i + len(want)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the terminal never showed %q; it shows:\n%s", want, text[max(0, len(text)-3000):])
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// terminal is imgpipe running on a pseudo-terminal, as in a person's
// terminal: a session of its own with the pty as its controlling terminal,
// as a shell gives the programs it runs.
type terminal struct {
	tty      *os.File
	before   *unix.Termios // the terminal's mode before imgpipe started
	screen   *screen       // what imgpipe wrote to it
	exited   chan error    // imgpipe's exit
	typeKeys func(string)
}

// startOnTerminal starts imgpipe with args on a new pseudo-terminal.
func startOnTerminal(t *testing.T, args ...string) *terminal {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ptmx.Close(); tty.Close() })
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 40, Cols: 120}); err != nil {
		t.Fatal(err)
	}
	before, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	cmd := imgpipeCmd(args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &unix.SysProcAttr{Setsid: true, Setctty: true}
	term := &terminal{tty: tty, before: before, screen: &screen{}, exited: make(chan error, 1)}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			term.screen.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { term.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
		}
	})
	term.typeKeys = func(s string) {
		if _, err := ptmx.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	return term
}

// bootSession runs `imgpipe boot args...` on a pty, as a person would in a
// terminal: it logs in as root, runs a command whose answer it checks and
// one that would leave a file on the host if it ran there, and quits with
// Ctrl-A x, typing more keys after it in the same write. Then it checks
// imgpipe's exit status, that the terminal's mode is what it was, that no
// key is left for the next program reading the terminal (the shell), and
// that the host command never ran.
func bootSession(t *testing.T, args ...string) {
	t.Helper()
	term := startOnTerminal(t, append([]string{"boot", "--memory", "512"}, args...)...)
	scr, exited, type_ := term.screen, term.exited, term.typeKeys
	tty, before := term.tty, term.before

	hostFile := filepath.Join(t.TempDir(), "typed-for-the-guest")
	at := scr.waitFor(t, 0, "login:", 5*time.Minute)
	type_("root\r")
	at = scr.waitFor(t, at, "assword:", time.Minute)
	type_("Secr3t-root\r")
	at = scr.waitFor(t, at, "# ", time.Minute)
	// The answer, not the echo of the question: $((6*7)) echoes as itself.
	type_("echo guest-$((6*7)); [ -d " + filepath.Dir(hostFile) + " ] || echo no-such-dir-in-the-guest\r")
	at = scr.waitFor(t, at, "guest-42", time.Minute)
	at = scr.waitFor(t, at, "no-such-dir-in-the-guest", time.Minute)
	// Quit, with a command for the guest typed right after: imgpipe must
	// neither send it nor leave it for the shell.
	type_("\x01xtouch " + hostFile + "\r")
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("imgpipe boot: %v; the terminal shows:\n%s", err, scr.buf.String())
		}
	case <-time.After(time.Minute):
		t.Fatal("Ctrl-A x did not end imgpipe boot")
	}
	after, err := unix.IoctlGetTermios(int(tty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if *after != *before {
		t.Errorf("the terminal's mode is not restored:\nbefore %+v\nafter  %+v", *before, *after)
	}
	if n, err := unix.IoctlGetInt(int(tty.Fd()), unix.TIOCINQ); err != nil || n != 0 {
		t.Errorf("%d bytes typed for the guest are left for the shell (err %v)", n, err)
	}
	if _, err := os.Stat(hostFile); err == nil {
		t.Errorf("a command typed for the guest ran on the host: %s exists", hostFile)
	}
	scr.waitFor(t, at, "the machine is stopped", 10*time.Second)
}

// TestBootQuickstart builds the quickstart (for x86_64 only: the same
// recipe with one arch) with `imgpipe run`, then logs in to its published
// disk with `imgpipe boot` twice on a pty: the disk file with --tree naming
// the tree root, and the build by its name from the store, which recorded
// its tree. `imgpipe koji diff` compares that build with Koji's
// (kojidiff_test.go).
func TestBootQuickstart(t *testing.T) {
	tree := fixtures.Tree(t)
	fixtures.NeedTools(t, "qemu-system-x86_64", "qemu-img")
	dir := t.TempDir()
	for _, name := range []string{"quickstart.hcl", "quickstart.ks"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "examples", "quickstart", name))
		if err != nil {
			t.Fatal(err)
		}
		b = bytes.Replace(b, []byte(`arches  = ["x86_64", "aarch64"]`), []byte(`arches  = ["x86_64"]`), 1)
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	storeDir := filepath.Join(dir, ".imgpipe")
	run := imgpipeCmd("run", "--progress", "plain", "-var", "tree="+tree, filepath.Join(dir, "quickstart.hcl"))
	if out, err := run.CombinedOutput(); err != nil {
		t.Fatalf("imgpipe run: %v\n%s", err, out)
	}
	disk := filepath.Join(storeDir, "builds", "quickstart", "1", "1", "images", "quickstart-1-1.x86_64.qcow2")
	if _, err := os.Stat(disk); err != nil {
		t.Fatal(err)
	}
	okRun := newestRun(t, storeDir)
	t.Run("disk", func(t *testing.T) { bootSession(t, "--tree", tree, disk) })
	t.Run("build", func(t *testing.T) { bootSession(t, "--store", storeDir, "quickstart-1-1.x86_64") })
	t.Run("koji diff", func(t *testing.T) { kojiDiffQuickstart(t, storeDir) })

	// The reports of a succeeded and a failed quickstart, in Chromium: the
	// failure is a tree that is not there (the quickstart's placeholder).
	run = imgpipeCmd("run", "--progress", "plain", "-var", "tree="+filepath.Join(dir, "no-tree"), filepath.Join(dir, "quickstart.hcl"))
	if out, err := run.CombinedOutput(); err == nil {
		t.Fatalf("imgpipe run without a tree succeeded:\n%s", out)
	}
	failRun := newestRun(t, storeDir)
	t.Run("reports", func(t *testing.T) {
		b := newBrowser(t)
		for _, c := range []struct{ run, status string }{{okRun, "succeeded"}, {failRun, "failed"}} {
			out := filepath.Join(t.TempDir(), "report.html")
			if b, err := imgpipeCmd("report", "--store", storeDir, "--format", "html", "-o", out, c.run).CombinedOutput(); err != nil {
				t.Fatalf("report: %v\n%s", err, b)
			}
			u := (&url.URL{Scheme: "file", Path: out}).String()
			b.open(t, u)
			checkPage(t, b, u)
			checkRunPage(t, b, storeDir, c.run, c.status)
			status := eval[string](t, b, `document.querySelector('main').textContent`)
			if c.status == "failed" && (!strings.Contains(status, "x86_64 failed") || strings.Contains(status, "can_fail")) {
				t.Errorf("the failed quickstart's page does not say x86_64 failed, or calls it allowed")
			}
			checkScreenshot(t, b, "quickstart-report-"+c.status+".png")
			b.checkConsole(t, u)
		}
	})
}
