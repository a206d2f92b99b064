package engine

import "github.com/imgpipe/imgpipe/internal/treehash"

// digestPath returns "sha256:<hex>" over a local input: a file's content,
// or a directory's whole tree (internal/treehash; .git and the default
// store are left out, only the executable bit of permissions counts).
func digestPath(path string) (string, error) {
	return treehash.Path(path)
}
