// Package rootfs finds the root file system on a raw disk image and reads
// it without privileges: no loop device, no mount, no FUSE, no libguestfs
// appliance.
//
// Partitions reads an MBR (with logical partitions) or a GPT partition
// table; Detect names the file system a partition holds from its magic
// numbers; FindRoot picks the partition that holds the root file system.
// Open reads an ext2, ext3 or ext4 file system read-only, and FS.WriteTar
// streams its whole tree as a tar archive with the owners, modes, times,
// symbolic and hard links and device nodes of the disk.
//
// It is not a general file-system library: it never writes, it does not
// replay a journal (a file system that needs recovery is refused), it reads
// no other file system than ext2/3/4, and it leaves extended attributes
// (SELinux labels, capabilities) out of the tar, as Koji's docker images do.
package rootfs
