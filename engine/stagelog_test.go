package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// setLogBounds shrinks the bounds of a stage's output for one test.
func setLogBounds(t *testing.T, head, tail, evBytes, evLines int64, evTail int) {
	old := []any{logHead, logTail, eventBytes, eventLines, eventTail}
	logHead, logTail, eventBytes, eventLines, eventTail = head, tail, evBytes, evLines, evTail
	t.Cleanup(func() {
		logHead, logTail, eventBytes, eventLines, eventTail = old[0].(int64), old[1].(int64), old[2].(int64), old[3].(int64), old[4].(int)
	})
}

// A stage's log keeps the start and the end of its output, with a line
// saying what was left out between; its events carry the start, a line
// saying where the rest is, and the last lines.
func TestStageLogBounds(t *testing.T) {
	setLogBounds(t, 1000, 1000, 500, 1000, 3)
	dir := t.TempDir()
	var events []string
	l := newStageLog(func() (string, error) { return dir, nil }, filepath.Join(dir, "log"), func(s string) { events = append(events, s) })
	const n = 1000
	for i := range n {
		l.line([]byte(fmt.Sprintf("line %04d", i))) // 10 bytes with the newline
	}
	l.close()

	b, err := os.ReadFile(filepath.Join(dir, "log"))
	if err != nil {
		t.Fatal(err)
	}
	log := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	// 100 lines of head, a gap line, then 50 to 100 lines of tail ending
	// with the last line.
	if len(b) > 2000+200 {
		t.Errorf("the log is %d bytes, over its bounds", len(b))
	}
	if log[0] != "line 0000" || log[99] != "line 0099" || log[len(log)-1] != fmt.Sprintf("line %04d", n-1) {
		t.Errorf("the log does not keep the head and the tail: %q … %q", log[:2], log[len(log)-2:])
	}
	if !strings.HasPrefix(log[100], "…[imgpipe left out ") || !strings.Contains(log[100], " lines (") {
		t.Errorf("line 101 of the log is %q, want the line saying what was left out", log[100])
	}
	var kept int
	fmt.Sscanf(strings.TrimPrefix(log[100], "…[imgpipe left out "), "%d", &kept)
	if kept+len(log)-1 != n {
		t.Errorf("the log keeps %d lines and says %d were left out, of %d", len(log)-1, kept, n)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "log.tail-*")); len(left) > 0 {
		t.Errorf("tail segments left behind: %v", left)
	}

	// Events: 55 lines (495 of the 500 bytes, in lines of 9), the
	// marker, the count of lines not sent, the last 3.
	if len(events) != 55+1+1+3 {
		t.Fatalf("%d events, want 60: %q", len(events), events)
	}
	if events[54] != "line 0054" || !strings.Contains(events[55], "not sent as events; it is in "+filepath.Join(dir, "log")) {
		t.Errorf("events 55 and 56: %q", events[54:56])
	}
	if !strings.Contains(events[56], "942 lines of output are not in the events") {
		t.Errorf("event 57: %q", events[56])
	}
	if strings.Join(events[57:], ",") != "line 0997,line 0998,line 0999" {
		t.Errorf("the last events: %q", events[57:])
	}
}

// Output within the bounds is kept whole, in the log and the events.
func TestStageLogWhole(t *testing.T) {
	setLogBounds(t, 100, 100, 1000, 1000, 3)
	dir := t.TempDir()
	var events []string
	l := newStageLog(func() (string, error) { return dir, nil }, filepath.Join(dir, "log"), func(s string) { events = append(events, s) })
	var want string
	for i := range 15 { // 150 bytes: over the head, within head and tail
		l.line([]byte(fmt.Sprintf("line %04d", i)))
		want += fmt.Sprintf("line %04d\n", i)
	}
	l.close()
	if b, _ := os.ReadFile(filepath.Join(dir, "log")); string(b) != want {
		t.Errorf("log = %q, want all lines", b)
	}
	if len(events) != 15 {
		t.Errorf("%d events, want 15", len(events))
	}
}
