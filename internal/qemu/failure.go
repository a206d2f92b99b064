package qemu

import "strings"

// Failure is a VM stage that failed (an install, a boot), with what the
// user needs to see why: the reason, the last console lines, and the kept
// screenshot and console log.
type Failure struct {
	Reason  string
	Console []string
	// Screenshot and ConsoleLog are kept files, or "".
	Screenshot, ConsoleLog string
}

func (e *Failure) Error() string {
	var b strings.Builder
	b.WriteString(e.Reason)
	if len(e.Console) > 0 {
		b.WriteString("\nlast console lines:")
		for _, l := range e.Console {
			b.WriteString("\n  | " + l)
		}
	}
	if e.Screenshot != "" {
		b.WriteString("\nscreenshot: " + e.Screenshot)
	}
	if e.ConsoleLog != "" {
		b.WriteString("\nconsole log: " + e.ConsoleLog)
	}
	return b.String()
}
