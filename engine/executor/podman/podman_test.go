//go:build remote

package podman

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/imgpipe/imgpipe/engine/executor"
	"github.com/imgpipe/imgpipe/internal/podmantest"
	"github.com/imgpipe/imgpipe/internal/syncbuf"
)

// patience bounds every wait for the container to do something; it is a
// deadline for a failing test, never a delay in a passing one.
const patience = time.Minute

const busybox = "localhost/busybox:test"

// newService starts a private podman service with the busybox image.
func newService(t *testing.T) *podmantest.Service {
	t.Helper()
	svc := podmantest.Start(t)
	svc.ImportBusybox(t, busybox)
	return svc
}

func newExecutor(t *testing.T, svc *podmantest.Service, opts Options) *Executor {
	t.Helper()
	opts.Connection = svc.URI
	if opts.Image == "" {
		opts.Image = busybox
	}
	e, err := New(t.Context(), opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return e
}

func run(t *testing.T, e *Executor, cmd executor.Cmd) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if cmd.OutputDir == "" {
		cmd.OutputDir = t.TempDir()
	}
	err = e.Run(t.Context(), cmd)
	return out.String(), errOut.String(), err
}

// TestRun runs processes on one service and checks, at the end, that no
// container is left.
func TestRun(t *testing.T) {
	t.Parallel()
	svc := newService(t)
	e := newExecutor(t, svc, Options{})
	t.Run("group", func(t *testing.T) {
		t.Run("mounts", func(t *testing.T) { t.Parallel(); testMounts(t, e) })
		t.Run("env", func(t *testing.T) { t.Parallel(); testEnv(t, e) })
		t.Run("exit codes", func(t *testing.T) { t.Parallel(); testExitCodes(t, e) })
		t.Run("workdir", func(t *testing.T) { t.Parallel(); testWorkdir(t, e) })
		t.Run("stdio", func(t *testing.T) { t.Parallel(); testStdio(t, e) })
		t.Run("writer error", func(t *testing.T) { t.Parallel(); testWriterError(t, e) })
		t.Run("missing program", func(t *testing.T) { t.Parallel(); testMissingProgram(t, e) })
		t.Run("concurrent", func(t *testing.T) { t.Parallel(); testConcurrent(t, e) })
	})
	if cs := svc.Containers(t); len(cs) != 0 {
		t.Errorf("containers left: %+v", cs)
	}
}

func testMounts(t *testing.T, e *Executor) {
	inDir := t.TempDir()
	in := filepath.Join(inDir, "input.txt")
	if err := os.WriteFile(in, []byte("from the host\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tree := filepath.Join(t.TempDir(), "tree")
	if err := os.MkdirAll(filepath.Join(tree, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tree, "sub", "f"), []byte("deep\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	outDir := t.TempDir()
	stdout, stderr, err := run(t, e, executor.Cmd{
		Argv:      []string{"sh", "-c", `cat "$1" "$2/sub/f"; cp "$1" "$3/copy.txt"; echo made > "$3/result"`, "sh", in, tree, outDir},
		Inputs:    []string{in, tree},
		OutputDir: outDir,
	})
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, stderr)
	}
	if stdout != "from the host\ndeep\n" {
		t.Errorf("inputs read as %q", stdout)
	}
	for name, want := range map[string]string{"copy.txt": "from the host\n", "result": "made\n"} {
		if b, err := os.ReadFile(filepath.Join(outDir, name)); err != nil || string(b) != want {
			t.Errorf("output %s: %q, %v; want %q", name, b, err, want)
		}
	}

	t.Run("inputs are read-only", func(t *testing.T) {
		_, _, err := run(t, e, executor.Cmd{Argv: []string{"sh", "-c", `echo x > "$1"`, "sh", in}, Inputs: []string{in}})
		var ee *executor.ExitError
		if !errors.As(err, &ee) {
			t.Errorf("writing an input: Run returned %v, want an *ExitError", err)
		}
		if b, _ := os.ReadFile(in); string(b) != "from the host\n" {
			t.Errorf("input changed to %q", b)
		}
	})
	t.Run("undeclared paths are not there", func(t *testing.T) {
		stdout, _, err := run(t, e, executor.Cmd{Argv: []string{"sh", "-c", `test -e "$1" && echo visible || echo absent`, "sh", in}})
		if err != nil || stdout != "absent\n" {
			t.Errorf("undeclared input: %q, %v; want absent", stdout, err)
		}
	})
}

func testEnv(t *testing.T, e *Executor) {
	stdout, _, err := run(t, e, executor.Cmd{
		Argv: []string{"sh", "-c", `echo "$GREETING|$EMPTY|$LATER"`},
		Env:  []string{"GREETING=hello world", "EMPTY=", "LATER=first", "LATER=second"},
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if want := "hello world||second\n"; stdout != want {
		t.Errorf("env printed %q, want %q", stdout, want)
	}
	_, _, err = run(t, e, executor.Cmd{Argv: []string{"true"}, Env: []string{"NOEQUALS"}})
	if err == nil || !strings.Contains(err.Error(), "NOEQUALS") {
		t.Errorf("Run with env entry without '=': %v", err)
	}
}

func testExitCodes(t *testing.T, e *Executor) {
	for _, code := range []int{0, 1, 3, 42} {
		_, _, err := run(t, e, executor.Cmd{Argv: []string{"sh", "-c", "exit $1", "sh", strconv.Itoa(code)}})
		if code == 0 {
			if err != nil {
				t.Errorf("exit 0: Run returned %v", err)
			}
			continue
		}
		var ee *executor.ExitError
		if !errors.As(err, &ee) {
			t.Errorf("exit %d: Run returned %v, want an *ExitError", code, err)
			continue
		}
		if ee.Code != code || ee.Argv[0] != "sh" || ee.Signal != "" {
			t.Errorf("exit %d: ExitError %+v", code, ee)
		}
	}
}

func testWorkdir(t *testing.T, e *Executor) {
	out := t.TempDir()
	stdout, _, err := run(t, e, executor.Cmd{Argv: []string{"pwd"}, OutputDir: out})
	if err != nil || stdout != out+"\n" {
		t.Errorf("default workdir: %q, %v; want the OutputDir %s", stdout, err, out)
	}
	stdout, _, err = run(t, e, executor.Cmd{Argv: []string{"pwd"}, Dir: "/tmp", OutputDir: out})
	if err != nil || stdout != "/tmp\n" {
		t.Errorf("Dir /tmp: %q, %v", stdout, err)
	}
}

func testStdio(t *testing.T, e *Executor) {
	stdout, stderr, err := run(t, e, executor.Cmd{Argv: []string{"sh", "-c", "echo out; echo err >&2"}})
	if err != nil || stdout != "out\n" || stderr != "err\n" {
		t.Errorf("stdout %q, stderr %q, %v", stdout, stderr, err)
	}
	stdout, _, err = run(t, e, executor.Cmd{Argv: []string{"cat"}, Stdin: strings.NewReader("line 1\nline 2\n")})
	if err != nil || stdout != "line 1\nline 2\n" {
		t.Errorf("stdin through cat: %q, %v", stdout, err)
	}
	// ctrl-p ctrl-q, podman's default detach keys, are data.
	stdout, _, err = run(t, e, executor.Cmd{Argv: []string{"cat"}, Stdin: strings.NewReader("a\x10\x11b\n")})
	if err != nil || stdout != "a\x10\x11b\n" {
		t.Errorf("detach keys through cat: %q, %v", stdout, err)
	}
	stdout, _, err = run(t, e, executor.Cmd{Argv: []string{"cat"}})
	if err != nil || stdout != "" {
		t.Errorf("no stdin: %q, %v; want an empty stdin", stdout, err)
	}
	big := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB
	stdout, _, err = run(t, e, executor.Cmd{Argv: []string{"cat"}, Stdin: strings.NewReader(big)})
	if err != nil || stdout != big {
		t.Errorf("1 MiB through cat: %d bytes back, %v", len(stdout), err)
	}
	// Writers that are not pointers (containers.Attach would panic).
	var ws lineCounter
	err = e.Run(t.Context(), executor.Cmd{Argv: []string{"sh", "-c", "echo a; echo b"}, OutputDir: t.TempDir(), Stdout: ws})
	if err != nil {
		t.Errorf("non-pointer writer: %v", err)
	}
	err = e.Run(t.Context(), executor.Cmd{Argv: []string{"echo", "discarded"}, OutputDir: t.TempDir()})
	if err != nil {
		t.Errorf("nil writers: %v", err)
	}
}

// lineCounter is a writer that is not a pointer.
type lineCounter struct{}

func (lineCounter) Write(p []byte) (int, error) { return len(p), nil }

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func testWriterError(t *testing.T, e *Executor) {
	full := errors.New("disk full")
	// Far more output than any buffer holds: the process must not block
	// once the writer has failed.
	err := e.Run(t.Context(), executor.Cmd{
		Argv:      []string{"head", "-c", "100000000", "/dev/zero"},
		OutputDir: t.TempDir(),
		Stdout:    failingWriter{full},
	})
	if !errors.Is(err, full) {
		t.Errorf("Run returned %v, want %v", err, full)
	}
}

func testMissingProgram(t *testing.T, e *Executor) {
	_, _, err := run(t, e, executor.Cmd{Argv: []string{"imgpipe-no-such-program"}})
	if err == nil || !strings.Contains(err.Error(), "imgpipe-no-such-program") {
		t.Errorf("Run returned %v, want an error naming the program", err)
	}
	t.Logf("missing program: %v", err)
	if _, _, err := run(t, e, executor.Cmd{}); !errors.Is(err, errEmptyArgv) {
		t.Errorf("empty argv: %v", err)
	}
}

func testConcurrent(t *testing.T, e *Executor) {
	const n = 4
	var wg sync.WaitGroup
	outs := make([]bytes.Buffer, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = e.Run(t.Context(), executor.Cmd{
				Argv:      []string{"sh", "-c", `echo "$N"`},
				Env:       []string{"N=" + string(rune('a'+i))},
				OutputDir: t.TempDir(),
				Stdout:    &outs[i],
			})
		})
	}
	wg.Wait()
	for i := range n {
		if want := string(rune('a'+i)) + "\n"; errs[i] != nil || outs[i].String() != want {
			t.Errorf("Run %d: %q, %v; want %q", i, outs[i].String(), errs[i], want)
		}
	}
}

// TestStreaming checks that output arrives while the process runs: the
// process prints a line and then blocks on a fifo that the test opens only
// once it has seen the line.
func TestStreaming(t *testing.T) {
	t.Parallel()
	svc := newService(t)
	e := newExecutor(t, svc, Options{})
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	out := new(syncbuf.Buffer)
	errc := make(chan error, 1)
	go func() {
		errc <- e.Run(t.Context(), executor.Cmd{
			Argv:      []string{"sh", "-c", `echo ready; read x < "$1"; echo "got $x"`, "sh", fifo},
			OutputDir: dir,
			Stdout:    out,
		})
	}()
	waitFor(t, out, "ready\n")
	if err := os.WriteFile(fifo, []byte("go\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got := out.String(); got != "ready\ngot go\n" {
		t.Errorf("output %q", got)
	}
}

// TestCancel cancels a Run while its process runs: Run returns at once with
// the context's error and leaves no container behind.
func TestCancel(t *testing.T) {
	t.Parallel()
	svc := newService(t)
	e := newExecutor(t, svc, Options{})
	ctx, cancel := context.WithCancelCause(t.Context())
	defer cancel(nil)
	out := new(syncbuf.Buffer)
	errc := make(chan error, 1)
	go func() {
		errc <- e.Run(ctx, executor.Cmd{Argv: []string{"sh", "-c", "echo started; exec sleep 300"}, OutputDir: t.TempDir(), Stdout: out})
	}()
	waitFor(t, out, "started\n")
	if cs := svc.Containers(t); len(cs) != 1 || cs[0].State != "running" || cs[0].Labels[labelKey] != "podman" {
		t.Errorf("while running: containers %+v, want one running with label %s", cs, labelKey)
	}
	cause := errors.New("shutting down")
	start := time.Now()
	cancel(cause)
	var err error
	select {
	case err = <-errc:
	case <-time.After(patience):
		t.Fatal("Run did not return after cancel")
	}
	elapsed := time.Since(start)
	if elapsed > 5*time.Second {
		t.Errorf("Run returned %v after cancel", elapsed)
	}
	t.Logf("Run returned %v after cancel: %v", elapsed, err)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, cause) {
		t.Errorf("Run returned %v, want context.Canceled and the cause", err)
	}
	var ee *executor.ExitError
	if errors.As(err, &ee) {
		t.Errorf("Run returned an *ExitError: %v", err)
	}
	if cs := svc.Containers(t); len(cs) != 0 {
		t.Errorf("containers left after cancel: %+v", cs)
	}
}

func TestContextDoneBeforeStart(t *testing.T) {
	t.Parallel()
	svc := newService(t)
	e := newExecutor(t, svc, Options{})
	ctx, cancel := context.WithTimeout(t.Context(), 0)
	defer cancel()
	out := t.TempDir()
	err := e.Run(ctx, executor.Cmd{Argv: []string{"touch", "marker"}, OutputDir: out})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Run returned %v, want context.DeadlineExceeded", err)
	}
	if _, err := os.Stat(filepath.Join(out, "marker")); err == nil {
		t.Error("the process ran")
	}
	if cs := svc.Containers(t); len(cs) != 0 {
		t.Errorf("containers: %+v", cs)
	}
}

// TestIdentityFollowsTheImage: the image's ID is in Identity, so a changed
// image re-imported under the same name changes it, and an unchanged one
// does not. An Executor keeps running the image it was made with.
func TestIdentityFollowsTheImage(t *testing.T) {
	t.Parallel()
	svc := podmantest.Start(t)
	root := podmantest.BusyboxRootfs(t)
	const ref = "localhost/builder:1"
	id1 := svc.Import(t, root, ref)

	e1 := newExecutor(t, svc, Options{Image: ref})
	again := newExecutor(t, svc, Options{Image: ref})
	if e1.Identity() != again.Identity() {
		t.Errorf("same image, different identities:\n%s\n%s", e1.Identity(), again.Identity())
	}
	if e1.ImageID() != id1 || !strings.Contains(e1.Identity(), "sha256:"+id1) {
		t.Errorf("Identity %q, ImageID %q; want the image's ID %s", e1.Identity(), e1.ImageID(), id1)
	}
	byID := newExecutor(t, svc, Options{Image: id1})
	if byID.Identity() != e1.Identity() {
		t.Errorf("by ID %q, by name %q", byID.Identity(), e1.Identity())
	}

	if err := os.WriteFile(filepath.Join(root, "etc", "version"), []byte("2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	id2 := svc.Import(t, root, ref)
	if id2 == id1 {
		t.Fatal("the changed image has the same ID")
	}
	e2 := newExecutor(t, svc, Options{Image: ref})
	if e2.Identity() == e1.Identity() {
		t.Errorf("changed image, same identity %q", e2.Identity())
	}
	if !strings.Contains(e2.Identity(), "sha256:"+id2) {
		t.Errorf("Identity %q, want the new ID %s", e2.Identity(), id2)
	}

	cat := executor.Cmd{Argv: []string{"sh", "-c", "cat /etc/version 2>/dev/null || echo none"}}
	if out, _, err := run(t, e1, cat); err != nil || out != "none\n" {
		t.Errorf("old executor ran %q, %v; want the old image", out, err)
	}
	if out, _, err := run(t, e2, cat); err != nil || out != "2\n" {
		t.Errorf("new executor ran %q, %v; want the new image", out, err)
	}
}

func TestIdentityOptions(t *testing.T) {
	t.Parallel()
	base := &Executor{imageID: "abc"}
	if got, want := base.Identity(), "podman image=sha256:abc network=none"; got != want {
		t.Errorf("Identity %q, want %q", got, want)
	}
	ids := map[string]bool{base.Identity(): true}
	for _, o := range []Options{
		{Privileged: true},
		{Network: NetworkHost},
		{Devices: []string{"/dev/kvm"}},
		{Devices: []string{"/dev/kvm", "/dev/loop-control"}},
	} {
		id := (&Executor{imageID: "abc", opts: o}).Identity()
		if ids[id] {
			t.Errorf("options %+v: identity %q not unique", o, id)
		}
		ids[id] = true
	}
	a := (&Executor{imageID: "abc", opts: Options{Devices: []string{"/dev/b", "/dev/a", "/dev/a"}}}).Identity()
	b := (&Executor{imageID: "abc", opts: Options{Devices: []string{"/dev/a", "/dev/b"}}}).Identity()
	if a != b {
		t.Errorf("device order or repetition changes the identity: %q, %q", a, b)
	}
	if (&Executor{imageID: "abc", opts: Options{Network: NetworkNone}}).Identity() != base.Identity() {
		t.Error(`Network "none" and "" differ`)
	}
}

// TestImageEntrypointIgnored: Argv is the whole command line, whatever the
// image's ENTRYPOINT and CMD say.
func TestImageEntrypointIgnored(t *testing.T) {
	t.Parallel()
	svc := podmantest.Start(t)
	const ref = "localhost/entry:1"
	svc.Import(t, podmantest.BusyboxRootfs(t), ref, `ENTRYPOINT ["/bin/false"]`, `CMD ["extra"]`, `ENV FROM_IMAGE=yes`)
	e := newExecutor(t, svc, Options{Image: ref})
	stdout, _, err := run(t, e, executor.Cmd{Argv: []string{"sh", "-c", `echo "$0 $FROM_IMAGE"`}})
	if err != nil || stdout != "sh yes\n" {
		t.Errorf("Run printed %q, %v; want the argv alone, with the image's env", stdout, err)
	}
}

func TestPrivilegedAndDevices(t *testing.T) {
	t.Parallel()
	svc := newService(t)
	plain := newExecutor(t, svc, Options{})
	stdout, _, err := run(t, plain, executor.Cmd{Argv: []string{"sh", "-c", "test -e /dev/loop-control && echo yes || echo no"}})
	if err != nil || stdout != "no\n" {
		t.Errorf("unprivileged sees /dev/loop-control: %q, %v", stdout, err)
	}
	dev := newExecutor(t, svc, Options{Devices: []string{"/dev/loop-control"}})
	stdout, _, err = run(t, dev, executor.Cmd{Argv: []string{"sh", "-c", "test -c /dev/loop-control && echo yes || echo no"}})
	if err != nil || stdout != "yes\n" {
		t.Errorf("with Devices /dev/loop-control: %q, %v", stdout, err)
	}
	if _, err := os.Stat("/dev/kvm"); err == nil {
		kvm := newExecutor(t, svc, Options{Devices: []string{"/dev/kvm"}})
		stdout, _, err = run(t, kvm, executor.Cmd{Argv: []string{"sh", "-c", "test -c /dev/kvm && echo yes || echo no"}})
		if err != nil || stdout != "yes\n" {
			t.Errorf("with Devices /dev/kvm: %q, %v", stdout, err)
		}
	}
	priv := newExecutor(t, svc, Options{Privileged: true})
	// A loop device on a file in the output directory, as a stage that
	// builds a disk image would.
	stdout, stderr, err := run(t, priv, executor.Cmd{Argv: []string{"sh", "-c",
		`truncate -s 1M disk.img && dev=$(losetup -f) && losetup "$dev" disk.img && losetup "$dev" && losetup -d "$dev"`}})
	if err != nil || !strings.Contains(stdout, "disk.img") {
		t.Errorf("privileged: loop device: %q, %v\n%s", stdout, err, stderr)
	}
	stdout, _, err = run(t, priv, executor.Cmd{Argv: []string{"sh", "-c", "grep CapEff /proc/self/status | cut -f2"}})
	if want := capBnd(t); err != nil || stdout != want+"\n" {
		t.Errorf("privileged: CapEff %q, %v; want all of the host's, %s", stdout, err, want)
	}
}

func TestNetwork(t *testing.T) {
	t.Parallel()
	svc := newService(t)
	// Without a network only loopback exists.
	none := newExecutor(t, svc, Options{})
	stdout, _, err := run(t, none, executor.Cmd{Argv: []string{"ls", "/sys/class/net"}})
	if err != nil || stdout != "lo\n" {
		t.Errorf("network none: interfaces %q, %v", stdout, err)
	}
	host := newExecutor(t, svc, Options{Network: NetworkHost})
	stdout, _, err = run(t, host, executor.Cmd{Argv: []string{"cat", "/proc/net/dev"}})
	want, _ := os.ReadFile("/proc/net/dev")
	if err != nil || strings.Count(stdout, ":") != strings.Count(string(want), ":") {
		t.Errorf("network host: /proc/net/dev\n%s\n%v; want the host's\n%s", stdout, err, want)
	}
}

// TestNewPullsMissingImage: an image the service does not have is pulled
// from its registry (Debian's docker-registry on loopback, which the
// service's registries.conf marks insecure, as a builder host with a local
// registry would), and then runs.
func TestNewPullsMissingImage(t *testing.T) {
	t.Parallel()
	registry := podmantest.StartRegistry(t)
	svc := podmantest.Start(t, podmantest.InsecureRegistry(registry))
	ref := registry + "/imgpipe/busybox:1"
	svc.ImportBusybox(t, busybox)
	svc.Podman(t, "push", "--quiet", busybox, ref)
	svc.Podman(t, "rmi", busybox)
	if out, err := svc.Command(t.Context(), "image", "exists", ref).CombinedOutput(); err == nil {
		t.Fatalf("%s is still in the service's storage before New: %s", ref, out)
	}

	e := newExecutor(t, svc, Options{Image: ref})
	stdout, _, err := run(t, e, executor.Cmd{Argv: []string{"echo", "pulled"}})
	if err != nil || stdout != "pulled\n" {
		t.Errorf("Run in the pulled image: %q, %v", stdout, err)
	}
	id := strings.TrimSpace(svc.Podman(t, "image", "inspect", "--format", "{{.Id}}", ref))
	if !strings.Contains(e.Identity(), id) {
		t.Errorf("Identity %q does not name the pulled image %s", e.Identity(), id)
	}

	_, err = New(t.Context(), Options{Connection: svc.URI, Image: registry + "/imgpipe/busybox:missing"})
	if err == nil || !strings.Contains(err.Error(), "pulling it failed") || !strings.Contains(err.Error(), "manifest unknown") {
		t.Errorf("a tag the registry lacks: %v, want the pull's error", err)
	}
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	svc := podmantest.Start(t)
	_, err := New(t.Context(), Options{Connection: svc.URI, Image: "localhost:1/imgpipe/missing:1"})
	if err == nil || !strings.Contains(err.Error(), "localhost:1/imgpipe/missing:1") || !strings.Contains(err.Error(), "pulling it failed") {
		t.Errorf("missing image: %v", err)
	}
	t.Logf("missing image: %v", err)
	_, err = New(t.Context(), Options{Connection: svc.URI, Image: "missing-short-name"})
	if err == nil || !strings.Contains(err.Error(), "pulling it failed") {
		t.Errorf("missing short name: %v", err)
	}
	_, err = New(t.Context(), Options{Connection: "unix://" + filepath.Join(t.TempDir(), "no.sock"), Image: busybox})
	if err == nil || !strings.Contains(err.Error(), "connect") {
		t.Errorf("no service: %v", err)
	}
	t.Logf("no service: %v", err)
}

// waitFor waits until b holds s.
func waitFor(t *testing.T, b *syncbuf.Buffer, s string) {
	t.Helper()
	if !b.WaitFor(s, patience) {
		t.Fatalf("output %q does not contain %q after %v", b.String(), s, patience)
	}
}

// capBnd returns the test's capability bounding set as /proc shows it.
func capBnd(t *testing.T) string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "CapBnd:"); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatal("no CapBnd in /proc/self/status")
	return ""
}
