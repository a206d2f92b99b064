package kojifacts_test

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/imgpipe/imgpipe/internal/kojifacts"
)

// Expected values: koji/__init__.py canonArch, whose patterns are fnmatch
// ones ("i?86" takes any character: "ix86"; "sparc64*" before "sparc*").
func TestCanonArch(t *testing.T) {
	for in, want := range map[string]string{
		"i686": "i386", "i386": "i386", "athlon": "i386", "ia32e": "x86_64",
		"x86_64": "x86_64", "ppc64le": "ppc64le", "ppc64": "ppc64", "ppc64p7": "ppc64",
		"armv7hl": "armhfp", "armv7hnl": "armhfp", "armv7l": "arm", "aarch64": "aarch64",
		"s390x": "s390x", "noarch": "noarch",
		"ix86": "i386", "i-86": "i386", "i8686": "i8686", "geode": "geode", "amd64": "amd64",
		"ppc64iseries": "ppc64", "ppc": "ppc",
		"sparc64v": "sparc64", "sparc64": "sparc64", "sparcv9v": "sparc", "sparcv8": "sparc", "sparc": "sparc",
		"alphaev67": "alpha", "alphapca56": "alpha", "alpha": "alpha",
		"armv6hl": "armhfp", "armv5tejl": "arm", "arm": "arm", "arm64": "arm",
		"x86-64": "x86-64",
	} {
		if got := kojifacts.CanonArch(in); got != want {
			t.Errorf("CanonArch(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckDistro(t *testing.T) {
	for _, ok := range []string{"Fedora-41", "Fedora-rawhide", "RHEL-9.4", "CentOS-8.5", "SL-7.9", "RHEL-5.11"} {
		if why := kojifacts.CheckDistro(ok); why != "" {
			t.Errorf("CheckDistro(%q) = %q, want accepted", ok, why)
		}
	}
	for bad, want := range map[string]string{
		"RHEL-9":           "has no minor version",
		"CentOS-9":         "has no minor version",
		"Fedora 41":        "not a distro Koji knows",
		"CentOS-Stream-9":  "not a distro Koji knows",
		"fedora-41":        "not a distro Koji knows",
		"Fedora-41-extras": "not a distro Koji knows",
	} {
		if why := kojifacts.CheckDistro(bad); !strings.Contains(why, want) {
			t.Errorf("CheckDistro(%q) = %q, want it to say %q", bad, why, want)
		}
	}
}

func TestShortenVolID(t *testing.T) {
	for _, tc := range []struct{ n, v, r, want string }{
		{"Fedora-Workstation-Live", "41", "1.4", "Fedora-WS-Live-41-1.4"},
		{"Fedora-WorkstationOstree", "Rawhide", "20241201.n.0", "Fedora-WS-rawh-20241201.n.0"},
		{"Fedora-Astronomy_KDE-Live", "41", "1.4", "Fedora-AstK-Live-41-1.4"},
		{"Fedora-Python-Classroom-Live", "41", "1", "Fedora-Clss-Live-41-1"},
		{"Fedora-Cloud-Base-Images", "41", "20241105.0", "Fedora-C-Base-img-41-20241105.0"},
		{"Some-Very-Long-Name-That-Goes-On", "41", "1", "Some-Very-Long-Name-That-Goes-On"},
		{"Fedora-Everything-Netinstall", "41", "1.10", "Fedora-E-Netinstall-41-1.10"},
	} {
		got := kojifacts.ShortenVolID(tc.n, tc.v, tc.r)
		if got != tc.want {
			t.Errorf("ShortenVolID(%q, %q, %q) = %q, want %q", tc.n, tc.v, tc.r, got, tc.want)
		}
		if n := utf8.RuneCountInString(got); n > 32 {
			t.Errorf("ShortenVolID(%q, %q, %q) is %d characters", tc.n, tc.v, tc.r, n)
		}
	}
}

// TestShortenVolIDCountsCharacters: builder/kojid ImageTask._shortenVolID
// cuts "%s-%s-%s" % (name, version, release) with volid[:32], a Python str
// slice, which counts characters (code points), not bytes. The expected
// values are that slice: a 31-character (36-byte) ID is kept whole, a
// 38-character one keeps its first 32 characters, and no character is cut
// in half.
func TestShortenVolIDCountsCharacters(t *testing.T) {
	for _, tc := range []struct{ n, v, r, want string }{
		{"Fedöra-Wörkstätion-Live-Éd", "41", "1", "Fedöra-Wörkstätion-Live-Éd-41-1"},
		{"Fedöra-Wörkstätion-Live-Édition", "41", "1.4", "Fedöra-Wörkstätion-Live-Édition-"},
		{"ÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜ", "41", "1", "ÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜÜ"},
	} {
		if got := kojifacts.ShortenVolID(tc.n, tc.v, tc.r); got != tc.want {
			t.Errorf("ShortenVolID(%q, %q, %q) = %q, want %q", tc.n, tc.v, tc.r, got, tc.want)
		}
	}
}

// TestImageFileName is a golden of Koji's image-build file names written by
// hand: every format of Koji's --format, plus vhdx, for one N-V-R and arch.
// A format missing here fails the test.
func TestImageFileName(t *testing.T) {
	want := map[string]string{
		"raw":                   "f-41-1.x86_64.raw",
		"raw-xz":                "f-41-1.x86_64.raw.xz",
		"qcow":                  "f-41-1.x86_64.qcow",
		"qcow2":                 "f-41-1.x86_64.qcow2",
		"vmdk":                  "f-41-1.x86_64.vmdk",
		"vdi":                   "f-41-1.x86_64.vdi",
		"vpc":                   "f-41-1.x86_64.vhd",
		"vhdx":                  "f-41-1.x86_64.vhdx",
		"tar-gz":                "f-41-1.x86_64.tar.gz",
		"liveimg-squashfs":      "f-41-1.x86_64.liveimg.squashfs",
		"docker":                "f-41-1.x86_64.tar.xz",
		"rhevm-ova":             "f-41-1.x86_64.rhevm.ova",
		"vsphere-ova":           "f-41-1.x86_64.vsphere.ova",
		"vagrant-libvirt":       "f-41-1.x86_64.vagrant-libvirt.box",
		"vagrant-virtualbox":    "f-41-1.x86_64.vagrant-virtualbox.box",
		"vagrant-vmware-fusion": "f-41-1.x86_64.vagrant-vmware-fusion.box",
		"vagrant-hyperv":        "f-41-1.x86_64.vagrant-hyperv.box",
	}
	for _, format := range append(slices.Clone(kojifacts.Formats), "vhdx") {
		w, ok := want[format]
		if !ok {
			t.Errorf("format %q has no file name in this golden", format)
			continue
		}
		if got := kojifacts.ImageFileName("f", "41", "1", "x86_64", format); got != w {
			t.Errorf("ImageFileName(%s) = %q, want %q", format, got, w)
		}
	}
	if len(want) != len(kojifacts.Formats)+1 {
		t.Errorf("the golden has %d formats, Koji %d plus vhdx", len(want), len(kojifacts.Formats))
	}
}

func TestOCIArch(t *testing.T) {
	for arch, want := range map[string]string{"x86_64": "amd64", "aarch64": "arm64", "i686": "386", "ppc64le": "ppc64le", "s390x": "s390x", "armhfp": "arm/v7"} {
		a, v := kojifacts.OCIArch(arch)
		if v != "" {
			a += "/" + v
		}
		if a != want {
			t.Errorf("%s: %s, want %s", arch, a, want)
		}
	}
}

func TestNextRelease(t *testing.T) {
	for latest, want := range map[string]string{
		"":             "1",
		"1":            "2",
		"123":          "124",
		"123.el8":      "124.el8",
		"20200922.n.0": "20200922.n.1",
		"1.2.3":        "1.2.4",
		"9.fc41":       "10.fc41",
		// kojihub get_next_release: str(int(release) + incr), and Python's
		// int is unbounded, so a release past 2^63 (or 2^64) still
		// increments; int() also drops leading zeros.
		"9223372036854775807":                "9223372036854775808",
		"9223372036854775808":                "9223372036854775809",
		"18446744073709551615.fc41":          "18446744073709551616.fc41",
		"20240101.n.99999999999999999999999": "20240101.n.100000000000000000000000",
		"007":                                "8",
	} {
		got, err := kojifacts.NextRelease(latest)
		if err != nil || got != want {
			t.Errorf("NextRelease(%q) = %q, %v; want %q", latest, got, err, want)
		}
	}
	for _, bad := range []string{"abc", "1.2.3.4", "a.b.c", "1a", "rc1.fc41", ".1", "1..2.x"} {
		if got, err := kojifacts.NextRelease(bad); err == nil {
			t.Errorf("NextRelease(%q) = %q, want an error", bad, got)
		}
	}
}

// Koji knows the names of koji/arch.py's arches table and of builder/kojid
// createDistRepoTask.compat, and whatever canonArch renames.
func TestKnownArch(t *testing.T) {
	for _, a := range []string{"x86_64", "aarch64", "ppc64le", "s390x", "i686", "ix86", "amd64",
		"sparcv9", "alphaev7", "armv7hl", "sh4a", "ia64", "riscv64", "loongarch64", "sw_64",
		"ppc64el"} { // fnmatch ppc64*: Koji builds Debian's name as ppc64, not ppc64le
		if !kojifacts.KnownArch(a) {
			t.Errorf("KnownArch(%q) = false, want true", a)
		}
	}
	for _, a := range []string{"x86-64", "X86_64", "amd-64", "arch64", "", "noarch", "src", "../x"} {
		if kojifacts.KnownArch(a) {
			t.Errorf("KnownArch(%q) = true, want false", a)
		}
	}
}

// oz/TDL.py TDL.__init__ accepts i386, x86_64, ppc64, ppc64le, armv7l,
// aarch64 and s390x; builder/kojid OzImageTask.makeTemplate writes armhfp
// as armv7l.
func TestOzArchProblem(t *testing.T) {
	for _, a := range []string{"i386", "x86_64", "ppc64", "ppc64le", "aarch64", "armhfp", "s390x"} {
		if why := kojifacts.OzArchProblem(a); why != "" {
			t.Errorf("OzArchProblem(%q) = %q, want none", a, why)
		}
	}
	for _, a := range []string{"riscv64", "sparc64", "alpha", "arm", "ppc", "s390", "ia64"} {
		if why := kojifacts.OzArchProblem(a); !strings.Contains(why, "Oz installs only") {
			t.Errorf("OzArchProblem(%q) = %q, want a refusal", a, why)
		}
	}
}

// kojihub/kojihub.py verify_name_internal with kojihub/kojixmlrpc.py's
// defaults (RegexNameInternal ^[A-Za-z0-9/_.+-]+$, MaxNameLengthInternal
// 256), and no "/" or ".." (imgpipe's addition: the name is a directory).
func TestCheckPackageName(t *testing.T) {
	for _, ok := range []string{"fedora-cloud", "Fedora-Cloud-Base", "gcc-c++", "python3.12", "a_b", "x", strings.Repeat("n", 256)} {
		if why := kojifacts.CheckPackageName(ok); why != "" {
			t.Errorf("CheckPackageName(%q) = %q, want accepted", ok, why)
		}
	}
	for bad, want := range map[string]string{
		"../../etc/cron.d/evil":  "would be a path",
		"a/b":                    "would be a path",
		"..":                     "would be a path",
		"a..b":                   "would be a path",
		".":                      "would be a path",
		"fedora cloud":           "characters Koji refuses",
		"evil\n":                 "characters Koji refuses",
		"café":                   "characters Koji refuses",
		"a:b":                    "characters Koji refuses",
		strings.Repeat("n", 257): "at most 256",
	} {
		if why := kojifacts.CheckPackageName(bad); !strings.Contains(why, want) {
			t.Errorf("CheckPackageName(%q) = %q, want it to say %q", bad, why, want)
		}
	}
}
