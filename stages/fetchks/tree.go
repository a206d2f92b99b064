package fetchks

import (
	"cmp"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/agext/levenshtein"

	"github.com/imgpipe/imgpipe/internal/treehash"
)

// skip reports entries never copied into, nor hashed as part of, a tree.
func skip(name string) bool { return treehash.Skipped(name) }

// treeDigest and fileDigest are the tree digests of internal/treehash: the
// revision of a local tree.
var (
	treeDigest = treehash.Tree
	fileDigest = treehash.File
)

// fileSum returns a file's hash with the given algorithm, hex-encoded.
func fileSum(p string, newHash func() hash.Hash) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := newHash()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// escapeError is a symlink that leaves the tree, or a special file.
type escapeError struct{ msg string }

func (e *escapeError) Error() string { return e.msg }

// checkLink refuses a symlink (at rel inside root) whose target leaves the
// tree: an absolute target, a relative one that climbs out, or one that
// leaves it through other symlinks (os.Root follows them and refuses
// escapes). A dangling link inside the tree is allowed.
func checkLink(root *os.Root, rel, target string) error {
	where := filepath.ToSlash(rel)
	if filepath.IsAbs(target) {
		return &escapeError{fmt.Sprintf("%s is a symlink to the absolute path %s, outside the tree; fetch-ks refuses symlinks that leave the tree", where, target)}
	}
	lex := filepath.Join(filepath.Dir(rel), target)
	if lex == ".." || strings.HasPrefix(lex, ".."+string(filepath.Separator)) {
		return &escapeError{fmt.Sprintf("%s is a symlink to %s, outside the tree; fetch-ks refuses symlinks that leave the tree", where, target)}
	}
	if _, err := root.Stat(rel); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return &escapeError{fmt.Sprintf("%s is a symlink to %s, which leaves the tree (%v); fetch-ks refuses symlinks that leave the tree", where, target, errors.Unwrap(err))}
	}
	return nil
}

// copyTree copies the directory src to dst (which must not exist),
// leaving out version-control metadata. Regular files keep only their
// executable bit; symlinks are copied as symlinks once checkLink accepts
// them; any other kind of file (device, fifo, socket) is refused.
func copyTree(src, dst string) error {
	root, err := os.OpenRoot(src)
	if err != nil {
		return err
	}
	defer root.Close()
	if err := os.Mkdir(dst, 0o755); err != nil {
		return err
	}
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == src {
			return nil
		}
		if skip(d.Name()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(src, p)
		out := filepath.Join(dst, rel)
		switch t := d.Type(); {
		case t.IsDir():
			return os.Mkdir(out, 0o755)
		case t.IsRegular():
			info, err := d.Info()
			if err != nil {
				return err
			}
			perm := os.FileMode(0o644)
			if info.Mode().Perm()&0o111 != 0 {
				perm = 0o755
			}
			return copyFile(p, out, perm)
		case t&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			if err := checkLink(root, rel, target); err != nil {
				return err
			}
			return os.Symlink(target, out)
		default:
			return &escapeError{fmt.Sprintf("%s is a %s, not a file, directory or symlink; fetch-ks refuses it", filepath.ToSlash(rel), t.Type())}
		}
	})
}

func copyFile(src, dst string, perm os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Chmod(dst, perm)
}

// subdirOf returns the subdirectory sub of the directory dir, refusing one
// that is, or passes through, a symlink (it could lead out of the
// checkout), or that is not a directory.
func subdirOf(dir, sub string) (string, error) {
	if sub == "" {
		return dir, nil
	}
	p := dir
	for _, c := range strings.Split(sub, "/") {
		p = filepath.Join(p, c)
		info, err := os.Lstat(p)
		if err != nil {
			return "", err
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			rel, _ := filepath.Rel(dir, p)
			return "", &escapeError{fmt.Sprintf("subdirectory %s: %s is a symlink; name the directory it points to", sub, filepath.ToSlash(rel))}
		}
		if !info.IsDir() {
			return "", fmt.Errorf("subdirectory %s: %s is not a directory", sub, c)
		}
	}
	return p, nil
}

// files lists the regular files and symlinks of a tree, relative and
// slash-separated.
func files(dir string) []string {
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return nil
		}
		if skip(d.Name()) && d.IsDir() {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out
}

// dirs lists the directories of a tree, relative and slash-separated.
func dirs(dir string) []string {
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return nil
		}
		if d.IsDir() {
			if skip(d.Name()) {
				return filepath.SkipDir
			}
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out
}

// nearest returns up to n of names closest to want: by edit distance over
// the whole path or over the base name, whichever is smaller.
func nearest(want string, names []string, n int) []string {
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	wb := path.Base(want)
	for _, name := range names {
		d := min(levenshtein.Distance(want, name, nil), levenshtein.Distance(wb, path.Base(name), nil)+1)
		cs = append(cs, cand{name, d})
	}
	slices.SortFunc(cs, func(a, b cand) int {
		return cmp.Or(cmp.Compare(a.d, b.d), cmp.Compare(a.name, b.name))
	})
	var out []string
	for _, c := range cs[:min(n, len(cs))] {
		out = append(out, c.name)
	}
	return out
}

// quoteList writes names as "a", "b" and "c".
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	switch len(q) {
	case 0:
		return ""
	case 1:
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}
