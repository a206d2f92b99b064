package guestinstall

import (
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine"
)

// Kind is the guest-install stage kind. Its attributes and outputs are the
// contract of DESIGN §3; Run is not implemented yet, so recipes using it
// validate and plan, and `imgpipe run` refuses them.
var Kind = &engine.Kind{
	Name:    "guest-install",
	Summary: "Install a disk image from a kickstart in a QEMU virtual machine.",
	Doc: `Boots the install tree's kernel and initrd in QEMU with the kickstart injected into the initrd,
installs onto a raw disk of disk_size and waits for the guest to power off, with install and
inactivity watchdogs.`,
	Version: 1,
	PerArch: true,
	Attrs: []engine.Attr{
		{Name: "kickstart", Type: cty.String, Required: true, Doc: "The kickstart to install from (usually stage.<flatten>.kickstart)."},
		{Name: "install_tree", Type: cty.String, Required: true, Doc: "The install tree, a URL or a local path. A literal $arch is not replaced here (the image_build preset replaces Koji's $arch before); write ${arch}."},
		{Name: "disk_size", Type: cty.String, Default: cty.StringVal("10"), Doc: "Size of the raw disk; a bare number is GiB, as Oz reads it."},
		{Name: "memory", Type: cty.String, Default: cty.StringVal("2048"), Doc: `Guest memory, e.g. "2GiB"; a bare number is MiB.`},
		{Name: "cpus", Type: cty.Number, Doc: "Guest CPUs."},
		{Name: "accel", Type: cty.String, Default: cty.StringVal("auto"), OneOf: []string{"auto", "kvm", "tcg"}, Doc: "The accelerator; auto probes KVM and falls back to TCG."},
		{Name: "install_timeout", Type: cty.String, Doc: `How long the install may take, e.g. "20m".`},
		{Name: "inactivity_timeout", Type: cty.String, Default: cty.StringVal("300s"), Doc: "How long the guest may show no disk or network activity."},
		{Name: "kernel_args", Type: cty.String, Doc: "Extra kernel arguments for the installer."},
		{Name: "firmware", Type: cty.String, Default: cty.StringVal("bios"), OneOf: []string{"bios", "uefi"}, Doc: "Boot firmware."},
	},
	Outputs: []engine.Output{
		{Name: "disk", Type: cty.String, Path: true, Doc: "The installed raw disk."},
		{Name: "console", Type: cty.String, Path: true, Doc: "The serial console log."},
		{Name: "libvirt_xml", Type: cty.String, Path: true, Doc: "A libvirt domain definition for the disk."},
	},
}
