package suggest

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/agext/levenshtein"
)

// Closest returns the name nearest to given within two edits, or "".
// Names whose length alone rules them out are skipped, which makes a long
// list of names cheap. (levenshtein's MaxCost would cut the rest short, but
// returns distances below the cut for some pairs: "target" and "version".)
func Closest(given string, names []string) string {
	best, bestDist := "", 3
	length := utf8.RuneCountInString(given)
	for _, n := range names {
		if diff := utf8.RuneCountInString(n) - length; diff >= bestDist || -diff >= bestDist {
			continue
		}
		if d := levenshtein.Distance(given, n, nil); d < bestDist {
			best, bestDist = n, d
		}
	}
	return best
}

// DidYouMean returns ` Did you mean "x"?` for the closest name, or "".
func DidYouMean(given string, names []string) string {
	if best := Closest(given, names); best != "" {
		return fmt.Sprintf(" Did you mean %q?", best)
	}
	return ""
}

// QuoteList quotes each name and joins them with commas, for listing the
// names a diagnostic allows: "a", "b", "c".
func QuoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
