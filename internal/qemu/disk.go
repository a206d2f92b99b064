package qemu

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// GPT partition type GUIDs (mixed-endian, as the on-disk bytes decode)
// that can hold a root file system.
var gptLinuxTypes = map[string]bool{
	"0fc63daf-8483-4772-8e79-3d69d8477de4": true, // Linux file system data
	"4f68bce3-e8cd-4db1-96e7-fbcaf984b709": true, // root, x86-64
	"b921b045-1df0-41c3-af44-4c6f280d3fae": true, // root, aarch64
}

// RootPartition guesses the root partition of a raw disk for direct kernel
// boot: the largest Linux partition of its MBR or GPT label. It returns the
// partition's number (vda<N>).
func RootPartition(r io.ReaderAt) (int, error) {
	mbr := make([]byte, 512)
	if _, err := r.ReadAt(mbr, 0); err != nil {
		return 0, fmt.Errorf("read the partition table: %w", err)
	}
	if mbr[510] != 0x55 || mbr[511] != 0xaa {
		return 0, errors.New("the disk has no partition table")
	}
	best, bestSize := 0, uint64(0)
	for i := range 4 {
		e := mbr[446+16*i:]
		typ := e[4]
		size := uint64(binary.LittleEndian.Uint32(e[12:]))
		if typ == 0xee {
			return gptRoot(r)
		}
		if typ == 0x83 && size > bestSize {
			best, bestSize = i+1, size
		}
	}
	if best == 0 {
		return 0, errors.New("the disk has no Linux partition")
	}
	return best, nil
}

func gptRoot(r io.ReaderAt) (int, error) {
	hdr := make([]byte, 92)
	if _, err := r.ReadAt(hdr, 512); err != nil || string(hdr[:8]) != "EFI PART" {
		return 0, errors.New("a protective MBR without a GPT header")
	}
	start := int64(binary.LittleEndian.Uint64(hdr[72:])) * 512
	n := int(binary.LittleEndian.Uint32(hdr[80:]))
	size := int(binary.LittleEndian.Uint32(hdr[84:]))
	if n > 1024 || size < 128 || size > 4096 {
		return 0, errors.New("an implausible GPT header")
	}
	ents := make([]byte, n*size)
	if _, err := r.ReadAt(ents, start); err != nil {
		return 0, fmt.Errorf("read the GPT entries: %w", err)
	}
	best, bestSize := 0, uint64(0)
	for i := range n {
		e := ents[i*size:]
		first, last := binary.LittleEndian.Uint64(e[32:]), binary.LittleEndian.Uint64(e[40:])
		if gptLinuxTypes[guid(e[:16])] && last >= first && last-first+1 > bestSize {
			best, bestSize = i+1, last-first+1
		}
	}
	if best == 0 {
		return 0, errors.New("the disk's GPT has no Linux partition")
	}
	return best, nil
}

// guid formats a GPT GUID's on-disk bytes.
func guid(b []byte) string {
	return strings.ToLower(fmt.Sprintf("%08x-%04x-%04x-%x-%x",
		binary.LittleEndian.Uint32(b[0:]), binary.LittleEndian.Uint16(b[4:]), binary.LittleEndian.Uint16(b[6:]), b[8:10], b[10:16]))
}

// DiskFormat tells a qcow2 image from a raw one by its magic.
func DiskFormat(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	magic := make([]byte, 4)
	if _, err := f.ReadAt(magic, 0); err != nil && err != io.EOF {
		return "", err
	}
	if string(magic) == "QFI\xfb" {
		return "qcow2", nil
	}
	return "raw", nil
}

// InfoArgv is the qemu-img command line that describes a disk image as
// JSON (ParseInfoFormat reads its format).
func InfoArgv(disk string) []string {
	return []string{"qemu-img", "info", "--output=json", disk}
}

// ParseInfoFormat returns the format of `qemu-img info --output=json`.
func ParseInfoFormat(out []byte) (string, error) {
	var info struct {
		Format string `json:"format"`
	}
	if err := json.Unmarshal(out, &info); err != nil || info.Format == "" {
		return "", fmt.Errorf("qemu-img info printed no format: %.200q", out)
	}
	return info.Format, nil
}

// HeadSize is how much of a disk HeadArgv reads: the MBR, a GPT and its
// entries fit in the first MiB.
const HeadSize = 1 << 20

// HeadArgv is the qemu-img command line that writes the first HeadSize
// bytes of a disk in any format qemu reads to out, as raw bytes: enough
// for RootPartition.
func HeadArgv(disk, format, out string) []string {
	return []string{"qemu-img", "dd", "-f", format, "-O", "raw", "bs=" + strconv.Itoa(HeadSize), "count=1", "if=" + disk, "of=" + out}
}

// OverlayArgv is the qemu-img command line that creates a qcow2 overlay of
// base (whose format is baseFormat): the VM writes into it, never into
// base.
func OverlayArgv(base, baseFormat, overlay string) []string {
	return []string{"qemu-img", "create", "-q", "-f", "qcow2", "-b", base, "-F", baseFormat, overlay}
}
