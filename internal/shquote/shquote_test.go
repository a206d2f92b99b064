package shquote_test

import (
	"os/exec"
	"testing"

	"github.com/imgpipe/imgpipe/internal/shquote"
)

// Each quoted word reads back, in a real shell, as the word.
func TestQuote(t *testing.T) {
	words := []string{"plain/path-1.raw", "", "with space", "it's", `a"b`, "$HOME", "a\\b", "`x`", "new\nline", "*?[a]"}
	for _, s := range words {
		q := shquote.Quote(s)
		out, err := exec.Command("sh", "-c", "printf %s "+q).Output()
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		if string(out) != s {
			t.Errorf("Quote(%q) = %s, which the shell reads as %q", s, q, out)
		}
	}
	if got := shquote.Join([]string{"cp", "a b", "c"}); got != "cp 'a b' c" {
		t.Errorf("Join = %s", got)
	}
}
