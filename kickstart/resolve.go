package kickstart

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/imgpipe/imgpipe/internal/inputlimit"
)

// DirResolver finds included files on the local file system the way
// pykickstart's readKickstart does: a path is first tried as written,
// relative to the working directory, then relative to the directory of
// the file that includes it (only that one: there is no walking up).
type DirResolver struct {
	// WorkDir is the working directory pykickstart tries first. Empty
	// skips that step: Koji's builder runs with an unrelated working
	// directory, so includes resolve against the including file only.
	WorkDir string
	// AppendDir is the directory %ksappend paths are relative to (Anaconda
	// uses the working directory). Empty means WorkDir.
	AppendDir string
	// Root, when set, confines every file to that directory tree
	// (symbolic links are resolved before the check).
	Root string
}

// ErrURLInclude is returned for %include and %ksappend targets that are
// URLs: pykickstart would download them; imgpipe does not.
var ErrURLInclude = errors.New("URL includes are not supported: fetch the file into the kickstart's tree and include it by path")

// Open implements Resolver.
func (r DirResolver) Open(name, dir string) (string, []byte, error) {
	if strings.Contains(name, "://") {
		return "", nil, ErrURLInclude
	}
	var tried []string
	try := func(p string) (string, []byte, bool, error) {
		tried = append(tried, p)
		st, err := os.Stat(p)
		if err != nil {
			return "", nil, false, nil
		}
		if r.Root != "" {
			if err := r.inside(p); err != nil {
				return "", nil, true, err
			}
		}
		if st.IsDir() {
			return "", nil, true, fmt.Errorf("%s is a directory", p)
		}
		b, err := inputlimit.ReadFile(p, inputlimit.KickstartBytes)
		if err != nil {
			return "", nil, true, err
		}
		return p, b, true, nil
	}
	var bases []string
	if dir == "" {
		base := r.AppendDir
		if base == "" {
			base = r.WorkDir
		}
		bases = append(bases, base)
	} else {
		if r.WorkDir != "" {
			bases = append(bases, r.WorkDir)
		}
		bases = append(bases, dir)
	}
	for _, b := range bases {
		p := name
		if !filepath.IsAbs(name) {
			if b == "" {
				continue
			}
			p = filepath.Join(b, name)
		}
		if got, data, ok, err := try(p); ok {
			return got, data, err
		}
		if filepath.IsAbs(name) {
			break
		}
	}
	if len(tried) == 0 {
		return "", nil, fmt.Errorf("no directory to look for it in: %w", fs.ErrNotExist)
	}
	return "", nil, fmt.Errorf("no such file (looked for %s): %w", strings.Join(tried, ", "), fs.ErrNotExist)
}

func (r DirResolver) inside(p string) error {
	root, err := filepath.EvalSymlinks(r.Root)
	if err != nil {
		return err
	}
	if root, err = filepath.Abs(root); err != nil {
		return err
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return err
	}
	if real, err = filepath.Abs(real); err != nil {
		return err
	}
	rel, err := filepath.Rel(root, real)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return fmt.Errorf("%s is outside the kickstart's tree %s", p, r.Root)
	}
	return nil
}

// FSResolver finds included files in a file system (an fs.FS): relative to
// the including file's directory, which must stay inside it. File Paths
// are paths in the FS; the top-level file's name must be one too.
type FSResolver struct {
	FS fs.FS
	// AppendDir is the directory %ksappend paths are relative to; empty is
	// the FS root.
	AppendDir string
}

// Open implements Resolver.
func (r FSResolver) Open(name, dir string) (string, []byte, error) {
	if strings.Contains(name, "://") {
		return "", nil, ErrURLInclude
	}
	if path.IsAbs(name) {
		return "", nil, fmt.Errorf("absolute paths cannot be resolved inside the kickstart's tree: %w", fs.ErrNotExist)
	}
	if dir == "" {
		dir = r.AppendDir
	}
	if dir == "" {
		dir = "."
	}
	p := path.Join(dir, name)
	if !fs.ValidPath(p) {
		return "", nil, fmt.Errorf("%s leaves the kickstart's tree: %w", p, fs.ErrNotExist)
	}
	b, err := readFS(r.FS, p)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return "", nil, fmt.Errorf("%s: %w", p, err)
	}
	return p, b, nil
}

// ResolverFunc adapts a function to Resolver.
type ResolverFunc func(name, dir string) (string, []byte, error)

// Open implements Resolver.
func (f ResolverFunc) Open(name, dir string) (string, []byte, error) { return f(name, dir) }

// readFS reads a file of fsys, at most inputlimit.KickstartBytes of it.
func readFS(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return inputlimit.Read(f, name, inputlimit.KickstartBytes)
}
