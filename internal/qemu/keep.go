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
)

// Keeping a failed VM for a person to debug (`imgpipe run --on-error=abort`,
// as Packer's -on-error=abort): the stage does not stop qemu when the
// install or boot fails; it serves the serial console on a unix socket
// (`imgpipe console SOCKET` attaches a terminal to it) and waits until qemu
// ends or the run is interrupted. The run lasts as long as the VM, so that
// nothing outlives the run.

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

// Kept is what KeepForDebugging tells the person.
type Kept struct {
	Socket, Disk string
	Pid          int
}

// KeepForDebugging serves the console of a failed VM on a unix socket and
// waits until qemu exits (the person ended it) or ctx is done. Keys from
// the attached person go to in, the VM's serial input. say is called once
// the VM can be reached, with how.
func KeepForDebugging(ctx context.Context, vm *VM, tap *ConsoleTap, in io.Writer, pidFile, disk string, say func(Kept)) error {
	dir, err := os.MkdirTemp("", "imgpipe-console-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "console.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		return fmt.Errorf("serve the console: %w", err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			tap.attach(c)
			go func() {
				io.Copy(in, c)
				c.Close()
			}()
		}
	}()
	pid := 0
	if b, err := os.ReadFile(pidFile); err == nil {
		pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
	}
	say(Kept{Socket: sock, Disk: disk, Pid: pid})
	select {
	case <-vm.Done():
	case <-ctx.Done():
	}
	return nil
}
