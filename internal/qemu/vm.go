package qemu

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/imgpipe/imgpipe/engine/executor"
)

// VM is one qemu process started through an executor, with its QMP
// connection.
type VM struct {
	QMP *QMP

	done    chan struct{}
	err     error
	cancel  context.CancelFunc
	sockDir string
	stderr  *tailBuffer
}

// StartOptions are how Start runs qemu.
type StartOptions struct {
	Exec    executor.Executor
	Machine Machine
	// Console receives the serial console (Machine.Serial "stdio").
	Console io.Writer
	// Stdin is the console's input (interactive boots), or nil.
	Stdin io.Reader
	// Stderr receives qemu's own messages, besides the tail VM keeps for
	// errors.
	Stderr io.Writer
	// Dir is qemu's working directory.
	Dir string
	// NoQMP skips the QMP connection.
	NoQMP bool
}

// Start starts qemu and connects to its QMP socket. The VM runs until the
// guest stops it, Stop is called or ctx is done; in every case qemu is gone
// once Wait returns.
func Start(ctx context.Context, o StartOptions) (*VM, error) {
	m := o.Machine
	vm := &VM{done: make(chan struct{}), stderr: &tailBuffer{max: 4096}}
	if !o.NoQMP {
		// A short directory: unix socket paths are limited to 108 bytes.
		dir, err := os.MkdirTemp("", "imgpipe-qmp-")
		if err != nil {
			return nil, err
		}
		vm.sockDir = dir
		m.QMP = filepath.Join(dir, "qmp.sock")
	}
	argv, err := Argv(m)
	if err != nil {
		vm.cleanup()
		return nil, err
	}
	runCtx, cancel := context.WithCancel(ctx)
	vm.cancel = cancel
	stderr := io.Writer(vm.stderr)
	if o.Stderr != nil {
		stderr = io.MultiWriter(vm.stderr, o.Stderr)
	}
	go func() {
		defer close(vm.done)
		vm.err = o.Exec.Run(runCtx, executor.Cmd{
			Argv:      argv,
			Env:       []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")},
			Dir:       o.Dir,
			OutputDir: o.Dir,
			Stdin:     o.Stdin,
			Stdout:    o.Console,
			Stderr:    stderr,
		})
	}()
	if o.NoQMP {
		return vm, nil
	}
	qctx, qcancel := context.WithTimeout(runCtx, 60*time.Second)
	defer qcancel()
	go func() {
		select {
		case <-vm.done:
			qcancel()
		case <-qctx.Done():
		}
	}()
	q, err := DialQMP(qctx, m.QMP)
	if err != nil {
		select {
		case <-vm.done:
			e := vm.Wait()
			if e == nil {
				e = errors.New("exited")
			}
			return nil, fmt.Errorf("qemu did not start: %w%s", e, vm.StderrTail())
		default:
		}
		vm.Stop()
		return nil, err
	}
	vm.QMP = q
	return vm, nil
}

// Done is closed when qemu has exited.
func (vm *VM) Done() <-chan struct{} { return vm.done }

// Wait waits for qemu to exit and returns the executor's result.
func (vm *VM) Wait() error {
	<-vm.done
	vm.cleanup()
	return vm.err
}

// Stop ends qemu: QMP quit, then the executor's kill after a few seconds.
func (vm *VM) Stop() {
	if vm.QMP != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		vm.QMP.Quit(ctx)
		cancel()
		select {
		case <-vm.done:
		case <-time.After(5 * time.Second):
		}
	}
	vm.cancel()
	<-vm.done
	vm.cleanup()
}

func (vm *VM) cleanup() {
	if vm.QMP != nil {
		vm.QMP.Close()
	}
	if vm.sockDir != "" {
		os.RemoveAll(vm.sockDir)
	}
}

// StderrTail is qemu's last messages, as ": <text>", or "".
func (vm *VM) StderrTail() string {
	s := strings.TrimSpace(vm.stderr.String())
	if s == "" {
		return ""
	}
	return ": " + s
}

// tailBuffer keeps the last max bytes written.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = bytes.Clone(t.buf[len(t.buf)-t.max:])
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// RunDir creates dir (a stage's runs/<run>/<arch>/<stage>/, where a
// failure's screenshot and console log are kept for the user) and returns
// it, or fallback when it cannot be made.
func RunDir(dir, fallback string) string {
	if dir == "" || os.MkdirAll(dir, 0o755) != nil {
		return fallback
	}
	return dir
}
