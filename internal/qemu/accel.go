package qemu

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/imgpipe/imgpipe/engine/executor"
)

// ProbeTimeout bounds the KVM probe: on machines where /dev/kvm is broken,
// qemu hangs instead of failing.
var ProbeTimeout = 10 * time.Second

// probeExit is the status qemu exits with when the probe firmware ran:
// isa-debug-exit turns the byte v written to its port into (v<<1)|1.
const probeExit = 0x31<<1 | 1

// probeBIOS is a 64 KiB x86 firmware whose reset vector writes 0x31 to the
// isa-debug-exit port 0xf4 and halts: qemu exits with probeExit only if the
// accelerator really runs guest code.
func probeBIOS() []byte {
	b := make([]byte, 64<<10)
	code := []byte{
		0xb0, 0x31, // mov al, 0x31
		0xe6, 0xf4, // out 0xf4, al
		0xf4,       // hlt
		0xeb, 0xfd, // jmp back to hlt
	}
	copy(b[len(b)-16:], code)
	return b
}

// ProbeArgv is the qemu command line of the KVM probe, with the firmware
// file bios.
func ProbeArgv(bios string) []string {
	return []string{Binary("x86_64"), "-machine", "pc", "-accel", "kvm", "-cpu", "host", "-m", "16",
		"-no-user-config", "-nodefaults", "-display", "none", "-bios", bios,
		"-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"}
}

type probeResult struct {
	accel, reason string
}

var (
	probeMu    sync.Mutex
	probeCache = map[string]probeResult{}
)

// ResolveAccel turns an accel setting (auto, kvm, tcg) into kvm or tcg for
// arch. auto probes KVM once per process, with a bounded run of a tiny
// firmware, and falls back to tcg; reason says why when it does.
func ResolveAccel(ctx context.Context, ex executor.Executor, accel, arch, scratch string) (string, string) {
	if accel == "kvm" || accel == "tcg" {
		return accel, ""
	}
	if !hostArch(arch) {
		return "tcg", fmt.Sprintf("KVM cannot run %s guests on a %s host", arch, runtime.GOARCH)
	}
	probeMu.Lock()
	defer probeMu.Unlock()
	if r, ok := probeCache[arch]; ok {
		return r.accel, r.reason
	}
	if _, err := exec.LookPath(Binary(arch)); err != nil {
		// Not cached: a PATH that changes (tests) may have it next time.
		return "tcg", fmt.Sprintf("cannot probe KVM: %v", err)
	}
	r := probeKVM(ctx, ex, arch, scratch)
	if ctx.Err() == nil {
		probeCache[arch] = r
	}
	return r.accel, r.reason
}

func hostArch(arch string) bool {
	switch runtime.GOARCH {
	case "amd64":
		return arch == "x86_64"
	case "arm64":
		return arch == "aarch64"
	}
	return false
}

func probeKVM(ctx context.Context, ex executor.Executor, arch, scratch string) probeResult {
	f, err := os.OpenFile("/dev/kvm", os.O_RDWR, 0)
	if err != nil {
		return probeResult{"tcg", fmt.Sprintf("no usable /dev/kvm (%v)", err)}
	}
	f.Close()
	if arch != "x86_64" {
		// No probe firmware for other architectures yet: trust /dev/kvm.
		return probeResult{"kvm", ""}
	}
	dir, err := os.MkdirTemp(scratch, "kvm-probe-")
	if err != nil {
		return probeResult{"tcg", fmt.Sprintf("KVM probe: %v", err)}
	}
	defer os.RemoveAll(dir)
	bios := filepath.Join(dir, "probe.bin")
	if err := os.WriteFile(bios, probeBIOS(), 0o644); err != nil {
		return probeResult{"tcg", fmt.Sprintf("KVM probe: %v", err)}
	}
	pctx, cancel := context.WithTimeout(ctx, ProbeTimeout)
	defer cancel()
	// qemu's own words are the diagnosis (here: /dev/kvm opens, but qemu
	// aborts setting an MSR the hypervisor below refuses), so the reason
	// quotes them.
	stderr := &tailBuffer{max: 4096}
	err = ex.Run(pctx, executor.Cmd{Argv: ProbeArgv(bios), Env: []string{"PATH=" + os.Getenv("PATH")}, Dir: dir, OutputDir: dir, Stderr: stderr})
	said := probeSaid(stderr.String())
	var ee *executor.ExitError
	switch {
	case errors.As(err, &ee) && ee.Code == probeExit:
		return probeResult{"kvm", ""}
	case pctx.Err() != nil:
		return probeResult{"tcg", fmt.Sprintf("KVM probe did not finish in %s%s", ProbeTimeout, said)}
	case err == nil:
		return probeResult{"tcg", "KVM probe exited without running its firmware" + said}
	default:
		return probeResult{"tcg", fmt.Sprintf("/dev/kvm exists, but qemu fails on it: %v%s", err, said)}
	}
}

// QemuSays introduces qemu's own messages in a probe's reason.
const QemuSays = "; qemu says: "

// probeSaid returns qemu's messages as the end of a reason: its first
// lines, joined, or "".
func probeSaid(stderr string) string {
	var lines []string
	for _, l := range strings.Split(stderr, "\n") {
		if l = strings.TrimSpace(l); l != "" && len(lines) < 3 {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return ""
	}
	return QemuSays + strings.Join(lines, " / ")
}
