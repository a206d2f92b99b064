package executor

import "fmt"

// ExitError reports a process that ran and failed: it exited with a non-zero
// status or was killed by a signal. A process stopped because its context was
// done is not an ExitError; Run returns the context's error instead.
type ExitError struct {
	// Argv is the command that failed.
	Argv []string
	// Code is the exit status, or -1 if the process was killed by a signal.
	Code int
	// Signal names the signal that killed the process without its "SIG"
	// prefix ("KILL", "SEGV"), or is empty if the process exited.
	Signal string

	// err is the underlying error, usually an *exec.ExitError.
	err error
}

func (e *ExitError) Error() string {
	name := ""
	if len(e.Argv) > 0 {
		name = e.Argv[0]
	}
	if e.Signal != "" {
		return fmt.Sprintf("%q killed by signal %s", name, e.Signal)
	}
	return fmt.Sprintf("%q exited with status %d", name, e.Code)
}

// Unwrap returns the underlying error, an *exec.ExitError when the
// ExitError came from Host.
func (e *ExitError) Unwrap() error { return e.err }
