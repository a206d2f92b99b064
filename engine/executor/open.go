package executor

import (
	"context"
	"fmt"
)

// ContainerSpec is what opening one container executor takes: the executor
// a stage runs on and the image it runs.
type ContainerSpec struct {
	// Executor is "podman" or the name of an executor block.
	Executor string
	// Connection is the service's URI; empty means $CONTAINER_HOST or the
	// default socket.
	Connection string
	// IdentityFile is the SSH key for an ssh:// Connection, or empty.
	IdentityFile string
	// Image is the image's name as the recipe gives it.
	Image string
}

// Where describes the spec's service for messages.
func (s ContainerSpec) Where() string {
	if s.Connection == "" {
		return "$CONTAINER_HOST or the default podman socket"
	}
	return s.Connection
}

// Opener opens container executors. The engine imports no container
// library: the command line implements it with engine/executor/podman.
type Opener interface {
	// Open connects to the spec's service and looks its image up. The
	// executor's Identity must name the image's ID (not its name), so that
	// a re-tagged image changes the IDs of the stages that run in it.
	Open(ctx context.Context, spec ContainerSpec) (Executor, error)
}

// OpenError reports a container executor that could not be opened: a
// service that cannot be reached, an image it does not have.
type OpenError struct {
	Spec ContainerSpec
	Err  error
}

func (e *OpenError) Error() string {
	return fmt.Sprintf("executor %q (connection %s, image %s): %v", e.Spec.Executor, e.Spec.Where(), e.Spec.Image, e.Err)
}

func (e *OpenError) Unwrap() error { return e.Err }
