package executor

import (
	"context"
	"io"
)

// Executor runs one process to completion.
type Executor interface {
	// Identity names the executor and whatever about it changes a stage's
	// output (a container image digest, say). It is hashed into stage IDs.
	Identity() string
	// Run starts cmd, streams its output and waits for it. When ctx is done
	// the process and every process it started are killed before Run returns.
	// A non-zero exit is an *ExitError.
	Run(ctx context.Context, cmd Cmd) error
}

// Cmd is one process to run.
type Cmd struct {
	Argv []string
	// Env is the whole environment, "KEY=value" entries; nothing is inherited.
	Env []string
	// Dir is the working directory; empty means OutputDir.
	Dir string
	// Inputs are the files and directories the process reads.
	Inputs []string
	// OutputDir is the directory the process writes its results into.
	OutputDir string

	Stdin          io.Reader
	Stdout, Stderr io.Writer
}
