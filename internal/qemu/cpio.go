package qemu

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// CPIOWriter writes a newc ("070701") cpio archive, the format the Linux
// kernel unpacks as an initramfs. Entries have uid and gid 0 and the mtime
// given, so the archive is reproducible.
type CPIOWriter struct {
	w     io.Writer
	ino   uint32
	MTime int64
	err   error
}

// NewCPIOWriter returns a writer of a newc archive to w.
func NewCPIOWriter(w io.Writer) *CPIOWriter { return &CPIOWriter{w: w, ino: 1} }

// CPIO file type bits of the mode field.
const (
	cpioDir     = 0o040000
	cpioFile    = 0o100000
	cpioSymlink = 0o120000
	cpioChar    = 0o020000
)

func (c *CPIOWriter) header(name string, mode uint32, size int, rmaj, rmin uint32) {
	if c.err != nil {
		return
	}
	name = strings.TrimPrefix(name, "/")
	nlink := uint32(1)
	if mode&0o170000 == cpioDir {
		nlink = 2
	}
	h := fmt.Sprintf("070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
		c.ino, mode, 0, 0, nlink, uint32(c.MTime), size, 0, 0, rmaj, rmin, len(name)+1, 0)
	c.ino++
	c.write([]byte(h + name + "\x00"))
	c.pad(len(h) + len(name) + 1)
}

func (c *CPIOWriter) write(b []byte) {
	if c.err == nil {
		_, c.err = c.w.Write(b)
	}
}

func (c *CPIOWriter) pad(n int) {
	if r := n % 4; r != 0 {
		c.write(make([]byte, 4-r))
	}
}

// Dir adds a directory.
func (c *CPIOWriter) Dir(name string, perm os.FileMode) error {
	c.header(name, cpioDir|uint32(perm.Perm()), 0, 0, 0)
	return c.err
}

// File adds a regular file.
func (c *CPIOWriter) File(name string, perm os.FileMode, data []byte) error {
	c.header(name, cpioFile|uint32(perm.Perm()), len(data), 0, 0)
	c.write(data)
	c.pad(len(data))
	return c.err
}

// Symlink adds a symbolic link to target.
func (c *CPIOWriter) Symlink(name, target string) error {
	c.header(name, cpioSymlink|0o777, len(target), 0, 0)
	c.write([]byte(target))
	c.pad(len(target))
	return c.err
}

// CharDev adds a character device node.
func (c *CPIOWriter) CharDev(name string, perm os.FileMode, major, minor uint32) error {
	c.header(name, cpioChar|uint32(perm.Perm()), 0, major, minor)
	return c.err
}

// Close writes the trailer. It does not close the underlying writer.
func (c *CPIOWriter) Close() error {
	c.header("TRAILER!!!", 0, 0, 0, 0)
	return c.err
}

// KickstartCPIO returns an uncompressed newc archive holding ks as /ks.cfg,
// to append to an initrd.
func KickstartCPIO(ks []byte) []byte {
	var b strings.Builder
	w := NewCPIOWriter(&b)
	w.File("ks.cfg", 0o644, ks)
	w.Close()
	return []byte(b.String())
}

// AppendCPIO copies initrd to w, pads it to a multiple of four bytes, as
// the kernel expects each archive of a concatenated initramfs to start,
// and appends archive. Oz and livemedia-creator inject a kickstart this
// way.
func AppendCPIO(w io.Writer, initrd io.Reader, archive []byte) error {
	n, err := io.Copy(w, initrd)
	if err != nil {
		return err
	}
	if r := n % 4; r != 0 {
		if _, err := w.Write(make([]byte, 4-r)); err != nil {
			return err
		}
	}
	_, err = w.Write(archive)
	return err
}
