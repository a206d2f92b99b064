package lines_test

import (
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
