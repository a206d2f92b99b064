package koji

import (
	"path"

	"github.com/imgpipe/imgpipe/internal/kojifacts"
)

// ChrootTmpdir is the build root's work directory: kojid's chroot_tmpdir
// (default /chroot_tmpdir), where Koji puts the kickstart, the lorax
// templates and the tools' results and logs, and the directory the tools
// run in.
const ChrootTmpdir = "/chroot_tmpdir"

// Koji's tool paths in the build root.
const (
	LivemediaCreator = "/sbin/livemedia-creator"
	ApplianceCreator = "/usr/bin/appliance-creator"
)

// KickstartPath is where the rewritten kickstart goes in the build root.
// Koji names it koji-image-<build tag>-<task id>.ks; imgpipe has neither a
// tag nor a task, and the name is all that changes.
const KickstartPath = ChrootTmpdir + "/koji-image.ks"

// LivemediaOptions are the inputs of Koji's livemedia-creator command line.
type LivemediaOptions struct {
	Name, Version, Release, Arch string
	// Kickstart is the kickstart's path in the build root (default
	// KickstartPath).
	Kickstart string
	Volid     string // empty: kojifacts.ShortenVolID(Name, Version, Release)
	// ExtraBootArgs is the kickstart's bootloader --append value.
	ExtraBootArgs string
	// LoraxTemplates is the lorax_url checkout in the build root (empty:
	// no lorax_url, and no --lorax-templates); LoraxDir the directory
	// inside it.
	LoraxTemplates, LoraxDir string
	NoMacboot, SquashfsOnly  bool
	CompressArgs             []string
}

// ISOName is Koji's livemedia ISO name: N-arch-V-R.iso (kojid
// LiveMediaTask.handler: isoname = '%s-%s-%s-%s.iso' % (name, arch, version,
// release)).
func ISOName(name, arch, version, release string) string {
	return name + "-" + arch + "-" + version + "-" + release + ".iso"
}

// LivemediaArgv is Koji's livemedia-creator argv (docs/koji-behaviour.md#livemedia-creator-command-line):
// --macboot only on x86_64 unless NoMacboot, --releasever is the image
// version, and the extra boot args are wrapped in literal double quotes as
// Koji does.
func LivemediaArgv(o LivemediaOptions) []string {
	volid := o.Volid
	if volid == "" {
		volid = kojifacts.ShortenVolID(o.Name, o.Version, o.Release)
	}
	argv := livemediaHead(o, volid, ISOName(o.Name, o.Arch, o.Version, o.Release))
	if o.ExtraBootArgs != "" {
		argv = append(argv, "--extra-boot-args", `"`+o.ExtraBootArgs+`"`)
	}
	return append(argv, livemediaTail(o)...)
}

// livemediaHead is the argv up to the optional --extra-boot-args, which
// only the kickstart knows (the preset reads it at run time), with the
// volume ID and ISO name given: the build-root script passes shell
// variables, as they depend on the release the run settles.
func livemediaHead(o LivemediaOptions, volid, iso string) []string {
	ks := o.Kickstart
	if ks == "" {
		ks = KickstartPath
	}
	argv := []string{
		LivemediaCreator, "--ks", ks,
		"--logfile", ChrootTmpdir + "/lmc-logs/livemedia-out.log", "--no-virt",
		"--resultdir", ChrootTmpdir + "/lmc", "--project", o.Name,
		"--make-iso", "--volid", volid, "--iso-only",
		"--iso-name", iso,
		"--releasever", o.Version,
	}
	if o.Arch == "x86_64" && !o.NoMacboot {
		argv = append(argv, "--macboot")
	} else {
		argv = append(argv, "--nomacboot")
	}
	return argv
}

// livemediaTail is the argv after the optional --extra-boot-args.
func livemediaTail(o LivemediaOptions) []string {
	var argv []string
	// Koji passes --lorax-templates only when lorax_url was given
	// (LiveMediaTask: "if 'lorax_url' in self.opts"); lorax_dir alone is
	// ignored.
	if o.LoraxTemplates != "" {
		argv = append(argv, "--lorax-templates", path.Join(o.LoraxTemplates, o.LoraxDir))
	}
	if o.SquashfsOnly {
		argv = append(argv, "--squashfs-only")
	}
	for _, c := range o.CompressArgs {
		argv = append(argv, "--compress-arg", c)
	}
	return argv
}

// ApplianceOptions are the inputs of Koji's appliance-creator command line.
type ApplianceOptions struct {
	Name, Version, Release string
	// Kickstart is the kickstart's path in the build root (default
	// KickstartPath).
	Kickstart          string
	Vmem, Vcpu, Format string
}

// ApplianceArgv is Koji's appliance-creator argv (docs/koji-behaviour.md#appliance). It runs
// in ChrootTmpdir, so -o app-output is ChrootTmpdir/app-output.
func ApplianceArgv(o ApplianceOptions) []string {
	return applianceArgv(o, o.Name+"-"+o.Version+"-"+o.Release, o.Release)
}

// applianceArgv is ApplianceArgv with --name and --release given: the
// build-root script passes shell variables, as both depend on the release
// the run settles.
func applianceArgv(o ApplianceOptions, nvr, release string) []string {
	ks := o.Kickstart
	if ks == "" {
		ks = KickstartPath
	}
	argv := []string{
		ApplianceCreator, "-c", ks, "-d", "-v",
		"--logfile", ChrootTmpdir + "/appliance.log", "--cache", ChrootTmpdir + "/koji-appliance", "-o", "app-output",
	}
	if o.Vmem != "" {
		argv = append(argv, "--vmem", o.Vmem)
	}
	if o.Vcpu != "" {
		argv = append(argv, "--vcpu", o.Vcpu)
	}
	argv = append(argv, "--format", applianceFormat(o.Format),
		"--name", nvr,
		"--version", o.Version, "--release", release)
	return argv
}

// applianceFormat is Koji's default: --format is always sent, raw unless
// given.
func applianceFormat(f string) string {
	if f == "" {
		return "raw"
	}
	return f
}

// applianceArtifact is the format the appliance's disks are published as:
// Koji's image format name for a compressed raw disk, raw-xz, or the
// format itself.
func applianceArtifact(format string) string {
	if applianceFormat(format) == "raw" {
		return "raw-xz"
	}
	return applianceFormat(format)
}
