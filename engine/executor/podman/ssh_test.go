//go:build remote

package podman

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/imgpipe/imgpipe/engine/executor"
	"github.com/imgpipe/imgpipe/internal/podmantest"
)

// sshHomeEnv, set, makes TestRemoteSSH run the test itself: it is set in
// the child process that TestRemoteSSH starts with a HOME of its own.
const sshHomeEnv = "IMGPIPE_PODMAN_TEST_SSH_HOME"

// TestRemoteSSH runs through an ssh:// connection, as to a podman service on
// another machine: nothing is bind-mounted, the inputs are copied into the
// container and the output directory out of it. The SSH server is a small
// one in the test that only forwards to the service's socket (an sshd would
// need a system service and a login); the client is the bindings' own.
//
// The bindings add an unknown host key to ~/.ssh/known_hosts, with the home
// directory read once per process (containers/storage's homedir), before
// any test could set HOME. So the test runs in a child process whose HOME
// is a temporary directory, never the user's.
func TestRemoteSSH(t *testing.T) {
	t.Parallel()
	if home := os.Getenv(sshHomeEnv); home != "" {
		testRemoteSSH(t, home)
		return
	}
	home := t.TempDir()
	child := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestRemoteSSH$", "-test.count=1", "-test.v")
	child.Env = append(slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "SSH_AUTH_SOCK=") || strings.HasPrefix(kv, "CONTAINER_")
	}), "HOME="+home, sshHomeEnv+"="+home)
	out, err := child.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS: TestRemoteSSH")) {
		t.Fatalf("TestRemoteSSH in a child process with HOME=%s: %v\n%s", home, err, out)
	}
}

func testRemoteSSH(t *testing.T, home string) {
	svc := podmantest.Start(t)
	svc.ImportBusybox(t, busybox)
	addr, key := startSSHForwarder(t, svc.Socket)

	e, err := New(t.Context(), Options{
		Connection:   "ssh://root@" + addr + svc.Socket,
		IdentityFile: key,
		Image:        busybox,
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(home, ".ssh", "known_hosts")); err != nil || !strings.Contains(string(b), "ssh-ed25519") {
		t.Fatalf("the host key did not go to $HOME/.ssh/known_hosts (%q, %v): it went elsewhere", b, err)
	}
	if !e.remote {
		t.Fatal("an ssh:// connection is not remote")
	}
	local := newExecutor(t, svc, Options{})
	if e.Identity() != local.Identity() {
		t.Errorf("the connection changes the identity: %q, %q", e.Identity(), local.Identity())
	}

	inDir := t.TempDir()
	in := filepath.Join(inDir, "input.txt")
	mustWrite(t, in, "copied in\n")
	mustWrite(t, filepath.Join(inDir, "tree", "sub", "f"), "deep\n")
	undeclared := filepath.Join(inDir, "undeclared")
	mustWrite(t, undeclared, "secret\n")
	outDir := filepath.Join(t.TempDir(), "out")
	mustWrite(t, filepath.Join(outDir, "existing"), "was there\n")

	stdout, stderr, err := run(t, e, executor.Cmd{
		Argv: []string{"sh", "-c", `cat "$1" "$2/sub/f" existing; test -e "$3" && echo visible; ` +
			`mkdir -p logs && echo made > logs/result && ln -s logs/result latest && cat`,
			"sh", in, filepath.Join(inDir, "tree"), undeclared},
		Inputs:    []string{in, filepath.Join(inDir, "tree")},
		OutputDir: outDir,
		Stdin:     strings.NewReader("through stdin\n"),
	})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, stderr)
	}
	if want := "copied in\ndeep\nwas there\nthrough stdin\n"; stdout != want {
		t.Errorf("output %q, want %q", stdout, want)
	}
	if b, err := os.ReadFile(filepath.Join(outDir, "latest")); err != nil || string(b) != "made\n" {
		t.Errorf("output copied out: latest %q, %v", b, err)
	}

	t.Run("exit code and output of a failure", func(t *testing.T) {
		out := t.TempDir()
		_, _, err := run(t, e, executor.Cmd{Argv: []string{"sh", "-c", "echo partial > log; exit 7"}, OutputDir: out})
		var ee *executor.ExitError
		if !errors.As(err, &ee) || ee.Code != 7 {
			t.Errorf("Run returned %v, want exit status 7", err)
		}
		if b, err := os.ReadFile(filepath.Join(out, "log")); err != nil || string(b) != "partial\n" {
			t.Errorf("the failed process's output: %q, %v", b, err)
		}
	})
	if cs := svc.Containers(t); len(cs) != 0 {
		t.Errorf("containers left: %+v", cs)
	}
}

// startSSHForwarder starts an SSH server on loopback that accepts one key
// and forwards streamlocal channels (ssh's unix socket forwarding) to
// socket. It returns its address and the path of the key.
func startSSHForwarder(t *testing.T, socket string) (addr, keyPath string) {
	t.Helper()
	clientPub, clientPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(clientPriv, "")
	if err != nil {
		t.Fatal(err)
	}
	keyPath = filepath.Join(t.TempDir(), "id_ed25519")
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	authorized, err := ssh.NewPublicKey(clientPub)
	if err != nil {
		t.Fatal(err)
	}
	_, hostPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	hostKey, err := ssh.NewSignerFromKey(hostPriv)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &ssh.ServerConfig{
		PublicKeyCallback: func(_ ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if string(key.Marshal()) == string(authorized.Marshal()) {
				return nil, nil
			}
			return nil, errors.New("unknown key")
		},
	}
	cfg.AddHostKey(hostKey)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		l.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go serveSSH(c, cfg, socket)
		}
	})
	return l.Addr().String(), keyPath
}

func serveSSH(c net.Conn, cfg *ssh.ServerConfig, socket string) {
	defer c.Close()
	sc, chans, reqs, err := ssh.NewServerConn(c, cfg)
	if err != nil {
		return
	}
	defer sc.Close()
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		var msg struct {
			SocketPath string
			Reserved0  string
			Reserved1  uint32
		}
		if nc.ChannelType() != "direct-streamlocal@openssh.com" || ssh.Unmarshal(nc.ExtraData(), &msg) != nil || msg.SocketPath != socket {
			nc.Reject(ssh.Prohibited, "only the podman socket is forwarded")
			continue
		}
		go forward(nc, socket)
	}
}

// forward connects the channel to the unix socket, passing half-closes on.
func forward(nc ssh.NewChannel, socket string) {
	u, err := net.Dial("unix", socket)
	if err != nil {
		nc.Reject(ssh.ConnectionFailed, err.Error())
		return
	}
	ch, reqs, err := nc.Accept()
	if err != nil {
		u.Close()
		return
	}
	go ssh.DiscardRequests(reqs)
	var wg sync.WaitGroup
	wg.Go(func() {
		_, _ = io.Copy(u, ch)
		_ = u.(*net.UnixConn).CloseWrite()
	})
	wg.Go(func() {
		_, _ = io.Copy(ch, u)
		_ = ch.CloseWrite()
	})
	wg.Wait()
	ch.Close()
	u.Close()
}
