package podmantest

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/imgpipe/imgpipe/internal/syncbuf"
)

const (
	// startTimeout bounds the wait for the service's socket to answer.
	startTimeout = 30 * time.Second
	// stopGrace is how long the service has to exit after SIGTERM.
	stopGrace = 10 * time.Second
	// apiVersion is the libpod API version in request paths; the 4.3
	// service answers any version from 4.0.0 on.
	apiVersion = "v4.0.0"
)

// containersConf is the containers.conf of docs/platform.md#podman (runc, cgroupfs, no
// default ulimits) plus what makes the service private: file locks and the
// libpod tmp dir (alive file, events, exit files) under the service's own
// directory instead of /dev/shm and /run/libpod, which the machine's podman
// uses, and a network config dir of its own. %[1]s is that directory.
const containersConf = `[containers]
default_ulimits = []

[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
lock_type = "file"
tmp_dir = "%[1]s/tmp"
volume_path = "%[1]s/volumes"
events_logger = "file"
events_logfile_path = "%[1]s/tmp/events.log"

[network]
network_config_dir = "%[1]s/networks"
`

// registriesConf has no search registries: a short name never goes to the
// network, and a name that is not in storage fails at once.
const registriesConf = "unqualified-search-registries = []\n"

// Service is a running podman API service on a private storage.
type Service struct {
	// URI is the service's address for the podman bindings,
	// "unix:///tmp/podmantest-…/podman.sock".
	URI string
	// Socket is the path of the service's unix socket.
	Socket string
	// Dir holds the storage, the configuration and the socket. It is
	// removed when the test ends.
	Dir string

	podman string   // the podman binary
	env    []string // the environment of every podman command
	// wrap prefixes every podman command: nsenter into a Remote's mount
	// namespace, where Dir and Socket are; empty for Start's service.
	wrap []string
	// dialPath is the path this process dials to reach the socket: Socket,
	// or for a Remote the same path seen through the namespace
	// (/proc/<pid>/root/…).
	dialPath string
	log      *syncbuf.Buffer
	cmd      *exec.Cmd
	exited   chan struct{} // closed once cmd has exited
}

// Start starts a podman API service for t on a private storage and waits
// until it answers. It fails t, never skips it, when podman cannot run.
func Start(t testing.TB, opts ...Option) *Service {
	t.Helper()
	podman := requireTools(t)
	// A short directory: a unix socket path holds at most 107 bytes, and
	// t.TempDir's names grow with the test's name.
	dir, err := os.MkdirTemp("", "podmantest-")
	if err != nil {
		t.Fatal(err)
	}
	s := &Service{
		URI:    "unix://" + filepath.Join(dir, "podman.sock"),
		Socket: filepath.Join(dir, "podman.sock"),
		Dir:    dir,
		podman: podman,
		log:    &syncbuf.Buffer{},
		exited: make(chan struct{}),
	}
	s.dialPath = s.Socket
	t.Cleanup(func() { s.teardown(t) })
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if err := s.configure(o); err != nil {
		t.Fatal(err)
	}
	if err := s.start(); err != nil {
		t.Fatal(err)
	}
	if err := s.waitReady(startTimeout); err != nil {
		t.Fatalf("podman service did not come up: %v\nits output:\n%s", err, s.log.String())
	}
	return s
}

// requireTools returns the podman binary's path, or fails t naming what is
// missing and how to install it.
func requireTools(t testing.TB) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("podmantest needs root: the tests run containers on a private podman storage with runc")
	}
	var missing []string
	for _, tool := range []struct{ cmd, pkg string }{{"podman", "podman"}, {"runc", "runc"}, {"tar", "tar"}} {
		if _, err := lookTool(tool.cmd); err != nil {
			missing = append(missing, tool.pkg)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("podman tests need %s: run scripts/install-deps (go tool task deps)", strings.Join(missing, ", "))
	}
	podman, _ := lookTool("podman")
	return podman
}

// lookTool finds cmd on PATH or in the sbin directories, which are not on a
// normal user's PATH on Debian (runc is in /usr/sbin).
func lookTool(cmd string) (string, error) {
	if p, err := exec.LookPath(cmd); err == nil {
		return p, nil
	}
	for _, d := range []string{"/usr/sbin", "/sbin", "/usr/local/sbin"} {
		p := filepath.Join(d, cmd)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", &exec.Error{Name: cmd, Err: exec.ErrNotFound}
}

// configure writes the configuration files and the environment that points
// podman at them.
func (s *Service) configure(o options) error {
	for _, d := range []string{"tmp", "networks", "volumes"} {
		if err := os.Mkdir(filepath.Join(s.Dir, d), 0o700); err != nil {
			return err
		}
	}
	conf := filepath.Join(s.Dir, "containers.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, containersConf, s.Dir), 0o600); err != nil {
		return err
	}
	registries := filepath.Join(s.Dir, "registries.conf")
	if err := os.WriteFile(registries, []byte(o.registriesConf()), 0o600); err != nil {
		return err
	}
	s.env = append(cleanEnv(os.Environ()),
		"CONTAINERS_CONF="+conf,
		"CONTAINERS_REGISTRIES_CONF="+registries,
		// runc is in /usr/sbin, which may not be on a user's PATH.
		"PATH="+os.Getenv("PATH")+":/usr/sbin:/sbin",
	)
	return nil
}

// cleanEnv drops from env what would make podman use another configuration
// or act as a remote client (CONTAINER_HOST turns the podman command into
// podman-remote).
func cleanEnv(env []string) []string {
	drop := []string{"CONTAINER_HOST", "CONTAINER_SSHKEY", "CONTAINER_CONNECTION",
		"CONTAINERS_CONF", "CONTAINERS_CONF_OVERRIDE", "CONTAINERS_REGISTRIES_CONF",
		"CONTAINERS_STORAGE_CONF", "PATH"}
	return slices.DeleteFunc(slices.Clone(env), func(kv string) bool {
		k, _, _ := strings.Cut(kv, "=")
		return slices.Contains(drop, k)
	})
}

// globalArgs are podman's options that select the private storage.
func (s *Service) globalArgs() []string {
	return []string{
		"--root", filepath.Join(s.Dir, "root"),
		"--runroot", filepath.Join(s.Dir, "runroot"),
		"--storage-driver", "vfs",
	}
}

// Command returns a podman command (not started) that works on the service's
// storage, as `podman --root … --runroot … args...` with the service's
// configuration. It runs podman directly, not through the service.
func (s *Service) Command(ctx context.Context, args ...string) *exec.Cmd {
	argv := s.argv(args...)
	c := exec.CommandContext(ctx, argv[0], argv[1:]...)
	c.Env = s.env
	return c
}

// argv is the command line of podman with args on the service's storage.
func (s *Service) argv(args ...string) []string {
	argv := append(slices.Clone(s.wrap), s.podman)
	argv = append(argv, s.globalArgs()...)
	return append(argv, args...)
}

// Podman runs podman with args on the service's storage and returns its
// standard output without surrounding space. It fails t if podman fails.
func (s *Service) Podman(t testing.TB, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	c := s.Command(t.Context(), args...)
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		t.Fatalf("podman %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(stdout.String())
}

func (s *Service) start() error {
	argv := s.argv("system", "service", "--time=0", "unix://"+s.Socket)
	c := exec.Command(argv[0], argv[1:]...)
	c.Env = s.env
	c.Stdout, c.Stderr = s.log, s.log
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := c.Start(); err != nil {
		return fmt.Errorf("start podman system service: %w", err)
	}
	s.cmd = c
	go func() {
		defer close(s.exited)
		_ = c.Wait()
	}()
	return nil
}

// waitReady polls the service's ping endpoint until it answers, the service
// exits or timeout passes.
func (s *Service) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var err error
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err = s.get(ctx, "/libpod/_ping")
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no answer on %s after %v: %w", s.Socket, timeout, err)
		}
		select {
		case <-s.exited:
			return fmt.Errorf("podman system service exited: %v", s.cmd.ProcessState)
		case <-tick.C:
		}
	}
}

// client is an HTTP client that talks to the service's socket.
func (s *Service) client() *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", s.dialPath)
		},
		DisableKeepAlives: true,
	}}
}

// get sends a GET for the API path (without version) and returns the body
// of a 200 answer.
func (s *Service) get(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://d/"+apiVersion+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.client().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", path, resp.Status, bytes.TrimSpace(body))
	}
	return body, nil
}

// Container is a container as the service lists it.
type Container struct {
	ID     string            `json:"Id"`
	Names  []string          `json:"Names"`
	Image  string            `json:"Image"`
	State  string            `json:"State"`
	Labels map[string]string `json:"Labels"`
}

// Containers lists every container the service knows, running or not,
// through its API.
func (s *Service) Containers(t testing.TB) []Container {
	t.Helper()
	body, err := s.get(t.Context(), "/libpod/containers/json?all=true")
	if err != nil {
		t.Fatalf("list containers: %v", err)
	}
	var cs []Container
	if err := json.Unmarshal(body, &cs); err != nil {
		t.Fatalf("list containers: %v: %s", err, body)
	}
	return cs
}

// Import imports the directory rootfs as the image ref (a full name such as
// "localhost/name:tag") into the service's storage and returns the image's
// ID (64 hex digits). Changes are `podman import --change` instructions
// ("ENTRYPOINT [\"/bin/sh\"]", "ENV A=b"). Importing under a ref that
// exists moves the ref to the new image.
func (s *Service) Import(t testing.TB, rootfs, ref string, changes ...string) string {
	t.Helper()
	args := []string{"import", "--quiet"}
	for _, c := range changes {
		args = append(args, "--change", c)
	}
	args = append(args, "-", ref)
	imp := s.Command(t.Context(), args...)
	tar := exec.CommandContext(t.Context(), "tar", "--numeric-owner", "-C", rootfs, "-c", ".")
	var tarErr, impErr, out bytes.Buffer
	tar.Stderr, imp.Stderr, imp.Stdout = &tarErr, &impErr, &out
	pipe, err := tar.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	imp.Stdin = pipe
	if err := tar.Start(); err != nil {
		t.Fatalf("tar %s: %v", rootfs, err)
	}
	err = imp.Run()
	if terr := tar.Wait(); terr != nil {
		t.Fatalf("tar %s: %v\n%s", rootfs, terr, tarErr.String())
	}
	if err != nil {
		t.Fatalf("podman import %s: %v\n%s", ref, err, impErr.String())
	}
	id := strings.TrimPrefix(strings.TrimSpace(out.String()), "sha256:")
	if len(id) != 64 {
		t.Fatalf("podman import %s printed %q, want an image ID", ref, out.String())
	}
	return id
}

// ImportBusybox imports a fresh BusyboxRootfs as ref and returns the image's
// ID.
func (s *Service) ImportBusybox(t testing.TB, ref string) string {
	t.Helper()
	return s.Import(t, BusyboxRootfs(t), ref)
}

// BusyboxRootfs makes a root file system in a new directory under
// t.TempDir: the static busybox in /bin with a symlink for each of its
// applets, and empty /etc, /tmp, /root, /dev, /proc, /sys. The image has no
// configuration; podman gives its containers a default PATH that covers
// /bin. The directory is the test's to change (say, to make a different
// image).
func BusyboxRootfs(t testing.TB) string {
	t.Helper()
	busybox, err := staticBusybox()
	if err != nil {
		t.Fatal(err)
	}
	applets, err := busyboxApplets(busybox)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	if err := writeRootfs(root, busybox, applets); err != nil {
		t.Fatal(err)
	}
	return root
}

// staticBusybox finds a statically linked busybox: the busybox package's
// dynamic one would not run in an image without a C library.
func staticBusybox() (string, error) {
	const hint = "run scripts/install-deps (go tool task deps), which installs busybox-static"
	p, err := exec.LookPath("busybox")
	if err != nil {
		return "", fmt.Errorf("busybox not found: %s", hint)
	}
	f, err := elf.Open(p)
	if err != nil {
		return "", fmt.Errorf("%s: %w", p, err)
	}
	defer f.Close()
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_INTERP {
			return "", fmt.Errorf("%s is dynamically linked (Debian's busybox, not busybox-static): %s", p, hint)
		}
	}
	return p, nil
}

var appletsCache struct {
	sync.Mutex
	m map[string][]string
}

// busyboxApplets lists the applets busybox was built with.
func busyboxApplets(busybox string) ([]string, error) {
	appletsCache.Lock()
	defer appletsCache.Unlock()
	if a, ok := appletsCache.m[busybox]; ok {
		return a, nil
	}
	out, err := exec.Command(busybox, "--list").Output()
	if err != nil {
		return nil, fmt.Errorf("%s --list: %w", busybox, err)
	}
	var applets []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		a := strings.TrimSpace(sc.Text())
		// busybox lists itself; a link named busybox would replace the binary.
		if a != "" && a != "busybox" && !strings.Contains(a, "/") {
			applets = append(applets, a)
		}
	}
	if appletsCache.m == nil {
		appletsCache.m = map[string][]string{}
	}
	appletsCache.m[busybox] = applets
	return applets, nil
}

func writeRootfs(root, busybox string, applets []string) error {
	for _, d := range []struct {
		name string
		mode os.FileMode
	}{{"bin", 0o755}, {"etc", 0o755}, {"root", 0o700}, {"dev", 0o755}, {"proc", 0o555}, {"sys", 0o555}, {"tmp", 0o777 | os.ModeSticky}} {
		p := filepath.Join(root, d.name)
		if err := os.Mkdir(p, 0o755); err != nil {
			return err
		}
		if err := os.Chmod(p, d.mode); err != nil {
			return err
		}
	}
	if err := copyFile(filepath.Join(root, "bin", "busybox"), busybox, 0o755); err != nil {
		return err
	}
	for _, a := range applets {
		if err := os.Symlink("busybox", filepath.Join(root, "bin", a)); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(dst, src string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// teardown removes the containers, stops the service and removes its
// directory. It reports problems with t.Errorf: a leak is a failure.
func (s *Service) teardown(t testing.TB) {
	if s.cmd != nil {
		// Through the storage, not the API: works even if the service is
		// wedged. Stops what runs (conmon outlives the service), unmounts
		// the containers' /dev/shm.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		out, err := s.Command(ctx, "rm", "--all", "--force", "--time", "0").CombinedOutput()
		cancel()
		if err != nil {
			t.Errorf("podmantest: removing containers: %v\n%s", err, out)
		}
		s.stop(t)
		// conmon outlives a removed container briefly and then runs
		// `podman … container cleanup` with the storage's options, which
		// would recreate the directory if it ran after RemoveAll.
		if err := awaitProcessesGone(s.Dir, stopGrace); err != nil {
			t.Errorf("podmantest: %v", err)
		}
	}
	if err := unmountUnder(s.Dir); err != nil {
		t.Errorf("podmantest: %v", err)
	}
	if err := os.RemoveAll(s.Dir); err != nil {
		t.Errorf("podmantest: %v", err)
	}
}

// stop ends the service: SIGTERM, then SIGKILL to its process group after
// stopGrace.
func (s *Service) stop(t testing.TB) {
	pgid := s.cmd.Process.Pid
	_ = syscall.Kill(pgid, syscall.SIGTERM)
	timer := time.NewTimer(stopGrace)
	defer timer.Stop()
	select {
	case <-s.exited:
	case <-timer.C:
		t.Errorf("podmantest: podman service ignored SIGTERM for %v; killing it\n%s", stopGrace, s.log.String())
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	<-s.exited
}

// awaitProcessesGone waits until no process has dir in its command line
// (conmon, podman's cleanup) for two scans of /proc in a row, and kills
// whatever is left after timeout.
func awaitProcessesGone(dir string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	clean := 0
	for clean < 2 {
		pids := processesMentioning(dir)
		if len(pids) > 0 {
			clean = 0
		} else {
			clean++
		}
		if time.Now().After(deadline) {
			for _, pid := range pids {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
			return fmt.Errorf("processes %v still used %s after %v; killed them", pids, dir, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}

// processesMentioning returns the processes whose command line holds a
// path under dir.
func processesMentioning(dir string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(b, []byte(dir+"/")) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// unmountUnder detaches every mount point under dir, deepest first.
func unmountUnder(dir string) error {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return err
	}
	defer f.Close()
	var points []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		p := unescapeMountPath(fields[4])
		if p == dir || strings.HasPrefix(p, dir+"/") {
			points = append(points, p)
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	slices.SortFunc(points, func(a, b string) int { return len(b) - len(a) })
	var errs []error
	for _, p := range points {
		if err := syscall.Unmount(p, syscall.MNT_DETACH); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOENT) {
			errs = append(errs, fmt.Errorf("unmount %s: %w", p, err))
		}
	}
	return errors.Join(errs...)
}

// unescapeMountPath undoes mountinfo's octal escapes (\040 for a space).
func unescapeMountPath(p string) string {
	if !strings.Contains(p, `\`) {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '\\' && i+3 < len(p) {
			if c, err := strconv.ParseUint(p[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(c))
				i += 3
				continue
			}
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

// Log returns what the service has printed so far: its errors, for a
// failing test's message.
func (s *Service) Log() string { return s.log.String() }
