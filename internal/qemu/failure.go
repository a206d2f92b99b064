package qemu

import "strings"

// Failure is a VM stage that failed (an install, a boot), with what the
// user needs to see why: the reason, the last console lines, the kept
// screenshot and console log, and the guest's own logs with their error
// lines.
type Failure struct {
	Reason  string
	Console []string
	// Screenshot and ConsoleLog are kept files, or "".
	Screenshot, ConsoleLog string
	// Logs are the guest's own logs, kept (an installer's anaconda.log).
	Logs []Evidence
}

// Evidence is a kept log file and the lines of it that matter.
type Evidence struct {
	Path  string
	Quote []string
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
	for _, l := range e.Logs {
		b.WriteString("\ninstaller log: " + l.Path)
		for _, q := range l.Quote {
			b.WriteString("\n  | " + q)
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
