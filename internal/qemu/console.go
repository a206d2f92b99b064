package qemu

import (
	"bytes"
	"io"
	"regexp"
	"strings"
	"sync"
)

// Console captures a guest's serial console: the raw bytes go to Raw (the
// console log file), each line, cleaned of terminal escapes, to Live (the
// stage log), and watchers see every line as it arrives, and also the
// unfinished last line, since prompts ("login: ") end without a newline.
type Console struct {
	Raw  io.Writer
	Live io.Writer

	mu       sync.Mutex
	partial  []byte
	lines    []string
	watchers []*watcher
}

// maxLines bounds the lines kept in memory for Lines and Tail.
const maxLines = 20000

type watcher struct {
	re *regexp.Regexp
	ch chan string
}

// Watch returns a channel that receives the first line matching re.
func (c *Console) Watch(re *regexp.Regexp) <-chan string {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := &watcher{re: re, ch: make(chan string, 1)}
	for _, l := range c.lines {
		if re.MatchString(l) {
			w.ch <- l
			return w.ch
		}
	}
	c.watchers = append(c.watchers, w)
	return w.ch
}

var escapes = regexp.MustCompile(`\x1b(\[[0-9;?]*[ -/]*[@-~]|[@-Z\\-_]|c)`)

// cleanLine removes terminal escapes and control characters.
func cleanLine(b []byte) string {
	s := escapes.ReplaceAllString(string(b), "")
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// Write implements io.Writer.
func (c *Console) Write(p []byte) (int, error) {
	if c.Raw != nil {
		c.Raw.Write(p)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.partial = append(c.partial, p...)
	for {
		i := bytes.IndexByte(c.partial, '\n')
		if i < 0 {
			break
		}
		line := cleanLine(c.partial[:i])
		c.partial = c.partial[i+1:]
		c.lines = append(c.lines, line)
		if len(c.lines) > maxLines {
			c.lines = c.lines[len(c.lines)-maxLines:]
		}
		if c.Live != nil {
			io.WriteString(c.Live, line+"\n")
		}
		c.match(line)
	}
	if len(c.partial) > 0 {
		c.match(cleanLine(c.partial))
	}
	return len(p), nil
}

func (c *Console) match(line string) {
	kept := c.watchers[:0]
	for _, w := range c.watchers {
		if w.re.MatchString(line) {
			w.ch <- line
			continue
		}
		kept = append(kept, w)
	}
	c.watchers = kept
}

// Flush sends an unfinished last line to Live.
func (c *Console) Flush() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.partial) > 0 {
		line := cleanLine(c.partial)
		c.lines = append(c.lines, line)
		if c.Live != nil {
			io.WriteString(c.Live, line+"\n")
		}
		c.partial = nil
	}
}

// Lines returns the lines so far (at most the last 20000), with the
// unfinished one.
func (c *Console) Lines() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := append([]string(nil), c.lines...)
	if len(c.partial) > 0 {
		out = append(out, cleanLine(c.partial))
	}
	return out
}

// Tail returns the last n non-empty lines.
func (c *Console) Tail(n int) []string {
	lines := c.Lines()
	var out []string
	for i := len(lines) - 1; i >= 0 && len(out) < n; i-- {
		if strings.TrimSpace(lines[i]) != "" {
			out = append(out, lines[i])
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}
