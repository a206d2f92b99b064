package podmantest

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestRemote checks the remote builder: a service in its own mount
// namespace that this machine's files do not reach, and an OpenSSH sshd
// that accepts the test's key and presents the host key in KnownHosts.
func TestRemote(t *testing.T) {
	t.Parallel()
	var r *Remote
	var holder int
	var ns *os.File
	t.Run("remote", func(t *testing.T) {
		r = StartRemote(t)
		holder = r.holder.Process.Pid
		// Held open across the teardown: a namespace's inode number is
		// free for the next namespace made (by a parallel test's
		// container) once the last reference goes, and the check below
		// compares those numbers.
		var err error
		if ns, err = os.Open("/proc/" + strconv.Itoa(holder) + "/ns/mnt"); err != nil {
			t.Fatal(err)
		}
		r.ImportBusybox(t, "localhost/busybox:test")
		if out := r.Podman(t, "run", "--rm", "--network", "none", "localhost/busybox:test", "echo", "remote"); out != "remote" {
			t.Errorf("container printed %q", out)
		}
		if !strings.HasPrefix(r.URI, "ssh://root@"+r.Addr+"/tmp/") || !strings.HasSuffix(r.URI, "/podman.sock") {
			t.Errorf("URI %q", r.URI)
		}

		// A file of this machine's /tmp is not there; the socket is there
		// and not here.
		local := filepath.Join(t.TempDir(), "local")
		if err := os.WriteFile(local, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := r.InNamespace(t.Context(), "test", "-e", local).Run(); exitCode(err) != 1 {
			t.Errorf("test -e %s in the namespace: %v, want exit status 1 (not there)", local, err)
		}
		if out, err := r.InNamespace(t.Context(), "test", "-S", r.Socket).CombinedOutput(); err != nil {
			t.Errorf("test -S %s in the namespace: %v %s", r.Socket, err, out)
		}
		if _, err := os.Stat(r.Socket); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the remote's socket %s is visible here: %v", r.Socket, err)
		}

		knownHosts := filepath.Join(t.TempDir(), "known_hosts")
		if err := os.WriteFile(knownHosts, []byte(r.KnownHosts), 0o600); err != nil {
			t.Fatal(err)
		}
		ssh := func() error {
			_, port, _ := strings.Cut(r.Addr, ":")
			c := exec.CommandContext(t.Context(), "ssh", "-F", "/dev/null", "-o", "BatchMode=yes",
				"-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile="+knownHosts,
				"-o", "IdentitiesOnly=yes", "-i", r.IdentityFile, "-p", port, "root@127.0.0.1", "test -S "+r.Socket)
			out, err := c.CombinedOutput()
			if err != nil {
				return errors.New(err.Error() + ": " + string(out))
			}
			return nil
		}
		if err := ssh(); err != nil {
			t.Fatalf("OpenSSH's client with the key and KnownHosts: %v\nsshd's log:\n%s", err, r.SSHDLog())
		}
		r.KillSSHD(t)
		if err := ssh(); err == nil {
			t.Error("ssh worked after KillSSHD")
		}
		r.StartSSHD(t)
		if err := ssh(); err != nil {
			t.Errorf("ssh after StartSSHD: %v", err)
		}
		// Left for the teardown: a running container and a connection.
		r.Podman(t, "run", "--detach", "--network", "none", "localhost/busybox:test", "sleep", "300")
	})
	if ns == nil {
		return
	}
	defer ns.Close()
	if err := alive(holder); err == nil {
		t.Errorf("the namespace's holder %d still runs", holder)
	}
	if pids := r.namespaceProcesses(); len(pids) > 0 {
		t.Errorf("processes left in the remote's namespace: %v", pids)
	}
	if _, err := os.Stat(r.hostDir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s left: %v", r.hostDir, err)
	}
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// alive returns nil if pid is a live process (not a zombie).
func alive(pid int) error {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return err
	}
	if _, rest, ok := strings.Cut(string(b), ") "); ok && strings.HasPrefix(rest, "Z") {
		return errors.New("zombie")
	}
	return nil
}
