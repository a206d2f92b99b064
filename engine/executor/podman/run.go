//go:build remote

package podman

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/imgpipe/imgpipe/engine/executor"
)

// removeTimeout bounds the force-remove of a container, which runs even when
// Run's context is done.
const removeTimeout = time.Minute

var errEmptyArgv = errors.New("empty argv: no program to run")

// Run implements executor.Executor: it runs cmd in a new container and
// removes the container before it returns, whatever happens. It returns an
// *executor.ExitError if the process exits with a non-zero status, and an
// error wrapping ctx.Err() and context.Cause(ctx) if it was stopped because
// ctx was done. Nothing is written to Cmd.Stdout or Cmd.Stderr after Run
// returns.
func (e *Executor) Run(ctx context.Context, cmd executor.Cmd) (err error) {
	if len(cmd.Argv) == 0 {
		return errEmptyArgv
	}
	name := cmd.Argv[0]
	if ctx.Err() != nil {
		return interrupted(ctx, name)
	}
	if cmd, err = absPaths(cmd); err != nil {
		return fmt.Errorf("podman: %q: %w", name, err)
	}
	opts, err := e.opts.forCmd(cmd)
	if err != nil {
		return fmt.Errorf("podman: %q: %w", name, err)
	}
	s, err := containerSpec(containerName(), e.imageID, opts, cmd, e.remote)
	if err != nil {
		return fmt.Errorf("podman: %q: %w", name, err)
	}
	svc, err := e.link.service(ctx)
	if err != nil {
		return fmt.Errorf("podman: %q: %w", name, err)
	}
	c := &container{svc: svc, name: s.Name}
	// Deferred before the create: a create that ctx cut short may still
	// have made the container.
	defer func() { err = e.finish(ctx, c, err) }()
	return e.run(ctx, c, s, cmd)
}

// run creates the container c, copies in what it needs (remote only), runs
// it, and copies out what it made (remote only).
func (e *Executor) run(ctx context.Context, c *container, s *createSpec, cmd executor.Cmd) error {
	name := cmd.Argv[0]
	if err := c.svc.create(ctx, s); err != nil {
		return orInterrupted(ctx, name, fmt.Errorf("podman: create a container for %q: %w", name, err))
	}
	if e.remote {
		if err := copyIn(ctx, c, cmd.Inputs, cmd.OutputDir); err != nil {
			return orInterrupted(ctx, name, fmt.Errorf("podman: copy the inputs of %q into its container: %w", name, err))
		}
	}
	code, err := c.exec(ctx, cmd)
	if err != nil {
		return err
	}
	if e.remote && cmd.OutputDir != "" {
		if err := copyOut(ctx, c, cmd.OutputDir); err != nil {
			return orInterrupted(ctx, name, fmt.Errorf("podman: copy %s of %q out of its container: %w", cmd.OutputDir, name, err))
		}
	}
	if code != 0 {
		return &executor.ExitError{Argv: cmd.Argv, Code: int(code)}
	}
	return nil
}

// container is the container of one Run.
type container struct {
	svc  *service
	name string
}

// exec attaches to the created container, starts it, and waits for it to
// exit and for its output to be copied. It returns the exit status.
func (c *container) exec(ctx context.Context, cmd executor.Cmd) (int32, error) {
	name := cmd.Argv[0]
	a, err := c.svc.attach(ctx, c.name, cmd.Stdin != nil)
	if err != nil {
		return 0, orInterrupted(ctx, name, fmt.Errorf("podman: attach to the container of %q: %w", name, err))
	}
	out := copyOutput(a, cmd.Stdout, cmd.Stderr)
	// Closing the attachment ends the copy, so that nothing is written
	// after Run returns.
	defer func() {
		a.Close()
		<-out.done
	}()
	var in *inputCopy
	if cmd.Stdin != nil {
		in = copyInput(a, cmd.Stdin)
	}
	if err := c.svc.start(ctx, c.name); err != nil {
		return 0, orInterrupted(ctx, name, fmt.Errorf("podman: start %q: %w", name, err))
	}
	code, err := c.await(ctx, name, out)
	if err != nil {
		return 0, err
	}
	if err := in.err(); err != nil {
		return 0, fmt.Errorf("podman: copy input of %q: %w", name, err)
	}
	return code, nil
}

// await waits for the running container to exit and for its output to end.
// It returns at once when ctx is done or the output cannot be written: the
// caller removes the container.
func (c *container) await(ctx context.Context, name string, out *outputCopy) (int32, error) {
	type result struct {
		code int32
		err  error
	}
	waited := make(chan result, 1)
	go func() {
		code, err := c.svc.wait(ctx, c.name)
		waited <- result{code, err}
	}()
	var r result
	outDone := out.done
	for waited != nil || outDone != nil {
		select {
		case <-ctx.Done():
			return 0, interrupted(ctx, name)
		case r = <-waited:
			if r.err != nil {
				return 0, orInterrupted(ctx, name, fmt.Errorf("podman: wait for %q: %w", name, r.err))
			}
			waited = nil
		case <-outDone:
			if out.err != nil {
				return 0, orInterrupted(ctx, name, fmt.Errorf("podman: copy output of %q: %w", name, out.err))
			}
			outDone = nil
		}
	}
	return r.code, nil
}

// remove force-removes the container, even when ctx is done: that does not
// stop a container.
func (c *container) remove(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), removeTimeout)
	defer cancel()
	if err := c.svc.remove(ctx, c.name); err != nil {
		return fmt.Errorf("podman: remove container %s: %w", c.name, err)
	}
	return nil
}

// outputCopy is the copy of a container's output to a Cmd's writers.
type outputCopy struct {
	done chan struct{}
	err  error // set before done is closed
}

func copyOutput(a *attachment, stdout, stderr io.Writer) *outputCopy {
	o := &outputCopy{done: make(chan struct{})}
	go func() {
		defer close(o.done)
		o.err = a.copyOutput(orDiscard(stdout), orDiscard(stderr))
	}()
	return o
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// inputCopy is the copy of a Cmd's Stdin to the container. It may still be
// blocked reading Stdin when Run returns; what it reads then is discarded.
type inputCopy struct {
	errc chan error // the reader's error, once the copy is done; buffered
}

func copyInput(a *attachment, stdin io.Reader) *inputCopy {
	in := &inputCopy{errc: make(chan error, 1)}
	go func() {
		r := &readErrors{r: stdin}
		_ = a.copyInput(r) // a write error: the container has stopped reading
		in.errc <- r.err
	}()
	return in
}

// err returns the error reading Stdin failed with, if the copy is done.
func (in *inputCopy) err() error {
	if in == nil {
		return nil
	}
	select {
	case err := <-in.errc:
		return err
	default:
		return nil
	}
}

// readErrors records the error its reader failed with, other than io.EOF.
type readErrors struct {
	r   io.Reader
	err error
}

func (r *readErrors) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		r.err = err
	}
	return n, err
}

// orInterrupted returns the error for a process stopped because ctx is done
// if it is, err otherwise: a request cut short by ctx fails with an error
// that does not say why.
func orInterrupted(ctx context.Context, name string, err error) error {
	if ctx.Err() != nil {
		return interrupted(ctx, name)
	}
	return err
}

// interrupted is the error for the process name stopped because ctx is
// done, the same as the host executor's.
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
