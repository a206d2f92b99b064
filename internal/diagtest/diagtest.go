package diagtest

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// expectation is one diagnostic a file says it must get.
type expectation struct {
	filename string
	line     int // where the diagnostic's subject starts
	severity string
	summary  string
}

func (e expectation) String() string {
	if e.filename == "" {
		return fmt.Sprintf("(no subject): %s: %s", e.severity, e.summary)
	}
	return fmt.Sprintf("%s:%d: %s: %s", e.filename, e.line, e.severity, e.summary)
}

func compare(a, b expectation) int {
	return cmp.Or(
		strings.Compare(a.filename, b.filename),
		cmp.Compare(a.line, b.line),
		strings.Compare(a.severity, b.severity),
		strings.Compare(a.summary, b.summary),
	)
}

// marker starts an expectation; its summary runs to the next marker or the
// end of the line.
var marker = regexp.MustCompile(`#\s*(ERROR|WARNING):`)

// parse reads the expectations of one file.
func parse(filename string, src []byte) ([]expectation, error) {
	var want, pending []expectation
	line := 0
	for text := range strings.Lines(string(src)) {
		line++
		text = strings.TrimRight(text, "\r\n")
		found := marker.FindAllStringSubmatchIndex(text, -1)
		if len(found) == 0 {
			want = append(want, at(pending, line)...)
			pending = nil
			continue
		}
		var here []expectation
		for i, m := range found {
			end := len(text)
			if i+1 < len(found) {
				end = found[i+1][0]
			}
			summary := strings.TrimSpace(text[m[1]:end])
			if summary == "" {
				return nil, fmt.Errorf("%s:%d: expectation without a summary", filename, line)
			}
			here = append(here, expectation{filename: filename, severity: text[m[2]:m[3]], summary: summary})
		}
		if strings.TrimSpace(text[:found[0][0]]) == "" {
			pending = append(pending, here...) // a comment of its own: the next line's
			continue
		}
		want = append(want, at(append(pending, here...), line)...)
		pending = nil
	}
	if len(pending) > 0 {
		return nil, fmt.Errorf("%s:%d: expectation on a line of its own at the end of the file, with no line after it", filename, line)
	}
	return want, nil
}

func at(es []expectation, line int) []expectation {
	for i := range es {
		es[i].line = line
	}
	return es
}

// got is what a diagnostic would have to be expected as.
func got(d *hcl.Diagnostic) expectation {
	var e expectation
	switch d.Severity {
	case hcl.DiagError:
		e.severity = "ERROR"
	case hcl.DiagWarning:
		e.severity = "WARNING"
	default:
		e.severity = fmt.Sprintf("severity %d", d.Severity)
	}
	e.summary = d.Summary
	if d.Subject != nil {
		e.filename, e.line = d.Subject.Filename, d.Subject.Start.Line
	}
	return e
}

// Check fails t unless diags are exactly those the expectations in src,
// the contents of filename, call for. It lists every unexpected diagnostic
// and every unmet expectation, each with its file and line.
func Check(t testing.TB, filename string, src []byte, diags hcl.Diagnostics) {
	t.Helper()
	CheckFiles(t, map[string][]byte{filename: src}, diags)
}

// CheckFiles is Check for inputs read together, such as a directory of INI
// files: a diagnostic may point into any of files, keyed by file name.
func CheckFiles(t testing.TB, files map[string][]byte, diags hcl.Diagnostics) {
	t.Helper()
	var want []expectation
	for name, src := range files {
		es, err := parse(name, src)
		if err != nil {
			t.Errorf("%v", err)
			return
		}
		want = append(want, es...)
	}
	slices.SortFunc(want, compare)

	type unexpected struct {
		expectation
		detail string
	}
	var extra []unexpected
	for _, d := range diags {
		g := got(d)
		if i := slices.Index(want, g); i >= 0 {
			want = slices.Delete(want, i, i+1)
			continue
		}
		extra = append(extra, unexpected{g, d.Detail})
	}
	if len(extra) == 0 && len(want) == 0 {
		return
	}
	var b strings.Builder
	b.WriteString("diagnostics differ from the expectations in the source")
	if len(extra) > 0 {
		slices.SortStableFunc(extra, func(a, b unexpected) int { return compare(a.expectation, b.expectation) })
		b.WriteString("\nunexpected diagnostics:")
		for _, u := range extra {
			b.WriteString("\n  " + u.String())
			if u.detail != "" {
				b.WriteString("\n      " + u.detail)
			}
		}
	}
	if len(want) > 0 {
		b.WriteString("\nunmet expectations:")
		for _, e := range want {
			b.WriteString("\n  " + e.String())
		}
	}
	t.Errorf("%s", b.String())
}
