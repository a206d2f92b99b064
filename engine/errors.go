package engine

import (
	"errors"
	"fmt"
	"strings"

	"github.com/imgpipe/imgpipe/engine/kind"
)

// ErrInterrupted is returned (wrapped) by Run when its context was cancelled
// from outside, by SIGINT or SIGTERM.
var ErrInterrupted = errors.New("interrupted")

// BuildFailedError says which architectures failed a run.
type BuildFailedError struct {
	// Failed are the arches whose failure fails the build.
	Failed []string
	// Tolerated are can_fail arches that failed too.
	Tolerated []string
}

func (e *BuildFailedError) Error() string {
	msg := "build failed: " + strings.Join(e.Failed, ", ") + " failed"
	if len(e.Tolerated) > 0 {
		msg += fmt.Sprintf(" (and can_fail %s)", strings.Join(e.Tolerated, ", "))
	}
	return msg
}

// TimeoutError is the cause of a stage's context when its timeout expires.
type TimeoutError struct {
	Stage   string
	Timeout string
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("timed out after %s (the stage's timeout)", e.Timeout)
}

// locate prefixes a stage's *kind.AttrError with the attribute's place in
// the recipe (file:line:col); other errors are returned as they are.
func locate(n *Node, err error) error {
	var ae *kind.AttrError
	if !errors.As(err, &ae) || n.config == nil {
		return err
	}
	r := n.config.Range(ae.Attr)
	if r == nil || r.Filename == "" {
		return err
	}
	return fmt.Errorf("%s:%d:%d: %w", r.Filename, r.Start.Line, r.Start.Column, err)
}
