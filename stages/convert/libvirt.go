package convert

import (
	"fmt"
)

// libvirtXMLName is Koji's name for a format's libvirt domain definition.
func libvirtXMLName(format, arch string) string {
	return fmt.Sprintf("libvirt-%s-%s.xml", format, arch)
}

// libvirtDomain is the libvirt domain definition convert writes beside each
// format (but docker), as Koji's OzImageTask.fixImageXML does, with Koji's
// quirk fixed (docs/koji-behaviour.md#libvirt-xml): the disk's source is the artifact's real
// file name, and its driver type is a format libvirt knows.
type libvirtDomain struct {
	Name   string // N-V-R.arch
	Arch   string
	File   string // the artifact's file name
	Driver string // qemu's name for the disk format
	// Warning says what to do first when the file is not a disk qemu can
	// use as it is (a compressed or packaged disk); Koji's type-warning.
	Warning string
}

var libvirtTemplate = lazyTemplate("libvirt", `<domain type="kvm">
  <name>{{x .Name}}</name>
  <memory unit="MiB">1024</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch="{{x .Arch}}">hvm</type>
    <boot dev="hd"/>
  </os>
  <features>
    <acpi/>
    <apic/>
  </features>
  <devices>
    <disk type="file" device="disk">
      <driver name="qemu" type="{{x .Driver}}"{{if .Warning}} type-warning="{{x .Warning}}"{{end}}/>
      <source file="{{x .File}}"/>
      <target dev="vda" bus="virtio"/>
    </disk>
    <interface type="network">
      <source network="default"/>
      <model type="virtio"/>
    </interface>
    <serial type="pty">
      <target port="0"/>
    </serial>
    <console type="pty">
      <target type="serial" port="0"/>
    </console>
  </devices>
</domain>
`)

func (d libvirtDomain) bytes() []byte { return render(libvirtTemplate, d) }
