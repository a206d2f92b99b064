package executor

import (
	"context"
	"fmt"
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

	// Privileged, Network and Devices are for container executors only
	// (executor/podman), which add them to their own options for this
	// process; Host ignores them. They are not part of Identity: a stage
	// that sets them has them in its configuration, hence in its ID.
	//
	// Privileged runs the process with all capabilities and devices.
	Privileged bool
	// Network is "none" (no network but loopback) or "host"; empty means
	// the executor's own setting.
	Network string
	// Devices are host devices to add ("/dev/kvm", "/dev/loop-control").
	Devices []string

	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// Container is implemented by executors that run each process in a
// container made from one image (executor/podman). Stages that need more
// than Run (the chroot kind's cached build roots) use it through a type
// assertion and refuse to run on an executor that lacks it.
type Container interface {
	Executor
	// ImageID is the ID (64 hex digits) of the image the executor runs.
	ImageID() string
	// ImageArch is the architecture (GOARCH) the image is built for, or ""
	// if it names none: a stage building for another arch can say so.
	ImageArch() string
	// Derive returns an executor like this one over the image tagged tag,
	// making it first if the service has no such image: steps run in
	// order, in one container from this executor's image, which is then
	// committed as tag. A failing step fails Derive with a *StepError and
	// leaves no image. reused reports that the image existed already.
	Derive(ctx context.Context, tag string, steps []Cmd) (c Container, reused bool, err error)
}

// StepError is Derive's error for a step that failed or could not run.
type StepError struct {
	// Tag is the image Derive was making.
	Tag string
	// Step is the failed step's index in Derive's steps.
	Step int
	// Argv is the failed step's command.
	Argv []string
	// Err is why it failed, an *ExitError if it ran and exited non-zero.
	Err error
}

func (e *StepError) Error() string {
	return fmt.Sprintf("make image %s: step %d %q: %v", e.Tag, e.Step+1, e.Argv, e.Err)
}

func (e *StepError) Unwrap() error { return e.Err }
