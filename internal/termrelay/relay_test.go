package termrelay

import (
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is the terminal's screen.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// machine is the far end of the console: it records what reaches it.
func machine(t *testing.T) (console net.Conn, guest net.Conn, got func() string) {
	t.Helper()
	console, guest = net.Pipe()
	var mu sync.Mutex
	var rec bytes.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1024)
		for {
			n, err := guest.Read(buf)
			mu.Lock()
			rec.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { console.Close(); guest.Close(); <-done })
	return console, guest, func() string { mu.Lock(); defer mu.Unlock(); return rec.String() }
}

func TestKeysGoThroughByteForByte(t *testing.T) {
	console, _, got := machine(t)
	in, typing := io.Pipe()
	var screen syncBuffer
	ended := make(chan Ending, 1)
	go func() {
		how, err := Run(context.Background(), console, NewKeys(in), &screen)
		if err != nil {
			t.Errorf("Run: %v", err)
		}
		ended <- how
	}()
	// Everything a login needs, Ctrl-C and a literal Ctrl-A (its escape
	// split across two reads), then the help, then quit with keys after it.
	for _, k := range []string{"root\r", "s3cret\r", "\x03", "\x01", "a", "ls\r", "\x01h", "\x01x", "touch /tmp/x\r"} {
		if k == "touch /tmp/x\r" {
			select {
			case how := <-ended:
				if how != Quit {
					t.Fatalf("ended with %v, want quit", how)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Ctrl-A x did not quit")
			}
			go typing.Write([]byte(k)) // read by nobody that sends it
			break
		}
		if _, err := typing.Write([]byte(k)); err != nil {
			t.Fatal(err)
		}
	}
	want := "root\rs3cret\r\x03\x01ls\r"
	deadline := time.Now().Add(10 * time.Second)
	for got() != want && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got() != want {
		t.Errorf("the machine got %q, want %q", got(), want)
	}
	if !strings.Contains(screen.String(), "Ctrl-A x") {
		t.Errorf("Ctrl-A h printed %q, want the keys", screen.String())
	}
}

func TestConsoleOutputReachesTheTerminalAndItsEndEndsTheRelay(t *testing.T) {
	console, guest := net.Pipe()
	in, _ := io.Pipe()
	var screen syncBuffer
	ended := make(chan Ending, 1)
	go func() {
		how, _ := Run(context.Background(), console, NewKeys(in), &screen)
		ended <- how
	}()
	guest.Write([]byte("quickstart login: "))
	guest.Close()
	select {
	case how := <-ended:
		if how != Closed {
			t.Errorf("ended with %v, want closed", how)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the relay did not end with the console")
	}
	if screen.String() != "quickstart login: " {
		t.Errorf("terminal shows %q", screen.String())
	}
}

func TestCancel(t *testing.T) {
	console, _, _ := machine(t)
	in, _ := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if how, _ := Run(ctx, console, NewKeys(in), io.Discard); how != Cancelled {
		t.Errorf("ended with %v, want cancelled", how)
	}
}
