package lines

import (
	"bytes"
	"sync"
	"unicode/utf8"
)

// MaxLine is the longest line a Writer passes on in one piece.
const MaxLine = 64 << 10

// Continued ends every piece of a line that was cut because it was longer
// than the Writer's maximum; the next piece carries on the same line.
const Continued = "…[line continues]"

// Writer calls emit once for every line written to it, without its "\n"
// (or "\r\n"). It is safe for concurrent use: each call of Write is taken
// whole, and emit is never called concurrently.
//
// It holds at most one line's maximum in memory, however much is written
// to it at once, and a Writer made with NewBytesWriter allocates nothing
// once its buffer has grown: a stage printing without end costs no
// garbage.
type Writer struct {
	mu   sync.Mutex
	max  int
	buf  []byte
	rest []byte // the end of a cut piece, kept while the piece is passed on
	emit func(line []byte)
}

// NewWriter returns a Writer that calls emit for every line, cut into
// pieces of at most MaxLine bytes.
func NewWriter(emit func(line string)) *Writer {
	return NewWriterMax(MaxLine, emit)
}

// NewWriterMax returns a Writer whose pieces are at most size bytes, the
// Continued marker included: a writer whose lines get a prefix and go
// into another Writer leaves room for the prefix. size is at least 64.
func NewWriterMax(size int, emit func(line string)) *Writer {
	return NewBytesWriter(size, func(line []byte) { emit(string(line)) })
}

// NewBytesWriter is NewWriterMax with lines passed as bytes that are only
// valid during the call of emit.
func NewBytesWriter(size int, emit func(line []byte)) *Writer {
	return &Writer{max: max(size, 64), emit: emit}
}

// Write passes on every line p completes.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i >= 0 && len(w.buf)+i <= w.max {
			line := p[:i]
			if len(w.buf) > 0 {
				w.buf = append(w.buf, line...)
				line = w.buf
			}
			w.emit(trimCR(line))
			w.buf = w.buf[:0]
			p = p[i+1:]
			continue
		}
		// No newline within the maximum: take what fits, plus one byte,
		// which tells a line of exactly the maximum from a longer one.
		take := min(w.max+1-len(w.buf), len(p))
		w.buf = append(w.buf, p[:take]...)
		p = p[take:]
		if len(w.buf) > w.max {
			w.cut()
		}
	}
	return n, nil
}

// cut passes on the first piece of the buffered line, with the marker,
// and keeps the rest. It cuts at a character boundary.
func (w *Writer) cut() {
	end := w.max - len(Continued)
	for end > 0 && !utf8.RuneStart(w.buf[end]) && end > w.max-len(Continued)-utf8.UTFMax {
		end--
	}
	w.rest = append(w.rest[:0], w.buf[end:]...)
	w.emit(append(w.buf[:end], Continued...))
	w.buf = append(w.buf[:0], w.rest...)
}

func trimCR(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == '\r' {
		b = b[:len(b)-1]
	}
	return b
}

// Flush passes on a last line that has no newline.
func (w *Writer) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.emit(trimCR(w.buf))
		w.buf = w.buf[:0]
	}
}
