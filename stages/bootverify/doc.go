// Package bootverify is the boot-verify stage kind (DESIGN §3).
//
// Boot a disk in QEMU, watch the console for success or failure, list its packages.
// Only its declaration exists so far: recipes using it validate and plan.
package bootverify
