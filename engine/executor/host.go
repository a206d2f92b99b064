package executor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

const (
	// termGrace is how long a process group has, once its context is done,
	// between SIGTERM and SIGKILL.
	termGrace = 2 * time.Second
	// drainGrace is how long Run waits, once every process in the group is
	// dead, for the output pipes to reach EOF. Only a process that left the
	// group (setsid, say) can hold them open that long.
	drainGrace = time.Second
)

var errEmptyArgv = errors.New("empty argv: no program to run")

// Host runs processes directly on the machine imgpipe runs on. The zero value
// is ready to use.
//
// Nothing a process starts outlives it. Each process is started in a process
// group of its own and, where cgroup2 lets imgpipe make cgroups, in a cgroup
// of its own (under imgpipe's, named imgpipe-<pid>-<start>/<n>; clone3 puts
// it there, so no child can fork before it is in). When the process is done:
//
//   - When ctx is done, the group and every process in the cgroup are sent
//     SIGTERM (and SIGCONT, to wake stopped members), then SIGKILL once the
//     main process has exited or after a grace period of a few seconds,
//     whichever comes first.
//   - When the main process exits on its own, whatever is left in its group
//     and cgroup (background jobs, daemons) is killed with SIGKILL.
//   - The cgroup is killed as a whole (cgroup.kill), so a process that left
//     the group (setsid, say) dies too; Run returns once it is empty, and
//     removes it.
//   - If imgpipe itself dies, the kernel kills the main process (PDEATHSIG);
//     a watcher process (see tracker) kills what is left in the cgroups at
//     once, and failing that the next imgpipe's SweepOrphans does: the
//     cgroups of an owner that is gone or, without cgroups, the process
//     group recorded in the registry directory ($XDG_RUNTIME_DIR/imgpipe,
//     /run/imgpipe for root, else imgpipe-<uid> in the temporary directory).
//
// Without cgroups, a process that leaves the group escapes all of this. If it
// still holds a non-*os.File Stdout or Stderr open, Run stops waiting for that
// output a second after the group is gone and returns an error wrapping
// exec.ErrWaitDelay.
//
// Since the group is never the terminal's foreground group, a process that
// reads from a terminal is stopped by SIGTTIN; stages should not be given one
// as Stdin.
//
// The program is looked up in the PATH of Cmd.Env, or in imgpipe's own PATH if
// Cmd.Env has none. Relative directories in PATH are skipped; an Argv[0] with
// a slash in it is used as is, relative to the working directory.
//
// Stdin, Stdout and Stderr that are *os.File are handed to the process as they
// are. Others are copied through pipes; Run returns only once the copies to
// Stdout and Stderr are done, so nothing is written to them after Run returns.
// The copy from Stdin may still be blocked reading Stdin then; what it reads
// after Run returns is discarded.
type Host struct {
	// procs places the processes; nil means hostTracker. Tests set their own.
	procs *tracker
}

var _ Executor = Host{}

// Identity implements Executor.
func (Host) Identity() string { return "host" }

// Run implements Executor. It returns an *ExitError if the process exits with
// a non-zero status or is killed by a signal, and an error wrapping ctx.Err()
// and context.Cause(ctx) if it was stopped because ctx was done.
func (h Host) Run(ctx context.Context, cmd Cmd) error {
	if len(cmd.Argv) == 0 {
		return errEmptyArgv
	}
	argv := slices.Clone(cmd.Argv)
	name := argv[0]
	if ctx.Err() != nil {
		return interrupted(ctx, name)
	}
	path, err := lookPath(name, cmd.Env)
	if err != nil {
		return err
	}
	env := slices.Clone(cmd.Env)
	if env == nil {
		env = []string{} // a nil Env would make os/exec inherit ours
	}
	dir := cmd.Dir
	if dir == "" {
		dir = cmd.OutputDir
	}

	newCmd := func(cg *cgroup) *exec.Cmd {
		c := &exec.Cmd{
			Path: path,
			Args: argv,
			Env:  env,
			Dir:  dir,
			SysProcAttr: &syscall.SysProcAttr{
				Setpgid:   true,
				Pdeathsig: syscall.SIGKILL,
			},
		}
		if cg != nil {
			// clone3 starts it in its cgroup: nothing it starts can fork
			// before it is there.
			c.SysProcAttr.UseCgroupFD = true
			c.SysProcAttr.CgroupFD = int(cg.fd.Fd())
		}
		return c
	}
	c := newCmd(nil)
	var p pipes
	defer p.closeAll()
	if c.Stdin, err = p.reader(cmd.Stdin); err != nil {
		return fmt.Errorf("start %q: %w", name, err)
	}
	if c.Stdout, err = p.writer(cmd.Stdout); err != nil {
		return fmt.Errorf("start %q: %w", name, err)
	}
	if sameWriter(cmd.Stdout, cmd.Stderr) {
		// One pipe, so that at most one Write at a time reaches the writer.
		c.Stderr = c.Stdout
	} else if c.Stderr, err = p.writer(cmd.Stderr); err != nil {
		return fmt.Errorf("start %q: %w", name, err)
	}

	procs := h.procs
	if procs == nil {
		procs = hostTracker
	}
	// A cgroup that cannot be made (too many, say) leaves this process with
	// its process group alone, as on a machine without cgroups.
	cg, _ := procs.newCgroup()

	// PDEATHSIG fires when the thread that forked the child exits, not the
	// process. The Go runtime only ends threads that are locked to a goroutine
	// that exits, so keeping this thread locked to us keeps it alive for as
	// long as the child runs.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	if cg != nil {
		inCgroup := newCmd(cg)
		inCgroup.Stdin, inCgroup.Stdout, inCgroup.Stderr = c.Stdin, c.Stdout, c.Stderr
		if inCgroup.Start() == nil {
			c = inCgroup
		} else {
			_ = cg.release()
			cg = nil
			if err2 := c.Start(); err2 != nil {
				return fmt.Errorf("start %q: %w", name, err2)
			}
			// The cgroup was the trouble (a kernel without clone3's
			// CLONE_INTO_CGROUP, say): do without from now on.
			procs.disableCgroups()
		}
	} else if err := c.Start(); err != nil {
		return fmt.Errorf("start %q: %w", name, err)
	}
	p.start()
	pid := c.Process.Pid
	if cg != nil {
		cg.fd.Close()
	} else {
		// Without a cgroup, the next imgpipe can still end the group if we
		// are killed. Best effort: without a record, the group is still
		// ended on every path but our death.
		if st, err := procStat(pid); err == nil {
			if forget, err := procs.recordGroup(pid, st.start); err == nil {
				defer forget()
			}
		}
	}

	// exited is closed once the process has exited but is not yet reaped: its
	// zombie keeps its pid, and so the group's id, from being reused while we
	// signal the group.
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		awaitExit(pid)
	}()

	var ctxErr error
	select {
	case <-exited:
	case <-ctx.Done():
		ctxErr = interrupted(ctx, name)
		signalGroup(pid, syscall.SIGTERM)
		signalGroup(pid, syscall.SIGCONT)
		if cg != nil {
			signalCgroup(cg.dir, cg.path, unix.SIGTERM)
			signalCgroup(cg.dir, cg.path, unix.SIGCONT)
		}
		t := time.NewTimer(termGrace)
		select {
		case <-exited:
		case <-t.C:
		}
		t.Stop()
	}
	// Kill what is left of the group (or cgroup): a process that ignored
	// SIGTERM or background processes of one that exited on its own.
	signalGroup(pid, syscall.SIGKILL)
	var cgErr error
	if cg != nil {
		cgErr = cg.release()
	}
	<-exited
	waitErr := c.Wait()
	drained, copyErr := p.finish(drainGrace)

	if ctxErr != nil {
		return ctxErr
	}
	if waitErr != nil {
		var ee *exec.ExitError
		if !errors.As(waitErr, &ee) {
			return fmt.Errorf("wait for %q: %w", name, waitErr)
		}
		if ctx.Err() != nil {
			// It failed as ctx was done; most likely because it was.
			return interrupted(ctx, name)
		}
		return newExitError(argv, ee)
	}
	if copyErr != nil {
		return fmt.Errorf("copy output of %q: %w", name, copyErr)
	}
	if cgErr != nil {
		return fmt.Errorf("%q exited, but not every process it started could be ended: %w", name, cgErr)
	}
	if !drained {
		return fmt.Errorf("%q exited, but a process that left its process group still holds its output open: %w", name, exec.ErrWaitDelay)
	}
	if err := p.stdinErr(); err != nil {
		return fmt.Errorf("copy input of %q: %w", name, err)
	}
	return nil
}

// interrupted is the error for the process name stopped because ctx is done.
func interrupted(ctx context.Context, name string) error {
	err, cause := ctx.Err(), context.Cause(ctx)
	switch {
	case cause == nil:
		return fmt.Errorf("%q interrupted: %w", name, err)
	case errors.Is(cause, err):
		return fmt.Errorf("%q interrupted: %w", name, cause)
	}
	return fmt.Errorf("%q interrupted: %w: %w", name, err, cause)
}

// newExitError describes ee, the failure of the process started for argv.
func newExitError(argv []string, ee *exec.ExitError) *ExitError {
	e := &ExitError{Argv: argv, Code: ee.ExitCode(), err: ee}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		e.Code = -1
		e.Signal = signalName(ws.Signal())
	}
	return e
}

// signalName names sig without its "SIG" prefix: "KILL", "TERM".
func signalName(sig syscall.Signal) string {
	if n := unix.SignalName(sig); n != "" {
		return strings.TrimPrefix(n, "SIG")
	}
	return fmt.Sprint(int(sig))
}

// awaitExit blocks until the child pid has exited, without reaping it.
func awaitExit(pid int) {
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err != unix.EINTR {
			// ECHILD, the only other error possible here, means the child
			// is gone already (SIGCHLD is ignored, say).
			return
		}
	}
}

// signalGroup sends sig to the process group pgid. Errors are ignored: ESRCH
// means the group is empty, and there is nothing to do about the others.
func signalGroup(pgid int, sig syscall.Signal) {
	_ = syscall.Kill(-pgid, sig)
}

// lookPath finds the program name the way a shell would with the PATH in env,
// or in our own environment if env has none.
func lookPath(name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	if name != "" {
		pathEnv, ok := envValue(env, "PATH")
		if !ok {
			pathEnv = os.Getenv("PATH")
		}
		for _, dir := range filepath.SplitList(pathEnv) {
			if !filepath.IsAbs(dir) {
				continue
			}
			if p := filepath.Join(dir, name); isExecutable(p) {
				return p, nil
			}
		}
	}
	return "", &exec.Error{Name: name, Err: exec.ErrNotFound}
}

// envValue returns the value of the last key=value entry in env, as os/exec
// would pass it on.
func envValue(env []string, key string) (string, bool) {
	for _, kv := range slices.Backward(env) {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v, true
		}
	}
	return "", false
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		return false
	}
	err = unix.Faccessat(unix.AT_FDCWD, path, unix.X_OK, unix.AT_EACCESS)
	return err == nil || err == unix.ENOSYS || err == unix.EPERM
}

// sameWriter reports whether a and b are the same writer; writers of a type
// that cannot be compared are never the same.
func sameWriter(a, b io.Writer) (same bool) {
	defer func() {
		if recover() != nil {
			same = false
		}
	}()
	return a == b
}

// pipes connects a process's standard streams that are not *os.File to the
// readers and writers they were given.
type pipes struct {
	in   *inPipe
	outs []*outPipe
}

type inPipe struct {
	r, w *os.File // r is the child's
	src  io.Reader
	errc chan error // the copy's result; buffered
}

type outPipe struct {
	r, w *os.File // w is the child's
	dst  io.Writer
	done chan struct{}
	err  error // the writer's error; set before done is closed
}

// reader returns what to give the child as stdin to read src.
func (p *pipes) reader(src io.Reader) (io.Reader, error) {
	switch src := src.(type) {
	case nil:
		return nil, nil // os/exec opens /dev/null
	case *os.File:
		return src, nil
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	p.in = &inPipe{r: r, w: w, src: src, errc: make(chan error, 1)}
	return r, nil
}

// writer returns what to give the child as stdout or stderr to write to dst.
func (p *pipes) writer(dst io.Writer) (io.Writer, error) {
	switch dst := dst.(type) {
	case nil:
		return nil, nil // os/exec opens /dev/null
	case *os.File:
		return dst, nil
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	o := &outPipe{r: r, w: w, dst: dst, done: make(chan struct{})}
	p.outs = append(p.outs, o)
	return w, nil
}

// start closes our copies of the child's ends and starts copying.
func (p *pipes) start() {
	if in := p.in; in != nil {
		in.r.Close()
		go func() {
			_, err := io.Copy(in.w, in.src)
			if errors.Is(err, syscall.EPIPE) || errors.Is(err, os.ErrClosed) {
				err = nil // the process is done reading
			}
			in.errc <- err // before Close, so that it is there once the child sees EOF
			in.w.Close()
		}()
	}
	for _, o := range p.outs {
		o.w.Close()
		go o.copy()
	}
}

func (o *outPipe) copy() {
	defer close(o.done)
	// Closing r makes a process still writing get EPIPE, rather than block
	// once the pipe is full, if the writer failed.
	defer o.r.Close()
	buf := make([]byte, 32*1024)
	for {
		n, err := o.r.Read(buf)
		if n > 0 {
			nw, werr := o.dst.Write(buf[:n])
			if werr == nil && nw < n {
				werr = io.ErrShortWrite
			}
			if werr != nil {
				o.err = werr
				return
			}
		}
		if err != nil {
			return // EOF, or r closed by finish
		}
	}
}

// finish waits for the output copies to finish and returns the first writer
// error. If they have not reached EOF grace after it is called, it closes the
// pipes and returns drained false. It also stops the copy from stdin.
func (p *pipes) finish(grace time.Duration) (drained bool, err error) {
	if p.in != nil {
		p.in.w.Close()
	}
	drained = true
	t := time.NewTimer(grace)
	defer t.Stop()
	for _, o := range p.outs {
		select {
		case <-o.done:
			continue
		case <-t.C:
		}
		drained = false
		for _, o := range p.outs {
			o.r.Close()
		}
		break
	}
	for _, o := range p.outs {
		<-o.done
		if err == nil {
			err = o.err
		}
	}
	return drained, err
}

// stdinErr returns the error copying stdin failed with, if it has finished.
func (p *pipes) stdinErr() error {
	if p.in == nil {
		return nil
	}
	select {
	case err := <-p.in.errc:
		return err
	default:
		return nil
	}
}

// closeAll closes every end of every pipe. Closing one twice is harmless.
func (p *pipes) closeAll() {
	if p.in != nil {
		p.in.r.Close()
		p.in.w.Close()
	}
	for _, o := range p.outs {
		o.r.Close()
		o.w.Close()
	}
}
