package qemu

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestArgv(t *testing.T) {
	tests := []struct {
		name string
		m    Machine
		want []string
	}{{
		name: "x86_64 install under TCG",
		m: Machine{
			Arch: "x86_64", Accel: "tcg", MemoryMiB: 512, CPUs: 1,
			Kernel: "/t/vmlinuz", Initrd: "/w/initrd.img", Append: "inst.ks=file:/ks.cfg console=ttyS0",
			Disks:   []Disk{{ID: "disk0", Path: "/o/disk.raw", Format: "raw"}},
			Network: true, NetDump: "/w/net.pcap", Serial: "stdio", QMP: "/q/qmp.sock", NoReboot: true,
		},
		want: []string{
			"qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-cpu", "max", "-m", "512", "-smp", "1",
			"-no-user-config", "-display", "none", "-monitor", "none", "-serial", "stdio", "-vga", "std",
			"-no-reboot", "-kernel", "/t/vmlinuz", "-initrd", "/w/initrd.img", "-append", "inst.ks=file:/ks.cfg console=ttyS0",
			"-drive", "file=/o/disk.raw,format=raw,if=none,id=disk0,cache=unsafe,discard=unmap", "-device", "virtio-blk-pci,drive=disk0",
			"-netdev", "user,id=net0", "-device", "virtio-net-pci,netdev=net0",
			"-object", "filter-dump,id=netdump0,netdev=net0,maxlen=64,file=/w/net.pcap",
			"-qmp", "unix:/q/qmp.sock,server=on,wait=off",
		},
	}, {
		name: "x86_64 KVM, UEFI, an overlay, no network",
		m: Machine{
			Arch: "x86_64", Accel: "kvm", MemoryMiB: 2048, CPUs: 2, Firmware: "uefi",
			FirmwareCode: "/fw/CODE.fd", FirmwareVars: "/w/VARS,1.fd",
			Disks:  []Disk{{Path: "/w/overlay.qcow2", Format: "qcow2"}},
			Serial: "mon:stdio",
		},
		want: []string{
			"qemu-system-x86_64", "-machine", "q35", "-accel", "kvm", "-cpu", "host", "-m", "2048", "-smp", "2",
			"-no-user-config", "-display", "none", "-monitor", "none", "-serial", "mon:stdio", "-vga", "std",
			"-drive", "if=pflash,format=raw,unit=0,readonly=on,file=/fw/CODE.fd",
			"-drive", "if=pflash,format=raw,unit=1,file=/w/VARS,,1.fd",
			"-drive", "file=/w/overlay.qcow2,format=qcow2,if=none,id=disk0,cache=unsafe,discard=unmap", "-device", "virtio-blk-pci,drive=disk0",
			"-nic", "none",
		},
	}, {
		name: "aarch64 direct boot under TCG, defaults",
		m: Machine{
			Arch: "aarch64", Accel: "tcg",
			Kernel: "/t/vmlinuz", Initrd: "/t/initrd.img", Append: "console=ttyAMA0 root=/dev/vda1 ro",
			Disks: []Disk{{ID: "disk0", Path: "/w/o.qcow2", Format: "qcow2", Snapshot: true}},
		},
		want: []string{
			"qemu-system-aarch64", "-machine", "virt", "-accel", "tcg", "-cpu", "max", "-m", "1024", "-smp", "1",
			"-no-user-config", "-display", "none", "-monitor", "none", "-serial", "stdio",
			"-kernel", "/t/vmlinuz", "-initrd", "/t/initrd.img", "-append", "console=ttyAMA0 root=/dev/vda1 ro",
			"-drive", "file=/w/o.qcow2,format=qcow2,if=none,id=disk0,cache=unsafe,discard=unmap,snapshot=on", "-device", "virtio-blk-pci,drive=disk0",
			"-nic", "none",
		},
	}, {
		name: "aarch64 firmware boot with AAVMF under KVM",
		m: Machine{
			Arch: "aarch64", Accel: "kvm", MemoryMiB: 1024, Firmware: "uefi",
			FirmwareCode: AAVMFCode, FirmwareVars: "/w/AAVMF_VARS.fd",
			Disks: []Disk{{ID: "disk0", Path: "/o/disk.raw"}}, Network: true, QMP: "/q/s",
		},
		want: []string{
			"qemu-system-aarch64", "-machine", "virt", "-accel", "kvm", "-cpu", "host", "-m", "1024", "-smp", "1",
			"-no-user-config", "-display", "none", "-monitor", "none", "-serial", "stdio",
			"-drive", "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/AAVMF/AAVMF_CODE.fd",
			"-drive", "if=pflash,format=raw,unit=1,file=/w/AAVMF_VARS.fd",
			"-drive", "file=/o/disk.raw,format=raw,if=none,id=disk0,cache=unsafe,discard=unmap", "-device", "virtio-blk-pci,drive=disk0",
			"-netdev", "user,id=net0", "-device", "virtio-net-pci,netdev=net0",
			"-qmp", "unix:/q/s,server=on,wait=off",
		},
	}, {
		name: "interactive boot: console on a socket, ssh forwarded",
		m: Machine{
			Arch: "x86_64", Accel: "tcg", Serial: "unix:/w/console.sock,server=on,wait=on",
			Disks: []Disk{{ID: "disk0", Path: "/w/overlay.qcow2", Format: "qcow2"}}, Network: true,
			Forwards: []Forward{{HostPort: 40022, GuestPort: 22}},
		},
		want: []string{
			"qemu-system-x86_64", "-machine", "q35", "-accel", "tcg", "-cpu", "max", "-m", "1024", "-smp", "1",
			"-no-user-config", "-display", "none", "-monitor", "none", "-serial", "unix:/w/console.sock,server=on,wait=on", "-vga", "std",
			"-drive", "file=/w/overlay.qcow2,format=qcow2,if=none,id=disk0,cache=unsafe,discard=unmap", "-device", "virtio-blk-pci,drive=disk0",
			"-netdev", "user,id=net0,hostfwd=tcp:127.0.0.1:40022-:22", "-device", "virtio-net-pci,netdev=net0",
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Argv(tt.m)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("Argv (-want +got):\n%s", d)
			}
		})
	}
}

func TestArgvErrors(t *testing.T) {
	tests := []struct {
		m    Machine
		want string
	}{
		{Machine{Arch: "ppc64le", Accel: "tcg"}, "unsupported architecture"},
		{Machine{Arch: "x86_64", Accel: "hvf"}, "unsupported accelerator"},
		{Machine{Arch: "aarch64", Accel: "tcg", Firmware: "bios"}, "only uefi"},
		{Machine{Arch: "x86_64", Accel: "tcg", Firmware: "uefi"}, "code and vars"},
	}
	for _, tt := range tests {
		if _, err := Argv(tt.m); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Argv(%+v) = %v, want an error with %q", tt.m, err, tt.want)
		}
	}
}

func TestSerialConsoleAndBinary(t *testing.T) {
	for arch, want := range map[string][2]string{
		"x86_64":  {"ttyS0", "qemu-system-x86_64"},
		"aarch64": {"ttyAMA0", "qemu-system-aarch64"},
	} {
		if got := SerialConsole(arch); got != want[0] {
			t.Errorf("SerialConsole(%s) = %s, want %s", arch, got, want[0])
		}
		if got := Binary(arch); got != want[1] {
			t.Errorf("Binary(%s) = %s, want %s", arch, got, want[1])
		}
	}
}

func TestKernelArgs(t *testing.T) {
	got := KernelArgs("console=ttyS0", "", `systemd.run=rpm -qa --qf '%{NAME}\n'`, "ro")
	want := `console=ttyS0 systemd.run="rpm -qa --qf '%{NAME}\n'" ro`
	if got != want {
		t.Errorf("KernelArgs = %s, want %s", got, want)
	}
}

func TestProbeArgv(t *testing.T) {
	want := []string{"qemu-system-x86_64", "-machine", "pc", "-accel", "kvm", "-cpu", "host", "-m", "16",
		"-no-user-config", "-nodefaults", "-display", "none", "-bios", "/p/probe.bin",
		"-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"}
	if d := cmp.Diff(want, ProbeArgv("/p/probe.bin")); d != "" {
		t.Errorf("ProbeArgv (-want +got):\n%s", d)
	}
	b := probeBIOS()
	if len(b) != 64<<10 || b[len(b)-16] != 0xb0 {
		t.Errorf("probe firmware: %d bytes, reset vector %x", len(b), b[len(b)-16:])
	}
}

func TestOverlayArgv(t *testing.T) {
	want := []string{"qemu-img", "create", "-q", "-f", "qcow2", "-b", "/o/disk.raw", "-F", "raw", "/w/overlay.qcow2"}
	if d := cmp.Diff(want, OverlayArgv("/o/disk.raw", "raw", "/w/overlay.qcow2")); d != "" {
		t.Errorf("OverlayArgv (-want +got):\n%s", d)
	}
}

func TestDiskArgv(t *testing.T) {
	if got, want := InfoArgv("/d/x.vmdk"), []string{"qemu-img", "info", "--output=json", "/d/x.vmdk"}; !slices.Equal(got, want) {
		t.Errorf("InfoArgv = %q, want %q", got, want)
	}
	if got, want := HeadArgv("/d/x.vmdk", "vmdk", "/w/head.raw"), []string{"qemu-img", "dd", "-f", "vmdk", "-O", "raw", "bs=1048576", "count=1", "if=/d/x.vmdk", "of=/w/head.raw"}; !slices.Equal(got, want) {
		t.Errorf("HeadArgv = %q, want %q", got, want)
	}
	if f, err := ParseInfoFormat([]byte(`{"virtual-size": 268435456, "filename": "x.qcow2", "format": "qcow2"}`)); f != "qcow2" || err != nil {
		t.Errorf("ParseInfoFormat = %q, %v", f, err)
	}
	if _, err := ParseInfoFormat([]byte("qemu-img: Could not open 'x'")); err == nil {
		t.Error("ParseInfoFormat of an error message is no error")
	}
}
