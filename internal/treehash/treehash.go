package treehash

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Skipped reports directories and files left out of a tree: version-control
// metadata (it differs between clones of one commit) and imgpipe's default
// store (a recipe directory holds it).
func Skipped(name string) bool {
	switch name {
	case ".git", ".hg", ".imgpipe":
		return true
	}
	return false
}

// Path returns "sha256:<hex>" over a file (as File(path, ".")) or a
// directory (as Tree).
func Path(path string) (string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if info.IsDir() {
		return Tree(path)
	}
	return File(path, ".")
}

// Tree returns "sha256:<hex>" over a directory's entries (not the directory
// itself): each entry's slash-separated relative path, type, executable bit
// and content, or a symlink's target. Skipped entries are left out.
func Tree(dir string) (string, error) {
	h := sha256.New()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		if Skipped(d.Name()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		return Entry(h, p, rel, info)
	})
	if err != nil {
		return "", err
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// File is Tree of a tree holding only the file p, named name.
func File(p, name string) (string, error) {
	info, err := os.Stat(p)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	if err := Entry(h, p, name, info); err != nil {
		return "", err
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// Entry writes one entry into h. Like git, only the executable bit of the
// permissions counts: the others depend on the umask of the checkout.
func Entry(h io.Writer, p, rel string, info fs.FileInfo) error {
	mode := info.Mode()
	exec := mode.IsRegular() && mode.Perm()&0o111 != 0
	fmt.Fprintf(h, "%q %s %t\n", filepath.ToSlash(rel), mode.Type(), exec)
	switch {
	case mode.IsRegular():
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		n, err := io.Copy(h, f)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "\n%d\n", n)
	case mode&fs.ModeSymlink != 0:
		target, err := os.Readlink(p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "-> %q\n", target)
	}
	return nil
}
