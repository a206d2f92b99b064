package kojifacts

import (
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strings"
)

// Formats are the values of `koji image-build --format`, in Koji's order.
var Formats = []string{
	"vmdk", "qcow", "qcow2", "vdi", "vpc", "rhevm-ova", "vsphere-ova",
	"vagrant-virtualbox", "vagrant-libvirt", "vagrant-vmware-fusion",
	"vagrant-hyperv", "docker", "raw-xz", "liveimg-squashfs", "tar-gz", "raw",
}

// CanonArch normalises an architecture name as koji.canonArch
// (koji/__init__.py) does. Its fnmatch patterns are spelled out: "i?86"
// takes any one character, so "ix86" is i386 too.
func CanonArch(arch string) string {
	rest, arm := strings.CutPrefix(arch, "arm")
	switch {
	case len(arch) == 4 && arch[0] == 'i' && arch[2:] == "86", arch == "athlon":
		return "i386"
	case arch == "ia32e":
		return "x86_64"
	case arch == "ppc64le":
		return "ppc64le"
	case strings.HasPrefix(arch, "ppc64"):
		return "ppc64"
	case strings.HasPrefix(arch, "sparc64"):
		return "sparc64"
	case strings.HasPrefix(arch, "sparc"):
		return "sparc"
	case strings.HasPrefix(arch, "alpha"):
		return "alpha"
	case arm && strings.Contains(rest, "h"):
		return "armhfp"
	case arm:
		return "arm"
	}
	return arch
}

// KnownArches are the architecture names Koji knows: the keys and values
// of koji/arch.py's arches table (yum's rpmUtils.arch) and of
// builder/kojid's createDistRepoTask.compat, which adds aarch64, riscv64,
// sw_64 and loongarch64; without noarch and src, which no image has.
var KnownArches = []string{
	"i386", "i486", "i586", "i686", "athlon", "geode",
	"x86_64", "amd64", "ia32e",
	"ppc", "ppc64", "ppc64p7", "ppc64pseries", "ppc64iseries", "ppc64le",
	"s390", "s390x",
	"sparc", "sparcv8", "sparcv9", "sparcv9v", "sparc64", "sparc64v",
	"alpha", "alphaev4", "alphaev45", "alphaev5", "alphaev56", "alphapca56",
	"alphaev6", "alphaev67", "alphaev68", "alphaev7",
	"arm", "armv4l", "armv4tl", "armv5tel", "armv5tejl", "armv6l", "armv7l",
	"armhfp", "armv6hl", "armv7hl", "armv7hnl",
	"aarch64", "arm64",
	"sh3", "sh4", "sh4a",
	"ia64", "riscv64", "sw_64", "loongarch64",
}

// KnownArch reports whether Koji knows arch: it is one of KnownArches or
// one of canonArch's patterns renames it ("ix86", "sparcv9b").
func KnownArch(arch string) bool {
	return slices.Contains(KnownArches, arch) || CanonArch(arch) != arch
}

// OzArchProblem says why Oz cannot install an image-build guest on arch
// (a canonical arch), or "" when it can. Koji itself does not check: the
// arch's createImage task fails, and only that arch when it is in can_fail
// (builder/kojid BuildBaseImageTask.handler, optional_arches).
func OzArchProblem(arch string) string {
	// builder/kojid OzImageTask.makeTemplate writes armhfp as armv7l.
	tdl := arch
	if arch == "armhfp" || arch == "armv7hl" || arch == "armv7hnl" {
		tdl = "armv7l"
	}
	// oz/TDL.py TDL.__init__: "Architecture must be one of 'i386, x86_64,
	// ppc64, ppc64le, armv7l, aarch64, or s390x'".
	if !slices.Contains(ozArches, tdl) {
		return fmt.Sprintf("Oz installs only %s guests, so Koji's image-build fails on %s", strings.Join(ozArches, ", "), arch)
	}
	return ""
}

// ozArches are the architectures oz/TDL.py accepts in a template.
var ozArches = []string{"i386", "x86_64", "ppc64", "ppc64le", "aarch64", "armv7l", "s390x"}

// OCIArch is the container (OCI, GOARCH) architecture and variant of a
// Koji arch. ImageFactory maps only x86_64 (amd64) and armv7hl (armhfp);
// the others it leaves as they are, which container engines do not
// recognise.
func OCIArch(arch string) (goarch, variant string) {
	switch arch {
	case "x86_64":
		return "amd64", ""
	case "aarch64":
		return "arm64", ""
	case "i386", "i486", "i586", "i686":
		return "386", ""
	case "armhfp", "armv7hl", "armv7l":
		return "arm", "v7"
	}
	return arch, ""
}

var distroForms = regexp.MustCompile(`^(?:(?:RHEL|CentOS|SL)-\d+\.\d+|Fedora-[0-9A-Za-z]+)$`)

// CheckDistro reports why distro is not a form Koji's parseDistro accepts,
// or "" when it is.
func CheckDistro(distro string) string {
	if distroForms.MatchString(distro) {
		return ""
	}
	if m := regexp.MustCompile(`^(RHEL|CentOS|SL)-(\d+)$`).FindStringSubmatch(distro); m != nil {
		return fmt.Sprintf("%q has no minor version; Koji needs %s-%s.Y (a dotless value crashes its builder).", distro, m[1], m[2])
	}
	return fmt.Sprintf("%q is not a distro Koji knows. Write it as Fedora-NN, RHEL-X.Y, CentOS-X.Y or SL-X.Y, e.g. Fedora-41.", distro)
}

// volIDSubs is Koji's _shortenVolID table.
var volIDSubs = map[string]string{
	"Beta": "B", "Rawhide": "rawh", "Astronomy_KDE": "AstK", "Atomic": "AH",
	"Cinnamon": "Cinn", "Cloud": "C", "Design_suite": "Dsgn",
	"Electronic_Lab": "Elec", "Everything": "E", "Games": "Game",
	"Images": "img", "Jam_KDE": "Jam", "MATE_Compiz": "MATE",
	"Python-Classroom": "Clss", "Python_Classroom": "Clss", "Robotics": "Robo",
	"Scientific_KDE": "SciK", "Security": "Sec", "Server": "S",
	"Workstation": "WS", "WorkstationOstree": "WS",
}

// VolIDSubstitutions is Koji's _shortenVolID table in the order Koji
// applies it: longest key first (ties in key order, which the table's keys
// never need), as [key, replacement] pairs.
func VolIDSubstitutions() [][2]string {
	subs := make([][2]string, 0, len(volIDSubs))
	for k, v := range volIDSubs {
		subs = append(subs, [2]string{k, v})
	}
	slices.SortFunc(subs, func(a, b [2]string) int {
		if len(a[0]) != len(b[0]) {
			return len(b[0]) - len(a[0])
		}
		return strings.Compare(a[0], b[0])
	})
	return subs
}

// ShortenVolIDPart is one of N, V and R with Koji's substitutions applied.
func ShortenVolIDPart(s string) string {
	for _, kv := range VolIDSubstitutions() {
		s = strings.ReplaceAll(s, kv[0], kv[1])
	}
	return s
}

// ShortenVolID derives a live ISO's volume ID from N, V and R as Koji does:
// the substitution table applied longest key first, joined with "-" and
// cut to 32 characters. Characters, as Python's str slice counts them, not
// bytes: a non-ASCII name keeps as many characters as an ASCII one.
func ShortenVolID(name, version, release string) string {
	v := []rune(ShortenVolIDPart(name) + "-" + ShortenVolIDPart(version) + "-" + ShortenVolIDPart(release))
	if len(v) > MaxVolIDChars {
		v = v[:MaxVolIDChars]
	}
	return string(v)
}

// MaxVolIDChars is the most characters Koji allows in a volume ID
// (spin-livemedia's "Volume ID has a maximum length of 32 characters").
const MaxVolIDChars = 32

// ImageFileName is Koji's name for an image-build artifact of one format:
// N-V-R.arch, then a suffix per format
// (docs/koji-behaviour.md#image-formats-and-file-names).
func ImageFileName(name, version, release, arch, format string) string {
	base := fmt.Sprintf("%s-%s-%s.%s", name, version, release, arch)
	switch {
	case strings.Contains(format, "ova"), format == "raw-xz", format == "liveimg-squashfs", format == "tar-gz":
		return base + "." + strings.ReplaceAll(format, "-", ".")
	case strings.HasPrefix(format, "vagrant"):
		return base + "." + format + ".box"
	case format == "docker":
		return base + ".tar.xz"
	case format == "vpc":
		return base + ".vhd"
	}
	return base + "." + format
}

// NextRelease increments a release as Koji's get_next_release does
// (docs/koji-behaviour.md#release-numbering): "" → "1", "N" → "N+1", "N.suffix" → "N+1.suffix",
// "a.b.N" → "a.b.N+1"; anything else is an error asking for an explicit
// release. N is a decimal of any length, as Koji's Python int is unbounded
// ("18446744073709551615" → "18446744073709551616"), and loses its leading
// zeros as int() does ("007" → "8").
func NextRelease(latest string) (string, error) {
	if latest == "" {
		return "1", nil
	}
	parts := strings.Split(latest, ".")
	inc := func(s string) (string, bool) {
		if !numeric.MatchString(s) {
			return "", false
		}
		n, ok := new(big.Int).SetString(s, 10)
		if !ok {
			return "", false
		}
		return n.Add(n, big.NewInt(1)).String(), true
	}
	switch len(parts) {
	case 1:
		if n, ok := inc(parts[0]); ok {
			return n, nil
		}
	case 2:
		if n, ok := inc(parts[0]); ok {
			return n + "." + parts[1], nil
		}
	case 3:
		if n, ok := inc(parts[2]); ok {
			return parts[0] + "." + parts[1] + "." + n, nil
		}
	}
	return "", fmt.Errorf("cannot increment release %q (Koji increments N, N.suffix and a.b.N); set release in the recipe", latest)
}

var numeric = regexp.MustCompile(`^[0-9]+$`)

// packageNameChars is kojihub's default RegexNameInternal
// (kojihub/kojixmlrpc.py load_config), which verify_name_internal
// (kojihub/kojihub.py) applies to a new package's name.
var packageNameChars = regexp.MustCompile(`^[A-Za-z0-9/_.+-]+$`)

// MaxPackageName is kojihub's default MaxNameLengthInternal.
const MaxPackageName = 256

// CheckPackageName says why name cannot be a build's (Koji package's)
// name, or "" when it can. It applies Koji's verify_name_internal with the
// hub's defaults, and refuses too what Koji allows but a file name cannot
// hold: "/" and "..", because the name becomes a directory of the store
// and of the N-V-R file names (docs/koji-behaviour.md#build-names).
func CheckPackageName(name string) string {
	switch {
	case len(name) > MaxPackageName:
		return fmt.Sprintf("a Koji package name has at most %d characters; this one has %d", MaxPackageName, len(name))
	case strings.Contains(name, "/"), strings.Contains(name, ".."), name == ".":
		return fmt.Sprintf("%q would be a path, not a name: a build's name cannot contain \"/\" or \"..\"", name)
	case !packageNameChars.MatchString(name):
		return fmt.Sprintf("%q has characters Koji refuses in a package name; use letters, digits and . _ + -", name)
	}
	return ""
}
