package eval

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/hashicorp/hcl/v2"
)

// DiagSet collects diagnostics, dropping repeats: a stage planned for three
// arches reports the same mistake once.
type DiagSet struct {
	list hcl.Diagnostics
	seen map[string]bool
}

func (s *DiagSet) Add(diags ...*hcl.Diagnostic) {
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	for _, d := range diags {
		key := fmt.Sprintf("%d|%s|%s|%v", d.Severity, d.Summary, d.Detail, d.Subject)
		if s.seen[key] {
			continue
		}
		s.seen[key] = true
		s.list = append(s.list, d)
	}
}

// HasErrors reports whether an error was added.
func (s *DiagSet) HasErrors() bool { return s.list.HasErrors() }

// List returns the diagnostics added, in order.
func (s *DiagSet) List() hcl.Diagnostics { return s.list }

// UnwrapPathError drops the path from an *fs.PathError, for messages that
// already name it.
func UnwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
