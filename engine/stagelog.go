package engine

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// The bounds of one stage's output (docs/reliability-limits.md). Lines
// themselves are at most lines.MaxLine bytes. Variables for tests.
var (
	// logHead is how much of the start of a stage's output its log file
	// keeps; logTail how much of its end, kept in two segments of half
	// of it each, so that between logTail/2 and logTail of the end
	// survives. What lies between is left out, with a line saying so.
	logHead int64 = 16 << 20
	logTail int64 = 16 << 20
	// eventBytes and eventLines bound the stage.log events of one stage
	// (events.jsonl and the progress front ends); past them one event
	// says where the output is, and the last eventTail lines are sent
	// when the stage ends.
	eventBytes int64 = 4 << 20
	eventLines int64 = 20000
	eventTail        = 20
)

// stageLog receives a stage's output, line by line (from a lines.Writer),
// and keeps it bounded: in the log file runs/<run>/<arch>/<stage>/log, its
// first logHead bytes and its last logTail at most; in the event stream,
// its first eventBytes or eventLines and its last eventTail lines.
type stageLog struct {
	dir   func() (string, error) // makes and returns the run directory
	path  string                 // the log file, for messages
	event func(line string)      // sends one stage.log event

	// The log file, created with the first line: most small stages print
	// nothing, and every file costs a metadata write.
	file      *os.File
	failed    bool     // the log could not be written: it stops there
	buf       []byte   // the line being written
	head      int64    // bytes in file
	cur, prev *segment // the tail, once the head is full
	segments  int      // how many segments were made
	leftOut   count    // what dropped segments held
	sent      count    // what was sent as events
	capped    bool     // events stopped
	unsent    int64    // lines not sent since
	ring      [][]byte // the last eventTail of them, buffers reused
	ringNext  int
}

type count struct{ lines, bytes int64 }

// segment is a part of the log's tail, in a file beside the log until the
// stage ends.
type segment struct {
	f *os.File
	count
}

func newStageLog(dir func() (string, error), path string, event func(string)) *stageLog {
	return &stageLog{dir: dir, path: path, event: event}
}

// line takes one line of output, without its newline; it does not keep
// s, and allocates nothing once the events are capped.
func (l *stageLog) line(s []byte) {
	l.toFile(s)
	l.toEvents(s)
}

func (l *stageLog) toFile(s []byte) {
	if l.failed {
		return
	}
	if l.file == nil {
		dir, err := l.dir()
		if err == nil {
			l.file, err = os.Create(filepath.Join(dir, "log"))
		}
		if err != nil {
			l.failed = true // best effort: the events still carry the output
			return
		}
	}
	n := int64(len(s)) + 1
	// One write per line, from a buffer kept for the next: fmt's would
	// allocate anew for every line over 64 KiB.
	l.buf = append(append(l.buf[:0], s...), '\n')
	if l.cur == nil && l.head+n <= logHead {
		l.file.Write(l.buf)
		l.head += n
		return
	}
	if l.cur == nil || l.cur.bytes+n > logTail/2 && l.cur.lines > 0 {
		if err := l.rotate(); err != nil {
			l.failed = true
			return
		}
	}
	l.cur.f.Write(l.buf)
	l.cur.lines++
	l.cur.bytes += n
}

// rotate starts a new tail segment; the one before the current one is
// dropped. It changes nothing when the new segment cannot be created.
func (l *stageLog) rotate() error {
	// Numbered, so that the segments a killed run leaves can be put back in
	// order after the log (engine/store: CleanTmp).
	f, err := os.CreateTemp(filepath.Dir(l.file.Name()), fmt.Sprintf("log.tail-%d-*", l.segments+1))
	if err != nil {
		return err
	}
	l.segments++
	if l.prev != nil {
		l.leftOut.lines += l.prev.lines
		l.leftOut.bytes += l.prev.bytes
		l.prev.f.Close()
		os.Remove(l.prev.f.Name())
	}
	l.prev, l.cur = l.cur, &segment{f: f}
	return nil
}

func (l *stageLog) toEvents(s []byte) {
	n := int64(len(s))
	if !l.capped && (l.sent.lines+1 > eventLines || l.sent.bytes+n > eventBytes) {
		l.capped = true
		l.event(fmt.Sprintf("…[imgpipe: the rest of this stage's output is not sent as events; it is in %s. "+
			"Events carry %s or %d lines of a stage's output, then its last %d lines when it ends]",
			l.path, size(eventBytes), eventLines, eventTail))
	}
	if !l.capped {
		l.event(string(s))
		l.sent.lines++
		l.sent.bytes += n
		return
	}
	l.unsent++
	if len(l.ring) < eventTail {
		l.ring = append(l.ring, nil)
	}
	l.ring[l.ringNext] = append(l.ring[l.ringNext][:0], s...)
	l.ringNext = (l.ringNext + 1) % eventTail
}

// close ends the log: the tail goes after the head, with a line saying
// what was left out between them, and the last lines not sent as events
// are sent.
func (l *stageLog) close() {
	if l.capped && l.unsent > 0 {
		last := l.ring
		if len(l.ring) == eventTail {
			last = append(append([][]byte(nil), l.ring[l.ringNext:]...), l.ring[:l.ringNext]...)
		}
		if skipped := l.unsent - int64(len(last)); skipped > 0 {
			l.event(fmt.Sprintf("…[imgpipe: %d lines of output are not in the events (see %s); its last %d lines follow]", skipped, l.path, len(last)))
		}
		for _, s := range last {
			l.event(string(s))
		}
	}
	if l.file == nil {
		return
	}
	defer l.file.Close()
	if l.leftOut.lines > 0 {
		fmt.Fprintf(l.file, "…[imgpipe left out %d lines (%d bytes) of this stage's output here: a stage's log keeps its first %s and its last %s at most]\n",
			l.leftOut.lines, l.leftOut.bytes, size(logHead), size(logTail))
	}
	for _, seg := range []*segment{l.prev, l.cur} {
		if seg == nil {
			continue
		}
		if _, err := seg.f.Seek(0, io.SeekStart); err == nil {
			io.Copy(l.file, seg.f)
		}
		seg.f.Close()
		os.Remove(seg.f.Name())
	}
}

// size writes a bound in MiB, or in bytes when it is smaller (in tests).
func size(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
