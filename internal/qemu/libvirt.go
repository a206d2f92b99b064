package qemu

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
)

// Domain is what DomainXML needs to describe a VM for a produced disk.
type Domain struct {
	Name      string
	Arch      string
	MemoryMiB int
	CPUs      int
	// Disk is the disk's absolute path (libvirt's schema requires one).
	Disk       string
	DiskFormat string
	// UEFI selects firmware='efi' (always so for aarch64).
	UEFI bool
}

func xmlEscape(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// DomainXML returns a libvirt domain definition that boots the disk, as
// Koji delivers libvirt-<fmt>-<arch>.xml beside an image. It passes
// virt-xml-validate.
func DomainXML(d Domain) string {
	machine := "q35"
	if d.Arch == "aarch64" {
		machine = "virt"
		d.UEFI = true
	}
	mem := max(d.MemoryMiB, 1)
	cpus := max(d.CPUs, 1)
	format := d.DiskFormat
	if format == "" {
		format = "raw"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<domain type='kvm'>\n")
	fmt.Fprintf(&b, "  <name>%s</name>\n", xmlEscape(d.Name))
	fmt.Fprintf(&b, "  <memory unit='MiB'>%d</memory>\n", mem)
	fmt.Fprintf(&b, "  <vcpu>%d</vcpu>\n", cpus)
	if d.UEFI {
		fmt.Fprintf(&b, "  <os firmware='efi'>\n")
	} else {
		fmt.Fprintf(&b, "  <os>\n")
	}
	fmt.Fprintf(&b, "    <type arch='%s' machine='%s'>hvm</type>\n", xmlEscape(d.Arch), machine)
	fmt.Fprintf(&b, "    <boot dev='hd'/>\n  </os>\n")
	fmt.Fprintf(&b, "  <features>\n    <acpi/>\n")
	if d.Arch == "x86_64" {
		fmt.Fprintf(&b, "    <apic/>\n")
	}
	fmt.Fprintf(&b, "  </features>\n")
	fmt.Fprintf(&b, "  <cpu mode='host-passthrough'/>\n")
	fmt.Fprintf(&b, "  <clock offset='utc'/>\n")
	fmt.Fprintf(&b, "  <on_poweroff>destroy</on_poweroff>\n  <on_reboot>restart</on_reboot>\n  <on_crash>destroy</on_crash>\n")
	fmt.Fprintf(&b, "  <devices>\n")
	fmt.Fprintf(&b, "    <disk type='file' device='disk'>\n")
	fmt.Fprintf(&b, "      <driver name='qemu' type='%s'/>\n", xmlEscape(format))
	fmt.Fprintf(&b, "      <source file='%s'/>\n", xmlEscape(d.Disk))
	fmt.Fprintf(&b, "      <target dev='vda' bus='virtio'/>\n    </disk>\n")
	fmt.Fprintf(&b, "    <interface type='user'>\n      <model type='virtio'/>\n    </interface>\n")
	fmt.Fprintf(&b, "    <serial type='pty'>\n      <target port='0'/>\n    </serial>\n")
	fmt.Fprintf(&b, "    <console type='pty'>\n      <target type='serial' port='0'/>\n    </console>\n")
	fmt.Fprintf(&b, "  </devices>\n</domain>\n")
	return b.String()
}
