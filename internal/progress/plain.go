package progress

import (
	"cmp"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/imgpipe/imgpipe/engine/events"
)

// plain writes BuildKit-style append-only text:
//
//	#1 [x86_64] rootfs (exec)
//	#1 installing 212 packages
//	#1 DONE 41.3s
//	#2 [aarch64] rootfs (exec)
//	#2 CACHED
//	#3 [x86_64] disk (exec)
//	#3 ERROR: exit status 1
//	#4 [x86_64] image (exec)
//	#4 SKIPPED: input disk failed
//
// A stage instance is numbered by its first started, log, cached, failed
// or skipped event; queued events print nothing.
type plain struct {
	mu     sync.Mutex
	w      io.Writer
	closed bool
	nums   map[stageKey]int
	tally  tally
	err    error
	buf    []byte
}

func newPlain(w io.Writer) *plain {
	return &plain{w: w, nums: map[stageKey]int{}}
}

func (p *plain) Emit(e events.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.buf = p.buf[:0]
	switch e.Type {
	case events.RunStarted:
		p.line("", runStartedLine(e))
	case events.RunFinished:
		for _, l := range summaryLines(e, p.tally) {
			p.line("", l)
		}
	case events.StageStarted, events.StageLog, events.StageCached,
		events.StageDone, events.StageFailed, events.StageSkipped:
		prefix := p.number(e)
		p.tally.add(e.Type)
		switch e.Type {
		case events.StageStarted:
			// A pool's stage says which builder it was placed on.
			if e.Builder != "" {
				p.line(prefix, "on builder "+e.Builder)
			}
		case events.StageLog:
			for _, l := range splitLines(e.Line) {
				p.line(prefix, l)
			}
		case events.StageCached:
			// Early cutoff says why; a stage whose object exists needs no
			// word.
			if e.Reason != "" && e.Reason != "its object exists" {
				p.line(prefix, "CACHED: "+e.Reason)
			} else {
				p.line(prefix, "CACHED")
			}
		case events.StageDone:
			p.line(prefix, "DONE "+seconds(e.Duration))
		case events.StageFailed:
			p.outcome(prefix, "ERROR", e.Error)
		case events.StageSkipped:
			p.outcome(prefix, "SKIPPED", e.Error)
		}
	}
	if len(p.buf) == 0 {
		return
	}
	if _, err := p.w.Write(p.buf); err != nil && p.err == nil {
		p.err = err
	}
}

// number returns the "#N " prefix of e's stage, numbering it and writing
// its header line if it is new.
func (p *plain) number(e events.Event) string {
	k := keyOf(e)
	n, ok := p.nums[k]
	if !ok {
		// The plan's number when the event has it, so that #N here is #N
		// of imgpipe plan.
		n = cmp.Or(e.N, len(p.nums)+1)
		p.nums[k] = n
	}
	prefix := "#" + strconv.Itoa(n) + " "
	if !ok {
		h := label(e)
		if e.Kind != "" {
			h += " (" + e.Kind + ")"
		}
		p.line(prefix, h)
	}
	return prefix
}

// outcome writes "#N WHAT: why", continuing a multi-line why on further
// prefixed lines, or "#N WHAT" without one.
func (p *plain) outcome(prefix, what, why string) {
	if why == "" {
		p.line(prefix, what)
		return
	}
	for i, l := range splitLines(why) {
		if i == 0 {
			l = what + ": " + l
		}
		p.line(prefix, l)
	}
}

func (p *plain) line(prefix, s string) {
	if s == "" {
		prefix = strings.TrimSuffix(prefix, " ")
	}
	p.buf = append(p.buf, prefix...)
	p.buf = append(p.buf, s...)
	p.buf = append(p.buf, '\n')
}

func (p *plain) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	return p.err
}
