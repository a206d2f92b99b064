package termrelay

import (
	"os"

	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// Raw puts the terminal f in raw mode, so that every key reaches the
// machine (Ctrl-C included). The returned function puts it back as it was:
// its mode, and its file status flags, which a program sharing it may have
// changed (O_NONBLOCK breaks the shell's next read); and it discards input
// typed but not read, so that nothing meant for the machine reaches the
// shell. Call it on every path out, signals included. A file that is not a
// terminal is left alone; restore is then a no-op.
func Raw(f *os.File) (restore func(), err error) {
	fd := int(f.Fd())
	if !term.IsTerminal(fd) {
		return func() {}, nil
	}
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		return nil, err
	}
	old, err := term.MakeRaw(fd)
	if err != nil {
		return nil, err
	}
	return func() {
		unix.IoctlSetInt(fd, unix.TCFLSH, unix.TCIFLUSH)
		term.Restore(fd, old)
		unix.FcntlInt(uintptr(fd), unix.F_SETFL, flags)
	}, nil
}
