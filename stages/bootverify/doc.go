// Package bootverify is the boot-verify stage kind (docs/architecture.md#stage-kinds).
//
// Boot a disk in QEMU (a throw-away qcow2 overlay, so the artifact is never
// written), watch the serial console for success or failure patterns, and
// list the guest's packages (Koji's icicle) through systemd.run= on the
// kernel command line. qemu runs through the stage's executor
// (internal/qemu builds its argv).
package bootverify
