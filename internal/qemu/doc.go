// Package qemu holds what the VM stages (guest-install, boot-verify) and
// `imgpipe boot` share: pure argv builders for qemu-system-x86_64 and
// qemu-system-aarch64, a small QMP client (screendump, block statistics),
// the accelerator probe, console capture with pattern matching, install
// tree lookup (.treeinfo) and the newc cpio writer used to inject a
// kickstart into an initrd.
//
// Nothing here starts a process itself: qemu runs through the stage's
// executor.Executor, and the builders only return argv.
package qemu
