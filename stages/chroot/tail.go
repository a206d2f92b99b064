package chroot

import (
	"bytes"
	"strings"
	"sync"
)

// tailBytes and tailLines bound what an error quotes of a command's
// output: its end, where the reason usually is.
const (
	tailBytes = 4096
	tailLines = 20
)

// tail keeps the end of what is written to it. It is safe for concurrent
// use (a command's stdout and stderr).
type tail struct {
	mu  sync.Mutex
	buf []byte
}

func newTail() *tail { return &tail{} }

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - 2*tailBytes; over > 0 {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-tailBytes:]...)
	}
	return len(p), nil
}

// lines returns the last tailLines lines (at most tailBytes).
func (t *tail) lines() []string {
	t.mu.Lock()
	b := bytes.TrimRight(t.buf, "\n")
	if len(b) > tailBytes {
		b = b[len(b)-tailBytes:]
	}
	s := string(b)
	t.mu.Unlock()
	if strings.TrimSpace(s) == "" {
		return nil
	}
	lines := strings.Split(s, "\n")
	if len(lines) > tailLines {
		lines = lines[len(lines)-tailLines:]
	}
	return lines
}

// quote is the end of the output for an error message, "" if there was
// none.
func (t *tail) quote() string {
	lines := t.lines()
	if len(lines) == 0 {
		return " (no output)"
	}
	return "; the end of its output:\n    " + strings.Join(lines, "\n    ")
}
