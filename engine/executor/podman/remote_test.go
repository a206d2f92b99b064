//go:build remote

package podman

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/imgpipe/imgpipe/engine/executor"
	"github.com/imgpipe/imgpipe/internal/podmantest"
	"github.com/imgpipe/imgpipe/internal/syncbuf"
)

// remoteHomeEnv, set, makes a test that runs itself in a child process
// (inChildWithHome) do its work: the bindings read the home directory for
// ~/.ssh/known_hosts once per process (decision 0006).
const remoteHomeEnv = "IMGPIPE_PODMAN_TEST_REMOTE_HOME"

// inChildWithHome runs the calling test again in a child process whose
// HOME is a new temporary directory, where fn does the work.
func inChildWithHome(t *testing.T, fn func(t *testing.T, home string)) {
	t.Helper()
	if home := os.Getenv(remoteHomeEnv); home != "" {
		fn(t, home)
		return
	}
	home := t.TempDir()
	child := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1", "-test.v")
	child.Env = append(slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "SSH_AUTH_SOCK=") || strings.HasPrefix(kv, "CONTAINER_")
	}), "HOME="+home, remoteHomeEnv+"="+home)
	out, err := child.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS: "+t.Name())) {
		t.Fatalf("%s in a child process with HOME=%s: %v\n%s", t.Name(), home, err, out)
	}
	t.Logf("child process:\n%s", out)
}

// startRemote starts a remote builder with the busybox image and trusts
// its host key in home's known_hosts, as a user does with ssh-keyscan or a
// first ssh login: the bindings then check the key instead of adding it.
func startRemote(t *testing.T, home string) *podmantest.Remote {
	t.Helper()
	r := podmantest.StartRemote(t)
	r.ImportBusybox(t, busybox)
	mustWrite(t, filepath.Join(home, ".ssh", "known_hosts"), r.KnownHosts)
	return r
}

func newRemoteExecutor(t *testing.T, r *podmantest.Remote) *Executor {
	t.Helper()
	e, err := New(t.Context(), Options{Connection: r.URI, IdentityFile: r.IdentityFile, Image: busybox})
	if err != nil {
		t.Fatalf("New(%s): %v\nsshd's log:\n%s", r.URI, err, r.SSHDLog())
	}
	return e
}

// TestRemoteBuilder runs a process on a podman service behind a real
// OpenSSH sshd, in a mount namespace that this machine's /tmp does not
// reach: its input is copied in through the API and its output copied back
// the same way.
func TestRemoteBuilder(t *testing.T) {
	t.Parallel()
	inChildWithHome(t, func(t *testing.T, home string) {
		r := startRemote(t, home)
		e := newRemoteExecutor(t, r)
		if b, err := os.ReadFile(filepath.Join(home, ".ssh", "known_hosts")); err != nil || string(b) != r.KnownHosts {
			t.Errorf("known_hosts changed to %q (%v): the host key was not the trusted one", b, err)
		}

		// Another key recorded for the builder: refused, as ssh would.
		knownHosts := filepath.Join(home, ".ssh", "known_hosts")
		mustWrite(t, knownHosts, otherHostKey(t, r.KnownHosts))
		_, err := New(t.Context(), Options{Connection: r.URI, IdentityFile: r.IdentityFile, Image: busybox})
		var ce *executor.ConnectionError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), "mismatch") {
			t.Errorf("New with another host key in known_hosts: %v, want a refusal", err)
		}
		mustWrite(t, knownHosts, r.KnownHosts)

		inDir := t.TempDir()
		in := filepath.Join(inDir, "input.txt")
		mustWrite(t, in, "made here\n")
		outDir := t.TempDir()
		for _, p := range []string{in, outDir} {
			if err := r.InNamespace(t.Context(), "test", "-e", p).Run(); exitCodeOf(err) != 1 {
				t.Fatalf("test -e %s on the builder: %v; want exit status 1: the builder must not share this machine's files", p, err)
			}
		}
		stdout, stderr, err := run(t, e, executor.Cmd{
			Argv:      []string{"sh", "-c", `tr a-z A-Z < "$1" > result && mkdir -p logs && hostname > logs/host`, "sh", in},
			Inputs:    []string{in},
			OutputDir: outDir,
		})
		if err != nil {
			t.Fatalf("Run: %v\n%s%s\nthe service's log:\n%s", err, stdout, stderr, r.Log())
		}
		if b, err := os.ReadFile(filepath.Join(outDir, "result")); err != nil || string(b) != "MADE HERE\n" {
			t.Errorf("result copied back: %q, %v", b, err)
		}
		if b, err := os.ReadFile(filepath.Join(outDir, "logs", "host")); err != nil || len(b) == 0 {
			t.Errorf("logs/host copied back: %q, %v", b, err)
		}
		// Still not on the builder: the copies went into the container only.
		if err := r.InNamespace(t.Context(), "test", "-e", in).Run(); exitCodeOf(err) != 1 {
			t.Errorf("test -e %s on the builder after the run: %v, want exit status 1", in, err)
		}

		// A local input that cannot be read is named, not taken for a
		// broken connection.
		missing := filepath.Join(inDir, "missing")
		_, _, err = run(t, e, executor.Cmd{Argv: []string{"true"}, Inputs: []string{missing}, OutputDir: t.TempDir()})
		if err == nil || errors.As(err, &ce) || !strings.Contains(err.Error(), missing) {
			t.Errorf("Run with a missing input: %v, want an error naming %s", err, missing)
		}
		if cs := r.Containers(t); len(cs) != 0 {
			t.Errorf("containers left on the builder: %+v", cs)
		}
	})
}

// TestRemoteBuilderLostConnection kills the builder's sshd while a process
// runs there: Run returns at once with an *executor.ConnectionError naming
// the connection, and the local output directory gets nothing of what the
// process wrote (the copy back never ran). The Executor dials again for
// its next Run: while sshd is down that fails to connect, and once sshd is
// back it works, as does a new Executor.
func TestRemoteBuilderLostConnection(t *testing.T) {
	t.Parallel()
	inChildWithHome(t, func(t *testing.T, home string) {
		r := startRemote(t, home)
		e := newRemoteExecutor(t, r)

		outDir := t.TempDir()
		out := new(syncbuf.Buffer)
		done := make(chan error, 1)
		var returned time.Time // set before done is sent
		go func() {
			err := e.Run(t.Context(), executor.Cmd{
				Argv:      []string{"sh", "-c", "echo half > written; echo started; exec sleep 600"},
				OutputDir: outDir,
				Stdout:    out,
			})
			returned = time.Now()
			done <- err
		}()
		waitFor(t, out, "started\n")
		killed := time.Now()
		r.KillSSHD(t)
		var err error
		select {
		case err = <-done:
		case <-time.After(patience):
			t.Fatalf("Run still blocked %v after sshd was killed", patience)
		}
		t.Logf("Run returned %v after KillSSHD began: %v", returned.Sub(killed).Round(time.Millisecond), err)
		var ce *executor.ConnectionError
		if !errors.As(err, &ce) || !ce.Lost || ce.URI != r.URI {
			t.Fatalf("Run returned %v (%T), want an *executor.ConnectionError for %s", err, err, r.URI)
		}
		if want := "the connection to " + r.URI + " was lost"; !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
		if _, err := os.Stat(filepath.Join(outDir, "written")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the process's file reached the local output directory: %v", err)
		}
		// The process still runs on the builder: nothing can reach it
		// until the connection is back (the teardown removes it).
		if cs := r.Containers(t); len(cs) != 1 || cs[0].State != "running" || cs[0].Labels["io.imgpipe.executor"] == "" {
			t.Errorf("containers on the builder: %+v, want the one still running", cs)
		}

		// The next Run dials again, which fails while sshd is down.
		_, _, err = run(t, e, executor.Cmd{Argv: []string{"true"}})
		if !errors.As(err, &ce) || ce.Lost || !strings.Contains(err.Error(), "cannot connect to "+r.URI) {
			t.Errorf("Run with sshd down: %v, want an *executor.ConnectionError saying it cannot connect to %s", err, r.URI)
		}

		// Nor can a new one connect while sshd is down.
		_, err = New(t.Context(), Options{Connection: r.URI, IdentityFile: r.IdentityFile, Image: busybox})
		if !errors.As(err, &ce) || ce.Lost || ce.URI != r.URI || !strings.Contains(err.Error(), "cannot connect to "+r.URI) {
			t.Errorf("New with sshd down: %v, want an *executor.ConnectionError saying it cannot connect to %s", err, r.URI)
		}

		r.StartSSHD(t)
		if stdout, stderr, err := run(t, e, executor.Cmd{Argv: []string{"echo", "again"}}); err != nil || stdout != "again\n" {
			t.Errorf("the same Executor after sshd restarted: %q, %v\n%s", stdout, err, stderr)
		}
		e2 := newRemoteExecutor(t, r)
		if stdout, stderr, err := run(t, e2, executor.Cmd{Argv: []string{"echo", "back"}}); err != nil || stdout != "back\n" {
			t.Errorf("Run after sshd restarted: %q, %v\n%s", stdout, err, stderr)
		}
	})
}

// otherHostKey returns the known_hosts line line with a new ed25519 key
// for the same host.
func otherHostKey(t *testing.T, line string) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	host, _, _ := strings.Cut(line, " ")
	return host + " " + string(ssh.MarshalAuthorizedKey(key))
}

func exitCodeOf(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}
