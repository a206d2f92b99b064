package convert

import (
	"github.com/imgpipe/imgpipe/internal/shquote"
	"strconv"
	"strings"
)

// The functions in this file build the command lines convert runs. They are
// pure: the same arguments give the same argv, and nothing runs here
// (run.go runs them through the stage's executor).

// Koji's xz option (kojid.conf xz_options default).
const xzOptions = "-z6T0"

// qemuImgConvert is `qemu-img convert` from a raw disk: compress adds -c,
// opts become one -o list. The input format is always given (-f raw), so
// qemu-img never probes it.
func qemuImgConvert(src, dst, format string, compress bool, opts ...string) []string {
	argv := []string{"qemu-img", "convert", "-f", "raw", "-O", format}
	if compress {
		argv = append(argv, "-c")
	}
	if len(opts) > 0 {
		argv = append(argv, "-o", strings.Join(opts, ","))
	}
	return append(argv, src, dst)
}

// qcowArgs is Koji's qcow (version 1) conversion: compressed.
func qcowArgs(src, dst string) []string {
	return qemuImgConvert(src, dst, "qcow", true)
}

// qcow2Args is ImageFactory's qemu_convert_cmd: qcow2 at the given compat
// level ("0.10" is Koji's qcow2 v2), compressed or not (the qcow2 format is;
// the disks of rhevm-ova and vagrant-libvirt are not).
func qcow2Args(src, dst, compat string, compress bool) []string {
	return qemuImgConvert(src, dst, "qcow2", compress, "compat="+compat)
}

// vmdkArgs converts to VMDK. streamOptimized is ImageFactory's vSphere
// "streaming" VMDK (lsilogic adapter, hardware version 6 compatible); plain
// is qemu-img's default monolithicSparse, Koji's vmdk format and
// ImageFactory's "standard" VMDK.
func vmdkArgs(src, dst string, streamOptimized bool) []string {
	if streamOptimized {
		return qemuImgConvert(src, dst, "vmdk", false, "adapter_type=lsilogic", "subformat=streamOptimized", "compat6")
	}
	return qemuImgConvert(src, dst, "vmdk", false)
}

// vdiArgs converts to VirtualBox's VDI.
func vdiArgs(src, dst string) []string {
	return qemuImgConvert(src, dst, "vdi", false)
}

// vpcArgs converts to a dynamic VHD of exactly the raw disk's size: without
// force_size qemu-img rounds the size up to a CHS geometry.
func vpcArgs(src, dst string) []string {
	return qemuImgConvert(src, dst, "vpc", false, "force_size=on")
}

// vhdxArgs converts to a dynamic VHDX.
func vhdxArgs(src, dst string) []string {
	return qemuImgConvert(src, dst, "vhdx", false)
}

// cpArgs copies the raw disk keeping its holes; on a file system with
// reflinks (btrfs, xfs) the copy shares the blocks.
func cpArgs(src, dst string) []string {
	return []string{"cp", "--sparse=always", "--reflink=auto", "--", src, dst}
}

// xzArgs compresses src to standard output with Koji's options; with src
// empty it compresses standard input.
func xzArgs(src string) []string {
	argv := []string{"xz", xzOptions, "--stdout"}
	if src != "" {
		argv = append(argv, "--", src)
	}
	return argv
}

// gzipArgs compresses standard input to standard output, without a name or
// time stamp in the header, so the same input gives the same bytes.
func gzipArgs() []string {
	return []string{"gzip", "-n", "--stdout"}
}

// tarGzArgs is Koji's `tar -Sczvf I.tar.gz disk.raw` (the GCE layout), run
// in dir, where disk.raw is a symbolic link to the raw disk: -h archives
// the disk, sparse (-S), under the link's name. Owner and time are fixed so
// the archive depends on the disk alone.
func tarGzArgs(dst, dir string) []string {
	return []string{"tar", "-S", "-h", "-c", "-z", "-f", dst,
		"--format=gnu", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0",
		"-C", dir, "disk.raw"}
}

// liveImgRoot is where the root file system's image lies in a
// liveimg-squashfs: lorax and dracut's dmsquash-live look for it there.
const liveImgRoot = "LiveOS/rootfs.img"

// mksquashfsArgs is Koji's `mksquashfs squashfs-root I.squashfs -comp xz
// -noappend`, where squashfs-root holds LiveOS/rootfs.img. Instead of a copy
// of the root partition, rootfs.img is a pseudo file that mksquashfs fills
// from dd's output (ddCommand); empty is an empty directory to start from.
// Owners and times are fixed so the image depends on the disk alone.
func mksquashfsArgs(empty, dst, disk string, start, size int64) []string {
	return []string{"mksquashfs", empty, dst, "-comp", "xz", "-noappend", "-no-progress",
		"-all-root", "-root-mode", "0755", "-mkfs-time", "0", "-all-time", "0",
		"-p", "LiveOS d 755 0 0",
		"-p", liveImgRoot + " f 644 0 0 " + ddCommand(disk, start, size)}
}

// ddCommand is the shell command that writes size bytes of disk from byte
// start to standard output.
func ddCommand(disk string, start, size int64) string {
	return "dd if=" + shquote.Quote(disk) + " bs=1M iflag=skip_bytes,count_bytes skip=" +
		strconv.FormatInt(start, 10) + " count=" + strconv.FormatInt(size, 10) + " status=none"
}

// unsquashfsListArgs lists a squashfs image's files with their sizes.
func unsquashfsListArgs(img string) []string {
	return []string{"unsquashfs", "-lln", img}
}
