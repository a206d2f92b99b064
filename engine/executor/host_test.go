package executor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
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

// helperEnv, when set, makes the test binary a helper process that runs the
// shell script it holds with Host and waits forever: a stand-in for an
// imgpipe that tests kill. helperCgroupEnv is the cgroup directory it makes
// its processes' cgroups under, helperRegistryEnv its registry directory.
const (
	helperEnv         = "IMGPIPE_EXECUTOR_TEST_HELPER_SCRIPT"
	helperCgroupEnv   = "IMGPIPE_EXECUTOR_TEST_HELPER_CGROUP"
	helperRegistryEnv = "IMGPIPE_EXECUTOR_TEST_HELPER_REGISTRY"
	// helperNoWatcherEnv, when set, makes the helper go without a watcher.
	helperNoWatcherEnv = "IMGPIPE_EXECUTOR_TEST_HELPER_NO_WATCHER"
)

func TestMain(m *testing.M) {
	if script := os.Getenv(helperEnv); script != "" {
		procs := trackerIn(os.Getenv(helperCgroupEnv), os.Getenv(helperRegistryEnv))
		procs.noWatcher = os.Getenv(helperNoWatcherEnv) != ""
		err := Host{procs: procs}.Run(context.Background(), Cmd{
			Argv: []string{"sh", "-c", script},
			Env:  pathEnv(),
		})
		fmt.Fprintln(os.Stderr, "helper: Run returned:", err)
		os.Exit(3)
	}
	os.Exit(m.Run())
}

// waitTimeout bounds every wait in these tests; none should come near it.
const waitTimeout = 10 * time.Second

// pathEnv is an environment in which sh finds the usual tools.
func pathEnv(kv ...string) []string {
	return append([]string{"PATH=" + os.Getenv("PATH")}, kv...)
}

// waitContains waits until b holds s.
func waitContains(t *testing.T, b *syncbuf.Buffer, s string) {
	t.Helper()
	if !b.WaitFor(s, waitTimeout) {
		t.Fatalf("output %q does not contain %q after %v", b.String(), s, waitTimeout)
	}
}

// goRun starts Host.Run in a goroutine and returns its result channel.
func goRun(ctx context.Context, cmd Cmd) <-chan error {
	errc := make(chan error, 1)
	go func() { errc <- Host{}.Run(ctx, cmd) }()
	return errc
}

// result waits for Run to return.
func result(t *testing.T, errc <-chan error) error {
	t.Helper()
	select {
	case err := <-errc:
		return err
	case <-time.After(waitTimeout):
		t.Fatalf("Run did not return within %v", waitTimeout)
		return nil
	}
}

// poll waits until cond holds.
func poll(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", waitTimeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitPid waits until a process has written a pid and a newline to path.
func waitPid(t *testing.T, path string) int {
	t.Helper()
	var pid int
	poll(t, "pid in "+path, func() bool {
		b, err := os.ReadFile(path)
		if err != nil || !bytes.HasSuffix(b, []byte("\n")) {
			return false
		}
		pid, err = strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return true
	})
	return pid
}

// processGone reports whether pid is dead: gone, or a zombie. Orphans are
// reparented to PID 1, which need not reap them (in containers it often
// does not).
func processGone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return errors.Is(err, fs.ErrNotExist)
	}
	// pid (comm) state ...; comm may hold spaces and parentheses.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 >= len(s) {
		return false
	}
	return s[i+2] == 'Z' || s[i+2] == 'X'
}

// waitGone waits until pid is dead, and kills it if it does not die.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !processGone(pid) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("process %d still alive %v later", pid, waitTimeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func mkfifo(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
}

// writeFifo writes s to the fifo at path once a process has opened it for
// reading.
func writeFifo(t *testing.T, path, s string) {
	t.Helper()
	var fd int
	poll(t, "a reader on "+path, func() bool {
		var err error
		fd, err = syscall.Open(path, syscall.O_WRONLY|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
		if errors.Is(err, syscall.ENXIO) {
			return false // no reader yet
		}
		if err != nil {
			t.Fatal(err)
		}
		return true
	})
	defer syscall.Close(fd)
	if _, err := syscall.Write(fd, []byte(s)); err != nil {
		t.Fatal(err)
	}
}

func TestHostIdentity(t *testing.T) {
	if got := (Host{}).Identity(); got != "host" {
		t.Errorf("Identity() = %q, want %q", got, "host")
	}
}

func TestRunExitStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		argv    []string
		code    int
		signal  string
		message string
	}{
		{argv: []string{"true"}},
		{argv: []string{"false"}, code: 1, message: `"false" exited with status 1`},
		{argv: []string{"sh", "-c", "exit 42"}, code: 42, message: `"sh" exited with status 42`},
		{argv: []string{"sh", "-c", "kill -KILL $$"}, code: -1, signal: "KILL", message: `"sh" killed by signal KILL`},
		{argv: []string{"sh", "-c", "kill -TERM $$"}, code: -1, signal: "TERM", message: `"sh" killed by signal TERM`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.argv, " "), func(t *testing.T) {
			t.Parallel()
			argv := slices.Clone(tt.argv)
			err := Host{}.Run(t.Context(), Cmd{Argv: argv, Env: pathEnv(), OutputDir: t.TempDir()})
			if tt.message == "" {
				if err != nil {
					t.Fatalf("Run: %v", err)
				}
				return
			}
			var ee *ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("Run returned %v (%T), want an *ExitError", err, err)
			}
			argv[0] = "changed" // the error keeps its own copy
			if !slices.Equal(ee.Argv, tt.argv) || ee.Code != tt.code || ee.Signal != tt.signal {
				t.Errorf("ExitError{Argv: %q, Code: %d, Signal: %q}, want {%q, %d, %q}",
					ee.Argv, ee.Code, ee.Signal, tt.argv, tt.code, tt.signal)
			}
			if err.Error() != tt.message {
				t.Errorf("Error() = %q, want %q", err, tt.message)
			}
			var xe *exec.ExitError
			if !errors.As(err, &xe) {
				t.Fatalf("%v does not unwrap to an *exec.ExitError", err)
			}
			if xe.ExitCode() != tt.code {
				t.Errorf("exec.ExitError.ExitCode() = %d, want %d", xe.ExitCode(), tt.code)
			}
		})
	}
}

func TestExitErrorMessage(t *testing.T) {
	for _, tt := range []struct {
		err  *ExitError
		want string
	}{
		{&ExitError{Argv: []string{"mkfs.ext4", "-q"}, Code: 1}, `"mkfs.ext4" exited with status 1`},
		{&ExitError{Argv: []string{"qemu-img"}, Code: -1, Signal: "KILL"}, `"qemu-img" killed by signal KILL`},
		{&ExitError{Code: 2}, `"" exited with status 2`},
	} {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
		if tt.err.Unwrap() != nil {
			t.Errorf("Unwrap() = %v, want nil", tt.err.Unwrap())
		}
	}
}

func TestRunEnvIsExactlyCmdEnv(t *testing.T) {
	t.Setenv("IMGPIPE_EXECUTOR_LEAK", "leaked") // must not reach the process
	for _, tt := range []struct {
		name string
		env  []string
		want string
	}{
		{"nil", nil, ""},
		{"empty", []string{}, ""},
		{"given", []string{"A=1", "B=two words", "EMPTY="}, "A=1\nB=two words\nEMPTY=\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := Host{}.Run(t.Context(), Cmd{Argv: []string{"env"}, Env: tt.env, OutputDir: t.TempDir(), Stdout: &out})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if out.String() != tt.want {
				t.Errorf("env printed %q, want %q", out.String(), tt.want)
			}
		})
	}
}

func TestRunLooksUpPathFromEnv(t *testing.T) {
	t.Parallel()
	bin, other, noexec := t.TempDir(), t.TempDir(), t.TempDir()
	script := "#!/bin/sh\necho \"$0\" \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "imgpipe-tool"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(noexec, "imgpipe-tool"), []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	tool := filepath.Join(bin, "imgpipe-tool")
	for _, tt := range []struct {
		name string
		env  []string
		argv string
		dir  string
		want string // output, or "" for not found
	}{
		{name: "PATH in env", env: []string{"PATH=" + other + ":" + bin}, argv: "imgpipe-tool", want: tool + " x\n"},
		{name: "last PATH wins", env: []string{"PATH=" + other, "PATH=" + bin}, argv: "imgpipe-tool", want: tool + " x\n"},
		{name: "skips non-executable", env: []string{"PATH=" + noexec + ":" + bin}, argv: "imgpipe-tool", want: tool + " x\n"},
		{name: "skips directories", env: []string{"PATH=" + filepath.Dir(bin) + ":" + bin}, argv: filepath.Base(bin), want: ""},
		{name: "not in env PATH", env: []string{"PATH=" + other}, argv: "true", want: ""},
		{name: "empty env PATH", env: []string{"PATH="}, argv: "true", want: ""},
		{name: "relative PATH entries skipped", env: []string{"PATH=.:bin:"}, argv: "imgpipe-tool", dir: bin, want: ""},
		{name: "host PATH if env has none", env: []string{"PATHX=" + bin}, argv: "echo", want: "x\n"},
		{name: "absolute", env: nil, argv: tool, want: tool + " x\n"},
		{name: "relative to Dir", env: nil, argv: "./imgpipe-tool", dir: bin, want: "./imgpipe-tool x\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			err := Host{}.Run(t.Context(), Cmd{Argv: []string{tt.argv, "x"}, Env: tt.env, Dir: tt.dir, OutputDir: t.TempDir(), Stdout: &out})
			if tt.want == "" {
				if !errors.Is(err, exec.ErrNotFound) || !strings.Contains(fmt.Sprint(err), strconv.Quote(tt.argv)) {
					t.Fatalf("Run returned %v, want exec.ErrNotFound naming %q", err, tt.argv)
				}
				return
			}
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if out.String() != tt.want {
				t.Errorf("output %q, want %q", out.String(), tt.want)
			}
		})
	}
}

func TestRunDir(t *testing.T) {
	t.Parallel()
	outDir, dir := t.TempDir(), t.TempDir()
	for _, tt := range []struct {
		name           string
		dir, outputDir string
		want           string
	}{
		{"OutputDir by default", "", outDir, outDir},
		{"Dir over OutputDir", dir, outDir, dir},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			err := Host{}.Run(t.Context(), Cmd{Argv: []string{"pwd", "-P"}, Dir: tt.dir, OutputDir: tt.outputDir, Stdout: &out})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			want, err := filepath.EvalSymlinks(tt.want)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSuffix(out.String(), "\n"); got != want {
				t.Errorf("ran in %q, want %q", got, want)
			}
		})
	}
	t.Run("missing", func(t *testing.T) {
		t.Parallel()
		missing := filepath.Join(t.TempDir(), "missing")
		err := Host{}.Run(t.Context(), Cmd{Argv: []string{"true"}, OutputDir: missing})
		var ee *ExitError
		if err == nil || errors.As(err, &ee) || !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), `"true"`) {
			t.Fatalf("Run returned %v, want a start error naming %q", err, "true")
		}
	})
}

func TestRunStreamsOutput(t *testing.T) {
	t.Parallel()
	fifo := filepath.Join(t.TempDir(), "fifo")
	mkfifo(t, fifo)
	stdout, stderr := new(syncbuf.Buffer), new(syncbuf.Buffer)
	errc := goRun(t.Context(), Cmd{
		Argv:      []string{"sh", "-c", `echo out-ready; echo err-ready >&2; read line < "$1"; echo "got $line"; echo "err $line" >&2`, "sh", fifo},
		Env:       pathEnv(),
		OutputDir: t.TempDir(),
		Stdout:    stdout,
		Stderr:    stderr,
	})
	// The process cannot finish before the fifo is written: output seen
	// now was streamed while it runs.
	waitContains(t, stdout, "out-ready\n")
	waitContains(t, stderr, "err-ready\n")
	select {
	case err := <-errc:
		t.Fatalf("Run returned %v before the process was unblocked", err)
	default:
	}
	writeFifo(t, fifo, "go\n")
	if err := result(t, errc); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got, want := stdout.String(), "out-ready\ngot go\n"; got != want {
		t.Errorf("stdout %q, want %q", got, want)
	}
	if got, want := stderr.String(), "err-ready\nerr go\n"; got != want {
		t.Errorf("stderr %q, want %q", got, want)
	}
}

func TestRunSameWriterForStdoutAndStderr(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer // not safe for concurrent use: -race would notice
	err := Host{}.Run(t.Context(), Cmd{
		Argv:      []string{"sh", "-c", `for i in 1 2 3 4 5; do echo out$i; echo err$i >&2; done`},
		OutputDir: t.TempDir(),
		Stdout:    &out,
		Stderr:    &out,
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := "out1\nerr1\nout2\nerr2\nout3\nerr3\nout4\nerr4\nout5\nerr5\n"
	if out.String() != want {
		t.Errorf("output %q, want %q", out.String(), want)
	}
}

func TestRunFileStreams(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in, err := os.Create(filepath.Join(dir, "in"))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if _, err := in.WriteString("from a file\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := in.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(filepath.Join(dir, "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	err = Host{}.Run(t.Context(), Cmd{Argv: []string{"sh", "-c", "cat; echo err >&2"}, OutputDir: dir, Stdin: in, Stdout: out, Stderr: out})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	b, err := os.ReadFile(out.Name())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), "from a file\nerr\n"; got != want {
		t.Errorf("output %q, want %q", got, want)
	}
}

// blockingReader blocks in Read until unblock is closed.
type blockingReader struct{ unblock chan struct{} }

func (r blockingReader) Read([]byte) (int, error) {
	<-r.unblock
	return 0, io.EOF
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestRunStdin(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	unblock := make(chan struct{})
	t.Cleanup(func() { close(unblock) })
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB, more than a pipe holds
	for _, tt := range []struct {
		name    string
		argv    []string
		stdin   io.Reader
		want    string
		wantErr error
	}{
		{name: "reader", argv: []string{"cat"}, stdin: strings.NewReader("hello\nworld\n"), want: "hello\nworld\n"},
		{name: "nil is empty", argv: []string{"cat"}, stdin: nil, want: ""},
		{name: "big", argv: []string{"wc", "-c"}, stdin: bytes.NewReader(big), want: fmt.Sprintln(len(big))},
		{name: "not read", argv: []string{"true"}, stdin: bytes.NewReader(big), want: ""},
		{name: "blocked reader not waited for", argv: []string{"true"}, stdin: blockingReader{unblock}, want: ""},
		{name: "reader error", argv: []string{"cat"}, stdin: io.MultiReader(strings.NewReader("part"), errReader{boom}), want: "part", wantErr: boom},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			err := Host{}.Run(t.Context(), Cmd{Argv: tt.argv, Env: pathEnv(), OutputDir: t.TempDir(), Stdin: tt.stdin, Stdout: &out})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("Run returned %v, want %v", err, tt.wantErr)
				}
			} else if err != nil {
				t.Errorf("Run: %v", err)
			}
			if got := strings.TrimLeft(out.String(), " "); got != tt.want {
				t.Errorf("output %q, want %q", got, tt.want)
			}
		})
	}
}

type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

func TestRunWriterError(t *testing.T) {
	t.Parallel()
	full := errors.New("disk full")
	t.Run("exit 0", func(t *testing.T) {
		t.Parallel()
		err := Host{}.Run(t.Context(), Cmd{Argv: []string{"echo", "hi"}, OutputDir: t.TempDir(), Stdout: failingWriter{full}})
		if !errors.Is(err, full) {
			t.Fatalf("Run returned %v, want %v", err, full)
		}
	})
	t.Run("keeps writing", func(t *testing.T) {
		t.Parallel()
		// Far more than a pipe holds: the process must not block once the
		// writer has failed.
		errc := goRun(t.Context(), Cmd{Argv: []string{"head", "-c", "100000000", "/dev/zero"}, OutputDir: t.TempDir(), Stderr: failingWriter{full}, Stdout: failingWriter{full}})
		err := result(t, errc)
		var ee *ExitError
		if !errors.Is(err, full) && !errors.As(err, &ee) {
			t.Fatalf("Run returned %v, want %v or an *ExitError", err, full)
		}
	})
}

func TestRunOwnProcessGroup(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	// $$ is the main process; cut, a child of it, prints its own group.
	err := Host{}.Run(t.Context(), Cmd{
		Argv:      []string{"sh", "-c", `echo $$; cut -d " " -f 5 /proc/self/stat`},
		Env:       pathEnv(),
		OutputDir: t.TempDir(),
		Stdout:    &out,
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	f := strings.Fields(out.String())
	if len(f) != 2 || f[0] != f[1] {
		t.Fatalf("pid and child's process group %q, want two equal numbers", f)
	}
	if f[1] == strconv.Itoa(syscall.Getpgrp()) {
		t.Errorf("process group %s is the test's", f[1])
	}
}

func TestRunCancelKillsGrandchild(t *testing.T) {
	t.Parallel()
	pidfile := filepath.Join(t.TempDir(), "pid")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	out := new(syncbuf.Buffer)
	// The background sleep holds the stdout pipe open too.
	errc := goRun(ctx, Cmd{
		Argv:      []string{"sh", "-c", `sleep 300 & echo $! > "$1"; wait`, "sh", pidfile},
		Env:       pathEnv(),
		OutputDir: t.TempDir(),
		Stdout:    out,
		Stderr:    out,
	})
	pid := waitPid(t, pidfile)
	start := time.Now()
	cancel()
	err := result(t, errc)
	if elapsed := time.Since(start); elapsed > termGrace {
		t.Errorf("Run returned %v after cancel; sh and sleep die on SIGTERM", elapsed)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v, want context.Canceled", err)
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		t.Errorf("Run returned an *ExitError: %v", err)
	}
	waitGone(t, pid)
}

func TestRunCancelSendsSIGTERMFirst(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pidfile, marker := filepath.Join(dir, "pid"), filepath.Join(dir, "marker")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	errc := goRun(ctx, Cmd{
		Argv:      []string{"sh", "-c", `trap 'echo TERM > "$2"; exit 0' TERM; echo $$ > "$1"; sleep 300 & wait`, "sh", pidfile, marker},
		Env:       pathEnv(),
		OutputDir: dir,
	})
	waitPid(t, pidfile)
	cancel()
	err := result(t, errc)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v, want context.Canceled even though the process exited 0", err)
	}
	if b, err := os.ReadFile(marker); err != nil || string(b) != "TERM\n" {
		t.Errorf("marker %q, %v; want the TERM trap to have run", b, err)
	}
}

func TestRunCancelEscalatesToSIGKILL(t *testing.T) {
	t.Parallel()
	pidfile := filepath.Join(t.TempDir(), "pid")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	// Both the shell and its child ignore SIGTERM (ignored signals stay
	// ignored across fork and exec).
	errc := goRun(ctx, Cmd{
		Argv:      []string{"sh", "-c", `trap '' TERM; sleep 300 & echo $! > "$1"; wait`, "sh", pidfile},
		Env:       pathEnv(),
		OutputDir: t.TempDir(),
		Stdout:    new(syncbuf.Buffer),
	})
	pid := waitPid(t, pidfile)
	start := time.Now()
	cancel()
	err := result(t, errc)
	if elapsed := time.Since(start); elapsed < termGrace {
		t.Errorf("Run returned %v after cancel, before the SIGTERM grace of %v", elapsed, termGrace)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v, want context.Canceled", err)
	}
	waitGone(t, pid)
}

func TestRunTimeout(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := result(t, goRun(ctx, Cmd{Argv: []string{"sleep", "300"}, OutputDir: t.TempDir(), Stdout: new(syncbuf.Buffer)}))
	if elapsed := time.Since(start); elapsed > termGrace {
		t.Errorf("Run returned after %v", elapsed)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Run returned %v, want context.DeadlineExceeded", err)
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		t.Errorf("Run returned an *ExitError: %v", err)
	}
}

func TestRunCancelCause(t *testing.T) {
	t.Parallel()
	pidfile := filepath.Join(t.TempDir(), "pid")
	ctx, cancel := context.WithCancelCause(t.Context())
	defer cancel(nil)
	errc := goRun(ctx, Cmd{Argv: []string{"sh", "-c", `echo $$ > "$1"; exec sleep 300`, "sh", pidfile}, Env: pathEnv(), OutputDir: t.TempDir()})
	pid := waitPid(t, pidfile)
	cause := errors.New("shutting down")
	cancel(cause)
	err := result(t, errc)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, cause) {
		t.Errorf("Run returned %v, want both context.Canceled and %v", err, cause)
	}
	waitGone(t, pid)
}

func TestRunContextDoneBeforeStart(t *testing.T) {
	t.Parallel()
	marker := filepath.Join(t.TempDir(), "marker")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := Host{}.Run(ctx, Cmd{Argv: []string{"touch", marker}, OutputDir: t.TempDir()})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v, want context.Canceled", err)
	}
	if _, err := os.Stat(marker); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the process ran: stat %s: %v", marker, err)
	}
}

func TestRunKillsLeftoversAfterExit(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		stdout func() io.Writer
	}{
		{"holding the output pipe", func() io.Writer { return new(syncbuf.Buffer) }},
		{"output discarded", func() io.Writer { return nil }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pidfile := filepath.Join(t.TempDir(), "pid")
			err := result(t, goRun(t.Context(), Cmd{
				Argv:      []string{"sh", "-c", `sleep 300 & echo $! > "$1"`, "sh", pidfile},
				Env:       pathEnv(),
				OutputDir: t.TempDir(),
				Stdout:    tt.stdout(),
			}))
			// Had the sleep not been killed, its stdout would have made Run
			// fail with exec.ErrWaitDelay.
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			waitGone(t, waitPid(t, pidfile))
		})
	}
}

func TestRunWithoutCgroupEscapedProcessHoldingOutput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo, pidfile := filepath.Join(dir, "fifo"), filepath.Join(dir, "pid")
	mkfifo(t, fifo)
	out := new(syncbuf.Buffer)
	// The inner shell leaves the group with setsid, reports its pid through
	// the fifo only then, and becomes a sleep that holds stdout open.
	// Without a cgroup (which would end it), it escapes.
	errc := make(chan error, 1)
	host := Host{procs: trackerIn(notCgroup(t), t.TempDir())}
	go func() {
		errc <- host.Run(t.Context(), Cmd{
			Argv: []string{"sh", "-c",
				`setsid sh -c 'echo $$ > "$0"; exec sleep 300' "$1" & read p < "$1"; echo "$p" > "$2"; echo done`,
				"sh", fifo, pidfile},
			Env:       pathEnv(),
			OutputDir: dir,
			Stdout:    out,
		})
	}()
	err := result(t, errc)
	pid := waitPid(t, pidfile)
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
	if !errors.Is(err, exec.ErrWaitDelay) {
		t.Errorf("Run returned %v, want exec.ErrWaitDelay", err)
	}
	if got := out.String(); got != "done\n" {
		t.Errorf("output %q, want %q", got, "done\n")
	}
	if processGone(pid) {
		t.Errorf("process %d that left the group is dead; the test proves nothing", pid)
	}
}

func TestRunMissingProgram(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "imgpipe-no-such-program")
	for _, tt := range []struct {
		name string
		want error
	}{
		{"imgpipe-no-such-program", exec.ErrNotFound},
		{missing, fs.ErrNotExist},
		{"", exec.ErrNotFound},
	} {
		err := Host{}.Run(t.Context(), Cmd{Argv: []string{tt.name}, OutputDir: t.TempDir()})
		if !errors.Is(err, tt.want) || !strings.Contains(fmt.Sprint(err), strconv.Quote(tt.name)) && !strings.Contains(fmt.Sprint(err), tt.name+":") {
			t.Errorf("Run(%q) returned %v, want %v naming the program", tt.name, err, tt.want)
		}
		var ee *ExitError
		if errors.As(err, &ee) {
			t.Errorf("Run(%q) returned an *ExitError", tt.name)
		}
	}
}

func TestRunEmptyArgv(t *testing.T) {
	t.Parallel()
	for _, argv := range [][]string{nil, {}} {
		err := Host{}.Run(t.Context(), Cmd{Argv: argv, OutputDir: t.TempDir()})
		if !errors.Is(err, errEmptyArgv) {
			t.Errorf("Run(%#v) returned %v, want %v", argv, err, errEmptyArgv)
		}
	}
}

func TestRunConcurrent(t *testing.T) {
	t.Parallel()
	const n = 16
	var wg sync.WaitGroup
	outs := make([]bytes.Buffer, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = Host{}.Run(t.Context(), Cmd{
				Argv:      []string{"sh", "-c", `echo "$1"; echo "err $1" >&2`, "sh", strconv.Itoa(i)},
				OutputDir: t.TempDir(),
				Stdout:    &outs[i],
				Stderr:    io.Discard,
			})
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Errorf("Run %d: %v", i, errs[i])
		}
		if got, want := outs[i].String(), fmt.Sprintln(i); got != want {
			t.Errorf("Run %d printed %q, want %q", i, got, want)
		}
	}
}

// TestRunPdeathsig kills a process that is running Host.Run, as imgpipe could
// be, and checks that the process Run started dies with it.
func TestRunPdeathsig(t *testing.T) {
	t.Parallel()
	pidfile := filepath.Join(t.TempDir(), "pid")
	helper := startHelper(t, `echo $$ > `+pidfile+`; exec sleep 300`, t.TempDir(), t.TempDir(), true)
	pid := waitPid(t, pidfile)
	helper.kill(t)
	waitGone(t, pid)
}
