package helper

import (
	"archive/tar"
	"archive/zip"
	"compress/bzip2"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"os"

	getter "github.com/hashicorp/go-getter"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"

	"github.com/imgpipe/imgpipe/internal/gogetter"
)

// checkedTree unpacks a tree archive only once every member is a regular
// file or a directory. go-getter v1 writes any other member (a symlink, a
// hard link, a device, a fifo) as an empty regular file, or a zip symlink
// as a file holding its target: a tar link to /etc/shadow became an empty
// kickstart, and the fetch succeeded.
type checkedTree struct {
	format string
	inner  getter.Decompressor
	// maxUnpacked stops the check where the members' sizes add up to
	// more (0: no limit), as go-getter's unpacking stops.
	maxUnpacked int64
}

func (c checkedTree) Decompress(dst, src string, dir bool, umask os.FileMode) error {
	if err := checkMembers(c.format, src, c.maxUnpacked); err != nil {
		return err
	}
	return c.inner.Decompress(dst, src, dir, umask)
}

// checkMembers reads the archive's members and refuses the first that is
// neither a regular file nor a directory, with a *gogetter.RefusedError.
func checkMembers(format, src string, maxUnpacked int64) error {
	if format == "zip" {
		zr, err := zip.OpenReader(src)
		if err != nil {
			return err
		}
		defer zr.Close()
		for _, f := range zr.File {
			if m := f.Mode(); !m.IsRegular() && !m.IsDir() {
				return refused(f.Name, fileType(m), "")
			}
		}
		return nil
	}
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := tarStream(format, f)
	if err != nil {
		return err
	}
	tr := tar.NewReader(r)
	var total int64
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err // go-getter reports it too
		}
		switch hdr.Typeflag {
		case tar.TypeReg, tar.TypeRegA, tar.TypeDir, tar.TypeXGlobalHeader, tar.TypeXHeader:
		case tar.TypeSymlink:
			return refused(hdr.Name, "symlink", hdr.Linkname)
		case tar.TypeLink:
			return refused(hdr.Name, "hard link", hdr.Linkname)
		default:
			return refused(hdr.Name, fileType(hdr.FileInfo().Mode()), "")
		}
		// Past the size limit go-getter's untar, which adds up the same
		// sizes, stops at this member with its own error: no later member
		// is written, so none needs reading (a bomb would take long).
		if total += hdr.Size; maxUnpacked > 0 && total > maxUnpacked {
			return nil
		}
	}
}

// tarStream returns the tar stream inside a compressed tar archive.
func tarStream(format string, r io.Reader) (io.Reader, error) {
	switch format {
	case "tar":
		return r, nil
	case "tar.gz", "tgz":
		return gzip.NewReader(r)
	case "tar.bz2", "tbz2":
		return bzip2.NewReader(r), nil
	case "tar.xz", "txz":
		return xz.NewReader(r)
	case "tar.zst", "tzst":
		zr, err := zstd.NewReader(r)
		if err != nil {
			return nil, err
		}
		return zr.IOReadCloser(), nil
	}
	return nil, fmt.Errorf("no tar reader for .%s", format)
}

func fileType(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "symlink"
	case m&fs.ModeDevice != 0:
		return "device"
	case m&fs.ModeNamedPipe != 0:
		return "fifo"
	case m&fs.ModeSocket != 0:
		return "socket"
	}
	return "special file"
}

func refused(member, what, target string) error {
	msg := fmt.Sprintf("archive member %s is a %s", member, what)
	if target != "" {
		msg += " to " + target
	}
	return &gogetter.RefusedError{Msg: msg + "; fetch-ks unpacks only files and directories (a link could point anywhere): put the file itself in the archive"}
}
