package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/internal/termrelay"
)

// cmdConsole attaches this terminal to the serial console of a VM that a
// failed stage kept running (`imgpipe run --on-error=abort` prints the
// socket). Ctrl-A x detaches and leaves the VM running; the run it belongs
// to ends it.
func cmdConsole(ctx context.Context, a *app, args []string) error {
	fs := a.newFlags("console", "SOCKET")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("console takes the socket a kept VM's run printed (imgpipe run --on-error=abort)")
	}
	conn, err := net.Dial("unix", pos[0])
	if err != nil {
		return usagef("%s: no kept VM's console there (%v); the run prints the socket when --on-error=abort keeps a failed VM", pos[0], err)
	}
	defer conn.Close()
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	restore, err := termrelay.Raw(os.Stdin)
	if err != nil {
		return fmt.Errorf("put the terminal in raw mode: %w", err)
	}
	defer restore()
	fmt.Fprintf(a.stderr, "imgpipe console: attached to %s. Ctrl-A x detaches (the VM keeps running).\r\n", pos[0])
	how, err := termrelay.Run(ctx, conn, termrelay.NewKeys(os.Stdin), a.stdout)
	switch how {
	case termrelay.Quit:
		fmt.Fprintf(a.stderr, "\r\nimgpipe console: detached.\r\n")
		return nil
	case termrelay.Closed:
		fmt.Fprintf(a.stderr, "\r\nimgpipe console: the VM is gone.\r\n")
	}
	return err
}

// asker puts the question of --on-error=ask to the person at the terminal:
// one failed stage at a time, with the terminal in raw mode so that one key
// answers.
type asker struct {
	mu   sync.Mutex
	in   *os.File
	keys *termrelay.Keys
	out  io.Writer
}

func newAsker(in *os.File, out io.Writer) *asker {
	return &asker{in: in, keys: termrelay.NewKeys(in), out: out}
}

// ask implements kind.Stage.Ask.
func (q *asker) ask(ctx context.Context, k kind.KeptMachine) kind.Decision {
	q.mu.Lock()
	defer q.mu.Unlock()
	restore, err := termrelay.Raw(q.in)
	if err != nil {
		return kind.DecideCleanup
	}
	defer restore()
	say := func(format string, args ...any) {
		fmt.Fprintf(q.out, strings.ReplaceAll(format, "\n", "\r\n"), args...)
	}
	say("\n%s [%s] failed: %s\nIts VM is kept (qemu pid %d, disk %s).\n", k.Stage, k.Arch, k.Reason, k.Pid, k.Disk)
	for {
		say("[r] retry  [c] console  [a] abort: keep the VM until you end it  [q] clean up and fail\n> ")
		b := q.keys.Next(ctx)
		if len(b) == 0 {
			return kind.DecideCleanup
		}
		switch b[0] {
		case 'r', 'R':
			say("r\nretrying %s [%s]\n", k.Stage, k.Arch)
			return kind.DecideRetry
		case 'a', 'A':
			say("a\n")
			return kind.DecideAbort
		case 'q', 'Q', 0x03:
			say("q\n")
			return kind.DecideCleanup
		case 'c', 'C':
			say("c\nthe VM's console; Ctrl-A x comes back here\n")
			conn, err := net.Dial("unix", k.Console)
			if err != nil {
				say("cannot reach the console: %v\n", err)
				continue
			}
			termrelay.Run(ctx, conn, q.keys, q.out)
			conn.Close()
			say("\n")
		}
	}
}
