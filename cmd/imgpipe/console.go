package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"

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
	how, err := termrelay.Run(ctx, conn, os.Stdin, a.stdout)
	switch how {
	case termrelay.Quit:
		fmt.Fprintf(a.stderr, "\r\nimgpipe console: detached.\r\n")
		return nil
	case termrelay.Closed:
		fmt.Fprintf(a.stderr, "\r\nimgpipe console: the VM is gone.\r\n")
	}
	return err
}
