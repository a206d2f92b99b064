package lines_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/imgpipe/imgpipe/internal/lines"
)

func TestWriter(t *testing.T) {
	var got []string
	w := lines.NewWriter(func(l string) { got = append(got, l) })
	for _, chunk := range []string{"one\ntw", "o\r\n", "\nthr", "ee"} {
		if n, err := w.Write([]byte(chunk)); n != len(chunk) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", chunk, n, err)
		}
	}
	if want := []string{"one", "two", ""}; !slices.Equal(got, want) {
		t.Errorf("lines before Flush = %q, want %q", got, want)
	}
	w.Flush()
	w.Flush() // nothing left: no empty line
	if want := []string{"one", "two", "", "three"}; !slices.Equal(got, want) {
		t.Errorf("lines = %q, want %q", got, want)
	}
}

// A line longer than the maximum is cut into pieces of at most the
// maximum, each but the last ending with the marker; together they hold
// the whole line.
func TestWriterBoundsLines(t *testing.T) {
	var got []string
	w := lines.NewWriter(func(l string) { got = append(got, l) })
	long := strings.Repeat("x", 2*lines.MaxLine+10)
	w.Write([]byte(long))
	if len(got) != 2 {
		t.Fatalf("a line of %d bytes without a newline gave %d pieces, want 2 before its end", len(long), len(got))
	}
	w.Write([]byte("\n"))
	if len(got) != 3 {
		t.Fatalf("%d pieces after the newline, want 3", len(got))
	}
	var whole string
	for i, piece := range got {
		if len(piece) > lines.MaxLine {
			t.Errorf("piece %d is %d bytes, over %d", i, len(piece), lines.MaxLine)
		}
		cont := strings.HasSuffix(piece, lines.Continued)
		if cont != (i < 2) {
			t.Errorf("piece %d ends with the marker: %v", i, cont)
		}
		whole += strings.TrimSuffix(piece, lines.Continued)
	}
	if whole != long {
		t.Errorf("the pieces hold %d bytes, want the line's %d", len(whole), len(long))
	}
	// A line of exactly the maximum is one piece, without the marker.
	got = nil
	w.Write([]byte(strings.Repeat("y", lines.MaxLine) + "\n"))
	if len(got) != 1 || len(got[0]) != lines.MaxLine {
		t.Errorf("a line of exactly MaxLine: %d pieces", len(got))
	}
}

// Pieces are cut between characters, never inside one, and a single
// Write of much more than the maximum is taken in pieces, not buffered.
func TestWriterCutsCharacters(t *testing.T) {
	var got []string
	w := lines.NewWriterMax(100, func(l string) { got = append(got, l) })
	long := strings.Repeat("é€", 1000) // 2- and 3-byte characters
	w.Write([]byte(long + "\n"))
	var whole string
	for _, piece := range got {
		if !utf8.ValidString(piece) || len(piece) > 100 {
			t.Fatalf("piece %q: valid %v, %d bytes", piece, utf8.ValidString(piece), len(piece))
		}
		whole += strings.TrimSuffix(piece, lines.Continued)
	}
	if whole != long {
		t.Error("the pieces do not add up to the line")
	}
}

// A bytes Writer allocates nothing per line once its buffers have grown,
// however long the line: a stage printing without end makes no garbage.
func TestBytesWriterAllocs(t *testing.T) {
	var pieces int
	w := lines.NewBytesWriter(lines.MaxLine, func([]byte) { pieces++ })
	chunk := []byte(strings.Repeat("x", 32<<10))
	w.Write(chunk)
	w.Write(chunk)
	w.Write(chunk)
	if allocs := testing.AllocsPerRun(100, func() { w.Write(chunk) }); allocs != 0 {
		t.Errorf("%v allocations per 32 KiB written, want 0", allocs)
	}
	if pieces < 50 {
		t.Errorf("%d pieces passed on", pieces)
	}
}

// FuzzWriter checks that the pieces, their markers taken off and their
// newlines put back, are exactly what was written, whatever the chunks,
// and that no piece is over the maximum.
func FuzzWriter(f *testing.F) {
	f.Add([]byte("one\ntwo\n"), 64, 3)
	f.Add([]byte(strings.Repeat("é", 100)+"\n"+strings.Repeat("x", 200)), 70, 17)
	f.Fuzz(func(t *testing.T, in []byte, size, chunk int) {
		size = 64 + abs(size)%256
		chunk = 1 + abs(chunk)%512
		// A CR is taken off a line's end, and a marker in the input would
		// be ambiguous: the input is made free of both, so every input
		// checks something.
		in = bytes.ReplaceAll(in, []byte("\r"), nil)
		for bytes.Contains(in, []byte(lines.Continued)) {
			in = bytes.ReplaceAll(in, []byte(lines.Continued), nil)
		}
		var out []byte
		w := lines.NewBytesWriter(size, func(piece []byte) {
			if len(piece) > size {
				t.Fatalf("a piece of %d bytes, over %d", len(piece), size)
			}
			if p, ok := bytes.CutSuffix(piece, []byte(lines.Continued)); ok {
				out = append(out, p...)
				return
			}
			out = append(append(out, piece...), '\n')
		})
		for rest := in; len(rest) > 0; {
			n := min(chunk, len(rest))
			w.Write(rest[:n])
			rest = rest[n:]
		}
		w.Flush()
		want := in
		if len(in) > 0 && in[len(in)-1] != '\n' {
			want = append(bytes.Clone(in), '\n')
		}
		if !bytes.Equal(out, want) {
			t.Errorf("wrote %q, the pieces hold %q", in, out)
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
