package rootfs

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
)

// sectorSize is the logical sector size of the disk images imgpipe makes
// (qemu's default). Partition tables count in sectors of this size.
const sectorSize = 512

// Partition is one partition of a disk, or the whole disk when it has no
// partition table.
type Partition struct {
	// Number is the partition's number as Linux names it (sda1 is 1;
	// logical MBR partitions start at 5); 0 for a whole disk.
	Number int
	// Start and Size are in bytes from the start of the disk.
	Start, Size int64
	// Type is the MBR type byte ("0x83") or the GPT type GUID.
	Type string
	// FS is what Detect found in the partition ("ext4", "xfs", ...), or "".
	FS string
}

func (p Partition) String() string {
	name := "the whole disk"
	if p.Number > 0 {
		name = fmt.Sprintf("partition %d", p.Number)
	}
	fs := p.FS
	if fs == "" {
		fs = "unknown file system"
	}
	return fmt.Sprintf("%s (%s, %d bytes at offset %d)", name, fs, p.Size, p.Start)
}

// Partitions reads the partition table of the disk r of size bytes. It
// returns the table's kind ("gpt", "dos", or "" when the disk has none) and
// its partitions in table order, each with its FS detected. A disk without
// a table is returned as one Partition covering all of it.
func Partitions(r io.ReaderAt, size int64) (string, []Partition, error) {
	mbr := make([]byte, sectorSize)
	if _, err := r.ReadAt(mbr, 0); err != nil {
		return "", nil, fmt.Errorf("read the partition table: %w", err)
	}
	table, parts, err := readTable(r, size, mbr)
	if err != nil {
		return "", nil, err
	}
	if table == "" {
		parts = []Partition{{Start: 0, Size: size}}
	}
	for i := range parts {
		parts[i].FS = Detect(io.NewSectionReader(r, parts[i].Start, parts[i].Size))
	}
	return table, parts, nil
}

func readTable(r io.ReaderAt, size int64, mbr []byte) (string, []Partition, error) {
	if mbr[510] != 0x55 || mbr[511] != 0xaa {
		return "", nil, nil
	}
	// A file system that starts at sector 0 (FAT, NTFS) also ends its boot
	// sector with 55 aa; its "partition entries" are boot code. Take the
	// sector as an MBR only if every entry is empty or plausible.
	var parts []Partition
	var extended []Partition
	for i := range 4 {
		e := mbr[446+16*i : 446+16*(i+1)]
		if e[0] != 0 && e[0] != 0x80 {
			return "", nil, nil
		}
		typ := e[4]
		start := int64(binary.LittleEndian.Uint32(e[8:])) * sectorSize
		n := int64(binary.LittleEndian.Uint32(e[12:])) * sectorSize
		if typ == 0 || n == 0 {
			continue
		}
		if typ == 0xee {
			return readGPT(r, size)
		}
		if start == 0 || start+n > size {
			return "", nil, nil
		}
		p := Partition{Number: i + 1, Start: start, Size: n, Type: fmt.Sprintf("0x%02x", typ)}
		if typ == 0x05 || typ == 0x0f || typ == 0x85 {
			extended = append(extended, p)
			continue
		}
		parts = append(parts, p)
	}
	number := 5
	for _, ext := range extended {
		logical, err := readEBR(r, size, ext, &number)
		if err != nil {
			return "", nil, err
		}
		parts = append(parts, logical...)
	}
	return "dos", parts, nil
}

// readEBR follows the chain of extended boot records in ext.
func readEBR(r io.ReaderAt, size int64, ext Partition, number *int) ([]Partition, error) {
	var parts []Partition
	ebr := make([]byte, sectorSize)
	at := ext.Start
	for range 128 { // far more logical partitions than any tool makes; stops a loop
		if _, err := r.ReadAt(ebr, at); err != nil {
			return nil, fmt.Errorf("read the extended boot record at %d: %w", at, err)
		}
		if ebr[510] != 0x55 || ebr[511] != 0xaa {
			return nil, fmt.Errorf("the extended boot record at %d has no signature", at)
		}
		e := ebr[446:462]
		if e[4] != 0 {
			start := at + int64(binary.LittleEndian.Uint32(e[8:]))*sectorSize
			n := int64(binary.LittleEndian.Uint32(e[12:])) * sectorSize
			if start+n > size {
				return nil, fmt.Errorf("logical partition %d ends beyond the disk", *number)
			}
			parts = append(parts, Partition{Number: *number, Start: start, Size: n, Type: fmt.Sprintf("0x%02x", e[4])})
			*number++
		}
		next := ebr[462:478]
		if next[4] == 0 {
			return parts, nil
		}
		at = ext.Start + int64(binary.LittleEndian.Uint32(next[8:]))*sectorSize
	}
	return nil, errors.New("the chain of extended boot records does not end")
}

func readGPT(r io.ReaderAt, size int64) (string, []Partition, error) {
	hdr := make([]byte, sectorSize)
	if _, err := r.ReadAt(hdr, sectorSize); err != nil {
		return "", nil, fmt.Errorf("read the GPT header: %w", err)
	}
	if !bytes.Equal(hdr[:8], []byte("EFI PART")) {
		return "", nil, errors.New("the disk has a protective MBR but no GPT header at sector 1")
	}
	entriesLBA := int64(binary.LittleEndian.Uint64(hdr[72:]))
	count := binary.LittleEndian.Uint32(hdr[80:])
	entrySize := binary.LittleEndian.Uint32(hdr[84:])
	if entrySize < 128 || count > 1024 {
		return "", nil, fmt.Errorf("implausible GPT: %d entries of %d bytes", count, entrySize)
	}
	buf := make([]byte, int64(count)*int64(entrySize))
	if _, err := r.ReadAt(buf, entriesLBA*sectorSize); err != nil {
		return "", nil, fmt.Errorf("read the GPT entries: %w", err)
	}
	var parts []Partition
	for i := range int(count) {
		e := buf[i*int(entrySize):]
		typ := guid(e[:16])
		if typ == "00000000-0000-0000-0000-000000000000" {
			continue
		}
		first := int64(binary.LittleEndian.Uint64(e[32:]))
		last := int64(binary.LittleEndian.Uint64(e[40:]))
		start, n := first*sectorSize, (last-first+1)*sectorSize
		if last < first || start+n > size {
			return "", nil, fmt.Errorf("GPT partition %d lies outside the disk", i+1)
		}
		parts = append(parts, Partition{Number: i + 1, Start: start, Size: n, Type: typ})
	}
	return "gpt", parts, nil
}

// guid formats a GPT GUID (mixed-endian) as text.
func guid(b []byte) string {
	return strings.ToUpper(fmt.Sprintf("%08x-%04x-%04x-%x-%x",
		binary.LittleEndian.Uint32(b[0:]), binary.LittleEndian.Uint16(b[4:]),
		binary.LittleEndian.Uint16(b[6:]), b[8:10], b[10:16]))
}

// Detect names the file system at the start of r from its magic numbers:
// "ext2", "ext3", "ext4", "xfs", "btrfs", "vfat", "swap", "LVM2_member",
// "squashfs", or "" when it knows none.
func Detect(r io.ReaderAt) string {
	read := func(off int64, n int) []byte {
		b := make([]byte, n)
		if _, err := r.ReadAt(b, off); err != nil {
			return nil
		}
		return b
	}
	if sb := read(1024, 1024); sb != nil && binary.LittleEndian.Uint16(sb[0x38:]) == extMagic {
		incompat := binary.LittleEndian.Uint32(sb[0x60:])
		compat := binary.LittleEndian.Uint32(sb[0x5c:])
		switch {
		case incompat&(incompatExtents|incompat64bit|incompatFlexBG) != 0:
			return "ext4"
		case compat&compatHasJournal != 0:
			return "ext3"
		}
		return "ext2"
	}
	if b := read(0, 4); string(b) == "XFSB" {
		return "xfs"
	}
	if b := read(0x10040, 8); string(b) == "_BHRfS_M" {
		return "btrfs"
	}
	if b := read(0, 4); string(b) == "hsqs" {
		return "squashfs"
	}
	if b := read(512, 32); b != nil && string(b[:8]) == "LABELONE" && string(b[24:32]) == "LVM2 001" {
		return "LVM2_member"
	}
	if b := read(4096-10, 10); string(b) == "SWAPSPACE2" || string(b) == "SWAP-SPACE" {
		return "swap"
	}
	if b := read(0, 512); b != nil && b[510] == 0x55 && b[511] == 0xaa &&
		(string(b[0x36:0x39]) == "FAT" || string(b[0x52:0x57]) == "FAT32") {
		return "vfat"
	}
	return ""
}

// FindRoot returns the partition of the disk r (size bytes) that holds the
// root file system:
//
//   - the first ext2/3/4 file system, in table order, with an /etc
//     directory (a separate /boot has none);
//   - otherwise, the largest xfs or btrfs file system, which this package
//     cannot look into;
//   - a disk without a partition table is one file system, the root.
//
// The error lists what the disk holds when none fits.
func FindRoot(r io.ReaderAt, size int64) (Partition, error) {
	table, parts, err := Partitions(r, size)
	if err != nil {
		return Partition{}, err
	}
	for _, p := range parts {
		if !IsExt(p.FS) {
			continue
		}
		fs, err := Open(r, p.Start, p.Size)
		if err != nil {
			continue
		}
		if in, err := fs.lookup("/etc"); err == nil && in.isDir() {
			return p, nil
		}
	}
	var best *Partition
	for i, p := range parts {
		if (p.FS == "xfs" || p.FS == "btrfs") && (best == nil || p.Size > best.Size) {
			best = &parts[i]
		}
	}
	if best != nil {
		return *best, nil
	}
	if table == "" {
		if parts[0].FS == "" {
			return Partition{}, errors.New("the disk has neither a partition table nor a file system imgpipe knows")
		}
		return parts[0], nil
	}
	var found []string
	for _, p := range parts {
		found = append(found, p.String())
	}
	if len(found) == 0 {
		return Partition{}, fmt.Errorf("the disk's %s partition table has no partitions", table)
	}
	return Partition{}, fmt.Errorf("no root file system (an ext2/3/4 file system with /etc, or xfs, or btrfs) on the disk; its %s partition table holds: %s",
		table, strings.Join(found, "; "))
}

// IsExt reports whether fs, as Detect names it, is one Open reads.
func IsExt(fs string) bool {
	return fs == "ext2" || fs == "ext3" || fs == "ext4"
}
