package qemu

import (
	"context"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/imgpipe/imgpipe/engine/executor"
)

// The real probe on this machine: KVM works, or the reason says why not,
// in qemu's own words when qemu ran and failed. (On the machines imgpipe is
// developed on /dev/kvm opens but qemu aborts: "failed to set MSR 0x10a".)
func TestKVMProbeSaysWhy(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("the probe firmware is x86") // CI machines are amd64
	}
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil && os.Getenv("CI") == "" {
		t.Skip("qemu-system-x86_64 not installed")
	}
	r := probeKVM(context.Background(), executor.Host{}, "x86_64", t.TempDir())
	t.Logf("probe: %+v", r)
	f, err := os.OpenFile("/dev/kvm", os.O_RDWR, 0)
	switch {
	case r.accel == "kvm":
		if r.reason != "" {
			t.Errorf("KVM works, but the reason says %q", r.reason)
		}
	case err != nil:
		if !strings.Contains(r.reason, "/dev/kvm") {
			t.Errorf("/dev/kvm cannot be opened (%v), but the reason says %q", err, r.reason)
		}
	default:
		f.Close()
		if !strings.Contains(r.reason, QemuSays+"qemu-system-x86_64: ") {
			t.Errorf("qemu ran on /dev/kvm and failed, but the reason does not quote it: %q", r.reason)
		}
	}
}

func TestProbeSaid(t *testing.T) {
	for in, want := range map[string]string{
		"": "",
		"qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69\nqemu-system-x86_64: kvm.c:3183: kvm_buf_set_msrs: Assertion failed.\n": QemuSays + "qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69 / qemu-system-x86_64: kvm.c:3183: kvm_buf_set_msrs: Assertion failed.",
		"a\n\nb\nc\nd\n": QemuSays + "a / b / c",
	} {
		if got := probeSaid(in); got != want {
			t.Errorf("probeSaid(%q) = %q, want %q", in, got, want)
		}
	}
}
