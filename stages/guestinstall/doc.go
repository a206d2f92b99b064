// Package guestinstall is the guest-install stage kind (docs/architecture.md#stage-kinds).
//
// Install a disk image from a kickstart in a QEMU virtual machine, as
// Koji's image-build does with Oz: the install tree's kernel and initrd,
// the kickstart appended to the initrd as /ks.cfg, a raw disk, and
// watchdogs for the install time and for inactivity. qemu runs through the
// stage's executor (internal/qemu builds its argv).
//
// Debugging (docs/debugging.md): the kickstart copy gets a %onerror script
// that prints the installer's logs on the serial console, which the stage
// keeps and quotes when the install fails (evidence.go); debug_ssh starts
// the installer's sshd with the given keys and forwards a loopback port to
// it (debug.go). The user's kickstart file is never changed.
package guestinstall
