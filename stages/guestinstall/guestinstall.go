package guestinstall

import (
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine/kind"
)

// Kind is the guest-install stage kind. Its attributes and outputs are the
// contract of docs/architecture.md#stage-kinds, plus failure (console patterns that end the
// install at once).
var Kind = kind.Define(kind.Kind{
	Name:    "guest-install",
	Summary: "Install a disk image from a kickstart in a QEMU virtual machine.",
	Doc: `Boots the install tree's kernel and initrd in QEMU with the kickstart injected into the initrd,
installs onto a raw disk of disk_size and waits for the guest to power off (or reboot), as Oz
does. The installer is booted with inst.ks=file:/ks.cfg and inst.repo=<install_tree>; a local
tree is served to the guest over HTTP on the loopback, which the guest reaches at 10.0.2.2
through QEMU's user network (so are http URLs on localhost).

Watchdogs: install_timeout (default Oz's 20m; when unset and the accelerator is TCG, four
times that, with a warning) and inactivity_timeout (Oz's disk-activity watchdog: no block
request completed and less than 4 KiB of network traffic for that long). On failure the error
quotes the last console lines and names a screenshot (PNG, QMP screendump) and the console log.
The kickstart copy gets a %onerror script that prints the installer's logs (anaconda.log,
program.log, packaging.log, storage.log) on the serial console when the install fails: the
stage then fails at once, keeps each log beside the console log and quotes its error lines.
The console streams into the stage log. accel = "auto" runs a bounded KVM probe once and falls
back to TCG.`,
	Version: 2,
	PerArch: true,
	Attrs: []kind.Attr{
		{Name: "kickstart", Type: cty.String, Required: true, Doc: "The kickstart to install from (usually stage.<flatten>.kickstart)."},
		{Name: "install_tree", Type: cty.String, Required: true, Doc: "The install tree, a URL or a local path. A literal $arch is not replaced here (the image_build preset replaces Koji's $arch before); write ${arch}."},
		{Name: "disk_size", Type: cty.String, Default: cty.StringVal("10"), Doc: "Size of the raw disk: a number with an optional K, M, G or T (then i, B or iB: 512M, 1.5G, 20GiB; KB... are powers of 1000); a bare number is GiB, as in Oz. Wider than Oz's reading, which the image_build preset keeps to (docs/koji-behaviour.md#disk-size)."},
		{Name: "memory", Type: cty.String, Default: cty.StringVal("2048"), Doc: `Guest memory, e.g. "2GiB"; a bare number is MiB.`},
		{Name: "cpus", Type: cty.Number, Doc: "Guest CPUs."},
		{Name: "accel", Type: cty.String, Default: cty.StringVal("auto"), OneOf: []string{"auto", "kvm", "tcg"}, NotInID: true, Doc: "The accelerator; auto probes KVM and falls back to TCG."},
		{Name: "install_timeout", Type: cty.String, Doc: `How long the install may take, e.g. "20m".`},
		{Name: "inactivity_timeout", Type: cty.String, Default: cty.StringVal("300s"), Doc: "How long the guest may show no disk or network activity."},
		{Name: "kernel_args", Type: cty.String, Doc: "Extra kernel arguments for the installer."},
		{Name: "firmware", Type: cty.String, Default: cty.StringVal("bios"), OneOf: []string{"bios", "uefi"}, Doc: "Boot firmware. aarch64 has no BIOS: there bios means direct kernel boot without firmware."},
		{Name: "failure", Type: cty.List(cty.String), Doc: `Regular expressions that, on the serial console, end the install at once as failed (default: ["Kernel panic - not syncing"]).`},
		{Name: "debug_ssh", Type: cty.List(cty.String), Doc: `OpenSSH public keys that may log in to the installer as root during the install (what ` + "`imgpipe run --debug-install`" + ` sets): the kickstart copy the installer boots gets one ` + "`sshpw --username=root --sshkey`" + ` line per key and the kernel inst.sshd, a free port of 127.0.0.1 is forwarded to the guest's port 22, and the stage log says ` + "`ssh -p PORT root@127.0.0.1`" + ` once the installer's sshd answers. The inactivity watchdog is off then (a person may be looking around). In the stage ID, so that a disk built so is never taken for the real one.`},
	},
	Validate: validate,
	Outputs: []kind.Output{
		{Name: "disk", Type: cty.String, Path: true, Doc: "The installed raw disk."},
		{Name: "console", Type: cty.String, Path: true, Doc: "The serial console log."},
		{Name: "libvirt_xml", Type: cty.String, Path: true, Doc: "A libvirt domain definition for the disk."},
	},
}, run)
