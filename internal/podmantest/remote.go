package podmantest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/imgpipe/imgpipe/internal/syncbuf"
)

// remoteDir is the Remote's directory inside its namespace: storage,
// configuration, socket and sshd's files. The namespace's /tmp is a tmpfs
// of its own, so the name need not be unique.
const remoteDir = "/tmp/podmantest-remote"

// sshdConfig is the Remote's sshd_config. Only keys, no PAM; root may log
// in with a key (the service's socket is root's). TCP forwarding stays at
// its default: with it off, sshd also refuses to forward to a unix socket.
// %[1]d is the port, %[2]s the directory of the ssh files.
const sshdConfig = `ListenAddress 127.0.0.1:%[1]d
HostKey %[2]s/host_ed25519
PidFile %[2]s/sshd.pid
AuthorizedKeysFile %[2]s/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowStreamLocalForwarding yes
AllowAgentForwarding no
X11Forwarding no
PermitTTY no
PrintMotd no
LogLevel VERBOSE
`

// holderScript makes the Remote's mount namespace and keeps it alive until
// its standard input closes. It runs under `unshare --mount --propagation
// private`, with $1 the host directory holding the configuration and $2
// remoteDir. The directory is left as the working directory before /tmp is
// covered, so it can still be copied from. /run is covered too: sshd wants
// /run/sshd, which the host may lack and should not get from a test.
const holderScript = `set -eu
cd "$1"
mount -t tmpfs -o mode=1777 podmantest /tmp
mount -t tmpfs -o mode=755 podmantest /run
mkdir -m 755 /run/sshd
mkdir -m 700 -p "$2" "$2/tmp" "$2/networks" "$2/volumes"
cp -a ssh containers.conf registries.conf "$2"/
cd /
echo ready
read -r _ || true
`

// Remote is a podman API service reached over ssh, as on another machine:
// `podman system service` and a real OpenSSH sshd on 127.0.0.1, both in a
// mount namespace of their own whose /tmp and /run are private tmpfs
// mounts. The service's storage and socket live in that /tmp, and a file
// of this machine's /tmp (where tests make their files) does not exist
// there: only the API can move files between the two.
//
// The embedded Service works on the remote storage (Podman, Command,
// Import, ImportBusybox and Containers go through the namespace); its URI
// is the ssh:// one, and Dir and Socket are paths inside the namespace.
type Remote struct {
	*Service
	// Addr is sshd's address, "127.0.0.1:<port>".
	Addr string
	// IdentityFile is the client's private key (ed25519, no passphrase),
	// the only key root's authorized_keys accepts.
	IdentityFile string
	// KnownHosts is a known_hosts line for sshd's host key,
	// "[127.0.0.1]:<port> ssh-ed25519 AAAA…", for a client that checks it.
	KnownHosts string

	hostDir string // this machine's copy of the configuration and keys
	holder  *exec.Cmd
	hold    io.WriteCloser // the holder's stdin: closing it ends the namespace
	mntNS   string         // the namespace, as /proc/<pid>/ns/mnt reads

	mu        sync.Mutex
	sshd      *exec.Cmd
	sshdDone  chan struct{}
	sshdLog   *syncbuf.Buffer
	sshdReady chan struct{}
}

// StartRemote starts a Remote for t and waits until its service answers
// and its sshd listens. Everything is torn down through t.Cleanup:
// containers removed, service and sshd stopped, every process of the
// namespace gone (which unmounts its file systems), directories removed.
//
// It needs, besides what Start needs, sshd and ssh-keygen (openssh-server,
// openssh-client) and unshare and nsenter (util-linux).
func StartRemote(t testing.TB) *Remote {
	t.Helper()
	podman := requireTools(t)
	tools := map[string]string{}
	var missing []string
	for _, tool := range []struct{ cmd, pkg string }{
		{"sshd", "openssh-server"}, {"ssh-keygen", "openssh-client"}, {"unshare", "util-linux"}, {"nsenter", "util-linux"},
	} {
		p, err := lookTool(tool.cmd)
		if err != nil {
			missing = append(missing, tool.pkg)
		}
		tools[tool.cmd] = p
	}
	if len(missing) > 0 {
		t.Fatalf("remote podman tests need %s: run scripts/install-deps (go tool task deps)", strings.Join(missing, ", "))
	}
	hostDir, err := os.MkdirTemp("", "podmantest-ssh-")
	if err != nil {
		t.Fatal(err)
	}
	r := &Remote{
		Service: &Service{
			Socket: filepath.Join(remoteDir, "podman.sock"),
			Dir:    remoteDir,
			podman: podman,
			log:    &syncbuf.Buffer{},
			exited: make(chan struct{}),
		},
		hostDir: hostDir,
	}
	t.Cleanup(func() { r.teardown(t) })

	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	r.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	r.URI = "ssh://root@" + r.Addr + r.Socket
	if err := r.configure(tools["ssh-keygen"], port); err != nil {
		t.Fatal(err)
	}
	if err := r.startHolder(tools["unshare"]); err != nil {
		t.Fatal(err)
	}
	r.wrap = []string{tools["nsenter"], "--target", strconv.Itoa(r.holder.Process.Pid), "--mount", "--wd=/"}
	r.dialPath = fmt.Sprintf("/proc/%d/root%s", r.holder.Process.Pid, r.Socket)
	if err := r.start(); err != nil {
		t.Fatal(err)
	}
	if err := r.waitReady(startTimeout); err != nil {
		t.Fatalf("remote podman service did not come up: %v\nits output:\n%s", err, r.log.String())
	}
	r.StartSSHD(t)
	return r
}

// freePort returns a TCP port on 127.0.0.1 that nothing listens on now.
// Another process could take it before sshd does; sshd would then fail to
// start, loudly.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// configure writes, in hostDir, the keys (made by ssh-keygen), sshd's
// configuration and podman's, all naming their paths inside the namespace.
func (r *Remote) configure(keygen string, port int) error {
	sshDir := filepath.Join(r.hostDir, "ssh")
	if err := os.Mkdir(sshDir, 0o700); err != nil {
		return err
	}
	r.IdentityFile = filepath.Join(r.hostDir, "id_ed25519")
	for _, key := range []string{filepath.Join(sshDir, "host_ed25519"), r.IdentityFile} {
		out, err := exec.Command(keygen, "-q", "-t", "ed25519", "-N", "", "-C", "podmantest", "-f", key).CombinedOutput()
		if err != nil {
			return fmt.Errorf("ssh-keygen: %w\n%s", err, out)
		}
	}
	clientPub, err := os.ReadFile(r.IdentityFile + ".pub")
	if err != nil {
		return err
	}
	hostPub, err := os.ReadFile(filepath.Join(sshDir, "host_ed25519.pub"))
	if err != nil {
		return err
	}
	fields := strings.Fields(string(hostPub))
	if len(fields) < 2 {
		return fmt.Errorf("ssh-keygen wrote a host key %q", hostPub)
	}
	r.KnownHosts = fmt.Sprintf("[127.0.0.1]:%d %s %s\n", port, fields[0], fields[1])
	// What docs/remote-builders.md recommends: the key may forward to the
	// socket and do nothing else that restrict forbids (pty, agent, X11).
	authorized := "restrict,port-forwarding " + string(clientPub)
	remoteSSH := filepath.Join(remoteDir, "ssh")
	files := []struct {
		name, text string
	}{
		{filepath.Join(sshDir, "authorized_keys"), authorized},
		{filepath.Join(sshDir, "sshd_config"), fmt.Sprintf(sshdConfig, port, remoteSSH)},
		{filepath.Join(r.hostDir, "containers.conf"), fmt.Sprintf(containersConf, remoteDir)},
		{filepath.Join(r.hostDir, "registries.conf"), registriesConf},
	}
	for _, f := range files {
		if err := os.WriteFile(f.name, []byte(f.text), 0o600); err != nil {
			return err
		}
	}
	r.env = append(cleanEnv(os.Environ()),
		"CONTAINERS_CONF="+filepath.Join(remoteDir, "containers.conf"),
		"CONTAINERS_REGISTRIES_CONF="+filepath.Join(remoteDir, "registries.conf"),
		"PATH="+os.Getenv("PATH")+":/usr/sbin:/sbin",
	)
	return nil
}

// startHolder starts the process that owns the namespace and waits until
// the namespace is set up.
func (r *Remote) startHolder(unshare string) error {
	c := exec.Command(unshare, "--mount", "--propagation", "private", "--", "sh", "-c", holderScript, "sh", r.hostDir, remoteDir)
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	var stderr bytes.Buffer
	c.Stderr = &stderr
	stdin, err := c.StdinPipe()
	if err != nil {
		return err
	}
	stdout, err := c.StdoutPipe()
	if err != nil {
		return err
	}
	if err := c.Start(); err != nil {
		return fmt.Errorf("start unshare: %w", err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if line != "ready\n" {
		_ = c.Process.Kill()
		return fmt.Errorf("setting up the remote's mount namespace failed (%q, %v): %v\n%s", line, err, c.Wait(), stderr.String())
	}
	r.holder, r.hold = c, stdin
	r.mntNS, err = os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", c.Process.Pid))
	return err
}

// StartSSHD starts sshd in the namespace (again, after KillSSHD) and waits
// until it listens.
func (r *Remote) StartSSHD(t testing.TB) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sshd != nil {
		t.Fatal("podmantest: sshd is running already")
	}
	sshd, _ := lookTool("sshd")
	argv := append(r.wrap[:len(r.wrap):len(r.wrap)], sshd, "-D", "-e", "-f", filepath.Join(remoteDir, "ssh", "sshd_config"))
	c := exec.Command(argv[0], argv[1:]...)
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	r.sshdLog = &syncbuf.Buffer{}
	ready := &lineSignal{w: r.sshdLog, want: "Server listening on 127.0.0.1 port", c: make(chan struct{})}
	c.Stdout, c.Stderr = r.sshdLog, ready
	if err := c.Start(); err != nil {
		t.Fatalf("start sshd: %v", err)
	}
	r.sshd, r.sshdDone = c, make(chan struct{})
	done := r.sshdDone
	go func() {
		defer close(done)
		_ = c.Wait()
	}()
	timer := time.NewTimer(startTimeout)
	defer timer.Stop()
	select {
	case <-ready.c:
	case <-done:
		r.sshd = nil
		t.Fatalf("sshd exited: %v\n%s", c.ProcessState, r.sshdLog.String())
	case <-timer.C:
		t.Fatalf("sshd did not listen after %v:\n%s", startTimeout, r.sshdLog.String())
	}
}

// KillSSHD kills sshd with SIGKILL, the listener and every connection's
// process, as a crashed or unplugged host would drop them, and waits until
// they are gone. A client sees its connections closed at once.
func (r *Remote) KillSSHD(t testing.TB) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sshd == nil {
		t.Fatal("podmantest: sshd is not running")
	}
	if err := r.killSSHD(); err != nil {
		t.Fatal(err)
	}
}

// SSHDLog returns what sshd has logged so far.
func (r *Remote) SSHDLog() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sshdLog == nil {
		return ""
	}
	return r.sshdLog.String()
}

// killSSHD kills the listener first, so that it forks no more, then every
// sshd in the namespace: a connection's processes outlive the listener
// and are no longer its children once it is gone.
func (r *Remote) killSSHD() error {
	_ = r.sshd.Process.Signal(syscall.SIGKILL)
	sshd, _ := lookTool("sshd")
	err := r.awaitNamespace(func(pid int) bool {
		exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
		return exe == sshd
	}, true, stopGrace)
	// Only now: the connections' processes share the listener's stderr, so
	// its Wait returns once they are gone too.
	<-r.sshdDone
	r.sshd = nil
	return err
}

// InNamespace returns a command (not started) that runs argv in the
// Remote's mount namespace: what the remote machine sees.
func (r *Remote) InNamespace(ctx context.Context, argv ...string) *exec.Cmd {
	full := append(r.wrap[:len(r.wrap):len(r.wrap)], argv...)
	return exec.CommandContext(ctx, full[0], full[1:]...)
}

// teardown removes the containers, stops the service and sshd, waits until
// nothing runs in the namespace but its holder, and ends the holder: the
// namespace and its tmpfs mounts go with it.
func (r *Remote) teardown(t testing.TB) {
	if r.holder == nil {
		_ = os.RemoveAll(r.hostDir)
		return
	}
	if r.cmd != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		out, err := r.Command(ctx, "rm", "--all", "--force", "--time", "0").CombinedOutput()
		cancel()
		if err != nil {
			t.Errorf("podmantest: removing the remote's containers: %v\n%s", err, out)
		}
		r.stop(t)
	}
	r.mu.Lock()
	if r.sshd != nil {
		if err := r.killSSHD(); err != nil {
			t.Errorf("podmantest: %v", err)
		}
	}
	r.mu.Unlock()
	// conmon and podman's container cleanup run in the namespace too.
	if err := r.awaitNamespace(func(int) bool { return true }, false, stopGrace); err != nil {
		t.Errorf("podmantest: %v", err)
	}
	r.hold.Close()
	if err := r.holder.Wait(); err != nil {
		t.Errorf("podmantest: the remote's namespace holder: %v", err)
	}
	if err := os.RemoveAll(r.hostDir); err != nil {
		t.Errorf("podmantest: %v", err)
	}
}

// awaitNamespace waits until no process in the namespace but the holder
// matches, for two scans of /proc in a row. With kill, it SIGKILLs what
// matches on every scan; otherwise only what is left after timeout, and
// then returns an error: a leak.
func (r *Remote) awaitNamespace(match func(pid int) bool, kill bool, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for clean := 0; clean < 2; {
		var pids []int
		for _, pid := range r.namespaceProcesses() {
			if match(pid) {
				pids = append(pids, pid)
			}
		}
		if len(pids) > 0 {
			clean = 0
		} else {
			clean++
		}
		late := time.Now().After(deadline)
		if kill || late {
			for _, pid := range pids {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		if late && len(pids) > 0 {
			return fmt.Errorf("processes %v still ran in the remote's namespace after %v; killed them", pids, timeout)
		}
		<-tick.C
	}
	return nil
}

// namespaceProcesses lists the live processes in the Remote's mount
// namespace other than its holder (zombies are gone already: their
// namespace links cannot be read).
func (r *Remote) namespaceProcesses() []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == r.holder.Process.Pid {
			continue
		}
		if ns, err := os.Readlink(filepath.Join("/proc", e.Name(), "ns", "mnt")); err == nil && ns == r.mntNS {
			pids = append(pids, pid)
		}
	}
	return pids
}

// lineSignal passes writes on to w and closes c once a line containing want
// has been written.
type lineSignal struct {
	w    io.Writer
	want string
	c    chan struct{}

	mu   sync.Mutex
	line []byte
	seen bool
}

func (l *lineSignal) Write(p []byte) (int, error) {
	l.mu.Lock()
	if !l.seen {
		l.line = append(l.line, p...)
		for {
			i := bytes.IndexByte(l.line, '\n')
			if i < 0 {
				break
			}
			if bytes.Contains(l.line[:i], []byte(l.want)) {
				l.seen = true
				close(l.c)
				l.line = nil
				break
			}
			l.line = l.line[i+1:]
		}
	}
	l.mu.Unlock()
	return l.w.Write(p)
}
