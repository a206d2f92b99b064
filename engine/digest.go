package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// digestPath returns "sha256:<hex>" over a file's content, or over a
// directory's whole tree: every entry's relative path, type, executable bit
// and content (a symlink's target, not what it points to).
//
// A directory's .git and .imgpipe (the default store) are left out: they
// change with every commit and every run, and no stage reads them.
func digestPath(path string) (string, error) {
	info, err := os.Lstat(path)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	if !info.IsDir() {
		if err := hashEntry(h, path, ".", info); err != nil {
			return "", err
		}
	} else {
		err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && p != path && skippedDirs[d.Name()] {
				return filepath.SkipDir
			}
			info, err := d.Info()
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(path, p)
			return hashEntry(h, p, rel, info)
		})
		if err != nil {
			return "", err
		}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

func hashEntry(h io.Writer, path, rel string, info fs.FileInfo) error {
	mode := info.Mode()
	// Like git, only the executable bit counts: other permission bits
	// depend on the umask of whoever checked the recipe out.
	exec := mode.IsRegular() && mode.Perm()&0o111 != 0
	fmt.Fprintf(h, "%q %s %t\n", filepath.ToSlash(rel), mode.Type(), exec)
	switch {
	case mode.IsRegular():
		f, err := os.Open(path)
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
		target, err := os.Readlink(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "-> %q\n", target)
	}
	return nil
}

var skippedDirs = map[string]bool{".git": true, ".imgpipe": true}
