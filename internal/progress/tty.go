package progress

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/imgpipe/imgpipe/engine/events"
)

// tailLines is how many of a failed stage's last output lines TTY shows.
const tailLines = 10

// ANSI sequences.
const (
	cursorUp  = "\x1b[%dA" // move the cursor up n lines
	clearDown = "\x1b[J"   // clear from the cursor to the end of the screen
	reset     = "\x1b[0m"
	red       = "\x1b[31m"
	green     = "\x1b[32m"
	blue      = "\x1b[34m"
	dim       = "\x1b[2m"
)

// tty draws a live view. Lines of finished stages and run events are
// queued by Emit and printed, once, above a live area of one line per
// running stage, which each frame erases and redraws:
//
//	✔ [x86_64] rootfs 41.3s
//	✔ [aarch64] rootfs CACHED
//	✘ [x86_64] disk 3.2s ERROR: exit status 1
//	  │ <the stage's last output lines>
//	[aarch64] disk     12.3s  writing partition table
//	[x86_64] initramfs  2.0s  dracut: including module systemd
//
// Frames are drawn by a ticker goroutine and by Close, never by Emit. The
// cursor always rests at the start of the line below the live area.
type tty struct {
	w     io.Writer
	file  *os.File // w, when it is a file, to ask its size
	width int      // fixed width, or 0 to ask
	color bool
	now   func() time.Time

	wmu sync.Mutex // held while computing and writing a frame

	mu        sync.Mutex // guards everything below
	closed    bool
	stages    map[stageKey]*ttyStage
	running   []*ttyStage // in order of starting
	pending   []string    // static lines not yet printed
	live      int         // lines in the live area on screen
	labelCols int         // width of the live area's label column
	tally     tally
	err       error

	stop chan struct{} // closed by Close to stop the ticker goroutine
	done chan struct{} // closed by the ticker goroutine when it returns
}

type ttyStage struct {
	label   string
	started time.Time
	running bool
	last    string            // latest output line
	tail    [tailLines]string // ring of the last output lines
	lines   int               // output lines seen
}

func (s *ttyStage) push(line string) {
	s.last = line
	s.tail[s.lines%tailLines] = line
	s.lines++
}

// lastLines returns the last output lines, oldest first.
func (s *ttyStage) lastLines() []string {
	n := min(s.lines, tailLines)
	out := make([]string, 0, n)
	for i := s.lines - n; i < s.lines; i++ {
		out = append(out, s.tail[i%tailLines])
	}
	return out
}

func newTTY(w io.Writer, c config) *tty {
	t := &tty{
		w:      w,
		width:  c.width,
		color:  c.useColor(),
		now:    c.now,
		stages: map[stageKey]*ttyStage{},
	}
	t.file, _ = w.(*os.File)
	if c.refresh > 0 {
		t.stop = make(chan struct{})
		t.done = make(chan struct{})
		go t.loop(c.refresh)
	}
	return t
}

func (t *tty) loop(every time.Duration) {
	defer close(t.done)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-t.stop:
			return
		case <-tick.C:
			t.render(false)
		}
	}
}

func (t *tty) Emit(e events.Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return
	}
	switch e.Type {
	case events.RunStarted:
		t.static(sanitize(runStartedLine(e)))
	case events.RunFinished:
		for _, l := range summaryLines(e, t.tally) {
			t.static(sanitize(l))
		}
	case events.StageStarted:
		s := t.stage(e)
		if e.Builder != "" {
			s.label = sanitize(label(e) + " on " + e.Builder)
		}
		if !s.running {
			s.running = true
			s.started = t.now()
			t.running = append(t.running, s)
		}
	case events.StageLog:
		s := t.stage(e)
		for _, l := range splitLines(e.Line) {
			s.push(sanitize(l))
		}
	case events.StageDone, events.StageCached, events.StageFailed, events.StageSkipped:
		t.tally.add(e.Type)
		t.finish(e)
	}
}

// stage returns the state of e's stage, creating it if needed.
func (t *tty) stage(e events.Event) *ttyStage {
	k := keyOf(e)
	s, ok := t.stages[k]
	if !ok {
		s = &ttyStage{label: sanitize(label(e))}
		t.stages[k] = s
	}
	return s
}

// finish queues the static line(s) of a stage's outcome and forgets it.
func (t *tty) finish(e events.Event) {
	s := t.stage(e)
	delete(t.stages, keyOf(e))
	if s.running {
		for i, r := range t.running {
			if r == s {
				t.running = append(t.running[:i], t.running[i+1:]...)
				break
			}
		}
	}
	took := e.Duration
	if took <= 0 && s.running {
		took = t.now().Sub(s.started)
	}
	dur := ""
	if took > 0 {
		dur = " " + seconds(took)
	}
	why := splitLines(e.Error)
	for i := range why {
		why[i] = sanitize(why[i])
	}
	outcome := func(word string) string {
		if why[0] != "" {
			return word + ": " + why[0]
		}
		return word
	}
	switch e.Type {
	case events.StageDone:
		t.static(t.paint(green, "✔") + " " + s.label + dur)
	case events.StageCached:
		t.static(t.paint(green, "✔") + " " + s.label + " " + t.paint(blue, "CACHED"))
	case events.StageSkipped:
		t.static(t.paint(dim, "- "+s.label+" "+outcome("SKIPPED")))
		for _, l := range why[1:] {
			t.static(t.paint(dim, "  "+l))
		}
	case events.StageFailed:
		t.static(t.paint(red, "✘") + " " + s.label + dur + " " + t.paint(red, outcome("ERROR")))
		for _, l := range why[1:] {
			t.static("  " + l)
		}
		for _, l := range s.lastLines() {
			t.static(t.paint(dim, "  │ "+l))
		}
	}
}

func (t *tty) static(line string) { t.pending = append(t.pending, line) }

func (t *tty) paint(color, s string) string {
	if !t.color {
		return s
	}
	return color + s + reset
}

// render draws one frame: the final one, with no live area, if final.
func (t *tty) render(final bool) {
	width, height := t.size()
	t.wmu.Lock()
	defer t.wmu.Unlock()
	t.mu.Lock()
	b := t.frame(final, width, height)
	t.mu.Unlock()
	if len(b) == 0 {
		return
	}
	if _, err := t.w.Write(b); err != nil {
		t.mu.Lock()
		if t.err == nil {
			t.err = err
		}
		t.mu.Unlock()
	}
}

// size returns the terminal's width and height, the height 0 if unknown.
func (t *tty) size() (width, height int) {
	width = 80
	if t.file != nil {
		if w, h, err := term.GetSize(int(t.file.Fd())); err == nil && w > 0 {
			width, height = w, h
		}
	}
	if t.width > 0 {
		width = t.width
	}
	return width, height
}

// frame returns the bytes that erase the live area, print the pending
// static lines and draw the live area anew (or, if final, print the
// stages still running as unfinished instead). It returns nil when there
// is nothing to draw.
func (t *tty) frame(final bool, width, height int) []byte {
	if t.live == 0 && len(t.pending) == 0 && len(t.running) == 0 {
		return nil
	}
	var b bytes.Buffer
	if t.live > 0 {
		fmt.Fprintf(&b, cursorUp, t.live)
		b.WriteString("\r" + clearDown)
	}
	for _, l := range t.pending {
		b.WriteString(l + "\n")
	}
	t.pending = t.pending[:0]
	now := t.now()
	if final {
		for _, s := range t.running {
			b.WriteString(t.paint(dim, "- "+s.label+" "+seconds(now.Sub(s.started))+" UNFINISHED") + "\n")
		}
		t.running = nil
		t.live = 0
		return b.Bytes()
	}
	lines := t.liveLines(now, width, height)
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
	t.live = len(lines)
	return b.Bytes()
}

// liveLines are the lines of the live area: one per running stage, each
// at most width-1 columns so none wraps, and no more than fit on screen.
func (t *tty) liveLines(now time.Time, width, height int) []string {
	shown, more := t.running, 0
	if height > 1 && len(shown) > height-1 {
		n := max(height-2, 0)
		shown, more = shown[:n], len(shown)-n
	}
	// The label column only widens, so the elapsed times stay put as
	// stages come and go.
	for _, s := range t.running {
		t.labelCols = max(t.labelCols, cols(s.label))
	}
	labelCols := min(t.labelCols, max(width/2, 1))
	lines := make([]string, 0, len(shown)+1)
	for _, s := range shown {
		l := truncate(s.label, labelCols)
		l += strings.Repeat(" ", labelCols-cols(l))
		l += fmt.Sprintf(" %6s", seconds(now.Sub(s.started)))
		if s.last != "" {
			l += "  " + s.last
		}
		lines = append(lines, truncate(l, width-1))
	}
	if more > 0 {
		lines = append(lines, truncate(fmt.Sprintf("… and %d more running", more), width-1))
	}
	return lines
}

func (t *tty) Close() error {
	t.mu.Lock()
	if t.closed {
		defer t.mu.Unlock()
		return t.err
	}
	t.closed = true
	t.mu.Unlock()
	if t.stop != nil {
		close(t.stop)
		<-t.done
	}
	t.render(true)
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}
