package koji

import (
	"regexp"
	"strings"
)

// LivemediaOptions are the inputs of Koji's livemedia-creator command line.
type LivemediaOptions struct {
	Name, Version, Release, Arch string
	// Kickstart is the kickstart's path where the command runs.
	Kickstart string
	// ResultDir and LogFile are where livemedia-creator writes.
	ResultDir, LogFile string
	Volid              string // empty: ShortenVolID(Name, Version, Release)
	// ExtraBootArgs is the kickstart's bootloader --append value.
	ExtraBootArgs string
	// LoraxTemplates is the checkout of lorax_url; LoraxDir the directory
	// inside it.
	LoraxTemplates, LoraxDir string
	NoMacboot, SquashfsOnly  bool
	CompressArgs             []string
}

// ISOName is Koji's livemedia ISO name: N-arch-V-R.iso.
func ISOName(name, arch, version, release string) string {
	return name + "-" + arch + "-" + version + "-" + release + ".iso"
}

// LivemediaArgv is Koji's livemedia-creator argv (koji-notes §5 step 4):
// --macboot only on x86_64 unless NoMacboot, --releasever is the image
// version, and the extra boot args are wrapped in literal double quotes as
// Koji does.
func LivemediaArgv(o LivemediaOptions) []string {
	volid := o.Volid
	if volid == "" {
		volid = ShortenVolID(o.Name, o.Version, o.Release)
	}
	ks, logfile, resultdir := o.Kickstart, o.LogFile, o.ResultDir
	if ks == "" {
		ks = "koji-image.ks"
	}
	if logfile == "" {
		logfile = "lmc-logs/livemedia-out.log"
	}
	if resultdir == "" {
		resultdir = "lmc"
	}
	argv := []string{
		"livemedia-creator", "--ks", ks,
		"--logfile", logfile, "--no-virt",
		"--resultdir", resultdir, "--project", o.Name,
		"--make-iso", "--volid", volid, "--iso-only",
		"--iso-name", ISOName(o.Name, o.Arch, o.Version, o.Release),
		"--releasever", o.Version,
	}
	if o.Arch == "x86_64" && !o.NoMacboot {
		argv = append(argv, "--macboot")
	} else {
		argv = append(argv, "--nomacboot")
	}
	if o.ExtraBootArgs != "" {
		argv = append(argv, "--extra-boot-args", `"`+o.ExtraBootArgs+`"`)
	}
	if o.LoraxDir != "" {
		argv = append(argv, "--lorax-templates", strings.TrimSuffix(o.LoraxTemplates, "/")+"/"+o.LoraxDir)
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
	Kickstart              string
	Vmem, Vcpu, Format     string
}

// ApplianceArgv is Koji's appliance-creator argv (koji-notes §6).
func ApplianceArgv(o ApplianceOptions) []string {
	ks := o.Kickstart
	if ks == "" {
		ks = "koji-image.ks"
	}
	argv := []string{
		"appliance-creator", "-c", ks, "-d", "-v",
		"--logfile", "appliance.log", "--cache", "koji-appliance", "-o", "app-output",
	}
	if o.Vmem != "" {
		argv = append(argv, "--vmem", o.Vmem)
	}
	if o.Vcpu != "" {
		argv = append(argv, "--vcpu", o.Vcpu)
	}
	format := o.Format
	if format == "" {
		format = "raw"
	}
	argv = append(argv, "--format", format,
		"--name", o.Name+"-"+o.Version+"-"+o.Release,
		"--version", o.Version, "--release", o.Release)
	return argv
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func regexpMust(expr string) *regexp.Regexp { return regexp.MustCompile(expr) }
