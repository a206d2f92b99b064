package termrelay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Escape is the key that starts a command to the relay: Ctrl-A.
const Escape = 0x01

// Help is what Ctrl-A h prints.
const Help = "\r\nimgpipe console keys:\r\n" +
	"  Ctrl-A x   quit (the machine is stopped)\r\n" +
	"  Ctrl-A h   this help\r\n" +
	"  Ctrl-A a   send Ctrl-A to the machine\r\n"

// Ending says why Run returned.
type Ending int

const (
	// Quit: the person pressed Ctrl-A x.
	Quit Ending = iota
	// Closed: the console closed, the machine is gone.
	Closed
	// Cancelled: ctx was done.
	Cancelled
)

func (e Ending) String() string {
	switch e {
	case Quit:
		return "quit"
	case Closed:
		return "closed"
	}
	return "cancelled"
}

// Keys are the keys typed at a terminal, read by one goroutine for the life
// of the program, so that a relay that ends takes no key meant for what
// comes next (a question, another relay).
type Keys struct {
	chunks chan []byte // nil once the input ended
}

// NewKeys starts reading r.
func NewKeys(r io.Reader) *Keys {
	k := &Keys{chunks: make(chan []byte)}
	go func() {
		for {
			buf := make([]byte, 4<<10)
			n, err := r.Read(buf)
			if n > 0 {
				k.chunks <- buf[:n]
			}
			if err != nil {
				close(k.chunks)
				return
			}
		}
	}()
	return k
}

// Next returns the next keys typed, or nil when the input ended or ctx is
// done.
func (k *Keys) Next(ctx context.Context) []byte {
	select {
	case b := <-k.chunks:
		return b
	case <-ctx.Done():
		return nil
	}
}

// Run relays between a terminal (keys from in, output to out) and a console
// until the person quits, the console closes or ctx is done. Notices (the
// help) go to out.
func Run(ctx context.Context, console io.ReadWriter, in *Keys, out io.Writer) (Ending, error) {
	var outMu sync.Mutex
	write := func(b []byte) error {
		outMu.Lock()
		defer outMu.Unlock()
		_, err := out.Write(b)
		return err
	}
	type end struct {
		how Ending
		err error
	}
	ends := make(chan end, 2)
	stop := make(chan struct{})
	defer close(stop)

	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := console.Read(buf)
			if n > 0 {
				if werr := write(buf[:n]); werr != nil {
					ends <- end{Closed, fmt.Errorf("write to the terminal: %w", werr)}
					return
				}
			}
			if err != nil {
				if errors.Is(err, io.EOF) || errors.Is(err, io.ErrClosedPipe) {
					err = nil
				}
				ends <- end{Closed, err}
				return
			}
		}
	}()

	go func() {
		var k keys
		for {
			var chunk []byte
			select {
			case <-stop:
				return // Run has returned: the next keys are someone else's
			case chunk = <-in.chunks:
			}
			if chunk == nil {
				// The terminal closed (or input was a file that ended):
				// the console stays up until the machine ends.
				return
			}
			send, help, quit := k.feed(chunk)
			if len(send) > 0 {
				if _, werr := console.Write(send); werr != nil {
					ends <- end{Closed, nil} // the machine went away
					return
				}
			}
			if help {
				write([]byte(Help))
			}
			if quit {
				ends <- end{Quit, nil}
				return
			}
		}
	}()

	select {
	case e := <-ends:
		return e.how, e.err
	case <-ctx.Done():
		return Cancelled, context.Cause(ctx)
	}
}

// keys reads the keys typed, escape state included across reads.
type keys struct {
	escaped bool
}

// feed returns the bytes of p to send to the console, whether p asks for
// the help, and whether it quits; the bytes after a quit are not sent.
func (k *keys) feed(p []byte) (send []byte, help, quit bool) {
	send = make([]byte, 0, len(p))
	for _, c := range p {
		if !k.escaped {
			if c == Escape {
				k.escaped = true
			} else {
				send = append(send, c)
			}
			continue
		}
		k.escaped = false
		switch c {
		case 'x', 'X':
			return send, help, true
		case 'h', 'H', '?':
			help = true
		case 'a', Escape:
			send = append(send, Escape)
		default:
			// As qemu does: an unknown escape is dropped.
		}
	}
	return send, help, false
}
