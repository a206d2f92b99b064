// Package guestinstall is the guest-install stage kind (docs/architecture.md#stage-kinds).
//
// Install a disk image from a kickstart in a QEMU virtual machine, as
// Koji's image-build does with Oz: the install tree's kernel and initrd,
// the kickstart appended to the initrd as /ks.cfg, a raw disk, and
// watchdogs for the install time and for inactivity. qemu runs through the
// stage's executor (internal/qemu builds its argv).
package guestinstall
