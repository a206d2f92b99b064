package bootverify

import (
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine"
)

// Kind is the boot-verify stage kind. Its attributes and outputs are the
// contract of DESIGN §3; Run is not implemented yet, so recipes using it
// validate and plan, and `imgpipe run` refuses them.
var Kind = &engine.Kind{
	Name:    "boot-verify",
	Summary: "Boot a disk in QEMU, watch the console for success or failure, list its packages.",
	Doc: `Boots a throw-away overlay of disk, by direct kernel boot (install_tree, or kernel and initrd)
or firmware boot, matches success and failure patterns on the serial console and runs the package
query (icicle) in the guest. The stage's timeout meta-argument is the boot timeout (default 300s).`,
	Version: 1,
	PerArch: true,
	Attrs: []engine.Attr{
		{Name: "disk", Type: cty.String, Required: true, Doc: "The disk to boot (usually stage.<guest-install>.disk)."},
		{Name: "install_tree", Type: cty.String, Doc: "Install tree to take the kernel and initrd from."},
		{Name: "kernel", Type: cty.String, Doc: "Kernel for direct boot."},
		{Name: "initrd", Type: cty.String, Doc: "Initrd for direct boot."},
		{Name: "mode", Type: cty.String, Default: cty.StringVal("direct"), OneOf: []string{"direct", "firmware"}, Doc: "direct boots a kernel; firmware boots the disk's own bootloader."},
		{Name: "success", Type: cty.List(cty.String), Doc: "Regular expressions that mean the boot succeeded."},
		{Name: "failure", Type: cty.List(cty.String), Doc: "Regular expressions that mean the boot failed."},
		{Name: "icicle", Type: cty.String, Doc: "The package query run in the guest."},
		{Name: "memory", Type: cty.String, Doc: "Guest memory."},
		{Name: "cpus", Type: cty.Number, Doc: "Guest CPUs."},
		{Name: "accel", Type: cty.String, Default: cty.StringVal("auto"), OneOf: []string{"auto", "kvm", "tcg"}, Doc: "The accelerator."},
	},
	Outputs: []engine.Output{
		{Name: "packages", Type: cty.String, Path: true, Doc: "The guest's packages, JSON with Koji's icicle fields."},
		{Name: "console", Type: cty.String, Path: true, Doc: "The serial console log."},
	},
}
