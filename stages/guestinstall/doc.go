// Package guestinstall is the guest-install stage kind (DESIGN §3).
//
// Install a disk image from a kickstart in a QEMU virtual machine.
// Only its declaration exists so far: recipes using it validate and plan.
package guestinstall
