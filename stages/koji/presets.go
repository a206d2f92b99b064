package koji

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/imgpipe/imgpipe/engine/kind"
	"github.com/imgpipe/imgpipe/engine/recipe"
	"github.com/imgpipe/imgpipe/internal/kojifacts"
	"github.com/imgpipe/imgpipe/internal/qemu"
	"github.com/imgpipe/imgpipe/internal/suggest"
)

// Presets returns the Koji presets.
func Presets() []*kind.Preset {
	return []*kind.Preset{ImageBuild, Livemedia, Appliance, Livecd}
}

// Attributes shared by the presets, with Koji's option names (the dest
// spelling, as the INI keys use it).
var (
	attrVersion   = kind.Attr{Name: "version", Type: cty.String, Required: true, Doc: "The build's version (Koji's V). No hyphens."}
	attrRelease   = kind.Attr{Name: "release", Type: cty.String, Doc: "The build's release (Koji's R). No hyphens. Unset: the next release after the newest build in the store, settled when the run has built everything the release does not decide (a scratch build too: it reserves nothing)."}
	attrTarget    = kind.Attr{Name: "target", Type: cty.String, Doc: "The Koji build target. Kept for export-koji, which needs it; unused locally (imgpipe has no hub)."}
	attrArches    = kind.Attr{Name: "arches", Type: cty.List(cty.String), Required: true, Doc: "Architectures to build, canonicalised as Koji does (i686 is i386)."}
	attrCanFail   = kind.Attr{Name: "can_fail", Type: cty.List(cty.String), Doc: "Architectures whose failure does not fail the build (Koji --can-fail). If every arch fails, the build fails."}
	attrKickstart = kind.Attr{Name: "kickstart", Type: cty.String, Required: true, Doc: "The kickstart: a local path, or with ksurl a path inside that checkout."}
	attrKsurl     = kind.Attr{Name: "ksurl", Type: cty.String, Doc: "SCM URL of the tree holding the kickstart, e.g. git+https://pagure.io/fedora-kickstarts.git?#<commit>."}
	attrKsversion = kind.Attr{Name: "ksversion", Type: cty.String, Doc: "The pykickstart syntax version, e.g. DEVEL, F41, RHEL9. Default DEVEL, the newest."}
	attrRepo      = kind.Attr{Name: "repo", Type: cty.List(cty.String), Doc: "Repositories that replace the kickstart's own (Koji --repo)."}
	attrRepoMode  = kind.Attr{Name: "repo_mode", Type: cty.String, OneOf: []string{"override", "append", "keep"}, Doc: "imgpipe only: override replaces the kickstart's repos with repo (Koji), append adds repo to them, keep leaves them. Without repo, Koji would use the build tag's repository, which does not exist locally, so set repo or repo_mode = \"keep\"."}
	attrScratch   = kind.Attr{Name: "scratch", Type: cty.Bool, Doc: "A scratch build: published under scratch/ and reserving no release."}
	attrSkipTag   = kind.Attr{Name: "skip_tag", Type: cty.Bool, Doc: "Koji --skip-tag. Kept for export-koji; unused locally."}
	attrSpecfile  = kind.Attr{Name: "specfile", Type: cty.String, Doc: "SCM URL of a wrapper RPM spec template. Kept for export-koji; unused locally."}
	attrBackgr    = kind.Attr{Name: "background", Type: cty.Bool, Doc: "Koji --background (lower priority). Kept for export-koji; unused locally."}
	attrNoCanFail = kind.Attr{Name: "can_fail", Type: cty.List(cty.String), Doc: "Not allowed: this command builds one architecture, so nothing may fail optionally (Koji has no --can-fail here)."}
	attrBuildroot = kind.Attr{Name: "buildroot_image", Type: cty.String, Default: cty.StringVal("registry.fedoraproject.org/fedora:latest"), Doc: "imgpipe only: the container image the build root is made from (Koji's mock chroot from the build tag)."}
)

// unusedLocally are options that only mean something to a Koji hub.
var unusedLocally = []string{"target", "skip_tag", "specfile", "background"}

// ImageBuild is the image_build preset: `koji image-build`.
var ImageBuild = &kind.Preset{
	Name:    "image_build",
	Summary: "A `koji image-build`: a kickstart install in a VM, verified, converted to Koji's formats and published.",
	Doc: `Mirrors every option of koji image-build (and its --config INI). Expands into
fetch-ks "ks" → flatten "kickstart" → guest-install "install" → boot-verify
"verify" → convert "images" → upload "publish". Koji's $arch in install_tree and
repo is substituted per architecture.`,
	Attrs: []kind.Attr{
		attrVersion, attrRelease, attrTarget,
		{Name: "install_tree", Type: cty.String, Required: true, Doc: "The install tree URL; $arch is substituted per architecture."},
		attrArches, attrCanFail,
		{Name: "distro", Type: cty.String, Required: true, Doc: "The OS, as Koji's parseDistro reads it: Fedora-NN, RHEL-X.Y, CentOS-X.Y or SL-X.Y."},
		{Name: "format", Type: cty.List(cty.String), Default: cty.ListVal([]cty.Value{cty.StringVal("raw")}), Doc: "Image formats: " + strings.Join(kojifacts.Formats, ", ") + "."},
		{Name: "disk_size", Type: cty.String, Default: cty.StringVal("10"), Doc: "Disk size, read as Koji's Oz reads it: an integer with an optional unit in any case (20, 20GiB, 20gib, 10GB, 4096MiB); a bare number is GiB."},
		attrKickstart, attrKsurl, attrKsversion, attrRepo, attrRepoMode, attrScratch, attrSkipTag, attrSpecfile,
		{Name: "noverifyssl", Type: cty.Bool, Doc: "Do not verify TLS certificates of the install tree and repos."},
		attrBackgr,
		{Name: "ova_options", Type: cty.Map(cty.String), Doc: "The [ova-options] section: OVA, OVF and vagrant settings (ovf_memory_mb, vsphere_product_version, ...)."},
		{Name: "factory_parameters", Type: cty.Map(cty.String), Doc: "The [factory-parameters] section: ImageFactory parameters (docker_cmd, oz_overrides, ...)."},
	},
	Validate: validateImageBuild,
	Expand:   expandImageBuild,
}

// Livemedia is the livemedia preset: `koji spin-livemedia`.
var Livemedia = &kind.Preset{
	Name:    "livemedia",
	Summary: "A `koji spin-livemedia`: a live ISO made by livemedia-creator in a build-root container.",
	Doc: `Mirrors every option of koji spin-livemedia. Expands into fetch-ks "ks" →
flatten "kickstart" → chroot "livemedia" (Koji's exact livemedia-creator command
line, in a build root made from buildroot_image) → upload "publish". Koji does
not substitute $arch in livemedia repos, and neither does imgpipe.`,
	Attrs: []kind.Attr{
		attrVersion, attrRelease, attrTarget, attrArches, attrCanFail, attrKickstart, attrKsurl,
		{Name: "install_tree_url", Type: cty.String, Doc: "Sets the kickstart's url command."},
		attrKsversion, attrScratch, attrRepo, attrRepoMode,
		{Name: "ksrepo", Type: cty.Bool, Doc: "Keep the kickstart's own repos (Koji --ksrepo); the same as repo_mode = \"keep\"."},
		{Name: "volid", Type: cty.String, Doc: "The ISO's volume ID, at most 32 characters. Unset: derived from N-V-R as Koji does."},
		attrSpecfile, attrSkipTag,
		{Name: "lorax_url", Type: cty.String, Doc: "SCM URL of lorax templates; needs lorax_dir."},
		{Name: "lorax_dir", Type: cty.String, Doc: "The templates' directory inside the lorax_url checkout. Without lorax_url it has no effect, as in Koji (a warning)."},
		{Name: "nomacboot", Type: cty.Bool, Doc: "No Mac boot support (on x86_64 it is on by default)."},
		{Name: "squashfs_only", Type: cty.Bool, Doc: "Make the root file system squashfs only."},
		{Name: "compress_arg", Type: cty.List(cty.String), Doc: "Arguments for the squashfs compressor, each passed as one --compress-arg."},
		attrBackgr, attrBuildroot,
	},
	Validate: validateLivemedia,
	Expand:   expandLivemedia,
}

// Appliance is the appliance preset: `koji spin-appliance`.
var Appliance = &kind.Preset{
	Name:    "appliance",
	Summary: "A `koji spin-appliance`: a disk image made by appliance-creator in a build-root container (one arch).",
	Doc: `Mirrors every option of koji spin-appliance (deprecated in Koji in favour of
image-build). Expands into fetch-ks "ks" → flatten "kickstart" → chroot
"appliance" (Koji's exact appliance-creator command line) → upload "publish".
One architecture, and no can_fail, as in Koji.`,
	Attrs: []kind.Attr{
		attrVersion, attrRelease, attrTarget,
		{Name: "arches", Type: cty.List(cty.String), Required: true, Doc: "The one architecture to build, as a list of one (Koji's arch argument)."},
		attrNoCanFail,
		attrKickstart, attrKsurl, attrKsversion, attrScratch, attrRepo, attrRepoMode, attrSpecfile, attrSkipTag,
		{Name: "vmem", Type: cty.String, Doc: "Memory of the appliance in MiB (appliance-creator --vmem)."},
		{Name: "vcpu", Type: cty.String, Doc: "CPUs of the appliance (appliance-creator --vcpu)."},
		{Name: "format", Type: cty.String, Default: cty.StringVal("raw"), OneOf: []string{"raw", "qcow", "qcow2", "vmx"}, Doc: "The disk format appliance-creator writes."},
		attrBackgr, attrBuildroot,
	},
	Validate: validateAppliance,
	Expand:   expandAppliance,
}

// Livecd is the livecd preset: `koji spin-livecd`, built as livemedia.
var Livecd = &kind.Preset{
	Name:    "livecd",
	Summary: "A `koji spin-livecd`, built with livemedia-creator as a livemedia (Koji deprecated livecd-creator).",
	Doc: `Mirrors the options of koji spin-livecd (one architecture). livecd-creator is
deprecated and gone from current distributions, so imgpipe builds the ISO as
the livemedia preset does and says so with a warning.`,
	Attrs: []kind.Attr{
		attrVersion, attrRelease, attrTarget,
		{Name: "arches", Type: cty.List(cty.String), Required: true, Doc: "The one architecture to build, as a list of one."},
		attrNoCanFail,
		attrKickstart, attrKsurl, attrKsversion, attrScratch, attrRepo, attrRepoMode,
		{Name: "volid", Type: cty.String, Doc: "The ISO's volume ID, at most 32 characters."},
		attrSpecfile, attrSkipTag, attrBackgr, attrBuildroot,
	},
	Validate: validateLivecd,
	Expand:   expandLivecd,
}

// --- validation -----------------------------------------------------------

func known(c *kind.Config, name string) (cty.Value, bool) {
	v := c.Get(name)
	return v, !v.IsNull() && v.IsWhollyKnown()
}

func knownString(c *kind.Config, name string) (string, bool) {
	v, ok := known(c, name)
	if !ok || v.Type() != cty.String {
		return "", false
	}
	return v.AsString(), true
}

func knownList(c *kind.Config, name string) ([]string, bool) {
	v, ok := known(c, name)
	if !ok {
		return nil, false
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if !e.IsNull() {
			out = append(out, e.AsString())
		}
	}
	return out, true
}

func errorf(rng *hcl.Range, summary, format string, args ...any) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: rng}
}

func warnf(rng *hcl.Range, summary, format string, args ...any) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: rng}
}

// validateCommon checks what every preset shares.
func validateCommon(c *kind.Config, cmd string) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, name := range []string{"version", "release"} {
		if s, ok := knownString(c, name); ok && strings.Contains(s, "-") {
			diags = append(diags, errorf(c.Range(name), "Hyphen in "+name,
				"%q contains a hyphen, which would make the build's name-version-release ambiguous; Koji refuses it. Use a dot or an underscore.", s))
		}
	}
	for _, name := range unusedLocally {
		if v := c.Get(name); !v.IsNull() && c.Has(name) {
			diags = append(diags, warnf(c.Range(name), "Unused locally: "+name,
				"%s only means something to a Koji hub. imgpipe keeps it for export-koji and otherwise ignores it.", name))
		}
	}
	hasRepo := !c.Get("repo").IsNull() // unknown (uses ${arch}) counts as set
	mode, _ := knownString(c, "repo_mode")
	ksrepo := c.Get("ksrepo")
	keep := mode == "keep" || (!ksrepo.IsNull() && ksrepo.IsKnown() && ksrepo.True())
	if !hasRepo && !keep {
		diags = append(diags, errorf(c.Block.Ptr(), "No repo",
			"Without repo, %s installs from the build tag's repository, which only a Koji hub has. Set repo to the repositories to install from, or repo_mode = \"keep\" to use the kickstart's own.", cmd))
	}
	if hasRepo && mode == "keep" {
		diags = append(diags, errorf(c.Range("repo_mode"), "repo with repo_mode = \"keep\"",
			"repo_mode = \"keep\" keeps the kickstart's repos and ignores repo. Remove repo, or use \"override\" or \"append\"."))
	}
	if ks, ok := knownString(c, "kickstart"); ok && strings.TrimSpace(ks) == "" {
		diags = append(diags, errorf(c.Range("kickstart"), "Empty kickstart", "kickstart names the kickstart file to build from."))
	}
	if arches, ok := knownList(c, "arches"); ok {
		for _, a := range arches {
			if !kojifacts.KnownArch(strings.TrimSpace(a)) {
				diags = append(diags, errorf(c.Range("arches"), "Unknown architecture",
					"%q is not an architecture Koji knows.%s Architectures are named as rpm names them, such as x86_64, aarch64, ppc64le or s390x.", a, suggest.DidYouMean(strings.TrimSpace(a), kojifacts.KnownArches)))
			} else if ca := kojifacts.CanonArch(strings.TrimSpace(a)); ca != a {
				diags = append(diags, warnf(c.Range("arches"), "Architecture renamed",
					"Koji calls %q %q; imgpipe builds it as %q.", a, ca, ca))
			}
		}
	}
	if repos, ok := stringList(c.Get("repo")); ok {
		for _, r := range repeats(repos) {
			diags = append(diags, warnf(c.Range("repo"), "Duplicate repo",
				"%q is listed more than once. Koji's builder adds each distinct repo once (it iterates over set(repo)), and so does imgpipe, keeping your order; remove the repeat.", r))
		}
	}
	return diags
}

func validateImageBuild(c *kind.Config) hcl.Diagnostics {
	diags := validateCommon(c, "koji image-build")
	// kojihub get_next_build numbers a build only when its release is None:
	// an empty --release (or INI release =) is a release, and Koji makes
	// the build N-V-. Its builder numbers a scratch build's empty release,
	// as imgpipe does.
	diags = append(diags, emptyRelease(c)...)
	if d, ok := knownString(c, "distro"); ok {
		if why := kojifacts.CheckDistro(d); why != "" {
			diags = append(diags, errorf(c.Range("distro"), "Invalid distro", "%s", why))
		}
	}
	if formats, ok := knownList(c, "format"); ok {
		if len(formats) == 0 {
			diags = append(diags, errorf(c.Range("format"), "No format", "format lists the image formats to build, e.g. [\"qcow2\"]."))
		}
		for _, f := range formats {
			if !slices.Contains(kojifacts.Formats, f) {
				diags = append(diags, errorf(c.Range("format"), "Unknown image format",
					"%q is not a Koji image format.%s Formats: %s.", f, suggest.DidYouMean(f, kojifacts.Formats), strings.Join(kojifacts.Formats, ", ")))
			}
		}
		for _, f := range repeats(formats) {
			diags = append(diags, warnf(c.Range("format"), "Duplicate image format",
				"%q is listed more than once. Koji's builder makes each format once (it keys them in a dict), and so does imgpipe; remove the repeat.", f))
		}
	}
	if s, ok := knownString(c, "disk_size"); ok {
		if _, err := kojifacts.OzDiskSize(s); err != nil {
			diags = append(diags, diskSizeError(c.Range("disk_size"), s, err))
		}
	}
	diags = append(diags, ozArches(c)...)
	if ks, ok := knownString(c, "kickstart"); ok {
		if _, hasURL := known(c, "ksurl"); hasURL && path.Base(ks) != ks {
			diags = append(diags, warnf(c.Range("kickstart"), "Kickstart directory dropped",
				"With ksurl, Koji's image-build looks for only the file name of kickstart (%q) at the top of the checkout. imgpipe does the same; put the directory into ksurl's ?subdir part to use it.", path.Base(ks)))
		}
	}
	return diags
}

// diskSizeError says why Koji's Oz would refuse disk_size (or could not
// make the disk) and, where imgpipe's guest-install reads the value as a
// size, how Oz spells that size.
func diskSizeError(rng *hcl.Range, s string, err error) *hcl.Diagnostic {
	detail := fmt.Sprintf("disk_size %v. Koji passes disk_size unchanged to Oz, which reads it (oz/TDL.py _parse_disksize) as an integer with an optional unit, any case, spaces ignored: none (GiB), B, KB, MB, GB, TB, ... (powers of 1000), KiB, MiB, GiB, TiB, ... (powers of 1024), or G and T (GiB, TiB).", err)
	if n, perr := qemu.ParseSize(s, 1<<30); errors.Is(err, kojifacts.ErrOzDiskSize) && perr == nil && n > 0 {
		detail += fmt.Sprintf(" Oz spells this size %q.", kojifacts.OzDiskSpelling(n))
	}
	return errorf(rng, "Invalid disk_size", "%s", detail)
}

// emptyRelease warns of release = "": kojihub get_next_build numbers a
// build only when its release is None, so Koji makes the build N-V- (its
// builder numbers a scratch build's empty release, as imgpipe does).
// imgpipe reads it as unset and settles the next release at run time, which
// names the files too (the spin presets' chroot stages use the release).
func emptyRelease(c *kind.Config) hcl.Diagnostics {
	if r, ok := knownString(c, "release"); !ok || r != "" {
		return nil
	}
	if scratch, ok := known(c, "scratch"); ok && scratch.True() {
		return nil
	}
	return hcl.Diagnostics{warnf(c.Range("release"), "Empty release",
		"release is empty, and Koji takes an empty release as given (only a missing one is numbered), so Koji would make the build N-V- (name, version, and nothing after the last hyphen). imgpipe reads it as unset and gives the build the next release. Remove release to say so, or set one.")}
}

// ozArches reports the arches Oz cannot install (kojifacts.OzArchProblem).
// In Koji that arch's createImage task fails: the build with it, unless
// the arch is in can_fail (BuildBaseImageTask's optional_arches), when the
// other arches are built. So imgpipe refuses such an arch, or warns under
// can_fail. (A format ImageFactory cannot make on an arch, convert's
// Validate reports, for recipes too.)
func ozArches(c *kind.Config) hcl.Diagnostics {
	arches, ok := knownList(c, "arches")
	if !ok {
		return nil
	}
	canFail, _ := knownList(c, "can_fail")
	var diags hcl.Diagnostics
	for _, a := range arches {
		arch := kojifacts.CanonArch(strings.TrimSpace(a))
		why := kojifacts.OzArchProblem(arch)
		if why == "" || !kojifacts.KnownArch(arch) { // unknown: reported as such
			continue
		}
		optional := slices.ContainsFunc(canFail, func(cf string) bool { return kojifacts.CanonArch(strings.TrimSpace(cf)) == arch })
		if optional {
			diags = append(diags, warnf(c.Range("arches"), "Architecture will fail",
				"%s. %s is in can_fail, so Koji builds the other architectures; imgpipe tries %s all the same, with a qemu-system-%s guest install Koji never makes.", why, arch, arch, arch))
		} else {
			diags = append(diags, errorf(c.Range("arches"), "Architecture cannot be built",
				"%s, and the whole build with it. Remove %s from arches, or add it to can_fail to build the other architectures.", why, arch))
		}
	}
	return diags
}

func validateLive(c *kind.Config, cmd string) hcl.Diagnostics {
	diags := validateCommon(c, cmd)
	// Characters, as Koji's Python len() counts them, not bytes.
	if v, ok := knownString(c, "volid"); ok && utf8.RuneCountInString(v) > kojifacts.MaxVolIDChars {
		diags = append(diags, errorf(c.Range("volid"), "Volume ID too long",
			"%q has %d characters; an ISO volume ID has at most %d (Koji: \"Volume ID has a maximum length of 32 characters\").", v, utf8.RuneCountInString(v), kojifacts.MaxVolIDChars))
	}
	return append(diags, emptyRelease(c)...)
}

func validateLivemedia(c *kind.Config) hcl.Diagnostics {
	diags := validateLive(c, "koji spin-livemedia")
	if arches, ok := knownList(c, "arches"); ok {
		canon := make([]string, len(arches))
		for i, a := range arches {
			canon[i] = kojifacts.CanonArch(strings.TrimSpace(a))
		}
		for _, a := range repeats(canon) {
			diags = append(diags, warnf(c.Range("arches"), "Duplicate architecture",
				"%q is listed more than once (after Koji's arch names are applied). Koji's livemedia builds each architecture once (its builder takes set(arches)), and so does imgpipe; remove the repeat.", a))
		}
	}
	_, hasURL := known(c, "lorax_url")
	_, hasDir := known(c, "lorax_dir")
	if hasURL && !hasDir {
		diags = append(diags, errorf(c.Range("lorax_url"), "lorax_url needs lorax_dir",
			"The \"--lorax_url\" option requires that \"--lorax_dir\" also be used: set lorax_dir to the templates' directory inside the checkout."))
	}
	// Koji's CLI checks only lorax_url's need, and its builder uses
	// lorax_dir only under lorax_url: alone, it changes nothing.
	if hasDir && !hasURL {
		diags = append(diags, warnf(c.Range("lorax_dir"), "lorax_dir without lorax_url",
			"lorax_dir names a directory inside the lorax_url checkout; without lorax_url it has no effect (Koji accepts it and ignores it too), so livemedia-creator uses its default templates. Set lorax_url, or remove lorax_dir."))
	}
	return diags
}

func validateSingleArch(c *kind.Config, cmd string) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if c.Has("can_fail") {
		diags = append(diags, errorf(c.Range("can_fail"), "can_fail with one architecture",
			"%s builds exactly one architecture and has no --can-fail: if it fails, the build fails. Remove can_fail.", cmd))
	}
	if arches, ok := knownList(c, "arches"); ok && len(arches) != 1 {
		diags = append(diags, errorf(c.Range("arches"), "One architecture",
			"%s builds exactly one architecture; list one, e.g. [\"x86_64\"], and write one recipe per architecture.", cmd))
	}
	return diags
}

func validateAppliance(c *kind.Config) hcl.Diagnostics {
	diags := validateCommon(c, "koji spin-appliance")
	diags = append(diags, validateSingleArch(c, "koji spin-appliance")...)
	return append(diags, emptyRelease(c)...)
}

func validateLivecd(c *kind.Config) hcl.Diagnostics {
	diags := validateLive(c, "koji spin-livecd")
	return append(diags, validateSingleArch(c, "koji spin-livecd")...)
}

// --- expansion ------------------------------------------------------------

// expander carries one preset block through its expansion.
type expander struct {
	b     *kind.PresetBlock
	diags hcl.Diagnostics
	// distinctArches builds a repeated architecture once, as Koji's
	// livemedia does (image-build's repeats are an error of the build
	// block).
	distinctArches bool
}

func (x *expander) expr(name string) (hclsyntax.Expression, bool) {
	a, ok := x.b.Attrs[name]
	if !ok {
		return nil, false
	}
	e, ok := a.Expr.(hclsyntax.Expression)
	return e, ok
}

func (x *expander) rng(name string) hcl.Range {
	if a, ok := x.b.Attrs[name]; ok {
		return a.Expr.Range()
	}
	return x.b.DeclRange
}

// build is the build block every preset stands for.
func (x *expander) build() *recipe.Build {
	b := &recipe.Build{Name: str(x.b.Label, x.b.Block.LabelRange), DeclRange: x.b.DeclRange}
	if e, ok := x.expr("version"); ok {
		b.Version = e
	}
	if e, ok := x.expr("release"); ok {
		b.Release = e
	}
	if e, ok := x.expr("scratch"); ok {
		b.Scratch = e
	}
	if e, ok := x.expr("can_fail"); ok {
		b.CanFail = canonArches(x.b.Config.Get("can_fail"), e)
	}
	if e, ok := x.expr("arches"); ok {
		arches := canonArches(x.b.Config.Get("arches"), e)
		if lit, ok := arches.(*hclsyntax.LiteralValueExpr); ok && x.distinctArches {
			arches = distinct(arches, lit.Val) // the canonical names, known
		}
		b.Arches = arches
	}
	return b
}

// canonArches returns the arch list canonicalised as Koji does when it is
// known, else the expression as written.
func canonArches(v cty.Value, e hclsyntax.Expression) hclsyntax.Expression {
	if v.IsNull() || !v.IsWhollyKnown() {
		return e
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, a := it.Element()
		if !a.IsNull() {
			out = append(out, kojifacts.CanonArch(strings.TrimSpace(a.AsString())))
		}
	}
	return strs(out, e.Range())
}

// fetchAndFlatten adds the ks and kickstart stages. imageBuild selects
// image-build's rules: the kickstart's base name only under ksurl, and $arch
// substituted in repo and install tree URLs.
//
// lintFor names the kickstart rules the flatten stage checks (ks lint --for).
func (x *expander) fetchAndFlatten(installTree string, imageBuild bool, lintFor string) []*recipe.Stage {
	var stages []*recipe.Stage
	ks := newBody(x.rng("kickstart"))
	kickstart, _ := knownStringValue(x.b.Config.Get("kickstart"))
	if e, ok := x.expr("ksurl"); ok {
		ks.set("url", e)
		file := kickstart
		if imageBuild {
			file = path.Base(kickstart) // Koji's image-build keeps only the base name
		}
		ks.set("file", str(file, x.rng("kickstart")))
	} else {
		// A local kickstart is the one file, as Koji uploads it: a %include
		// needs ksurl (which may be a local directory) or flattening first.
		e, _ := x.expr("kickstart")
		ks.set("url", e)
		ks.set("file", str(path.Base(kickstart), x.rng("kickstart")))
	}
	stages = append(stages, stage("fetch-ks", "ks", ks))

	fl := newBody(x.rng("kickstart"))
	fl.set("source", ref("ks", "kickstart", x.rng("kickstart")))
	if e, ok := x.expr("ksversion"); ok {
		fl.set("version", e)
	}
	if e, ok := x.expr("repo"); ok {
		// Koji takes set(repo) as written, before $arch is replaced.
		e = distinct(e, x.b.Config.Get("repo"))
		if imageBuild {
			e = substArchList(e)
		}
		fl.set("repos", e)
	}
	switch {
	case x.isTrue("ksrepo"):
		fl.set("repo_mode", str("keep", x.rng("ksrepo")))
	default:
		if e, ok := x.expr("repo_mode"); ok {
			fl.set("repo_mode", e)
		}
	}
	if e, ok := x.expr(installTree); ok {
		if imageBuild {
			e = substArch(e)
		}
		fl.set("install_tree", e)
	}
	if e, ok := x.expr("noverifyssl"); ok {
		fl.set("noverifyssl", e)
	}
	fl.set("lint_for", str(lintFor, x.rng("kickstart")))
	return append(stages, stage("flatten", "kickstart", fl))
}

func (x *expander) isTrue(name string) bool {
	v := x.b.Config.Get(name)
	return !v.IsNull() && v.IsKnown() && v.Type() == cty.Bool && v.True()
}

func knownStringValue(v cty.Value) (string, bool) {
	if v.IsNull() || !v.IsKnown() || v.Type() != cty.String {
		return "", false
	}
	return v.AsString(), true
}

func expandImageBuild(b *kind.PresetBlock) (*kind.Expansion, hcl.Diagnostics) {
	x := &expander{b: b}
	rng := b.DeclRange
	stages := x.fetchAndFlatten("install_tree", true, "image-build")
	tree, _ := x.expr("install_tree")

	install := newBody(rng)
	install.set("kickstart", ref("kickstart", "kickstart", rng))
	install.set("install_tree", substArch(tree))
	if e, ok := x.expr("disk_size"); ok {
		install.set("disk_size", x.diskSize(e))
	} else {
		install.set("disk_size", str("10", rng))
	}

	verify := newBody(rng)
	verify.set("disk", ref("install", "disk", rng))
	verify.set("install_tree", substArch(tree))
	verifyTimeout := x.applyBaseImageParams(install, verify)
	stages = append(stages, stage("guest-install", "install", install))
	verifyStage := stage("boot-verify", "verify", verify)
	verifyStage.Timeout = verifyTimeout
	stages = append(stages, verifyStage)

	images := newBody(x.rng("format"))
	images.set("disk", ref("install", "disk", rng))
	if e, ok := x.expr("format"); ok {
		images.set("formats", distinct(e, x.b.Config.Get("format")))
	} else {
		images.set("formats", strs([]string{"raw"}, rng))
	}
	if e, ok := x.expr("ova_options"); ok {
		images.set("ova", e)
	}
	if e, ok := x.expr("factory_parameters"); ok {
		images.set("factory", e)
	}
	conv := stage("convert", "images", images)
	// Koji converts only an image that booted: boot-verify gates convert.
	conv.DependsOn = []recipe.DependsOn{{Name: "verify", Range: rng}}
	stages = append(stages, conv)

	publish := newBody(rng)
	publish.set("artifacts", ref("images", "artifacts", rng))
	publish.set("packages", ref("verify", "packages", rng))
	publish.set("kickstarts", list(rng, ref("kickstart", "original", rng), ref("kickstart", "kickstart", rng)))
	publish.set("logs", list(rng, ref("install", "console", rng), ref("verify", "console", rng)))
	publish.set("install_tree", substArch(tree))
	x.provenance(publish)
	stages = append(stages, stage("upload", "publish", publish))
	return &kind.Expansion{Build: x.build(), Stages: stages}, x.diags
}

// diskSize is guest-install's disk_size for the preset's: the expression
// as written when guest-install reads it as Oz does, else Oz's size in
// bytes, so that the disk is the size Koji would make ("1 0 G i B" and
// "2EiB" are Oz spellings guest-install's own parser does not read).
func (x *expander) diskSize(e hclsyntax.Expression) hclsyntax.Expression {
	s, ok := knownStringValue(x.b.Config.Get("disk_size"))
	if !ok {
		return e
	}
	oz, err := kojifacts.OzDiskSize(s)
	if err != nil {
		return e // validateImageBuild has said why
	}
	if own, err := qemu.ParseSize(s, 1<<30); err == nil && own == oz {
		return e
	}
	return str(fmt.Sprintf("%dB", oz), e.Range())
}

// provenance records where the kickstart came from in the build's
// metadata: the URL as written and the revision fetch-ks resolved.
func (x *expander) provenance(publish *body) {
	if e, ok := x.expr("ksurl"); ok {
		publish.set("kickstart_url", e)
	} else if e, ok := x.expr("kickstart"); ok {
		publish.set("kickstart_url", e)
	}
	publish.set("kickstart_revision", ref("ks", "revision", x.rng("kickstart")))
}

// livemediaBuildroot is the livemedia-build group Koji's build roots
// install (Fedora's definition).
var livemediaBuildroot = []string{"bash", "coreutils", "glibc-all-langpacks", "lorax-lmc-novirt", "selinux-policy-targeted", "shadow-utils", "util-linux"}

// applianceBuildroot is the appliance-build group.
var applianceBuildroot = []string{"appliance-tools", "bash", "coreutils", "grub2", "parted", "perl", "policycoreutils", "selinux-policy", "shadow-utils", "sssd-client"}

func expandLivemedia(b *kind.PresetBlock) (*kind.Expansion, hcl.Diagnostics) {
	x := &expander{b: b, distinctArches: true}
	return x.live(false)
}

func expandLivecd(b *kind.PresetBlock) (*kind.Expansion, hcl.Diagnostics) {
	x := &expander{b: b}
	x.diags = append(x.diags, warnf(b.Block.TypeRange.Ptr(), "livecd is built as livemedia",
		"Koji deprecated spin-livecd for spin-livemedia, and livecd-creator is gone from current distributions. imgpipe builds this ISO with livemedia-creator, as the livemedia preset does, and publishes it as Koji's spin-livecd does, N-V-R.iso; write a livemedia block for livemedia's N-arch-V-R.iso."))
	return x.live(true)
}

// live expands a livemedia block, or with livecd a livecd block: the same
// stages, the ISO published under spin-livecd's name.
func (x *expander) live(livecd bool) (*kind.Expansion, hcl.Diagnostics) {
	rng := x.b.DeclRange
	stages := x.fetchAndFlatten("install_tree_url", false, "livemedia")
	name := x.b.Label
	version, _ := knownStringValue(x.b.Config.Get("version"))
	lm := newBody(rng)
	lm.set("packages", strs(livemediaBuildroot, rng))
	lm.set("privileged", lit(cty.True, rng))
	lm.set("network", str("host", rng))
	// The script's prologue names the inputs where the executor puts
	// them; the rest is Koji's task, per arch (--macboot, the ISO name).
	inputs := []hclsyntax.Expression{ref("kickstart", "kickstart", rng)}
	prologue := shellVar("ks", ref("kickstart", "kickstart", rng))
	lorax := ""
	if e, ok := x.expr("lorax_url"); ok {
		st := newBody(e.Range())
		st.set("url", e)
		stages = append(stages, stage("fetch-ks", "lorax", st))
		inputs = append(inputs, ref("lorax", "tree", rng))
		prologue = append(prologue, shellVar("lorax", ref("lorax", "tree", rng))...)
		url, _ := knownStringValue(x.b.Config.Get("lorax_url"))
		if lorax, ok = scmCheckout(ChrootTmpdir, url); !ok {
			lorax = ChrootTmpdir + "/lorax-templates"
		}
	}
	scripts := map[string]cty.Value{}
	arches, _ := knownList(x.b.Config, "arches")
	for _, arch := range arches {
		arch = kojifacts.CanonArch(strings.TrimSpace(arch))
		opts := LivemediaOptions{
			Name: name, Version: version, Arch: arch,
			Volid:          x.stringValue("volid"),
			LoraxDir:       x.stringValue("lorax_dir"),
			LoraxTemplates: lorax,
			NoMacboot:      x.isTrue("nomacboot"),
			SquashfsOnly:   x.isTrue("squashfs_only"),
		}
		if v, ok := knownList(x.b.Config, "compress_arg"); ok {
			opts.CompressArgs = v
		}
		scripts[arch] = cty.StringVal(livemediaScript(opts, livecd))
	}
	lm.set("inputs", list(rng, inputs...))
	lm.set("commands", list(rng, template(rng, append(prologue, byArch(scripts, rng))...)))
	// The ISO's name holds the release, which the run may settle only
	// after planning: the script gets it in IMGPIPE_RELEASE and puts the
	// ISO, named as Koji names it, into the iso directory.
	lm.set("uses_release", lit(cty.True, rng))
	lm.set("outputs", strs([]string{"iso", "logs"}, rng))
	st := stage("chroot", "livemedia", lm)
	st.Image = x.attrOrDefault("buildroot_image", attrBuildroot.Default)
	stages = append(stages, st)

	publish := newBody(rng)
	// upload publishes the directory's one file under its own name.
	publish.set("artifacts", object(rng, "iso", ref("livemedia", "iso", rng)))
	publish.set("kickstarts", list(rng, ref("kickstart", "original", rng), ref("kickstart", "kickstart", rng)))
	publish.set("logs", list(rng, ref("livemedia", "logs", rng)))
	x.provenance(publish)
	stages = append(stages, stage("upload", "publish", publish))
	return &kind.Expansion{Build: x.build(), Stages: stages}, x.diags
}

// shellVar is the template parts of a shell line setting name to the
// string e evaluates to, through a quoted here-document: a path in the
// store may hold quotes or any other character but a newline.
func shellVar(name string, e hclsyntax.Expression) []any {
	return []any{name + "=$(cat <<'IMGPIPE_EOF'\n", e, "\nIMGPIPE_EOF\n)\n"}
}

// byArch is m[arch]: the value for the stage's architecture.
func byArch(m map[string]cty.Value, rng hcl.Range) hclsyntax.Expression {
	coll := cty.MapValEmpty(cty.String)
	if len(m) > 0 {
		coll = cty.MapVal(m)
	}
	return &hclsyntax.IndexExpr{
		Collection: lit(coll, rng), Key: variable("arch", rng),
		SrcRange: rng, OpenRange: rng, BracketRange: rng,
	}
}

func (x *expander) stringValue(name string) string {
	s, _ := knownStringValue(x.b.Config.Get(name))
	return s
}

func (x *expander) attrOrDefault(name string, def cty.Value) hclsyntax.Expression {
	if e, ok := x.expr(name); ok {
		return e
	}
	return lit(def, x.b.DeclRange)
}

func expandAppliance(b *kind.PresetBlock) (*kind.Expansion, hcl.Diagnostics) {
	x := &expander{b: b}
	rng := b.DeclRange
	stages := x.fetchAndFlatten("", false, "appliance")
	version, _ := knownStringValue(b.Config.Get("version"))
	format, _ := knownStringValue(b.Config.Get("format"))
	script := applianceScript(ApplianceOptions{
		Name: b.Label, Version: version,
		Vmem: x.stringValue("vmem"), Vcpu: x.stringValue("vcpu"), Format: format,
	})
	ap := newBody(rng)
	ap.set("packages", strs(applianceBuildroot, rng))
	ap.set("inputs", list(rng, ref("kickstart", "kickstart", rng)))
	// Koji bind-mounts /dev for appliance-creator (loop devices).
	ap.set("privileged", lit(cty.True, rng))
	ap.set("network", str("host", rng))
	ap.set("commands", list(rng, template(rng, append(shellVar("ks", ref("kickstart", "kickstart", rng)), script)...)))
	// The files' names hold the release, which the run may settle only
	// after planning: the script gets it in IMGPIPE_RELEASE.
	ap.set("uses_release", lit(cty.True, rng))
	ap.set("outputs", strs([]string{"disk", "xml", "logs"}, rng))
	st := stage("chroot", "appliance", ap)
	st.Image = x.attrOrDefault("buildroot_image", attrBuildroot.Default)
	stages = append(stages, st)

	// Koji publishes the files of app-output under their own names
	// (kojid ApplianceTask.handler): the disks, N-V-R-<disk>.raw.xz (Koji
	// runs appliance-creator without --no-compress, and appliance-tools'
	// ApplianceImageCreator._stage_final_image xz-compresses a raw disk),
	// and their libvirt description, N-V-R.xml.
	publish := newBody(rng)
	publish.set("artifacts", object(rng,
		applianceArtifact(format), ref("appliance", "disk", rng),
		"libvirt-xml", ref("appliance", "xml", rng)))
	publish.set("kickstarts", list(rng, ref("kickstart", "original", rng), ref("kickstart", "kickstart", rng)))
	publish.set("logs", list(rng, ref("appliance", "logs", rng)))
	x.provenance(publish)
	stages = append(stages, stage("upload", "publish", publish))
	return &kind.Expansion{Build: x.build(), Stages: stages}, x.diags
}
