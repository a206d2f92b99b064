package progress

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/imgpipe/imgpipe/engine/events"
)

// stageKey identifies a stage instance within a run: a stage name and the
// arch it runs for. A stage event without a name is keyed by its ID.
type stageKey struct{ stage, arch string }

func keyOf(e events.Event) stageKey {
	if e.Stage == "" {
		return stageKey{stage: e.ID, arch: e.Arch}
	}
	return stageKey{stage: e.Stage, arch: e.Arch}
}

// label is "[arch] stage", or the stage alone when there is no arch, or
// a short ID when there is no stage name.
func label(e events.Event) string {
	name := e.Stage
	if name == "" {
		name = e.ID
		if len(name) > 12 {
			name = name[:12]
		}
	}
	if e.Arch == "" {
		return name
	}
	return "[" + e.Arch + "] " + name
}

// seconds formats d as BuildKit does: seconds with one decimal.
func seconds(d time.Duration) string {
	return fmt.Sprintf("%.1fs", d.Seconds())
}

// tally counts stage outcomes for the run summary.
type tally struct{ done, cached, failed, skipped int }

func (t *tally) add(typ events.Type) {
	switch typ {
	case events.StageDone:
		t.done++
	case events.StageCached:
		t.cached++
	case events.StageFailed:
		t.failed++
	case events.StageSkipped:
		t.skipped++
	}
}

// runStartedLine is the line both text renderers print for RunStarted, e.g.
// "run r1: build.yaml for x86_64, aarch64 (12 stages)".
func runStartedLine(e events.Event) string {
	var b strings.Builder
	b.WriteString("run " + e.Run)
	if e.Recipe != "" || len(e.Arches) > 0 || e.Stages > 0 {
		b.WriteString(":")
	}
	if e.Recipe != "" {
		b.WriteString(" " + e.Recipe)
	}
	if len(e.Arches) > 0 {
		if e.Recipe != "" {
			b.WriteString(" for")
		}
		b.WriteString(" " + strings.Join(e.Arches, ", "))
	}
	if e.Stages > 0 {
		noun := "stages"
		if e.Stages == 1 {
			noun = "stage"
		}
		fmt.Fprintf(&b, " (%d %s)", e.Stages, noun)
	}
	return b.String()
}

// summaryLines are the lines both text renderers print for RunFinished:
//
//	run r1 failed: 5 done, 3 cached, 1 failed, 2 skipped
//	failed arches: aarch64
//	error: <why the run failed>
func summaryLines(e events.Event, t tally) []string {
	status := e.Status
	if status == "" {
		status = "finished"
	}
	var parts []string
	for _, p := range []struct {
		n    int
		what string
	}{{t.done, "done"}, {t.cached, "cached"}, {t.failed, "failed"}, {t.skipped, "skipped"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.what))
		}
	}
	if len(parts) == 0 {
		parts = []string{"no stages"}
	}
	lines := []string{fmt.Sprintf("run %s %s: %s", e.Run, status, strings.Join(parts, ", "))}
	if len(e.FailedArches) > 0 {
		lines = append(lines, "failed arches: "+strings.Join(e.FailedArches, ", "))
	}
	if e.Error != "" {
		lines = append(lines, splitLines("error: "+e.Error)...)
	}
	// What the run made, so that nobody has to look for it in the store.
	var results []string
	for _, r := range e.Results {
		name := r.Stage + " [" + r.Arch + "]"
		for _, f := range r.Files {
			results = append(results, "  "+name+": "+f)
		}
		for _, k := range slices.Sorted(maps.Keys(r.Values)) {
			results = append(results, "  "+name+": "+k+" "+r.Values[k])
		}
	}
	if len(results) > 0 {
		lines = append(lines, "results:")
		lines = append(lines, results...)
	}
	return lines
}

// splitLines splits s into lines, dropping a final newline and the
// carriage return of CRLF endings.
func splitLines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}

// sanitize makes s safe to draw on one terminal line: it keeps what a
// terminal would show after the last carriage return, drops escape
// sequences and control characters, and turns tabs and newlines into
// spaces.
func sanitize(s string) string {
	s = strings.TrimRight(s, "\r\n")
	if i := strings.LastIndexByte(s, '\r'); i >= 0 {
		s = s[i+1:]
	}
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] == 0x1b {
			i = skipEscape(s, i)
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '\t' || r == '\n':
			b.WriteByte(' ')
		case r < 0x20 || (r >= 0x7f && r < 0xa0):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// skipEscape returns the index just past the escape sequence at s[i].
func skipEscape(s string, i int) int {
	i++ // ESC
	if i >= len(s) {
		return i
	}
	switch c := s[i]; {
	case c == '[': // CSI: parameters and intermediates, then a final byte
		for i++; i < len(s); i++ {
			if s[i] >= 0x40 && s[i] <= 0x7e {
				return i + 1
			}
		}
		return i
	case c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_':
		// OSC, DCS, SOS, PM, APC: a string ended by BEL or ST (ESC \).
		for i++; i < len(s); i++ {
			if s[i] == 0x07 {
				return i + 1
			}
			if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
		}
		return i
	default: // intermediates, then a final byte
		for ; i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f; i++ {
		}
		if i < len(s) {
			i++
		}
		return i
	}
}

// runeCols is how many columns r may take, erring wide: anything from
// U+1100 up counts as two, so a truncated line never wraps. The exception
// is the ellipsis truncate adds, counted as one (as most terminals draw
// it); live lines keep a spare column for terminals that draw it wide.
func runeCols(r rune) int {
	if r < 0x1100 || r == '…' {
		return 1
	}
	return 2
}

// cols is the width of s by runeCols.
func cols(s string) int {
	n := 0
	for _, r := range s {
		n += runeCols(r)
	}
	return n
}

// truncate cuts sanitized s to at most n columns, ending it with "…" if
// anything was cut.
func truncate(s string, n int) string {
	if cols(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	w := 0
	for i, r := range s {
		if w+runeCols(r) > n-1 {
			return s[:i] + "…"
		}
		w += runeCols(r)
	}
	return s
}
