package qemu

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/imgpipe/imgpipe/engine/kind"
)

// Keeping a failed VM for a person to debug (`imgpipe run --on-error`, as
// Packer's -on-error): the stage does not stop qemu when the install or
// boot fails; it serves the serial console on a unix socket (`imgpipe
// console SOCKET` attaches a terminal to it) and, with abort, waits until
// qemu ends or the run is interrupted; with ask, the person decides. The
// run lasts as long as the VM, so that nothing outlives the run.

// ConsoleTap passes a VM's console output on to a person attached to it,
// if any. Put it among the console's writers from the start; it costs
// nothing while nobody is attached.
type ConsoleTap struct {
	mu   sync.Mutex
	conn net.Conn
	// recent is the console's last bytes, replayed to whoever attaches.
	recent tailBuffer
}

// NewConsoleTap returns a tap that remembers the last 16 KiB of output.
func NewConsoleTap() *ConsoleTap {
	return &ConsoleTap{recent: tailBuffer{max: 16 << 10}}
}

// Write implements io.Writer.
func (t *ConsoleTap) Write(p []byte) (int, error) {
	t.recent.Write(p)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.conn != nil {
		if _, err := t.conn.Write(p); err != nil {
			t.conn.Close()
			t.conn = nil
		}
	}
	return len(p), nil
}

func (t *ConsoleTap) attach(c net.Conn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.conn != nil {
		t.conn.Close() // the newest attachment wins, as with screen -d
	}
	c.Write([]byte(t.recent.String()))
	t.conn = c
}

// Failed is a failed VM stage's machine and how to reach it.
type Failed struct {
	VM  *VM
	Tap *ConsoleTap
	// Keyboard is the VM's serial input.
	Keyboard io.Writer
	// PidFile is where qemu wrote its pid (Machine.PidFile).
	PidFile string
	// Kept describes it: the stage, arch, reason and disk; the console
	// and pid are filled in here.
	Kept kind.KeptMachine
}

// OnFailure does what the stage's OnError says with a failed VM before the
// stage cleans up: abort keeps it (serving its console) until the person
// ends qemu or ctx is done, having told them in the stage's log how to
// reach it; ask keeps it and asks. what names the VM's job in that message
// ("install", "boot"). It reports whether to run the stage again.
func OnFailure(ctx context.Context, s *kind.Stage, f Failed, what string) (retry bool) {
	if s.OnError != kind.OnErrorAbort && s.OnError != kind.OnErrorAsk {
		return false
	}
	dir, err := os.MkdirTemp("", "imgpipe-console-")
	if err != nil {
		return false
	}
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "console.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		return false
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			f.Tap.attach(c)
			go func() {
				io.Copy(f.Keyboard, c)
				c.Close()
			}()
		}
	}()
	k := f.Kept
	k.Console = sock
	fmt.Fprintf(s.Log, "%s failed: %s\n", s.Kind, k.Reason)
	if b, err := os.ReadFile(f.PidFile); err == nil {
		k.Pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
	}
	decision := kind.DecideAbort
	if s.OnError == kind.OnErrorAsk && s.Ask != nil {
		decision = s.Ask(ctx, k)
	}
	switch decision {
	case kind.DecideRetry:
		return true
	case kind.DecideAbort:
		fmt.Fprintf(s.Log, "on-error: the failed %s's VM is kept running: attach to its console with `imgpipe console %s` (Ctrl-A x detaches); its disk is %s; end it with `kill %d` (or Ctrl-C here) and the run goes on to fail\n", what, k.Console, k.Disk, k.Pid)
		select {
		case <-f.VM.Done():
		case <-ctx.Done():
		}
	}
	return false
}
