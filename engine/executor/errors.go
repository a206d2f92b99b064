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

// ConnectionError reports that the connection to the machine that runs an
// executor's processes could not be made or broke while in use: a remote
// podman service over ssh whose host went away, say. A process that was
// running there may still run (nothing can stop it from here), and nothing
// it wrote was copied back. Callers branch on it (errors.As) to tell a
// broken builder from a failed build.
type ConnectionError struct {
	// URI names the connection, e.g.
	// "ssh://builder@arm-host/run/podman/podman.sock".
	URI string
	// Lost is true if the connection broke while in use, false if it could
	// not be made.
	Lost bool
	// Err is what failed.
	Err error
}

func (e *ConnectionError) Error() string {
	if e.Lost {
		return fmt.Sprintf("the connection to %s was lost: %v", e.URI, e.Err)
	}
	return fmt.Sprintf("cannot connect to %s: %v", e.URI, e.Err)
}

func (e *ConnectionError) Unwrap() error { return e.Err }
