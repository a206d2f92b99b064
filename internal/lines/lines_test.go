package lines_test

import (
	"slices"
	"strings"
	"testing"

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

func TestWriterBoundsLines(t *testing.T) {
	var got []string
	w := lines.NewWriter(func(l string) { got = append(got, l) })
	long := strings.Repeat("x", 2*lines.MaxLine+10)
	w.Write([]byte(long))
	if len(got) != 2 || len(got[0]) != lines.MaxLine || len(got[1]) != lines.MaxLine {
		t.Fatalf("a line of %d bytes without a newline gave %d lines", len(long), len(got))
	}
	w.Write([]byte("\n"))
	if len(got) != 3 || got[2] != "xxxxxxxxxx" {
		t.Errorf("the rest of the line: %q", got[2:])
	}
}
