package lines

import (
	"bytes"
	"sync"
)

// MaxLine is the longest line a Writer passes on in one piece.
const MaxLine = 64 << 10

// Writer calls emit once for every line written to it, without its "\n"
// (or "\r\n"). It is safe for concurrent use: each call of Write is taken
// whole, and emit is never called concurrently.
type Writer struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	emit func(line string)
}

// NewWriter returns a Writer that calls emit for every line.
func NewWriter(emit func(line string)) *Writer {
	return &Writer{emit: emit}
}

// Write passes on every line p completes.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for {
		b := w.buf.Bytes()
		i := bytes.IndexByte(b, '\n')
		switch {
		case i >= 0 && i <= MaxLine:
			line := w.buf.Next(i + 1)
			w.emit(string(bytes.TrimRight(line, "\r\n")))
		case len(b) > MaxLine || i > MaxLine:
			w.emit(string(w.buf.Next(MaxLine)))
		default:
			return len(p), nil
		}
	}
}

// Flush passes on a last line that has no newline.
func (w *Writer) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.buf.Len() > 0 {
		w.emit(w.buf.String())
		w.buf.Reset()
	}
}
