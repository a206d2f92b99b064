package bootverify

import (
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine/kind"
)

// Kind is the boot-verify stage kind. Its attributes and outputs are the
// contract of docs/architecture.md#stage-kinds, plus kernel_args.
var Kind = kind.Define(kind.Kind{
	Name:    "boot-verify",
	Summary: "Boot a disk in QEMU, watch the console for success or failure, list its packages.",
	Doc: `Boots a throw-away overlay of disk, by direct kernel boot (install_tree, or kernel and initrd)
or firmware boot, matches success and failure patterns on the serial console and runs the package
query (icicle) in the guest. The stage's timeout meta-argument is the boot timeout (default 300s).

Direct boot passes console=<serial>, root=/dev/vdaN ro (N: the disk's largest Linux partition,
unless kernel_args has a root=), panic=-1 and systemd.run=<icicle>: the query runs as systemd's
kernel-command-line.service, and its output is read from the console between that service's
"Starting" and "Finished" status lines. The boot succeeds once a success pattern matched and the
query finished; a failure pattern, the guest stopping, or the timeout fail it, quoting the last
console lines (and keeping a screenshot and the console log in the stage's run directory).
packages is a JSON list of {name, version, release, arch, epoch (null for "(none)"), size,
sigmd5, buildtime}, sorted by name. Firmware boot takes no kernel arguments, so it runs no query.`,
	Version: 2,
	PerArch: true,
	Attrs: []kind.Attr{
		{Name: "disk", Type: cty.String, Required: true, Doc: "The disk to boot (usually stage.<guest-install>.disk)."},
		{Name: "install_tree", Type: cty.String, Doc: "Install tree to take the kernel and initrd from."},
		{Name: "kernel", Type: cty.String, Doc: "Kernel for direct boot."},
		{Name: "initrd", Type: cty.String, Doc: "Initrd for direct boot."},
		{Name: "mode", Type: cty.String, Default: cty.StringVal("direct"), OneOf: []string{"direct", "firmware"}, Doc: "direct boots a kernel; firmware boots the disk's own bootloader."},
		{Name: "success", Type: cty.List(cty.String), Doc: `Regular expressions that mean the boot succeeded (default: a login prompt, ["\\blogin:\\s*$"]).`},
		{Name: "failure", Type: cty.List(cty.String), Doc: `Regular expressions that mean the boot failed (default: ["Kernel panic", "emergency mode"]).`},
		{Name: "icicle", Type: cty.String, Doc: "The package query run in the guest through systemd.run= (default: Koji's rpm -qa --qf with NAME,VERSION,RELEASE,ARCH,EPOCH,SIZE,SIGMD5,BUILDTIME); \"\" runs none."},
		{Name: "memory", Type: cty.String, Doc: `Guest memory (default 1024 MiB); a bare number is MiB.`},
		{Name: "cpus", Type: cty.Number, Doc: "Guest CPUs."},
		{Name: "accel", Type: cty.String, Default: cty.StringVal("auto"), OneOf: []string{"auto", "kvm", "tcg"}, NotInID: true, Doc: "The accelerator."},
		{Name: "kernel_args", Type: cty.String, Doc: "Extra kernel arguments for direct boot; a root= here replaces the guessed one."},
	},
	Validate: validate,
	Outputs: []kind.Output{
		{Name: "packages", Type: cty.String, Path: true, Doc: "The guest's packages, JSON with Koji's icicle fields."},
		{Name: "console", Type: cty.String, Path: true, Doc: "The serial console log."},
	},
}, run)
