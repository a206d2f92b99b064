//go:build remote

package podman

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// copyIn copies inputs and outputDir (with whatever it holds) into the
// created container c, each at its own path, for a service that cannot
// bind-mount this machine's paths.
func copyIn(ctx context.Context, c *container, inputs []string, outputDir string) error {
	pr, pw := io.Pipe()
	done := make(chan struct{})
	var werr error
	go func() {
		defer close(done)
		werr = writeTree(pw, sharedPaths(inputs, outputDir))
		pw.CloseWithError(werr)
	}()
	err := c.svc.putArchive(ctx, c.name, "/", pr)
	pr.CloseWithError(errors.Join(err, errStopped)) // stops writeTree if the request did not read it all
	<-done
	// A local file that cannot be read cuts the request short: say which,
	// not how the request then failed.
	if werr != nil && !errors.Is(werr, errStopped) && !errors.Is(werr, io.ErrClosedPipe) {
		return werr
	}
	return err
}

// copyOut copies outputDir in the container c into the local outputDir.
func copyOut(ctx context.Context, c *container, outputDir string) error {
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		pw.CloseWithError(c.svc.getArchive(ctx, c.name, outputDir, pw))
	}()
	err := extractTree(pr, outputDir)
	pr.CloseWithError(errors.Join(err, errStopped)) // stops getArchive if extractTree did not read it all
	<-done
	return err
}

// errStopped ends the other side of a copy that stopped early.
var errStopped = errors.New("copy stopped")

// writeTree writes a tar archive of the absolute paths, each named by its
// path without the leading slash, so that extracting it at / recreates
// them. A path that is a symbolic link is followed; links inside
// directories are kept as links.
func writeTree(w io.Writer, paths []string) error {
	tw := tar.NewWriter(w)
	for _, p := range paths {
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			return err
		}
		err = filepath.WalkDir(real, func(file string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, err := filepath.Rel(real, file)
			if err != nil {
				return err
			}
			return addFile(tw, file, strings.TrimPrefix(filepath.Join(p, rel), "/"))
		})
		if err != nil {
			return err
		}
	}
	return tw.Close()
}

// addFile adds the file at path to tw as name.
func addFile(tw *tar.Writer, file, name string) error {
	fi, err := os.Lstat(file)
	if err != nil {
		return err
	}
	link := ""
	if fi.Mode()&fs.ModeSymlink != 0 {
		if link, err = os.Readlink(file); err != nil {
			return err
		}
	}
	if fi.Mode()&fs.ModeSocket != 0 {
		return nil // cannot be copied; means nothing elsewhere
	}
	hdr, err := tar.FileInfoHeader(fi, link)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	hdr.Name = name
	if fi.IsDir() {
		hdr.Name += "/"
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return nil
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(tw, f)
	return err
}

// extractTree extracts a tar archive of a directory (entries "dir",
// "dir/file", ... as the API returns them) into the directory dir, which it
// creates if missing. Nothing is written outside dir, whatever the archive's
// names and symbolic links say. Regular files, directories, symbolic links
// and hard links are extracted; other kinds are skipped.
func extractTree(r io.Reader, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		name, ok := stripFirst(hdr.Name)
		if !ok {
			continue // the directory itself
		}
		if err := extractEntry(root, name, hdr, tr); err != nil {
			return fmt.Errorf("extract %s: %w", hdr.Name, err)
		}
	}
}

// stripFirst removes the first element of the archive name; ok is false if
// nothing is left.
func stripFirst(name string) (rest string, ok bool) {
	name = path.Clean(strings.TrimPrefix(name, "/"))
	_, rest, ok = strings.Cut(name, "/")
	return rest, ok && rest != ""
}

func extractEntry(root *os.Root, name string, hdr *tar.Header, r io.Reader) error {
	mode := fs.FileMode(hdr.Mode).Perm()
	switch hdr.Typeflag {
	case tar.TypeDir:
		if err := root.MkdirAll(name, 0o755); err != nil {
			return err
		}
		return root.Chmod(name, mode)
	case tar.TypeReg:
		if err := removeNonDir(root, name); err != nil {
			return err
		}
		f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
		if err != nil {
			return err
		}
		_, err = io.Copy(f, r)
		return errors.Join(err, f.Close(), root.Chmod(name, mode))
	case tar.TypeSymlink:
		if err := removeNonDir(root, name); err != nil {
			return err
		}
		return root.Symlink(hdr.Linkname, name)
	case tar.TypeLink:
		old, ok := stripFirst(hdr.Linkname)
		if !ok {
			return fmt.Errorf("hard link to %q", hdr.Linkname)
		}
		if err := removeNonDir(root, name); err != nil {
			return err
		}
		return root.Link(old, name)
	}
	return nil
}

// removeNonDir removes name if it exists and is not a directory, so that a
// file can take its place (and a symbolic link there is not followed).
func removeNonDir(root *os.Root, name string) error {
	fi, err := root.Lstat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil || fi.IsDir() {
		return err
	}
	return root.Remove(name)
}
