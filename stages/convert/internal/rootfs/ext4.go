package rootfs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// On-disk constants of ext2/3/4 (e2fsprogs lib/ext2fs/ext2_fs.h).
const (
	extMagic     = 0xef53
	extentMagic  = 0xf30a
	xattrMagic   = 0xea020000
	rootIno      = 2
	maxDepth     = 5 // an extent tree is at most 5 levels deep
	maxSymlink   = 4096
	inlineLength = 60 // bytes of i_block

	compatHasJournal = 0x4
	compatSparse2    = 0x200

	incompatFiletype = 0x2
	incompatRecover  = 0x4
	incompatJournal  = 0x8
	incompatMetaBG   = 0x10
	incompatExtents  = 0x40
	incompat64bit    = 0x80
	incompatMMP      = 0x100
	incompatFlexBG   = 0x200
	incompatEAInode  = 0x400
	incompatDirData  = 0x1000
	incompatCsumSeed = 0x2000
	incompatLargeDir = 0x4000
	incompatInline   = 0x8000
	incompatEncrypt  = 0x10000
	incompatCasefold = 0x20000

	rocompatSparseSuper = 0x1

	flagExtents = 0x80000
	flagInline  = 0x10000000

	modeType = 0xf000
	modeDir  = 0x4000
	modeReg  = 0x8000
	modeLink = 0xa000
	modeChr  = 0x2000
	modeBlk  = 0x6000
	modeFifo = 0x1000
	modeSock = 0xc000
)

// supportedIncompat are the incompatible features the reader understands;
// a file system with any other is refused rather than misread.
const supportedIncompat = incompatFiletype | incompatMetaBG | incompatExtents | incompat64bit |
	incompatMMP | incompatFlexBG | incompatCsumSeed | incompatLargeDir | incompatInline

// FS is an ext2, ext3 or ext4 file system, open for reading.
type FS struct {
	r        io.ReaderAt
	size     int64 // of the partition
	bs       int64 // block size
	ipg      uint32
	bpg      uint32
	inodes   uint32
	groups   uint32
	firstDB  uint32
	inoSize  int64
	descSize int64
	incompat uint32
	compat   uint32
	rocompat uint32
	metaBG   uint32 // s_first_meta_bg
}

// Open reads the superblock of the ext2/3/4 file system at offset off (size
// bytes) of r.
func Open(r io.ReaderAt, off, size int64) (*FS, error) {
	sec := io.NewSectionReader(r, off, size)
	sb := make([]byte, 1024)
	if _, err := sec.ReadAt(sb, 1024); err != nil {
		return nil, fmt.Errorf("read the superblock: %w", err)
	}
	le32 := func(o int) uint32 { return binary.LittleEndian.Uint32(sb[o:]) }
	le16 := func(o int) uint16 { return binary.LittleEndian.Uint16(sb[o:]) }
	if le16(0x38) != extMagic {
		return nil, errors.New("not an ext2/3/4 file system (no superblock magic)")
	}
	fs := &FS{
		r:        sec,
		size:     size,
		inodes:   le32(0x0),
		firstDB:  le32(0x14),
		bpg:      le32(0x20),
		ipg:      le32(0x28),
		compat:   le32(0x5c),
		incompat: le32(0x60),
		rocompat: le32(0x64),
		inoSize:  128,
		descSize: 32,
		metaBG:   le32(0x104),
	}
	logBS := le32(0x18)
	if logBS > 6 {
		return nil, fmt.Errorf("implausible block size 2^%d KiB", logBS)
	}
	fs.bs = 1024 << logBS
	if le32(0x4c) >= 1 {
		fs.inoSize = int64(le16(0x58))
	}
	if fs.inoSize < 128 || fs.inoSize > fs.bs || fs.inoSize&(fs.inoSize-1) != 0 {
		return nil, fmt.Errorf("implausible inode size %d", fs.inoSize)
	}
	blocks := uint64(le32(0x4))
	if fs.incompat&incompat64bit != 0 {
		blocks |= uint64(le32(0x150)) << 32
		if d := int64(le16(0xfe)); d >= 32 {
			fs.descSize = d
		}
	}
	if fs.bpg == 0 || fs.ipg == 0 {
		return nil, errors.New("implausible superblock: no blocks or inodes per group")
	}
	fs.groups = uint32((blocks - uint64(fs.firstDB) + uint64(fs.bpg) - 1) / uint64(fs.bpg))
	if fs.incompat&incompatRecover != 0 {
		return nil, errors.New("the file system's journal needs recovery (it was not unmounted cleanly): run e2fsck on the disk image first")
	}
	if bad := fs.incompat &^ supportedIncompat; bad != 0 {
		return nil, fmt.Errorf("the file system uses features this reader does not know (incompat flags %#x)", bad)
	}
	return fs, nil
}

// BlockSize is the file system's block size in bytes.
func (fs *FS) BlockSize() int64 { return fs.bs }

func (fs *FS) readAt(p []byte, off int64) error {
	if off < 0 || off+int64(len(p)) > fs.size {
		return fmt.Errorf("read of %d bytes at %d lies outside the file system (%d bytes)", len(p), off, fs.size)
	}
	_, err := fs.r.ReadAt(p, off)
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return err
}

func (fs *FS) block(n uint64) ([]byte, error) {
	b := make([]byte, fs.bs)
	return b, fs.readAt(b, int64(n)*fs.bs)
}

// hasSuper reports whether group g holds a superblock backup.
func (fs *FS) hasSuper(g uint32) bool {
	if g <= 1 || fs.rocompat&rocompatSparseSuper == 0 {
		return true
	}
	if fs.compat&compatSparse2 != 0 {
		return false // backups are only in the groups s_backup_bgs names; not needed here
	}
	for _, b := range []uint32{3, 5, 7} {
		n := b
		for n < g {
			n *= b
		}
		if n == g {
			return true
		}
	}
	return false
}

// descriptor returns group g's descriptor.
func (fs *FS) descriptor(g uint32) ([]byte, error) {
	if g >= fs.groups {
		return nil, fmt.Errorf("group %d does not exist", g)
	}
	perBlock := uint32(fs.bs / fs.descSize)
	i := g / perBlock
	var blk uint64
	if fs.incompat&incompatMetaBG == 0 || i < fs.metaBG {
		blk = uint64(fs.firstDB) + 1 + uint64(i)
	} else {
		first := i * perBlock
		blk = uint64(fs.firstDB) + uint64(first)*uint64(fs.bpg)
		if fs.hasSuper(first) {
			blk++
		}
	}
	d := make([]byte, fs.descSize)
	return d, fs.readAt(d, int64(blk)*fs.bs+int64(g%perBlock)*fs.descSize)
}

// inode is the part of an on-disk inode the reader uses.
type inode struct {
	ino   uint32
	mode  uint16
	uid   uint32
	gid   uint32
	size  uint64
	mtime int64
	links uint16
	flags uint32
	block []byte // i_block, 60 bytes
	raw   []byte
}

func (in *inode) isDir() bool  { return in.mode&modeType == modeDir }
func (in *inode) isReg() bool  { return in.mode&modeType == modeReg }
func (in *inode) isLink() bool { return in.mode&modeType == modeLink }

func (fs *FS) inode(ino uint32) (*inode, error) {
	if ino == 0 || ino > fs.inodes {
		return nil, fmt.Errorf("inode %d does not exist", ino)
	}
	g, idx := (ino-1)/fs.ipg, (ino-1)%fs.ipg
	d, err := fs.descriptor(g)
	if err != nil {
		return nil, fmt.Errorf("inode %d: %w", ino, err)
	}
	table := uint64(binary.LittleEndian.Uint32(d[0x8:]))
	if fs.descSize >= 64 {
		table |= uint64(binary.LittleEndian.Uint32(d[0x28:])) << 32
	}
	raw := make([]byte, fs.inoSize)
	if err := fs.readAt(raw, int64(table)*fs.bs+int64(idx)*fs.inoSize); err != nil {
		return nil, fmt.Errorf("inode %d: %w", ino, err)
	}
	le32 := func(o int) uint32 { return binary.LittleEndian.Uint32(raw[o:]) }
	le16 := func(o int) uint16 { return binary.LittleEndian.Uint16(raw[o:]) }
	in := &inode{
		ino:   ino,
		mode:  le16(0x0),
		uid:   uint32(le16(0x2)) | uint32(le16(0x78))<<16,
		gid:   uint32(le16(0x18)) | uint32(le16(0x7a))<<16,
		size:  uint64(le32(0x4)) | uint64(le32(0x6c))<<32,
		mtime: int64(int32(le32(0x10))),
		links: le16(0x1a),
		flags: le32(0x20),
		block: raw[0x28 : 0x28+inlineLength],
		raw:   raw,
	}
	// Times past 2038 keep two more bits of seconds in i_mtime_extra.
	if fs.inoSize > 128 {
		if extra := int64(le16(0x80)); extra >= 0x8c-0x80 {
			in.mtime += int64(le32(0x88)&3) << 32
		}
	}
	return in, nil
}

// extent maps length blocks of a file from logical block logical to
// physical block physical. Unwritten extents read as zeros.
type extent struct {
	logical, physical, length uint64
	unwritten                 bool
}

// extents returns the file's data blocks, sorted by logical block.
func (fs *FS) extents(in *inode) ([]extent, error) {
	var out []extent
	var err error
	if in.flags&flagExtents != 0 {
		err = fs.walkExtents(in.block, maxDepth, &out)
	} else {
		nblocks := (in.size + uint64(fs.bs) - 1) / uint64(fs.bs)
		err = fs.walkBlockMap(in, nblocks, &out)
	}
	if err != nil {
		return nil, fmt.Errorf("inode %d: %w", in.ino, err)
	}
	slices.SortFunc(out, func(a, b extent) int {
		switch {
		case a.logical < b.logical:
			return -1
		case a.logical > b.logical:
			return 1
		}
		return 0
	})
	for i := 1; i < len(out); i++ {
		if out[i-1].logical+out[i-1].length > out[i].logical {
			return nil, fmt.Errorf("inode %d: overlapping extents", in.ino)
		}
	}
	return out, nil
}

func (fs *FS) walkExtents(node []byte, budget int, out *[]extent) error {
	if len(node) < 12 || binary.LittleEndian.Uint16(node) != extentMagic {
		return errors.New("bad extent header")
	}
	entries := int(binary.LittleEndian.Uint16(node[2:]))
	depth := int(binary.LittleEndian.Uint16(node[6:]))
	if depth >= budget || 12+12*entries > len(node) {
		return errors.New("corrupt extent tree")
	}
	for i := range entries {
		e := node[12+12*i:]
		lblock := uint64(binary.LittleEndian.Uint32(e))
		if depth == 0 {
			n := uint64(binary.LittleEndian.Uint16(e[4:]))
			unwritten := n > 32768
			if unwritten {
				n -= 32768
			}
			start := uint64(binary.LittleEndian.Uint16(e[6:]))<<32 | uint64(binary.LittleEndian.Uint32(e[8:]))
			*out = append(*out, extent{logical: lblock, physical: start, length: n, unwritten: unwritten})
			continue
		}
		leaf := uint64(binary.LittleEndian.Uint32(e[4:])) | uint64(binary.LittleEndian.Uint16(e[8:]))<<32
		child, err := fs.block(leaf)
		if err != nil {
			return err
		}
		if err := fs.walkExtents(child, depth, out); err != nil {
			return err
		}
	}
	return nil
}

// walkBlockMap reads ext2/ext3's direct and indirect block pointers.
func (fs *FS) walkBlockMap(in *inode, nblocks uint64, out *[]extent) error {
	perBlock := uint64(fs.bs / 4)
	add := func(logical, physical uint64) {
		if n := len(*out); n > 0 {
			last := &(*out)[n-1]
			if last.logical+last.length == logical && last.physical+last.length == physical {
				last.length++
				return
			}
		}
		*out = append(*out, extent{logical: logical, physical: physical, length: 1})
	}
	var walk func(ptr uint64, level int, logical uint64) error
	walk = func(ptr uint64, level int, logical uint64) error {
		if ptr == 0 || logical >= nblocks {
			return nil // a hole, or past the end
		}
		if level == 0 {
			add(logical, ptr)
			return nil
		}
		b, err := fs.block(ptr)
		if err != nil {
			return err
		}
		span := uint64(1)
		for range level - 1 {
			span *= perBlock
		}
		for i := range perBlock {
			p := uint64(binary.LittleEndian.Uint32(b[4*i:]))
			if err := walk(p, level-1, logical+i*span); err != nil {
				return err
			}
		}
		return nil
	}
	ptr := func(i int) uint64 { return uint64(binary.LittleEndian.Uint32(in.block[4*i:])) }
	for i := range 12 {
		if err := walk(ptr(i), 0, uint64(i)); err != nil {
			return err
		}
	}
	start := uint64(12)
	span := perBlock
	for level := 1; level <= 3; level++ {
		if err := walk(ptr(11+level), level, start); err != nil {
			return err
		}
		start += span
		span *= perBlock
	}
	return nil
}

// inlineData returns the content of an inode with inline data: i_block,
// then the value of its system.data extended attribute.
func (fs *FS) inlineData(in *inode) ([]byte, error) {
	data := slices.Clone(in.block)
	if fs.inoSize > 128 {
		extra := int64(binary.LittleEndian.Uint16(in.raw[0x80:]))
		start := 128 + extra
		if start+4 <= int64(len(in.raw)) && binary.LittleEndian.Uint32(in.raw[start:]) == xattrMagic {
			base := start + 4
			for e := base; e+16 <= int64(len(in.raw)); {
				if binary.LittleEndian.Uint32(in.raw[e:]) == 0 {
					break
				}
				nameLen := int64(in.raw[e])
				index := in.raw[e+1]
				valOff := int64(binary.LittleEndian.Uint16(in.raw[e+2:]))
				valSize := int64(binary.LittleEndian.Uint32(in.raw[e+8:]))
				if e+16+nameLen > int64(len(in.raw)) {
					break
				}
				name := string(in.raw[e+16 : e+16+nameLen])
				if index == 7 && name == "data" {
					if base+valOff+valSize > int64(len(in.raw)) {
						return nil, fmt.Errorf("inode %d: inline data lies outside the inode", in.ino)
					}
					data = append(data, in.raw[base+valOff:base+valOff+valSize]...)
					break
				}
				e += (16 + nameLen + 3) &^ 3
			}
		}
	}
	if uint64(len(data)) >= in.size {
		return data[:in.size], nil
	}
	// A file that is one hole (mkfs -d makes them) has less inline data
	// than its size; the kernel reads the rest as zeros.
	if in.size > 1<<30 {
		return nil, fmt.Errorf("inode %d: inline data of %d bytes for a file of %d", in.ino, len(data), in.size)
	}
	return append(data, make([]byte, in.size-uint64(len(data)))...), nil
}

// open returns a reader of the file's content: in.size bytes, holes and
// unwritten extents as zeros.
func (fs *FS) open(in *inode) (io.Reader, error) {
	if in.flags&flagInline != 0 {
		data, err := fs.inlineData(in)
		if err != nil {
			return nil, err
		}
		return strings.NewReader(string(data)), nil
	}
	ext, err := fs.extents(in)
	if err != nil {
		return nil, err
	}
	return &fileReader{fs: fs, ext: ext, size: int64(in.size)}, nil
}

// fileReader reads a file's blocks in logical order.
type fileReader struct {
	fs   *FS
	ext  []extent
	size int64
	pos  int64
}

func (f *fileReader) Read(p []byte) (int, error) {
	if f.pos >= f.size {
		return 0, io.EOF
	}
	if rest := f.size - f.pos; int64(len(p)) > rest {
		p = p[:rest]
	}
	bs := f.fs.bs
	// Drop the extents that end before pos.
	for len(f.ext) > 0 && int64(f.ext[0].logical+f.ext[0].length)*bs <= f.pos {
		f.ext = f.ext[1:]
	}
	if len(f.ext) == 0 || int64(f.ext[0].logical)*bs > f.pos {
		// A hole up to the next extent (or the end).
		end := f.size
		if len(f.ext) > 0 {
			end = min(end, int64(f.ext[0].logical)*bs)
		}
		n := min(int64(len(p)), end-f.pos)
		clear(p[:n])
		f.pos += n
		return int(n), nil
	}
	e := f.ext[0]
	end := int64(e.logical+e.length) * bs
	n := min(int64(len(p)), end-f.pos)
	if e.unwritten {
		clear(p[:n])
	} else {
		off := int64(e.physical)*bs + (f.pos - int64(e.logical)*bs)
		if err := f.fs.readAt(p[:n], off); err != nil {
			return 0, err
		}
	}
	f.pos += n
	return int(n), nil
}

// readAll returns the whole content of a small file (a directory, a symbolic
// link), refusing one larger than limit.
func (fs *FS) readAll(in *inode, limit uint64) ([]byte, error) {
	if in.size > limit {
		return nil, fmt.Errorf("inode %d is %d bytes, more than the %d expected", in.ino, in.size, limit)
	}
	r, err := fs.open(in)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

// dirent is one entry of a directory.
type dirent struct {
	name string
	ino  uint32
}

// readDir returns a directory's entries other than . and .., sorted by name.
func (fs *FS) readDir(in *inode) ([]dirent, error) {
	// Directories are at most a few MiB even with millions of entries
	// (large_dir allows up to 4 GiB, which nobody has on a root fs).
	data, err := fs.readAll(in, 1<<30)
	if err != nil {
		return nil, err
	}
	var out []dirent
	parse := func(buf []byte) error {
		for pos := 0; pos+8 <= len(buf); {
			ino := binary.LittleEndian.Uint32(buf[pos:])
			recLen := int(binary.LittleEndian.Uint16(buf[pos+4:]))
			if recLen == 0 || recLen == 65535 {
				recLen = 65536 // 64 KiB blocks
			}
			nameLen := int(buf[pos+6])
			if fs.incompat&incompatFiletype == 0 {
				nameLen = int(binary.LittleEndian.Uint16(buf[pos+6:]))
			}
			if recLen < 8 || pos+recLen > len(buf) || 8+nameLen > recLen {
				return fmt.Errorf("directory inode %d: corrupt entry at byte %d", in.ino, pos)
			}
			if ino != 0 && nameLen > 0 {
				name := string(buf[pos+8 : pos+8+nameLen])
				if name != "." && name != ".." {
					out = append(out, dirent{name: name, ino: ino})
				}
			}
			pos += recLen
		}
		return nil
	}
	if in.flags&flagInline != 0 {
		// Four bytes of parent inode number, then entries in the rest of
		// i_block and in system.data.
		if len(data) < 4 {
			return nil, fmt.Errorf("directory inode %d: inline data too short", in.ino)
		}
		if err := parse(data[4:min(len(data), inlineLength)]); err != nil {
			return nil, err
		}
		if len(data) > inlineLength {
			if err := parse(data[inlineLength:]); err != nil {
				return nil, err
			}
		}
	} else {
		for off := 0; off < len(data); off += int(fs.bs) {
			if err := parse(data[off:min(len(data), off+int(fs.bs))]); err != nil {
				return nil, err
			}
		}
	}
	slices.SortFunc(out, func(a, b dirent) int { return strings.Compare(a.name, b.name) })
	return out, nil
}

// readlink returns a symbolic link's target.
func (fs *FS) readlink(in *inode) (string, error) {
	// A fast symlink keeps its target in i_block; a slow one in a block
	// (mapped by extents when the extents flag is set).
	if in.flags&flagInline == 0 && in.size < inlineLength &&
		(in.flags&flagExtents == 0 || binary.LittleEndian.Uint16(in.block) != extentMagic) {
		return string(in.block[:in.size]), nil
	}
	b, err := fs.readAll(in, maxSymlink)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// lookup returns the inode at an absolute path, following no links.
func (fs *FS) lookup(path string) (*inode, error) {
	in, err := fs.inode(rootIno)
	if err != nil {
		return nil, err
	}
	for _, part := range strings.Split(strings.Trim(path, "/"), "/") {
		if part == "" {
			continue
		}
		if !in.isDir() {
			return nil, fmt.Errorf("%s: not a directory", path)
		}
		ents, err := fs.readDir(in)
		if err != nil {
			return nil, err
		}
		i, ok := slices.BinarySearchFunc(ents, part, func(e dirent, name string) int { return strings.Compare(e.name, name) })
		if !ok {
			return nil, fmt.Errorf("%s: no such file or directory", path)
		}
		if in, err = fs.inode(ents[i].ino); err != nil {
			return nil, err
		}
	}
	return in, nil
}

// ReadFile returns the content of the regular file at an absolute path.
func (fs *FS) ReadFile(path string) ([]byte, error) {
	in, err := fs.lookup(path)
	if err != nil {
		return nil, err
	}
	if !in.isReg() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	r, err := fs.open(in)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}
