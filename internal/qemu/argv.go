package qemu

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Machine is what one qemu invocation needs. Argv turns it into a command
// line; it does nothing else.
type Machine struct {
	// Arch is the guest architecture: x86_64 or aarch64.
	Arch string
	// Accel is kvm or tcg.
	Accel     string
	MemoryMiB int
	CPUs      int
	// Firmware is bios (x86_64 only: SeaBIOS) or uefi (OVMF, AAVMF). With
	// a Kernel, aarch64 boots without firmware unless Firmware is uefi.
	Firmware string
	// FirmwareCode and FirmwareVars are the UEFI pflash images; the vars
	// image is written by the guest, so it must be a private copy.
	FirmwareCode, FirmwareVars string

	// Kernel, Initrd and Append are for direct kernel boot.
	Kernel, Initrd, Append string

	Disks []Disk
	// Network adds a user-mode (slirp) network with a virtio NIC. The
	// guest is 10.0.2.15, the host's loopback is 10.0.2.2.
	Network bool
	// NetDump, when set, records the network traffic as a pcap file
	// (packet headers only), from which the inactivity watchdog counts
	// bytes: QMP has no counters for a user-mode network.
	NetDump string
	// Forwards are ports of the host's loopback forwarded to the guest
	// (user-mode networking only).
	Forwards []Forward

	// Serial is the chardev of the first serial port: "stdio" (the
	// console is the process's stdout), "file:<path>", or
	// "unix:<path>,server=on,wait=on" (a socket a terminal relay connects
	// to: `imgpipe boot`).
	Serial string
	// QMP is the path of the QMP unix socket, or "".
	QMP string
	// PidFile is where qemu writes its pid, or "".
	PidFile string
	// NoReboot makes a guest reboot end qemu, as a poweroff does. An
	// install ends when the guest stops, as with Oz's on_reboot=destroy.
	NoReboot bool
}

// Forward forwards 127.0.0.1:HostPort on the host to GuestPort of the
// guest, over TCP.
type Forward struct {
	HostPort, GuestPort int
}

// FreePort returns a TCP port of 127.0.0.1 that nobody listens on now, for
// a Forward. (Another program may take it before qemu does; qemu then
// fails to start, saying so.)
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Disk is one virtio disk.
type Disk struct {
	// ID names the drive in QMP (query-blockstats' "device").
	ID     string
	Path   string
	Format string // raw, qcow2
	// Snapshot discards the guest's writes (qemu's snapshot=on).
	Snapshot bool
}

// Binary is the qemu program for arch.
func Binary(arch string) string {
	switch arch {
	case "aarch64":
		return "qemu-system-aarch64"
	default:
		return "qemu-system-" + arch
	}
}

// SerialConsole is the kernel's name for the first serial port of arch's
// machine: console=<it>.
func SerialConsole(arch string) string {
	if arch == "aarch64" {
		return "ttyAMA0"
	}
	return "ttyS0"
}

// Firmware images as Debian installs them (ovmf, qemu-efi-aarch64).
const (
	OVMFCode  = "/usr/share/OVMF/OVMF_CODE_4M.fd"
	OVMFVars  = "/usr/share/OVMF/OVMF_VARS_4M.fd"
	AAVMFCode = "/usr/share/AAVMF/AAVMF_CODE.fd"
	AAVMFVars = "/usr/share/AAVMF/AAVMF_VARS.fd"
)

// DefaultFirmware returns the UEFI code and vars templates for arch.
func DefaultFirmware(arch string) (code, vars string) {
	if arch == "aarch64" {
		return AAVMFCode, AAVMFVars
	}
	return OVMFCode, OVMFVars
}

// Argv returns the qemu command line for m.
func Argv(m Machine) ([]string, error) {
	var machine, cpu string
	switch m.Arch {
	case "x86_64":
		machine = "q35"
		// max, not qemu64: TCG then offers x86-64-v2 and later, which
		// current distributions require.
		cpu = "max"
	case "aarch64":
		machine, cpu = "virt", "max"
	default:
		return nil, fmt.Errorf("unsupported architecture %q (x86_64, aarch64)", m.Arch)
	}
	switch m.Accel {
	case "kvm":
		cpu = "host"
	case "tcg":
	default:
		return nil, fmt.Errorf("unsupported accelerator %q (kvm, tcg)", m.Accel)
	}
	if m.Firmware == "bios" && m.Arch != "x86_64" {
		return nil, fmt.Errorf("firmware bios: %s has only uefi", m.Arch)
	}
	mem := m.MemoryMiB
	if mem <= 0 {
		mem = 1024
	}
	cpus := m.CPUs
	if cpus <= 0 {
		cpus = 1
	}
	serial := m.Serial
	if serial == "" {
		serial = "stdio"
	}
	argv := []string{
		Binary(m.Arch),
		"-machine", machine,
		"-accel", m.Accel,
		"-cpu", cpu,
		"-m", strconv.Itoa(mem),
		"-smp", strconv.Itoa(cpus),
		"-no-user-config",
		"-display", "none",
		"-monitor", "none",
		"-serial", serial,
	}
	if m.Arch == "x86_64" {
		// A VGA card, so that a screendump shows the text console.
		argv = append(argv, "-vga", "std")
	}
	if m.Firmware == "uefi" {
		if m.FirmwareCode == "" || m.FirmwareVars == "" {
			return nil, fmt.Errorf("firmware uefi needs the code and vars images")
		}
		argv = append(argv,
			"-drive", "if=pflash,format=raw,unit=0,readonly=on,file="+escapeOpt(m.FirmwareCode),
			"-drive", "if=pflash,format=raw,unit=1,file="+escapeOpt(m.FirmwareVars))
	}
	if m.NoReboot {
		argv = append(argv, "-no-reboot")
	}
	if m.Kernel != "" {
		argv = append(argv, "-kernel", m.Kernel)
		if m.Initrd != "" {
			argv = append(argv, "-initrd", m.Initrd)
		}
		if m.Append != "" {
			argv = append(argv, "-append", m.Append)
		}
	}
	for i, d := range m.Disks {
		id := d.ID
		if id == "" {
			id = fmt.Sprintf("disk%d", i)
		}
		format := d.Format
		if format == "" {
			format = "raw"
		}
		opt := fmt.Sprintf("file=%s,format=%s,if=none,id=%s,cache=unsafe,discard=unmap", escapeOpt(d.Path), format, id)
		if d.Snapshot {
			opt += ",snapshot=on"
		}
		argv = append(argv, "-drive", opt, "-device", "virtio-blk-pci,drive="+id)
	}
	if m.Network {
		netdev := "user,id=net0"
		for _, f := range m.Forwards {
			netdev += fmt.Sprintf(",hostfwd=tcp:127.0.0.1:%d-:%d", f.HostPort, f.GuestPort)
		}
		argv = append(argv, "-netdev", netdev, "-device", "virtio-net-pci,netdev=net0")
		if m.NetDump != "" {
			argv = append(argv, "-object", "filter-dump,id=netdump0,netdev=net0,maxlen=64,file="+escapeOpt(m.NetDump))
		}
	} else {
		argv = append(argv, "-nic", "none")
	}
	if m.QMP != "" {
		argv = append(argv, "-qmp", "unix:"+m.QMP+",server=on,wait=off")
	}
	if m.PidFile != "" {
		argv = append(argv, "-pidfile", m.PidFile)
	}
	return argv, nil
}

// escapeOpt doubles the commas of a value inside a qemu -option list.
func escapeOpt(s string) string { return strings.ReplaceAll(s, ",", ",,") }

// KernelArgs joins kernel command line words, quoting those with spaces.
func KernelArgs(words ...string) string {
	var out []string
	for _, w := range words {
		if w == "" {
			continue
		}
		if strings.ContainsAny(w, " \t") {
			if k, v, ok := strings.Cut(w, "="); ok {
				w = k + `="` + v + `"`
			} else {
				w = `"` + w + `"`
			}
		}
		out = append(out, w)
	}
	return strings.Join(out, " ")
}
