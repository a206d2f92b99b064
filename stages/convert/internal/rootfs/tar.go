package rootfs

import (
	"archive/tar"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"time"
)

// TarOptions changes what WriteTar writes.
type TarOptions struct {
	// Exclude, when set, reports whether the member name (as it would be
	// in the archive, "./etc/fstab", without a directory's trailing slash)
	// is left out; an excluded directory is left out with all it holds.
	Exclude func(name string) bool
}

// TarStats describes an archive WriteTar wrote.
type TarStats struct {
	// Entries is the number of members.
	Entries int
	// RegularBytes is the sum of the sizes of the regular files (hard
	// links counted once).
	RegularBytes int64
}

// copyBuf is the size of the buffer file contents are copied through.
const copyBuf = 1 << 20

// WriteTar writes the whole file system to w as a tar archive, in the shape
// `tar -C root -cf - ./` gives: members "./", "./etc/", "./etc/hostname",
// directory entries sorted by name, so the same file system always gives
// the same bytes. Owners are numeric (no user or group names), times are
// the modification times in whole seconds; hard links become tar hard
// links to the first name; sockets are left out, as GNU tar does; extended
// attributes are not written. The archive is complete: WriteTar writes its
// end, but does not close w.
func (fs *FS) WriteTar(ctx context.Context, w io.Writer, opts TarOptions) (TarStats, error) {
	t := &tarWalk{
		ctx:   ctx,
		fs:    fs,
		tw:    tar.NewWriter(w),
		opts:  opts,
		links: map[uint32]string{},
		buf:   make([]byte, copyBuf),
	}
	root, err := fs.inode(rootIno)
	if err != nil {
		return t.stats, err
	}
	if err := t.entry("./", root); err != nil {
		return t.stats, err
	}
	if err := t.dir(".", root, 0); err != nil {
		return t.stats, err
	}
	return t.stats, t.tw.Close()
}

type tarWalk struct {
	ctx   context.Context
	fs    *FS
	tw    *tar.Writer
	opts  TarOptions
	links map[uint32]string // inode → first member name, for hard links
	buf   []byte
	stats TarStats
}

// maxDirDepth stops a directory loop in a corrupt file system.
const maxDirDepth = 1024

func (t *tarWalk) dir(prefix string, in *inode, depth int) error {
	if depth > maxDirDepth {
		return fmt.Errorf("%s: directories nested more than %d deep (a loop?)", prefix, maxDirDepth)
	}
	ents, err := t.fs.readDir(in)
	if err != nil {
		return fmt.Errorf("%s/: %w", prefix, err)
	}
	for _, e := range ents {
		if err := t.ctx.Err(); err != nil {
			return err
		}
		name := prefix + "/" + e.name
		if t.opts.Exclude != nil && t.opts.Exclude(name) {
			continue
		}
		child, err := t.fs.inode(e.ino)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if child.isDir() {
			if err := t.entry(name+"/", child); err != nil {
				return err
			}
			if err := t.dir(name, child, depth+1); err != nil {
				return err
			}
			continue
		}
		if err := t.entry(name, child); err != nil {
			return err
		}
	}
	return nil
}

func (t *tarWalk) entry(name string, in *inode) error {
	hdr := &tar.Header{
		Name:    name,
		Mode:    int64(in.mode & 0o7777),
		Uid:     int(in.uid),
		Gid:     int(in.gid),
		ModTime: time.Unix(in.mtime, 0),
	}
	if !in.isDir() && in.links > 1 {
		if first, ok := t.links[in.ino]; ok {
			hdr.Typeflag = tar.TypeLink
			hdr.Linkname = first
			return t.write(hdr, nil)
		}
		t.links[in.ino] = name
	}
	switch in.mode & modeType {
	case modeDir:
		hdr.Typeflag = tar.TypeDir
		return t.write(hdr, nil)
	case modeReg:
		hdr.Typeflag = tar.TypeReg
		hdr.Size = int64(in.size)
		r, err := t.fs.open(in)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		t.stats.RegularBytes += hdr.Size
		return t.write(hdr, r)
	case modeLink:
		target, err := t.fs.readlink(in)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		hdr.Typeflag = tar.TypeSymlink
		hdr.Linkname = target
		return t.write(hdr, nil)
	case modeChr, modeBlk:
		hdr.Typeflag = tar.TypeChar
		if in.mode&modeType == modeBlk {
			hdr.Typeflag = tar.TypeBlock
		}
		hdr.Devmajor, hdr.Devminor = devNumbers(in.block)
		return t.write(hdr, nil)
	case modeFifo:
		hdr.Typeflag = tar.TypeFifo
		return t.write(hdr, nil)
	case modeSock:
		return nil
	}
	return fmt.Errorf("%s: unknown file type %#o", name, in.mode&modeType)
}

func (t *tarWalk) write(hdr *tar.Header, content io.Reader) error {
	if err := t.tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("%s: %w", hdr.Name, err)
	}
	if content != nil {
		n, err := io.CopyBuffer(t.tw, ctxReader{t.ctx, content}, t.buf)
		if err != nil {
			return fmt.Errorf("%s: %w", hdr.Name, err)
		}
		if n != hdr.Size {
			return fmt.Errorf("%s: read %d bytes of %d", hdr.Name, n, hdr.Size)
		}
	}
	t.stats.Entries++
	return nil
}

// devNumbers decodes a device inode's major and minor numbers from i_block:
// the old 8:8 encoding in the first word, or Linux's new encoding in the
// second.
func devNumbers(block []byte) (int64, int64) {
	if old := binary.LittleEndian.Uint32(block); old != 0 {
		return int64(old >> 8 & 0xff), int64(old & 0xff)
	}
	n := binary.LittleEndian.Uint32(block[4:])
	return int64(n & 0xfff00 >> 8), int64(n&0xff | n>>12&0xfff00)
}

// ctxReader stops a long copy once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
