package progress

import (
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/term"

	"github.com/imgpipe/imgpipe/engine/events"
)

// Mode selects a renderer.
type Mode string

const (
	Auto  Mode = "auto"  // TTY if the writer is a terminal and TERM is not "dumb", else Plain
	TTY   Mode = "tty"   // live view redrawn in place
	Plain Mode = "plain" // append-only numbered text
	JSON  Mode = "json"  // one JSON event per line
)

// Modes lists the valid modes, the default first.
func Modes() []Mode { return []Mode{Auto, TTY, Plain, JSON} }

// ParseMode returns the Mode named s, or an error listing the valid ones.
func ParseMode(s string) (Mode, error) {
	for _, m := range Modes() {
		if string(m) == s {
			return m, nil
		}
	}
	return "", fmt.Errorf("unknown progress mode %q (valid: auto, tty, plain, json)", s)
}

// String implements fmt.Stringer.
func (m Mode) String() string { return string(m) }

// Set implements flag.Value (and, with Type, pflag.Value).
func (m *Mode) Set(s string) error {
	v, err := ParseMode(s)
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// Type implements pflag.Value.
func (m *Mode) Type() string { return "mode" }

// Renderer is an events.Sink that writes what it receives. Close stops any
// background drawing, writes the final state and returns the first write
// error, if any. It does not close the underlying writer.
type Renderer interface {
	events.Sink
	Close() error
}

// An Option changes how New detects the terminal or draws.
type Option func(*config)

type config struct {
	terminal *bool
	width    int
	color    *bool
	refresh  time.Duration
	now      func() time.Time
}

// WithTerminal says whether the writer is a terminal, instead of asking
// the operating system. It only matters to Auto.
func WithTerminal(isTerminal bool) Option {
	return func(c *config) { c.terminal = &isTerminal }
}

// WithWidth fixes the terminal width in columns for TTY, instead of asking
// the terminal (or assuming 80 when the writer is not one).
func WithWidth(cols int) Option {
	return func(c *config) { c.width = cols }
}

// WithColor turns TTY's colors on or off, instead of following NO_COLOR.
func WithColor(on bool) Option {
	return func(c *config) { c.color = &on }
}

// WithRefresh sets how often TTY redraws (default 100ms). With d <= 0 it
// draws only when Close is called.
func WithRefresh(d time.Duration) Option {
	return func(c *config) { c.refresh = d }
}

// withClock replaces time.Now for TTY's elapsed times (tests).
func withClock(now func() time.Time) Option {
	return func(c *config) { c.now = now }
}

// New returns a Renderer for mode writing to w. The tty renderer starts a
// goroutine; Close stops it.
func New(mode Mode, w io.Writer, opts ...Option) (Renderer, error) {
	if _, err := ParseMode(string(mode)); err != nil {
		return nil, err
	}
	c := config{refresh: 100 * time.Millisecond, now: time.Now}
	for _, o := range opts {
		o(&c)
	}
	if mode == Auto {
		mode = Plain
		if c.isTerminal(w) && os.Getenv("TERM") != "dumb" {
			mode = TTY
		}
	}
	switch mode {
	case TTY:
		return newTTY(w, c), nil
	case Plain:
		return newPlain(w), nil
	default:
		return newJSON(w), nil
	}
}

func (c *config) isTerminal(w io.Writer) bool {
	if c.terminal != nil {
		return *c.terminal
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func (c *config) useColor() bool {
	if c.color != nil {
		return *c.color
	}
	return os.Getenv("NO_COLOR") == ""
}
